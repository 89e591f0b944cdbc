// The string forms of Podman's run/create flags (-v, --mount, --tmpfs, -p,
// --ulimit, --device, --userns, --uidmap, --add-host...) parsed into the
// structured pieces of a ContainerSpec, and back for display. Used by the
// CLI, by containers.conf values, and by the migration of stores written
// before the spec was structured. Errors keep Podman's wording, which names
// the flag: these functions parse what a user typed.
import { isIP } from 'node:net';
import { isAbsolute, normalize } from 'node:path';
import { invalidArgument } from '../common/errors.ts';
import type {
  RestartPolicySpec,
  DeviceSpec, ExposedPort, HostEntry, IdMapping, MountSpec, NetworkAttachSpec, PortSpec, UlimitSpec, UsernsMode, VolumesFromSpec,
} from './container.ts';
import { PASSTHROUGH, PROPAGATION, ULIMITS } from './validate.ts';
import type { DeviceRate } from '../runtime/spec/resources.ts';

function checkDest(dest: string, spec: string): string {
  if (!isAbsolute(dest)) throw invalidArgument(`invalid container path "${dest}" in "${spec}": must be an absolute path`);
  return normalize(dest);
}

function volumeOptions(opts: string[], spec: string): { options: string[]; chown: boolean } {
  const options: string[] = [];
  let chown = false;
  for (const o of opts) {
    if (o === 'U') chown = true;
    else if (o === 'z' || o === 'Z' || o === 'copy' || o === 'nocopy') continue; // no SELinux here; copy-up is the default
    else if (PASSTHROUGH.includes(o)) options.push(o);
    else throw invalidArgument(`invalid option "${o}" in volume "${spec}"`);
  }
  return { options, chown };
}

/** -v SRC:DEST[:OPTS] | -v DEST (anonymous). */
export function parseVolumeFlag(spec: string): MountSpec {
  const parts = spec.split(':');
  if (parts.length === 1) return { type: 'volume', destination: checkDest(parts[0], spec), options: [], anonymous: true };
  if (parts.length > 3 || !parts[0] || !parts[1]) throw invalidArgument(`invalid volume specification "${spec}": expected SRC:DEST[:OPTIONS]`);
  const [src, dest, opts = ''] = parts;
  const { options, chown } = volumeOptions(opts ? opts.split(',') : [], spec);
  const destination = checkDest(dest, spec);
  if (src.startsWith('/') || src.startsWith('.')) return { type: 'bind', source: normalize(src), destination, options, chown };
  return { type: 'volume', source: src, destination, options, chown };
}

/** --mount type=bind|volume|tmpfs|image,source=..,target=..,... */
export function parseMountFlag(spec: string): MountSpec {
  const kv = new Map<string, string>();
  for (const field of spec.split(',')) {
    if (!field) continue;
    const eq = field.indexOf('=');
    kv.set(eq < 0 ? field : field.slice(0, eq), eq < 0 ? 'true' : field.slice(eq + 1));
  }
  const type = kv.get('type');
  if (!type || !['bind', 'volume', 'tmpfs', 'image'].includes(type)) throw invalidArgument(`invalid --mount "${spec}": type must be bind, volume, tmpfs or image`);
  const target = kv.get('target') ?? kv.get('dst') ?? kv.get('destination');
  if (!target) throw invalidArgument(`invalid --mount "${spec}": target is required`);
  const source = kv.get('source') ?? kv.get('src');
  const options: string[] = [];
  let chown = false;
  let subpath: string | undefined;
  for (const [k, v] of kv) {
    switch (k) {
      case 'type': case 'target': case 'dst': case 'destination': case 'source': case 'src': case 'relabel': case 'z': case 'Z': break;
      case 'readonly': case 'ro': if (v !== 'false') options.push('ro'); break;
      case 'rw': if (type === 'image' && v !== 'false') options.push('rw'); else if (v === 'false') options.push('ro'); break;
      case 'bind-propagation': if (!PROPAGATION.includes(v)) throw invalidArgument(`invalid bind-propagation "${v}"`); options.push(v); break;
      case 'U': case 'chown': chown = v !== 'false'; break;
      case 'tmpfs-size': options.push(`size=${v}`); break;
      case 'tmpfs-mode': if (!/^[0-7]{3,4}$/.test(v)) throw invalidArgument(`invalid tmpfs-mode "${v}"`); options.push(`mode=${v}`); break;
      case 'nosuid': case 'nodev': case 'noexec': options.push(k); break;
      case 'subpath': subpath = v; break;
      default: throw invalidArgument(`invalid --mount "${spec}": unknown option "${k}"`);
    }
  }
  if ((type === 'bind' || type === 'image') && !source) throw invalidArgument(`invalid --mount "${spec}": source is required for type=${type}`);
  if (type === 'tmpfs' && source) throw invalidArgument(`invalid --mount "${spec}": tmpfs takes no source`);
  const m: MountSpec = { type: type as MountSpec['type'], destination: checkDest(target, spec), options };
  if (source) m.source = source;
  if (chown) m.chown = true;
  if (subpath !== undefined) m.subpath = subpath;
  if (type === 'volume' && !source) m.anonymous = true;
  return m;
}

