// Process options: command, environment, working directory, user, terminal.
import { process_, type SpecOpt } from './types.ts';

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
