// Thin adapter over an OCI runtime's CLI (runc-compatible: crun, runc).
// It holds no container state; the engine's state machine decides what to call.
import { execFile, spawn } from 'node:child_process';
import { existsSync, readdirSync, readlinkSync } from 'node:fs';
import { basename, join } from 'node:path';
import { HuskError } from '../common/errors.ts';
import { logDebug } from '../common/log.ts';
import { installPath } from '../common/paths.ts';
import { runtimeUnsupported } from './cgroups.ts';

export interface RuntimeChoice {
  name: string;
  path: string;
  /**
   * Set when the runtime runs through native/build/husk-crun, which hides
   * the hybrid host's cgroup2 mount from it (crun refuses hybrid hosts).
   */
  wrapper?: string;
  /** Set when the configured runtime was replaced, saying why (for `husk info`). */
  fallbackReason?: string;
}

/** Resolves the runtime to use; an explicit choice that cannot run here falls back to runc. */
export function chooseRuntime(requested: string | undefined, paths: Record<string, string[]>, wrapper = installPath('native/build/husk-crun')): RuntimeChoice {
  const find = (name: string): string | undefined =>
    name.startsWith('/') ? (existsSync(name) ? name : undefined) : (paths[name] ?? []).find((p) => existsSync(p));
  const want = requested ?? 'crun';
  const wantName = want.startsWith('/') ? basename(want) : want;
  const wantPath = find(want);
  let why = runtimeUnsupported(wantName);
  if (wantPath && !why) return { name: wantName, path: wantPath };
  if (wantPath && wantName === 'crun') {
    if (existsSync(wrapper)) return { name: wantName, path: wantPath, wrapper };
    why = `${why} and ${wrapper} is missing`;
  }
  const runc = find('runc');
  if (runc && wantName !== 'runc') {
    return { name: 'runc', path: runc, fallbackReason: why ?? `${want} not found` };
  }
  throw new HuskError('RUNTIME', `OCI runtime "${want}" not found or unusable${why ? `: ${why}` : ''}`);
}

/**
 * systemd's per-service variables, which the runtime and conmon must not
 * see: runc acts on NOTIFY_SOCKET itself (`runc start` would bind a socket
 * and wait for READY=1) and on LISTEN_FDS; husk handles both
 * (src/engine/container/sdnotify.ts).
 */
export const SYSTEMD_ENV = ['NOTIFY_SOCKET', 'LISTEN_PID', 'LISTEN_FDS', 'LISTEN_FDNAMES'];

/** This process's environment without SYSTEMD_ENV. */
export function runtimeEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const k of SYSTEMD_ENV) delete env[k];
  return env;
}

export class OciRuntime {
  readonly name: string;
  /** What husk and conmon execute: the runtime, or its wrapper (then the runtime's path is the first argument). */
  readonly path: string;
  private readonly wrapped: string | undefined;
  /** The runtime's state directory, kept under husk's run root so stores stay separate. */
  readonly stateRoot: string;

  /** False for rootless containers without a cgroup: `kill --all` (which reads the cgroup) cannot work. */
  private readonly cgroups: boolean;

  /** --runtime-flag: extra global flags before every subcommand. */
  readonly flags: string[];
  constructor(choice: RuntimeChoice, runroot: string, opts: { cgroups?: boolean; flags?: string[] } = {}) {
    this.flags = opts.flags ?? [];
    this.name = choice.name;
    this.path = choice.wrapper ?? choice.path;
    this.wrapped = choice.wrapper ? choice.path : undefined;
    this.stateRoot = join(runroot, 'runtime', choice.name);
    this.cgroups = opts.cgroups ?? true;
  }

  /** Global arguments placed before every subcommand. */
  globalArgs(): string[] {
    return [...(this.wrapped ? [this.wrapped] : []), '--root', this.stateRoot, ...this.flags];
  }

  run(args: string[], opts: { allowFail?: boolean } = {}): Promise<{ code: number; stdout: string; stderr: string }> {
    logDebug(`running runtime: ${this.path}`, { args: `[${[...this.globalArgs(), ...args].join(' ')}]` });
    return new Promise((resolve, reject) => {
      execFile(this.path, [...this.globalArgs(), ...args], { maxBuffer: 16 << 20, env: runtimeEnv() }, (err, stdout, stderr) => {
        const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
        if (code !== 0 && !opts.allowFail) {
          reject(new HuskError('RUNTIME', `${this.name} ${args[0]}: ${runtimeMessage(stderr) || err?.message}`));
        } else resolve({ code, stdout, stderr });
      });
    });
  }