/** --tmpfs DEST[:OPTS]. */
export function parseTmpfsFlag(spec: string): MountSpec {
  const i = spec.indexOf(':');
  const dest = i < 0 ? spec : spec.slice(0, i);
  const opts = i < 0 ? [] : spec.slice(i + 1).split(',').filter(Boolean);
  return { type: 'tmpfs', destination: checkDest(dest, spec), options: opts };
}

/** --volumes-from CONTAINER[:ro|rw]. */
export function parseVolumesFrom(s: string): VolumesFromSpec {
  const [container, mode] = s.split(':');
  if (!container || (mode !== undefined && mode !== 'ro' && mode !== 'rw')) throw invalidArgument(`invalid --volumes-from "${s}": mode must be ro or rw`);
  return mode ? { container, mode } : { container };
}

/** What `--network NAME:ip=…,ip6=…,mac=…,alias=…,interface_name=…` asks for on one bridge network. */
export type NetworkFlag = NetworkAttachSpec;

/** Modes that are not a network's name (Podman's namespace modes; ns:PATH is "path"). */
const NETWORK_MODES = ['container', 'ns', 'slirp4netns', 'pasta', 'host', 'none', 'private'];

/**
 * One --network value: a bridge network's name may carry Podman's
 * per-network options after a colon; other modes (container:, ns:,
 * slirp4netns:, pasta:) keep theirs.
 */
export function parseNetworkFlag(value: string): NetworkFlag {
  const colon = value.indexOf(':');
  const name = colon < 0 ? value : value.slice(0, colon);
  if (colon < 0 || NETWORK_MODES.includes(name)) return { network: value };
  if (!name) throw invalidArgument('network name cannot be empty');
  // Podman names the network, but not for its default one ("bridge:…").
  const wrap = (e: unknown) => (name === 'bridge' ? e : invalidArgument(`invalid option for network ${name}: ${(e as Error).message}`));
  try {
    return { network: name, ...parseBridgeOptions(value.slice(colon + 1)) };
  } catch (e) {
    throw wrap(e);
  }
}

function parseBridgeOptions(text: string): Omit<NetworkFlag, 'network'> {
  const out: Omit<NetworkFlag, 'network'> = {};
  for (const opt of text.split(',')) {
    const eq = opt.indexOf('=');
    const [k, v] = eq < 0 ? [opt, ''] : [opt.slice(0, eq), opt.slice(eq + 1)];
    switch (k) {
      case 'ip': case 'ip6': {
        const fam = isIP(v);
        if (!fam) throw invalidArgument(`invalid ip address "${v}"`);
        // Podman takes either family under either key; the address decides which subnet it lands in.
        const key = fam === 6 ? 'ip6' : 'ip';
        if (out[key]) throw invalidArgument(`only one static ${key === 'ip6' ? 'IPv6' : 'IPv4'} address per network is supported`);
        out[key] = v;
        break;
      }
      case 'mac':
        if (!/^[0-9a-fA-F]{2}([:-])[0-9a-fA-F]{2}(\1[0-9a-fA-F]{2}){4}$/.test(v)) throw invalidArgument(`address ${v}: invalid MAC address`);
        out.mac = v;
        break;
      case 'alias':
        if (!v) throw invalidArgument('alias cannot be empty');
        (out.aliases ??= []).push(v);
        break;
      case 'interface_name':
        if (!v) throw invalidArgument('interface_name cannot be empty');
        out.interfaceName = v;
        break;
      default:
        throw invalidArgument(`unknown bridge network option: ${k}`);
    }
  }
  return out;
}

