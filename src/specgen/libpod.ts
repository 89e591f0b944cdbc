// ContainerSpec <-> Podman's SpecGenerator JSON (pkg/specgen/specgen.go's
// json tags): what `podman generate spec` prints and what the libpod API's
// `POST /libpod/containers/create` takes. Both directions are read off one
// table, one entry per concern, so they cannot drift: `husk generate spec`
// writes with toSpecGenerator, the REST API reads with fromSpecGenerator,
// and a spec survives the round trip.
//
// ContainerSpec fields SpecGenerator has no key for, left out: pidFile and
// preserveFds (Podman's are `json:"-"`, not for remote clients), pull (a
// create option, not part of the spec), sdNotifySocket (the creator's
// NOTIFY_SOCKET, which only a local create has).
import { invalidArgument } from '../common/errors.ts';
import type { ContainerSpec, HealthcheckSpec, IdMapping, MountSpec, NetworkAttachSpec, PortSpec, SecretSpec, UsernsMode } from './container.ts';
import { parseDeviceCgroupRule, ULIMITS } from './validate.ts';
import { SIGNALS } from './signals.ts';
import { cpuOf } from '../runtime/spec/resources.ts';

/* eslint-disable @typescript-eslint/no-explicit-any */
export type Json = Record<string, any>;

/** The JSON type of a key (the REST API checks bodies against it first: src/api/shape.ts's Kind). */
export type KeyKind = 'string' | 'strings' | 'number' | 'bool' | 'object' | 'stringMap' | 'objects' | 'objectMap';

/** One concern: the SpecGenerator keys it owns, and how each direction fills them (T: ContainerSpec, or PodSpec in ./libpod-pod.ts). */
export interface Field<T = ContainerSpec> {
  keys: Record<string, KeyKind>;
  to(c: T, out: Json): void;
  from(s: Json, c: T): void;
}

const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const nonEmpty = (v: unknown) => (Array.isArray(v) ? v.length > 0 : isObj(v) ? Object.keys(v).length > 0 : v !== undefined && v !== '');
const strs = (v: unknown): string[] | undefined => (Array.isArray(v) && v.length ? v.map(String) : undefined);
const strMap = (v: unknown): Record<string, string> | undefined =>
  isObj(v) && Object.keys(v).length ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, String(x)])) : undefined;

/** A field under another name, with Go's omitempty (but a bool that was set stays: Podman's are *bool). */
export function same<T = ContainerSpec>(ours: keyof T, theirs: string, kind: 'string' | 'strings' | 'number' | 'bool' | 'stringMap', o: { keepEmpty?: boolean } = {}): Field<T> {
  return {
    keys: { [theirs]: kind },
    to: (c, out) => {
      const v = c[ours];
      if (v !== undefined && (kind === 'bool' || kind === 'number' || o.keepEmpty || nonEmpty(v))) out[theirs] = v;
    },
    from: (s, c) => {
      const v = s[theirs];
      const val = kind === 'strings' ? (o.keepEmpty && Array.isArray(v) ? v.map(String) : strs(v))
        : kind === 'stringMap' ? strMap(v)
          : kind === 'string' ? (typeof v === 'string' && v ? v : undefined)
            : kind === 'number' ? (typeof v === 'number' ? v : undefined)
              : typeof v === 'boolean' ? v : undefined;
      if (val !== undefined) (c as Json)[ours as string] = val;
    },
  };
}

/** A namespace mode as Podman's Namespace {nsmode, value}: container:X, ns:PATH (Podman's "path"), or a bare mode. */
export function nsToLibpod(mode: string | undefined): Json {
  if (!mode) return {};
  const colon = mode.indexOf(':');
  if (colon < 0) return { nsmode: mode };
  const [word, value] = [mode.slice(0, colon), mode.slice(colon + 1)];
  return { nsmode: word === 'ns' ? 'path' : word, value };
}

export function nsFromLibpod(ns: unknown): string | undefined {
  if (!isObj(ns) || typeof ns.nsmode !== 'string' || !ns.nsmode || ns.nsmode === 'default' || ns.nsmode === 'pod') return undefined;
  const value = typeof ns.value === 'string' && ns.value ? ns.value : undefined;
  const word = ns.nsmode === 'path' ? 'ns' : ns.nsmode;
  return value ? `${word}:${value}` : word;
}

/** Podman's Namespace fields are structs without omitempty: always written, {} when unset. */
const namespace = (ours: 'pidMode' | 'ipcMode' | 'utsMode' | 'cgroupns', theirs: string): Field => ({
  keys: { [theirs]: 'object' },
  to: (c, out) => { out[theirs] = nsToLibpod(c[ours]); },
  from: (s, c) => {
    const m = nsFromLibpod(s[theirs]);
    if (m) (c as Json)[ours] = m;
  },
});

