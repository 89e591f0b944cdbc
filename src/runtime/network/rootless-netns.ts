// The rootless network namespace (Podman's "rootless netns"): one network
// namespace per user, made inside the user's user namespace, that plays the
// host for bridge networks. netavark runs in it (so the bridges, veth ends,
// firewall rules and aardvark-dns live there, where the user's namespace root
// has CAP_NET_ADMIN), and one slirp4netns gives it a way out: tap0 with
// 10.0.2.100, default route via 10.0.2.2 (the host, seen from outside as the
// user's own sockets).
//
// Published ports: slirp4netns binds each host port itself (add_hostfwd, as
// the user, in the host's network namespace) and relays it to the same port
// on 10.0.2.100, where netavark's DNAT rules in this namespace send it on to
// the container. No extra process per container (Podman uses rootlessport,
// a process that straddles both namespaces, which Node cannot do), bind
// errors are the kernel's own, and the forwards die with the namespace.
//
// Lifetime: made on the first setup, destroyed (slirp4netns killed, the
// namespace unmounted) by the teardown that leaves it without a veth, i.e.
// without a container of any of the user's stores. Both run under netavark's
// lock, so no setup can slip in between the check and the destruction.
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { HuskError } from '../../common/errors.ts';
import { createNetns, deleteNetns, isNetnsMounted } from './netns.ts';
import type { PortMapping } from './netavark.ts';
import { addPortForwards, isSlirpProcess, slirpAddresses, slirpRequest, startSlirp, stopSlirp, type SlirpOptions } from './slirp.ts';

/** What netavark needs from a namespace that stands in for the host (see Netavark's hostNetns). */
export interface HostNetns {
  /** Makes sure the namespace exists and is served; returns its path. */
  ensure(): Promise<string>;
  /** Forwards the host ports to the namespace (netavark's rules take them on from there). */
  publish(ports: PortMapping[]): Promise<void>;
  unpublish(ports: PortMapping[]): Promise<void>;
  /** Destroys the namespace when no container uses it any more. */
  releaseIfIdle(): Promise<void>;
}

const PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export class RootlessNetns implements HostNetns {
  /** RUNDIR/rootless-netns: the namespace file, slirp4netns's pid file, API socket and log. */
  readonly dir: string;
  readonly options: SlirpOptions;

  constructor(dir: string, options: SlirpOptions) {
    this.dir = dir;
    this.options = options;
  }

  get path(): string { return join(this.dir, 'netns'); }
  get apiSocket(): string { return join(this.dir, 'slirp4netns.sock'); }

  /** slirp4netns's pid when it runs for this namespace, else 0. */
  slirpPid(): number {
    let pid = 0;
    try { pid = Number(readFileSync(join(this.dir, 'slirp4netns.pid'), 'utf8').trim()) || 0; } catch {}
    return isSlirpProcess(pid, this.path) ? pid : 0;
  }

  /** Whether the namespace exists and slirp4netns serves it. */
  alive(): boolean {
    return isNetnsMounted(this.path) && this.slirpPid() > 0;
  }

  async ensure(): Promise<string> {
    if (this.alive()) return this.path;
    if (isNetnsMounted(this.path)) {
      // slirp4netns died (killed): its tap0 went with it. Serve the same
      // namespace again, so running containers keep their bridges and get
      // their way out back (not their published ports).
      await stopSlirp(this.dir, this.path);
      await startSlirp({ netnsPath: this.path, runDir: this.dir, options: this.options, keepAlive: true });
      return this.path;
    }
    // Leftovers of a namespace lost with an old pause process: start over.
    await this.destroy();
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    await createNetns(this.dir, 'netns');
    try {
      await nsExec(this.path, ['ip', 'link', 'set', 'lo', 'up']);
      await startSlirp({ netnsPath: this.path, runDir: this.dir, options: this.options, keepAlive: true });
    } catch (e) {
      await this.destroy();
      throw e;
    }
    return this.path;
  }

  async publish(ports: PortMapping[]): Promise<void> {
    // The same port on tap0's address: netavark's DNAT (any local address) does the rest.
    await addPortForwards({ apiSocket: this.apiSocket }, ports.map((p) => ({ ...p, container_port: p.host_port })), slirpAddresses(this.options.cidr).ip);
  }

  /** Removes the forwards of these host ports (best effort: a dead slirp4netns forwards nothing anyway). */
  async unpublish(ports: PortMapping[]): Promise<void> {
    if (!ports.length || !this.slirpPid()) return;
    const res = await slirpRequest(this.apiSocket, { execute: 'list_hostfwd' }).catch(() => undefined);
    // slirp4netns 1.2 answers list_hostfwd with {"entries": [...]}, without "return".
    const entries = ((res as { entries?: HostFwd[] } | undefined)?.entries) ?? [];
    for (const f of entries) {
      const mine = ports.some((p) => p.protocol.split(',').includes(f.proto) && f.host_port >= p.host_port && f.host_port < p.host_port + (p.range || 1) &&
        (p.host_ip || '0.0.0.0') === f.host_addr);
      if (mine) await slirpRequest(this.apiSocket, { execute: 'remove_hostfwd', arguments: { id: f.id } }).catch(() => undefined);
    }
  }

  async releaseIfIdle(): Promise<void> {
    // Containers still attached keep it, even with slirp4netns gone (the next setup restarts that).
    if (isNetnsMounted(this.path) && !(await this.idle())) return;
    await this.destroy();
  }

  /** No veth left: every container of every store of the user is gone from it. */
  private async idle(): Promise<boolean> {
    return !(await nsExec(this.path, ['ip', '-o', 'link', 'show', 'type', 'veth'])).trim();
  }

  /** Stops slirp4netns and unmounts the namespace (idempotent). */
  async destroy(): Promise<void> {
    await stopSlirp(this.dir, this.path);
    deleteNetns(this.path);
  }
}

interface HostFwd { id: number; proto: string; host_addr: string; host_port: number }

/** Runs a command in the namespace at `path`; resolves with its stdout. */
export function nsExec(path: string, argv: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('nsenter', [`--net=${path}`, '--', ...argv], { env: { ...process.env, PATH } }, (err, out, stderr) => {
      if (err) reject(new HuskError('RUNTIME', `${argv.join(' ')} in the rootless network namespace: ${stderr.trim() || err.message}`));
      else resolve(out);
    });
  });
}
