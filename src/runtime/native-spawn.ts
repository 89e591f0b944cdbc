// Starting monitor and runtime processes through the addon's posix_spawn
// instead of child_process: loading child_process (with net and streams)
// and forking Node cost ~10 ms a command here, which is a large part of
// what `start`, `run`, `exec` and `stop` spend before the runtime runs.
// The pipes husk reads are non-blocking and watched on the event loop
// (epoll, through the addon): no threadpool thread waits on them (a read
// blocked in the pool would also hold up the process's exit, which joins
// the pool), and no timer polls them.
import { closeSync, writeSync } from 'node:fs';
import { EAGAIN, FD_READABLE, native } from '../common/native.ts';

/** The child's fds: 'ignore' (/dev/null), 'inherit' (ours), or an fd number. */
export type Fd = 'ignore' | 'inherit' | number;

/**
 * Starts argv[0] in its own session with the given fds (index = the child's
 * fd number) and environment. The child is reaped in the background once it
 * exits (conmon's first process exits at once: it double-forks).
 */
export function spawnDetached(argv: string[], env: NodeJS.ProcessEnv, fds: Fd[], cwd?: string): number {
  const envList = Object.entries(env).flatMap(([k, v]) => (v === undefined ? [] : [`${k}=${v}`]));
  const map = fds.map((f, i) => (f === 'ignore' ? -1 : f === 'inherit' ? i : f));
  const pid = native().spawn(argv[0]!, argv, envList, map, cwd ?? null, true);
  reapLater(pid);
  return pid;
}

/** Reaps pid once it has exited, polling on an unref'd timer (no zombie in a long-lived process). */
function reapLater(pid: number, tries = 0): void {
  if (native().reap(pid) !== -1 || tries > 200) return;
  setTimeout(() => reapLater(pid, tries + 1), Math.min(5 * (tries + 1), 1000)).unref();
}

/** A pipe a child writes and husk reads: [read end (non-blocking, for readLine/readLines), write end]. */
export function pipeFromChild(): [number, number] {
  return native().pipe(true);
}

/** A pipe husk writes and a child reads: both ends blocking. */
export function pipeToChild(): [number, number] {
  return native().pipe(false);
}

export function writeAndClose(fd: number, data: string): void {
  try {
    writeSync(fd, data);
  } catch {
    // conmon gone: its sync pipe reports that.
  } finally {
    closeSync(fd);
  }
}

/** Resolves with the first line read from fd (without the newline), or undefined at EOF; closes fd. */
export function readLine(fd: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const stop = readLines(fd, (line) => { stop(); resolve(line); }, () => resolve(undefined));
  });
}

/**
 * Calls onLine for each line read from the non-blocking fd until EOF, then
 * onEnd; stop() ends the reading and closes fd. The fd is watched on the
 * event loop (the addon's epoll watch), so a reply is read as it arrives.
 */
export function readLines(fd: number, onLine: (line: string) => void, onEnd: () => void): () => void {
  const n = native();
  let stopped = false;
  let pending = '';
  const buf = Buffer.allocUnsafe(4096);
  const stop = () => {
    if (stopped) return;
    stopped = true;
    n.fdWatchClose(watch);
    closeSync(fd);
  };
  // Only from the loop, never synchronously: a handler may call the stop() this returns.
  const watch = n.fdWatch(fd, () => {
    while (!stopped) {
      const got = n.fdRead(fd, buf);
      if (got === -EAGAIN) return;
      if (got <= 0) {
        stop();
        onEnd();
        return;
      }
      pending += buf.toString('utf8', 0, got);
      for (let nl = pending.indexOf('\n'); nl >= 0 && !stopped; nl = pending.indexOf('\n')) {
        const line = pending.slice(0, nl);
        pending = pending.slice(nl + 1);
        onLine(line);
      }
    }
  });
  n.fdWatchSet(watch, FD_READABLE);
  return stop;
}