function usernsToLibpod(u: UsernsMode | undefined): Json {
  if (!u) return {};
  if (u.mode === 'keep-id') {
    const v = [u.uid !== undefined ? `uid=${u.uid}` : '', u.gid !== undefined ? `gid=${u.gid}` : ''].filter(Boolean).join(',');
    return v ? { nsmode: u.mode, value: v } : { nsmode: u.mode };
  }
  if (u.mode === 'auto' && u.size !== undefined) return { nsmode: 'auto', value: `size=${u.size}` };
  return { nsmode: u.mode };
}

function usernsFromLibpod(ns: unknown): UsernsMode | undefined {
  // private and default: the engine's default, as an unset mode.
  if (!isObj(ns) || !ns.nsmode || ns.nsmode === 'private' || ns.nsmode === 'default') return undefined;
  const kv = new Map(String(ns.value ?? '').split(',').filter(Boolean).map((o) => o.split('=') as [string, string]));
  const num = (k: string) => (kv.has(k) ? Number(kv.get(k)) : undefined);
  if (ns.nsmode === 'keep-id') return { mode: 'keep-id', ...(num('uid') !== undefined ? { uid: num('uid') } : {}), ...(num('gid') !== undefined ? { gid: num('gid') } : {}) };
  if (ns.nsmode === 'auto') return num('size') !== undefined ? { mode: 'auto', size: num('size') } : { mode: 'auto' };
  if (ns.nsmode === 'host') return { mode: 'host' };
  throw invalidArgument(`user namespace mode ${ns.nsmode}: not supported`);
}

const idmapTo = (m: IdMapping) => ({ container_id: m.containerID, host_id: m.hostID, size: m.size });
const idmapFrom = (m: Json): IdMapping => ({ containerID: Number(m.container_id), hostID: Number(m.host_id), size: Number(m.size) });

/** A bridge network's options as Podman's PerNetworkOptions. */
export function perNetworkToLibpod(n: Omit<NetworkAttachSpec, 'network'>): Json {
  const ips = [n.ip, n.ip6].filter((x): x is string => !!x);
  return {
    ...(ips.length ? { static_ips: ips } : {}), ...(n.aliases?.length ? { aliases: n.aliases } : {}),
    ...(n.mac ? { static_mac: n.mac } : {}), ...(n.interfaceName ? { interface_name: n.interfaceName } : {}),
  };
}

export function perNetworkFromLibpod(name: string, per: Json | null | undefined): NetworkAttachSpec {
  const p = per ?? {};
  const ips = (Array.isArray(p.static_ips) ? p.static_ips : []).map(String);
  const a: NetworkAttachSpec = {
    network: name, ip: ips.find((x) => !x.includes(':')), ip6: ips.find((x) => x.includes(':')), mac: p.static_mac || undefined,
    aliases: strs(p.aliases), interfaceName: p.interface_name || undefined,
  };
  for (const k of Object.keys(a) as (keyof NetworkAttachSpec)[]) if (a[k] === undefined) delete a[k];
  return a;
}

/** The network settings a container (or a pod's infra container) has, in ContainerSpec's words. */
export type NetSettings = Pick<ContainerSpec, 'network' | 'networkAliases' | 'ip' | 'ip6' | 'mac' | 'interfaceName' | 'extraNetworks'>;

/**
 * Network settings as netns (always written), Networks (bridge networks in
 * order, the first with the spec's own ip/mac/aliases) and network_options
 * (slirp4netns:/pasta: options).
 */
export function netToLibpod(n: NetSettings, out: Json): void {
  const mode = n.network;
  const word = mode?.split(':')[0];
  if (!mode || ['none', 'host', 'private', 'container', 'ns'].includes(word!)) {
    out.netns = nsToLibpod(mode);
  } else if (word === 'slirp4netns' || word === 'pasta') {
    out.netns = { nsmode: word };
    if (mode.length > word.length + 1) out.network_options = { [word]: mode.slice(word.length + 1).split(',') };
  } else {
    out.netns = { nsmode: 'bridge' };
    out.Networks = {
      [mode]: perNetworkToLibpod({ ip: n.ip, ip6: n.ip6, mac: n.mac, aliases: n.networkAliases, interfaceName: n.interfaceName }),
      ...Object.fromEntries((n.extraNetworks ?? []).map((x) => [x.network, perNetworkToLibpod(x)])),
    };
  }
}

