// The one translation between Docker's JSON and husk's engine data: a
// create body (Config + HostConfig + NetworkingConfig) into a ContainerSpec,
// and a stored container back into Docker's inspect and list documents.
// Keeping both directions here keeps them from drifting apart.
import type { Container, ContainerListItem } from '../../engine/container/api.ts';
import type { ContainerSpec, MountSpec, NetworkAttachSpec, PortSpec } from '../../specgen/container.ts';
import { parseAddHost, parseExpose, parseTmpfsFlag, parseVolumeFlag, parseVolumesFrom } from '../../specgen/flags.ts';
import { humanDuration } from '../../common/duration.ts';
import { invalidArgument } from '../../common/errors.ts';
import { checkShape, fits, type Kind } from '../shape.ts';

/* eslint-disable @typescript-eslint/no-explicit-any */
type Json = Record<string, any>;

const envMap = (env: unknown): Record<string, string> | undefined => {
  if (!Array.isArray(env) || !env.length) return undefined;
  const out: Record<string, string> = {};
  for (const e of env as string[]) {
    const i = e.indexOf('=');
    if (i > 0) out[e.slice(0, i)] = e.slice(i + 1);
    else if (e) out[e] = process.env[e] ?? ''; // docker sends bare names resolved client-side; keep them
  }
  return out;
};

const strList = (v: unknown): string[] | undefined =>
  Array.isArray(v) ? v.map(String) : typeof v === 'string' && v ? [v] : undefined;

/** NetworkMode "default"/"bridge" is husk's default network; the rest map one to one. */
function networkMode(mode: string | undefined): string | undefined {
  if (!mode || mode === 'default') return undefined;
  return mode;
}

/** Every endpoint but the first network's, as further networks with their options. */
function extraEndpoints(endpoints: Json, first: string | undefined): NetworkAttachSpec[] | undefined {
  const out = Object.entries(endpoints).filter(([k]) => k !== first).map(([network, ep]: [string, Json]) => ({
    network, aliases: ep?.Aliases?.length ? ep.Aliases : undefined, ip: ep?.IPAMConfig?.IPv4Address || undefined,
    ip6: ep?.IPAMConfig?.IPv6Address || undefined, mac: ep?.MacAddress || undefined,
  }));
  return out.length ? out : undefined;
}

function mounts(hc: Json, cfg: Json): MountSpec[] | undefined {
  const out: MountSpec[] = [];
  for (const b of (hc.Binds ?? []) as string[]) out.push(parseVolumeFlag(b));
  for (const m of (hc.Mounts ?? []) as Json[]) {
    const type = m.Type ?? 'volume';
    if (!['bind', 'volume', 'tmpfs'].includes(type)) throw invalidArgument(`mount type ${type} is not supported`);
    if (!m.Target) throw invalidArgument('mount without Target');
    const options: string[] = [];
    if (m.ReadOnly) options.push('ro');
    const prop = m.BindOptions?.Propagation;
    if (prop) options.push(prop);
    if (type === 'tmpfs') {
      if (m.TmpfsOptions?.SizeBytes) options.push(`size=${m.TmpfsOptions.SizeBytes}`);
      if (m.TmpfsOptions?.Mode) options.push(`mode=${Number(m.TmpfsOptions.Mode).toString(8)}`);
    }
    out.push({ type, source: m.Source || undefined, destination: m.Target, options, ...(type === 'volume' && !m.Source ? { anonymous: true } : {}) });
  }
  for (const [dst, opts] of Object.entries((hc.Tmpfs ?? {}) as Record<string, string>)) out.push(parseTmpfsFlag(opts ? `${dst}:${opts}` : dst));
  // Config.Volumes: anonymous volumes, as `-v /path` makes them.
  for (const dst of Object.keys((cfg.Volumes ?? {}) as Json)) {
    if (!out.some((m) => m.destination === dst)) out.push({ type: 'volume', destination: dst, options: [], anonymous: true });
  }
  return out.length ? out : undefined;
}

