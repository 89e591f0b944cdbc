// Attaching the caller's stdio to a container through conmon's attach
// socket, and `run`: create + start + attach + wait, as one engine call.
import { closeSync, constants, openSync } from 'node:fs';
import { join } from 'node:path';
import { containerState } from '../../common/errors.ts';
import { tryLockFile, unlockFile } from '../../common/lock.ts';
import { attachSocket, resizeTerminal, type AttachSession } from '../../runtime/attach.ts';
import type { EngineContext } from '../context.ts';
import type { ContainerIntent } from '../../specgen/container.ts';
import { cleanupContainer, createContainer, getContainer, removeContainer, startContainer, syncState, type CreateOptions } from './lifecycle.ts';
import type { Container } from '../types.ts';
import { waitForExit } from './wait.ts';

export interface AttachIO {
  stdin?: NodeJS.ReadableStream & { isTTY?: boolean; setRawMode?: (raw: boolean) => unknown };
  stdout?: NodeJS.WritableStream & { isTTY?: boolean; rows?: number; columns?: number };
  stderr?: NodeJS.WritableStream;
  /** Detach sequence, Podman's default ctrl-p,ctrl-q; "" disables. */
  detachKeys?: string;
  /** Forward these signals received by the caller to the container. */
  proxySignals?: boolean;
}

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

function setupTerminal(e: EngineContext, c: Container, io: AttachIO): () => void {
  if (!c.config.intent.tty) return () => {};
  const ctl = join(e.bundleDir(c.config.id), 'ctl');
  const out = io.stdout;
  const resize = () => { if (out?.rows && out.columns) resizeTerminal(ctl, out.rows, out.columns); };
  resize();
  const raw = c.config.intent.interactive && io.stdin?.isTTY && io.stdin.setRawMode;
  if (raw) io.stdin!.setRawMode!(true);
  process.on('SIGWINCH', resize);
  return () => {
    process.removeListener('SIGWINCH', resize);
    if (raw) io.stdin!.setRawMode!(false);
  };
}

function proxySignals(e: EngineContext, c: Container, on: boolean): () => void {
  if (!on) return () => {};
  const sigs: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2'];
  const handler = (sig: NodeJS.Signals) => {
    const s = syncState(e, e.db.get(c.config.id) ?? c);
    if (s.state.pid) try { process.kill(s.state.pid, sig); } catch {}
  };
  for (const s of sigs) process.on(s, handler);
  return () => { for (const s of sigs) process.removeListener(s, handler); };
}

export interface RunResult {
  container: Container;
  /** Exit code of the container, or undefined when detached. */
  exitCode?: number;
  detached?: boolean;
}

/** Attaches to a running container until it exits or the client detaches. */
export async function attachContainer(e: EngineContext, ref: string, io: AttachIO): Promise<RunResult> {
  const c = syncState(e, getContainer(e, ref));
  if (c.state.status !== 'running') throw containerState(`you can only attach to running containers: container state improper`);
  const fg = holdForeground(e, c.config.id);
  try {
    const session = connect(e, c, io);
    return await finishAttach(e, c, session, io, true);
  } finally {
    fg();
  }
}

/** Marks an attached client that will clean up after the exit itself (see EngineContext.exitCommand). */
function holdForeground(e: EngineContext, id: string): () => void {
  const fd = tryLockFile(e.foregroundLockPath(id));
  return () => { if (fd !== undefined) unlockFile(fd); };
}

async function finishAttach(e: EngineContext, c: Container, session: AttachSession, io: AttachIO, cleanup: boolean): Promise<RunResult> {
  const restoreTty = setupTerminal(e, c, io);
  const restoreSig = proxySignals(e, c, io.proxySignals ?? true);
  try {
    const how = await session.done;
    if (how === 'detached') return { container: c, detached: true };
    const code = await waitForExit(e, c.config.id);
    if (cleanup) await cleanupContainer(e, c.config.id);
    return { container: c, exitCode: code };
  } finally {
    restoreSig();
    restoreTty();
  }
}

/** `start --attach`: connects before the process starts so no output is missed. */
export async function startAndAttach(e: EngineContext, ref: string, io: AttachIO): Promise<RunResult> {
  let session: AttachSession | undefined;
  const id = getContainer(e, ref).config.id;
  const fg = holdForeground(e, id);
  try {
    const c = await startContainer(e, id, { beforeStart: (c) => { session = connect(e, c, io); } });
    if (!session) return attachContainer(e, id, io);
    return await finishAttach(e, c, session, io, true);
  } finally {
    fg();
  }
}

export interface RunOptions extends AttachIO, CreateOptions {
  detach?: boolean;
}

export async function runContainer(e: EngineContext, intent: ContainerIntent, io: RunOptions = {}): Promise<RunResult> {
  const created = await createContainer(e, intent, io);
  const id = created.config.id;
  let session: AttachSession | undefined;
  const fg = io.detach ? () => {} : holdForeground(e, id);
  try {
    const c = await startContainer(e, id, {
      beforeStart: io.detach ? undefined : (c) => { session = connect(e, c, io); },
    });
    if (io.detach || !session) return { container: c };
    const r = await finishAttach(e, c, session, io, !intent.autoRemove);
    if (r.detached) return r;
    if (intent.autoRemove) await removeContainer(e, id, { force: true }).catch(() => {});
    return r;
  } catch (err) {
    session?.close();
    if (intent.autoRemove) await removeContainer(e, id, { force: true }).catch(() => {});
    throw err;
  } finally {
    fg();
  }
}
