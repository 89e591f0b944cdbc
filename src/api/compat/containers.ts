// Docker's container endpoints (all but attach, logs, wait, stats and
// archive, which have their own files): create and the lifecycle verbs,
// list, inspect, top, changes, rename, update, resize, export, prune, delete.
import { HuskError } from '../../common/errors.ts';
import type { ItemReport } from '../../engine/api.ts';
import type { Route, RouteContext } from '../router.ts';
import { answerCreated, qBool, qFilters, qInt, readJson, sendJson, sendNoContent } from '../http.ts';
import { checkShape } from '../shape.ts';
import { inspectToDocker, listFilters, listToDocker, RESOURCE_SHAPE, resourcesFromDocker, specFromDocker } from './translate.ts';
import { startPending } from './attach.ts';

/** A single-item batch verb: its report's error thrown as the typed error. */
export async function one(reports: Promise<ItemReport[]>): Promise<void> {
  for (const r of await reports) if (r.error) throw HuskError.from(r.error);
}

async function create(ctx: RouteContext): Promise<void> {
  const body = await readJson(ctx);
  const spec = specFromDocker(body, ctx.query.get('name') ?? undefined);
  const warnings: string[] = [];
  const c = await ctx.engine.containers.create(spec, { pull: {}, onWarning: (w) => warnings.push(w) });
  // A client that left before the answer never learns the ID: the container would leak.
  await answerCreated(ctx, 201, { Id: c.config.id, Warnings: warnings }, () => ctx.engine.containers.remove([c.config.id], { force: true, volumes: true }));
}

async function start(ctx: RouteContext): Promise<void> {
  const c = await ctx.engine.containers.get(ctx.params.id);
  if (c.state.status === 'running' || c.state.status === 'paused') return sendNoContent(ctx, 304);
  // A client attached before start (docker run) gets the process's output from its first byte.
  if (await startPending(ctx.engine, c.config.id)) return sendNoContent(ctx);
  await one(ctx.engine.containers.start([c.config.id]));
  sendNoContent(ctx);
}

async function stop(ctx: RouteContext): Promise<void> {
  const c = await ctx.engine.containers.get(ctx.params.id);
  if (c.state.status !== 'running' && c.state.status !== 'paused') return sendNoContent(ctx, 304);
  await one(ctx.engine.containers.stop([c.config.id], { timeout: qInt(ctx.query, 't') }));
  sendNoContent(ctx);
}

async function restart(ctx: RouteContext): Promise<void> {
  await one(ctx.engine.containers.restart([ctx.params.id], { timeout: qInt(ctx.query, 't') }));
  sendNoContent(ctx);
}

async function kill(ctx: RouteContext): Promise<void> {
  await one(ctx.engine.containers.kill([ctx.params.id], { signal: ctx.query.get('signal') || undefined }));
  sendNoContent(ctx);
}

async function pause(ctx: RouteContext): Promise<void> {
  await one(ctx.engine.containers.pause([ctx.params.id]));
  sendNoContent(ctx);
}

async function unpause(ctx: RouteContext): Promise<void> {
  await one(ctx.engine.containers.unpause([ctx.params.id]));
  sendNoContent(ctx);
}

async function list(ctx: RouteContext): Promise<void> {
  const limit = qInt(ctx.query, 'limit');
  const items = await ctx.engine.containers.list({
    all: qBool(ctx.query, 'all'), filters: listFilters(qFilters(ctx.query)), ...(limit && limit > 0 ? { last: limit } : {}),
  });
  sendJson(ctx, 200, items.filter((c) => !c.config.isInfra).map(listToDocker));
}

async function inspect(ctx: RouteContext): Promise<void> {
  const [c, store] = await Promise.all([ctx.engine.containers.get(ctx.params.id), ctx.engine.system.storePaths()]);
  sendJson(ctx, 200, inspectToDocker(c, store.graphDriver));
}

async function remove(ctx: RouteContext): Promise<void> {
  await one(ctx.engine.containers.remove([ctx.params.id], { force: qBool(ctx.query, 'force'), volumes: qBool(ctx.query, 'v') }));
  sendNoContent(ctx);
}

