// Waiting for conmon's exit file: inotify on the exit directory, with a
// slow poll as a safety net (inotify can miss events on some filesystems).
import { watch } from 'node:fs';
import type { EngineContext } from '../context.ts';

/** Resolves with the exit code, or undefined after timeoutMs (no timeout when omitted). */
export function waitForExit(e: EngineContext, id: string, timeoutMs?: number): Promise<number | undefined> {
  const now = e.readExit(id);
  if (now) return Promise.resolve(now.code);
  e.ensureDirs();
  return new Promise((resolve) => {
    let done = false;
    const finish = (v: number | undefined) => {
      if (done) return;
      done = true;
      watcher.close();
      clearInterval(poll);
      if (timer) clearTimeout(timer);
      resolve(v);
    };
    const check = () => {
      const ex = e.readExit(id);
      if (ex) finish(ex.code);
    };
    const watcher = watch(e.exitDir(), (_ev, file) => {
      if (!file || file === id) check();
    });
    const poll = setInterval(check, 250);
    const timer = timeoutMs !== undefined ? setTimeout(() => finish(undefined), timeoutMs) : undefined;
    check();
  });
}
