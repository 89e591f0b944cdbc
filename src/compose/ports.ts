// Service ports: the short syntax "[[HOST_IP:]HOST:]CONTAINER[/PROTO]" with
// ranges (expanded to one entry per container port, as Compose does) and
// the long syntax {target, published, host_ip, protocol, mode, name,
// app_protocol}. Both become ServicePort objects.
import { isIP } from 'node:net';
import { checkKeys, isMap, optStr, str, type Where } from './check.ts';
import type { ServicePort } from './types.ts';

const PROTOCOLS = new Set(['tcp', 'udp', 'sctp']);
const LONG_KEYS = new Set(['target', 'published', 'host_ip', 'protocol', 'mode', 'name', 'app_protocol']);

/** "80" or "8000-8010" → [start, end]; undefined when not a port range. */
function range(s: string): [number, number] | undefined {
  const m = /^(\d+)(?:-(\d+))?$/.exec(s);
  if (!m) return undefined;
  const a = Number(m[1]);
  const b = m[2] === undefined ? a : Number(m[2]);
  if (a < 1 || b > 65535 || b < a) return undefined;
  return [a, b];
}

/** One entry of `ports:`, short or long, as one or more ServicePorts. */
export function parsePort(v: unknown, w: Where): ServicePort[] {
  if (isMap(v)) return [longPort(v, w)];
  if (typeof v === 'number') {
    if (!range(String(v))) w.fail(`invalid port ${v}`);
    return [{ target: v, protocol: 'tcp', mode: 'ingress' }];
  }
  const spec = str(v, w);
  const bad = (): never => w.fail(`invalid port "${spec}"`);
  let rest = spec;
  let protocol: ServicePort['protocol'] = 'tcp';
  const slash = rest.lastIndexOf('/');
  if (slash >= 0) {
    const p = rest.slice(slash + 1).toLowerCase();
    if (!PROTOCOLS.has(p)) bad();
    protocol = p as ServicePort['protocol'];
    rest = rest.slice(0, slash);
  }
  let hostIp: string | undefined;
  // An IPv6 host address is bracketed: "[::1]:8080:80".
  const v6 = /^\[([^\]]+)\]:(.*)$/.exec(rest);
  if (v6) {
    if (isIP(v6[1]) !== 6) bad();
    hostIp = v6[1];
    rest = v6[2];
  }
  const parts = rest.split(':');
  if (parts.length > 3 || (hostIp && parts.length !== 2)) bad();
  if (parts.length === 3) {
    hostIp = parts.shift()!;
    if (hostIp && !isIP(hostIp)) bad();
  }
  const container = range(parts[parts.length - 1]) ?? bad();
  const hostSpec = parts.length === 2 ? parts[0] : '';
  const host = hostSpec ? (range(hostSpec) ?? bad()) : undefined;
  const n = container[1] - container[0];
  if (host && host[1] - host[0] !== n && n !== 0) w.fail(`invalid port "${spec}": host and container port ranges differ in size`);
  const out: ServicePort[] = [];
  for (let i = 0; i <= n; i++) {
    const p: ServicePort = { target: container[0] + i, protocol, mode: 'ingress' };
    if (hostIp) p.hostIp = hostIp;
    if (host && host[1] - host[0] === n) p.published = host[0] + i;
    else if (host) [p.published, p.publishedEnd] = host;
    out.push(p);
  }
  return out;
}

function longPort(m: Record<string, unknown>, w: Where): ServicePort {
  checkKeys(m, LONG_KEYS, w, 'port');
  const badTarget = () => w.at('target').fail(`invalid port ${JSON.stringify(m.target ?? null)}`);
  const target = range(str(m.target ?? '', w.at('target'))) ?? badTarget();
  if (target[0] !== target[1]) badTarget();
  const protocol = (optStr(m.protocol, w.at('protocol')) ?? 'tcp').toLowerCase();
  if (!PROTOCOLS.has(protocol)) w.at('protocol').fail(`invalid protocol "${protocol}"`);
  const p: ServicePort = { target: target[0], protocol: protocol as ServicePort['protocol'] };
  const published = optStr(m.published, w.at('published'));
  if (published) {
    const r = range(published) ?? w.at('published').fail(`invalid port "${published}"`);
    p.published = r[0];
    if (r[1] !== r[0]) p.publishedEnd = r[1];
  }
  const hostIp = optStr(m.host_ip, w.at('host_ip'));
  if (hostIp) {
    if (!isIP(hostIp)) w.at('host_ip').fail(`invalid IP address "${hostIp}"`);
    p.hostIp = hostIp;
  }
  const mode = optStr(m.mode, w.at('mode'));
  if (mode) {
    if (mode !== 'host' && mode !== 'ingress') w.at('mode').fail(`invalid mode "${mode}": expected host or ingress`);
    p.mode = mode;
  }
  const name = optStr(m.name, w.at('name'));
  if (name) p.name = name;
  const app = optStr(m.app_protocol, w.at('app_protocol'));
  if (app) p.appProtocol = app;
  return p;
}

/** The merge identity of a port (Compose: {ip, target, published, protocol}). */
export const portKey = (p: ServicePort) => `${p.hostIp ?? ''}:${p.published ?? ''}-${p.publishedEnd ?? ''}:${p.target}/${p.protocol}`;

/** `expose:` entries: "80", "8000-8010", "53/udp". */
export function parseExpose(v: unknown, w: Where): string {
  const s = str(v, w);
  const m = /^(\d+(?:-\d+)?)(?:\/(tcp|udp|sctp))?$/i.exec(s);
  if (!m || !range(m[1])) w.fail(`invalid port "${s}"`);
  return s.toLowerCase();
}