  start(id: string) { return this.run(['start', id]); }
  /** `all` signals every process; without a cgroup only init (its pid namespace dies with it). */
  kill(id: string, signal: string, all = false) { return this.run(['kill', ...(all && this.cgroups ? ['--all'] : []), id, signal]); }
  delete(id: string) { return this.run(['delete', '--force', id], { allowFail: true }); }

  /**
   * Deletes without waiting: for a container that is being removed (its ID is
   * never reused), so husk can return while the runtime tidies its cgroups.
   */
  deleteInBackground(id: string): void {
    spawn(this.path, [...this.globalArgs(), 'delete', '--force', id], { stdio: 'ignore', detached: true, env: runtimeEnv() }).unref();
  }
  pause(id: string) { return this.run(['pause', id]); }
  resume(id: string) { return this.run(['resume', id]); }

  /**
   * Whether this runtime can checkpoint and restore: runc always calls CRIU;
   * crun only when built with it (`+CRIU` in its --version). CRIU itself must
   * be installed either way.
   */
  async supportsCheckpoint(criuPath: string | undefined): Promise<boolean> {
    if (!criuPath) return false;
    if (this.name !== 'crun') return true;
    const r = await new Promise<string>((resolve) => execFile(this.wrapped ?? this.path, ['--version'], (_e, out) => resolve(String(out ?? ''))));
    return /\+CRIU\b/.test(r);
  }

  /**
   * `RUNTIME checkpoint`: CRIU dumps the container's processes into
   * imagePath (its log, dump.log, into workPath). Without leaveRunning the
   * runtime kills the container once the dump is written.
   */
  checkpoint(id: string, o: { imagePath: string; workPath: string; leaveRunning?: boolean; tcpEstablished?: boolean; fileLocks?: boolean; preDump?: boolean; parentPath?: string }) {
    return this.run(['checkpoint', '--image-path', o.imagePath, '--work-path', o.workPath,
      ...(o.leaveRunning ? ['--leave-running'] : []), ...(o.tcpEstablished ? ['--tcp-established'] : []),
      ...(o.fileLocks ? ['--file-locks'] : []), ...(o.preDump ? ['--pre-dump'] : []),
      ...(o.parentPath ? ['--parent-path', o.parentPath] : []), id]);
  }

  async state(id: string): Promise<{ status: string; pid: number } | undefined> {
    const r = await this.run(['state', id], { allowFail: true });
    if (r.code !== 0) return undefined;
    return JSON.parse(r.stdout) as { status: string; pid: number };
  }

  async pids(id: string): Promise<number[]> {
    if (!this.cgroups) return this.pidsByNamespace(id);
    const r = await this.run(['ps', '--format', 'json', id]);
    return (JSON.parse(r.stdout || '[]') as number[] | null) ?? [];
  }

  /** `runc ps` reads the cgroup; without one, the container is its init's pid namespace. */
  private async pidsByNamespace(id: string): Promise<number[]> {
    const st = await this.state(id);
    if (!st?.pid) return [];
    const ns = (p: number | string) => { try { return readlinkSync(`/proc/${p}/ns/pid`); } catch { return ''; } };
    const mine = ns(st.pid);
    if (!mine) return [];
    return readdirSync('/proc').filter((p) => /^\d+$/.test(p) && ns(p) === mine).map(Number);
  }
}

/** Extracts the human part of a runtime error (runc logs JSON or logfmt lines). */
export function runtimeMessage(stderr: string): string {
  // crun ends a usage error with a "Try `crun --help'" hint: the error is the line before.
  const lines = stderr.trim().split('\n').filter((l) => l && !/^Try `\S+ --help'/.test(l));
  const last = lines.at(-1) ?? '';
  try {
    const j = JSON.parse(last) as { msg?: string };
    if (j.msg) return j.msg;
  } catch {}
  const m = /msg="((?:[^"\\]|\\.)*)"/.exec(last);
  return m ? m[1].replace(/\\"/g, '"') : last;
}

/** Maps a runtime's failure to start the process onto Podman's exit codes. */
export function classifyStartError(message: string, command: string): HuskError {
  // Only failures of the exec itself: a missing mount source must stay a 125.
  if (/executable file not found|exec: "[^"]*": stat [^:]*: no such file or directory|exec[^:]*: no such file or directory/i.test(message)) {
    return new HuskError('CMD_NOT_FOUND', `${command}: executable file not found in $PATH: No such file or directory: OCI runtime attempted to invoke a command that was not found`);
  }
  // crun says "open executable: Operation not permitted" for a directory.
  if (/exec[^:]*:.*(permission denied|operation not permitted|exec format error|is a directory)/i.test(message)) {
    return new HuskError('CMD_CANNOT_INVOKE', `${command}: ${/ermission|not permitted/.test(message) ? 'Permission denied' : message}: OCI permission denied`);
  }
  return new HuskError('RUNTIME', `OCI runtime error: ${message}`);
}
