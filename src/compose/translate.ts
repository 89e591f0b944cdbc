// A Compose service as the engine's ContainerSpec: a pure function of the
// resolved model, the replica number and the names of the containers it may
// join (network_mode/ipc/pid "service:X"). What the spec cannot express is
// either a warning naming the service and key (metadata husk can ignore
// safely) or an INVALID_ARGUMENT (settings that would change what runs).
import { invalidArgument } from '../common/errors.ts';
import { serviceImage } from './build.ts';
import type { ContainerSpec, DeviceSpec, MountSpec, PortSpec } from '../specgen/container.ts';
import { containerLabels, networkAliases, networkName, volumeName, type ContainerLabelOptions } from './naming.ts';
import type { ComposeProject, ComposeService } from './types.ts';

/** A network the container joins after create, before its first start (the spec holds one). */
export interface ExtraNetwork {
  name: string;
  aliases: string[];
  ip?: string;
  mac?: string;
}

export interface Translation {
  spec: ContainerSpec;
  extraNetworks: ExtraNetwork[];
  warnings: string[];
}

export interface TranslateOptions extends ContainerLabelOptions {
  /** The container name (containerName() or a one-off's). */
  name: string;
  /** service:X → the container to join (X's first replica). */
  serviceContainer: (service: string) => string;
}

const MS_TO_NS = 1e6;