/**
 * Every --network value, as Podman's ParseNetworkFlag reads them: the first
 * sets the mode; a first value without options may be a comma list of
 * networks (`--network a,b`); further values add bridge networks and need
 * the first to be bridge or a network. A network named twice keeps its
 * place and takes the later options.
 */
export function parseNetworkFlags(values: string[]): { first?: NetworkFlag; extra: NetworkFlag[] } {
  if (!values.length) return { extra: [] };
  const [head, ...rest] = values;
  const nets: NetworkFlag[] = [];
  const first = parseNetworkFlag(head);
  const isMode = head.indexOf(':') < 0 ? NETWORK_MODES.includes(head) : NETWORK_MODES.includes(head.slice(0, head.indexOf(':')));
  if (!isMode && head.indexOf(':') < 0 && head.includes(',')) {
    for (const n of head.split(',')) nets.push({ network: n });
  } else nets.push(first);
  if (rest.length) {
    if (isMode) throw invalidArgument(`cannot set multiple networks without bridge network mode, selected mode ${networkModeName(head)}: invalid argument`);
    for (const v of rest) {
      const name = v.split(':')[0];
      if (!name) throw invalidArgument('network name cannot be empty: invalid argument');
      if (['bridge', 'slirp4netns', 'pasta', 'pod', 'none', 'default', 'private', 'path', 'ns', 'container', 'host'].includes(name)) {
        throw invalidArgument(`can only set extra network names, selected mode ${name} conflicts with bridge: invalid argument`);
      }
      nets.push(parseNetworkFlag(v));
    }
  }
  const merged: NetworkFlag[] = [];
  for (const n of nets) {
    const at = merged.findIndex((m) => m.network === n.network);
    if (at < 0) merged.push(n);
    else merged[at] = n;
  }
  return { first: merged[0], extra: merged.slice(1) };
}

/** Podman's name of a namespace mode in its messages (ns:PATH is "path"). */
export function networkModeName(mode: string): string {
  const word = mode.split(':')[0];
  return word === 'ns' ? 'path' : word;
}

/**
 * -p [[ip:]hostPort:]containerPort[/proto], with ranges (8080-8081:80-81).
 * A missing host port is 0: the engine picks a free one at create.
 */
export function parsePublish(spec: string): PortSpec {
  const bad = (why: string) => invalidArgument(`invalid port format "${spec}": ${why}`);
  let rest = spec;
  let proto = 'tcp';
  const slash = rest.lastIndexOf('/');
  if (slash >= 0) {
    proto = rest.slice(slash + 1);
    rest = rest.slice(0, slash);
    if (!['tcp', 'udp', 'sctp'].includes(proto)) throw bad(`unknown protocol "${proto}"`);
  }
  let ip = '';
  if (rest.startsWith('[')) {
    const end = rest.indexOf(']:');
    if (end < 0) throw bad('unterminated [IPv6 address]');
    ip = rest.slice(1, end);
    rest = rest.slice(end + 2);
  }
  const parts = rest.split(':');
  if (parts.length > 3 || (ip && parts.length > 2)) throw bad('expected [[ip:]hostPort:]containerPort[/protocol]');
  if (parts.length === 3) ip = parts.shift()!;
  const [hostPart, containerPart] = parts.length === 2 ? parts : ['', parts[0]];
  const range = (r: string, what: string): [number, number] => {
    const m = /^(\d+)(?:-(\d+))?$/.exec(r);
    if (!m) throw bad(`invalid ${what} port "${r}"`);
    const a = Number(m[1]);
    const b = m[2] ? Number(m[2]) : a;
    if (b < a || b > 65535 || (what === 'container' && a < 1)) throw bad(`invalid ${what} port "${r}"`);
    return [a, b];
  };
  const [c0, c1] = range(containerPart, 'container');
  const count = c1 - c0 + 1;
  let host = 0;
  if (hostPart) {
    const [h0, h1] = range(hostPart, 'host');
    if (h1 - h0 + 1 !== count && h0 !== h1) throw bad('host and container port ranges differ');
    host = h0;
  }
  if (ip && ip !== '0.0.0.0' && !/^[0-9.]+$|:/.test(ip)) throw bad(`invalid IP address "${ip}"`);
  if (host === 0 && count !== 1) throw bad('a random host port cannot be used with a range');
  const p: PortSpec = { containerPort: c0, hostPort: host, protocol: proto as PortSpec['protocol'], range: count };
  if (ip && ip !== '0.0.0.0') p.hostIp = ip;
  return p;
}