function ports(hc: Json): PortSpec[] | undefined {
  const out: PortSpec[] = [];
  for (const [key, binds] of Object.entries((hc.PortBindings ?? {}) as Record<string, Json[] | null>)) {
    const [port, proto = 'tcp'] = key.split('/');
    for (const b of binds ?? [{}]) {
      out.push({
        containerPort: Number(port), hostPort: b.HostPort ? Number(b.HostPort) : undefined,
        hostIp: b.HostIp || undefined, protocol: proto as PortSpec['protocol'],
      });
    }
  }
  return out.length ? out : undefined;
}

/** Docker's cgroup limits beyond memory/CPUs/shares (create's and update's HostConfig). */
export const RESOURCE_SHAPE: Record<string, Kind> = {
  CpuRealtimePeriod: 'number', CpuRealtimeRuntime: 'number', BlkioWeight: 'number', MemorySwappiness: 'number', OomKillDisable: 'bool', CgroupParent: 'string',
  BlkioWeightDevice: 'objects', BlkioDeviceReadBps: 'objects', BlkioDeviceWriteBps: 'objects', BlkioDeviceReadIOps: 'objects', BlkioDeviceWriteIOps: 'objects',
};

/** Those limits as ContainerSpec fields (Docker's {Path, Rate} and {Path, Weight} device lists; MemorySwappiness -1 or null: the kernel's). */
export function resourcesFromDocker(hc: Json): Partial<ContainerSpec> {
  const rates = (l: unknown) => Array.isArray(l) && l.length ? l.map((d: Json) => ({ path: String(d.Path ?? ''), rate: Number(d.Rate ?? NaN) })) : undefined;
  return {
    cpuPeriod: hc.CpuPeriod || undefined,
    cpuQuota: hc.CpuQuota > 0 ? hc.CpuQuota : undefined,
    cpuRtPeriod: hc.CpuRealtimePeriod || undefined,
    cpuRtRuntime: hc.CpuRealtimeRuntime > 0 ? hc.CpuRealtimeRuntime : undefined,
    blkioWeight: hc.BlkioWeight || undefined,
    blkioWeightDevice: Array.isArray(hc.BlkioWeightDevice) && hc.BlkioWeightDevice.length
      ? hc.BlkioWeightDevice.map((d: Json) => ({ path: String(d.Path ?? ''), weight: Number(d.Weight ?? NaN) })) : undefined,
    deviceReadBps: rates(hc.BlkioDeviceReadBps),
    deviceWriteBps: rates(hc.BlkioDeviceWriteBps),
    deviceReadIops: rates(hc.BlkioDeviceReadIOps),
    deviceWriteIops: rates(hc.BlkioDeviceWriteIOps),
    memorySwappiness: typeof hc.MemorySwappiness === 'number' && hc.MemorySwappiness >= 0 ? hc.MemorySwappiness : undefined,
    oomKillDisable: hc.OomKillDisable || undefined,
  };
}

/** The JSON types of the create body's fields this translation reads (Go's decoder rejects a mismatch too). */
const CONFIG_SHAPE: Record<string, Kind> = {
  Image: 'string', Cmd: 'strOrStrings', Entrypoint: 'strOrStrings', Env: 'strings', WorkingDir: 'string', User: 'string',
  Hostname: 'string', StopSignal: 'string', MacAddress: 'string', Labels: 'stringMap', Volumes: 'object', ExposedPorts: 'object',
  Healthcheck: 'object', Tty: 'bool', OpenStdin: 'bool', StopTimeout: 'number', HostConfig: 'object', NetworkingConfig: 'object',
};
const HOST_SHAPE: Record<string, Kind> = {
  Binds: 'strings', Mounts: 'objects', PortBindings: 'object', Tmpfs: 'stringMap', RestartPolicy: 'object', Sysctls: 'stringMap',
  Memory: 'number', MemoryReservation: 'number', MemorySwap: 'number', NanoCpus: 'number', CpuQuota: 'number', CpuPeriod: 'number',
  CpuShares: 'number', PidsLimit: 'number', ShmSize: 'number', OomScoreAdj: 'number',
  CpusetCpus: 'string', CpusetMems: 'string', NetworkMode: 'string', PidMode: 'string', IpcMode: 'string', UTSMode: 'string',
  CapAdd: 'strings', CapDrop: 'strings', Dns: 'strings', DnsSearch: 'strings', DnsOptions: 'strings', ExtraHosts: 'strings', GroupAdd: 'strings',
  SecurityOpt: 'strings', VolumesFrom: 'strings', Ulimits: 'objects', Devices: 'objects',
  AutoRemove: 'bool', Privileged: 'bool', ReadonlyRootfs: 'bool', PublishAllPorts: 'bool',
  ...RESOURCE_SHAPE,
};

