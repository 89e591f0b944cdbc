// aardvark-dns, the DNS server netavark starts per config dir: is it alive,
// is it listening yet, would netavark wrongly use systemd-run to start it,
// and starting it without netavark. netavark.ts decides when.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { endianness } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { formatIp } from './ip.ts';

/** True when /run/systemd/system exists though systemd is not PID 1 (sd_booted() would lie). */
export function systemdMisdetected(): boolean {
  if (!existsSync('/run/systemd/system')) return false;
  try { return readFileSync('/proc/1/comm', 'utf8').trim() !== 'systemd'; } catch { return true; }
}

/**
 * netavark returns as soon as it has spawned aardvark-dns (or sent it SIGHUP
 * for a new network), before the server listens on the gateway; a lookup in
 * that window is refused ("bad address", about 1 run in 60 here). Waits until
 * each DNS address has a UDP socket on port 53 (or one on the wildcard
 * address). Gives up quietly after 2 s, or 0.2 s when no server runs: DNS is
 * then down, as it would be under Podman, but the network itself works.
 */
export async function waitForDnsListeners(result: Record<string, { dns_server_ips?: string[] }>, serverAlive: () => boolean, procNet = () => '/proc/net'): Promise<void> {
  const want = [...new Set(Object.values(result).flatMap((b) => b.dns_server_ips ?? []))];
  if (!want.length) return;
  const start = Date.now();
  for (;;) {
    const bound = udpPort53Listeners(procNet());
    if (want.every((ip) => bound.has(ip) || bound.has(ip.includes(':') ? '::' : '0.0.0.0'))) return;
    const waited = Date.now() - start;
    // No server at all (its start failed): nothing will come.
    if (waited > 2000 || (waited > 200 && !serverAlive())) return;
    await sleep(5);
  }
}

/**
 * Local addresses with a UDP socket on port 53 in a network namespace: husk's
 * (the host's) by default, or a process's (`/proc/PID/net`).
 */
function udpPort53Listeners(procNet: string): Set<string> {
  const out = new Set<string>();
  for (const [file, family] of [[`${procNet}/udp`, 4], [`${procNet}/udp6`, 6]] as const) {
    let text = '';
    try { text = readFileSync(file, 'utf8'); } catch { continue; }
    for (const line of text.split('\n').slice(1)) {
      const local = line.trim().split(/\s+/)[1];
      if (!local?.endsWith(':0035')) continue;
      const ip = procNetAddress(local.slice(0, -5), family);
      if (ip) out.add(ip);
    }
  }
  return out;
}

/** /proc/net/udp prints addresses as 32-bit words in host byte order. */
function procNetAddress(hex: string, family: 4 | 6): string | undefined {
  const buf = Buffer.alloc(hex.length / 2);
  for (let w = 0; w < hex.length / 8; w++) {
    const word = parseInt(hex.slice(w * 8, w * 8 + 8), 16);
    if (endianness() === 'LE') buf.writeUInt32LE(word, w * 4); else buf.writeUInt32BE(word, w * 4);
  }
  if (family === 4) return buf.length === 4 ? [...buf].join('.') : undefined;
  if (buf.length !== 16) return undefined;
  return formatIp({ family: 6, value: BigInt(`0x${buf.toString('hex')}`) });
}

/** Whether pid is a running aardvark-dns (a zombie or a reused PID is not). */
export function isLiveAardvark(pid: number): boolean {
  try {
    // Field 3 of stat is the state; a zombie has exited already.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    if (stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) return false;
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('aardvark-dns');
  } catch {
    return false;
  }
}

/**
 * Makes aardvark.pid name a live, disposable process, so that the netavark
 * setup about to run treats the server as running: it writes the entries and
 * sends the placeholder SIGHUP (which ends it) instead of starting a server.
 */
export function holdPidFile(aardvarkDir: string): ChildProcess | undefined {
  mkdirSync(aardvarkDir, { recursive: true });
  const child = spawn('sleep', ['60'], { stdio: 'ignore', env: { PATH: '/usr/bin:/bin' } });
  child.on('error', () => {});
  // No PID means no process: never write "0", which netavark's kill() would turn into our process group.
  if (!child.pid) return undefined;
  child.unref();
  writeFileSync(join(aardvarkDir, 'aardvark.pid'), String(child.pid));
  return child;
}

/**
 * Runs aardvark-dns as netavark would without systemd. It forks: the first
 * process exits once the server is up and aardvark.pid names it. Its stdio is
 * /dev/null and its cwd "/" so it pins nothing of husk's; detached, so a
 * Ctrl-C aimed at husk does not reach it.
 */
export function startAardvark(binary: string, aardvarkDir: string, env: NodeJS.ProcessEnv, netns?: string): Promise<void> {
  return new Promise((resolve) => {
    const argv = [binary, '--config', aardvarkDir, '-p', '53', 'run'];
    // In the rootless netns, where its networks' gateways are.
    if (netns) argv.unshift('nsenter', `--net=${netns}`, '--');
    const child = spawn(argv[0]!, argv.slice(1), { stdio: 'ignore', cwd: '/', detached: true, env });
    // A failure shows as DNS not answering, exactly as when netavark's own start fails.
    child.on('error', () => resolve());
    child.on('exit', () => resolve());
  });
}
