// Networks as the engine sees them: Podman-format configs in
// ROOT/networks/NAME.json (the default "podman" network lives in memory),
// the netavark adapter that attaches containers, and published ports.
import { createServer } from 'node:net';
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HuskError, invalidArgument } from '../../common/errors.ts';
import { withLock } from '../../common/lock.ts';
import {
  DEFAULT_NETWORK_NAME, buildBridgeNetwork, hostInterfaceNames, hostSubnets,
  type BridgeOptions, type NetworkConfig,
} from '../../runtime/network/config.ts';
import { Netavark, freeHostPort, type NetworkOptions, type PortMapping, type SetupResult, type StatusBlock } from '../../runtime/network/netavark.ts';
import { cidrContains, formatIp, lastAddress, parseCidr, parseIp } from '../../runtime/network/ip.ts';
import { createNetns, deleteNetns, netnsDir } from '../../runtime/network/netns.ts';
import {
  addPortForwards, hostContainersInternal, hostfwdError, isSlirpMode, parseSlirpMode, slirpAddresses, startSlirp, stopSlirp, unprivilegedPortStart,
} from '../../runtime/network/slirp.ts';
import { closeSync } from 'node:fs';
import { isPastaMode, parsePastaMode, pastaAddresses, pastaMapsGateway, startPasta, stopPasta } from '../../runtime/network/pasta.ts';
import { rootlessRunDir } from '../../common/userns.ts';
import { rootlessNetns } from './rootless-netns.ts';
import { currentBootId } from '../../common/process.ts';
import type { NetworkFacts } from '../container/files.ts';
import type { ContainerSpec, PortSpec } from '../../specgen/container.ts';
import { formatPortSpec } from '../../specgen/flags.ts';
import type { Container, ContainerConfig } from '../types.ts';
import type { EngineContext } from '../context.ts';
import { attachSpecs, attachments, getNetwork, isBridgeMode, listNetworks, networkDir } from './attach.ts';
export { formatPorts } from '../container/ports.ts';
export { getNetwork, isBridgeMode, listNetworks, normalizeMac } from './attach.ts';

const netavarks = new WeakMap<EngineContext, Netavark>();

export function netavark(e: EngineContext): Netavark {
  let n = netavarks.get(e);
  if (!n) {
    const hostNetns = rootlessNetns(e);
    netavarks.set(e, (n = new Netavark({ configDir: join(e.config.runroot, 'networks'), stateDir: hostNetworkStateDir(e), hostNetns })));
  }
  return n;
}

/**
 * One lock and address pool per host (per user when rootless: the user's
 * bridges live in its rootless netns), whatever the store: every store's
 * default network is the same podman0 bridge.
 */
function hostNetworkStateDir(e: EngineContext): string {
  // Rootless husk runs as uid 0 of its user namespace: ask the config, not getuid().
  const r = e.config.rootless;
  return r ? join(rootlessRunDir(r.uid), 'networks') : '/run/husk/networks';
}

export async function createNetwork(e: EngineContext, o: BridgeOptions & { ignore?: boolean }): Promise<NetworkConfig> {
  return withLock(join(networkDir(e), '.lock'), () => {
    const all = listNetworks(e);
    const existing = all.find((x) => x.name === o.name);
    if (existing) {
      if (o.ignore) return existing;
      throw new HuskError('NAME_IN_USE', `network name ${o.name} already used: network already exists`);
    }
    const used = {
      names: all.map((x) => x.name),
      subnets: [...all.flatMap((x) => (x.subnets ?? []).map((s) => s.subnet)), ...hostSubnets()],
      interfaceNames: [...all.flatMap((x) => (x.network_interface ? [x.network_interface] : [])), ...hostInterfaceNames()],
    };
    const cfg = buildBridgeNetwork(o, used);
    mkdirSync(networkDir(e), { recursive: true });
    const tmp = join(networkDir(e), `.${cfg.name}.tmp`);
    writeFileSync(tmp, JSON.stringify(cfg, null, 2));
    renameSync(tmp, join(networkDir(e), `${cfg.name}.json`));
    e.events.write({ ID: cfg.id, Name: cfg.name, Status: 'create', Type: 'network' });
    return cfg;
  });
}