/** Docker's create request as a ContainerSpec (name from the ?name= query). */
export function specFromDocker(body: Json, name?: string): ContainerSpec {
  if (!body.Image || typeof body.Image !== 'string') throw invalidArgument('no image specified');
  checkShape(body, CONFIG_SHAPE, '');
  checkShape(body.HostConfig ?? {}, HOST_SHAPE, 'HostConfig.');
  for (const [port, binds] of Object.entries((body.HostConfig?.PortBindings ?? {}) as Json)) {
    if (binds !== null && !fits(binds, 'objects')) throw invalidArgument(`invalid HostConfig.PortBindings[${port}]: expected a list of objects`);
  }
  if (body.NetworkingConfig?.EndpointsConfig != null && !fits(body.NetworkingConfig.EndpointsConfig, 'objectMap')) throw invalidArgument('invalid NetworkingConfig.EndpointsConfig: expected an object of objects');
  if (body.Healthcheck?.Test != null && !fits(body.Healthcheck.Test, 'strings')) throw invalidArgument('invalid Healthcheck.Test: expected a list of strings');
  const hc: Json = body.HostConfig ?? {};
  const endpoints: Json = body.NetworkingConfig?.EndpointsConfig ?? {};
  let network = networkMode(hc.NetworkMode);
  // docker CLI names the endpoint after NetworkMode ("default" too); others give only the endpoint.
  const epName = network ?? Object.keys(endpoints)[0];
  if (!network && epName) network = networkMode(epName);
  const ep: Json = (epName && endpoints[epName]) || {};
  const s: ContainerSpec = {
    image: body.Image,
    name: name || undefined,
    command: strList(body.Cmd),
    entrypoint: Array.isArray(body.Entrypoint) ? (body.Entrypoint.length === 1 && body.Entrypoint[0] === '' ? [] : body.Entrypoint) : strList(body.Entrypoint),
    env: envMap(body.Env),
    workdir: body.WorkingDir || undefined,
    user: body.User || undefined,
    hostname: body.Hostname || undefined,
    labels: body.Labels && Object.keys(body.Labels).length ? body.Labels : undefined,
    interactive: !!body.OpenStdin || undefined,
    tty: !!body.Tty || undefined,
    stopSignal: body.StopSignal || undefined,
    stopTimeout: typeof body.StopTimeout === 'number' ? body.StopTimeout : undefined,
    autoRemove: !!hc.AutoRemove || undefined,
    network,
    networkAliases: ep.Aliases?.length ? ep.Aliases : undefined,
    ip: ep.IPAMConfig?.IPv4Address || undefined,
    ip6: ep.IPAMConfig?.IPv6Address || undefined,
    mac: ep.MacAddress || body.MacAddress || undefined,
    // docker run --network a --network b (API 1.44+): one endpoint per network.
    extraNetworks: extraEndpoints(endpoints, epName),
    portMappings: ports(hc),
    publishAll: !!hc.PublishAllPorts || undefined,
    expose: exposedFrom(body.ExposedPorts),
    mounts: mounts(hc, body),
    volumesFrom: hc.VolumesFrom?.length ? (hc.VolumesFrom as string[]).map(parseVolumesFrom) : undefined,
    restartPolicy: hc.RestartPolicy?.Name ? { name: hc.RestartPolicy.Name, maximumRetryCount: hc.RestartPolicy.MaximumRetryCount || undefined } : undefined,
    memory: hc.Memory || undefined,
    memoryReservation: hc.MemoryReservation || undefined,
    memorySwap: hc.MemorySwap || undefined,
    cpus: hc.NanoCpus ? hc.NanoCpus / 1e9 : undefined,
    ...resourcesFromDocker(hc),
    cgroupParent: hc.CgroupParent || undefined,
    cpuShares: hc.CpuShares || undefined,
    cpusetCpus: hc.CpusetCpus || undefined,
    cpusetMems: hc.CpusetMems || undefined,
    pidsLimit: hc.PidsLimit || undefined,
    capAdd: hc.CapAdd?.length ? hc.CapAdd : undefined,
    capDrop: hc.CapDrop?.length ? hc.CapDrop : undefined,
    privileged: !!hc.Privileged || undefined,
    readOnly: !!hc.ReadonlyRootfs || undefined,
    dns: hc.Dns?.length ? hc.Dns : undefined,
    dnsSearch: hc.DnsSearch?.length ? hc.DnsSearch : undefined,
    dnsOption: hc.DnsOptions?.length ? hc.DnsOptions : undefined,
    extraHosts: hc.ExtraHosts?.length ? (hc.ExtraHosts as string[]).map((h) => parseAddHost(h)) : undefined,
    shmSize: hc.ShmSize || undefined,
    sysctls: hc.Sysctls && Object.keys(hc.Sysctls).length ? hc.Sysctls : undefined,
    ulimits: hc.Ulimits?.length ? (hc.Ulimits as Json[]).map((u) => ({ name: String(u.Name), soft: u.Soft, hard: u.Hard })) : undefined,
    devices: hc.Devices?.length ? (hc.Devices as Json[]).map((d) => ({ path: d.PathOnHost, containerPath: d.PathInContainer || undefined, permissions: d.CgroupPermissions || undefined })) : undefined,
    groupAdd: hc.GroupAdd?.length ? hc.GroupAdd : undefined,
    oomScoreAdj: hc.OomScoreAdj || undefined,
    pidMode: hc.PidMode || undefined,
    ipcMode: hc.IpcMode && hc.IpcMode !== 'private' && hc.IpcMode !== 'shareable' ? hc.IpcMode : undefined,
    utsMode: hc.UTSMode || undefined,
    healthcheck: body.Healthcheck?.Test?.length ? {
      test: body.Healthcheck.Test, interval: body.Healthcheck.Interval, timeout: body.Healthcheck.Timeout,
      startPeriod: body.Healthcheck.StartPeriod, retries: body.Healthcheck.Retries,
    } : undefined,
  };
  for (const o of (hc.SecurityOpt ?? []) as string[]) {
    if (o === 'no-new-privileges' || o === 'no-new-privileges:true') s.noNewPrivileges = true;
    else if (o === 'seccomp=unconfined' || o === 'seccomp:unconfined') s.seccompProfile = 'unconfined';
  }
  // Drop unset keys so the stored spec stays as small as the CLI's.
  for (const k of Object.keys(s) as (keyof ContainerSpec)[]) if (s[k] === undefined) delete s[k];
  return s;
}

