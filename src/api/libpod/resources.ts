// Podman's libpod endpoints for exec sessions, volumes and networks, as
// podman-remote 4.3 calls them. Exec's wire format is Docker's (the compat
// handlers serve it); volumes answer in Podman's inspect shape, networks in
// netavark's network JSON, which is what the engine already returns.
import { HuskError, invalidArgument } from '../../common/errors.ts';
import type { Volume } from '../../engine/volume/api.ts';
import type { PruneReport } from '../../engine/api.ts';
import type { Route, RouteContext } from '../router.ts';
import { qBool, qFilters, qInt, readJson, sendJson, sendNoContent } from '../http.ts';
import { checkShape } from '../shape.ts';
import { compatRoutes } from '../compat/index.ts';

/* eslint-disable @typescript-eslint/no-explicit-any */
type Json = Record<string, any>;

const compat = (method: Route['method'], path: string) => {
  const r = compatRoutes.find((x) => x.method === method && x.path === path);
  if (!r) throw new Error(`no compat route ${method} ${path}`);
  return r.handler;
};

/** Podman's InspectVolumeData (podman-remote prints what it gets). */
const volumeOut = (v: Volume & { MountCount?: number; NeedsChown?: boolean }): Json => ({
  Name: v.Name, Driver: v.Driver, Mountpoint: v.Mountpoint, CreatedAt: v.CreatedAt, Labels: v.Labels ?? {}, Scope: v.Scope,
  Options: v.Options ?? {}, UID: 0, GID: 0, Anonymous: v.Anonymous, MountCount: v.MountCount ?? 0, NeedsCopyUp: v.NeedsCopyUp, NeedsChown: v.NeedsChown ?? false,
});

/** Podman's PruneReport list; its Err is a Go error, which podman-remote cannot decode, so failures are left out as Podman's server leaves them empty. */
const pruneOut = (reports: PruneReport[]) => reports.filter((r) => !r.error).map((r) => ({ Id: r.id, Size: r.size ?? 0 }));

async function volumeCreate(ctx: RouteContext): Promise<void> {
  const b = await readJson(ctx) as Json;
  checkShape(b, { Name: 'string', Driver: 'string', Label: 'stringMap', Labels: 'stringMap', Options: 'stringMap', IgnoreIfExists: 'bool' }, '');
  const v = await ctx.engine.volumes.create({
    name: b.Name || undefined, driver: b.Driver || undefined, labels: b.Label ?? b.Labels ?? undefined, options: b.Options ?? undefined, ignore: !!b.IgnoreIfExists,
  });
  sendJson(ctx, 201, volumeOut(v));
}

async function volumeList(ctx: RouteContext): Promise<void> {
  sendJson(ctx, 200, (await ctx.engine.volumes.list({ filters: qFilters(ctx.query) })).map(volumeOut));
}

async function volumeInspect(ctx: RouteContext): Promise<void> {
  sendJson(ctx, 200, volumeOut(await ctx.engine.volumes.inspect(ctx.params.name)));
}

async function volumeExists(ctx: RouteContext): Promise<void> {
  if (!(await ctx.engine.volumes.exists(ctx.params.name))) throw new HuskError('NO_SUCH_VOLUME', `no volume with name "${ctx.params.name}" found: no such volume`);
  sendNoContent(ctx);
}

async function volumeRemove(ctx: RouteContext): Promise<void> {
  const [r] = await ctx.engine.volumes.remove([ctx.params.name], { force: qBool(ctx.query, 'force'), timeout: qInt(ctx.query, 'timeout') });
  if (r?.error) throw HuskError.from(r.error);
  sendNoContent(ctx);
}

async function volumePrune(ctx: RouteContext): Promise<void> {
  sendJson(ctx, 200, pruneOut(await ctx.engine.volumes.prune({ filters: qFilters(ctx.query) })));
}

async function networkCreate(ctx: RouteContext): Promise<void> {
  const b = await readJson(ctx) as Json;
  checkShape(b, { name: 'string', driver: 'string', network_interface: 'string', subnets: 'objects', internal: 'bool', dns_enabled: 'bool', ipv6_enabled: 'bool', labels: 'stringMap', options: 'stringMap', network_dns_servers: 'strings', ipam_options: 'stringMap' }, '');
  const subnets = (b.subnets ?? []) as Json[];
  subnets.forEach((s, i) => {
    checkShape(s, { subnet: 'string', gateway: 'string', lease_range: 'object' }, `subnets[${i}].`);
    if (s.lease_range) checkShape(s.lease_range, { start_ip: 'string', end_ip: 'string' }, `subnets[${i}].lease_range.`);
  });
  const n = await ctx.engine.networks.create({
    name: b.name || undefined, driver: b.driver || undefined, interfaceName: b.network_interface || undefined,
    // podman-remote sends each --subnet with its --gateway and --ip-range (as first and last address).
    subnets: subnets.length ? subnets.map((s) => ({
      subnet: s.subnet, gateway: s.gateway || undefined,
      leaseRange: s.lease_range?.start_ip && s.lease_range?.end_ip ? { start: s.lease_range.start_ip, end: s.lease_range.end_ip } : undefined,
    })) : undefined,
    ipv6: !!b.ipv6_enabled, internal: !!b.internal,
    disableDns: b.dns_enabled === false, labels: b.labels ?? undefined, options: b.options ?? undefined,
    dnsServers: b.network_dns_servers?.length ? b.network_dns_servers : undefined, ipamDriver: b.ipam_options?.driver || undefined, ignore: qBool(ctx.query, 'ignoreIfExists'),
  });
  sendJson(ctx, 200, n);
}

