// Starting monitor and runtime processes through the addon's posix_spawn
// instead of child_process: loading child_process (with net and streams)
// and forking Node cost ~10 ms a command here, which is a large part of
// what `start`, `run`, `exec` and `stop` spend before the runtime runs.
// The pipes husk reads are non-blocking and polled on a timer: neither the
// event loop nor a threadpool thread waits on them (a read blocked in the
// pool would also hold up the process's exit, which joins the pool).
import { closeSync, readSync, writeSync } from 'node:fs';
import { native } from '../common/native.ts';

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
 * onEnd; stop() ends the reading and closes fd. Polled: every 1 ms at first,
 * backing off to 4 ms while a reply is due soon (conmon's after the
 * runtime's create: tens of ms) and to 50 ms after a second (an exec'd
 * process's exit).
 */
export function readLines(fd: number, onLine: (line: string) => void, onEnd: () => void): () => void {
  let stopped = false;
  let pending = '';
  let timer: NodeJS.Timeout | undefined;
  const buf = Buffer.alloc(4096);
  const began = Date.now();
  const stop = () => {
    if (stopped) return;
    stopped = true;
    clearTimeout(timer);
    closeSync(fd);
  };
  const poll = (wait: number) => {
    for (;;) {
      let n: number;
      try {
        n = readSync(fd, buf, 0, buf.length, null);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'EAGAIN') break;
        n = 0;
      }
      if (n === 0) {
        stop();
        onEnd();
        return;
      }
      pending += buf.toString('utf8', 0, n);
      for (let nl = pending.indexOf('\n'); nl >= 0 && !stopped; nl = pending.indexOf('\n')) {
        const line = pending.slice(0, nl);
        pending = pending.slice(nl + 1);
        onLine(line);
      }
      if (stopped) return;
    }
    const next = Date.now() - began > 1000 ? 50 : Math.min(wait * 2, 4);
    timer = setTimeout(() => poll(next), wait);
  };
  // Never synchronously: a handler may call the stop() this returns.
  timer = setTimeout(() => poll(2), 1);
  return stop;
}