const ZERO_TIME = '0001-01-01T00:00:00Z';

/** Docker's State.Status words (husk's "stopped" is Docker's "exited"). */
export function dockerStatus(s: string): string {
  return s === 'stopped' ? 'exited' : s === 'removing' ? 'removing' : s;
}

/** go-units' HumanDuration since `iso`, as the docker CLI shows Status ("Up 1 second", "About a minute"). */
const ago = (iso: string) => humanDuration(Date.now() - new Date(iso).getTime());

/** `docker ps`'s Status column: "Up 3 seconds", "Exited (3) 2 minutes ago", "Created". */
function statusText(c: Container): string {
  const st = c.state;
  // Docker's words for the health: "(healthy)", "(unhealthy)", "(health: starting)".
  if (st.status === 'running') return `Up ${ago(st.startedAt)}${!st.health ? '' : st.health.status === 'starting' ? ' (health: starting)' : ` (${st.health.status})`}`;
  if (st.status === 'paused') return `Up ${ago(st.startedAt)} (Paused)`;
  if (st.status === 'created') return 'Created';
  return `Exited (${st.exitCode}) ${ago(st.finishedAt)} ago`;
}

/** Docker's Ports of a listing: one entry per port, host side only when published. */
function listPorts(c: Container): Json[] {
  const out: Json[] = [];
  for (const p of c.config.ports ?? []) {
    for (const proto of p.protocol.split(',')) {
      for (let i = 0; i < (p.range || 1); i++) {
        const base = { PrivatePort: p.container_port + i, PublicPort: p.host_port + i, Type: proto };
        if (p.host_ip) out.push({ IP: p.host_ip, ...base });
        else out.push({ IP: '0.0.0.0', ...base }, { IP: '::', ...base });
      }
    }
  }
  return out;
}

