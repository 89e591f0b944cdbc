// validateSpec: the one check of a ContainerSpec, whoever built it (CLI,
// REST API, kube play), before the engine acts on it (Podman's
// specgen.Validate). Pure: what needs the host (does the bind source or the
// device exist, is the port free, is the network there) is the engine's, at
// create. Messages name the spec's concepts, not a CLI flag; those the CLI
// tests assert keep Podman's words.
import { isIP } from 'node:net';
import { availableParallelism } from 'node:os';
import { isAbsolute } from 'node:path';
import { invalidArgument } from '../common/errors.ts';
import { effectiveCaps } from '../runtime/spec/security.ts';
import type { ContainerSpec, HealthcheckSpec, IdMapping, MountSpec, PortSpec, RestartPolicySpec } from './container.ts';
import { parseSignal } from './signals.ts';
import { secretTarget, validateSecrets } from './secrets.ts';

export const PROPAGATION = ['shared', 'slave', 'private', 'rshared', 'rslave', 'rprivate'];
/** Options a bind or volume mount passes to the mount as they are. */
export const PASSTHROUGH = ['ro', 'rw', 'nosuid', 'suid', 'nodev', 'dev', 'noexec', 'exec', ...PROPAGATION];
/** Valid UlimitSpec names and the rlimit each sets. */
export const ULIMITS: Record<string, string> = {
  core: 'RLIMIT_CORE', cpu: 'RLIMIT_CPU', data: 'RLIMIT_DATA', fsize: 'RLIMIT_FSIZE', locks: 'RLIMIT_LOCKS',
  memlock: 'RLIMIT_MEMLOCK', msgqueue: 'RLIMIT_MSGQUEUE', nice: 'RLIMIT_NICE', nofile: 'RLIMIT_NOFILE',
  nproc: 'RLIMIT_NPROC', rss: 'RLIMIT_RSS', rtprio: 'RLIMIT_RTPRIO', rttime: 'RLIMIT_RTTIME',
  sigpending: 'RLIMIT_SIGPENDING', stack: 'RLIMIT_STACK', as: 'RLIMIT_AS',
};

const NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;
/** A 48-bit MAC address, colon or dash separated (the EUI-48 forms Go's net.ParseMAC accepts). */
const MAC = /^[0-9a-fA-F]{2}([:-])[0-9a-fA-F]{2}(\1[0-9a-fA-F]{2}){4}$/;
const isUint = (n: unknown, max = Number.MAX_SAFE_INTEGER): n is number => Number.isInteger(n) && (n as number) >= 0 && (n as number) <= max;

