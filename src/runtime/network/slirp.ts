// Adapter over slirp4netns (1.x), Podman's user-mode network for a container
// netns: it creates tap0 inside the namespace (10.0.2.100/24, gateway .2,
// DNS forwarder .3 by default) and relays the traffic through ordinary
// sockets in the namespace husk runs in, so it needs no privilege over the
// host's network and works the same as root and inside a rootless user
// namespace. Published ports are host sockets slirp4netns itself binds,
// asked for one by one over its API socket (add_hostfwd).
//
// Lifetime: slirp4netns runs detached in its own session (husk exits, it is
// reparented) with a pid file in the container's run dir. Teardown kills it
// by that pid. As a backstop it also gets `--exit-fd`: the read end of a
// FIFO whose only writer after start-up is conmon, so if the monitor dies
// without running husk's cleanup, slirp4netns exits by itself.
//
// Paths: sun_path holds 107 bytes and run dirs can be longer, so the API
// socket is named through an inherited directory fd (/proc/self/fd/N/...)
// when the plain path would not fit, both for slirp4netns and for husk.
import { spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { closeSync, constants, existsSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { HuskError, invalidArgument } from '../../common/errors.ts';
import { native } from '../../common/native.ts';
import { cidrContains, formatIp, parseCidr, parseIp, type Cidr } from './ip.ts';
import type { PortMapping } from './netavark.ts';

export const SLIRP_PATHS = ['/usr/bin/slirp4netns', '/usr/local/bin/slirp4netns', '/usr/libexec/podman/slirp4netns'];
export const SLIRP_DEFAULT_CIDR = '10.0.2.0/24';
/** Podman's default: slirp4netns's maximum is 65521, and a large MTU makes it much faster. */
export const SLIRP_DEFAULT_MTU = 65520;

/** `--network slirp4netns:OPT=VAL,...`, with Podman's defaults. */
export interface SlirpOptions {
  /** Let the container reach the host's 127.0.0.1 as the gateway address (default false). */
  allowHostLoopback: boolean;
  /** IPv4 network of the tap (host bits cleared). */
  cidr: string;
  mtu: number;
  enableIPv6: boolean;
  /** Host address or interface outgoing IPv4 (IPv6) connections bind to. */
  outboundAddr?: string;
  outboundAddr6?: string;
  /** Accepted for Podman compatibility; husk always forwards ports through slirp4netns itself. */
  portHandler?: 'slirp4netns' | 'rootlesskit';
}

/** Whether a --network value asks for slirp4netns. */
export { isSlirpMode } from './modes.ts';

const bool = (name: string, v: string): boolean => {
  if (v === 'true') return true;
  if (v === 'false') return false;
  throw invalidArgument(`invalid value of ${name} for slirp4netns: "${v}" (expected true or false)`);
};

/** Parses "slirp4netns[:k=v,...]" the way Podman does, with its messages. */
export function parseSlirpMode(mode: string): SlirpOptions {
  const o: SlirpOptions = { allowHostLoopback: false, cidr: SLIRP_DEFAULT_CIDR, mtu: SLIRP_DEFAULT_MTU, enableIPv6: false };
  const rest = mode.slice('slirp4netns'.length);
  if (rest && !rest.startsWith(':')) throw invalidArgument(`invalid network "${mode}"`);
  for (const opt of rest.slice(1).split(',').filter(Boolean)) {
    const eq = opt.indexOf('=');
    if (eq < 0) throw invalidArgument(`unknown option for slirp4netns: "${opt}"`);
    const [k, v] = [opt.slice(0, eq), opt.slice(eq + 1)];
    switch (k) {
      case 'allow_host_loopback': o.allowHostLoopback = bool(k, v); break;
      case 'enable_ipv6': o.enableIPv6 = bool(k, v); break;
      case 'cidr': {
        let c: Cidr | undefined;
        try { c = parseCidr(v); } catch {}
        if (!c || c.family !== 4) throw invalidArgument(`invalid cidr "${v}" for slirp4netns: expected an IPv4 CIDR such as 10.0.2.0/24`);
        if (c.prefix > 25) throw invalidArgument(`invalid cidr "${v}" for slirp4netns: too small for the container address (network + 100); use /25 or larger`);
        o.cidr = `${formatIp({ family: 4, value: c.network })}/${c.prefix}`;
        break;
      }
      case 'mtu': {
        const n = Number(v);
        if (!/^\d+$/.test(v) || n < 68 || n > 65521) throw invalidArgument(`invalid mtu "${v}" for slirp4netns: must be 68 to 65521`);
        o.mtu = n;
        break;
      }
      case 'outbound_addr':
      case 'outbound_addr6': {
        const ip = parseIp(v);
        const fam = k === 'outbound_addr' ? 4 : 6;
        if (ip ? ip.family !== fam : !(v in networkInterfaces())) throw invalidArgument(`invalid ${k} "${v}": not an IPv${fam} address or a host interface`);
        if (k === 'outbound_addr') o.outboundAddr = v;
        else o.outboundAddr6 = v;
        break;
      }
      case 'port_handler':
        if (v !== 'slirp4netns' && v !== 'rootlesskit') throw invalidArgument(`unknown port_handler for slirp4netns: "${v}"`);
        o.portHandler = v;
        break;
      default:
        throw invalidArgument(`unknown option for slirp4netns: "${opt}"`);
    }
  }
  if (o.outboundAddr6 && !o.enableIPv6) throw invalidArgument('enable_ipv6=true is required for outbound_addr6');
  return o;
}

/** The fixed addresses slirp4netns uses inside its network: container +100, gateway (the host) +2, DNS +3. */
export function slirpAddresses(cidr: string): { ip: string; gateway: string; dns: string; prefix: number } {
  const c = parseCidr(cidr);
  const at = (n: number) => {
    const ip = { family: 4 as const, value: c.network + BigInt(n) };
    if (!cidrContains(c, ip)) throw invalidArgument(`slirp4netns cidr ${cidr} is too small`);
    return formatIp(ip);
  };
  return { ip: at(100), gateway: at(2), dns: at(3), prefix: c.prefix };
}

/** Podman's host.containers.internal: the gateway when it leads to the host's loopback, else the host's first address. */
export function hostContainersInternal(o: SlirpOptions): string | undefined {
  if (o.allowHostLoopback) return slirpAddresses(o.cidr).gateway;
  for (const addrs of Object.values(networkInterfaces())) {
    for (const a of addrs ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return undefined;
}

/** slirp4netns's argv (flags as in 1.2's --help). */
export function slirpArgs(o: SlirpOptions, x: { netnsPath: string; apiSocket: string; exitFd?: number; readyFd: number }): string[] {
  const args = ['--configure', `--mtu=${o.mtu}`, `--cidr=${o.cidr}`, '--enable-sandbox', '--enable-seccomp'];
  if (!o.allowHostLoopback) args.push('--disable-host-loopback');
  if (o.enableIPv6) args.push('--enable-ipv6');
  if (o.outboundAddr) args.push(`--outbound-addr=${o.outboundAddr}`);
  if (o.outboundAddr6) args.push(`--outbound-addr6=${o.outboundAddr6}`);
  if (x.exitFd !== undefined) args.push(`--exit-fd=${x.exitFd}`);
  args.push(`--ready-fd=${x.readyFd}`, `--api-socket=${x.apiSocket}`, '--netns-type=path', x.netnsPath, 'tap0');
  return args;
}

const PID_FILE = 'slirp4netns.pid';
const SOCKET = 'slirp4netns.sock';
const LOG = 'slirp4netns.log';
/** Leaves room for "/proc/self/fd/NNNN/" style names and the NUL. */
const SUN_PATH_MAX = 100;

export interface SlirpStart {
  /** slirp4netns executable; the first of SLIRP_PATHS that exists when omitted. */
  binary?: string;
  netnsPath: string;
  /** The container's run dir: pid file, API socket and log live here. */
  runDir: string;
  options: SlirpOptions;
  /** No --exit-fd: the caller alone stops it, by pid (the shared rootless netns's slirp4netns outlives every conmon). */
  keepAlive?: boolean;
}

export interface SlirpHandle {
  pid: number;
  /** The API socket's real path. */
  apiSocket: string;
  /**
   * Write end of the exit FIFO: hand it to the process whose death should end
   * slirp4netns (conmon), then close it. Until it is closed, slirp4netns lives.
   */
  exitWriteFd: number;
}

function findBinary(b?: string): string {
  const bin = b ?? SLIRP_PATHS.find((p) => existsSync(p));
  if (!bin) throw new HuskError('RUNTIME', 'slirp4netns not found: install the slirp4netns package');
  return bin;
}

/** Starts slirp4netns for a netns and waits until tap0 is configured and the API socket listens. */
export async function startSlirp(s: SlirpStart): Promise<SlirpHandle> {
  const bin = findBinary(s.binary);
  let exitRead: number | 'ignore' = 'ignore';
  let exitWrite = -1;
  if (!s.keepAlive) {
    const fifo = join(s.runDir, 'slirp4netns.exit');
    rmSync(fifo, { force: true });
    native().mknod(fifo, constants.S_IFIFO | 0o600, 0, 0);
    // Read end first (non-blocking, so the open does not wait), then the write end.
    exitRead = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
    exitWrite = openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK);
    rmSync(fifo, { force: true });
  }
  const log = openSync(join(s.runDir, LOG), 'w');
  const dirFd = openSync(s.runDir, 'r');
  const realSocket = join(s.runDir, SOCKET);
  rmSync(realSocket, { force: true });
  // fd 3: exit FIFO, fd 4: ready pipe, fd 5: the run dir (for a long socket path).
  const apiSocket = realSocket.length <= SUN_PATH_MAX ? realSocket : `/proc/self/fd/5/${SOCKET}`;
  let child;
  try {
    child = spawn(bin, slirpArgs(s.options, { netnsPath: s.netnsPath, apiSocket, exitFd: s.keepAlive ? undefined : 3, readyFd: 4 }), {
      stdio: ['ignore', log, log, exitRead, 'pipe', dirFd],
      detached: true,
    });
  } catch (err) {
    if (exitWrite >= 0) closeSync(exitWrite);
    throw err;
  } finally {
    closeSync(log);
    closeSync(dirFd);
    if (exitRead !== 'ignore') closeSync(exitRead);
  }
  child.unref();
  const ready = child.stdio[4]!;
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new HuskError('RUNTIME', `slirp4netns did not become ready within 10s: ${logText(s.runDir)}`)), 10_000);
      const done = (err?: Error) => { clearTimeout(timer); child.removeAllListeners('exit'); if (err) reject(err); else resolve(); };
      child.once('error', (e) => done(new HuskError('RUNTIME', `slirp4netns: ${e.message}`)));
      child.once('exit', () => done(slirpFailure(logText(s.runDir))));
      ready.once('data', () => done());
      ready.on('error', () => {});
    });
  } catch (err) {
    child.kill('SIGKILL');
    if (exitWrite >= 0) closeSync(exitWrite);
    throw err;
  } finally {
    ready.destroy();
  }
  const pid = child.pid!;
  writeFileSync(join(s.runDir, PID_FILE), `${pid}\n`);
  return { pid, apiSocket: realSocket, exitWriteFd: exitWrite };
}