export function translateService(project: ComposeProject, s: ComposeService, o: TranslateOptions): Translation {
  const warnings: string[] = [];
  const at = (key: string) => `service "${s.name}": ${key}`;
  const warn = (key: string, why: string) => warnings.push(`${at(key)}: ${why}`);
  const fail = (key: string, why: string) => { throw invalidArgument(`${at(key)}: ${why}`); };

  for (const key of Object.keys(s.unmodelled)) warn(key, 'not supported by husk yet; ignored');
  const image = serviceImage(project, s);
  if (!image) fail('image', 'required (or build)');
  if (s.init) warn('init', 'not supported yet; ignored');
  if (s.domainname) warn('domainname', 'not supported yet; ignored');
  if (Object.keys(s.annotations).length) warn('annotations', 'not supported yet; ignored');
  if (s.logging?.driver && !['k8s-file', 'json-file'].includes(s.logging.driver)) warn('logging.driver', `"${s.logging.driver}" is not supported; using k8s-file`);
  if (s.platform) warn('platform', 'ignored: the host platform is used');

  const spec: ContainerSpec = {
    image: image!,
    name: o.name,
    command: s.command,
    entrypoint: s.entrypoint,
    env: s.environment,
    labels: containerLabels(project, s, o),
    workdir: s.workingDir,
    user: s.user,
    hostname: s.hostname,
    tty: s.tty,
    interactive: s.stdinOpen,
    privileged: s.privileged,
    readOnly: s.readOnly,
    capAdd: s.capAdd.length ? s.capAdd : undefined,
    capDrop: s.capDrop.length ? s.capDrop : undefined,
    groupAdd: s.groupAdd.length ? s.groupAdd : undefined,
    stopSignal: s.stopSignal,
    // The spec counts whole seconds; round a sub-second grace period up rather than to 0 (no grace).
    stopTimeout: s.stopGracePeriod === undefined ? undefined : Math.ceil(s.stopGracePeriod / 1000),
    dns: s.dns.length ? s.dns : undefined,
    dnsSearch: s.dnsSearch.length ? s.dnsSearch : undefined,
    dnsOption: s.dnsOpt.length ? s.dnsOpt : undefined,
    extraHosts: s.extraHosts.length ? s.extraHosts.map((h) => ({ host: h.host, ip: h.ip })) : undefined,
    sysctls: Object.keys(s.sysctls).length ? s.sysctls : undefined,
    ulimits: Object.entries(s.ulimits).map(([name, u]) => ({ name, soft: u.soft, hard: u.hard })),
    shmSize: s.shmSize,
    memory: s.resources.memory,
    memoryReservation: s.resources.reservations?.memory,
    cpus: s.resources.cpus,
    pidsLimit: s.resources.pids,
    devices: s.devices.map(device),
    mounts: mounts(project, s),
    portMappings: s.ports.map((p): PortSpec => ({ containerPort: p.target, hostPort: p.published, hostIp: p.hostIp, protocol: p.protocol })),
    restartPolicy: s.restart && { name: s.restart.name, maximumRetryCount: s.restart.maxRetries },
    healthcheck: healthcheck(s),
    pidMode: namespaceMode(s.pid, o.serviceContainer),
    ipcMode: namespaceMode(s.ipc, o.serviceContainer),
    // The engine pulls at `up` when missing (project.ts pulls first, to report progress per service).
    pull: s.pullPolicy === 'always' ? 'always' : s.pullPolicy === 'never' ? 'never' : 'missing',
  };
  security(s.securityOpt, spec, warn);
  for (const p of s.ports) if (p.publishedEnd !== undefined && p.publishedEnd !== p.published) warn(`ports`, `host port range ${p.published}-${p.publishedEnd}: publishing on ${p.published}`);

  // Secrets and configs from files are read-only bind mounts, as Docker Compose does without swarm;
  // an external secret is one of the engine's secret store (as podman-compose reads it), copied in at create,
  // and so is an environment one, once `up` stored the variable's value there.
  for (const [kind, refs, objects] of [['secrets', s.secrets, project.secrets], ['configs', s.configs, project.configs]] as const) {
    for (const r of refs) {
      const obj = objects[r.source];
      // External: the store's own; environment: the copy `up` stores (compose/secrets.ts).
      if (kind === 'secrets' && (obj?.external || obj?.environment !== undefined)) {
        const id = (v: string | undefined, what: string) => {
          if (v === undefined) return undefined;
          if (!/^\d+$/.test(v)) fail(`${kind}.${r.source}.${what}`, `must be a number for an external secret (got "${v}")`);
          return Number(v);
        };
        const uid = id(r.uid, 'uid');
        const gid = id(r.gid, 'gid');
        (spec.secrets ??= []).push({ source: obj.name, target: r.target, ...(uid !== undefined ? { uid } : {}), ...(gid !== undefined ? { gid } : {}), ...(r.mode !== undefined ? { mode: r.mode } : {}) });
        continue;
      }
      if (!obj?.file) fail(`${kind}.${r.source}`, `only file-based ${kind}${kind === 'secrets' ? ', environment and external ones' : ''} are supported`);
      if (r.uid || r.gid || r.mode !== undefined) warn(`${kind}.${r.source}`, 'uid, gid and mode are ignored');
      spec.mounts!.push({ type: 'bind', source: obj!.file, destination: r.target, options: ['ro'] });
    }
  }

  const extraNetworks: ExtraNetwork[] = [];
  const mode = s.networkMode;
  if (mode === 'host' || mode === 'none') spec.network = mode;
  else if (mode?.startsWith('service:')) spec.network = `container:${o.serviceContainer(mode.slice(8))}`;
  else if (mode?.startsWith('container:')) spec.network = mode;
  else if (mode === 'bridge') spec.network = 'bridge';
  else if (mode) fail('network_mode', `"${mode}" is not supported`);
  else {
    // Networks by priority (highest first), then key, as Docker Compose connects them.
    const keys = Object.keys(s.networks).sort((a, b) => (s.networks[b].priority ?? 0) - (s.networks[a].priority ?? 0) || (a < b ? -1 : 1));
    keys.forEach((key, i) => {
      const n = s.networks[key];
      if (n.ipv6Address) warn(`networks.${key}.ipv6_address`, 'not supported yet; ignored');
      const net: ExtraNetwork = { name: networkName(project, key), aliases: networkAliases(s, key), ip: n.ipv4Address, mac: n.macAddress };
      if (i > 0) return extraNetworks.push(net);
      spec.network = net.name;
      spec.networkAliases = net.aliases;
      spec.ip = net.ip;
      spec.mac = net.mac;
    });
    if (!keys.length) spec.network = 'none';
  }
  if (o.number > 1 || s.replicas > 1) {
    // Replicas share the service's settings; a fixed address or MAC would clash.
    if (spec.ip || spec.mac || extraNetworks.some((n) => n.ip || n.mac)) fail('networks', 'a static ipv4_address or mac_address needs a single replica');
  }
  return { spec: dropEmpty(spec), extraNetworks, warnings };
}

