// Process options: command, environment, working directory, user, terminal.
import { linux, process_, type SpecOpt } from './types.ts';

export const withArgs = (args: string[]): SpecOpt => (s) => { process_(s).args = args; };
export const withEnv = (env: string[]): SpecOpt => (s) => { process_(s).env = env; };
export const withCwd = (cwd: string): SpecOpt => (s) => { process_(s).cwd = cwd || '/'; };
export const withTerminal = (tty: boolean): SpecOpt => (s) => { process_(s).terminal = tty; };
export const withHostname = (name: string): SpecOpt => (s) => { s.hostname = name; };

export const withUser = (uid: number, gid: number, additionalGids: number[] = []): SpecOpt => (s) => {
  process_(s).user = { uid, gid, ...(additionalGids.length ? { additionalGids } : {}) };
};

export const withRlimits = (rlimits: { type: string; soft: number; hard: number }[]): SpecOpt => (s) => {
  process_(s).rlimits = rlimits;
};

/** --umask: the process's file mode creation mask (an octal string). */
export const withUmask = (umask: string | undefined): SpecOpt => (s) => {
  if (umask !== undefined) process_(s).user.umask = parseInt(umask, 8);
};

/** --personality: the execution domain the runtime sets with personality(2) before the process starts. */
export const withPersonality = (domain: string | undefined): SpecOpt => (s) => {
  if (domain !== undefined) linux(s).personality = { domain };
};

/** --init: the init binary bind-mounted at /run/podman-init (Podman's path) runs the command as its child. */
export const withInit = (initPath: string): SpecOpt => (s) => {
  const p = process_(s);
  p.args = ['/run/podman-init', '--', ...p.args];
  s.mounts.push({ destination: '/run/podman-init', type: 'bind', source: initPath, options: ['bind', 'rprivate', 'ro'] });
};

export const withAnnotations = (annotations: Record<string, string>): SpecOpt => (s) => {
  if (Object.keys(annotations).length) s.annotations = { ...s.annotations, ...annotations };
};