export function netFromLibpod(s: Json): NetSettings {
  const nsmode = isObj(s.netns) && typeof s.netns.nsmode === 'string' ? s.netns.nsmode : '';
  // Podman 4+ spells the map "Networks" (no json tag); older clients "networks".
  const nets = (isObj(s.Networks) ? s.Networks : isObj(s.networks) ? s.networks : {}) as Record<string, Json>;
  const names = Object.keys(nets);
  if (nsmode === 'slirp4netns' || nsmode === 'pasta') {
    const opts = isObj(s.network_options) ? strs(s.network_options[nsmode]) : undefined;
    return { network: opts ? `${nsmode}:${opts.join(',')}` : nsmode };
  }
  if (nsmode && nsmode !== 'bridge' && nsmode !== 'default') return { network: nsFromLibpod(s.netns) };
  if (!names.length) return { network: nsmode === 'bridge' ? 'bridge' : undefined };
  const [first, ...extra] = names.map((n) => perNetworkFromLibpod(n, nets[n]));
  return {
    network: first.network, networkAliases: first.aliases, ip: first.ip, ip6: first.ip6, mac: first.mac, interfaceName: first.interfaceName,
    extraNetworks: extra.length ? extra : undefined,
  };
}

/** Podman's PortMapping (libnetwork/types): every key written, as it has no omitempty. */
export const portToLibpod = (p: PortSpec): Json => ({
  host_ip: p.hostIp ?? '', container_port: p.containerPort, host_port: p.hostPort ?? 0, range: p.range ?? 1, protocol: p.protocol ?? 'tcp',
});

export function portFromLibpod(p: Json): PortSpec {
  if (!isObj(p) || typeof p.container_port !== 'number') throw invalidArgument('portmappings: container_port is required');
  return { containerPort: p.container_port, hostPort: p.host_port || undefined, hostIp: p.host_ip || undefined, protocol: p.protocol || 'tcp', ...(p.range > 1 ? { range: p.range } : {}) } as PortSpec;
}

/** A signal as Podman's syscall.Signal (a number), and back as SIGNAME. */
function signalNumber(s: string): number {
  const t = s.toUpperCase().replace(/^SIG/, '');
  if (/^\d+$/.test(t)) return Number(t);
  const rt = /^RTMIN(?:\+(\d+))?$/.exec(t);
  return rt ? 34 + Number(rt[1] ?? 0) : SIGNALS[t] ?? 15;
}
function signalName(n: number): string {
  const name = Object.keys(SIGNALS).find((k) => SIGNALS[k] === n);
  return name ? `SIG${name}` : n >= 34 && n <= 64 ? (n === 34 ? 'SIGRTMIN' : `SIGRTMIN+${n - 34}`) : String(n);
}

const ON_FAILURE = ['none', 'invalid', 'kill', 'restart', 'stop'] as const; // define.HealthCheckOnFailureAction's numbers

/** Durations and counts of Docker's HealthConfig as Podman's manifest.Schema2HealthConfig (Go field names, ns). */
function healthTo(h: { test: string[]; interval?: number; timeout?: number; startPeriod?: number; retries?: number }): Json {
  return {
    ...(h.test.length ? { Test: h.test } : {}), ...(h.interval ? { Interval: h.interval } : {}), ...(h.timeout ? { Timeout: h.timeout } : {}),
    ...(h.startPeriod ? { StartPeriod: h.startPeriod } : {}), ...(h.retries ? { Retries: h.retries } : {}),
  };
}
function healthFrom(h: Json): HealthcheckSpec {
  const n = (v: unknown) => (typeof v === 'number' && v ? v : undefined);
  const out: HealthcheckSpec = { test: Array.isArray(h.Test) ? h.Test.map(String) : [], interval: n(h.Interval), timeout: n(h.Timeout), startPeriod: n(h.StartPeriod), retries: n(h.Retries) };
  for (const k of Object.keys(out) as (keyof HealthcheckSpec)[]) if (out[k] === undefined) delete out[k];
  return out;
}

/**
 * ResourceLimits and pidsLimit as the OCI LinuxResources Podman keeps
 * (--cpus is quota/period: read back as cpus when the period is the
 * default 100000, else as cpuPeriod/cpuQuota); the blkio device limits as
 * Podman's maps by path beside it (its major/minor are filled in at create),
 * --cgroup-conf as `unified`.
 */
const DEVICE_MAPS = [['deviceReadBps', 'throttleReadBpsDevice'], ['deviceWriteBps', 'throttleWriteBpsDevice'],
  ['deviceReadIops', 'throttleReadIOPSDevice'], ['deviceWriteIops', 'throttleWriteIOPSDevice']] as const;