async function prune(ctx: RouteContext): Promise<void> {
  const reports = await ctx.engine.containers.prune({ filters: qFilters(ctx.query) });
  const ok = reports.filter((r) => !r.error);
  sendJson(ctx, 200, { ContainersDeleted: ok.map((r) => r.id), SpaceReclaimed: ok.reduce((n, r) => n + (r.size ?? 0), 0) });
}

async function top(ctx: RouteContext): Promise<void> {
  const args = ctx.query.get('ps_args');
  const rows = await ctx.engine.containers.top(ctx.params.id, args ? args.split(/[\s,]+/).filter(Boolean) : undefined);
  sendJson(ctx, 200, { Titles: rows[0] ?? [], Processes: rows.slice(1) });
}

async function changes(ctx: RouteContext): Promise<void> {
  const kinds = { C: 0, A: 1, D: 2 } as const;
  const list = await ctx.engine.containers.diff(ctx.params.id);
  sendJson(ctx, 200, list.map((c) => ({ Path: c.path, Kind: kinds[c.kind] })));
}

async function rename(ctx: RouteContext): Promise<void> {
  const name = ctx.query.get('name');
  if (!name) throw new HuskError('INVALID_ARGUMENT', 'name is required');
  await ctx.engine.containers.rename(ctx.params.id, name);
  sendNoContent(ctx);
}

async function update(ctx: RouteContext): Promise<void> {
  const b = await readJson(ctx) as Record<string, number & string>;
  checkShape(b, { Memory: 'number', MemoryReservation: 'number', MemorySwap: 'number', NanoCpus: 'number', CpuShares: 'number', CpusetCpus: 'string', PidsLimit: 'number',
    CpuPeriod: 'number', CpuQuota: 'number', CpusetMems: 'string', ...RESOURCE_SHAPE }, '');
  // Docker's update takes no OOM killer or cgroup parent change.
  const { oomKillDisable: _o, ...more } = resourcesFromDocker(b);
  await ctx.engine.containers.update(ctx.params.id, {
    memory: b.Memory || undefined, memoryReservation: b.MemoryReservation || undefined, memorySwap: b.MemorySwap || undefined,
    cpus: b.NanoCpus ? b.NanoCpus / 1e9 : undefined, cpuShares: b.CpuShares || undefined, cpusetCpus: b.CpusetCpus || undefined,
    cpusetMems: b.CpusetMems || undefined, pidsLimit: b.PidsLimit || undefined, ...more,
  });
  sendJson(ctx, 200, { Warnings: [] });
}

async function resize(ctx: RouteContext): Promise<void> {
  await ctx.engine.containers.resize(ctx.params.id, { rows: qInt(ctx.query, 'h') ?? 0, cols: qInt(ctx.query, 'w') ?? 0 });
  sendNoContent(ctx, 200);
}

async function exportFs(ctx: RouteContext): Promise<void> {
  await ctx.engine.containers.get(ctx.params.id);
  ctx.res.writeHead(200, { 'Content-Type': 'application/x-tar' });
  await ctx.engine.containers.export(ctx.params.id, ctx.res);
  ctx.res.end();
}

export const containerRoutes: Route[] = [
  { method: 'POST', path: '/containers/create', handler: create },
  { method: 'GET', path: '/containers/json', handler: list },
  { method: 'POST', path: '/containers/prune', handler: prune },
  { method: 'GET', path: '/containers/:id/json', handler: inspect },
  { method: 'POST', path: '/containers/:id/start', handler: start },
  { method: 'POST', path: '/containers/:id/stop', handler: stop },
  { method: 'POST', path: '/containers/:id/restart', handler: restart },
  { method: 'POST', path: '/containers/:id/kill', handler: kill },
  { method: 'POST', path: '/containers/:id/pause', handler: pause },
  { method: 'POST', path: '/containers/:id/unpause', handler: unpause },
  { method: 'DELETE', path: '/containers/:id', handler: remove },
  { method: 'GET', path: '/containers/:id/top', handler: top },
  { method: 'GET', path: '/containers/:id/changes', handler: changes },
  { method: 'POST', path: '/containers/:id/rename', handler: rename },
  { method: 'POST', path: '/containers/:id/update', handler: update },
  { method: 'POST', path: '/containers/:id/resize', handler: resize },
  { method: 'GET', path: '/containers/:id/export', handler: exportFs },
];