function logText(runDir: string): string {
  try {
    return readFileSync(join(runDir, LOG), 'utf8').split('\n').filter((l) => l && !/^WARNING: Support for seccomp/.test(l)).join('; ').trim();
  } catch {
    return '';
  }
}

/** slirp4netns exited before it was ready: name /dev/net/tun when that is the cause. */
export function slirpFailure(log: string): HuskError {
  const tun = /open\("?\/dev\/net\/tun"?\)[:\s]*([^;]*)/.exec(log);
  if (tun) {
    return new HuskError('RUNTIME', `slirp4netns cannot open /dev/net/tun: ${tun[1].trim() || 'failed'} (the device must exist and be readable and writable by this user, e.g. chmod 0666 /dev/net/tun as udev does)`);
  }
  return new HuskError('RUNTIME', `slirp4netns failed: ${log || 'exited before it was ready'}`);
}

/** One request on the API socket (slirp4netns reads one message per connection and answers with JSON). */
export function slirpRequest(apiSocket: string, req: unknown): Promise<{ return?: unknown; error?: { desc?: string } }> {
  const dir = apiSocket.slice(0, apiSocket.lastIndexOf('/'));
  const dirFd = apiSocket.length <= SUN_PATH_MAX ? undefined : openSync(dir, 'r');
  const path = dirFd === undefined ? apiSocket : `/proc/self/fd/${dirFd}/${apiSocket.slice(dir.length + 1)}`;
  return new Promise((resolve, reject) => {
    const sock = connect(path);
    let out = '';
    const fail = (e: Error) => reject(new HuskError('RUNTIME', `slirp4netns API ${apiSocket}: ${e.message}`));
    sock.on('data', (d) => (out += d));
    sock.on('error', fail);
    sock.on('close', () => {
      if (dirFd !== undefined) closeSync(dirFd);
      try { resolve(JSON.parse(out)); } catch { fail(new Error(`unexpected answer ${JSON.stringify(out)}`)); }
    });
    sock.end(JSON.stringify(req));
  });
}