/** A port in -p form, for messages: [ip:]host:container[-end]/proto. */
export function formatPortSpec(p: PortSpec): string {
  const n = p.range ?? 1;
  const span = (a: number) => (n > 1 ? `${a}-${a + n - 1}` : `${a}`);
  const ip = p.hostIp ? (p.hostIp.includes(':') ? `[${p.hostIp}]:` : `${p.hostIp}:`) : '';
  const host = p.hostPort ? `${span(p.hostPort)}:` : ip ? ':' : '';
  return `${ip}${host}${span(p.containerPort)}/${p.protocol ?? 'tcp'}`;
}

/** --ulimit NAME=SOFT[:HARD] (also containers.conf's default_ulimits). */
export function parseUlimit(s: string): UlimitSpec {
  const m = /^([a-z]+)=(-?\d+)(?::(-?\d+))?$/.exec(s.trim());
  if (!m || !(m[1] in ULIMITS)) throw invalidArgument(`invalid ulimit "${s}": expected NAME=SOFT[:HARD]`);
  // Any negative value means unlimited: kept as -1, written as RLIM_INFINITY by serializeSpec.
  const conv = (v: string) => (Number(v) < 0 ? -1 : Number(v));
  const soft = conv(m[2]);
  const hard = m[3] !== undefined ? conv(m[3]) : soft;
  if (hard !== -1 && (soft === -1 || soft > hard)) throw invalidArgument(`invalid ulimit "${s}": soft limit exceeds hard limit`);
  return { name: m[1], soft, hard };
}

/** A ulimit in --ulimit form: NAME=SOFT, or NAME=SOFT:HARD when they differ. */
export function formatUlimit(u: UlimitSpec): string {
  return u.soft === u.hard ? `${u.name}=${u.soft}` : `${u.name}=${u.soft}:${u.hard}`;
}

/** --device HOST[:CONTAINER][:PERMS]; whether HOST is a device is checked by the engine. */
export function parseDevice(spec: string): DeviceSpec {
  const parts = spec.split(':');
  const host = parts[0];
  let target = host;
  let perms = 'rwm';
  if (parts.length === 2) {
    if (/^[rwm]+$/.test(parts[1])) perms = parts[1];
    else target = parts[1];
  } else if (parts.length === 3) {
    target = parts[1];
    perms = parts[2];
  } else if (parts.length > 3) throw invalidArgument(`invalid device specification "${spec}"`);
  if (!/^[rwm]+$/.test(perms)) throw invalidArgument(`invalid device permissions "${perms}" in "${spec}": must be a combination of r, w and m`);
  if (!host.startsWith('/') || !target.startsWith('/')) throw invalidArgument(`invalid device "${spec}": paths must be absolute`);
  const d: DeviceSpec = { path: host };
  if (target !== host) d.containerPath = target;
  if (perms !== 'rwm') d.permissions = perms;
  return d;
}