/** IDs of containers attached to a network. */
export function networkUsers(e: EngineContext, name: string): string[] {
  return e.db.list().filter((c) => Object.keys(c.config.networks ?? {}).includes(name)).map((c) => c.config.id);
}

export function removeNetworkConfig(e: EngineContext, name: string): void {
  if (name === DEFAULT_NETWORK_NAME) throw invalidArgument(`default network ${name} cannot be removed`);
  const f = join(networkDir(e), `${name}.json`);
  if (!existsSync(f)) throw new HuskError('NO_SUCH_NETWORK', `unable to find network with name or ID ${name}: network not found`);
  rmSync(f);
  e.events.write({ ID: name, Name: name, Status: 'remove', Type: 'network' });
}

/** A spec's port as netavark's mapping; host port 0 becomes a free port now, so `port` can report it. */
async function toPortMapping(p: PortSpec): Promise<PortMapping> {
  const hostIp = p.hostIp === '0.0.0.0' ? '' : p.hostIp ?? '';
  const hostPort = p.hostPort || await freeHostPort(hostIp || '0.0.0.0');
  return { host_ip: hostIp, container_port: p.containerPort, host_port: hostPort, range: p.range ?? 1, protocol: p.protocol ?? 'tcp' };
}

/**
 * Which networks a new container joins and which ports it publishes: the
 * spec's portMappings, and with publishAll every port the image EXPOSEs
 * (`exposed`, "80/tcp") on a random host port. ip/mac become the static
 * address and MAC.
 */
export async function resolveNetworking(e: EngineContext, i: ContainerSpec, exposed: string[] = []): Promise<Pick<ContainerConfig, 'networks' | 'ports' | 'slirp' | 'pasta'>> {
  const mode = i.network ?? 'none';
  if (isPastaMode(mode)) {
    bridgeOnlyFlags(i);
    const options = parsePastaMode(mode);
    const ports = [];
    for (const p of [...(i.portMappings ?? []), ...(i.publishAll ? exposed.map(exposedPort) : [])]) {
      const m = await toPortMapping(p);
      if (m.protocol.split(',').includes('sctp')) throw invalidArgument(`invalid port "${formatPortSpec(p)}": can't forward protocol: sctp`);
      ports.push(m);
    }
    await checkPortsFree(e, ports);
    return { pasta: { options }, ports };
  }
  if (isSlirpMode(mode)) {
    bridgeOnlyFlags(i);
    const slirp = parseSlirpMode(mode);
    const ports = [];
    for (const p of [...(i.portMappings ?? []), ...(i.publishAll ? exposed.map(exposedPort) : [])]) {
      const m = await toPortMapping(p);
      if (m.protocol.split(',').includes('sctp')) throw invalidArgument(`invalid port "${formatPortSpec(p)}": slirp4netns publishes only tcp and udp ports`);
      if (m.host_ip.includes(':')) throw invalidArgument(`invalid port "${formatPortSpec(p)}": slirp4netns publishes ports on IPv4 host addresses only`);
      ports.push(m);
    }
    await checkPortsFree(e, ports);
    return { slirp, ports };
  }
  if (!isBridgeMode(mode)) {
    bridgeOnlyFlags(i);
    if ((i.portMappings?.length || i.publishAll) && mode !== 'host') throw invalidArgument(`port mappings need a network: use --network bridge, slirp4netns or a network name with -p`);
    return {};
  }
  const networks = attachments(e, (net, ip) => checkStaticIp(e, net, ip), attachSpecs(i));
  const ports: PortMapping[] = [];
  for (const p of i.portMappings ?? []) ports.push(await toPortMapping(p));
  if (i.publishAll) {
    for (const x of exposed.map(exposedPort)) {
      const n = x.containerPort;
      if (ports.some((p) => p.protocol === x.protocol && n >= p.container_port && n < p.container_port + p.range)) continue;
      ports.push(await toPortMapping(x));
    }
  }
  await checkPortsFree(e, ports);
  return { networks, ports };
}

