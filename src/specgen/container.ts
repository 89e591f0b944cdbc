// ContainerIntent: what the user asked for, built alike by the CLI and by
// library callers, validated once, then translated into a stored config
// and at start into config.json. Every field is optional unless noted.
import { isIP } from 'node:net';
import { availableParallelism } from 'node:os';
import { invalidArgument } from '../common/errors.ts';
import { effectiveCaps } from '../runtime/spec/security.ts';
import type { ResourceLimits } from '../runtime/spec/resources.ts';

/**
 * bridge (the default network), a network's name, none (own netns, loopback
 * only), host, container:NAME, ns:PATH (join an existing netns),
 * slirp4netns[:OPTS], or private (the default mode). Unset: the engine's
 * default (defaultNetworkMode).
 */
export type NetworkMode = string;

export interface ContainerIntent extends ResourceLimits {
  /** Image reference (required). */
  image: string;
  /** Command; replaces the image's Cmd. */
  command?: string[];
  /** Replaces the image's Entrypoint ("" clears it). */
  entrypoint?: string[];
  name?: string;
  env?: Record<string, string>;
  workdir?: string;
  /** user[:group], by name or number. */
  user?: string;
  hostname?: string;
  labels?: Record<string, string>;
  /** Keep stdin open (-i). */
  interactive?: boolean;
  /** Allocate a pseudo-terminal (-t). */
  tty?: boolean;
  /** Remove the container after it exits (--rm). */
  autoRemove?: boolean;
  network?: NetworkMode;
  /** Seconds between the stop signal and SIGKILL. */
  stopTimeout?: number;
  stopSignal?: string;
  readOnly?: boolean;
  /** ulimits as "name=soft[:hard]". */
  ulimits?: string[];
  pidsLimit?: number;
  /** The command line that created it, for inspect. */
  createCommand?: string[];

  // Security (Podman's defaults unless set).
  privileged?: boolean;
  capAdd?: string[];
  capDrop?: string[];
  /** "unconfined", or a path to a Docker-format seccomp profile. */
  seccompProfile?: string;
  noNewPrivileges?: boolean;
  /** Extra paths to mask; paths to unmask ("ALL" for every default one). */
  mask?: string[];
  unmask?: string[];
  /** --device HOST[:CONTAINER][:PERMS]. */
  devices?: string[];
  /** Supplementary groups, by name or number. */
  groupAdd?: string[];
  sysctls?: Record<string, string>;

  // Resources: memory*, cpus, cpuShares, cpusetCpus come from ResourceLimits.
  oomScoreAdj?: number;
  shmSize?: number;

  // Storage: raw flag values, parsed at create (src/engine/mounts.ts).
  /** -v SRC:DEST[:OPTS] or -v DEST. */
  volumes?: string[];
  /** --mount type=...,... */
  mounts?: string[];
  /** --tmpfs DEST[:OPTS]. */
  tmpfs?: string[];
  /** --volumes-from CONTAINER[:ro|rw]. */
  volumesFrom?: string[];
  /** With readOnly: tmpfs on /tmp, /var/tmp and /run (default true, as Podman). */
  readOnlyTmpfs?: boolean;
  /** --pid/--ipc/--uts: private (default), host, or container:NAME (join a running container's). */
  pidMode?: string;
  ipcMode?: string;
  utsMode?: string;
  /** --dns, --dns-search, --add-host HOST:IP, --no-hosts. */
  dns?: string[];
  dnsSearch?: string[];
  addHost?: string[];
  noHosts?: boolean;
  /** -p/--publish [[ip:]hostPort:]containerPort[/proto]. */
  publish?: string[];
  /** --network-alias: extra DNS names on the container's networks. */
  networkAliases?: string[];
  /** --pod NAME|ID, or new:NAME to create the pod on the fly (its network flags move to the pod). */
  pod?: string;
  /** --userns: host (default: husk's own namespace), keep-id[:uid=N,gid=N] (rootless), auto[:size=N] (rootless). */
  userns?: string;
  /** --uidmap/--gidmap CONTAINER_ID:HOST_ID:SIZE; host ids are those of husk's namespace (rootless: 0 = the user). */
  uidmap?: string[];
  gidmap?: string[];
  /** --ip, --mac-address: static address and MAC on the (single) bridge network. */
  ip?: string;
  mac?: string;
  /** -P/--publish-all: publish every port the image EXPOSEs on a random host port. */
  publishAll?: boolean;
  /** --pull: missing (default), always, never, newer (treated as always). */
  pull?: 'missing' | 'always' | 'never' | 'newer';
}

const NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;
/** A 48-bit MAC address, colon or dash separated (the EUI-48 forms Go's net.ParseMAC accepts). */
const MAC = /^[0-9a-fA-F]{2}([:-])[0-9a-fA-F]{2}(\1[0-9a-fA-F]{2}){4}$/;

export const SIGNALS: Record<string, number> = {
  HUP: 1, INT: 2, QUIT: 3, ILL: 4, TRAP: 5, ABRT: 6, IOT: 6, BUS: 7, FPE: 8, KILL: 9, USR1: 10, SEGV: 11, USR2: 12,
  PIPE: 13, ALRM: 14, TERM: 15, STKFLT: 16, CHLD: 17, CONT: 18, STOP: 19, TSTP: 20, TTIN: 21, TTOU: 22, URG: 23,
  XCPU: 24, XFSZ: 25, VTALRM: 26, PROF: 27, WINCH: 28, IO: 29, PWR: 30, SYS: 31,
};

/** Parses "SIGTERM", "TERM", "15" into a signal number. */
export function parseSignal(s: string): number {
  const t = s.trim().toUpperCase();
  if (/^\d+$/.test(t)) {
    const n = Number(t);
    if (n >= 1 && n <= 64) return n;
  } else {
    const name = t.startsWith('SIG') ? t.slice(3) : t;
    if (name in SIGNALS) return SIGNALS[name];
    const rt = /^RTMIN(?:\+(\d+))?$/.exec(name);
    if (rt) return 34 + Number(rt[1] ?? 0);
  }
  throw invalidArgument(`invalid signal: ${s}`);
}

export function validateIntent(i: ContainerIntent): void {
  if (!i.image) throw invalidArgument('an image is required');
  if (i.name !== undefined && !NAME.test(i.name)) {
    throw invalidArgument(`container name "${i.name}" must match [a-zA-Z0-9][a-zA-Z0-9_.-]*: invalid argument`);
  }
  for (const [flag, m] of [['pid', i.pidMode], ['ipc', i.ipcMode], ['uts', i.utsMode]] as const) {
    if (m && !/^(private|host|container:.+)$/.test(m)) throw invalidArgument(`invalid --${flag} "${m}": must be private, host or container:NAME`);
  }
  for (const h of i.addHost ?? []) if (!/^[^:\s]+:[0-9a-fA-F.:]+$/.test(h)) throw invalidArgument(`invalid --add-host "${h}": expected HOST:IP`);
  if (i.pull && !['missing', 'always', 'never', 'newer'].includes(i.pull)) throw invalidArgument(`invalid pull policy "${i.pull}": must be missing, always, never or newer`);
  if (i.network && !/^([a-zA-Z0-9][a-zA-Z0-9_.-]*|container:.+|ns:\/.*|slirp4netns:.*)$/.test(i.network)) throw invalidArgument(`invalid network "${i.network}"`);
  if (i.ip && !isIP(i.ip)) throw invalidArgument(`invalid argument "${i.ip}" for "--ip" flag: invalid IP address`);
  if (i.mac && !MAC.test(i.mac)) throw invalidArgument(`invalid argument "${i.mac}" for "--mac-address" flag: address ${i.mac}: invalid MAC address`);
  if (i.stopTimeout !== undefined && (!Number.isInteger(i.stopTimeout) || i.stopTimeout < 0)) throw invalidArgument('stop timeout must be a non-negative integer');
  if (i.stopSignal) parseSignal(i.stopSignal);
  for (const k of Object.keys(i.env ?? {})) if (!k || k.includes('=')) throw invalidArgument(`invalid environment variable name "${k}"`);
  for (const u of i.ulimits ?? []) parseUlimit(u);
  if (i.memory !== undefined && i.memory < 6 * 1024 * 1024) throw invalidArgument('minimum memory limit allowed is 6MB');
  if (i.memoryReservation !== undefined && i.memoryReservation < 6 * 1024 * 1024) throw invalidArgument('minimum memory reservation allowed is 6MB');
  if (i.memorySwap !== undefined && i.memorySwap !== -1 && (i.memory === undefined || i.memorySwap < i.memory)) {
    throw invalidArgument('must set a memory limit no larger than --memory-swap (the swap limit includes the memory)');
  }
  if (i.cpus !== undefined) {
    const n = availableParallelism();
    if (!(i.cpus >= 0.01 && i.cpus <= n)) throw invalidArgument(`range of CPUs is from 0.01 to ${n}.00, as there are only ${n} CPUs available`);
  }
  if (i.cpuShares !== undefined && (i.cpuShares < 2 || i.cpuShares > 262144)) throw invalidArgument('--cpu-shares must be between 2 and 262144');
  if (i.cpusetCpus !== undefined && !/^\d+(-\d+)?(,\d+(-\d+)?)*$/.test(i.cpusetCpus)) throw invalidArgument(`invalid --cpuset-cpus "${i.cpusetCpus}"`);
  if (i.oomScoreAdj !== undefined && (!Number.isInteger(i.oomScoreAdj) || i.oomScoreAdj < -1000 || i.oomScoreAdj > 1000)) {
    throw invalidArgument('oom-score-adj must be an integer between -1000 and 1000');
  }
  if (i.shmSize !== undefined && i.shmSize <= 0) throw invalidArgument('--shm-size must be larger than 0');
  for (const k of Object.keys(i.sysctls ?? {})) validateSysctl(k, i.network === 'host');
  if (i.userns !== undefined) parseUserns(i.userns);
  for (const m of [...(i.uidmap ?? []), ...(i.gidmap ?? [])]) parseIdMapping(m);
  if ((i.uidmap?.length || i.gidmap?.length) && i.userns && parseUserns(i.userns).mode !== 'host') {
    throw invalidArgument('--userns and --uidmap/--gidmap cannot be combined');
  }
  effectiveCaps(i);
}

