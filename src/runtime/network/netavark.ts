// Adapter over netavark, the network backend Podman 4 uses. `netavark setup
// NETNS` reads the network options JSON on stdin, creates the bridge, veth
// pair, addresses, routes and iptables rules, registers the container with
// aardvark-dns (starting it on first use), and prints one StatusBlock per
// network. `teardown` undoes it. Errors arrive as {"error": "..."} on stdout.
//
// Two things husk adds around it:
// - IPAM: netavark's host-local driver needs static_ips, so addresses come
//   from ./ipam.ts, held until teardown.
// - aardvark-dns start: netavark 1.4 starts aardvark-dns through
//   `systemd-run --scope` whenever /run/systemd/system exists. On hosts where
//   that directory exists without systemd as PID 1, systemd-run fails, setup
//   still "succeeds", and no DNS server runs. There husk starts aardvark-dns
//   itself: netavark only writes the DNS entries and signals the server named
//   in aardvark.pid when that process is alive, so during setup the file names
//   a placeholder process, and once netavark has written the entries husk
//   runs aardvark-dns, which reads them. (Hiding /run/systemd from netavark in
//   a private mount namespace also works, but the server then lives on in a
//   copy of every mount of that moment, container rootfs included.)
// - aardvark-dns end: it exits by itself when its last network file goes;
//   after the last teardown we make sure it is gone before releasing the
//   lock, so the next setup starts a new one instead of signalling a dying
//   (or zombie) process.
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { HuskError, invalidArgument } from '../../common/errors.ts';
import { withLock } from '../../common/lock.ts';
import { validateInterfaceName, type NetworkConfig } from './config.ts';
import { holdPidFile, isLiveAardvark, startAardvark, systemdMisdetected, waitForDnsListeners } from './aardvark.ts';
import { Ipam } from './ipam.ts';
import { createNetns, deleteNetns } from './netns.ts';
import type { HostNetns } from './rootless-netns.ts';

export const NETAVARK_PATHS = ['/usr/lib/podman/netavark', '/usr/libexec/podman/netavark', '/usr/local/libexec/podman/netavark'];
export const AARDVARK_PATHS = ['/usr/lib/podman/aardvark-dns', '/usr/libexec/podman/aardvark-dns', '/usr/local/libexec/podman/aardvark-dns'];

export interface NetavarkConfig {
  /** netavark executable; the first of NETAVARK_PATHS that exists when omitted. */
  binary?: string;
  /** netavark's state dir (`--config`), e.g. RUNROOT/networks; aardvark-dns keeps its files in ./aardvark-dns. */
  configDir: string;
  /**
   * Where the lock and the address allocations live (default: configDir).
   * Give every config dir on a host the same one: their networks share
   * bridges (podman0 at least), so their addresses must come from one pool
   * and their netavark runs must not interleave.
   */
  stateDir?: string;
  aardvarkBinary?: string;
  /**
   * Start aardvark-dns from husk instead of letting netavark do it. Default:
   * when /run/systemd/system exists but PID 1 is not systemd (so netavark's
   * systemd-run would fail).
   */
  ownAardvark?: boolean;
  /**
   * Rootless: the namespace that stands in for the host (./rootless-netns.ts).
   * netavark and aardvark-dns run in it, it is made before a setup and
   * destroyed by the teardown that leaves it idle, under the lock.
   */
  hostNetns?: HostNetns;
}

export interface PerNetworkOptions {
  /** Name inside the container, e.g. eth0. */
  interfaceName: string;
  /** Addresses to use; allocated from the network's subnets when omitted. */
  staticIps?: string[];
  /** Extra DNS names (the container name is always registered). */
  aliases?: string[];
  staticMac?: string;
}

/** Podman's port mapping (netavark's JSON field names). */
export interface PortMapping {
  /** "" = every address. */
  host_ip: string;
  container_port: number;
  host_port: number;
  /** How many consecutive ports, from both starts. */
  range: number;
  /** "tcp", "udp", "sctp", or a comma list. */
  protocol: string;
}

