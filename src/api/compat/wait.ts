// Docker's container wait. The docker CLI asks before it starts the
// container (condition next-exit, or removed with --rm) and reads the answer
// after the output ends, so the exit code must survive the container's
// removal: it comes from whichever answers first, the engine's wait or the
// container's "died" event (which outlives the container).
import type { Engine } from '../../engine/api.ts';
import { invalidArgument } from '../../common/errors.ts';
import type { Route, RouteContext } from '../router.ts';

const never = new Promise<never>(() => {});

async function exitCode(engine: Engine, id: string, since: Date, signal: AbortSignal): Promise<number | undefined> {
  const ac = new AbortController();
  const stop = () => ac.abort();
  signal.addEventListener('abort', stop, { once: true });
  const fromEvents = (async () => {
    const evs = engine.system.events({ since, stream: true, filters: { container: [id], event: ['died'] }, signal: ac.signal });
    for await (const ev of evs) if (ev.ContainerExitCode !== undefined) return ev.ContainerExitCode;
    return ac.signal.aborted ? undefined : never;
  })().catch(() => (ac.signal.aborted ? undefined : never));
  const fromWait = engine.containers.wait(id, { condition: 'stopped', signal: ac.signal }).catch(() => (ac.signal.aborted ? undefined : never));
  const aborted = new Promise<undefined>((r) => ac.signal.addEventListener('abort', () => r(undefined), { once: true }));
  try {
    return await Promise.race([fromEvents, fromWait, aborted]);
  } finally {
    signal.removeEventListener('abort', stop);
    ac.abort();
  }
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
  let code: number | undefined;
  if (condition === 'not-running' && !live) code = c.state.exitCode;
  else code = await exitCode(ctx.engine, id, since, ctx.signal);
  if (condition === 'removed') {
    while (!ctx.signal.aborted && await ctx.engine.containers.exists(id)) await new Promise((r) => setTimeout(r, 100));
  }
  if (ctx.signal.aborted) return void ctx.res.destroy();
  ctx.res.end(`${JSON.stringify({ StatusCode: code ?? 0, Error: null })}\n`);
}

export const waitRoutes: Route[] = [
  { method: 'POST', path: '/containers/:id/wait', handler: wait },
];
