// Thin adapter over an OCI runtime's CLI (runc-compatible: crun, runc).
// It holds no container state; the engine's state machine decides what to call.
import { execFile } from 'node:child_process';
import { closeSync, constants, existsSync, openSync, readdirSync, readlinkSync, readSync, unlinkSync, writeSync } from 'node:fs';
import { basename, join } from 'node:path';
import { HuskError } from '../common/errors.ts';
import { logDebug } from '../common/log.ts';
import { installPath } from '../common/paths.ts';
import { processStartTime } from '../common/process.ts';
import { runtimeUnsupported } from './cgroups.ts';
import { spawnDetached } from './native-spawn.ts';

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

  /** A --runtime-flag moved the runtime's state elsewhere: husk cannot see it under stateRoot. */
  get rootMoved(): boolean {
    return this.flags.some((f) => /^-{0,2}root\b/.test(f));
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

  /**
   * Starts a created container. For runc and crun husk does what their
   * `start` does itself (a runtime process fewer: ~20 ms here): both park
   * the container's init on `STATE/ID/exec.fifo` until start opens it, and
   * take a missing fifo to mean started. runc's init writes a byte that
   * start reads; crun's init reads a byte that start writes. Neither start
   * does more when no NOTIFY_SOCKET reaches it (husk strips it) and the
   * spec has no poststart hooks (husk writes none). Any other runtime, or a
   * --runtime-flag that moves its state, gets its own `start`.
   */
  async start(id: string, initPid?: number): Promise<void> {
    if (!initPid || (this.name !== 'runc' && this.name !== 'crun') || this.rootMoved) {
      await this.run(['start', id]);
      return;
    }
    const fifo = join(this.stateRoot, id, 'exec.fifo');
    logDebug(`starting ${id} through ${fifo}`);
    if (this.name === 'crun') return crunFifoStart(fifo, id);
    return runcFifoStart(fifo, id, initPid);
  }
  /** `all` signals every process; without a cgroup only init (its pid namespace dies with it). */
  kill(id: string, signal: string, all = false) { return this.run(['kill', ...(all && this.cgroups ? ['--all'] : []), id, signal]); }
  delete(id: string) { return this.run(['delete', '--force', id], { allowFail: true }); }

  /**
   * Deletes without waiting: for a container that is being removed (its ID is
   * never reused), or whose lock the runtime inherits as lockFd (held until
   * it exits, so nothing else touches the container meanwhile): husk can
   * return while the runtime tidies its cgroups.
   */
  deleteInBackground(id: string, lockFd?: number): void {
    spawnDetached([this.path, ...this.globalArgs(), 'delete', '--force', id], runtimeEnv(), ['ignore', 'ignore', 'ignore', ...(lockFd === undefined ? [] : [lockFd])]);
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

/** crun's start: its init holds the fifo open for reading since create; one byte releases it. */
function crunFifoStart(fifo: string, id: string): void {
  let fd: number;
  try {
    fd = openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    // No fifo: started already; no reader: the init is gone (crun's own words for both).
    throw new HuskError('RUNTIME', code === 'ENOENT' ? `crun start: container \`${id}\` is already started` : `crun start: container \`${id}\` is not running`);
  }
  try {
    unlinkSync(fifo);
    writeSync(fd, Buffer.alloc(1));
  } finally {
    closeSync(fd);
  }
}

/**
 * runc's start: its init blocks opening the fifo for writing until a reader
 * opens it, then writes one byte and execs the process. The read end is
 * opened non-blocking and polled on a timer (a server's event loop never
 * waits), checking meanwhile that the init is still alive, as runc does.
 */
async function runcFifoStart(fifo: string, id: string, pid: number): Promise<void> {
  let fd: number;
  try {
    fd = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new HuskError('RUNTIME', 'runc start: cannot start an already running container');
    throw e;
  }
  try {
    const buf = Buffer.alloc(16);
    const readSome = () => {
      try {
        return readSync(fd, buf, 0, buf.length, null);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') throw e;
        return 0;
      }
    };
    const deadline = Date.now() + 60_000;
    for (let wait = 0; ; wait = Math.min(Math.max(wait * 2, 1), 20)) {
      if (wait) await new Promise((r) => setTimeout(r, wait));
      if (readSome() > 0) break;
      // Nothing yet (no writer so far, or one that has not written): the init may have died
      // (gone, or a zombie until conmon reaps it), or written, run and exited since that
      // read (a `true`): its byte is then still there.
      if (processStartTime(pid) === undefined) {
        if (readSome() > 0) break;
        throw new HuskError('RUNTIME', 'runc start: container process is already dead');
      }
      if (Date.now() > deadline) throw new HuskError('RUNTIME', `runc start: the init of ${id} did not open ${fifo} within 60 s`);
    }
    unlinkSync(fifo);
  } finally {
    closeSync(fd);
  }
}

/**
 * --preserve-fds N for conmon: the fds 3..3+N-1 it is handed (the same
 * numbers in the container process), and the runtime option that passes them on.
 */
export function preservedFds(n = 0): { fds: number[]; args: string[] } {
  return { fds: Array.from({ length: n }, (_, k) => 3 + k), args: n ? ['--runtime-opt', '--preserve-fds', '--runtime-opt', String(n)] : [] };
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
