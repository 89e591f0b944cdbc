// Podman's libpod container endpoints (`/vX.Y.Z/libpod/containers/...`), as
// podman-remote 4 and 5 call them: create from a SpecGenerator subset, list
// in Podman's ListContainer shape, start/stop/wait/delete, and the handlers
// whose wire format is Docker's (attach, logs, resize) shared with compat.
import { constants } from 'node:os';
import { HuskError, invalidArgument } from '../../common/errors.ts';
import type { ContainerListItem } from '../../engine/container/api.ts';
import type { ContainerSpec } from '../../specgen/container.ts';
import { fromSpecGenerator, SPECGEN_KEYS } from '../../specgen/libpod.ts';
import type { Route, RouteContext } from '../router.ts';
import { answerCreated, qBool, qFilters, qInt, readJson, sendJson, sendNoContent } from '../http.ts';
import { one } from '../compat/containers.ts';
import { checkShape } from '../shape.ts';
import { compatRoutes } from '../compat/index.ts';
import { exitCode } from '../compat/wait.ts';

/* eslint-disable @typescript-eslint/no-explicit-any */
type Json = Record<string, any>;

const unix = (iso: string | undefined) => (iso && !iso.startsWith('0001') ? Math.floor(new Date(iso).getTime() / 1000) : 0);
/** Podman's state words ("exited" for a container that ran; husk says stopped). */
const state = (s: string) => (s === 'stopped' ? 'exited' : s);

/** One entry of podman's `GET /libpod/containers/json` (entities.ListContainer). */
export function listToLibpod(c: ContainerListItem): Json {
  const st = c.state;
  return {
    AutoRemove: !!c.config.intent.autoRemove, Command: c.config.args, Created: c.config.created, CreatedAt: '',
    Exited: st.status === 'stopped', ExitedAt: unix(st.finishedAt), ExitCode: st.exitCode, Id: c.config.id,
    Image: c.config.imageName, ImageID: c.config.imageId, IsInfra: !!c.config.isInfra, Labels: c.config.intent.labels ?? {},
    Mounts: (c.config.mounts ?? []).map((m) => m.destination), Names: [c.config.name], Namespaces: {},
    Networks: Object.keys(c.config.networks ?? {}), Pid: st.pid, Pod: c.config.pod ?? '', PodName: c.podName ?? '',
    Ports: c.config.ports ?? null, Size: null, StartedAt: unix(st.startedAt), State: state(st.status),
    Status: '',
  };
}

/**
 * Podman's SpecGenerator (what podman-remote's run/create and `husk generate
 * spec` send) as a ContainerSpec: the mapping is src/specgen/libpod.ts's,
 * shared with generate spec; keys it does not know are ignored.
 */
export function specFromLibpod(s: Json): ContainerSpec {
  if (typeof s.image !== 'string' || !s.image) throw invalidArgument('no image specified');
  checkShape(s, SPECGEN_KEYS, '');
  if (s.netns) checkShape(s.netns, { nsmode: 'string', value: 'string' }, 'netns.');
  return fromSpecGenerator(s);
}

async function create(ctx: RouteContext): Promise<void> {
  const spec = specFromLibpod(await readJson(ctx));
  const warnings: string[] = [];
  const c = await ctx.engine.containers.create(spec, { pull: {}, onWarning: (w) => warnings.push(w) });
  await answerCreated(ctx, 201, { Id: c.config.id, Warnings: warnings }, () => ctx.engine.containers.remove([c.config.id], { force: true, volumes: true }));
}

async function list(ctx: RouteContext): Promise<void> {
  const last = qInt(ctx.query, 'last') ?? qInt(ctx.query, 'limit');
  const items = await ctx.engine.containers.list({ all: qBool(ctx.query, 'all'), filters: qFilters(ctx.query), ...(last && last > 0 ? { last } : {}) });
  sendJson(ctx, 200, items.map(listToLibpod));
}

async function inspect(ctx: RouteContext): Promise<void> {
  const doc = await ctx.engine.containers.inspect(ctx.params.id, { size: qBool(ctx.query, 'size') }) as Json;
  // Podman 4 sent Config.StopSignal as the signal's number (Podman 5: its name), and its clients decode it as such.
  const sig = doc.Config?.StopSignal;
  if (Number(ctx.version.split('.')[0]) < 5 && typeof sig === 'string') {
    doc.Config.StopSignal = (constants.signals as Record<string, number>)[sig.startsWith('SIG') ? sig : `SIG${sig}`] ?? (Number(sig) || 15);
  }
  sendJson(ctx, 200, doc);
}

