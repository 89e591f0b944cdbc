// Container address allocation. netavark's "host-local" driver does no IPAM
// itself: it requires `static_ips` for every bridge attachment, so the engine
// picks them, as Podman does in its ipam.db. The state is one JSON file in a
// run directory (addresses die with the boot, like the containers holding
// them). Addresses are kept per bridge, not per network name: stores that
// share a host (several --root, test suites) attach to the same podman0, and
// two containers on one bridge must never get the same address.
// Callers serialise access (Netavark holds its lock around every use).
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { HuskError, invalidArgument, isErrno } from '../../common/errors.ts';
import type { NetworkConfig } from './config.ts';
import { cidrContains, formatCidr, formatIp, lastAddress, parseCidr, parseIp, type Cidr, type Ip } from './ip.ts';

interface NetworkState {
  /** ip → container ID holding it. */
  ips: Record<string, string>;
  /** subnet → last address handed out; allocation continues after it so a freed address is not reused at once. */
  last: Record<string, string>;
}

type State = Record<string, NetworkState>;

/** What identifies a pool of addresses: the network's bridge (its name when it has none). */
export type PoolKey = Pick<NetworkConfig, 'name' | 'network_interface'>;
const keyOf = (n: PoolKey) => n.network_interface || n.name;

// Give up on a subnet after this many probes (only huge, nearly full IPv6 ranges get near it).
const MAX_PROBES = 1 << 20;

export class Ipam {
  readonly file: string;

  constructor(file: string) {
    this.file = file;
  }

  private load(): State {
    try {
      return JSON.parse(readFileSync(this.file, 'utf8')) as State;
    } catch (e) {
      if (isErrno(e, 'ENOENT')) return {};
      throw new HuskError('ENGINE', `IPAM state ${this.file} is unreadable: ${(e as Error).message}`);
    }
  }

  private save(s: State): void {
    mkdirSync(dirname(this.file), { recursive: true });
    const tmp = `${this.file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(s));
    renameSync(tmp, this.file);
  }

  /** Addresses held by a container on a network (empty when none). */
  lookup(network: PoolKey, containerId: string): string[] {
    const n = this.load()[keyOf(network)];
    return n ? Object.entries(n.ips).filter(([, id]) => id === containerId).map(([ip]) => ip) : [];
  }

  /** The container holding an address in a network's pool, if any. */
  owner(network: PoolKey, ip: string): string | undefined {
    return this.load()[keyOf(network)]?.ips[ip];
  }

  /**
   * Reserves addresses for a container, one per subnet: the requested ones
   * (each must lie in a subnet and be free), else the one the container
   * already holds in that subnet, else the next free one. So a static IPv4
   * address on a dual-stack network still gets an IPv6 one. Idempotent.
   */
  allocate(net: NetworkConfig, containerId: string, requested: string[] = []): string[] {
    const state = this.load();
    const ns: NetworkState = (state[keyOf(net)] ??= { ips: {}, last: {} });
    const held = Object.entries(ns.ips).filter(([, id]) => id === containerId).map(([ip]) => parseIp(ip)!);
    const subnets = (net.subnets ?? []).map((s) => ({ s, c: parseCidr(s.subnet) }));
    if (!subnets.length) throw invalidArgument(`network ${net.name} has no subnets to allocate addresses from`);
    const chosen = new Map<(typeof subnets)[number], string>();
    for (const r of requested) {
      const ip = parseIp(r);
      if (!ip) throw invalidArgument(`invalid static ip address: ${r}`);
      const sub = subnets.find(({ c }) => cidrContains(c, ip));
      if (!sub) throw invalidArgument(`requested static ip ${r} not in any subnet on network ${net.name}`);
      const text = formatIp(ip);
      const owner = ns.ips[text];
      if (owner && owner !== containerId) {
        throw invalidArgument(`IPAM error: requested ip address ${text} is already allocated to container ID ${owner}`);
      }
      if (!usable(sub.c, ip, sub.s.gateway)) throw invalidArgument(`requested static ip ${r} is reserved in subnet ${formatCidr(sub.c)}`);
      if (chosen.has(sub)) throw invalidArgument(`more than one static ip requested in subnet ${formatCidr(sub.c)} on network ${net.name}`);
      chosen.set(sub, text);
    }
    const out: string[] = [];
    for (const sub of subnets) {
      const kept = held.find((ip) => cidrContains(sub.c, ip));
      out.push(chosen.get(sub) ?? (kept ? formatIp(kept) : this.next(ns, sub.c, sub.s.gateway, sub.s.lease_range)));
    }
    // A static address replaces what the container held before in that subnet.
    for (const ip of held) if (!out.includes(formatIp(ip))) delete ns.ips[formatIp(ip)];
    for (const ip of out) ns.ips[ip] = containerId;
    this.save(state);
    return out;
  }

  /** Frees every address a container holds on a network. */
  release(network: PoolKey, containerId: string): void {
    const state = this.load();
    const key = keyOf(network);
    const ns = state[key];
    if (!ns) return;
    let changed = false;
    for (const [ip, id] of Object.entries(ns.ips)) {
      if (id === containerId) { delete ns.ips[ip]; changed = true; }
    }
    if (!Object.keys(ns.ips).length) { delete state[key]; changed = true; }
    if (changed) this.save(state);
  }

  private next(ns: NetworkState, c: Cidr, gateway?: string, range?: { start_ip?: string; end_ip?: string }): string {
    const start = range?.start_ip ? parseIp(range.start_ip)!.value : c.network + 1n;
    // The IPv4 broadcast address is never a host address.
    const end = range?.end_ip ? parseIp(range.end_ip)!.value : lastAddress(c) - (c.family === 4 ? 1n : 0n);
    const key = formatCidr(c);
    const last = ns.last[key] ? parseIp(ns.last[key])?.value : undefined;
    let cur = last !== undefined && last >= start && last < end ? last + 1n : start;
    for (let probes = 0; probes < MAX_PROBES && probes <= Number(end - start); probes++) {
      const ip: Ip = { family: c.family, value: cur };
      const text = formatIp(ip);
      if (!ns.ips[text] && usable(c, ip, gateway)) {
        ns.last[key] = text;
        return text;
      }
      cur = cur >= end ? start : cur + 1n;
    }
    throw new HuskError('ENGINE', `IPAM error: failed to find free IP in range: ${formatIp({ family: c.family, value: start })} - ${formatIp({ family: c.family, value: end })}`);
  }
}

function usable(c: Cidr, ip: Ip, gateway?: string): boolean {
  if (ip.value === c.network) return false;
  if (c.family === 4 && ip.value === lastAddress(c)) return false;
  return !gateway || parseIp(gateway)?.value !== ip.value;
}