export function validateSpec(i: ContainerSpec): void {
  if (!i.image && !i.rootfs) throw invalidArgument('an image is required');
  if (i.rootfs !== undefined && !isAbsolute(i.rootfs)) throw invalidArgument(`rootfs "${i.rootfs}" must be an absolute path`);
  if (i.name !== undefined && !NAME.test(i.name)) {
    throw invalidArgument(`container name "${i.name}" must match [a-zA-Z0-9][a-zA-Z0-9_.-]*: invalid argument`);
  }
  for (const [ns, m] of [['pid', i.pidMode], ['uts', i.utsMode]] as const) {
    if (m && !/^(private|host|container:.+)$/.test(m)) throw invalidArgument(`invalid ${ns} namespace mode "${m}": must be private, host or container:NAME`);
  }
  if (i.ipcMode && !/^(private|shareable|none|host|container:.+)$/.test(i.ipcMode)) {
    throw invalidArgument(`invalid ipc namespace mode "${i.ipcMode}": must be private, shareable, none, host or container:NAME`);
  }
  if (i.initContainerType !== undefined) {
    if (!i.pod) throw invalidArgument('must specify pod value with init-ctr');
    if (!['always', 'once'].includes(i.initContainerType)) throw invalidArgument("init-ctr value must be 'always' or 'once'");
  }
  if (i.cgroupsMode && !['enabled', 'disabled', 'no-conmon', 'split'].includes(i.cgroupsMode)) throw invalidArgument(`invalid cgroups mode "${i.cgroupsMode}": must be enabled, disabled, no-conmon or split`);
  // Podman's rules for containers without a cgroup (libpod container_validate.go): the pid namespace is their only handle.
  if (i.cgroupsMode === 'disabled') {
    if (i.pidMode?.startsWith('container:')) throw invalidArgument("cannot join another container's PID namespace if not creating cgroups: invalid argument");
    if (i.pidMode === 'host' || i.pidMode?.startsWith('ns:')) throw invalidArgument('containers not creating Cgroups must create a private PID namespace: invalid argument');
  }
  if (i.cgroupns && !['host', 'private'].includes(i.cgroupns)) throw invalidArgument(`invalid cgroup namespace mode "${i.cgroupns}": must be host or private`);
  if (i.umask !== undefined && !/^[0-7]{1,4}$/.test(i.umask)) throw invalidArgument(`invalid umask string ${i.umask}: invalid argument`);
  if (i.personality !== undefined && !/^LINUX(32)?$/.test(i.personality)) throw invalidArgument(`invalid personality "${i.personality}": must be LINUX or LINUX32`);
  if (i.timeout !== undefined && !isUint(i.timeout)) throw invalidArgument('timeout must be a non-negative integer');
  if (i.timezone !== undefined && (!i.timezone || i.timezone.includes('..'))) throw invalidArgument(`invalid time zone "${i.timezone}"`);
  for (const r of i.deviceCgroupRules ?? []) parseDeviceCgroupRule(r);
  for (const d of i.chrootDirs ?? []) if (!isAbsolute(d)) throw invalidArgument(`chroot directory "${d}" must be an absolute path`);
  if (i.imageVolumeMode !== undefined && !['bind', 'tmpfs', 'ignore'].includes(i.imageVolumeMode)) throw invalidArgument(`invalid image volume mode "${i.imageVolumeMode}" required value: bind, tmpfs, ignore`);
  if (i.seccompPolicy !== undefined && !['default', 'image'].includes(i.seccompPolicy)) throw invalidArgument(`invalid seccomp policy "${i.seccompPolicy}": valid policies are ["default" "image"]`);
  for (const x of i.expose ?? []) {
    if (!isUint(x.port, 65535) || x.port < 1) throw invalidArgument(`port numbers must be between 1 and 65535 (inclusive), got ${x.port}`);
    if (x.protocol && !['tcp', 'udp', 'sctp'].includes(x.protocol)) throw invalidArgument(`validating protocols for exposed port ${x.port}: unrecognized protocol "${x.protocol}" in port mapping`);
  }
  if (i.logDriver && !['k8s-file', 'json-file', 'journald', 'none', 'passthrough'].includes(i.logDriver)) {
    throw invalidArgument(`invalid log driver: ${i.logDriver}`);
  }
  if (i.logDriver === 'passthrough' && i.tty) throw invalidArgument('the passthrough log driver cannot be used with a terminal');
  if (i.pull && !['missing', 'always', 'never', 'newer'].includes(i.pull)) throw invalidArgument(`invalid pull policy "${i.pull}": must be missing, always, never or newer`);
  if (i.network && !/^([a-zA-Z0-9][a-zA-Z0-9_.-]*|container:.+|ns:\/.*|slirp4netns:.*|pasta:.*)$/.test(i.network)) throw invalidArgument(`invalid network "${i.network}"`);
  if (i.ip && !isIP(i.ip)) throw invalidArgument(`invalid static IP address "${i.ip}"`);
  if (i.ip6 && isIP(i.ip6) !== 6) throw invalidArgument(`invalid static IPv6 address "${i.ip6}"`);
  if (i.mac && !MAC.test(i.mac)) throw invalidArgument(`invalid static MAC address "${i.mac}": address ${i.mac}: invalid MAC address`);
  if (i.extraNetworks?.length) {
    // Unset: the engine's default mode, checked there.
    const mode = i.network ?? 'bridge';
    if (/^(none|host|private)$|^(container|ns|slirp4netns|pasta)(:|$)/.test(mode)) {
      throw invalidArgument(`cannot set multiple networks without bridge network mode, selected mode ${mode.split(':')[0].replace(/^ns$/, 'path')}: invalid argument`);
    }
    for (const n of i.extraNetworks) {
      if (!NAME.test(n.network) || n.network === 'bridge') throw invalidArgument(`invalid extra network "${n.network}": must be a network's name`);
      if (n.ip && !isIP(n.ip)) throw invalidArgument(`invalid static IP address "${n.ip}" on network ${n.network}`);
      if (n.ip6 && isIP(n.ip6) !== 6) throw invalidArgument(`invalid static IPv6 address "${n.ip6}" on network ${n.network}`);
      if (n.mac && !MAC.test(n.mac)) throw invalidArgument(`invalid static MAC address "${n.mac}": address ${n.mac}: invalid MAC address`);
    }
  }
  if (i.stopTimeout !== undefined && !isUint(i.stopTimeout)) throw invalidArgument('stop timeout must be a non-negative integer');
  if (i.stopSignal) parseSignal(i.stopSignal);
  for (const k of Object.keys(i.env ?? {})) if (!k || k.includes('=')) throw invalidArgument(`invalid environment variable name "${k}"`);
  validateResources(i);
  for (const k of Object.keys(i.sysctls ?? {})) validateSysctl(k, i.network === 'host');
  validateUserns(i);
  validateMounts(i.mounts ?? []);
  if (i.secrets?.length) {
    validateSecrets(i.secrets);
    const taken = new Set((i.mounts ?? []).map((m) => m.destination.replace(/\/+$/, '')));
    for (const sec of i.secrets) if (sec.type !== 'env' && taken.has(secretTarget(sec))) throw invalidArgument(`secret ${sec.source}: ${secretTarget(sec)}: duplicate mount destination`);
  }
  for (const v of i.volumesFrom ?? []) {
    if (!v.container || (v.mode !== undefined && v.mode !== 'ro' && v.mode !== 'rw')) throw invalidArgument(`invalid volumes-from "${v.container}:${v.mode}": mode must be ro or rw`);
  }
  i.portMappings?.forEach(validatePort);
  for (const u of i.ulimits ?? []) {
    if (!(u.name in ULIMITS)) throw invalidArgument(`unknown ulimit "${u.name}": must be one of ${Object.keys(ULIMITS).join(', ')}`);
    if (![u.soft, u.hard].every((n) => Number.isInteger(n) && n >= -1)) throw invalidArgument(`ulimit ${u.name}: limits must be integers, -1 for unlimited`);
    if (u.hard !== -1 && (u.soft === -1 || u.soft > u.hard)) throw invalidArgument(`ulimit ${u.name}: soft limit ${u.soft} exceeds hard limit ${u.hard}`);
  }
  for (const d of i.devices ?? []) {
    if (!isAbsolute(d.path) || (d.containerPath !== undefined && !isAbsolute(d.containerPath))) throw invalidArgument(`device ${d.path}: paths must be absolute`);
    if (d.permissions !== undefined && !/^[rwm]+$/.test(d.permissions)) throw invalidArgument(`device ${d.path}: permissions "${d.permissions}" must be a combination of r, w and m`);
  }
  // Podman's specgen Validate (4.3 and 5): the joined container's /etc/hosts is shared, not this one's.
  if (i.network?.startsWith('container:') && i.extraHosts?.length) {
    throw invalidArgument('invalid config provided: cannot set extra host entries when the container is joined to another containers network namespace: invalid configuration');
  }
  for (const h of i.extraHosts ?? []) {
    if (!h.host || /[\s:]/.test(h.host) || !isIP(h.ip)) throw invalidArgument(`invalid extra host "${h.host}:${h.ip}": expected a host name and an IP address`);
  }
  if (i.healthcheck) validateHealthcheck(i.healthcheck);
  if (i.restartPolicy) validateRestartPolicy(i.restartPolicy);
  if (i.sdNotifyMode !== undefined && !['container', 'conmon', 'healthy', 'ignore'].includes(i.sdNotifyMode)) {
    throw invalidArgument(`invalid sdnotify value "${i.sdNotifyMode}": must be container, conmon, healthy or ignore`);
  }
  if (i.preserveFds !== undefined && !isUint(i.preserveFds)) throw invalidArgument(`invalid preserve-fds ${i.preserveFds}: must be a non-negative integer`);
  if (i.systemd !== undefined && !['true', 'false', 'always'].includes(i.systemd)) throw invalidArgument(`invalid systemd value "${i.systemd}": must be true, false or always`);
  // Podman's check and words: a removed container cannot be restarted.
  if (i.autoRemove && i.restartPolicy && i.restartPolicy.name !== 'no') throw invalidArgument('the --rm option conflicts with --restart, when the restartPolicy is not "" and "no"');
  effectiveCaps(i);
}