const RESOURCES: Field = {
  keys: { resource_limits: 'object', weightDevice: 'object', throttleReadBpsDevice: 'object', throttleWriteBpsDevice: 'object',
    throttleReadIOPSDevice: 'object', throttleWriteIOPSDevice: 'object', unified: 'stringMap' },
  to: (c, out) => {
    const memory = {
      ...(c.memory ? { limit: c.memory } : {}), ...(c.memoryReservation ? { reservation: c.memoryReservation } : {}), ...(c.memorySwap ? { swap: c.memorySwap } : {}),
      ...(c.memorySwappiness !== undefined ? { swappiness: c.memorySwappiness } : {}), ...(c.oomKillDisable ? { disableOOMKiller: true } : {}),
    };
    const cpu = cpuOf(c) ?? {};
    const r: Json = {
      ...(nonEmpty(memory) ? { memory } : {}), ...(nonEmpty(cpu) ? { cpu } : {}), ...(c.pidsLimit !== undefined ? { pids: { limit: c.pidsLimit } } : {}),
      ...(c.blkioWeight ? { blockIO: { weight: c.blkioWeight } } : {}),
    };
    if (nonEmpty(r)) out.resource_limits = r;
    if (c.blkioWeightDevice?.length) out.weightDevice = Object.fromEntries(c.blkioWeightDevice.map((d) => [d.path, { major: 0, minor: 0, weight: d.weight }]));
    for (const [ours, theirs] of DEVICE_MAPS) {
      const l = c[ours];
      if (l?.length) out[theirs] = Object.fromEntries(l.map((d) => [d.path, { major: 0, minor: 0, rate: d.rate }]));
    }
    if (c.cgroupConf && nonEmpty(c.cgroupConf)) out.unified = { ...c.cgroupConf };
  },
  from: (s, c) => {
    const r = isObj(s.resource_limits) ? s.resource_limits : {};
    const m = isObj(r.memory) ? r.memory : {};
    const cpu = isObj(r.cpu) ? r.cpu : {};
    const num = (v: unknown) => (typeof v === 'number' && v ? v : undefined);
    const asCpus = num(cpu.quota) && cpu.period === 100_000;
    Object.assign(c, {
      memory: num(m.limit), memoryReservation: num(m.reservation), memorySwap: num(m.swap), cpuShares: num(cpu.shares),
      cpus: asCpus ? cpu.quota / cpu.period : undefined, cpusetCpus: cpu.cpus || undefined, cpusetMems: cpu.mems || undefined,
      cpuPeriod: asCpus ? undefined : num(cpu.period), cpuQuota: asCpus ? undefined : num(cpu.quota),
      cpuRtPeriod: num(cpu.realtimePeriod), cpuRtRuntime: num(cpu.realtimeRuntime),
      memorySwappiness: typeof m.swappiness === 'number' ? m.swappiness : undefined, oomKillDisable: m.disableOOMKiller === true || undefined,
      blkioWeight: isObj(r.blockIO) ? num(r.blockIO.weight) : undefined,
      pidsLimit: isObj(r.pids) && typeof r.pids.limit === 'number' ? r.pids.limit : undefined,
    });
    const byPath = (v: unknown, key: 'rate' | 'weight') => isObj(v) && Object.keys(v).length
      ? Object.entries(v).map(([path, d]) => ({ path, [key]: isObj(d) && typeof d[key] === 'number' ? d[key] : NaN }))
      : undefined;
    c.blkioWeightDevice = byPath(s.weightDevice, 'weight') as ContainerSpec['blkioWeightDevice'];
    for (const [ours, theirs] of DEVICE_MAPS) c[ours] = byPath(s[theirs], 'rate') as ContainerSpec['deviceReadBps'];
    c.cgroupConf = strMap(s.unified);
    for (const k of Object.keys(c) as (keyof ContainerSpec)[]) if (c[k] === undefined) delete c[k];
  },
};

