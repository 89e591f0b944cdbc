// Adapter over pasta (Debian's passt package), the user-mode network of
// Podman 4.4+ (Podman 5's rootless default). pasta joins the container's
// netns, copies the host's addresses, routes and MTU onto one interface
// named like the host's (--config-net), and relays traffic through ordinary
// sockets in the namespace husk runs in. Published ports are host sockets
// pasta binds itself (both families), so they answer on 127.0.0.1 and ::1.
//
// The arguments follow Podman 4.4's: -t/-u per published port
// ("[HOSTIP/]HOSTPORT-END:CPORT-END"), the user's options, then "none" for
// every forwarding direction the options did not mention, --no-map-gw
// unless the user asked for Podman's --map-gw, and --netns PATH.
//
// Lifetime: pasta forks into the background once the namespace is set up
// (the foreground process then exits 0, or non-zero with its error), writes
// its pid to RUNDIR/pasta.pid and quits by itself when the netns file is
// deleted (it watches the directory), which teardown does; teardown also
// kills it by the pid file as a backstop.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, rmSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { HuskError, invalidArgument } from '../../common/errors.ts';
import type { PortMapping } from './netavark.ts';

export const PASTA_PATHS = ['/usr/bin/pasta', '/usr/local/bin/pasta', '/usr/libexec/podman/pasta'];

/** Whether a --network value asks for pasta. */
export function isPastaMode(mode: string | undefined): boolean {
  return mode === 'pasta' || !!mode?.startsWith('pasta:');
}

/** "pasta[:OPT,OPT...]" → pasta's own arguments (Podman splits on commas, e.g. pasta:-t,8080,--ipv4-only). */
export function parsePastaMode(mode: string): string[] {
  const rest = mode.slice('pasta'.length);
  if (rest && !rest.startsWith(':')) throw invalidArgument(`invalid network "${mode}"`);
  return rest.slice(1).split(',').filter(Boolean);
}

const PORT_FLAGS: Record<string, 't' | 'u' | 'T' | 'U'> = { '-t': 't', '--tcp-ports': 't', '-u': 'u', '--udp-ports': 'u', '-T': 'T', '--tcp-ns': 'T', '-U': 'U', '--udp-ns': 'U' };

/** pasta's command line for a container's netns, as Podman 4.4 builds it. */
export function pastaArgs(options: string[], ports: PortMapping[], x: { netnsPath: string; pidFile: string; rootful: boolean }): string[] {
  const args = ['--config-net'];
  for (const p of ports) {
    const addr = p.host_ip ? `${p.host_ip}/` : '';
    const range = p.range || 1;
    for (const proto of p.protocol.split(',')) {
      if (proto !== 'tcp' && proto !== 'udp') throw invalidArgument(`can't forward protocol: ${proto}`);
      args.push(proto === 'tcp' ? '-t' : '-u', `${addr}${p.host_port}-${p.host_port + range - 1}:${p.container_port}-${p.container_port + range - 1}`);
    }
  }
  let mapGw = false;
  for (const o of options) {
    if (o === '--map-gw') mapGw = true; // Podman's own option, not pasta's
    else args.push(o);
  }
  const seen = new Set(args.map((a) => PORT_FLAGS[a]).filter(Boolean));
  for (const f of ['t', 'u', 'T', 'U'] as const) if (!seen.has(f)) args.push(`-${f}`, 'none');
  if (!mapGw) args.push('--no-map-gw');
  // As real root, pasta (Debian 12's 2023-03-09 build) drops to "nobody", which may not enter a
  // netns owned by root ("Couldn't switch to pasta namespaces"); --runas 0 keeps root.
  if (x.rootful && !options.some((o) => o === '--runas' || o.startsWith('--runas='))) args.push('--runas', '0');
  args.push('--pid', x.pidFile, '--netns', x.netnsPath);
  return args;
}

/** Whether the options let the container reach the host's loopback through the gateway address. */
export const pastaMapsGateway = (options: string[]) => options.includes('--map-gw');

export interface PastaStart {
  netnsPath: string;
  /** The container's run dir: pasta.pid and pasta.log live there. */
  runDir: string;
  options: string[];
  ports: PortMapping[];
  rootful: boolean;
  binary?: string;
}

