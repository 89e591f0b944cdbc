// Launching conmon in exec mode (conmon 2.1, API version 1): one more process
// in a running container, monitored by its own conmon like the container's.
//
// Protocol, as for create (conmon.ts) plus one pipe for attached sessions:
// conmon reads _OCI_STARTPIPE once before it forks. With --exec-attach it
// then binds BUNDLE/attach and the ctl FIFO, reports {"data": 0} on
// _OCI_ATTACHPIPE, and waits for a second write on the start pipe before it
// runs `RUNTIME exec --detach`, so a client that connects in between misses
// no output. On _OCI_SYNCPIPE it reports {"data": PID} once the process runs
// (a negative data and "message" when the runtime failed), then
// {"data": EXIT_CODE} when the process exits; the exit code also goes to
// EXITDIR/CONTAINER_ID. conmon double-forks into its own session, so the
// process outlives the caller.
import { spawn } from 'node:child_process';
import { closeSync, writeSync } from 'node:fs';
import type { Socket } from 'node:net';
import { HuskError } from '../common/errors.ts';
import { conmonLogArgs, logDebug } from '../common/log.ts';
import { preservedFds, runtimeMessage, type OciRuntime } from './oci.ts';

export interface ConmonExec {
  conmonPath: string;
  /** See ConmonCreate.launcher. */
  launcher?: string[];
  runtime: OciRuntime;
  containerId: string;
  containerName: string;
  sessionId: string;
  /** The session's directory: attach socket, ctl FIFO, pid files. */
  bundle: string;
  /** The OCI process (config.json's `process`) to run. */
  processSpec: string;
  pidFile: string;
  conmonPidFile: string;
  /** conmon writes the exit code to EXITDIR/CONTAINER_ID: one directory per session. */
  exitDir: string;
  terminal: boolean;
  stdin: boolean;
  /** Wait for a client on the attach socket before the process starts. */
  attach: boolean;
  /** Our fds 3..3+N-1 go to the process as the same numbers (`RUNTIME exec --preserve-fds N`). */
  preserveFds?: number;
}

export interface ExecMonitor {
  /** Attached sessions: the attach socket is ready; connect, then call start(). */
  attachReady: Promise<void>;
  /** Attached sessions: lets conmon run the process. */
  start(): void;
  /** The process's host pid once it runs; rejects with the runtime's error (HuskError RUNTIME). */
  pid: Promise<number>;
  /** The process's exit code (128+n for signal n), as conmon reports it. */
  exit: Promise<number>;
  /** Stops listening; the process and conmon carry on. */
  release(): void;
}

export function conmonExecArgs(o: ConmonExec): string[] {
  const args = [
    '--api-version', '1', '-c', o.containerId, '-u', o.sessionId, '-r', o.runtime.path, '-b', o.bundle,
    '-p', o.pidFile, '-P', o.conmonPidFile, '-n', o.containerName, '--exit-dir', o.exitDir, '--full-attach',
    '-l', 'none', ...conmonLogArgs(), '-e', '--exec-process-spec', o.processSpec,
  ];
  for (const a of o.runtime.globalArgs()) args.push('--runtime-arg', a);
  if (o.attach) args.push('--exec-attach');
  if (o.terminal) args.push('-t');
  if (o.stdin) args.push('-i');
  args.push(...preservedFds(o.preserveFds).args);
  return args;
}

/** Reads conmon's JSON lines ({"data": N, "message"?: S}) from a pipe. */
function lines(sock: Socket, onLine: (m: { data: number; message?: string }) => void, onClose: () => void): void {
  let buf = '';
  sock.on('data', (d: Buffer) => {
    buf += d.toString('utf8');
    for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      onLine(parseLine(line));
    }
  });
  sock.on('close', onClose);
  sock.on('error', () => {});
}

function deferred<T>() {
  let resolve!: (v: T) => void, reject!: (e: Error) => void;
  const p = new Promise<T>((res, rej) => { resolve = res; reject = rej; });
  p.catch(() => {}); // callers may ignore a promise (a detached session never awaits `exit`)
  return { p, resolve, reject };
}

/**
 * Starts conmon for one exec session. native: posix_spawn and plain pipes
 * read on the threadpool (native-spawn.ts; a one-shot caller's choice), else
 * child_process with event-loop sockets.
 */
export async function conmonExec(o: ConmonExec, native = false): Promise<ExecMonitor> {
  if (!o.conmonPath) throw new HuskError('RUNTIME', 'conmon not found: install the conmon package');
  const argv = [...(o.launcher ?? []), o.conmonPath, ...conmonExecArgs(o)];
  logDebug(`running conmon: ${o.conmonPath}`, { args: `[${argv.slice(argv.indexOf(o.conmonPath) + 1).join(' ')}]` });
  return native ? conmonExecNative(o, argv) : conmonExecChild(o, argv);
}