/** --ip, --ip6 and --mac-address (and more networks) need a bridge network to apply to. */
function bridgeOnlyFlags(i: ContainerSpec): void {
  const flag = i.ip ? 'ip' : i.ip6 ? 'ip6' : i.mac ? 'mac-address' : undefined;
  if (flag) throw invalidArgument(`--${flag} can only be set when the network mode is bridge: invalid argument`);
  if (i.extraNetworks?.length) throw invalidArgument(`cannot set multiple networks without bridge network mode, selected mode ${(i.network ?? 'none').split(':')[0]}: invalid argument`);
}

/** An image's ExposedPorts key ("80/tcp") as a port on a random host port. */
function exposedPort(key: string): PortSpec {
  const [port, proto = 'tcp'] = key.split('/');
  return { containerPort: Number(port), protocol: proto as PortSpec['protocol'] };
}

/**
 * A static address must lie in the network's subnets, be a host address
 * other than the gateway, and be neither held nor asked for by another
 * container on the network. Returns it in canonical form.
 */
export function checkStaticIp(e: EngineContext, net: NetworkConfig, ip: string, self?: string): string {
  const addr = parseIp(ip);
  if (!addr) throw invalidArgument(`invalid static ip address: ${ip}`);
  const sub = (net.subnets ?? []).find((s) => cidrContains(parseCidr(s.subnet), addr));
  if (!sub) throw invalidArgument(`requested static ip ${ip} not in any subnet on network ${net.name}`);
  const c = parseCidr(sub.subnet);
  const text = formatIp(addr);
  if (addr.value === c.network || (c.family === 4 && addr.value === lastAddress(c)) || sub.gateway === text) {
    throw invalidArgument(`requested static ip ${ip} is reserved in subnet ${sub.subnet}`);
  }
  const holder = netavark(e).ipam.owner(net, text) ??
    e.db.list().find((o) => o.config.id !== self && o.config.networks?.[net.name]?.staticIps?.includes(text))?.config.id;
  if (holder && holder !== self) throw new HuskError('IP_IN_USE', `IPAM error: requested ip address ${text} is already allocated to container ID ${holder}`);
  return text;
}

/** netavark's view of a container's networks (configs copied, so teardown works if a network is removed). */
function networkOptions(e: EngineContext, c: Container): NetworkOptions {
  const nets = c.config.networks ?? {};
  return {
    containerId: c.config.id, containerName: c.config.name, networks: nets,
    networkInfo: Object.fromEntries(Object.keys(nets).map((n) => [n, getNetwork(e, n)])), portMappings: c.config.ports ?? [],
  };
}

export interface NetworkSetup {
  netnsPath: string;
  /** Settles once the netns is attached (and recorded in the state), or has failed (netns deleted again). */
  ready: Promise<NetworkFacts>;
  /** An fd conmon must inherit and hold (slirp4netns exits when it closes); the caller closes husk's copy. */
  holdFd?: number;
}

/**
 * Creates the netns now and attaches it in the background, so netavark's
 * work (~50 ms) overlaps the runtime's create, which only needs the path.
 * Await `ready` before the container's process starts, and before undoing
 * anything on another failure. slirp4netns is set up before returning: it
 * hands conmon an fd to hold.
 */
export async function beginNetworkSetup(e: EngineContext, c: Container): Promise<NetworkSetup | undefined> {
  if (c.config.pasta) {
    const netnsPath = await setupPasta(e, c);
    return { netnsPath, ready: Promise.resolve(pastaFacts(c)) };
  }
  if (c.config.slirp) {
    const r = await setupSlirp(e, c);
    return { netnsPath: r.netnsPath, holdFd: r.holdFd, ready: Promise.resolve(r.facts) };
  }
  if (!c.config.networks || !Object.keys(c.config.networks).length) return undefined;
  const opts = networkOptions(e, c);
  const netnsPath = await createNetns(netnsDir(e.config.runroot));
  const ready = netavark(e).setup(netnsPath, opts).then((status) => {
    e.db.updateState(c.config.id, (s) => { s.netnsPath = netnsPath; s.networkStatus = status; s.networkOptions = opts; });
    return networkFacts(status, opts);
  }, (err: unknown) => {
    deleteNetns(netnsPath);
    throw err;
  });
  // Observed here so a failure is never "unhandled" while the caller is busy elsewhere.
  ready.catch(() => {});
  return { netnsPath, ready };
}

