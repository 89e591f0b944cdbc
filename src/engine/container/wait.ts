// Waiting for conmon's exit file: inotify on the exit directory, with a
// slow poll as a safety net (inotify can miss events on some filesystems).
import { watch } from 'node:fs';
import { invalidArgument } from '../../common/errors.ts';
import type { EngineContext } from '../context.ts';
import type { WaitOptions } from './api.ts';
import { getContainer, syncState } from './lifecycle.ts';

/** Resolves with the exit code, or undefined after timeoutMs (no timeout when omitted) or when the signal aborts. */
export function waitForExit(e: EngineContext, id: string, timeoutMs?: number, signal?: AbortSignal): Promise<number | undefined> {
  const now = e.readExit(id);
  if (now) return Promise.resolve(now.code);
  if (signal?.aborted) return Promise.resolve(undefined);
  e.ensureDirs();
  return new Promise((resolve) => {
    let done = false;
    const finish = (v: number | undefined) => {
      if (done) return;
      done = true;
      watcher.close();
      clearInterval(poll);
      if (timer) clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      resolve(v);
    };
    const check = () => {
      const ex = e.readExit(id);
      if (ex) finish(ex.code);
    };
    const onAbort = () => finish(undefined);
    const watcher = watch(e.exitDir(), (_ev, file) => {
      if (!file || file === id) check();
    });
    const poll = setInterval(check, 250);
    const timer = timeoutMs !== undefined ? setTimeout(() => finish(undefined), timeoutMs) : undefined;
    signal?.addEventListener('abort', onAbort, { once: true });
    check();
  });
}

/**
 * `wait`: the exit code once the container has stopped. A container that has
 * already exited answers at once; one created but never started is waited on
 * until it has run and exited, as in Podman.
 */
export async function waitContainer(e: EngineContext, ref: string, o: WaitOptions = {}): Promise<number> {
  const condition = o.condition ?? 'stopped';
  if (condition !== 'stopped' && condition !== 'exited') throw invalidArgument(`unsupported wait condition "${condition}"`);
  const c = syncState(e, getContainer(e, ref));
  if (c.state.status === 'exited' || c.state.status === 'stopped') return c.state.exitCode;
  const code = await waitForExit(e, c.config.id, undefined, o.signal);
  if (code === undefined) throw o.signal?.reason instanceof Error ? o.signal.reason : new Error('wait aborted');
  return code;
}