function validateResources(i: ContainerSpec): void {
  if (i.memory !== undefined && i.memory < 6 * 1024 * 1024) throw invalidArgument('minimum memory limit allowed is 6MB');
  if (i.memoryReservation !== undefined && i.memoryReservation < 6 * 1024 * 1024) throw invalidArgument('minimum memory reservation allowed is 6MB');
  if (i.memorySwap !== undefined && i.memorySwap !== -1 && (i.memory === undefined || i.memorySwap < i.memory)) {
    throw invalidArgument('the memory-swap limit must be -1 or at least the memory limit, which must be set (the swap limit includes the memory)');
  }
  if (i.cpus !== undefined) {
    const n = availableParallelism();
    if (!(i.cpus >= 0.01 && i.cpus <= n)) throw invalidArgument(`range of CPUs is from 0.01 to ${n}.00, as there are only ${n} CPUs available`);
  }
  if (i.cpuShares !== undefined && (i.cpuShares < 2 || i.cpuShares > 262144)) throw invalidArgument('CPU shares must be between 2 and 262144');
  if (i.cpusetCpus !== undefined && !/^\d+(-\d+)?(,\d+(-\d+)?)*$/.test(i.cpusetCpus)) throw invalidArgument(`invalid CPU set "${i.cpusetCpus}"`);
  if (i.oomScoreAdj !== undefined && (!Number.isInteger(i.oomScoreAdj) || i.oomScoreAdj < -1000 || i.oomScoreAdj > 1000)) {
    throw invalidArgument('oom-score-adj must be an integer between -1000 and 1000');
  }
  if (i.shmSize !== undefined && i.shmSize <= 0) throw invalidArgument('the size of /dev/shm must be larger than 0');
  // Podman's (pkg/specgen/generate/validate.go) checks and words.
  if (i.cpuPeriod !== undefined && (!isUint(i.cpuPeriod) || i.cpuPeriod < 1000 || i.cpuPeriod > 1000000)) {
    throw invalidArgument('CPU cfs period cannot be less than 1ms (i.e. 1000) or larger than 1s (i.e. 1000000)');
  }
  if (i.cpuQuota !== undefined && (!Number.isInteger(i.cpuQuota) || i.cpuQuota < 1000)) throw invalidArgument('CPU cfs quota cannot be less than 1ms (i.e. 1000)');
  for (const [v, what] of [[i.cpuRtPeriod, 'period'], [i.cpuRtRuntime, 'runtime']] as const) {
    if (v !== undefined && !isUint(v)) throw invalidArgument(`invalid CPU real-time ${what} ${v}: must be a non-negative integer`);
  }
  if (i.memorySwappiness !== undefined && (!isUint(i.memorySwappiness) || i.memorySwappiness > 100)) {
    throw invalidArgument(`invalid value: ${i.memorySwappiness}, valid memory swappiness range is 0-100`);
  }
  if (i.blkioWeight !== undefined && (!isUint(i.blkioWeight) || i.blkioWeight < 10 || i.blkioWeight > 1000)) throw invalidArgument('range of blkio weight is from 10 to 1000');
  for (const d of i.blkioWeightDevice ?? []) {
    if (!d.path?.startsWith('/dev/') || !isUint(d.weight) || (d.weight > 0 && (d.weight < 10 || d.weight > 1000))) throw invalidArgument(`invalid weight for device: ${d.path}:${d.weight}`);
  }
  for (const d of [...i.deviceReadBps ?? [], ...i.deviceWriteBps ?? [], ...i.deviceReadIops ?? [], ...i.deviceWriteIops ?? []]) {
    if (!d.path?.startsWith('/dev/')) throw invalidArgument(`bad format for device path: ${d.path}:${d.rate}`);
    if (!isUint(d.rate, Number.MAX_SAFE_INTEGER)) throw invalidArgument(`invalid rate for device: ${d.path}:${d.rate}. Number must be a positive integer`);
  }
  if (i.cgroupConf !== undefined) {
    for (const k of Object.keys(i.cgroupConf)) if (!k || k.includes('/')) throw invalidArgument(`invalid --cgroup-conf key "${k}": must be a file name of the cgroup`);
  }
  if (i.cgroupParent !== undefined) {
    // Podman with the cgroupfs manager (husk's): a path, not a systemd slice.
    if (i.cgroupParent.endsWith('.slice')) throw invalidArgument('systemd slice received as cgroup parent when using cgroupfs: invalid argument');
    if (i.cgroupParent.split('/').includes('..')) throw invalidArgument(`invalid cgroup parent "${i.cgroupParent}": it must not contain ".."`);
  }
}