/** --userns values: "", host, keep-id[:uid=N,gid=N], auto[:size=N]. */
export function parseUserns(s: string): UsernsMode {
  const [mode, opts = ''] = s.split(/:(.*)/s);
  const kv = new Map<string, number>();
  for (const o of opts ? opts.split(',') : []) {
    const m = /^(uid|gid|size)=(\d+)$/.exec(o);
    if (!m) throw invalidArgument(`invalid --userns option "${o}" in "${s}"`);
    kv.set(m[1]!, Number(m[2]));
  }
  const only = (...keys: string[]) => { for (const k of kv.keys()) if (!keys.includes(k)) throw invalidArgument(`--userns=${mode} does not take "${k}"`); };
  switch (mode) {
    case '': case 'host':
      only();
      return { mode: 'host' };
    case 'keep-id':
      only('uid', 'gid');
      return { mode: 'keep-id', uid: kv.get('uid'), gid: kv.get('gid') };
    case 'auto':
      only('size');
      if (kv.get('size') === 0) throw invalidArgument('--userns=auto size must be positive');
      return { mode: 'auto', size: kv.get('size') };
    default:
      throw invalidArgument(`invalid --userns "${s}": must be host, keep-id[:uid=N,gid=N] or auto[:size=N]`);
  }
}

/** --uidmap/--gidmap CONTAINER_ID:HOST_ID:SIZE. */
export function parseIdMapping(s: string): IdMapping {
  const m = /^(\d+):(\d+):(\d+)$/.exec(s.trim());
  if (!m || Number(m[3]) === 0) throw invalidArgument(`invalid ID mapping "${s}": expected CONTAINER_ID:HOST_ID:SIZE with SIZE > 0`);
  return { containerID: Number(m[1]), hostID: Number(m[2]), size: Number(m[3]) };
}

/** --add-host HOST:IP (the IP may be IPv6, so the first colon splits). */
export function parseAddHost(s: string): HostEntry {
  const i = s.indexOf(':');
  if (i <= 0 || /\s/.test(s) || !/^[0-9a-fA-F.:]+$/.test(s.slice(i + 1))) throw invalidArgument(`invalid --add-host "${s}": expected HOST:IP`);
  return { host: s.slice(0, i), ip: s.slice(i + 1) };
}

/** "64m", "1g", "512k", "100" (bytes) → bytes. */
export function parseBytes(v: string, flag: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([bkmg]?)b?$/i.exec(v.trim());
  if (!m) throw invalidArgument(`invalid size "${v}" for --${flag}: expected a number with an optional unit (b, k, m, g)`);
  const mult: Record<string, number> = { '': 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 };
  return Math.round(Number(m[1]) * mult[m[2].toLowerCase()]);
}

/** go-units RAMInBytes: a number with an optional binary unit (k, m, g, t, p; "b", "ib" suffixes allowed), or undefined. */
function ramInBytes(v: string): number | undefined {
  const m = /^(\d+(?:\.\d+)*) ?([kKmMgGtTpP])?[iI]?[bB]?$/.exec(v);
  if (!m) return undefined;
  return Math.floor(Number(m[1]) * 1024 ** ' kmgtp'.indexOf((m[2] ?? ' ').toLowerCase()));
}

/** PATH:VALUE of the blkio flags, with Podman's checks on the path (specgenutil). */
function devicePair(val: string): [string, string] {
  const i = val.indexOf(':');
  if (i < 0) throw invalidArgument(`bad format: ${val}`);
  const path = val.slice(0, i);
  if (!path.startsWith('/dev/')) throw invalidArgument(`bad format for device path: ${val}`);
  return [path, val.slice(i + 1)];
}

/** --device-read-bps/--device-write-bps PATH:RATE[kb|mb|gb] (Podman's parseThrottleBPSDevices). */
export function parseDeviceBps(val: string): DeviceRate {
  const [path, v] = devicePair(val);
  const rate = ramInBytes(v);
  if (rate === undefined) throw invalidArgument(`invalid rate for device: ${val}. The correct format is <device-path>:<number>[<unit>]. Number must be a positive integer. Unit is optional and can be kb, mb, or gb`);
  return { path, rate };
}

