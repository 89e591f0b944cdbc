// Docker's exec endpoints over the engine's exec sessions: create, start
// (hijacked attach, or Detach), resize, inspect.
import type { Route, RouteContext } from '../router.ts';
import { hijack, qInt, readJson, sendJson, sendNoContent } from '../http.ts';
import { sessionInput, sessionOutput } from './attach.ts';

/* eslint-disable @typescript-eslint/no-explicit-any */
async function create(ctx: RouteContext): Promise<void> {
  const b = await readJson(ctx) as Record<string, any>;
  const env: Record<string, string> = {};
  for (const e of (b.Env ?? []) as string[]) { const i = e.indexOf('='); if (i > 0) env[e.slice(0, i)] = e.slice(i + 1); }
  const id = await ctx.engine.exec.create(ctx.params.id, {
    command: b.Cmd ?? [], env, user: b.User || undefined, workdir: b.WorkingDir || undefined, tty: !!b.Tty,
    interactive: !!b.AttachStdin, privileged: !!b.Privileged, detachKeys: b.DetachKeys || undefined,
  });
  sendJson(ctx, 201, { Id: id });
}

async function start(ctx: RouteContext): Promise<void> {
  const b = await readJson(ctx) as Record<string, any>;
  const info = await ctx.engine.exec.inspect(ctx.params.id);
  if (b.Detach) {
    await ctx.engine.exec.start(ctx.params.id, { detach: true });
    return sendNoContent(ctx, 200);
  }
  const tty = !!info.ProcessConfig?.tty;
  const sock = hijack(ctx, tty ? 'application/vnd.docker.raw-stream' : 'application/vnd.docker.multiplexed-stream');
  await ctx.engine.exec.start(ctx.params.id, {
    ...sessionOutput(sock, tty, true, true),
    stdin: info.OpenStdin ? sessionInput(sock, ctx.upgrade?.head) : undefined,
    signal: ctx.signal,
  }).catch(() => {});
}

async function resize(ctx: RouteContext): Promise<void> {
  await ctx.engine.exec.resize(ctx.params.id, { rows: qInt(ctx.query, 'h') ?? 0, cols: qInt(ctx.query, 'w') ?? 0 });
  sendNoContent(ctx, 200);
}

async function inspect(ctx: RouteContext): Promise<void> {
  const i = await ctx.engine.exec.inspect(ctx.params.id);
  sendJson(ctx, 200, { ...i, ExitCode: i.ExitCode ?? 0, Running: i.Running });
}

export const execRoutes: Route[] = [
  { method: 'POST', path: '/containers/:id/exec', handler: create },
  { method: 'POST', path: '/exec/:id/start', handler: start },
  { method: 'POST', path: '/exec/:id/resize', handler: resize },
  { method: 'GET', path: '/exec/:id/json', handler: inspect },
];