/** Only namespaced sysctls may be set, as in Podman; net.* not with the host's network. */
function validateSysctl(key: string, hostNet: boolean): void {
  const ipc = /^(kernel\.(shm\w+|msg\w+|sem)|fs\.mqueue\.\w+)$/.test(key);
  const net = key.startsWith('net.');
  if (net && hostNet) throw invalidArgument(`sysctl "${key}" is not allowed in the hosts network namespace`);
  if (!ipc && !net) throw invalidArgument(`sysctl "${key}" is not allowed`);
}

function validateUserns(i: ContainerSpec): void {
  const u = i.userns;
  if (u) {
    if (!['host', 'keep-id', 'auto'].includes(u.mode)) throw invalidArgument(`invalid user namespace mode "${u.mode}": must be host, keep-id or auto`);
    const ids = u.mode === 'keep-id' ? [u.uid, u.gid] : u.mode === 'auto' ? [u.size] : [];
    if (!ids.every((n) => n === undefined || isUint(n, 4294967294))) throw invalidArgument(`user namespace ${u.mode}: ids and sizes must be non-negative integers`);
    if (u.mode === 'auto' && u.size === 0) throw invalidArgument('user namespace auto: size must be positive');
  }
  const maps: IdMapping[] = [...(i.uidMap ?? []), ...(i.gidMap ?? [])];
  for (const m of maps) {
    if (!isUint(m.containerID) || !isUint(m.hostID) || !isUint(m.size) || m.size === 0) {
      throw invalidArgument(`invalid ID mapping ${m.containerID}:${m.hostID}:${m.size}: ids must be non-negative integers and the size positive`);
    }
  }
  if (maps.length && u && u.mode !== 'host') throw invalidArgument(`user namespace mode ${u.mode} and explicit uid/gid mappings cannot be combined`);
}

