// The part of network resolution every create on a bridge network needs:
// which networks a container joins, with their interface names. Kept apart
// from networks.ts, whose netavark, slirp4netns and pasta code (~3 ms to
// load) a create needs only for published ports and static addresses.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { HuskError, invalidArgument } from '../../common/errors.ts';
import { DEFAULT_NETWORK_NAME, defaultNetworkConfig, parseNetworkConfig, validateInterfaceName, type NetworkConfig } from '../../runtime/network/config.ts';
import { isSlirpMode } from '../../runtime/network/modes.ts';
import type { PerNetworkOptions } from '../../runtime/network/netavark.ts';
import type { ContainerConfig } from '../types.ts';
import type { ContainerSpec, NetworkAttachSpec } from '../../specgen/container.ts';
import type { EngineContext } from '../context.ts';

export function networkDir(e: EngineContext): string {
  return e.config.networkConfigDir ?? join(e.config.root, 'networks');
}

export function listNetworks(e: EngineContext): NetworkConfig[] {
  const out = [defaultNetworkConfig()];
  const dir = networkDir(e);
  if (!existsSync(dir)) return out;
  for (const f of readdirSync(dir).sort()) {
    if (!f.endsWith('.json')) continue;
    const c = parseNetworkConfig(readFileSync(join(dir, f), 'utf8'), join(dir, f));
    if (c.name === DEFAULT_NETWORK_NAME) out[0] = c;
    else out.push(c);
  }
  return out;
}

export function getNetwork(e: EngineContext, ref: string): NetworkConfig {
  const all = listNetworks(e);
  const n = all.find((x) => x.name === ref) ?? all.find((x) => ref.length >= 3 && x.id.startsWith(ref));
  if (!n) throw new HuskError('NO_SUCH_NETWORK', `unable to find network with name or ID ${ref}: network not found`);
  return n;
}

/** Whether a network mode attaches the container to bridge networks (bridge or a network's name). */
export function isBridgeMode(mode: string | undefined): boolean {
  return !!mode && !['none', 'host', 'private', 'pasta'].includes(mode) && !/^(container|ns|pasta):/.test(mode) && !isSlirpMode(mode);
}

/**
 * The bridge networks in order (the first's "bridge" is the default
 * network), by name, each with its options for netavark. Interfaces are
 * the names asked for, the others the first free ethN in order (libpod's
 * rule); a name used twice would make netavark fail half-way. checkIp
 * vets a static address (networks.ts checkStaticIp: it asks netavark's IPAM).
 */
export function attachments(e: EngineContext, checkIp: (net: NetworkConfig, ip: string) => string, list: NetworkAttachSpec[]): Record<string, PerNetworkOptions> {
  const out: Record<string, PerNetworkOptions> = {};
  const owner = new Map<string, string>();
  for (const a of list) {
    const net = getNetwork(e, a.network === 'bridge' ? e.config.defaultNetwork : a.network);
    const per: PerNetworkOptions = { interfaceName: a.interfaceName ?? '' };
    if (a.aliases?.length) per.aliases = a.aliases;
    const staticIps = [a.ip, a.ip6].filter((x): x is string => !!x).map((ip) => checkIp(net, ip));
    if (staticIps.length) per.staticIps = staticIps;
    if (a.mac) per.staticMac = normalizeMac(a.mac);
    if (a.interfaceName) {
      validateInterfaceName(a.interfaceName);
      const other = owner.get(a.interfaceName);
      if (other && other !== net.name) throw invalidArgument(`interface name ${a.interfaceName} is used on both network ${other} and network ${net.name}`);
      owner.set(a.interfaceName, net.name);
    }
    out[net.name] = per;
  }
  let n = 0;
  for (const per of Object.values(out)) {
    if (per.interfaceName) continue;
    while (owner.has(`eth${n}`)) n++;
    per.interfaceName = `eth${n}`;
    owner.set(per.interfaceName, '');
  }
  return out;
}

/** The lower-case, colon-separated form netavark expects. */
export function normalizeMac(mac: string): string {
  return mac.toLowerCase().replaceAll('-', ':');
}

/** A spec's bridge attachments: its first network (with --ip, --ip6, --mac-address, aliases), then the others. */
export function attachSpecs(i: ContainerSpec): NetworkAttachSpec[] {
  return [
    { network: i.network ?? 'none', ip: i.ip, ip6: i.ip6, mac: i.mac, aliases: i.networkAliases, interfaceName: i.interfaceName },
    ...i.extraNetworks ?? [],
  ];
}

const noStaticIp = (): never => {
  throw new Error('static addresses are resolved by networks.ts');
};

/**
 * A new container's networks and ports (networks.ts resolveNetworking).
 * The common case, bridge networks with no published port and no static
 * address, is answered here; any other loads networks.ts.
 */
export async function resolveNetworking(e: EngineContext, i: ContainerSpec, exposed: string[]): Promise<Pick<ContainerConfig, 'networks' | 'ports' | 'slirp' | 'pasta'>> {
  const list = attachSpecs(i);
  if (!isBridgeMode(i.network) || i.portMappings?.length || i.publishAll || list.some((a) => a.ip || a.ip6)) {
    return (await import('./networks.ts')).resolveNetworking(e, i, exposed);
  }
  return { networks: attachments(e, noStaticIp, list), ports: [] };
}
