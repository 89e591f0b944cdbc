// Docker's volume endpoints over the engine's volumes domain.
import type { Volume } from '../../engine/volume/api.ts';
import { HuskError } from '../../common/errors.ts';
import type { Route, RouteContext } from '../router.ts';
import { qBool, qFilters, readJson, sendJson, sendNoContent } from '../http.ts';
import { checkShape } from '../shape.ts';

const toDocker = (v: Volume) => ({
  Name: v.Name, Driver: v.Driver, Mountpoint: v.Mountpoint, CreatedAt: v.CreatedAt, Labels: v.Labels ?? {}, Scope: v.Scope, Options: v.Options ?? {},
});

async function list(ctx: RouteContext): Promise<void> {
  const vols = await ctx.engine.volumes.list({ filters: qFilters(ctx.query) });
  sendJson(ctx, 200, { Volumes: vols.map(toDocker), Warnings: [] });
}

async function create(ctx: RouteContext): Promise<void> {
  const b = await readJson(ctx) as { Name?: string; Driver?: string; DriverOpts?: Record<string, string>; Labels?: Record<string, string> };
  checkShape(b, { Name: 'string', Driver: 'string', DriverOpts: 'stringMap', Labels: 'stringMap' }, '');
  // Docker returns an existing volume of that name instead of failing.
  const v = await ctx.engine.volumes.create({ name: b.Name || undefined, driver: b.Driver || undefined, options: b.DriverOpts ?? undefined, labels: b.Labels ?? undefined, ignore: true });
  sendJson(ctx, 201, toDocker(v));
}

async function inspect(ctx: RouteContext): Promise<void> {
  sendJson(ctx, 200, toDocker(await ctx.engine.volumes.inspect(ctx.params.name)));
}

async function remove(ctx: RouteContext): Promise<void> {
  const [r] = await ctx.engine.volumes.remove([ctx.params.name], { force: qBool(ctx.query, 'force') });
  if (r?.error) throw HuskError.from(r.error);
  sendNoContent(ctx);
}

async function prune(ctx: RouteContext): Promise<void> {
  const f = qFilters(ctx.query);
  // Docker prunes only anonymous volumes unless all=true (API ≥ 1.42).
  const all = f?.all?.[0] === 'true' || f?.all?.[0] === '1';
  if (f) delete f.all;
  const reports = await ctx.engine.volumes.prune({ filters: { ...f, ...(all || ctx.version && Number(ctx.version.split('.')[1]) < 42 ? {} : { anonymous: ['true'] }) } });
  const ok = reports.filter((r) => !r.error);
  sendJson(ctx, 200, { VolumesDeleted: ok.map((r) => r.id), SpaceReclaimed: ok.reduce((n, r) => n + (r.size ?? 0), 0) });
}

export const volumeRoutes: Route[] = [
  { method: 'GET', path: '/volumes', handler: list },
  { method: 'POST', path: '/volumes/create', handler: create },
  { method: 'POST', path: '/volumes/prune', handler: prune },
  { method: 'GET', path: '/volumes/:name', handler: inspect },
  { method: 'DELETE', path: '/volumes/:name', handler: remove },
];