export type UsernsMode = { mode: 'host' } | { mode: 'keep-id'; uid?: number; gid?: number } | { mode: 'auto'; size?: number };

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

/** "CONTAINER_ID:HOST_ID:SIZE" → a mapping. */
export function parseIdMapping(s: string): { containerID: number; hostID: number; size: number } {
  const m = /^(\d+):(\d+):(\d+)$/.exec(s.trim());
  if (!m || Number(m[3]) === 0) throw invalidArgument(`invalid ID mapping "${s}": expected CONTAINER_ID:HOST_ID:SIZE with SIZE > 0`);
  return { containerID: Number(m[1]), hostID: Number(m[2]), size: Number(m[3]) };
}

/** Only namespaced sysctls may be set, as in Podman; net.* not with the host's network. */
function validateSysctl(key: string, hostNet: boolean): void {
  const ipc = /^(kernel\.(shm\w+|msg\w+|sem)|fs\.mqueue\.\w+)$/.test(key);
  const net = key.startsWith('net.');
  if (net && hostNet) throw invalidArgument(`sysctl "${key}" is not allowed in the hosts network namespace`);
  if (!ipc && !net) throw invalidArgument(`sysctl "${key}" is not allowed`);
}

/** "64m", "1g", "512k", "100" (bytes) → bytes. */
export function parseBytes(v: string, flag: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([bkmg]?)b?$/i.exec(v.trim());
  if (!m) throw invalidArgument(`invalid size "${v}" for --${flag}: expected a number with an optional unit (b, k, m, g)`);
  const mult: Record<string, number> = { '': 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 };
  return Math.round(Number(m[1]) * mult[m[2].toLowerCase()]);
}

export const ULIMITS: Record<string, string> = {
  core: 'RLIMIT_CORE', cpu: 'RLIMIT_CPU', data: 'RLIMIT_DATA', fsize: 'RLIMIT_FSIZE', locks: 'RLIMIT_LOCKS',
  memlock: 'RLIMIT_MEMLOCK', msgqueue: 'RLIMIT_MSGQUEUE', nice: 'RLIMIT_NICE', nofile: 'RLIMIT_NOFILE',
  nproc: 'RLIMIT_NPROC', rss: 'RLIMIT_RSS', rtprio: 'RLIMIT_RTPRIO', rttime: 'RLIMIT_RTTIME',
  sigpending: 'RLIMIT_SIGPENDING', stack: 'RLIMIT_STACK', as: 'RLIMIT_AS',
};

export function parseUlimit(s: string): { type: string; soft: number; hard: number } {
  const m = /^([a-z]+)=(-?\d+)(?::(-?\d+))?$/.exec(s.trim());
  if (!m || !(m[1] in ULIMITS)) throw invalidArgument(`invalid ulimit "${s}": expected NAME=SOFT[:HARD]`);
  // -1 means unlimited: kept as -1 here, written as RLIM_INFINITY by serializeSpec.
  const conv = (v: string) => (Number(v) < 0 ? -1 : Number(v));
  const soft = conv(m[2]);
  const hard = m[3] !== undefined ? conv(m[3]) : soft;
  if (hard !== -1 && (soft === -1 || soft > hard)) throw invalidArgument(`invalid ulimit "${s}": soft limit exceeds hard limit`);
  return { type: ULIMITS[m[1]], soft, hard };
}

/** The structured container spec: what the API, the CLI and kube/compose ask the engine to create. */
export type ContainerSpec = ContainerIntent;