/**
 * What the generated files need from netavark's result, networks in the
 * container's order (eth0's first). host.containers.internal is the gateway
 * of the first network that has a route out (Podman's choice when rootful).
 */
export function networkFacts(status: SetupResult, o: NetworkOptions): NetworkFacts {
  const names = Object.keys(o.networks).filter((n) => status[n]);
  const blocks = names.map((n) => status[n]);
  const subnets = (b: StatusBlock) => Object.values(b.interfaces ?? {}).flatMap((i) => i.subnets ?? []);
  const out = names.find((n) => !o.networkInfo[n]?.internal && subnets(status[n]).some((sn) => sn.gateway));
  return {
    ips: blocks.flatMap((b) => subnets(b).map((sn) => sn.ipnet.split('/')[0])),
    dnsServers: [...new Set(blocks.flatMap((b) => b.dns_server_ips ?? []))],
    searchDomains: [...new Set(blocks.flatMap((b) => b.dns_search_domains ?? []))],
    hostContainersInternal: out ? subnets(status[out]).find((sn) => sn.gateway)?.gateway : undefined,
  };
}

/** A netns served by slirp4netns, with the container's ports forwarded into it. */
async function setupSlirp(e: EngineContext, c: Container): Promise<{ netnsPath: string; holdFd?: number; facts: NetworkFacts }> {
  const o = c.config.slirp!;
  const addrs = slirpAddresses(o.cidr);
  const netnsPath = await createNetns(netnsDir(e.config.runroot));
  e.db.updateState(c.config.id, (s) => { s.netnsPath = netnsPath; });
  let holdFd: number | undefined;
  try {
    const h = await startSlirp({ netnsPath, runDir: e.runDir(c.config.id), options: o });
    holdFd = h.exitWriteFd;
    e.db.updateState(c.config.id, (s) => { s.slirpPid = h.pid; });
    await addPortForwards(h, c.config.ports ?? [], addrs.ip);
  } catch (err) {
    if (holdFd !== undefined) closeSync(holdFd);
    await teardownNetwork(e, c);
    throw err;
  }
  return { netnsPath, holdFd, facts: slirpFacts(c) };
}

function slirpFacts(c: Container): NetworkFacts {
  const o = c.config.slirp!;
  const addrs = slirpAddresses(o.cidr);
  return { ips: [addrs.ip], dnsServers: [], searchDomains: [], nameserversFirst: [addrs.dns], hostContainersInternal: hostContainersInternal(o) };
}

/** A netns served by pasta, which forwards the container's ports itself. */
async function setupPasta(e: EngineContext, c: Container): Promise<string> {
  const netnsPath = await createNetns(netnsDir(e.config.runroot));
  e.db.updateState(c.config.id, (s) => { s.netnsPath = netnsPath; });
  try {
    await startPasta({ netnsPath, runDir: e.runDir(c.config.id), options: c.config.pasta!.options, ports: c.config.ports ?? [], rootful: process.getuid?.() === 0 });
  } catch (err) {
    await teardownNetwork(e, c);
    throw err;
  }
  return netnsPath;
}

/**
 * pasta copies the host's addresses into the namespace. With Podman's
 * --map-gw the gateway address reaches the host, so it is
 * host.containers.internal; otherwise nothing in the namespace does.
 */
function pastaFacts(c: Container): NetworkFacts {
  const a = pastaAddresses();
  return { ips: a.ips.filter((ip) => !ip.includes(':')).slice(0, 1), dnsServers: [], searchDomains: [], hostContainersInternal: pastaMapsGateway(c.config.pasta!.options) ? a.gateway : undefined };
}

/** The generated-file facts of a running container whose network another joins (a pod's infra container). */
export function joinedFacts(c: Container): NetworkFacts | undefined {
  if (c.config.slirp) return slirpFacts(c);
  if (c.config.pasta) return pastaFacts(c);
  return c.state.networkStatus && c.state.networkOptions ? networkFacts(c.state.networkStatus, c.state.networkOptions) : undefined;
}