async function networkList(ctx: RouteContext): Promise<void> {
  sendJson(ctx, 200, await ctx.engine.networks.list({ filters: qFilters(ctx.query) }));
}

async function networkInspect(ctx: RouteContext): Promise<void> {
  sendJson(ctx, 200, await ctx.engine.networks.inspect(ctx.params.name));
}

async function networkExists(ctx: RouteContext): Promise<void> {
  if (!(await ctx.engine.networks.exists(ctx.params.name))) throw new HuskError('NO_SUCH_NETWORK', `unable to find network with name or ID ${ctx.params.name}: network not found`);
  sendNoContent(ctx);
}

/** `[{"Name"}]` (Podman's NetworkRmReport without its undecodable Err); a failure is the request's error. */
async function networkRemove(ctx: RouteContext): Promise<void> {
  const [r] = await ctx.engine.networks.remove([ctx.params.name], { force: qBool(ctx.query, 'force'), timeout: qInt(ctx.query, 'timeout') });
  if (r?.error) throw HuskError.from(r.error);
  sendJson(ctx, 200, [{ Name: ctx.params.name }]);
}

async function networkPrune(ctx: RouteContext): Promise<void> {
  const reports = await ctx.engine.networks.prune({ filters: qFilters(ctx.query) });
  sendJson(ctx, 200, reports.filter((r) => !r.error).map((r) => ({ Name: r.id })));
}

/** podman 4's body: {"container", "aliases", "static_ips", "static_mac", "interface_name"} (Docker's names accepted too). */
async function networkConnect(ctx: RouteContext): Promise<void> {
  const b = await readJson(ctx) as Json;
  checkShape(b, { container: 'string', Container: 'string', aliases: 'strings', static_ips: 'strings', static_mac: 'string' }, '');
  const container = b.container || b.Container;
  if (!container) throw invalidArgument('container is required');
  await ctx.engine.networks.connect(ctx.params.name, container, { aliases: b.aliases?.length ? b.aliases : undefined, ip: b.static_ips?.[0] || undefined, mac: b.static_mac || undefined });
  sendJson(ctx, 200, 'OK');
}

async function networkDisconnect(ctx: RouteContext): Promise<void> {
  const b = await readJson(ctx) as Json;
  checkShape(b, { Container: 'string', Force: 'bool' }, '');
  if (!b.Container) throw invalidArgument('Container is required');
  await ctx.engine.networks.disconnect(ctx.params.name, b.Container, { force: !!b.Force });
  sendJson(ctx, 200, 'OK');
}

export const libpodResourceRoutes: Route[] = [
  { method: 'POST', path: '/libpod/containers/:id/exec', handler: compat('POST', '/containers/:id/exec') },
  { method: 'POST', path: '/libpod/exec/:id/start', handler: compat('POST', '/exec/:id/start') },
  { method: 'POST', path: '/libpod/exec/:id/resize', handler: compat('POST', '/exec/:id/resize') },
  { method: 'GET', path: '/libpod/exec/:id/json', handler: compat('GET', '/exec/:id/json') },
  { method: 'POST', path: '/libpod/volumes/create', handler: volumeCreate },
  { method: 'GET', path: '/libpod/volumes/json', handler: volumeList },
  { method: 'POST', path: '/libpod/volumes/prune', handler: volumePrune },
  { method: 'GET', path: '/libpod/volumes/:name/json', handler: volumeInspect },
  { method: 'GET', path: '/libpod/volumes/:name/exists', handler: volumeExists },
  { method: 'DELETE', path: '/libpod/volumes/:name', handler: volumeRemove },
  { method: 'POST', path: '/libpod/networks/create', handler: networkCreate },
  { method: 'GET', path: '/libpod/networks/json', handler: networkList },
  { method: 'POST', path: '/libpod/networks/prune', handler: networkPrune },
  { method: 'GET', path: '/libpod/networks/:name/json', handler: networkInspect },
  { method: 'GET', path: '/libpod/networks/:name/exists', handler: networkExists },
  { method: 'DELETE', path: '/libpod/networks/:name', handler: networkRemove },
  { method: 'POST', path: '/libpod/networks/:name/connect', handler: networkConnect },
  { method: 'POST', path: '/libpod/networks/:name/disconnect', handler: networkDisconnect },
];