export interface NetworkOptions {
  containerId: string;
  containerName: string;
  networks: Record<string, PerNetworkOptions>;
  /** Config of every network in `networks`. */
  networkInfo: Record<string, NetworkConfig>;
  portMappings?: PortMapping[];
  /** The container's own --dns servers, which aardvark-dns forwards its queries to. */
  dnsServers?: string[];
}

export interface NetAddress { ipnet: string; gateway?: string }
export interface NetInterface { mac_address: string; subnets?: NetAddress[] }
export interface StatusBlock {
  dns_search_domains?: string[];
  /** Where aardvark-dns answers for this network (the gateway), when DNS is enabled. */
  dns_server_ips?: string[];
  interfaces?: Record<string, NetInterface>;
}
/** netavark's setup output: one StatusBlock per network name. */
export type SetupResult = Record<string, StatusBlock>;

// netavark and iptables are found through PATH; a daemon's environment may lack the sbin dirs.
const PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export class Netavark {
  readonly binary: string;
  readonly configDir: string;
  readonly aardvarkBinary: string;
  readonly ownAardvark: boolean;
  readonly stateDir: string;
  readonly ipam: Ipam;
  readonly hostNetns?: HostNetns;

  constructor(c: NetavarkConfig) {
    this.hostNetns = c.hostNetns;
    this.binary = c.binary ?? NETAVARK_PATHS.find((p) => existsSync(p)) ?? NETAVARK_PATHS[0];
    this.aardvarkBinary = c.aardvarkBinary ?? AARDVARK_PATHS.find((p) => existsSync(p)) ?? AARDVARK_PATHS[0];
    this.configDir = c.configDir;
    this.ownAardvark = c.ownAardvark ?? systemdMisdetected();
    this.stateDir = c.stateDir ?? c.configDir;
    this.ipam = new Ipam(join(this.stateDir, 'ipam.json'));
  }

  /** Held across every netavark call and IPAM change in the state dir (across processes). */
  get lockPath(): string { return join(this.stateDir, 'netavark.lock'); }
  get aardvarkDir(): string { return join(this.configDir, 'aardvark-dns'); }

  /** Connects the network namespace at `netnsPath` to the networks; returns netavark's StatusBlocks. */
  async setup(netnsPath: string, o: NetworkOptions): Promise<SetupResult> {
    this.checkBinary();
    checkPorts(o.portMappings ?? []);
    return withLock(this.lockPath, () => this.setupUnlocked(netnsPath, o));
  }

  /**
   * Sets a container's networks up again in its namespace, e.g. after a
   * firewall reload flushed netavark's rules: teardown (which may find
   * rules gone), then setup with the same addresses (give the MACs as
   * staticMac to keep them), under one lock so no one takes the addresses
   * in between.
   */
  async reload(netnsPath: string, o: NetworkOptions): Promise<SetupResult> {
    this.checkBinary();
    checkPorts(o.portMappings ?? []);
    return withLock(this.lockPath, async () => {
      await this.teardownUnlocked(netnsPath, o, 'never').catch(() => {});
      return this.setupUnlocked(netnsPath, o);
    });
  }

  private checkBinary(): void {
    if (!existsSync(this.binary)) throw new HuskError('RUNTIME', `netavark not found at ${this.binary}: install the netavark package`);
  }

  private async setupUnlocked(netnsPath: string, o: NetworkOptions): Promise<SetupResult> {
    // netavark creates aardvark-dns/ in it but not the directory itself.
    mkdirSync(this.configDir, { recursive: true, mode: 0o700 });
    const allocated: string[] = [];
    let hostNs: string | undefined;
    let done = false;
    try {
      hostNs = await this.hostNetns?.ensure();
      const networks: Record<string, unknown> = {};
      for (const [name, per] of Object.entries(o.networks)) {
        const info = this.info(o, name);
        validateInterfaceName(per.interfaceName);
        let ips = per.staticIps ?? [];
        if (info.subnets?.length) {
          // Undo on failure only what this call reserved (a repeated setup must not free live addresses).
          if (!this.ipam.lookup(info, o.containerId).length) allocated.push(name);
          ips = this.ipam.allocate(info, o.containerId, per.staticIps);
        }
        networks[name] = perNetworkJson(per, ips);
      }
      this.forgetDeadAardvark();
      const startsDns = Object.keys(networks).some((n) => o.networkInfo[n].dns_enabled) && this.aardvarkPid() === undefined;
      const placeholder = this.ownAardvark && startsDns ? holdPidFile(this.aardvarkDir) : undefined;
      let r: string;
      try {
        r = await this.run('setup', netnsPath, optionsJson(o, networks, !!hostNs), hostNs);
      } finally {
        if (placeholder) {
          placeholder.kill('SIGKILL');
          rmSync(join(this.aardvarkDir, 'aardvark.pid'), { force: true });
        }
      }
      // The entries are written now; the server reads them when it starts.
      if (placeholder) await startAardvark(this.aardvarkBinary, this.aardvarkDir, { ...process.env, PATH }, hostNs);
      let result: SetupResult;
      try {
        result = JSON.parse(r) as SetupResult;
      } catch {
        throw new HuskError('RUNTIME', `netavark setup: unexpected output ${JSON.stringify(r.slice(0, 200))}`);
      }
      if (hostNs && o.portMappings?.length) {
        try {
          await this.hostNetns!.publish(o.portMappings);
        } catch (e) {
          await this.hostNetns!.unpublish(o.portMappings);
          await this.run('teardown', netnsPath, optionsJson(o, networks, true), hostNs).catch(() => {});
          throw e;
        }
      }
      // aardvark-dns listens in the rootless netns: look at its sockets through its own /proc
      // (none before it wrote its pid: /proc/0 does not exist).
      await waitForDnsListeners(result, () => this.aardvarkPid() !== undefined, hostNs ? () => `/proc/${this.aardvarkPid() ?? 0}/net` : undefined);
      done = true;
      return result;
    } catch (e) {
      for (const name of allocated) this.ipam.release(this.info(o, name), o.containerId);
      throw e;
    } finally {
      if (!done && this.hostNetns) {
        await this.stopIdleAardvark();
        await this.hostNetns.releaseIfIdle().catch(() => {});
      }
    }
  }

  /**
   * Undoes setup: veth, firewall rules, DNS entries, and the bridge once its
   * last container left. Pass the options given to setup (addresses may be
   * omitted: the IPAM record supplies them). On failure the addresses stay
   * reserved, because removing the port-forwarding rules needs them: retry,
   * or call teardownWithoutNetns, which always releases them.
   */
  async teardown(netnsPath: string, o: NetworkOptions): Promise<void> {
    this.checkBinary();
    await withLock(this.lockPath, () => this.teardownUnlocked(netnsPath, o, 'onSuccess'));
  }

  /** `release`: when to free the addresses (a retry needs them; reload keeps them). */
  private async teardownUnlocked(netnsPath: string, o: NetworkOptions, release: 'always' | 'onSuccess' | 'never'): Promise<void> {
    const networks: Record<string, unknown> = {};
    for (const [name, per] of Object.entries(o.networks)) {
      const info = this.info(o, name);
      // The IPAM record has every address (a static IPv4 one plus an allocated IPv6 one); netavark needs all to remove their rules.
      const held = info.subnets?.length ? this.ipam.lookup(info, o.containerId) : [];
      const ips = held.length ? held : per.staticIps ?? [];
      networks[name] = perNetworkJson(per, ips);
    }
    let ok = false;
    try {
      const hostNs = await this.hostNetns?.ensure();
      if (hostNs) await this.hostNetns!.unpublish(o.portMappings ?? []);
      await this.run('teardown', netnsPath, optionsJson(o, networks, !!hostNs), hostNs).catch((e: Error) => {
        // netavark 1.4 signals aardvark-dns last, after removing the entry: with no server
        // running (e.g. it was killed) everything else is already torn down.
        if (e.message !== 'netavark: IO error: aardvark pid not found') throw e;
      });
      ok = true;
    } finally {
      if (release === 'always' || (ok && release === 'onSuccess')) for (const name of Object.keys(o.networks)) this.ipam.release(this.info(o, name), o.containerId);
      await this.stopIdleAardvark();
      // reload sets up again at once: keep the namespace (and its slirp4netns) for it.
      if (release !== 'never') await this.hostNetns?.releaseIfIdle().catch(() => {});
    }
  }

  /**
   * Teardown for a container whose namespace file is gone. netavark stops at
   * the first step (deleting the container's veth) when the namespace lacks
   * it, leaving firewall rules, DNS entries and the bridge behind. So this runs
   * teardown against a scratch namespace (made in `scratchDir`) holding a veth
   * of each interface name for it to delete. Best effort and final: the
   * addresses are released and a netavark failure's message is returned, not thrown.
   */
  async teardownWithoutNetns(scratchDir: string, o: NetworkOptions): Promise<string | undefined> {
    const ns = await createNetns(scratchDir);
    try {
      const names = [...new Set(Object.values(o.networks).map((p) => p.interfaceName))];
      for (const [i, name] of names.entries()) {
        validateInterfaceName(name);
        await execIn(ns, ['ip', 'link', 'add', name, 'type', 'veth', 'peer', 'name', `huskpeer${i}`]);
      }
      this.checkBinary();
      await withLock(this.lockPath, () => this.teardownUnlocked(ns, o, 'always'));
      return undefined;
    } catch (e) {
      return (e as Error).message;
    } finally {
      deleteNetns(ns);
    }
  }

  /** The running aardvark-dns for this config dir, if any. */
  aardvarkPid(): number | undefined {
    let pid: number;
    try { pid = Number(readFileSync(join(this.aardvarkDir, 'aardvark.pid'), 'utf8').trim()); } catch { return undefined; }
    return pid > 0 && isLiveAardvark(pid) ? pid : undefined;
  }

  private info(o: NetworkOptions, name: string): NetworkConfig {
    const info = o.networkInfo[name];
    if (!info) throw invalidArgument(`network options for network ${name} not found`);
    return info;
  }

  /**
   * netavark trusts aardvark.pid if signalling it succeeds, which it does for
   * a zombie or an unrelated process that reused the PID; DNS would silently
   * stay down. Remove such a stale file so netavark starts a fresh server.
   */
  private forgetDeadAardvark(): void {
    const file = join(this.aardvarkDir, 'aardvark.pid');
    if (existsSync(file) && this.aardvarkPid() === undefined) rmSync(file, { force: true });
  }

  /** aardvark-dns exits by itself once its last network file is gone; wait for that, then insist. */
  private async stopIdleAardvark(): Promise<void> {
    let files: string[];
    try { files = readdirSync(this.aardvarkDir).filter((f) => !f.startsWith('aardvark.') && !f.startsWith('.')); } catch { return; }
    if (files.length) return;
    const pid = this.aardvarkPid();
    if (pid !== undefined) {
      for (const [signal, waitMs] of [[0, 1000], ['SIGTERM', 1000], ['SIGKILL', 1000]] as const) {
        if (signal) try { process.kill(pid, signal); } catch { break; }
        const end = Date.now() + waitMs;
        while (isLiveAardvark(pid) && Date.now() < end) await sleep(10);
        if (!isLiveAardvark(pid)) break;
      }
    }
    rmSync(join(this.aardvarkDir, 'aardvark.pid'), { force: true });
  }

  /** Runs one netavark command with the options on stdin; resolves with stdout. */
  private run(cmd: 'setup' | 'teardown', netnsPath: string, input: string, hostNs?: string): Promise<string> {
    const args = ['--config', this.configDir, '--aardvark-binary', this.aardvarkBinary, cmd, netnsPath];
    // Rootless: in the rootless netns, which aardvark-dns (netavark's child) inherits.
    const argv = hostNs ? ['nsenter', `--net=${hostNs}`, '--', this.binary, ...args] : [this.binary, ...args];
    return new Promise((resolve, reject) => {
      // cwd "/": aardvark-dns inherits it and must not pin a directory husk may unmount.
      const child = spawn(argv[0]!, argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe'], cwd: '/', env: { ...process.env, PATH } });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d));
      child.stderr.on('data', (d: Buffer) => (stderr += d));
      child.stdin.on('error', () => {});
      child.on('error', (e) => reject(new HuskError('RUNTIME', `netavark ${cmd}: ${e.message}`)));
      child.on('close', (code) => {
        if (code === 0) resolve(stdout);
        else reject(new HuskError('RUNTIME', `netavark: ${netavarkMessage(stdout, stderr) || `${cmd} exited with ${code}`}`));
      });
      child.stdin.end(input);
    });
  }
}

/** One line from netavark's failure output: its JSON error, else the last stderr line that is not noise. */
export function netavarkMessage(stdout: string, stderr: string): string {
  for (const text of [stdout, stderr]) {
    for (const line of text.trim().split('\n').reverse()) {
      try {
        const j = JSON.parse(line) as { error?: unknown };
        if (typeof j.error === 'string') return oneLine(j.error);
      } catch {}
    }
  }
  // netavark logs to syslog and complains on stderr when there is none.
  const lines = stderr.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('failed to connect to syslog'));
  return lines.at(-1) ?? '';
}