/** Starts pasta for the netns; resolves with its pid once it has configured the namespace and gone to the background. */
export async function startPasta(s: PastaStart): Promise<number> {
  const bin = s.binary ?? PASTA_PATHS.find((p) => existsSync(p));
  if (!bin) throw new HuskError('RUNTIME', 'could not find pasta, the network tool needed for --network pasta: install the passt package');
  const pidFile = join(s.runDir, 'pasta.pid');
  const logFile = join(s.runDir, 'pasta.log');
  rmSync(pidFile, { force: true });
  const args = pastaArgs(s.options, s.ports, { netnsPath: s.netnsPath, pidFile, rootful: s.rootful });
  // A file, not a pipe, for its output: the daemonized pasta keeps its stdio, and a pipe would never close.
  const log = openSync(logFile, 'w', 0o600);
  let code: number | null;
  try {
    code = await new Promise<number | null>((resolve, reject) => {
      const child = spawn(bin, args, { stdio: ['ignore', log, log], cwd: '/', detached: true });
      child.once('error', (e) => reject(new HuskError('RUNTIME', `failed to start pasta: ${e.message}`)));
      child.once('exit', (c) => resolve(c));
    });
  } finally {
    closeSync(log);
  }
  if (code !== 0) throw new HuskError('RUNTIME', `pasta failed with exit code ${code}: ${pastaMessage(readText(logFile))}`);
  const pid = Number(readText(pidFile).trim());
  if (!(pid > 0)) throw new HuskError('RUNTIME', `pasta started but wrote no pid to ${pidFile}`);
  return pid;
}

/** pasta's error lines, without the noise it prints when there is no syslog. */
export function pastaMessage(log: string): string {
  const lines = log.split('\n').map((l) => l.trim()).filter((l) => l && !/^Failed to send \d+ bytes to syslog/.test(l));
  // A bad option: getopt's complaint, then the whole usage text.
  const usage = lines.findIndex((l) => l.startsWith('Usage:'));
  if (usage > 0) return lines.slice(0, usage).join('; ');
  return lines.at(-1) ?? 'no output';
}

function readText(f: string): string {
  try { return readFileSync(f, 'utf8'); } catch { return ''; }
}

/** Whether pid is the pasta serving netnsPath (so a recycled pid is never killed). */
export function isPastaProcess(pid: number, netnsPath?: string): boolean {
  const cmd = readText(`/proc/${pid}/cmdline`).split('\0');
  return /(^|\/)(pasta|passt)(\.avx2)?$/.test(cmd[0] ?? '') && (!netnsPath || cmd.includes(netnsPath));
}

/** Stops the container's pasta (it also quits once the netns file is deleted); idempotent. */
export async function stopPasta(runDir: string, netnsPath?: string): Promise<void> {
  const pidFile = join(runDir, 'pasta.pid');
  const pid = Number(readText(pidFile).trim());
  if (pid > 0 && isPastaProcess(pid, netnsPath)) {
    try { process.kill(pid, 'SIGTERM'); } catch {}
    for (let i = 0; i < 100 && isPastaProcess(pid, netnsPath); i++) await sleep(10);
    if (isPastaProcess(pid, netnsPath)) try { process.kill(pid, 'SIGKILL'); } catch {}
  }
  rmSync(pidFile, { force: true });
}

/**
 * The addresses pasta copies into the namespace: those of the host's
 * interface with the default route (the first non-internal one here).
 */
export function pastaAddresses(): { ips: string[]; gateway?: string } {
  // /proc/net/route: the default route's interface and gateway (little-endian hex).
  const row = readText('/proc/net/route').split('\n').slice(1).map((l) => l.split(/\s+/)).find((f) => f[1] === '00000000' && f[2]);
  const gateway = row && row[2] !== '00000000' ? [...Buffer.from(row[2], 'hex').reverse()].join('.') : undefined;
  const addrs = (row ? networkInterfaces()[row[0]] : undefined) ?? [];
  return { ips: addrs.filter((a) => !a.internal && !a.address.startsWith('fe80')).map((a) => a.address), gateway };
}
