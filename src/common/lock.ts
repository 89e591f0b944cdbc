// Advisory file locks (flock) serialising husk processes that share a store,
// plus an in-process queue per path: flock blocks the calling thread, so two
// async callers in one process (library use) contending for the same lock
// would deadlock the event loop; the queue makes them take turns first.
// Locks are not re-entrant: never nest the same path.
import { closeSync, mkdirSync, openSync, constants } from 'node:fs';
import { dirname } from 'node:path';
import { native, LOCK_EX, LOCK_NB, LOCK_UN } from './native.ts';

const queues = new Map<string, Promise<unknown>>();

export async function withLock<T>(path: string, fn: () => Promise<T> | T): Promise<T> {
  const prev = queues.get(path) ?? Promise.resolve();
  let release!: () => void;
  const mine = new Promise<void>((r) => (release = r));
  const tail = prev.then(() => mine);
  queues.set(path, tail);
  await prev;
  let fd = -1;
  try {
    fd = lockFile(path);
    return await fn();
  } finally {
    if (fd >= 0) unlockFile(fd);
    release();
    if (queues.get(path) === tail) queues.delete(path);
  }
}

/** Blocks the thread until the lock is held; returns the fd to unlock. */
export function lockFile(path: string): number {
  mkdirSync(dirname(path), { recursive: true });
  const fd = openSync(path, constants.O_RDWR | constants.O_CREAT, 0o600);
  try {
    native().flock(fd, LOCK_EX);
  } catch (e) {
    closeSync(fd);
    throw e;
  }
  return fd;
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
