// The CLI's side of an attached session (exec, and attach/run when they move
// to SessionIO): this process's terminal and signals turned into the
// SessionIO sources the engine consumes. Only the CLI touches `process`.
import { on } from 'node:events';
import type { TerminalSize } from '../engine/api.ts';

/** Puts a TTY stdin in raw mode (keys go to the container, Ctrl-C included); returns the undo. */
export function rawStdin(): () => void {
  const stdin = process.stdin;
  if (!stdin.isTTY) return () => {};
  stdin.setRawMode(true);
  return () => stdin.setRawMode(false);
}

/** The terminal's size now, then after every SIGWINCH, until the signal aborts. */
export async function* terminalSizes(signal: AbortSignal): AsyncGenerator<TerminalSize> {
  const out = process.stdout;
  if (!out.isTTY) return;
  yield { rows: out.rows, cols: out.columns };
  try {
    for await (const _ of on(process, 'SIGWINCH', { signal })) yield { rows: out.rows, cols: out.columns };
  } catch {
    // aborted
  }
}

const FORWARDED: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2'];

/**
 * Signals this process receives from now on (queued until the engine reads
 * them), to forward to the session's process, until the signal aborts.
 */
export function forwardedSignals(signal: AbortSignal): AsyncIterable<string> {
  const queue: string[] = [];
  let wake: (() => void) | undefined;
  const handler = (sig: NodeJS.Signals) => { queue.push(sig); wake?.(); };
  const stop = () => {
    for (const s of FORWARDED) process.removeListener(s, handler);
    wake?.();
  };
  for (const s of FORWARDED) process.on(s, handler);
  signal.addEventListener('abort', stop, { once: true });
  return (async function* () {
    while (!signal.aborted) {
      if (queue.length) yield queue.shift()!;
      else await new Promise<void>((r) => (wake = r));
    }
  })();
}
