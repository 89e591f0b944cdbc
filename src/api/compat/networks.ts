// Docker's network endpoints over the engine's networks domain (netavark
// bridge networks; Docker's "bridge" is husk's default network).
import { BRIDGE_OPTIONS, type NetworkConfig } from '../../engine/network/api.ts';
import { HuskError, invalidArgument } from '../../common/errors.ts';
import type { Route, RouteContext } from '../router.ts';
import { qFilters, readJson, sendJson, sendNoContent } from '../http.ts';
import { checkShape } from '../shape.ts';

const ref = (n: string) => (n === 'bridge' ? 'podman' : n);

async function toDocker(ctx: RouteContext, n: NetworkConfig): Promise<Record<string, unknown>> {
  const containers: Record<string, unknown> = {};
  for (const c of await ctx.engine.containers.list({ all: true })) {
    const opts = c.config.networks?.[n.name];
    if (!opts) continue;
    const iface = c.state.networkStatus?.[n.name]?.interfaces?.[opts.interfaceName];
    const addrs = iface?.subnets?.map((sn) => sn.ipnet) ?? [];
    containers[c.config.id] = {
      Name: c.config.name, EndpointID: '', MacAddress: iface?.mac_address ?? '',
      IPv4Address: addrs.find((a) => !a.includes(':')) ?? '', IPv6Address: addrs.find((a) => a.includes(':')) ?? '',
    };
  }
  return {
    Name: n.name, Id: n.id, Created: n.created ?? '0001-01-01T00:00:00Z', Scope: 'local', Driver: n.driver, EnableIPv6: n.ipv6_enabled,
    IPAM: { Driver: 'default', Options: n.ipam_options ?? {}, Config: (n.subnets ?? []).map((s) => ({ Subnet: s.subnet, Gateway: s.gateway })) },
    Internal: n.internal, Attachable: false, Ingress: false, ConfigFrom: { Network: '' }, ConfigOnly: false,
    Containers: containers, Options: n.options ?? {}, Labels: n.labels ?? {},
  };
}

async function list(ctx: RouteContext): Promise<void> {
  const nets = await ctx.engine.networks.list({ filters: qFilters(ctx.query) });
  sendJson(ctx, 200, await Promise.all(nets.map((n) => toDocker(ctx, n))));
}

async function inspect(ctx: RouteContext): Promise<void> {
  sendJson(ctx, 200, await toDocker(ctx, await ctx.engine.networks.inspect(ref(ctx.params.id))));
}

async function create(ctx: RouteContext): Promise<void> {
  const b = await readJson(ctx) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  checkShape(b, { Name: 'string', Driver: 'string', Internal: 'bool', Labels: 'stringMap', Options: 'stringMap', IPAM: 'object', CheckDuplicate: 'bool', EnableIPv6: 'bool' }, '');
  if (!b.Name) throw invalidArgument('network name is required');
  if (b.IPAM) checkShape(b.IPAM, { Config: 'objects' }, 'IPAM.');
  // One IPAM config per subnet, each with its own gateway and range (docker's --subnet/--gateway/--ip-range pairs).
  const configs = (b.IPAM?.Config ?? []) as Record<string, any>[]; // eslint-disable-line @typescript-eslint/no-explicit-any
  for (const cfg of configs) checkShape(cfg, { Subnet: 'string', Gateway: 'string', IPRange: 'string', AuxiliaryAddresses: 'stringMap' }, 'IPAM.Config.');
  if (configs.some((c) => !c.Subnet && (c.Gateway || c.IPRange))) throw invalidArgument('cannot set gateway or ip range without subnet');
  const subnets = configs.filter((c) => c.Subnet).map((c) => ({ subnet: c.Subnet, gateway: c.Gateway || undefined, ipRange: c.IPRange || undefined }));
  // Podman's compat handler keeps the MTU and the bridge name and warns about Docker's other driver options.
  const given = Object.entries((b.Options ?? {}) as Record<string, string>);
  const options = Object.fromEntries(given.filter(([k]) => BRIDGE_OPTIONS.includes(k)));
  const ignored = given.filter(([k]) => !BRIDGE_OPTIONS.includes(k)).map(([k, v]) => `"${k}: ${v}" is not a recognized option`);
  const n = await ctx.engine.networks.create({
    name: b.Name, driver: b.Driver || undefined, subnets: subnets.length ? subnets : undefined, ipv6: !!b.EnableIPv6, internal: !!b.Internal,
    labels: b.Labels, options, ignore: b.CheckDuplicate === false,
  });
  sendJson(ctx, 201, { Id: n.id, Warning: ignored.join('; ') });
}

async function remove(ctx: RouteContext): Promise<void> {
  const [r] = await ctx.engine.networks.remove([ref(ctx.params.id)]);
  if (r?.error) throw HuskError.from(r.error);
  sendNoContent(ctx);
}

async function connect(ctx: RouteContext): Promise<void> {
  const b = await readJson(ctx) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  checkShape(b, { Container: 'string', EndpointConfig: 'object' }, '');
  const ep = b.EndpointConfig ?? {};
  checkShape(ep, { Aliases: 'strings', IPAMConfig: 'object', MacAddress: 'string' }, 'EndpointConfig.');
  await ctx.engine.networks.connect(ref(ctx.params.id), b.Container, { aliases: ep.Aliases ?? undefined, ip: ep.IPAMConfig?.IPv4Address || undefined, ip6: ep.IPAMConfig?.IPv6Address || undefined, mac: ep.MacAddress || undefined });
  sendNoContent(ctx, 200);
}

async function disconnect(ctx: RouteContext): Promise<void> {
  const b = await readJson(ctx) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  checkShape(b, { Container: 'string', Force: 'bool' }, '');
  await ctx.engine.networks.disconnect(ref(ctx.params.id), b.Container, { force: !!b.Force });
  sendNoContent(ctx, 200);
}

async function prune(ctx: RouteContext): Promise<void> {
  const reports = await ctx.engine.networks.prune({ filters: qFilters(ctx.query) });
  sendJson(ctx, 200, { NetworksDeleted: reports.filter((r) => !r.error).map((r) => r.id) });
}

export const networkRoutes: Route[] = [
  { method: 'GET', path: '/networks', handler: list },
  { method: 'POST', path: '/networks/create', handler: create },
  { method: 'POST', path: '/networks/prune', handler: prune },
  { method: 'GET', path: '/networks/:id', handler: inspect },
  { method: 'DELETE', path: '/networks/:id', handler: remove },
  { method: 'POST', path: '/networks/:id/connect', handler: connect },
  { method: 'POST', path: '/networks/:id/disconnect', handler: disconnect },
];