/** bind and tmpfs as OCI mounts, volumes as NamedVolume, image mounts as ImageVolume; chown is Podman's "U" option. */
const MOUNTS: Field = {
  keys: { mounts: 'objects', volumes: 'objects', image_volumes: 'objects' },
  to: (c, out) => {
    const opts = (m: MountSpec) => (m.chown ? [...m.options, 'U'] : m.options);
    const mounts = (c.mounts ?? []).filter((m) => m.type === 'bind' || m.type === 'tmpfs')
      .map((m) => ({ destination: m.destination, type: m.type, ...(m.source ? { source: m.source } : {}), ...(opts(m).length ? { options: opts(m) } : {}) }));
    const volumes = (c.mounts ?? []).filter((m) => m.type === 'volume').map((m) => ({
      Name: m.source ?? '', Dest: m.destination, Options: opts(m), IsAnonymous: !!m.anonymous, SubPath: m.subpath ?? '',
    }));
    const images = (c.mounts ?? []).filter((m) => m.type === 'image').map((m) => ({ Source: m.source, Destination: m.destination, ReadWrite: m.options.includes('rw') }));
    if (mounts.length) out.mounts = mounts;
    if (volumes.length) out.volumes = volumes;
    if (images.length) out.image_volumes = images;
  },
  from: (s, c) => {
    const list: MountSpec[] = [];
    const withChown = (m: MountSpec): MountSpec => (m.options.includes('U') ? { ...m, options: m.options.filter((o) => o !== 'U'), chown: true } : m);
    for (const m of (Array.isArray(s.mounts) ? s.mounts : []) as Json[]) {
      if (!isObj(m) || (m.type !== 'bind' && m.type !== 'tmpfs' && m.type !== 'volume') || typeof m.destination !== 'string') throw invalidArgument(`mount of type ${m?.type}: not supported`);
      list.push(withChown({ type: m.type, ...(m.source ? { source: String(m.source) } : {}), destination: m.destination, options: strs(m.options) ?? [] }));
    }
    for (const v of (Array.isArray(s.volumes) ? s.volumes : []) as Json[]) {
      if (!isObj(v) || typeof v.Dest !== 'string') throw invalidArgument('volumes: Dest is required');
      list.push(withChown({
        type: 'volume', ...(v.Name ? { source: String(v.Name) } : {}), destination: v.Dest, options: strs(v.Options) ?? [],
        ...(!v.Name || v.IsAnonymous ? { anonymous: true } : {}), ...(v.SubPath ? { subpath: String(v.SubPath) } : {}),
      }));
    }
    for (const v of (Array.isArray(s.image_volumes) ? s.image_volumes : []) as Json[]) {
      if (!isObj(v) || typeof v.Destination !== 'string' || !v.Source) throw invalidArgument('image_volumes: Source and Destination are required');
      list.push({ type: 'image', source: String(v.Source), destination: v.Destination, options: v.ReadWrite ? ['rw'] : [] });
    }
    if (list.length) c.mounts = list;
  },
};

/** Mount secrets as Podman's Secret {Source, Target, UID, GID, Mode}, env ones as secret_env {VARIABLE: secret}. */
const SECRETS: Field = {
  keys: { secrets: 'objects', secret_env: 'stringMap' },
  to: (c, out) => {
    const files = (c.secrets ?? []).filter((x) => x.type !== 'env');
    const env = (c.secrets ?? []).filter((x) => x.type === 'env');
    if (files.length) out.secrets = files.map((x) => ({ Source: x.source, Target: x.target ?? '', UID: x.uid ?? 0, GID: x.gid ?? 0, Mode: x.mode ?? 0o444 }));
    if (env.length) out.secret_env = Object.fromEntries(env.map((x) => [x.target ?? x.source, x.source]));
  },
  from: (s, c) => {
    const list: SecretSpec[] = [
      ...((Array.isArray(s.secrets) ? s.secrets : []) as Json[]).map((x) => ({
        source: String(x.Source ?? ''), ...(x.Target ? { target: String(x.Target) } : {}),
        ...(x.UID ? { uid: Number(x.UID) } : {}), ...(x.GID ? { gid: Number(x.GID) } : {}), ...(x.Mode !== undefined && x.Mode !== 0o444 ? { mode: Number(x.Mode) } : {}),
      })),
      ...Object.entries(strMap(s.secret_env) ?? {}).map(([target, source]) => ({ source, type: 'env' as const, target })),
    ];
    if (list.length) c.secrets = list;
  },
};

/**
 * The mapping, by concern (the order is the JSON's). Everything a
 * ContainerSpec holds is here but for the fields named at the top.
 */