function mounts(project: ComposeProject, s: ComposeService): MountSpec[] {
  const out: MountSpec[] = [];
  for (const v of s.volumes) {
    const options = v.readOnly ? ['ro'] : [];
    if (v.type === 'volume') {
      if (v.volume?.subpath) throw invalidArgument(`service "${s.name}": volumes ${v.target}: volume subpath is not supported yet`);
      out.push(v.source
        ? { type: 'volume', source: volumeName(project, v.source), destination: v.target, options }
        : { type: 'volume', destination: v.target, options, anonymous: true });
    } else if (v.type === 'bind') {
      if (v.bind?.propagation) options.push(v.bind.propagation);
      out.push({ type: 'bind', source: v.source, destination: v.target, options });
    } else {
      if (v.tmpfs?.size) options.push(`size=${v.tmpfs.size}`);
      if (v.tmpfs?.mode !== undefined) options.push(`mode=${v.tmpfs.mode.toString(8)}`);
      out.push({ type: 'tmpfs', destination: v.target, options });
    }
  }
  for (const t of s.tmpfs) {
    const i = t.indexOf(':');
    out.push({ type: 'tmpfs', destination: i < 0 ? t : t.slice(0, i), options: i < 0 ? [] : t.slice(i + 1).split(',').filter(Boolean) });
  }
  return out;
}

function healthcheck(s: ComposeService): ContainerSpec['healthcheck'] {
  const h = s.healthcheck;
  if (!h) return undefined;
  if (h.disable) return { test: ['NONE'] };
  if (!h.test) return undefined;
  const ns = (ms?: number) => (ms === undefined ? undefined : ms * MS_TO_NS);
  return { test: h.test, interval: ns(h.interval), timeout: ns(h.timeout), startPeriod: ns(h.startPeriod), retries: h.retries };
}

/** "HOST[:CONTAINER[:PERMS]]" */
function device(d: string): DeviceSpec {
  const [path, containerPath, permissions] = d.split(':');
  if (containerPath && /^[rwm]+$/.test(containerPath) && !permissions) return { path, permissions: containerPath };
  return { path, containerPath: containerPath || undefined, permissions: permissions || undefined };
}

function namespaceMode(mode: string | undefined, serviceContainer: (s: string) => string): string | undefined {
  return mode?.startsWith('service:') ? `container:${serviceContainer(mode.slice(8))}` : mode;
}

function security(opts: string[], spec: ContainerSpec, warn: (key: string, why: string) => void): void {
  for (const o of opts) {
    const [k, v] = o.split(/[=:](.*)/s);
    if (k === 'no-new-privileges') spec.noNewPrivileges = v === undefined || v === 'true';
    else if (k === 'seccomp') spec.seccompProfile = v;
    else warn('security_opt', `"${o}" is not supported yet; ignored`);
  }
}

/** Leaves out empty lists, so a spec reads like one written by hand (and inspect shows no noise). */
function dropEmpty(spec: ContainerSpec): ContainerSpec {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(spec)) {
    if (v === undefined || (Array.isArray(v) && !v.length && k !== 'command' && k !== 'entrypoint')) continue;
    out[k] = v;
  }
  return out as unknown as ContainerSpec;
}
