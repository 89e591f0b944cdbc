// Exec sessions, as Podman's: `create` stores what to run (state created);
// `start` runs it under its own conmon in exec mode (runtime/conmon-exec.ts)
// and records its pid (running). Attached, the caller's streams go through
// conmon's attach socket, the terminal is resized through the session's ctl
// FIFO, and the exit code comes back from conmon (stopped). Detached, start
// returns once the process runs; conmon writes the exit code to the
// session's exit dir, where inspect finds it. Sessions go away with their
// container's cleanup (exec-session.ts).
import { closeSync, constants, mkdirSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HuskError, containerState, invalidArgument } from '../../common/errors.ts';
import { randomBytes } from '../../common/random.ts';
import { attachSocket, resizeTerminal, type AttachSession } from '../../runtime/attach.ts';
import { conmonExec, type ExecMonitor } from '../../runtime/conmon-exec.ts';
import { personalityLauncher } from '../../runtime/conmon.ts';
import { classifyStartError } from '../../runtime/oci.ts';
import { parseSignal } from '../../specgen/container.ts';
import type { TerminalSize } from '../api.ts';
import type { EngineContext } from '../context.ts';
import type { ExecSession } from '../state.ts';
import type { ExecCreateOptions, ExecInspect, ExecStartOptions } from './api.ts';
import { firstOf, parseDetachKeys } from './attach.ts';
import { execProcess } from './exec-spec.ts';
import { getSession, readSessionExit, refreshSession, sessionDir } from './exec-session.ts';
import { getContainer, syncState } from './lifecycle.ts';
import { isoTime } from '../../common/isotime.ts';

const DEFAULT_DETACH_KEYS = 'ctrl-p,ctrl-q';
function runningContainer(e: EngineContext, ref: string, verb: string) {
  const c = syncState(e, getContainer(e, ref));
  if (c.state.status !== 'running') throw containerState(`can only ${verb} exec sessions on running containers: container state improper`);
  return c;
}

export function createExec(e: EngineContext, ref: string, o: ExecCreateOptions): string {
  const c = runningContainer(e, ref, 'create');
  if (!o.command?.length) throw invalidArgument('must provide a non-empty command to start an exec session: invalid argument');
  if (o.detachKeys) parseDetachKeys(o.detachKeys);
  const id = randomBytes(32).toString('hex');
  e.db.addExecSession({ id, containerId: c.config.id, process: { ...o }, state: 'created', pid: 0, createdAt: isoTime() });
  return id;
}

/** Starts a created session; see ExecAPI.start. */
export async function startExec(e: EngineContext, ref: string, io: ExecStartOptions = {}): Promise<number | undefined> {
  const notCreated = (id: string) => containerState(`exec session ${id} has already been started: exec session state improper`);
  const s = getSession(e, ref);
  if (s.state !== 'created') throw notCreated(s.id);
  const c = runningContainer(e, s.containerId, 'start');
  const o = s.process;
  const dir = sessionDir(e, s);
  const attach = !io.detach;
  // The first size becomes the pty's initial size; later ones go to conmon once the process runs.
  const sizes = attach && o.tty && io.resize ? io.resize[Symbol.asyncIterator]() : undefined;
  const stops: (() => void)[] = [() => void sizes?.return?.()?.catch(() => {})];
  let mon: ExecMonitor | undefined;
  let session: AttachSession | undefined;
  try {
    const first = sizes && await firstOf(sizes);
    // Claimed in one transaction: of two concurrent starts, one fails.
    e.db.updateExecSession(s.id, (x) => {
      if (x.state !== 'created') throw notCreated(s.id);
      x.state = 'running';
      x.startedAt = isoTime();
    });
    let pid: number;
    try {
      mkdirSync(join(dir, 'exit'), { recursive: true });
      writeFileSync(join(dir, 'process.json'), JSON.stringify(execProcess(e, c, o, first?.size)));
      mon = await conmonExec({
        conmonPath: e.config.conmonPath, runtime: e.runtime(c.config.runtime, c.config.intent.cgroupsMode === 'disabled'), containerId: c.config.id, containerName: c.config.name,
        launcher: personalityLauncher(e.runtime(c.config.runtime, c.config.intent.cgroupsMode === 'disabled'), c.config.intent.personality),
        sessionId: s.id, bundle: dir, processSpec: join(dir, 'process.json'), pidFile: join(dir, 'pid'), conmonPidFile: join(dir, 'conmon.pid'),
        exitDir: join(dir, 'exit'), terminal: !!o.tty, stdin: attach && !!o.interactive, attach,
        preserveFds: Math.min(o.preserveFds ?? 0, e.config.inheritedFds ?? Infinity),
      }, e.config.oneShot);
      if (attach) {
        await mon.attachReady;
        session = connect(dir, o, io);
        mon.start();
      }
      pid = await mon.pid;
    } catch (err) {
      session?.close();
      const failure = err instanceof HuskError && err.code === 'RUNTIME' ? classifyStartError(err.message, o.command[0]) : err as Error;
      finish(e, s, failure instanceof HuskError ? failure.exitCode : 125);
      throw failure;
    }
    e.db.updateExecSession(s.id, (x) => { x.pid = pid; });
    if (!attach) return undefined;
    if (sizes && !first?.ended) stops.push(pump(sizes, (z) => resizeTerminal(join(dir, 'ctl'), z.rows, z.cols), first?.pending));
    stops.push(pump(io.signals?.[Symbol.asyncIterator](), (sig) => { try { process.kill(pid, parseSignal(sig)); } catch {} }));
    const onAbort = () => session!.close();
    if (io.signal?.aborted) onAbort();
    io.signal?.addEventListener('abort', onAbort, { once: true });
    stops.push(() => io.signal?.removeEventListener('abort', onAbort));
    if ((await session!.done) === 'detached') return undefined;
    const code = await mon.exit.catch(() => readSessionExit(e, s)?.code ?? -1);
    finish(e, s, code);
    return code;
  } finally {
    for (const stop of stops) stop();
    mon?.release();
  }
}

