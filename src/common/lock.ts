// Advisory file locks (flock) serialising husk processes that share a store,
// plus an in-process queue per path (flock locks belong to the open file, so
// two callers in one process must take turns before they reach flock).
// Waiting never blocks the event loop: a held lock is retried with LOCK_NB
// on a timer (backing off to 20 ms), so a server keeps answering other
// requests while one waits. Locks are not re-entrant: never nest the same path.
import { closeSync, mkdirSync, openSync, constants } from 'node:fs';
import { dirname } from 'node:path';
import { isErrno } from './errors.ts';
import { native, LOCK_EX, LOCK_NB, LOCK_UN } from './native.ts';

const queues = new Map<string, Promise<unknown>>();
/** Locks this process holds through withLock, and whether a child was handed the fd (handLockToChild). */
const held = new Map<string, { fd: number; handed: boolean }>();

export async function withLock<T>(path: string, fn: () => Promise<T> | T): Promise<T> {
  const prev = queues.get(path) ?? Promise.resolve();
  let release!: () => void;
  const mine = new Promise<void>((r) => (release = r));
  const tail = prev.then(() => mine);
  queues.set(path, tail);
  await prev;
  let fd = -1;
  try {
    fd = await acquire(path);
    held.set(path, { fd, handed: false });
    return await fn();
  } finally {
    const h = held.get(path);
    held.delete(path);
    // Handed to a child: only our copy closes, the lock lasts until the child's does too.
    if (h?.handed) closeSync(fd);
    else if (fd >= 0) unlockFile(fd);
    release();
    if (queues.get(path) === tail) queues.delete(path);
  }
}

/**
 * The fd of PATH's lock, held by the caller inside withLock, for a child
 * process to inherit: flock locks belong to the open file, so the lock then
 * lasts until both this process and the child have closed it, and withLock
 * no longer unlocks it explicitly (which would release it for the child too).
 */
export function handLockToChild(path: string): number | undefined {
  const h = held.get(path);
  if (!h) return undefined;
  h.handed = true;
  return h.fd;
}

/** Resolves with the fd (to unlock) once the lock is held, polling without blocking the thread. */
async function acquire(path: string): Promise<number> {
  mkdirSync(dirname(path), { recursive: true });
  const fd = openSync(path, constants.O_RDWR | constants.O_CREAT, 0o600);
  let wait = 1;
  for (;;) {
    try {
      native().flock(fd, LOCK_EX | LOCK_NB);
      return fd;
    } catch (e) {
      if (!isErrno(e, 'EWOULDBLOCK') && !isErrno(e, 'EAGAIN')) {
        closeSync(fd);
        throw e;
      }
    }
    await new Promise((r) => setTimeout(r, wait));
    wait = Math.min(wait * 2, 20);
  }
}

export function unlockFile(fd: number): void {
  try {
    native().flock(fd, LOCK_UN);
  } finally {
    closeSync(fd);
  }
}

/** Takes the lock without waiting; returns the fd, or undefined if someone holds it. */
export function tryLockFile(path: string): number | undefined {
  mkdirSync(dirname(path), { recursive: true });
  const fd = openSync(path, constants.O_RDWR | constants.O_CREAT, 0o600);
  try {
    native().flock(fd, LOCK_EX | LOCK_NB);
    return fd;
  } catch {
    closeSync(fd);
    return undefined;
  }
}