async function stop(ctx: RouteContext): Promise<void> {
  const c = await ctx.engine.containers.get(ctx.params.id);
  if (c.state.status !== 'running' && c.state.status !== 'paused') return sendNoContent(ctx, 304);
  await one(ctx.engine.containers.stop([c.config.id], { timeout: qInt(ctx.query, 'timeout') ?? qInt(ctx.query, 't') }));
  sendNoContent(ctx);
}

/** libpod's wait answers the exit code as a bare JSON number. */
async function wait(ctx: RouteContext): Promise<void> {
  const conds = ctx.query.getAll('condition');
  for (const c of conds) if (!['stopped', 'exited', 'configured', 'created'].includes(c)) throw invalidArgument(`condition ${c}: only stopped and exited are supported`);
  const since = new Date(Date.now() - 1000);
  let c;
  try {
    c = await ctx.engine.containers.get(ctx.params.id);
  } catch (e) {
    // podman run --rm waits after the output ends: the container may be gone, its died event is not.
    const code = e instanceof HuskError && e.code === 'NO_SUCH_CONTAINER' ? await pastExitCode(ctx, ctx.params.id) : undefined;
    if (code === undefined) throw e;
    return sendJson(ctx, 200, code);
  }
  ctx.res.writeHead(200, { 'Content-Type': 'application/json' });
  ctx.res.flushHeaders();
  const live = c.state.status === 'running' || c.state.status === 'paused' || c.state.status === 'created';
  const code = live ? await exitCode(ctx.engine, c.config.id, since, ctx.signal) : c.state.exitCode;
  if (ctx.signal.aborted) return void ctx.res.destroy();
  ctx.res.end(`${code ?? 0}\n`);
}

/** The exit code in the last "died" event of a container (by full ID or name) of the last 10 minutes. */
async function pastExitCode(ctx: RouteContext, ref: string): Promise<number | undefined> {
  let code: number | undefined;
  const evs = ctx.engine.system.events({ since: new Date(Date.now() - 600_000), until: new Date(), filters: { container: [ref], event: ['died'] }, signal: ctx.signal });
  for await (const ev of evs) code = ev.ContainerExitCode ?? code;
  return code;
}

async function remove(ctx: RouteContext): Promise<void> {
  const reports = await ctx.engine.containers.remove([ctx.params.id], { force: qBool(ctx.query, 'force'), volumes: qBool(ctx.query, 'v') });
  for (const r of reports) if (r.error && !(qBool(ctx.query, 'ignore') && r.error.code === 'NO_SUCH_CONTAINER')) throw HuskError.from(r.error);
  sendJson(ctx, 200, reports.filter((r) => !r.error).map((r) => ({ Id: r.id })));
}

async function exists(ctx: RouteContext): Promise<void> {
  if (!(await ctx.engine.containers.exists(ctx.params.id))) throw new HuskError('NO_SUCH_CONTAINER', `no container with name or ID "${ctx.params.id}" found: no such container`);
  sendNoContent(ctx);
}

/** podman-remote sends Go's zero time for an unset since/until: it means no bound. */
function withoutZeroTimes(handler: Route['handler']): Route['handler'] {
  return (ctx) => {
    for (const k of ['since', 'until']) if (ctx.query.get(k)?.startsWith('0001-01-01')) ctx.query.delete(k);
    return handler(ctx);
  };
}

/** A compat handler whose wire format libpod shares. */
const compat = (method: Route['method'], path: string) => {
  const r = compatRoutes.find((x) => x.method === method && x.path === path);
  if (!r) throw new Error(`no compat route ${method} ${path}`);
  return r.handler;
};

export const libpodContainerRoutes: Route[] = [
  { method: 'POST', path: '/libpod/containers/create', handler: create },
  { method: 'GET', path: '/libpod/containers/json', handler: list },
  { method: 'GET', path: '/libpod/containers/:id/json', handler: inspect },
  { method: 'GET', path: '/libpod/containers/:id/exists', handler: exists },
  { method: 'POST', path: '/libpod/containers/:id/start', handler: compat('POST', '/containers/:id/start') },
  { method: 'POST', path: '/libpod/containers/:id/stop', handler: stop },
  { method: 'POST', path: '/libpod/containers/:id/kill', handler: compat('POST', '/containers/:id/kill') },
  { method: 'POST', path: '/libpod/containers/:id/restart', handler: compat('POST', '/containers/:id/restart') },
  { method: 'POST', path: '/libpod/containers/:id/wait', handler: wait },
  { method: 'POST', path: '/libpod/containers/:id/attach', handler: compat('POST', '/containers/:id/attach') },
  { method: 'POST', path: '/libpod/containers/:id/resize', handler: compat('POST', '/containers/:id/resize') },
  { method: 'GET', path: '/libpod/containers/:id/logs', handler: withoutZeroTimes(compat('GET', '/containers/:id/logs')) },
  { method: 'DELETE', path: '/libpod/containers/:id', handler: remove },
];
