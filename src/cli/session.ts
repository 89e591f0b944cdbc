// The CLI's side of an attach: what the engine must not touch itself. The
// process's terminal becomes SessionIO's sources — its size (stdout's rows
// and columns, again on every SIGWINCH) and the signals --sig-proxy forwards —
// and stdin is put in raw mode while the engine follows the terminal size,
// which it does exactly while attached to a tty container.
import type { SessionIO, TerminalSize } from '../engine/api.ts';

const PROXIED: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2'];

/**
 * An AsyncIterable of events that subscribes when iteration starts and
 * unsubscribes on return() at once, even while a next() is pending (an
 * async generator would wait for that next() to settle first).
 */
function events<T>(subscribe: (push: (v: T) => void) => () => void): AsyncIterable<T> {
  return {
    [Symbol.asyncIterator](): AsyncIterator<T> {
      const queue: T[] = [];
      let waiting: ((r: IteratorResult<T>) => void) | undefined;
      let done = false;
      const unsubscribe = subscribe((v) => {
        if (done) return;
        if (waiting) { const w = waiting; waiting = undefined; w({ value: v, done: false }); } else queue.push(v);
      });
      return {
        next: () => {
          if (queue.length) return Promise.resolve({ value: queue.shift()!, done: false });
          if (done) return Promise.resolve({ value: undefined, done: true });
          return new Promise((r) => { waiting = r; });
        },
        return: () => {
          if (!done) { done = true; unsubscribe(); }
          waiting?.({ value: undefined, done: true });
          waiting = undefined;
          return Promise.resolve({ value: undefined, done: true });
        },
      };
    },
  };
}

/** The terminal's size first, then again on every SIGWINCH; raw mode on stdin while followed (when `raw`). */
function terminalSizes(raw: boolean): AsyncIterable<TerminalSize> {
  const out = process.stdout;
  return events<TerminalSize>((push) => {
    const size = () => { if (out.rows && out.columns) push({ rows: out.rows, cols: out.columns }); };
    const stdin = raw ? process.stdin : undefined;
    const rawMode = !!stdin?.isTTY && typeof stdin.setRawMode === 'function';
    if (rawMode) stdin.setRawMode(true);
    size();
    process.on('SIGWINCH', size);
    return () => {
      process.removeListener('SIGWINCH', size);
      if (rawMode) stdin.setRawMode(false);
    };
  });
}

/** Signals received by husk while followed, to forward to the container. */
function proxiedSignals(): AsyncIterable<string> {
  return events<string>((push) => {
    const handler = (sig: NodeJS.Signals) => push(sig);
    for (const s of PROXIED) process.on(s, handler);
    return () => { for (const s of PROXIED) process.removeListener(s, handler); };
  });
}

export interface TerminalOptions {
  /** Attach husk's stdin. */
  stdin: boolean;
  /** Put stdin in raw mode while attached (a tty container with stdin open). */
  raw: boolean;
  /** Forward husk's signals to the container (--sig-proxy). */
  sigProxy: boolean;
  detachKeys?: string;
}

/** SessionIO over husk's own stdio, terminal and signals. */
export function processSession(o: TerminalOptions): SessionIO {
  return {
    // process.stdin is created on first access (a stream, ~2 ms): only when attached.
    stdin: o.stdin ? process.stdin : undefined,
    stdout: process.stdout,
    stderr: process.stderr,
    detachKeys: o.detachKeys,
    resize: terminalSizes(o.raw),
    signals: o.sigProxy ? proxiedSignals() : undefined,
  };
}
