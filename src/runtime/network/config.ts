// Network configs in the JSON format Podman writes (one file per network) and
// netavark consumes as `network_info`. Building one validates it the way
// `podman network create` does, with the same defaults and messages.
import { randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { HuskError, invalidArgument } from '../../common/errors.ts';
import { cidrContains, cidrsOverlap, firstHost, formatCidr, formatIp, lastAddress, parseCidr, parseIp, type Cidr } from './ip.ts';
import { isoTime } from '../../common/isotime.ts';

export interface LeaseRange { start_ip?: string; end_ip?: string }

export interface NetworkSubnet {
  subnet: string;
  gateway?: string;
  lease_range?: LeaseRange;
}

/** One network, as stored by Podman and passed to netavark (unknown keys are ignored by netavark). */
export interface NetworkConfig {
  name: string;
  /** 64 hex characters. */
  id: string;
  driver: string;
  /** The bridge's name on the host. */
  network_interface?: string;
  /** RFC 3339 creation time (informational; netavark ignores it). */
  created?: string;
  subnets?: NetworkSubnet[];
  ipv6_enabled: boolean;
  /** No default route and no masquerading: containers reach only each other. */
  internal: boolean;
  /** Whether containers are registered with aardvark-dns. */
  dns_enabled: boolean;
  network_dns_servers?: string[];
  labels?: Record<string, string>;
  options?: Record<string, string>;
  ipam_options?: Record<string, string>;
}

export const DEFAULT_NETWORK_NAME = 'podman';
/** Podman's fixed ID for its default network; keeping it makes `network ls` output match. */
export const DEFAULT_NETWORK_ID = '2f259bab93aaaaa2542ba43ef33eb990d0999ee1b9924b557b7be53c0b7a1bb9';
export const DEFAULT_SUBNET = '10.88.0.0/16';
// Written out: computing it compiles the address regexps in every create on the default network.
const DEFAULT_GATEWAY = '10.88.0.1';
export const DEFAULT_BRIDGE = 'podman0';
const BRIDGE_PREFIX = 'podman';

/** Podman's default_subnet_pools: new networks take the first free /24 of these, in order. */
export const SUBNET_POOLS: { base: string; size: number }[] = [
  { base: '10.89.0.0/16', size: 24 },
  { base: '10.90.0.0/15', size: 24 },
  { base: '10.92.0.0/14', size: 24 },
  { base: '10.96.0.0/11', size: 24 },
  { base: '10.128.0.0/9', size: 24 },
];

/** What already exists and must not be reused: other networks' values plus the host's. */
export interface UsedResources {
  names?: string[];
  subnets?: string[];
  interfaceNames?: string[];
}

export interface BridgeOptions {
  name: string;
  /** 64 hex; a random one when omitted. */
  id?: string;
  /** CIDR; the first free pool subnet when omitted. */
  subnet?: string;
  gateway?: string;
  /**
   * Several subnets (at most one per family is usual: one IPv4, one IPv6),
   * each with its own gateway and lease range. Replaces subnet/gateway.
   */
  subnets?: NetworkSubnet[];
  /** Dual stack: adds a free IPv4 pool subnet and a random IPv6 ULA /64 for a family not given. */
  ipv6?: boolean;
  internal?: boolean;
  /** Default true, like `podman network create` (the default network has it off). */
  dnsEnabled?: boolean;
  labels?: Record<string, string>;
  /** The bridge name; the first free podmanN when omitted. */
  interfaceName?: string;
  /** Driver options: mtu, metric, isolate (what netavark 1.4's bridge driver reads). */
  options?: Record<string, string>;
  /** Upstream servers aardvark-dns asks for names outside the network (network_dns_servers); need DNS on. */
  dnsServers?: string[];
  /** host-local (default: addresses from the subnets) or none (no subnets, no addresses, no DNS). */
  ipamDriver?: string;
}

const NAME_RE = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

export function newNetworkId(): string {
  return randomBytes(32).toString('hex');
}

/** The default "podman" network: 10.88.0.0/16 on podman0, DNS off (Docker's default bridge has none either). */
export function defaultNetworkConfig(created = new Date()): NetworkConfig {
  return {
    name: DEFAULT_NETWORK_NAME,
    id: DEFAULT_NETWORK_ID,
    driver: 'bridge',
    network_interface: DEFAULT_BRIDGE,
    created: isoTime(created),
    subnets: [{ subnet: DEFAULT_SUBNET, gateway: DEFAULT_GATEWAY }],
    ipv6_enabled: false,
    internal: false,
    dns_enabled: false,
    ipam_options: { driver: 'host-local' },
  };
}

/** Builds and validates a bridge network like `podman network create --driver bridge`. */
export function buildBridgeNetwork(o: BridgeOptions, used: UsedResources = {}, created = new Date()): NetworkConfig {
  if (!NAME_RE.test(o.name)) {
    throw invalidArgument(`network name ${o.name} invalid: names must match [a-zA-Z0-9][a-zA-Z0-9_.-]*: invalid argument`);
  }
  if (used.names?.includes(o.name)) {
    throw new HuskError('INVALID_ARGUMENT', `network name ${o.name} already used: network already exists`);
  }
  const id = o.id ?? newNetworkId();
  if (!/^[0-9a-f]{64}$/.test(id)) throw invalidArgument(`invalid network ID "${id}": must be 64 lowercase hex characters`);
  const ipam = o.ipamDriver || 'host-local';
  // Podman's validateIPAMDriver; dhcp needs netavark's DHCP proxy, which 1.4 lacks.
  if (!['host-local', 'none'].includes(ipam)) throw invalidArgument(`unsupported ipam driver ${JSON.stringify(ipam)}`);
  const noIpam = ipam === 'none';
  if (noIpam && (o.subnet || o.subnets?.length)) throw invalidArgument('none ipam driver is set but subnets are given');
  // Without addresses there is nothing for aardvark-dns to answer (Podman's IpamNoneDisableDNS).
  const dns = !noIpam && (o.dnsEnabled ?? true);
  const { options, bridgeName } = bridgeOptions(o.options ?? {});
  const asked = o.interfaceName ?? bridgeName;
  const iface = asked ?? freeBridgeName(used.interfaceNames ?? []);
  validateInterfaceName(iface);
  if (asked && used.interfaceNames?.includes(iface)) {
    throw invalidArgument(`bridge name ${iface} already in use`);
  }
  if (o.gateway && !o.subnet) throw invalidArgument('cannot set gateway without subnet');
  // Podman gives an internal network a gateway only when DNS needs an address to listen on.
  const wantGateway = !o.internal || dns;
  const usedSubnets = [...(used.subnets ?? [])];
  const wanted: NetworkSubnet[] = o.subnets?.length ? o.subnets : o.subnet ? [{ subnet: o.subnet, gateway: o.gateway }] : [];
  const subnets: NetworkSubnet[] = [];
  // Each subnet also counts as used for the next: two overlapping ones in one network would clash in netavark.
  const add = (s: NetworkSubnet) => { const v = validateSubnet(s, usedSubnets, wantGateway); usedSubnets.push(v.subnet); subnets.push(v); };
  for (const s of wanted) add(s);
  const has = (f: 4 | 6) => subnets.some((s) => parseCidr(s.subnet).family === f);
  // Podman's order: a network without subnets gets an IPv4 one; --ipv6 then adds whichever family is missing.
  if (!noIpam && (!subnets.length || (o.ipv6 && !has(4)))) add({ subnet: freeSubnet(usedSubnets) });
  if (!noIpam && o.ipv6 && !has(6)) add({ subnet: freeIpv6Subnet(usedSubnets) });
  const net: NetworkConfig = {
    name: o.name,
    id,
    driver: 'bridge',
    network_interface: iface,
    created: isoTime(created),
    subnets,
    ipv6_enabled: has(6),
    internal: o.internal ?? false,
    dns_enabled: dns,
    ipam_options: { driver: ipam },
  };
  if (o.labels && Object.keys(o.labels).length) net.labels = { ...o.labels };
  if (Object.keys(options).length) net.options = options;
  if (o.dnsServers?.length) {
    // Podman's (containers/common netavark backend) checks and words.
    if (!dns) throw invalidArgument('cannot set NetworkDNSServers if DNS is not enabled for the network: invalid argument');
    for (const d of o.dnsServers) if (!parseIp(d)) throw invalidArgument(`unable to parse ip ${d} specified in NetworkDNSServers: invalid argument`);
    net.network_dns_servers = [...o.dnsServers];
  }
  return net;
}

/**
 * The bridge driver's options, checked as Podman does (Go's strconv words),
 * isolate normalised to the true/false netavark reads; Docker's names for
 * the MTU and the bridge's name mapped as Podman's libnetwork does. Only
 * what netavark 1.4 acts on is accepted: it would ignore a vlan or
 * no_default_route.
 */
function bridgeOptions(opts: Record<string, string>): { options: Record<string, string>; bridgeName?: string } {
  const out: Record<string, string> = {};
  let bridgeName: string | undefined;
  for (const [key, v] of Object.entries(opts)) {
    const k = key === 'com.docker.network.driver.mtu' ? 'mtu' : key;
    switch (k) {
      case 'com.docker.network.bridge.name':
        bridgeName = v;
        break;
      case 'mtu': {
        if (!/^[-+]?\d+$/.test(v)) throw invalidArgument(`strconv.Atoi: parsing ${JSON.stringify(v)}: invalid syntax`);
        if (Number(v) < 0) throw invalidArgument(`mtu ${Number(v)} is less than zero`);
        out[k] = v;
        break;
      }
      case 'metric':
        if (!/^\d+$/.test(v)) throw invalidArgument(`strconv.ParseUint: parsing ${JSON.stringify(v)}: invalid syntax`);
        if (Number(v) > 0xffffffff) throw invalidArgument(`strconv.ParseUint: parsing ${JSON.stringify(v)}: value out of range`);
        out[k] = v;
        break;
      case 'isolate': {
        const b = parseGoBool(v);
        if (b === undefined) throw invalidArgument(`strconv.ParseBool: parsing ${JSON.stringify(v)}: invalid syntax`);
        out[k] = String(b);
        break;
      }
      default:
        throw invalidArgument(`unsupported bridge network option ${k}`);
    }
  }
  return { options: out, bridgeName };
}

/** Go's strconv.ParseBool. */
function parseGoBool(v: string): boolean | undefined {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(v)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(v)) return false;
  return undefined;
}

