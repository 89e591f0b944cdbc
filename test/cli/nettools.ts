// Shared by the network CLI tests: what a container left on the host. Other
// test runs share this machine (and the podman0 bridge), so every check
// looks only at what one test can attribute to itself: its own subnets,
// host ports, bridge, run root and interface indexes.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { get } from 'node:http';
import { join } from 'node:path';
import { after, before } from 'node:test';
import type { Store } from '../helpers.ts';

/** iptables-save rules (not comments or counters) mentioning any of the needles. */
export function rulesWith(needles: string[]): string[] {
  return execFileSync('iptables-save', { encoding: 'utf8' }).split('\n')
    .filter((l) => l.startsWith('-A ') && needles.some((n) => l.includes(n)));
}

/** `--dport N ` as iptables-save prints it (the trailing space keeps 3001 from matching 30011). */
export const dport = (p: number | string) => `--dport ${p} `;

export const linkExists = (name: string) => existsSync(`/sys/class/net/${name}`);

/** Host interface indexes currently present. */
export function ifindexes(): Set<number> {
  return new Set(readdirSync('/sys/class/net').map((n) => {
    try { return Number(readFileSync(`/sys/class/net/${n}/ifindex`, 'utf8')); } catch { return -1; }
  }));
}

/** The netns files under a store's run root. */
export function netnsFiles(runroot: string): string[] {
  try { return readdirSync(join(runroot, 'netns')); } catch { return []; }
}

/** PIDs of aardvark-dns servers serving a store (their --config is under its run root). */
export function aardvarkPids(runroot: string): number[] {
  return readdirSync('/proc').filter((p) => /^\d+$/.test(p)).filter((p) => {
    try {
      const cmd = readFileSync(`/proc/${p}/cmdline`, 'utf8');
      const state = readFileSync(`/proc/${p}/stat`, 'utf8');
      return cmd.includes('aardvark-dns') && cmd.includes(runroot) && !state.slice(state.lastIndexOf(')') + 2).startsWith('Z');
    } catch { return false; }
  }).map(Number);
}

/** Containers holding addresses on a bridge in husk's host-wide pool. */
export function ipamHolders(bridge: string): string[] {
  try {
    const s = JSON.parse(readFileSync('/run/husk/networks/ipam.json', 'utf8')) as Record<string, { ips: Record<string, string> }>;
    return Object.values(s[bridge]?.ips ?? {});
  } catch { return []; }
}

/**
 * veths that appeared since `before` (ifindexes) and are attached to no
 * bridge or to `bridge`: what a leaked container end would look like. Other
 * runs' live veths hang off their own bridges.
 */
export function strayVeths(before: Set<number>, bridge?: string): string[] {
  const links = JSON.parse(execFileSync('ip', ['-j', '-d', 'link', 'show'], { encoding: 'utf8' })) as
    { ifname: string; ifindex: number; master?: string; linkinfo?: { info_kind?: string } }[];
  return links.filter((l) => !before.has(l.ifindex) && l.linkinfo?.info_kind === 'veth' && (!l.master || l.master === bridge)).map((l) => l.ifname);
}

export function fetchText(url: string, timeoutMs = 2000): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const req = get(url, { timeout: timeoutMs }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve(body));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

/** Polls a URL until it answers (a server in a fresh container takes a moment to listen). */
export async function fetchRetry(url: string, tries = 50): Promise<string> {
  for (let i = 0; ; i++) {
    const body = await fetchText(url, 500).catch(() => '');
    if (body || i >= tries) return body;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A random port in a range other tests (and the kernel's ephemeral range) rarely use. */
export const randomPort = (span = 1) => 20000 + Math.floor(Math.random() * (12000 - span));

/** A random /24 in 10.200.0.0/13, unlikely to clash with another test run's networks. */
export const randomSubnet = () => `10.${200 + Math.floor(Math.random() * 8)}.${Math.floor(Math.random() * 256)}.0/24`;

/**
 * Two bridge networks with distinct random /24s, created on the store before
 * the file's tests and removed (with every pod and container) after them.
 * base1/base2 are the subnets' first three octets and a dot; re() escapes an
 * address for a RegExp.
 */
export function twoNetworks(s: Store, names: [string, string]) {
  const sub1 = randomSubnet();
  let sub2 = randomSubnet();
  while (sub2 === sub1) sub2 = randomSubnet();
  before(() => {
    s.busybox();
    s.ok(['network', 'create', '--subnet', sub1, names[0]]);
    s.ok(['network', 'create', '--subnet', sub2, names[1]]);
  });
  after(async () => {
    s.husk(['pod', 'rm', '-af']);
    s.husk(['rm', '-af']);
    s.husk(['network', 'rm', '-f', ...names]);
    await s.destroyWhenIdle();
  });
  return { base1: sub1.slice(0, -4), base2: sub2.slice(0, -4), re: (ip: string) => ip.replaceAll('.', '\\.') };
}