/** A device cgroup rule as Docker writes it: TYPE MAJOR:MINOR ACCESS ("c 1:3 rwm", "a *:* rwm"). */
export function parseDeviceCgroupRule(rule: string): { type: 'a' | 'b' | 'c'; major?: number; minor?: number; access: string } {
  const m = /^([abc]) (\*|\d+):(\*|\d+) ([rwm]{1,3})$/.exec(rule.trim());
  if (!m) throw invalidArgument(`invalid device cgroup rule "${rule}": expected TYPE MAJOR:MINOR ACCESS, e.g. "c 1:3 rwm"`);
  const num = (v: string) => (v === '*' ? undefined : Number(v));
  return { type: m[1] as 'a' | 'b' | 'c', major: num(m[2]!), minor: num(m[3]!), access: m[4]! };
}

const TMPFS_OPTION = /^[a-z_0-9]+(=[^,\s]+)?$/;

function validateMounts(mounts: MountSpec[]): void {
  const seen = new Map<string, string>();
  for (const m of mounts) {
    const what = `${m.type} mount on ${m.destination}`;
    if (!['bind', 'volume', 'tmpfs', 'image'].includes(m.type)) throw invalidArgument(`invalid mount type "${m.type}": must be bind, volume, tmpfs or image`);
    if (!m.destination || !isAbsolute(m.destination)) throw invalidArgument(`invalid mount destination "${m.destination}": must be an absolute path`);
    if ((m.type === 'bind' || m.type === 'image') && !m.source) throw invalidArgument(`invalid ${what}: a source is required`);
    if (m.type === 'bind' && !isAbsolute(m.source!)) throw invalidArgument(`invalid ${what}: the source "${m.source}" must be an absolute path`);
    if (m.type === 'tmpfs' && m.source) throw invalidArgument(`invalid ${what}: tmpfs takes no source`);
    if (m.type === 'volume' && !m.source && !m.anonymous) throw invalidArgument(`invalid ${what}: a named volume needs a source (or anonymous: true)`);
    if (!Array.isArray(m.options)) throw invalidArgument(`invalid ${what}: options must be a list`);
    if (m.subpath !== undefined) {
      if (m.type !== 'volume') throw invalidArgument(`invalid ${what}: subpath is only for volume mounts`);
      if (!m.subpath || isAbsolute(m.subpath) || m.subpath.split('/').includes('..')) throw invalidArgument(`invalid ${what}: subpath "${m.subpath}" must be a relative path without ".."`);
    }
    for (const o of m.options) {
      const ok = m.type === 'tmpfs' ? TMPFS_OPTION.test(o) : m.type === 'image' ? o === 'ro' || o === 'rw' : PASSTHROUGH.includes(o);
      if (!ok) throw invalidArgument(`invalid option "${o}" for the ${what}`);
    }
    // The same mount twice is one mount (Podman accepts -v vol:/x -v vol:/x); two different ones at one place conflict.
    const key = JSON.stringify([m.type, m.source, m.options, !!m.chown]);
    if (seen.has(m.destination) && seen.get(m.destination) !== key) throw invalidArgument(`${m.destination}: duplicate mount destination`);
    seen.set(m.destination, key);
  }
}