/**
 * Normalises a subnet (host bits cleared) and checks its gateway and that it
 * overlaps none of `usedSubnets`; fills the gateway with the first host address.
 */
export function validateSubnet(s: NetworkSubnet, usedSubnets: string[], addGateway = true): NetworkSubnet {
  const c = parseCidr(s.subnet);
  if (c.family === 4 && c.prefix > 30) throw invalidArgument(`subnet ${formatCidr(c)} is too small: a /30 or larger is needed`);
  for (const u of usedSubnets) {
    let other: Cidr;
    try { other = parseCidr(u); } catch { continue; }
    if (cidrsOverlap(c, other)) throw invalidArgument(`subnet ${formatCidr(c)} is already used on the host or by another config`);
  }
  const out: NetworkSubnet = { subnet: formatCidr(c) };
  if (s.gateway) {
    const g = parseIp(s.gateway);
    if (!g) throw invalidArgument(`invalid gateway address: ${s.gateway}`);
    if (!cidrContains(c, g)) throw invalidArgument(`gateway ${s.gateway} not in subnet ${formatCidr(c)}`);
    if (g.value === c.network || (c.family === 4 && g.value === lastAddress(c))) {
      throw invalidArgument(`gateway ${s.gateway} is the network or broadcast address of subnet ${formatCidr(c)}`);
    }
    out.gateway = formatIp(g);
  } else if (addGateway) {
    out.gateway = formatIp(firstHost(c));
  }
  if (s.lease_range) out.lease_range = validateLeaseRange(c, s.lease_range);
  return out;
}