/**
 * Publishes ports through slirp4netns (one add_hostfwd per port of a range and
 * protocol). A refusal carries no errno, so husk tries the same bind itself
 * (it runs with slirp4netns's privileges, in its namespace) to say why.
 */
export async function addPortForwards(h: { apiSocket: string }, ports: PortMapping[], guestAddr: string): Promise<void> {
  for (const p of ports) {
    for (const proto of p.protocol.split(',')) {
      for (let k = 0; k < p.range; k++) {
        const fwd = { proto, host_addr: p.host_ip || '0.0.0.0', host_port: p.host_port + k, guest_addr: guestAddr, guest_port: p.container_port + k };
        const res = await slirpRequest(h.apiSocket, { execute: 'add_hostfwd', arguments: fwd });
        if (res.error) throw hostfwdError(fwd, res.error.desc ?? 'failed', await probeBind(proto, fwd.host_addr, fwd.host_port), unprivilegedPortStart());
      }
    }
  }
}

/** net.ipv4.ip_unprivileged_port_start (1024 when unreadable, the kernel's default). */
export function unprivilegedPortStart(): number {
  try {
    return Number(readFileSync('/proc/sys/net/ipv4/ip_unprivileged_port_start', 'utf8').trim()) || 0;
  } catch {
    return 1024;
  }
}