function validatePort(p: PortSpec): void {
  const n = p.range ?? 1;
  const what = `port mapping to container port ${p.containerPort}`;
  if (!isUint(p.containerPort, 65535) || p.containerPort < 1) throw invalidArgument(`invalid container port ${p.containerPort}: must be 1 to 65535`);
  if (!isUint(n) || n < 1 || p.containerPort + n - 1 > 65535) throw invalidArgument(`invalid ${what}: range ${n} must be positive and end at 65535 or below`);
  if (p.hostPort !== undefined && (!isUint(p.hostPort, 65535) || p.hostPort + n - 1 > 65535)) throw invalidArgument(`invalid ${what}: host port ${p.hostPort} must be 0 to 65535`);
  if (!p.hostPort && n > 1) throw invalidArgument(`invalid ${what}: a random host port cannot be used with a range`);
  if (p.protocol !== undefined && !['tcp', 'udp', 'sctp'].includes(p.protocol)) throw invalidArgument(`invalid ${what}: unknown protocol "${p.protocol}"`);
  if (p.hostIp && !isIP(p.hostIp)) throw invalidArgument(`invalid ${what}: invalid host IP address "${p.hostIp}"`);
}

export const HEALTH_ON_FAILURE = ['none', 'kill', 'restart', 'stop'];

function validateHealthcheck(h: HealthcheckSpec): void {
  const [kind, ...args] = h.test ?? [];
  if (!Array.isArray(h.test) || (kind === undefined ? false : kind === 'NONE' ? args.length : kind === 'CMD' ? !args.length : kind === 'CMD-SHELL' ? args.length !== 1 : true)) {
    throw invalidArgument('invalid healthcheck test: must be [] (the image\'s), ["NONE"], ["CMD", ARG...] or ["CMD-SHELL", COMMAND]');
  }
  for (const k of ['interval', 'timeout', 'startPeriod'] as const) {
    const v = h[k];
    // Docker's rule: 0 means the default, anything else at least 1ms; interval -1: no schedule.
    if (v === undefined || (k === 'interval' && v === -1)) continue;
    if (!isUint(v) || (v > 0 && v < 1_000_000)) throw invalidArgument(`invalid healthcheck ${k} ${v}: must be 0 (the default) or at least 1ms, in nanoseconds${k === 'interval' ? ' (-1: no schedule)' : ''}`);
  }
  if (h.retries !== undefined && !isUint(h.retries)) throw invalidArgument('invalid healthcheck retries: must be a non-negative integer');
  if (h.onFailure !== undefined && !HEALTH_ON_FAILURE.includes(h.onFailure)) {
    throw invalidArgument(`invalid on-failure action "${h.onFailure}" for health check: supported actions are ${HEALTH_ON_FAILURE.join(',')}`);
  }
  if (h.startup) {
    const [k, ...a] = h.startup.test ?? [];
    if (!Array.isArray(h.startup.test) || !(k === 'CMD' ? a.length : k === 'CMD-SHELL' ? a.length === 1 : false)) {
      throw invalidArgument('invalid startup healthcheck test: must be ["CMD", ARG...] or ["CMD-SHELL", COMMAND]');
    }
    for (const f of ['interval', 'timeout'] as const) {
      const v = h.startup[f];
      if (v !== undefined && (!isUint(v) || (v > 0 && v < 1_000_000))) throw invalidArgument(`invalid startup healthcheck ${f} ${v}: must be 0 (the default) or at least 1ms, in nanoseconds`);
    }
    for (const f of ['retries', 'successes'] as const) {
      if (h.startup[f] !== undefined && !isUint(h.startup[f])) throw invalidArgument(`invalid startup healthcheck ${f}: must be a non-negative integer`);
    }
  }
}

function validateRestartPolicy(r: RestartPolicySpec): void {
  if (!['no', 'always', 'on-failure', 'unless-stopped'].includes(r.name)) throw invalidArgument(`invalid restart policy "${r.name}": must be no, always, on-failure or unless-stopped`);
  if (r.maximumRetryCount !== undefined) {
    if (!isUint(r.maximumRetryCount)) throw invalidArgument('restart policy: the maximum retry count must be a non-negative integer');
    if (r.maximumRetryCount > 0 && r.name !== 'on-failure') throw invalidArgument(`restart policy ${r.name}: a maximum retry count can only be used with on-failure`);
  }
}
