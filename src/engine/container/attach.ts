// Attaching the caller's streams to a container through conmon's attach
// socket, and `run`: create + start + attach + wait, as one engine call.
//
// Nothing here touches the process: the caller passes its streams, the
// terminal sizes to apply (SessionIO.resize), the signals to forward
// (SessionIO.signals) and an AbortSignal that detaches. Raw mode and signal
// handlers are the caller's business. Both iterables are followed only
// while attached and are closed (return()) when the attach ends.
import { closeSync, constants, openSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { containerState } from '../../common/errors.ts';
import { tryLockFile, unlockFile } from '../../common/lock.ts';
import { attachSocket, resizeTerminal, type AttachSession } from '../../runtime/attach.ts';
import type { EngineContext } from '../context.ts';
import type { SessionIO, TerminalSize } from '../api.ts';
import { parseSignal, type ContainerIntent } from '../../specgen/container.ts';
import { cleanupContainer, getContainer, removeContainer, startContainer, syncState } from './lifecycle.ts';
import { createContainer, type CreateOptions } from './create.ts';
import type { Container } from '../types.ts';
import { waitForExit } from './wait.ts';

export type AttachIO = SessionIO;

export function parseDetachKeys(spec: string): Buffer {
  if (!spec) return Buffer.alloc(0);
  return Buffer.from(spec.split(',').map((k) => {
    const m = /^ctrl-([a-z@\[\\\]^_])$/.exec(k.trim());
    if (m) return m[1] === '@' ? 0 : m[1].charCodeAt(0) & 0x1f;
    if (k.length === 1) return k.charCodeAt(0);
    throw containerState(`invalid detach key "${k}"`);
  }));
}

/** Opens the bundle dir and connects through /proc/self/fd so long paths fit sun_path. */
function connect(e: EngineContext, c: Container, io: AttachIO): AttachSession {
  const dirFd = openSync(e.bundleDir(c.config.id), constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    const tty = !!c.config.intent.tty;
    return attachSocket(`/proc/self/fd/${dirFd}/attach`, {
      stdin: c.config.intent.interactive ? io.stdin : undefined,
      stdout: io.stdout,
      stderr: io.stderr,
      detachKeys: tty && c.config.intent.interactive ? parseDetachKeys(io.detachKeys ?? 'ctrl-p,ctrl-q') : undefined,
    });
  } finally {
    closeSync(dirFd);
  }
}

/** Calls fn for each item of source until stop() is called; then closes the source. */
function follow<T>(source: AsyncIterable<T> | undefined, fn: (v: T) => unknown): () => void {
  if (!source) return () => {};
  const it = source[Symbol.asyncIterator]();
  let stopped = false;
  void (async () => {
    try {
      for (;;) {
        const r = await it.next();
        if (stopped || r.done) return;
        await fn(r.value);
      }
    } catch {
      // A failing source only ends the forwarding, not the attach.
    }
  })();
  // Not awaited: a pending next() may never settle (no more SIGWINCH); return() lets the source release itself.
  return () => { stopped = true; void it.return?.()?.catch?.(() => {}); };
}

/** Applies the caller's terminal sizes through conmon's ctl FIFO (tty containers only). */
function followResize(e: EngineContext, c: Container, io: AttachIO): () => void {
  if (!c.config.intent.tty) return () => {};
  const ctl = join(e.bundleDir(c.config.id), 'ctl');
  return follow(io.resize, (s) => { if (s.rows && s.cols) resizeTerminal(ctl, s.rows, s.cols); });
}

/** Forwards the caller's signals to the container's process (Podman's --sig-proxy). */
function followSignals(e: EngineContext, c: Container, io: AttachIO): () => void {
  return follow(io.signals, async (name) => {
    const s = syncState(e, e.db.get(c.config.id) ?? c);
    if (s.state.status !== 'running' && s.state.status !== 'paused') return;
    await e.runtime(c.config.runtime, c.config.intent.cgroupsMode === 'disabled').kill(c.config.id, String(parseSignal(name))).catch(() => {});
  });
}

export interface RunResult {
  container: Container;
  /** Exit code of the container, or undefined when detached. */
  exitCode?: number;
  detached?: boolean;
  /** This client folded the exit into the state: the restart policy applies once the foreground lock is released. */
  folded?: boolean;
}

/**
 * Called with the foreground lock released: a restarted container's own
 * exit command must not find the lock held, or nobody would clean up after it.
 * The attached client returns the first exit code, as Podman's does.
 */
async function afterForeground(e: EngineContext, r: RunResult): Promise<RunResult> {
  if (r.folded && r.container.config.intent.restartPolicy) await (await import('./restart.ts')).restartByPolicy(e, r.container.config.id);
  return r;
}

/** Attaches to a running container until it exits or the client detaches. */
export async function attachContainer(e: EngineContext, ref: string, io: AttachIO): Promise<RunResult> {
  const c = syncState(e, getContainer(e, ref));
  if (c.state.status !== 'running') throw containerState(`you can only attach to running containers: container state improper`);
  const fg = holdForeground(e, c.config.id);
  let r: RunResult;
  try {
    const session = connect(e, c, io);
    r = await finishAttach(e, c, session, io, true);
  } finally {
    fg();
  }
  return afterForeground(e, r);
}

/** Marks an attached client that will clean up after the exit itself (see EngineContext.exitCommand). */
function holdForeground(e: EngineContext, id: string): () => void {
  let fd = tryLockFile(e.foregroundLockPath(id));
  // Idempotent: a released fd number may already belong to another file.
  return () => {
    if (fd !== undefined) unlockFile(fd);
    fd = undefined;
  };
}

async function finishAttach(e: EngineContext, c: Container, session: AttachSession, io: AttachIO, cleanup: boolean): Promise<RunResult> {
  const stopResize = followResize(e, c, io);
  const stopSignals = followSignals(e, c, io);
  const abort = () => session.close();
  if (io.signal?.aborted) abort();
  io.signal?.addEventListener('abort', abort, { once: true });
  try {
    const how = await session.done;
    if (how === 'detached') return { container: c, detached: true };
    const code = await waitForExit(e, c.config.id);
    const folded = cleanup ? await cleanupContainer(e, c.config.id) : false;
    return { container: c, exitCode: code, folded };
  } finally {
    io.signal?.removeEventListener('abort', abort);
    stopSignals();
    stopResize();
  }
}

/**
 * A tty session's first terminal size, which becomes the pty's size at
 * create (a resize through conmon could land after the process has read
 * it), and the io whose resizes go on with the rest.
 */
async function firstSize(tty: boolean | undefined, io: AttachIO): Promise<{ consoleSize?: TerminalSize; io: AttachIO }> {
  if (!tty || !io.resize) return { io };
  const it = io.resize[Symbol.asyncIterator]();
  const f = await firstOf(it);
  let pending = f.pending;
  // The rest: a size that came too late for the create is the first resize.
  const rest: AsyncIterator<TerminalSize> = {
    next: () => { const p = pending ?? it.next(); pending = undefined; return p; },
    return: (v?: unknown) => it.return?.(v) ?? Promise.resolve({ done: true, value: undefined }),
  };
  return { consoleSize: f.size, io: { ...io, resize: { [Symbol.asyncIterator]: () => rest } } };
}

/**
 * The first size a caller gives, if it comes within 100 ms (a REST client
 * may send none); else the still pending next(), so no size is lost.
 */
export async function firstOf(sizes: AsyncIterator<TerminalSize>): Promise<{ size?: TerminalSize; ended?: boolean; pending?: Promise<IteratorResult<TerminalSize>> }> {
  const next = sizes.next();
  // A ref'd timer: nothing else may keep the process alive meanwhile. Cancelled once settled.
  const ac = new AbortController();
  const r = await Promise.race([next, sleep(100, undefined, { signal: ac.signal }).catch(() => undefined)]);
  ac.abort();
  if (!r) return { pending: next };
  return r.done ? { ended: true } : { size: r.value };
}

/** The passthrough log driver: the container writes to the starter's own stdio, so there is nothing to attach to; wait for the exit. */
async function finishPassthrough(e: EngineContext, c: Container, io: AttachIO, cleanup: boolean): Promise<RunResult> {
  const stopSignals = followSignals(e, c, io);
  try {
    const code = await waitForExit(e, c.config.id);
    const folded = cleanup ? await cleanupContainer(e, c.config.id) : false;
    return { container: c, exitCode: code, folded };
  } finally {
    stopSignals();
  }
}

/** `start --attach`: connects before the process starts so no output is missed. */
export async function startAndAttach(e: EngineContext, ref: string, given: AttachIO): Promise<RunResult> {
  let session: AttachSession | undefined;
  const found = getContainer(e, ref);
  const id = found.config.id;
  const passthrough = found.config.intent.logDriver === 'passthrough';
  const fg = holdForeground(e, id);
  let r: RunResult;
  try {
    const { consoleSize, io } = passthrough ? { consoleSize: undefined, io: given } : await firstSize(found.config.intent.tty, given);
    const c = await startContainer(e, id, { consoleSize, beforeStart: passthrough ? undefined : (c) => { session = connect(e, c, io); } });
    if (passthrough) r = await finishPassthrough(e, c, io, true);
    else if (!session) {
      fg();
      return attachContainer(e, id, io);
    } else r = await finishAttach(e, c, session, io, true);
  } finally {
    fg();
  }
  return afterForeground(e, r);
}

export interface RunOptions extends AttachIO, CreateOptions {
  detach?: boolean;
}

export async function runContainer(e: EngineContext, intent: ContainerIntent, given: RunOptions = {}): Promise<RunResult> {
  const created = await createContainer(e, intent, given);
  const { consoleSize, io } = given.detach ? { io: given } : await firstSize(intent.tty, given) as { consoleSize?: TerminalSize; io: RunOptions };
  const id = created.config.id;
  const passthrough = intent.logDriver === 'passthrough';
  let session: AttachSession | undefined;
  const fg = io.detach ? () => {} : holdForeground(e, id);
  let r: RunResult;
  try {
    const c = await startContainer(e, id, {
      consoleSize,
      beforeStart: io.detach || passthrough ? undefined : (c) => { session = connect(e, c, io); },
    });
    if (io.detach || !(session || passthrough)) return { container: c };
    r = session ? await finishAttach(e, c, session, io, !intent.autoRemove) : await finishPassthrough(e, c, io, !intent.autoRemove);
    if (r.detached) return r;
    if (intent.autoRemove) await removeContainer(e, id, { force: true }).catch(() => {});
  } catch (err) {
    session?.close();
    if (intent.autoRemove) await removeContainer(e, id, { force: true }).catch(() => {});
    throw err;
  } finally {
    fg();
  }
  return afterForeground(e, r);
}