export const CONTAINER_FIELDS: Field[] = [
  // ContainerBasicConfig
  same('name', 'name', 'string'), same('pod', 'pod', 'string'),
  same('entrypoint', 'entrypoint', 'strings', { keepEmpty: true }), // [] clears the image's: not "unset"
  same('command', 'command', 'strings'), same('env', 'env', 'stringMap'), same('tty', 'terminal', 'bool'), same('interactive', 'stdin', 'bool'),
  same('labels', 'labels', 'stringMap'), same('annotations', 'annotations', 'stringMap'),
  {
    keys: { stop_signal: 'number' },
    to: (c, out) => { if (c.stopSignal) out.stop_signal = signalNumber(c.stopSignal); },
    from: (s, c) => { if (typeof s.stop_signal === 'number' && s.stop_signal) c.stopSignal = signalName(s.stop_signal); },
  },
  same('stopTimeout', 'stop_timeout', 'number'), same('timeout', 'timeout', 'number'),
  {
    keys: { log_configuration: 'object' },
    to: (c, out) => {
      const o = c.logOptions ?? {};
      const l = { ...(c.logDriver ? { driver: c.logDriver } : {}), ...(o.path ? { path: o.path } : {}), ...(o.maxSize ? { size: o.maxSize } : {}), ...(o.tag ? { options: { tag: o.tag } } : {}) };
      if (nonEmpty(l)) out.log_configuration = l;
    },
    from: (s, c) => {
      const l = isObj(s.log_configuration) ? s.log_configuration : {};
      if (l.driver) c.logDriver = l.driver;
      const o = { ...(l.path ? { path: String(l.path) } : {}), ...(typeof l.size === 'number' && l.size > 0 ? { maxSize: l.size } : {}), ...(isObj(l.options) && l.options.tag ? { tag: String(l.options.tag) } : {}) };
      if (nonEmpty(o)) c.logOptions = o;
    },
  },
  same('conmonPidFile', 'conmon_pid_file', 'string'),
  {
    keys: { restart_policy: 'string', restart_tries: 'number' },
    to: (c, out) => {
      if (!c.restartPolicy) return;
      out.restart_policy = c.restartPolicy.name;
      if (c.restartPolicy.maximumRetryCount) out.restart_tries = c.restartPolicy.maximumRetryCount;
    },
    from: (s, c) => {
      if (s.restart_policy) c.restartPolicy = { name: s.restart_policy, ...(s.restart_tries ? { maximumRetryCount: s.restart_tries } : {}) };
    },
  },
  same('systemd', 'systemd', 'string'), same('sdNotifyMode', 'sdnotifyMode', 'string'),
  namespace('pidMode', 'pidns'), namespace('utsMode', 'utsns'), same('hostname', 'hostname', 'string'), same('hostUsers', 'hostusers', 'strings'),
  same('sysctls', 'sysctl', 'stringMap'), same('autoRemove', 'remove', 'bool'), same('createCommand', 'containerCreateCommand', 'strings'),
  same('timezone', 'timezone', 'string'), same('requires', 'dependencyContainers', 'strings'), same('initContainerType', 'init_container_type', 'string'),
  {
    keys: { personality: 'object' },
    to: (c, out) => { if (c.personality) out.personality = { domain: c.personality }; },
    from: (s, c) => { if (isObj(s.personality) && s.personality.domain) c.personality = String(s.personality.domain); },
  },
  same('passwdEntry', 'passwd_entry', 'string'), same('groupEntry', 'group_entry', 'string'),
  // ContainerStorageConfig
  {
    keys: { image: 'string' },
    to: (c, out) => { out.image = c.image; },
    from: (s, c) => { c.image = s.image ?? ''; },
  },
  {
    keys: { volumes_from: 'strings' },
    to: (c, out) => { if (c.volumesFrom?.length) out.volumes_from = c.volumesFrom.map((v) => (v.mode ? `${v.container}:${v.mode}` : v.container)); },
    from: (s, c) => {
      const v = strs(s.volumes_from);
      if (v) c.volumesFrom = v.map((x) => { const [container, mode] = x.split(':'); return mode === 'ro' || mode === 'rw' ? { container, mode } : { container }; });
    },
  },
  same('init', 'init', 'bool'), same('initPath', 'init_path', 'string'), MOUNTS,
  {
    // Podman's CLI keeps each --device as it was given, HOST[:CONTAINER][:PERMS], in a LinuxDevice's path.
    keys: { devices: 'objects', device_cgroup_rule: 'objects' },
    to: (c, out) => {
      if (c.devices?.length) out.devices = c.devices.map((d) => ({ path: [d.path, ...(d.containerPath || d.permissions ? [d.containerPath ?? d.path] : []), ...(d.permissions ? [d.permissions] : [])].join(':') }));
      if (c.deviceCgroupRules?.length) {
        out.device_cgroup_rule = c.deviceCgroupRules.map((r) => {
          const p = parseDeviceCgroupRule(r);
          return { allow: true, type: p.type, ...(p.major !== undefined ? { major: p.major } : {}), ...(p.minor !== undefined ? { minor: p.minor } : {}), access: p.access };
        });
      }
    },
    from: (s, c) => {
      const devs = (Array.isArray(s.devices) ? s.devices : []) as Json[];
      if (devs.length) {
        c.devices = devs.map((d) => {
          const [path, containerPath, permissions] = String(d?.path ?? '').split(':');
          return { path, ...(containerPath && containerPath !== path ? { containerPath } : {}), ...(permissions && permissions !== 'rwm' ? { permissions } : {}) };
        });
      }
      const rules = ((Array.isArray(s.device_cgroup_rule) ? s.device_cgroup_rule : []) as Json[]).filter((r) => r?.allow !== false);
      if (rules.length) c.deviceCgroupRules = rules.map((r) => `${r.type ?? 'a'} ${r.major ?? '*'}:${r.minor ?? '*'} ${r.access ?? 'rwm'}`);
    },
  },
  namespace('ipcMode', 'ipcns'), same('shmSize', 'shm_size', 'number'), same('workdir', 'work_dir', 'string'), SECRETS,
  same('chrootDirs', 'chroot_directories', 'strings'),
  // The environment, port, image-volume and rootfs flags of run/create (cli/createflags.ts's block).
  {
    // A Go bool with omitempty: false is left out.
    keys: { httpproxy: 'bool' },
    to: (c, out) => { if (c.httpProxy) out.httpproxy = true; },
    from: (s, c) => { if (s.httpproxy === true) c.httpProxy = true; },
  },
  same('unsetEnv', 'unsetenv', 'strings'), same('unsetEnvAll', 'unsetenvall', 'bool'),
  same('envMerge', 'envmerge', 'strings'), same('seccompPolicy', 'seccomp_policy', 'string'),
  {
    // Podman's SpecGenerator says "anonymous" for the CLI's `--image-volume bind` (its default).
    keys: { image_volume_mode: 'string' },
    to: (c, out) => { if (c.imageVolumeMode) out.image_volume_mode = c.imageVolumeMode === 'bind' ? 'anonymous' : c.imageVolumeMode; },
    from: (s, c) => {
      const v = s.image_volume_mode;
      if (typeof v === 'string' && v) c.imageVolumeMode = v === 'anonymous' ? 'bind' : v as typeof c.imageVolumeMode;
    },
  },
  same('rootfs', 'rootfs', 'string'), same('rootfsOverlay', 'rootfs_overlay', 'bool'), same('removeImage', 'removeImage', 'bool'),
  {
    keys: { passwd: 'bool' },
    to: (c, out) => { if (c.passwd === false) out.passwd = false; },
    from: (s, c) => { if (s.passwd === false) c.passwd = false; },
  },
  {
    // Podman's Expose: port -> "tcp" or "tcp,udp".
    keys: { expose: 'object' },
    to: (c, out) => {
      if (!c.expose?.length) return;
      const m: Record<string, string> = {};
      for (const x of c.expose) m[x.port] = m[x.port] ? `${m[x.port]},${x.protocol ?? 'tcp'}` : (x.protocol ?? 'tcp');
      out.expose = m;
    },
    from: (s, c) => {
      if (!isObj(s.expose)) return;
      const list = Object.entries(s.expose).flatMap(([port, protos]) => String(protos || 'tcp').split(',').map((p) => ({ port: Number(port), protocol: p as 'tcp' | 'udp' | 'sctp' })));
      if (list.length) c.expose = list;
    },
  },
  // ContainerSecurityConfig
  same('privileged', 'privileged', 'bool'), same('user', 'user', 'string'), same('groupAdd', 'groups', 'strings'),
  same('capAdd', 'cap_add', 'strings'), same('capDrop', 'cap_drop', 'strings'), same('seccompProfile', 'seccomp_profile_path', 'string'),
  same('noNewPrivileges', 'no_new_privileges', 'bool'),
  {
    keys: { userns: 'object', idmappings: 'object' },
    to: (c, out) => {
      out.userns = usernsToLibpod(c.userns);
      if (c.uidMap?.length || c.gidMap?.length) out.idmappings = { UIDMap: (c.uidMap ?? []).map(idmapTo), GIDMap: (c.gidMap ?? []).map(idmapTo) };
    },
    from: (s, c) => {
      const u = usernsFromLibpod(s.userns);
      if (u) c.userns = u;
      const m = isObj(s.idmappings) ? s.idmappings : {};
      if (Array.isArray(m.UIDMap) && m.UIDMap.length) c.uidMap = m.UIDMap.map(idmapFrom);
      if (Array.isArray(m.GIDMap) && m.GIDMap.length) c.gidMap = m.GIDMap.map(idmapFrom);
    },
  },
  same('readOnly', 'read_only_filesystem', 'bool'), same('readOnlyTmpfs', 'read_write_tmpfs', 'bool'), same('umask', 'umask', 'string'),
  same('mask', 'mask', 'strings'), same('unmask', 'unmask', 'strings'),
  // ContainerCgroupConfig
  namespace('cgroupns', 'cgroupns'), same('cgroupsMode', 'cgroups_mode', 'string'),
  // ContainerNetworkConfig
  {
    keys: { netns: 'object', Networks: 'objectMap', networks: 'objectMap', network_options: 'object' },
    to: (c, out) => netToLibpod(c, out),
    from: (s, c) => Object.assign(c, netFromLibpod(s)),
  },
  {
    keys: { portmappings: 'objects' },
    to: (c, out) => { if (c.portMappings?.length) out.portmappings = c.portMappings.map(portToLibpod); },
    from: (s, c) => { if (Array.isArray(s.portmappings) && s.portmappings.length) c.portMappings = s.portmappings.map(portFromLibpod); },
  },
  same('publishAll', 'publish_image_ports', 'bool'), same('dns', 'dns_server', 'strings'), same('dnsSearch', 'dns_search', 'strings'),
  same('dnsOption', 'dns_option', 'strings'), same('noHosts', 'use_image_hosts', 'bool'),
  {
    keys: { hostadd: 'strings' },
    to: (c, out) => { if (c.extraHosts?.length) out.hostadd = c.extraHosts.map((h) => `${h.host}:${h.ip}`); },
    from: (s, c) => {
      const h = strs(s.hostadd);
      if (h) c.extraHosts = h.map((x) => { const i = x.indexOf(':'); return { host: x.slice(0, i), ip: x.slice(i + 1) }; });
    },
  },
  // ContainerResourceConfig
  RESOURCES, same('cgroupParent', 'cgroup_parent', 'string'),
  {
    keys: { r_limits: 'objects' },
    to: (c, out) => { if (c.ulimits?.length) out.r_limits = c.ulimits.map((u) => ({ type: ULIMITS[u.name] ?? `RLIMIT_${u.name.toUpperCase()}`, hard: u.hard, soft: u.soft })); },
    from: (s, c) => {
      const l = (Array.isArray(s.r_limits) ? s.r_limits : []) as Json[];
      if (l.length) c.ulimits = l.map((u) => ({ name: String(u.type ?? '').replace(/^RLIMIT_/, '').toLowerCase(), soft: Number(u.soft), hard: Number(u.hard) }));
    },
  },
  same('oomScoreAdj', 'oom_score_adj', 'number'),
  // ContainerHealthCheckConfig
  {
    keys: { healthconfig: 'object', health_check_on_failure_action: 'number', startupHealthConfig: 'object' },
    to: (c, out) => {
      const h = c.healthcheck;
      if (!h) return;
      out.healthconfig = healthTo(h);
      if (h.onFailure && h.onFailure !== 'none') out.health_check_on_failure_action = ON_FAILURE.indexOf(h.onFailure);
      if (h.startup) out.startupHealthConfig = { ...healthTo(h.startup), ...(h.startup.successes ? { Successes: h.startup.successes } : {}) };
    },
    from: (s, c) => {
      if (!isObj(s.healthconfig)) return;
      const h = healthFrom(s.healthconfig);
      const action = ON_FAILURE[s.health_check_on_failure_action as number];
      if (action && action !== 'none' && action !== 'invalid') h.onFailure = action;
      if (isObj(s.startupHealthConfig)) {
        const st = healthFrom(s.startupHealthConfig);
        delete st.startPeriod;
        h.startup = { ...st, ...(s.startupHealthConfig.Successes ? { successes: Number(s.startupHealthConfig.Successes) } : {}) };
      }
      c.healthcheck = h;
    },
  },
];

