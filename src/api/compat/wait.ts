// Docker's container wait. The docker CLI asks before it starts the
// container (condition next-exit, or removed with --rm) and reads the answer
// after the output ends, so the exit code must survive the container's
// removal: it comes from the engine's wait, or, once the container is gone,
// from its "died" event (which outlives the container). "removed" then
// waits for the container's "remove" event. The engine's wait and the event
// stream both follow files with inotify; nothing polls but a 1 s safety net.
import type { Engine } from '../../engine/api.ts';
import type { HuskEvent } from '../../engine/system/api.ts';
import { invalidArgument } from '../../common/errors.ts';
import type { Route, RouteContext } from '../router.ts';

const never = new Promise<never>(() => {});

/** The first event of the container with one of these statuses since `since`; undefined once the signal aborts. */
async function firstEvent(engine: Engine, id: string, status: string[], since: Date, signal: AbortSignal): Promise<HuskEvent | undefined> {
  const evs = engine.system.events({ since, stream: true, filters: { container: [id], event: status }, signal });
  for await (const ev of evs) return ev;
  return undefined;
}

/** Runs fn with a signal that aborts when `signal` does or fn settles. */
async function scoped<T>(signal: AbortSignal, fn: (s: AbortSignal) => Promise<T>): Promise<T> {
  const ac = new AbortController();
  const stop = () => ac.abort();
  signal.addEventListener('abort', stop, { once: true });
  try {
    return await fn(ac.signal);
  } finally {
    signal.removeEventListener('abort', stop);
    ac.abort();
  }
}

export function exitCode(engine: Engine, id: string, since: Date, signal: AbortSignal): Promise<number | undefined> {
  return scoped(signal, (s) => {
    const orNever = <T>(p: Promise<T>) => p.catch(() => (s.aborted ? undefined : never));
    // The log is followed only once the engine cannot answer (the container is gone):
    // its replay from `since` still finds the "died", and ten waiting clients do not
    // each re-read the log at every event of every other container.
    const fromEvents = () => orNever(firstEvent(engine, id, ['died'], since, s).then((ev) => (s.aborted ? undefined : ev?.ContainerExitCode ?? never)));
    const fromWait = engine.containers.wait(id, { condition: 'stopped', signal: s }).catch(() => (s.aborted ? undefined : fromEvents()));
    const aborted = new Promise<undefined>((r) => s.addEventListener('abort', () => r(undefined), { once: true }));
    return Promise.race([fromWait, aborted]);
  });
}

/** Resolves once the container is gone: its "remove" event (replayed from `since`), or a slow check as a safety net. */
function removed(engine: Engine, id: string, since: Date, signal: AbortSignal): Promise<void> {
  return scoped(signal, async (s) => {
    const ev = firstEvent(engine, id, ['remove'], since, s).catch(() => undefined);
    const poll = (async () => {
      while (!s.aborted && await engine.containers.exists(id)) await new Promise((r) => setTimeout(r, 1000));
    })();
    await Promise.race([ev, poll]);
  });
}

async function wait(ctx: RouteContext): Promise<void> {
  const condition = ctx.query.get('condition') || 'not-running';
  if (!['not-running', 'next-exit', 'removed'].includes(condition)) throw invalidArgument(`invalid condition: ${condition}`);
  const since = new Date(Date.now() - 1000);
  const c = await ctx.engine.containers.get(ctx.params.id);
  const id = c.config.id;
  // Headers go out at once: the docker CLI's wait call returns only when they arrive.
  ctx.res.writeHead(200, { 'Content-Type': 'application/json' });
  ctx.res.flushHeaders();
  const live = c.state.status === 'running' || c.state.status === 'paused';
  const gone = condition === 'removed' ? removed(ctx.engine, id, since, ctx.signal) : undefined;
  let code: number | undefined;
  if (condition === 'not-running' && !live) code = c.state.exitCode;
  else code = await exitCode(ctx.engine, id, since, ctx.signal);
  await gone;
  if (ctx.signal.aborted) return void ctx.res.destroy();
  ctx.res.end(`${JSON.stringify({ StatusCode: code ?? 0, Error: null })}\n`);
}

export const waitRoutes: Route[] = [
  { method: 'POST', path: '/containers/:id/wait', handler: wait },
];