/** Detaches a container from its networks and deletes its netns (idempotent). */
export async function teardownNetwork(e: EngineContext, c: Container): Promise<void> {
  const s = e.db.get(c.config.id)?.state ?? c.state;
  if (c.config.pasta) {
    await stopPasta(e.runDir(c.config.id), s.netnsPath);
    if (s.netnsPath) deleteNetns(s.netnsPath);
    e.db.updateState(c.config.id, (st) => { delete st.netnsPath; });
    return;
  }
  if (c.config.slirp) {
    // slirp4netns first: it holds a tap fd in the namespace.
    await stopSlirp(e.runDir(c.config.id), s.netnsPath);
    if (s.netnsPath) deleteNetns(s.netnsPath);
    e.db.updateState(c.config.id, (st) => { delete st.netnsPath; delete st.slirpPid; });
    return;
  }
  if (!s.netnsPath) return;
  if (!s.networkOptions) {
    // Nothing for netavark to undo, but the mount must not outlive the container.
    deleteNetns(s.netnsPath);
    e.db.updateState(c.config.id, (st) => { delete st.netnsPath; delete st.networkStatus; });
    return;
  }
  // After a reboot the run root, bridges and firewall rules are gone already.
  if (!s.bootId || s.bootId === currentBootId()) {
    const nv = netavark(e);
    try {
      if (existsSync(s.netnsPath)) await nv.teardown(s.netnsPath, s.networkOptions);
      else await nv.teardownWithoutNetns(netnsDir(e.config.runroot), s.networkOptions);
    } catch {
      // Best effort: the container is gone either way; a second cleanup retries nothing.
    }
  }
  deleteNetns(s.netnsPath);
  e.db.updateState(c.config.id, (st) => { delete st.netnsPath; delete st.networkStatus; delete st.networkOptions; });
}


const overlaps = (a: PortMapping, b: PortMapping) =>
  a.protocol === b.protocol && (!a.host_ip || !b.host_ip || a.host_ip === b.host_ip) &&
  a.host_port < b.host_port + b.range && b.host_port < a.host_port + a.range;

/**
 * netavark forwards ports with firewall rules and binds nothing, so a clash
 * would go unnoticed: refuse ports another container publishes or a host
 * process listens on, with Podman's wording.
 */
async function checkPortsFree(e: EngineContext, ports: PortMapping[]): Promise<void> {
  // Nothing to check: no need to read (and parse) every container's record.
  if (!ports.length) return;
  const others = e.db.list().filter((c) => c.state.status === 'running' || c.state.status === 'created' || c.state.status === 'paused').flatMap((c) => c.config.ports ?? []);
  for (const p of ports) {
    const addr = `${p.host_ip || '0.0.0.0'}:${p.host_port}`;
    if (others.some((o) => overlaps(o, p))) throw new HuskError('PORT_IN_USE', `cannot listen on the ${p.protocol.toUpperCase()} port: listen ${p.protocol} ${addr}: bind: address already in use`);
    if (p.protocol !== 'tcp') continue;
    for (let k = 0; k < p.range; k++) {
      const err = await tryListen(p.host_ip || '0.0.0.0', p.host_port + k);
      if (err === 'EACCES') throw hostfwdError({ proto: 'tcp', host_addr: p.host_ip || '0.0.0.0', host_port: p.host_port + k }, 'permission denied', err, unprivilegedPortStart());
      if (err) throw new HuskError('PORT_IN_USE', `cannot listen on the TCP port: listen tcp ${p.host_ip || '0.0.0.0'}:${p.host_port + k}: bind: ${err}`);
    }
  }
}

function tryListen(host: string, port: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', (e: NodeJS.ErrnoException) => resolve(e.code === 'EADDRINUSE' ? 'address already in use' : e.code === 'EACCES' ? 'EACCES' : e.message));
    srv.listen({ host, port, exclusive: true }, () => srv.close(() => resolve(undefined)));
  });
}