/** Every key a table reads, with its JSON type (what the REST API checks a body against). */
export const keysOf = <T>(fields: Field<T>[]): Record<string, KeyKind> => Object.assign({}, ...fields.map((f) => f.keys));

/** A spec as JSON by a table (unset fields left out, as Go's omitempty does). */
export function writeBy<T>(fields: Field<T>[], spec: T): Json {
  const out: Json = {};
  for (const f of fields) f.to(spec, out);
  return out;
}

/** JSON as a spec by a table; keys not in it are ignored. */
export function readBy<T>(fields: Field<T>[], s: Json): T {
  const spec = {} as T;
  for (const f of fields) f.from(s, spec);
  for (const k of Object.keys(spec as object) as (keyof T)[]) if (spec[k] === undefined) delete spec[k];
  return spec;
}

export const SPECGEN_KEYS = keysOf(CONTAINER_FIELDS);

/** A ContainerSpec as Podman's SpecGenerator JSON. */
export const toSpecGenerator = (c: ContainerSpec): Json => writeBy(CONTAINER_FIELDS, c);

/** SpecGenerator JSON (as podman-remote or `generate spec` sends it) as a ContainerSpec; keys not in the table are ignored. */
export function fromSpecGenerator(s: Json): ContainerSpec {
  if ((typeof s.image !== 'string' || !s.image) && !s.rootfs) throw invalidArgument('no image specified');
  return readBy(CONTAINER_FIELDS, s);
}