function validateLeaseRange(c: Cidr, r: LeaseRange): LeaseRange {
  const out: LeaseRange = {};
  for (const [k, what] of [['start_ip', 'start'], ['end_ip', 'end']] as const) {
    const v = r[k];
    if (!v) continue;
    const ip = parseIp(v);
    if (!ip) throw invalidArgument(`invalid lease range ${what} address: ${v}`);
    if (!cidrContains(c, ip)) throw invalidArgument(`lease range ${what} ip ${v} not in subnet ${formatCidr(c)}`);
    out[k] = formatIp(ip);
  }
  if (out.start_ip && out.end_ip && parseIp(out.start_ip)!.value > parseIp(out.end_ip)!.value) {
    throw invalidArgument(`lease range end ip ${out.end_ip} is before its start ip ${out.start_ip}`);
  }
  return out;
}

/**
 * A lease range given as a CIDR inside the subnet (Podman 4's --ip-range):
 * its first and last host addresses.
 */
export function leaseRangeFromCidr(range: string): LeaseRange {
  const c = parseCidr(range);
  // Podman's FirstIPInSubnet/LastIPInSubnet: the allocator skips the network and broadcast addresses anyway.
  const single = c.prefix === (c.family === 4 ? 32 : 128);
  const first = single ? c.network : c.network + 1n;
  return { start_ip: formatIp({ family: c.family, value: first }), end_ip: formatIp({ family: c.family, value: lastAddress(c) }) };
}

