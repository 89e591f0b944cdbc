// IPv4/IPv6 address and CIDR arithmetic on bigints, enough for subnet
// validation and IP allocation. Node's node:net only tells whether a string is
// an address; it cannot compare or step through ranges.
import { isIPv6 } from 'node:net';
import { invalidArgument } from '../../common/errors.ts';

export type Family = 4 | 6;

export interface Ip { family: Family; value: bigint }

/** A subnet, always normalised to its network address. */
export interface Cidr { family: Family; network: bigint; prefix: number }

const bits = (f: Family) => (f === 4 ? 32 : 128);

// Node's own dotted-quad pattern (lib/internal/net.js): node:net's isIPv4
// would load all of node:net (sockets, streams: ~5 ms) for every create on
// the default bridge, which parses its subnet. isIPv6 loads it only for IPv6.
const V4_OCTET = '(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9][0-9]|[0-9])';
const IPV4 = new RegExp(`^(?:${V4_OCTET}\\.){3}${V4_OCTET}$`);

export function parseIp(s: string): Ip | undefined {
  if (IPV4.test(s)) {
    return { family: 4, value: s.split('.').reduce((acc, o) => (acc << 8n) | BigInt(Number(o)), 0n) };
  }
  if (!s.includes(':') || !isIPv6(s)) return undefined;
  let text = s;
  // An embedded IPv4 tail (::ffff:1.2.3.4) becomes two hex groups.
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    const n = parseIp(v4[1])!.value;
    text = text.slice(0, v4.index) + `${(n >> 16n).toString(16)}:${(n & 0xffffn).toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  return { family: 6, value: groups.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g, 16)), 0n) };
}

export function formatIp(ip: Ip): string {
  if (ip.family === 4) {
    return [24n, 16n, 8n, 0n].map((sh) => String((ip.value >> sh) & 0xffn)).join('.');
  }
  const groups = Array.from({ length: 8 }, (_, i) => Number((ip.value >> BigInt(112 - 16 * i)) & 0xffffn));
  // RFC 5952: compress the longest run (length ≥ 2) of zero groups, the first on a tie.
  let best = -1, bestLen = 1;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) { best = i; bestLen = j - i; }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
}

function mask(f: Family, prefix: number): bigint {
  const all = (1n << BigInt(bits(f))) - 1n;
  return all ^ ((1n << BigInt(bits(f) - prefix)) - 1n);
}

/** Parses "addr/prefix"; host bits are cleared, as Podman does (10.89.0.5/24 → 10.89.0.0/24). */
export function parseCidr(s: string): Cidr {
  const m = /^([^/]+)\/(\d{1,3})$/.exec(s.trim());
  const ip = m ? parseIp(m[1]) : undefined;
  const prefix = m ? Number(m[2]) : NaN;
  if (!ip || !(prefix >= 0 && prefix <= bits(ip.family))) throw invalidArgument(`invalid CIDR address: ${s}`);
  return { family: ip.family, network: ip.value & mask(ip.family, prefix), prefix };
}

export function formatCidr(c: Cidr): string {
  return `${formatIp({ family: c.family, value: c.network })}/${c.prefix}`;
}

/** The last address of the subnet (the IPv4 broadcast address). */
export function lastAddress(c: Cidr): bigint {
  return c.network | ((1n << BigInt(bits(c.family) - c.prefix)) - 1n);
}

export function cidrContains(c: Cidr, ip: Ip): boolean {
  return c.family === ip.family && ip.value >= c.network && ip.value <= lastAddress(c);
}

export function cidrsOverlap(a: Cidr, b: Cidr): boolean {
  return a.family === b.family && a.network <= lastAddress(b) && b.network <= lastAddress(a);
}

/** The first usable address (network + 1), Podman's default gateway. */
export function firstHost(c: Cidr): Ip {
  return { family: c.family, value: c.network + 1n };
}
