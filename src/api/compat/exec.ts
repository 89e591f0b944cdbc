// Docker's exec endpoints over the engine's exec sessions: create, start
// (hijacked attach, or Detach), resize, inspect.
import type { Route, RouteContext } from '../router.ts';
import { hijack, qInt, readJson, sendJson, sendNoContent } from '../http.ts';
import { checkShape } from '../shape.ts';
import type { TerminalSize } from '../../engine/api.ts';
import { AsyncQueue } from '../husk/queue.ts';
import { sessionInput, sessionOutput } from './attach.ts';

/* eslint-disable @typescript-eslint/no-explicit-any */
async function create(ctx: RouteContext): Promise<void> {
  const b = await readJson(ctx) as Record<string, any>;
  checkShape(b, { Cmd: 'strings', Env: 'strings', User: 'string', WorkingDir: 'string', DetachKeys: 'string', Tty: 'bool', AttachStdin: 'bool', Privileged: 'bool' }, '');
  const env: Record<string, string> = {};
  for (const e of (b.Env ?? []) as string[]) { const i = e.indexOf('='); if (i > 0) env[e.slice(0, i)] = e.slice(i + 1); }
  const id = await ctx.engine.exec.create(ctx.params.id, {
    command: b.Cmd ?? [], env, user: b.User || undefined, workdir: b.WorkingDir || undefined, tty: !!b.Tty,
    interactive: !!b.AttachStdin, privileged: !!b.Privileged, detachKeys: b.DetachKeys || undefined,
  });
  sendJson(ctx, 201, { Id: id });
}

/**
 * Terminal sizes of the attached tty sessions being served, by exec ID. The
 * docker CLI resizes right after the start's 101 (API < 1.42 sends no
 * ConsoleSize): fed to the engine as `io.resize`, that first size becomes
 * the pty's initial size instead of racing the process.
 */
const liveSizes = new Map<string, AsyncQueue<TerminalSize>>();

function consoleSize(v: unknown): TerminalSize | undefined {
  if (!Array.isArray(v) || v.length !== 2) return undefined;
  const [rows, cols] = v.map(Number);
  return rows > 0 && cols > 0 ? { rows, cols } : undefined;
}

async function start(ctx: RouteContext): Promise<void> {
  const b = await readJson(ctx) as Record<string, any>;
  const info = await ctx.engine.exec.inspect(ctx.params.id);
  if (b.Detach) {
    await ctx.engine.exec.start(info.ID, { detach: true });
    return sendNoContent(ctx, 200);
  }
  const tty = !!info.ProcessConfig?.tty;
  let sizes: AsyncQueue<TerminalSize> | undefined;
  if (tty) {
    sizes = new AsyncQueue<TerminalSize>();
    const first = consoleSize(b.ConsoleSize);
    if (first) sizes.push(first);
    liveSizes.set(info.ID, sizes);
  }
  const sock = hijack(ctx, tty ? 'application/vnd.docker.raw-stream' : 'application/vnd.docker.multiplexed-stream');
  try {
    await ctx.engine.exec.start(info.ID, {
      ...sessionOutput(sock, tty, true, true),
      stdin: info.OpenStdin ? sessionInput(sock, ctx.upgrade?.head) : undefined,
      resize: sizes,
      signal: ctx.signal,
    }).catch(() => {});
  } finally {
    if (sizes) { liveSizes.delete(info.ID); sizes.end(); }
  }
}

async function resize(ctx: RouteContext): Promise<void> {
  const size = { rows: qInt(ctx.query, 'h') ?? 0, cols: qInt(ctx.query, 'w') ?? 0 };
  const id = ctx.params.id;
  const live = liveSizes.get(id) ?? [...liveSizes].find(([k]) => k.startsWith(id))?.[1];
  if (live) live.push(size);
  else await ctx.engine.exec.resize(id, size);
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