/**
 * A random unique local /64 (fdXX:XXXX:XXXX:XXXX::/64, RFC 4193), as Podman
 * picks for --ipv6 without an IPv6 subnet; retried while it overlaps a used one.
 */
export function freeIpv6Subnet(usedSubnets: string[], random: () => Buffer = () => randomBytes(8)): string {
  const used = usedSubnets.flatMap((u) => { try { return [parseCidr(u)]; } catch { return []; } });
  for (let i = 0; i < 10000; i++) {
    const b = random();
    b[0] = 0xfd;
    const cand: Cidr = { family: 6, network: BigInt(`0x${b.toString('hex')}`) << 64n, prefix: 64 };
    if (!used.some((u) => cidrsOverlap(cand, u))) return formatCidr(cand);
  }
  throw new HuskError('ENGINE', 'failed to get random ipv6 subnet');
}

/** The first /24 of Podman's pools that overlaps nothing in `usedSubnets`. */
export function freeSubnet(usedSubnets: string[]): string {
  const used = usedSubnets.flatMap((u) => { try { return [parseCidr(u)]; } catch { return []; } });
  for (const pool of SUBNET_POOLS) {
    const base = parseCidr(pool.base);
    const step = 1n << BigInt(32 - pool.size);
    for (let n = base.network; n + step - 1n <= lastAddress(base); n += step) {
      const cand: Cidr = { family: 4, network: n, prefix: pool.size };
      if (!used.some((u) => cidrsOverlap(cand, u))) return formatCidr(cand);
    }
  }
  throw new HuskError('ENGINE', 'could not find free subnet from subnet pools');
}

/** The first podmanN (N ≥ 1; podman0 belongs to the default network) not in `used`. */
export function freeBridgeName(used: string[]): string {
  const taken = new Set(used);
  for (let i = 1; ; i++) if (!taken.has(`${BRIDGE_PREFIX}${i}`)) return `${BRIDGE_PREFIX}${i}`;
}

export function validateInterfaceName(name: string): void {
  // IFNAMSIZ is 16 including the NUL; "/" and whitespace are rejected by the kernel.
  if (!name || name.length > 15 || /[\s/:]/.test(name) || name === '.' || name === '..') {
    throw invalidArgument(`invalid interface name "${name}": at most 15 characters, no spaces, "/" or ":"`);
  }
}

/**
 * Subnets the host already uses (every interface address, loopback included,
 * as Podman checks): a network overlapping one would shadow a host route.
 */
export function hostSubnets(): string[] {
  const out: string[] = [];
  for (const addrs of Object.values(networkInterfaces())) {
    for (const a of addrs ?? []) if (a.cidr) out.push(a.cidr);
  }
  return out;
}

/** Names of the host's network interfaces, including ones without addresses. */
export function hostInterfaceNames(): string[] {
  try { return readdirSync('/sys/class/net'); } catch { return Object.keys(networkInterfaces()); }
}

/** Parses one network config file's text; checks just what netavark would choke on. */
export function parseNetworkConfig(text: string, source = 'network config'): NetworkConfig {
  let j: NetworkConfig;
  try { j = JSON.parse(text) as NetworkConfig; } catch (e) {
    throw new HuskError('ENGINE', `${source}: invalid JSON: ${(e as Error).message}`);
  }
  if (typeof j?.name !== 'string' || typeof j.id !== 'string' || typeof j.driver !== 'string') {
    throw new HuskError('ENGINE', `${source}: name, id and driver are required`);
  }
  return j;
}