/** Docker's ExposedPorts ({"80/tcp": {}}, a bare port is tcp) as the spec's expose. */
function exposedFrom(v: unknown): ContainerSpec['expose'] {
  if (!v || typeof v !== 'object') return undefined;
  const out = Object.keys(v).flatMap((k) => parseExpose(k));
  return out.length ? out : undefined;
}

/** Docker's NetworkSettings.Ports: {"80/tcp": [{HostIp, HostPort}]}. */
function portMap(c: Container): Record<string, Json[] | null> {
  const out: Record<string, Json[] | null> = {};
  for (const p of c.config.ports ?? []) {
    for (const proto of p.protocol.split(',')) {
      for (let i = 0; i < (p.range || 1); i++) {
        (out[`${p.container_port + i}/${proto}`] ??= []).push({ HostIp: p.host_ip || '0.0.0.0', HostPort: String(p.host_port + i) });
      }
    }
  }
  return out;
}

function networks(c: Container): Json {
  const out: Json = {};
  const status = (c.state.networkStatus ?? {}) as Record<string, Json>;
  for (const [name, opts] of Object.entries(c.config.networks ?? {})) {
    const st = status[name]?.interfaces?.[opts.interfaceName];
    const addr = st?.subnets?.find((x: Json) => !String(x.ipnet).includes(':'));
    const addr6 = st?.subnets?.find((x: Json) => String(x.ipnet).includes(':'));
    const [ip, prefix] = String(addr?.ipnet ?? '').split('/');
    const [ip6, prefix6] = String(addr6?.ipnet ?? '').split('/');
    out[name] = {
      IPAMConfig: null, Links: null, Aliases: opts.aliases ?? [], NetworkID: name, EndpointID: '',
      Gateway: addr?.gateway ?? '', IPAddress: ip ?? '', IPPrefixLen: prefix ? Number(prefix) : 0,
      IPv6Gateway: addr6?.gateway ?? '', GlobalIPv6Address: ip6 ?? '', GlobalIPv6PrefixLen: prefix6 ? Number(prefix6) : 0, MacAddress: st?.mac_address ?? '', DNSNames: null,
    };
  }
  return out;
}

function dockerMounts(c: Container): Json[] {
  return (c.config.mounts ?? []).map((m) => ({
    Type: m.type, ...(m.type === 'volume' ? { Name: m.source } : {}), Source: m.source ?? '', Destination: m.destination,
    Driver: m.type === 'volume' ? 'local' : '', Mode: m.options.filter((o) => o === 'ro' || o === 'rw').join(','),
    RW: !m.options.includes('ro'), Propagation: m.options.find((o) => /^r?(shared|slave|private)$/.test(o)) ?? (m.type === 'bind' ? 'rprivate' : ''),
  }));
}

function portKey(p: PortSpec): string { return `${p.containerPort}/${p.protocol ?? 'tcp'}`; }