/** --device-read-iops/--device-write-iops PATH:N (Podman's parseThrottleIOPsDevices). */
export function parseDeviceIops(val: string): DeviceRate {
  const [path, v] = devicePair(val);
  if (!/^\d+$/.test(v)) throw invalidArgument(`invalid rate for device: ${val}. The correct format is <device-path>:<number>. Number must be a positive integer`);
  return { path, rate: Number(v) };
}

/** --blkio-weight-device PATH:WEIGHT, weight 10-1000 or 0 (Podman's parseWeightDevices). */
export function parseWeightDevice(val: string): { path: string; weight: number } {
  const [path, v] = devicePair(val);
  const weight = /^\d+$/.test(v) ? Number(v) : NaN;
  if (Number.isNaN(weight) || (weight > 0 && (weight < 10 || weight > 1000))) throw invalidArgument(`invalid weight for device: ${val}`);
  return { path, weight };
}

/**
 * --restart=no|never|always|on-failure[:N]|unless-stopped, with Podman's
 * messages (specgenutil.ParseRestartPolicy, then libpod's name check).
 */
export function parseRestartPolicy(s: string): RestartPolicySpec {
  const parts = s.split(':');
  if (parts.length > 2) throw invalidArgument('invalid restart policy: may specify retries at most once');
  const name = parts[0] === 'never' ? 'no' : parts[0];
  let maximumRetryCount: number | undefined;
  if (parts.length === 2) {
    if (name.toLowerCase() !== 'on-failure') throw invalidArgument('restart policy retries can only be specified with on-failure restart policy');
    if (!/^[-+]?\d+$/.test(parts[1])) throw invalidArgument(`parsing restart policy retry count: strconv.Atoi: parsing "${parts[1]}": invalid syntax`);
    maximumRetryCount = Number(parts[1]);
    if (maximumRetryCount < 0) throw invalidArgument('must specify restart policy retry count as a number greater than 0');
  }
  if (!['', 'no', 'always', 'on-failure', 'unless-stopped'].includes(name)) throw invalidArgument(`"${name}" is not a valid restart policy`);
  return { name: (name || 'no') as RestartPolicySpec['name'], ...(maximumRetryCount !== undefined ? { maximumRetryCount } : {}) };
}

/**
 * --expose PORT[-END][/PROTO] (one value, commas already split): every port
 * of the range, with Podman's messages (nat.ParsePortRange, then its own checks).
 */
export function parseExpose(spec: string): ExposedPort[] {
  const slash = spec.indexOf('/');
  const range = slash < 0 ? spec : spec.slice(0, slash);
  const proto = slash < 0 ? 'tcp' : spec.slice(slash + 1).toLowerCase() || 'tcp';
  const uint16 = (v: string): number => {
    if (!/^\d+$/.test(v)) throw invalidArgument(`invalid range format for --expose: ${spec}: strconv.ParseUint: parsing "${v}": invalid syntax`);
    if (Number(v) > 65535) throw invalidArgument(`invalid range format for --expose: ${spec}: strconv.ParseUint: parsing "${v}": value out of range`);
    return Number(v);
  };
  if (!range) throw invalidArgument(`invalid range format for --expose: ${spec}: Empty string specified for ports.`);
  const dash = range.indexOf('-');
  const start = uint16(dash < 0 ? range : range.slice(0, dash));
  const end = dash < 0 ? start : uint16(range.slice(dash + 1));
  if (end < start) throw invalidArgument(`invalid range format for --expose: ${spec}: Invalid range specified for the Port: ${range}`);
  if (start < 1) throw invalidArgument(`port numbers must be between 1 and 65535 (inclusive), got ${start}`);
  if (!['tcp', 'udp', 'sctp'].includes(proto)) throw invalidArgument(`validating protocols for exposed port ${start}: unrecognized protocol "${proto}" in port mapping`);
  const out: ExposedPort[] = [];
  for (let p = start; p <= end; p++) out.push({ port: p, protocol: proto as ExposedPort['protocol'] });
  return out;
}