/** Records the end of a session (or removes it, for autoRemove). */
function finish(e: EngineContext, s: ExecSession, code: number): void {
  if (s.process.autoRemove) return void removeSession(e, s);
  e.db.updateExecSession(s.id, (x) => { x.state = 'stopped'; x.pid = 0; x.exitCode = code; x.finishedAt = isoTime(); });
}

/** Connects to the session's attach socket through /proc/self/fd, as long paths do not fit sun_path. */
function connect(dir: string, o: ExecCreateOptions, io: ExecStartOptions): AttachSession {
  const dirFd = openSync(dir, constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    return attachSocket(`/proc/self/fd/${dirFd}/attach`, {
      stdin: o.interactive ? io.stdin : undefined,
      stdout: io.stdout,
      stderr: io.stderr,
      detachKeys: o.tty && o.interactive ? parseDetachKeys(io.detachKeys ?? o.detachKeys ?? DEFAULT_DETACH_KEYS) : undefined,
    });
  } finally {
    closeSync(dirFd);
  }
}

/**
 * Feeds a caller's async source to fn until the returned stop is called;
 * `pending` is a next() already asked for (and not yet answered).
 */
function pump<T>(it: AsyncIterator<T> | undefined, fn: (v: T) => void, pending?: Promise<IteratorResult<T>>): () => void {
  if (!it) return () => {};
  let stopped = false;
  void (async () => {
    try {
      for (let r = await (pending ?? it.next()); !r.done && !stopped; r = await it.next()) fn(r.value);
    } catch {}
  })();
  return () => {
    stopped = true;
    it.return?.()?.catch(() => {});
  };
}

export function resizeExec(e: EngineContext, ref: string, size: TerminalSize): void {
  const s = getSession(e, ref);
  if (s.state !== 'running') throw containerState(`exec session ${s.id} is not running: can only resize running exec sessions: exec session state improper`);
  resizeTerminal(join(sessionDir(e, s), 'ctl'), size.rows, size.cols);
}

export function inspectExec(e: EngineContext, ref: string): ExecInspect {
  const s = getSession(e, ref);
  const o = s.process;
  const running = s.state === 'running';
  return {
    ID: s.id,
    ContainerID: s.containerId,
    Running: running,
    ExitCode: s.exitCode ?? 0,
    Pid: running ? s.pid : 0,
    ProcessConfig: { entrypoint: o.command[0], arguments: o.command.slice(1), tty: !!o.tty, user: o.user ?? '', privileged: !!o.privileged },
    OpenStdin: !!o.interactive,
    OpenStdout: true,
    OpenStderr: true,
    DetachKeys: o.detachKeys ?? DEFAULT_DETACH_KEYS,
    CanRemove: !running,
  };
}

export async function removeExec(e: EngineContext, ref: string, o: { force?: boolean } = {}): Promise<void> {
  let s = getSession(e, ref);
  if (s.state === 'running') {
    if (!o.force) throw containerState(`exec session ${s.id} is running and cannot be removed without force: exec session state improper`);
    try { process.kill(s.pid, 'SIGKILL'); } catch {}
    // conmon writes the exit file once it reaped the process.
    for (let i = 0; i < 250 && s.state === 'running'; i++) {
      await new Promise((r) => setTimeout(r, 20));
      s = refreshSession(e, s);
    }
  }
  removeSession(e, s);
}

function removeSession(e: EngineContext, s: ExecSession): void {
  e.db.removeExecSession(s.id);
  rmSync(sessionDir(e, s), { recursive: true, force: true });
}