// "netavark encountered multiple errors:\n\t- a\n\t- b" → "netavark encountered multiple errors: a; b".
function oneLine(msg: string): string {
  const [first, ...rest] = msg.split('\n').map((l) => l.trim().replace(/^- /, '')).filter(Boolean);
  return rest.length ? `${first} ${rest.join('; ')}` : (first ?? '');
}

/** A free port on the host (for host port 0), found by binding and closing it. */
export function freeHostPort(hostIp = '0.0.0.0'): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen({ host: hostIp || '0.0.0.0', port: 0, exclusive: true }, () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

/** Runs a command inside the network namespace mounted at `nsPath`. */
function execIn(nsPath: string, argv: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile('nsenter', [`--net=${nsPath}`, '--', ...argv], { env: { ...process.env, PATH } }, (err, _out, stderr) => {
      if (err) reject(new HuskError('RUNTIME', `${argv.join(' ')}: ${stderr.trim() || err.message}`));
      else resolve();
    });
  });
}

function perNetworkJson(per: PerNetworkOptions, ips: string[]): Record<string, unknown> {
  const j: Record<string, unknown> = { interface_name: per.interfaceName };
  if (ips.length) j.static_ips = ips;
  if (per.aliases?.length) j.aliases = per.aliases;
  if (per.staticMac) j.static_mac = per.staticMac;
  return j;
}