/** Binds proto host:port briefly; the errno code when that fails (EACCES, EADDRINUSE, ...). */
export function probeBind(proto: string, host: string, port: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const code = (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message);
    if (proto === 'udp') {
      const s = createSocket(host.includes(':') ? 'udp6' : 'udp4');
      s.once('error', (e) => { s.close(); code(e); });
      s.bind({ address: host, port, exclusive: true }, () => s.close(() => resolve(undefined)));
      return;
    }
    const srv = createServer();
    srv.once('error', code);
    srv.listen({ host, port, exclusive: true }, () => srv.close(() => resolve(undefined)));
  });
}

/**
 * The error for a port that could not be published, from the probe's errno:
 * a privileged port names the sysctl (Podman's wording), a taken one says so.
 */
export function hostfwdError(fwd: { proto: string; host_addr: string; host_port: number }, desc: string, errno: string | undefined, portStart: number): HuskError {
  const where = `listen ${fwd.proto} ${fwd.host_addr}:${fwd.host_port}: bind`;
  if (errno === 'EACCES' || errno === 'EPERM') {
    return new HuskError('PORT_DENIED', `cannot expose privileged port ${fwd.host_port}, you can add 'net.ipv4.ip_unprivileged_port_start=${fwd.host_port}' to /etc/sysctl.conf (currently ${portStart}), or choose a larger port number (>= ${portStart}): ${where}: permission denied`);
  }
  if (errno === 'EADDRINUSE') return new HuskError('PORT_IN_USE', `cannot listen on the ${fwd.proto.toUpperCase()} port: ${where}: address already in use`);
  if (errno === 'EADDRNOTAVAIL') return new HuskError('PORT_IN_USE', `cannot listen on the ${fwd.proto.toUpperCase()} port: ${where}: cannot assign requested address`);
  return new HuskError('RUNTIME', `slirp4netns could not publish ${fwd.proto} port ${fwd.host_addr}:${fwd.host_port}: ${desc}${errno ? ` (${errno})` : ''}`);
}

function slirpPidIn(runDir: string): number {
  try { return Number(readFileSync(join(runDir, PID_FILE), 'utf8').trim()) || 0; } catch { return 0; }
}

/** Whether pid is a live (not zombie) slirp4netns serving netnsPath. */
export function isSlirpProcess(pid: number, netnsPath?: string): boolean {
  if (!pid) return false;
  try {
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    if (!argv[0]?.endsWith('slirp4netns') || (netnsPath && !argv.includes(netnsPath))) return false;
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
}

/** Stops the slirp4netns of a run dir and removes its pid file, socket and log (idempotent). */
export async function stopSlirp(runDir: string, netnsPath?: string): Promise<void> {
  const pid = slirpPidIn(runDir);
  if (isSlirpProcess(pid, netnsPath)) {
    try { process.kill(pid, 'SIGTERM'); } catch {}
    for (let i = 0; i < 100 && isSlirpProcess(pid, netnsPath); i++) await new Promise((r) => setTimeout(r, 10));
    if (isSlirpProcess(pid, netnsPath)) try { process.kill(pid, 'SIGKILL'); } catch {}
  }
  for (const f of [PID_FILE, SOCKET, LOG]) rmSync(join(runDir, f), { force: true });
}