/** Docker's `GET /containers/{id}/json` from the stored record. */
/** driver: the store's (overlay or vfs), as Podman's compat inspect reports it. */
export function inspectToDocker(c: Container, driver = 'overlay'): Json {
  const s = c.config.intent;
  const st = c.state;
  const env = Object.entries(s.env ?? {}).map(([k, v]) => `${k}=${v}`);
  const nets = networks(c);
  const first = Object.values(nets)[0] as Json | undefined;
  const pb: Record<string, Json[]> = {};
  for (const p of s.portMappings ?? []) (pb[portKey(p)] ??= []).push({ HostIp: p.hostIp ?? '', HostPort: p.hostPort ? String(p.hostPort) : '' });
  return {
    Id: c.config.id,
    Created: c.config.created,
    Path: c.config.args[0] ?? '',
    Args: c.config.args.slice(1),
    State: {
      Status: dockerStatus(st.status), Running: st.status === 'running' || st.status === 'paused', Paused: st.status === 'paused',
      Restarting: false, OOMKilled: st.oomKilled, Dead: false, Pid: st.pid, ExitCode: st.exitCode, Error: st.error,
      StartedAt: st.startedAt || ZERO_TIME, FinishedAt: st.finishedAt || ZERO_TIME,
      ...(st.health ? { Health: { Status: st.health.status, FailingStreak: st.health.failingStreak, Log: st.health.log.map((l) => ({ Start: l.start, End: l.end, ExitCode: l.exitCode, Output: l.output })) } } : {}),
    },
    Image: `sha256:${c.config.imageId}`,
    ResolvConfPath: '', HostnamePath: '', HostsPath: '', LogPath: '',
    Name: `/${c.config.name}`,
    RestartCount: st.restartCount,
    Driver: driver, Platform: 'linux', MountLabel: '', ProcessLabel: '', AppArmorProfile: '',
    ExecIDs: null,
    HostConfig: {
      Binds: (s.mounts ?? []).filter((m) => m.type === 'bind').map((m) => `${m.source}:${m.destination}${m.options.length ? `:${m.options.join(',')}` : ''}`),
      NetworkMode: s.network ?? 'bridge',
      PortBindings: pb,
      RestartPolicy: { Name: s.restartPolicy?.name ?? 'no', MaximumRetryCount: s.restartPolicy?.maximumRetryCount ?? 0 },
      AutoRemove: !!s.autoRemove,
      VolumesFrom: s.volumesFrom?.map((v) => v.container + (v.mode ? `:${v.mode}` : '')) ?? null,
      CapAdd: s.capAdd ?? null, CapDrop: s.capDrop ?? null,
      Dns: s.dns ?? [], DnsOptions: s.dnsOption ?? [], DnsSearch: s.dnsSearch ?? [], ExtraHosts: s.extraHosts?.map((h) => `${h.host}:${h.ip}`) ?? null,
      GroupAdd: s.groupAdd ?? null, IpcMode: s.ipcMode ?? 'private', PidMode: s.pidMode ?? '', UTSMode: s.utsMode ?? '',
      Privileged: !!s.privileged, PublishAllPorts: !!s.publishAll, ReadonlyRootfs: !!s.readOnly,
      SecurityOpt: [...(s.noNewPrivileges ? ['no-new-privileges'] : []), ...(s.seccompProfile ? [`seccomp=${s.seccompProfile}`] : [])],
      ShmSize: s.shmSize ?? 65536000, Memory: s.memory ?? 0, MemoryReservation: s.memoryReservation ?? 0, MemorySwap: s.memorySwap ?? 0,
      NanoCpus: s.cpus ? Math.round(s.cpus * 1e9) : 0, CpuShares: s.cpuShares ?? 0, CpusetCpus: s.cpusetCpus ?? '', CpusetMems: s.cpusetMems ?? '',
      PidsLimit: s.pidsLimit ?? null, OomScoreAdj: s.oomScoreAdj ?? 0,
      CpuPeriod: s.cpuPeriod ?? 0, CpuQuota: s.cpuQuota ?? 0, CpuRealtimePeriod: s.cpuRtPeriod ?? 0, CpuRealtimeRuntime: s.cpuRtRuntime ?? 0,
      BlkioWeight: s.blkioWeight ?? 0, BlkioWeightDevice: s.blkioWeightDevice?.map((d) => ({ Path: d.path, Weight: d.weight })) ?? null,
      BlkioDeviceReadBps: s.deviceReadBps?.map((d) => ({ Path: d.path, Rate: d.rate })) ?? null,
      BlkioDeviceWriteBps: s.deviceWriteBps?.map((d) => ({ Path: d.path, Rate: d.rate })) ?? null,
      BlkioDeviceReadIOps: s.deviceReadIops?.map((d) => ({ Path: d.path, Rate: d.rate })) ?? null,
      BlkioDeviceWriteIOps: s.deviceWriteIops?.map((d) => ({ Path: d.path, Rate: d.rate })) ?? null,
      MemorySwappiness: s.memorySwappiness ?? null, OomKillDisable: !!s.oomKillDisable, CgroupParent: s.cgroupParent ?? '',
      Ulimits: s.ulimits?.map((u) => ({ Name: u.name, Soft: u.soft, Hard: u.hard })) ?? null,
      Devices: s.devices?.map((d) => ({ PathOnHost: d.path, PathInContainer: d.containerPath ?? d.path, CgroupPermissions: d.permissions ?? 'rwm' })) ?? [],
      Sysctls: s.sysctls ?? null, Tmpfs: null, LogConfig: { Type: 'json-file', Config: {} }, // docker-py reads logs back only for json-file/journald
      ConsoleSize: [0, 0], Init: false,
    },
    GraphDriver: { Name: driver, Data: null },
    Mounts: dockerMounts(c),
    Config: {
      Hostname: s.hostname ?? c.config.id.slice(0, 12), Domainname: '', User: s.user ?? '',
      AttachStdin: !!s.interactive, AttachStdout: true, AttachStderr: true,
      ExposedPorts: Object.fromEntries([...(s.portMappings ?? []).map(portKey), ...(s.expose ?? []).map((x) => `${x.port}/${x.protocol ?? 'tcp'}`)].map((k) => [k, {}])),
      Tty: !!s.tty, OpenStdin: !!s.interactive, StdinOnce: false,
      Env: env, Cmd: s.command ?? null, Image: s.image || c.config.imageName,
      Volumes: null, WorkingDir: s.workdir ?? '', Entrypoint: s.entrypoint ?? null, OnBuild: null,
      Labels: s.labels ?? {}, StopSignal: s.stopSignal ?? 'SIGTERM', StopTimeout: s.stopTimeout ?? 10,
    },
    NetworkSettings: {
      Bridge: '', SandboxID: '', SandboxKey: st.netnsPath ?? '', HairpinMode: false, LinkLocalIPv6Address: '', LinkLocalIPv6PrefixLen: 0,
      Ports: portMap(c), EndpointID: '', Gateway: first?.Gateway ?? '', IPAddress: first?.IPAddress ?? '', IPPrefixLen: first?.IPPrefixLen ?? 0,
      IPv6Gateway: first?.IPv6Gateway ?? '', GlobalIPv6Address: first?.GlobalIPv6Address ?? '', GlobalIPv6PrefixLen: first?.GlobalIPv6PrefixLen ?? 0, MacAddress: first?.MacAddress ?? '', Networks: nets,
    },
  };
}