async function conmonExecNative(o: ConmonExec, argv: string[]): Promise<ExecMonitor> {
  const ns = await import('./native-spawn.ts');
  const [syncR, syncW] = ns.pipeFromChild();
  const [startR, startW] = ns.pipeToChild();
  const [attachR, attachW] = o.attach ? ns.pipeFromChild() : [undefined, undefined];
  try {
    ns.spawnDetached(argv, execEnv(o), ['ignore', 'ignore', 'ignore', ...preserved(o), syncW, startR, ...(attachW === undefined ? [] : [attachW])], o.bundle);
  } catch (e) {
    for (const fd of [syncR, syncW, startR, startW, attachR, attachW]) if (fd !== undefined) closeSync(fd);
    throw new HuskError('RUNTIME', `conmon: ${(e as Error).message}`);
  }
  for (const fd of [syncW, startR, attachW]) if (fd !== undefined) closeSync(fd);
  const r = execReports();
  let startOpen = true;
  const closeStart = () => { if (startOpen) { startOpen = false; closeSync(startW); } };
  const stops: (() => void)[] = [];
  const release = () => { closeStart(); for (const s of stops) s(); };
  r.setRelease(release);
  stops.push(ns.readLines(syncR, (line) => r.sync(parseLine(line)), r.syncEnd));
  if (attachR !== undefined) {
    // conmon writes one line here: reading stops after it (no poll timer left running).
    const stopAttach = ns.readLines(attachR, (line) => {
      stopAttach();
      r.attach(parseLine(line));
    }, r.attachEnd);
    stops.push(stopAttach);
  } else r.ready.resolve();
  // First write: conmon forks. An attached session gets its second write from start().
  try { writeSync(startW, '0'); } catch {}
  if (!o.attach) closeStart();
  return {
    attachReady: r.ready.p,
    start: () => { if (startOpen) { try { writeSync(startW, '0'); } catch {} closeStart(); } },
    pid: r.pid.p,
    exit: r.exit.p,
    release,
  };
}

/**
 * What conmon reports for an exec session, whichever way its pipes are read:
 * the sync pipe's pid then exit code, and the attach pipe's readiness.
 * release() stops listening (set once the reader exists).
 */
function execReports() {
  const ready = deferred<void>(), pid = deferred<number>(), exit = deferred<number>();
  let release = () => {};
  let seen = 0;
  const fail = (msg: string) => {
    const err = new HuskError('RUNTIME', msg);
    for (const d of [ready, pid, exit]) d.reject(err);
    release();
  };
  return {
    ready, pid, exit, fail,
    setRelease(fn: () => void) { release = fn; },
    sync(m: { data: number; message?: string }) {
      if (seen++ === 0) {
        if (m.data < 0) return fail(runtimeMessage(m.message ?? '') || `conmon: runtime exec failed (${m.data})`);
        pid.resolve(m.data);
      } else {
        exit.resolve(m.data);
        release();
      }
    },
    syncEnd: () => fail(seen ? 'conmon exited before reporting the exit code' : 'conmon exited before the exec session started'),
    attach: (m: { data: number; message?: string }) => (m.data < 0 ? fail(m.message ?? 'conmon: attach failed') : ready.resolve()),
    attachEnd: () => ready.reject(new HuskError('RUNTIME', 'conmon exited before the attach socket was ready')),
  };
}

/** The fds handed over as themselves (3..): conmon's pipes come after them. */
const preserved = (o: ConmonExec) => preservedFds(o.preserveFds).fds;

function execEnv(o: ConmonExec): NodeJS.ProcessEnv {
  const n = o.preserveFds ?? 0;
  return { ...process.env, _OCI_SYNCPIPE: String(3 + n), _OCI_STARTPIPE: String(4 + n), ...(o.attach ? { _OCI_ATTACHPIPE: String(5 + n) } : {}) };
}

function parseLine(line: string): { data: number; message?: string } {
  try {
    return JSON.parse(line);
  } catch {
    return { data: -1, message: `conmon: unexpected message ${JSON.stringify(line)}` };
  }
}

function conmonExecChild(o: ConmonExec, argv: string[]): ExecMonitor {
  const child = spawn(argv[0]!, argv.slice(1), {
    stdio: ['ignore', 'ignore', 'ignore', ...preserved(o), 'pipe', 'pipe', ...(o.attach ? ['pipe' as const] : [])],
    env: execEnv(o),
    // Own session: a Ctrl-C aimed at the caller must not reach the monitor.
    detached: true,
    cwd: o.bundle,
  });
  child.unref();
  const [sync, startPipe, attachPipe] = (child.stdio as unknown[]).slice(3 + (o.preserveFds ?? 0)) as (Socket | undefined)[];
  const r = execReports();
  const release = () => { for (const s of [sync, startPipe, attachPipe]) s?.destroy(); };
  r.setRelease(release);
  child.on('error', (e) => r.fail(`conmon: ${e.message}`));
  lines(sync!, r.sync, r.syncEnd);
  if (attachPipe) lines(attachPipe, r.attach, r.attachEnd);
  else r.ready.resolve();
  startPipe!.on('error', () => {});
  // First write: conmon forks. An attached session gets its second write from start().
  startPipe!.write('0');
  return {
    attachReady: r.ready.p,
    start: () => { if (!startPipe!.destroyed) startPipe!.end('0'); },
    pid: r.pid.p,
    exit: r.exit.p,
    release,
  };
}
