// Helpers for the real-network tests: busybox inside a namespace, host
// snapshots of links and firewall rules, and a subnet nothing else uses.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { hostInterfaceNames, hostSubnets } from '../../../src/runtime/network/config.ts';
import { cidrsOverlap, parseCidr } from '../../../src/runtime/network/ip.ts';

export const BUSYBOX = '/bin/busybox';

export interface Out { code: number; stdout: string; stderr: string }

/** Runs argv in the network namespace mounted at `ns` (our namespaces are not in /run/netns, so nsenter, not `ip netns exec`). */
export function inNs(ns: string, argv: string[], timeout = 10_000): Out {
  // busybox wget's own -T timeout crashes (1.35, Debian): rely on spawnSync's.
  const r = spawnSync('nsenter', [`--net=${ns}`, '--', ...argv], { encoding: 'utf8', timeout });
  return { code: r.status ?? -1, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

/** busybox httpd serving `dir` on port 80 inside `ns`, in the foreground so it can be killed. */
export function httpd(ns: string, dir: string): ChildProcess {
  return spawn('nsenter', [`--net=${ns}`, '--', BUSYBOX, 'httpd', '-f', '-p', '80', '-h', dir], { stdio: 'ignore' });
}

/** The address `name` resolves to through the DNS server at `server`, or undefined. */
export function nslookup(ns: string, name: string, server: string): string | undefined {
  const r = inNs(ns, [BUSYBOX, 'nslookup', '-type=a', name, server]);
  if (r.code !== 0) return undefined;
  // Skip the "Address: SERVER:53" header line.
  const addrs = [...r.stdout.matchAll(/^Address:\s+(\S+)$/gm)].map((m) => m[1]).filter((a) => !a.includes(':'));
  return addrs[0];
}

/** wget of `url` in `ns` with /etc/resolv.conf replaced by `resolvConf` (a private mount namespace, so the host keeps its own). */
export function wgetWithResolver(ns: string, url: string, resolvConf: string): Out {
  return inNs(ns, ['unshare', '--mount', '--propagation', 'private', '--', 'sh', '-c',
    'mount --bind "$0" /etc/resolv.conf && exec "$1" wget -qO- "$2"', resolvConf, BUSYBOX, url]);
}

export function links(): string[] {
  return readdirSync('/sys/class/net').sort();
}

/** Every chain declaration and rule of every table (iptables-save minus comments). */
export function firewallRules(): string[] {
  const r = spawnSync('iptables-save', [], { encoding: 'utf8' });
  return r.stdout.split('\n').filter((l) => l.startsWith('-A ') || l.startsWith(':'));
}

/** netavark's per-network chains (NETAVARK-<hash>, NETAVARK-DN-<hash>) named in rules about `subnet`. */
export function networkChains(rules: string[], subnet: string): string[] {
  const names = rules.filter((l) => l.includes(subnet)).flatMap((l) => [...l.matchAll(/NETAVARK-(?:DN-)?[0-9A-F]{6,}/g)].map((m) => m[0]));
  return [...new Set(names)];
}

/** Live aardvark-dns processes serving `configDir` (zombies have no cmdline, so pgrep -f skips them). */
export function aardvarkPids(configDir: string): number[] {
  const r = spawnSync('pgrep', ['-f', `aardvark-dns --config ${configDir}/`], { encoding: 'utf8' });
  return r.stdout.split('\n').filter(Boolean).map(Number);
}

/** A 10.123.N.0/24 no host interface uses, with a matching unused bridge name (≤ 15 chars). */
export function freeTestSubnet(): { subnet: string; bridge: string; n: number } {
  const used = hostSubnets().map(parseCidr);
  const names = new Set(hostInterfaceNames());
  const start = 100 + (process.pid % 100);
  for (let i = 0; i < 150; i++) {
    const n = 100 + ((start - 100 + i) % 150);
    const c = parseCidr(`10.123.${n}.0/24`);
    const bridge = `hsktest${n}`;
    if (!used.some((u) => cidrsOverlap(c, u)) && !names.has(bridge)) return { subnet: `10.123.${n}.0/24`, bridge, n };
  }
  throw new Error('no free 10.123.N.0/24 test subnet');
}

export function isRoot(): boolean {
  return process.getuid?.() === 0;
}

/** The lines of `after` that are not in `before` and mention any of `needles`. */
export function newLinesWith(before: string[], after: string[], needles: string[]): string[] {
  const seen = new Set(before);
  return after.filter((l) => !seen.has(l) && needles.some((n) => l.includes(n)));
}

export function procCmdline(pid: number): string {
  try { return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' '); } catch { return ''; }
}
