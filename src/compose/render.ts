// `compose config`: the resolved model written back as a Compose file, in
// the long syntax (as `docker compose config` prints it): interpolated,
// merged, extended, paths absolute, durations as Go durations. Loading the
// output again gives the same model. Emitted as YAML 1.1-safe (strings like
// `on` or `0755` are quoted) so any Compose implementation reads it alike.
import { stringify } from 'yaml';
import type { ComposeFileObject, ComposeProject, ComposeService, ServiceVolume } from './types.ts';
import { formatDuration } from './units.ts';

type Out = Record<string, unknown>;

/** Drops undefined values, empty lists and empty maps (what `config` leaves out). */
function compact(o: Out): Out {
  const out: Out = {};
  for (const [k, v] of Object.entries(o)) {
    if (v === undefined) continue;
    if (Array.isArray(v) && !v.length) continue;
    if (typeof v === 'object' && v !== null && !Array.isArray(v) && !Object.keys(v).length) continue;
    out[k] = v;
  }
  return out;
}

const sorted = <T>(o: Record<string, T>, f: (v: T, k: string) => unknown = (v) => v) =>
  Object.fromEntries(Object.keys(o).sort().map((k) => [k, f(o[k], k)]));

const dur = (ms: number | undefined) => (ms === undefined ? undefined : formatDuration(ms));

function volume(v: ServiceVolume): Out {
  return compact({
    type: v.type,
    source: v.source,
    target: v.target,
    read_only: v.readOnly || undefined,
    bind: v.bind && compact({ propagation: v.bind.propagation, create_host_path: v.bind.createHostPath, selinux: v.bind.selinux }),
    volume: v.volume && compact({ nocopy: v.volume.nocopy, subpath: v.volume.subpath }),
    tmpfs: v.tmpfs && compact({ size: v.tmpfs.size, mode: v.tmpfs.mode?.toString(8).padStart(4, '0') }),
  });
}

export function renderService(s: ComposeService): Out {
  const hc = s.healthcheck;
  const r = s.resources;
  const deploy = compact({
    replicas: s.replicas !== 1 ? s.replicas : undefined,
    resources: compact({
      limits: compact({ cpus: r.cpus, memory: r.memory, pids: r.pids }),
      reservations: r.reservations && compact({ cpus: r.reservations.cpus, memory: r.reservations.memory }),
    }),
    ...(s.unmodelled.deploy as Out | undefined),
  });
  const { deploy: _d, ...unmodelled } = s.unmodelled;
  return compact({
    image: s.image,
    build: s.build && compact({
      context: s.build.context, dockerfile: s.build.dockerfile, dockerfile_inline: s.build.dockerfileInline,
      args: s.build.args, target: s.build.target, labels: s.build.labels, network: s.build.network, tags: s.build.tags,
      no_cache: s.build.noCache, pull: s.build.pull, cache_from: s.build.cacheFrom, platforms: s.build.platforms,
    }),
    command: s.command,
    entrypoint: s.entrypoint,
    environment: sorted(s.environment),
    ports: s.ports.map((p) => compact({
      name: p.name, mode: p.mode, host_ip: p.hostIp, target: p.target,
      published: p.published === undefined ? undefined : p.publishedEnd ? `${p.published}-${p.publishedEnd}` : String(p.published),
      protocol: p.protocol, app_protocol: p.appProtocol,
    })),
    expose: s.expose,
    volumes: s.volumes.map(volume),
    tmpfs: s.tmpfs,
    networks: s.networkMode ? undefined : sorted(s.networks, (n) => {
      const o = compact({ aliases: n.aliases, ipv4_address: n.ipv4Address, ipv6_address: n.ipv6Address, mac_address: n.macAddress, priority: n.priority });
      return Object.keys(o).length ? o : null;
    }),
    network_mode: s.networkMode,
    depends_on: sorted(s.dependsOn, (d) => ({ condition: d.condition, restart: d.restart, required: d.required })),
    healthcheck: hc && compact({
      test: hc.test, interval: dur(hc.interval), timeout: dur(hc.timeout), start_period: dur(hc.startPeriod),
      start_interval: dur(hc.startInterval), retries: hc.retries, disable: hc.disable || undefined,
    }),
    restart: s.restart && (s.restart.maxRetries !== undefined ? `${s.restart.name}:${s.restart.maxRetries}` : s.restart.name),
    deploy,
    user: s.user,
    working_dir: s.workingDir,
    labels: sorted(s.labels),
    annotations: sorted(s.annotations),
    init: s.init,
    cap_add: s.capAdd,
    cap_drop: s.capDrop,
    privileged: s.privileged,
    read_only: s.readOnly,
    hostname: s.hostname,
    domainname: s.domainname,
    container_name: s.containerName,
    stop_signal: s.stopSignal,
    stop_grace_period: dur(s.stopGracePeriod),
    dns: s.dns,
    dns_search: s.dnsSearch,
    dns_opt: s.dnsOpt,
    extra_hosts: s.extraHosts.map((h) => `${h.host}=${h.ip}`),
    profiles: s.profiles,
    secrets: s.secrets.map((x) => compact({ source: x.source, target: x.target, uid: x.uid, gid: x.gid, mode: x.mode?.toString(8).padStart(4, '0') })),
    configs: s.configs.map((x) => compact({ source: x.source, target: x.target, uid: x.uid, gid: x.gid, mode: x.mode?.toString(8).padStart(4, '0') })),
    pid: s.pid,
    ipc: s.ipc,
    shm_size: s.shmSize,
    ulimits: sorted(s.ulimits, (u) => (u.soft === u.hard ? u.soft : { soft: u.soft, hard: u.hard })),
    sysctls: sorted(s.sysctls),
    tty: s.tty,
    stdin_open: s.stdinOpen,
    pull_policy: s.pullPolicy,
    platform: s.platform,
    security_opt: s.securityOpt,
    devices: s.devices,
    group_add: s.groupAdd,
    logging: s.logging && compact({ driver: s.logging.driver, options: s.logging.options }),
    ...unmodelled,
    ...s.extensions,
  });
}

const fileObject = (o: ComposeFileObject) =>
  compact({ name: o.name, file: o.file, environment: o.environment, content: o.content, external: o.external || undefined, labels: o.labels });

/** The project as YAML. */
export function renderConfig(p: ComposeProject): string {
  const doc = compact({
    name: p.name,
    services: sorted(p.services, renderService),
    networks: sorted(p.networks, (n) => compact({
      name: n.name, external: n.external || undefined, driver: n.driver, driver_opts: n.driverOpts, internal: n.internal,
      attachable: n.attachable, enable_ipv6: n.enableIpv6,
      ipam: n.ipam && compact({ driver: n.ipam.driver, config: n.ipam.config.map((c) => compact({ subnet: c.subnet, gateway: c.gateway, ip_range: c.ipRange })) }),
      labels: n.labels,
    })),
    volumes: sorted(p.volumes, (v) => compact({ name: v.name, external: v.external || undefined, driver: v.driver, driver_opts: v.driverOpts, labels: v.labels })),
    secrets: sorted(p.secrets, fileObject),
    configs: sorted(p.configs, fileObject),
    ...p.extensions,
  });
  return stringify(doc, { version: '1.1', lineWidth: 0, aliasDuplicateObjects: false });
}