/** One entry of Docker's `GET /containers/json`. */
export function listToDocker(c: ContainerListItem): Json {
  const s = c.config.intent;
  return {
    Id: c.config.id,
    Names: [`/${c.config.name}`],
    // The image as it was named at create, as Docker lists it (not the resolved reference).
    Image: c.config.intent.image || c.config.imageName,
    ImageID: `sha256:${c.config.imageId}`,
    Command: c.config.args.join(' '),
    Created: Math.floor(new Date(c.config.created).getTime() / 1000),
    Ports: listPorts(c),
    Labels: s.labels ?? {},
    State: dockerStatus(c.state.status),
    Status: statusText(c),
    HostConfig: { NetworkMode: s.network ?? 'bridge' },
    NetworkSettings: { Networks: networks(c) },
    Mounts: dockerMounts(c),
  };
}

/** Docker's `ps` filters mapped onto husk's (status words, names with the leading '/'). */
export function listFilters(f: Record<string, string[]> | undefined): Record<string, string[]> | undefined {
  if (!f) return undefined;
  const out: Record<string, string[]> = {};
  for (const [k, vs] of Object.entries(f)) {
    out[k] = k === 'name' ? vs.map((v) => v.replace(/^\//, '')) : k === 'status' ? vs.map((v) => (v === 'dead' ? 'stopped' : v)) : vs;
  }
  return out;
}