/** `anyHostIp`: rootless, where ports arrive on tap0's address whatever host address slirp4netns bound. */
function optionsJson(o: NetworkOptions, networks: Record<string, unknown>, anyHostIp = false): string {
  const info: Record<string, NetworkConfig> = {};
  for (const name of Object.keys(networks)) info[name] = o.networkInfo[name];
  return JSON.stringify({
    container_id: o.containerId,
    container_name: o.containerName,
    networks,
    network_info: info,
    port_mappings: (o.portMappings ?? []).map((p) => (anyHostIp ? { ...p, host_ip: '' } : p)),
    ...(o.dnsServers?.length ? { dns_servers: o.dnsServers } : {}),
  });
}

function checkPorts(ports: PortMapping[]): void {
  const valid = (p: number) => Number.isInteger(p) && p >= 1 && p <= 65535;
  for (const p of ports) {
    const range = p.range || 1;
    if (!valid(p.container_port) || !valid(p.container_port + range - 1)) throw invalidArgument(`invalid container port ${p.container_port}`);
    if (!valid(p.host_port) || !valid(p.host_port + range - 1)) {
      throw invalidArgument(`invalid host port ${p.host_port}${p.host_port === 0 ? ': pick a free port before setup (freeHostPort)' : ''}`);
    }
    if (!p.protocol.split(',').every((x) => ['tcp', 'udp', 'sctp'].includes(x))) throw invalidArgument(`unknown protocol "${p.protocol}"`);
  }
}
