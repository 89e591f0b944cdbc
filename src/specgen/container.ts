// ContainerSpec: what the user asked for, as one JSON-serialisable object
// (Podman's SpecGenerator). The CLI builds it from flags (src/cli/createflags.ts
// with the parsers of ./flags.ts), the REST API from Docker's or Podman's
// JSON, kube play from a pod manifest; the engine validates it once
// (./validate.ts) and stores it with the container, then translates it into
// config.json at each start. Every field is optional unless noted; no field
// holds a flag string to be parsed again.
import type { ResourceLimits } from '../runtime/spec/resources.ts';

/**
 * The version of this shape in stored container configs. 1 (or absent): the
 * flag-shaped intent of husk before it (volumes, publish, ulimits... as raw
 * strings), migrated on open by src/engine/migrate.ts.
 */
export const SPEC_VERSION = 2;

/**
 * bridge (the default network), a network's name, none (own netns, loopback
 * only), host, container:NAME, ns:PATH (join an existing netns),
 * slirp4netns[:OPTS], pasta[:OPTS], or private (the default mode). Unset: the engine's
 * default (defaultNetworkMode).
 */
export type NetworkMode = string;

/** One bridge network a container joins, with Podman's per-network options (`NAME:ip=…,mac=…,alias=…,interface_name=…`). */
export interface NetworkAttachSpec {
  /** A network's name or ID; "bridge" is the default network. */
  network: string;
  ip?: string;
  ip6?: string;
  mac?: string;
  aliases?: string[];
  /** The interface's name in the container. */
  interfaceName?: string;
}

/** A user mount, as asked for: -v, --mount, --tmpfs, a Docker Mount or Bind, a kube volume. */
export interface MountSpec {
  /** Required. */
  type: 'bind' | 'volume' | 'tmpfs' | 'image';
  /** Host path (bind, absolute), volume name (volume; unset = anonymous), image reference (image). tmpfs: none. */
  source?: string;
  /** Absolute path in the container (required). */
  destination: string;
  /**
   * Mount options: ro, rw, nosuid, suid, nodev, dev, noexec, exec, a
   * propagation ([r]shared, [r]slave, [r]private); tmpfs also size=N and
   * mode=OCTAL. Required (may be empty).
   */
  options: string[];
  /** chown the source to the container's user before each start (the U option). */
  chown?: boolean;
  /** A volume created for this container alone (no source): removed with it by rm -v and autoRemove. */
  anonymous?: boolean;
  /** volume only: mount this relative path inside the volume instead of its root (created as a directory when missing, as Kubernetes' subPath). */
  subpath?: string;
}

/**
 * A husk secret given to the container (--secret, kube, compose): its bytes
 * are copied into the container's own directory at create, so later changes
 * to the secret do not reach it (as in Podman).
 */
export interface SecretSpec {
  /** Name or ID of the secret (required). */
  source: string;
  /** mount (default): a read-only file; env: an environment variable. */
  type?: 'mount' | 'env';
  /** mount: an absolute path, or a path under /run/secrets (default /run/secrets/SOURCE); env: the variable (default SOURCE). */
  target?: string;
  /** mount only: the file's owner (default 0:0) and mode (default 0444). */
  uid?: number;
  gid?: number;
  mode?: number;
}

/** Mount every volume of another container (--volumes-from). */
export interface VolumesFromSpec {
  /** Name or ID of the container (required). */
  container: string;
  /** Force read-only or read-write; unset keeps each mount's own mode. */
  mode?: 'ro' | 'rw';
}

/** A published port: host address and port forwarded to a container port. */
export interface PortSpec {
  /** Required, 1-65535; the first of `range` ports. */
  containerPort: number;
  /** 0 or unset: the engine picks a free port at create (only with range 1). */
  hostPort?: number;
  /** Host address to listen on; unset or "" = every address. */
  hostIp?: string;
  /** Default tcp. */
  protocol?: 'tcp' | 'udp' | 'sctp';
  /** How many consecutive ports, from both starts (default 1). */
  range?: number;
}

/** A port the container exposes (Podman's --expose; one per port of a range). */
export interface ExposedPort {
  /** Required, 1-65535. */
  port: number;
  /** Default tcp. */
  protocol?: 'tcp' | 'udp' | 'sctp';
}

/** A resource limit of the container's process (setrlimit). */
export interface UlimitSpec {
  /** Required: nofile, nproc, core, ... (RLIMIT_ without the prefix, lower case). */
  name: string;
  /** Required; -1 = unlimited. */
  soft: number;
  /** Required; -1 = unlimited; at least soft. */
  hard: number;
}

/** A host device node made available in the container. */
export interface DeviceSpec {
  /** Host path of the device node (required, absolute). */
  path: string;
  /** Path in the container (default: the host path). */
  containerPath?: string;
  /** Cgroup access, a combination of r, w and m (default rwm). */
  permissions?: string;
}

/** An extra /etc/hosts line. */
export interface HostEntry {
  /** Required. */
  host: string;
  /** Required, an IPv4 or IPv6 address. */
  ip: string;
}

/** containerID..+size-1 in the container = hostID..+size-1 in husk's own user namespace (rootless: 0 is the user). */
export interface IdMapping {
  containerID: number;
  hostID: number;
  size: number;
}

/**
 * The container's user namespace. host: husk's own (the default); keep-id
 * (rootless): the user's id inside, as uid/gid (default the user's own);
 * auto (rootless): a free slice of `size` ids (default: enough for the image).
 */
export type UsernsMode =
  | { mode: 'host' }
  | { mode: 'keep-id'; uid?: number; gid?: number }
  | { mode: 'auto'; size?: number };

/** What `healthcheck run` does once the check made the container unhealthy (Podman's --health-on-failure). */
export type HealthOnFailure = 'none' | 'kill' | 'restart' | 'stop';

/**
 * A health check, as Docker's HealthConfig plus Podman's on-failure action.
 * At create it is merged with the image's HEALTHCHECK (src/specgen/health.ts)
 * and the result, defaults filled in, is stored beside the spec
 * (ContainerConfig.healthcheck); the engine runs it on a schedule while the
 * container runs (docs/healthchecks.md).
 */
export interface HealthcheckSpec {
  /**
   * Required. [] takes the image's test (Docker's "inherit"); ["NONE"]
   * disables the image's check; ["CMD", arg...] runs the args;
   * ["CMD-SHELL", command] runs the command with /bin/sh -c.
   */
  test: string[];
  /**
   * Durations in nanoseconds, as in Docker's API; 0 or unset: the image's,
   * else the default (30s, 30s, 0). interval -1: never on a schedule, only
   * by `healthcheck run` (Podman's --health-interval=disable).
   */
  interval?: number;
  timeout?: number;
  startPeriod?: number;
  /** Consecutive failures before unhealthy; 0 or unset: the image's, else the default (3). */
  retries?: number;
  /** Default none. */
  onFailure?: HealthOnFailure;
  /** A startup check run before this one (Podman's --health-startup-*). */
  startup?: StartupHealthcheckSpec;
}

/**
 * Podman's startup health check: run from each start until it passes
 * `successes` times in a row; only then does the regular check run. After
 * `retries` consecutive failures the container is restarted.
 */
export interface StartupHealthcheckSpec {
  /** Required: ["CMD", arg...] or ["CMD-SHELL", command]. */
  test: string[];
  /** Nanoseconds; 0 or unset: 30s. */
  interval?: number;
  /** Nanoseconds; 0 or unset: 30s. */
  timeout?: number;
  /** Failures in a row that restart the container; 0 or unset: never. */
  retries?: number;
  /** Successes in a row that end the startup phase; 0 or unset: 1. */
  successes?: number;
}

/**
 * What to do when the container exits, as Docker's RestartPolicy: carried
 * out by the exit command (src/engine/container/restart.ts).
 */
export interface RestartPolicySpec {
  /** Required. */
  name: 'no' | 'always' | 'on-failure' | 'unless-stopped';
  /** on-failure only: give up after this many restarts (0 or unset: never give up). */
  maximumRetryCount?: number;
}

export interface ContainerSpec extends ResourceLimits {
  /** Image reference (required). */
  image: string;
  /** Command; replaces the image's Cmd. */
  command?: string[];
  /** Replaces the image's Entrypoint ([] clears it). */
  entrypoint?: string[];
  /** [a-zA-Z0-9][a-zA-Z0-9_.-]*; unset: a random name. */
  name?: string;
  env?: Record<string, string>;
  workdir?: string;
  /** user[:group], by name or number. */
  user?: string;
  hostname?: string;
  labels?: Record<string, string>;
  /** Keep stdin open. */
  interactive?: boolean;
  /** Allocate a pseudo-terminal. */
  tty?: boolean;
  /** Remove the container (and its anonymous volumes) after it exits. */
  autoRemove?: boolean;
  network?: NetworkMode;
  /** Seconds between the stop signal and SIGKILL (default 10). */
  stopTimeout?: number;
  /** A signal name or number (default: the image's, else SIGTERM). */
  stopSignal?: string;
  readOnly?: boolean;
  /** With readOnly: tmpfs on /tmp, /var/tmp and /run (default true, as Podman). */
  readOnlyTmpfs?: boolean;
  /** Resource limits of the process; containers.conf's default_ulimits apply to the others. */
  ulimits?: UlimitSpec[];
  /** -1 or 0: unlimited; unset: containers.conf's pids_limit. */
  pidsLimit?: number;
  /** The command line that created it, for inspect. */
  createCommand?: string[];
  /** When to pull the image (default missing; newer is treated as always). */
  pull?: 'missing' | 'always' | 'never' | 'newer';
  /** Run on a schedule while the container runs; unset: the image's HEALTHCHECK, if any. */
  healthcheck?: HealthcheckSpec;
  /** Applied when the process exits (not with autoRemove; not after stop/kill by the user). */
  restartPolicy?: RestartPolicySpec;
  /** The process's file mode creation mask, octal ("0022", "077"); default 0022. */
  umask?: string;
  /** The execution domain, personality(2): LINUX or LINUX32 (`uname -m` then says i686 on x86_64). */
  personality?: string;
  /** OCI annotations of the container (config.json and inspect). */
  annotations?: Record<string, string>;
  /** An IANA time zone ("Asia/Tokyo") or "local" (the host's): /etc/localtime and TZ in the container. */
  timezone?: string;
  /** Run an init (catatonit) as PID 1 that forwards signals and reaps zombies. */
  init?: boolean;
  /** The init binary on the host (default: containers.conf's init_path, else catatonit). */
  initPath?: string;
  /** Seconds after which the container is killed (conmon's --timeout); unset or 0: never. */
  timeout?: number;
  /** Host files that get the container's PID and its conmon's PID at each start. */
  pidFile?: string;
  conmonPidFile?: string;
  /** Pass the creating process's fds 3..3+N-1 into the container as 3..; unset: LISTEN_FDS of the starting process, if any (only where the caller's fds reach the engine: the local CLI). */
  preserveFds?: number;
  /** Default host on cgroup v1 hosts (as Podman), private otherwise. */
  cgroupns?: 'host' | 'private';
  /** --cgroups: enabled (default; conmon in a cgroup of its own), disabled (no cgroup: crun only), no-conmon (conmon stays in the caller's), split (the container under the caller's cgroup). */
  cgroupsMode?: 'enabled' | 'disabled' | 'no-conmon' | 'split';
  /** Extra device cgroup rules, as Docker writes them: "c 1:3 rwm", "b *:* m". */
  deviceCgroupRules?: string[];
  /** Where the output goes (default k8s-file; json-file is k8s-file, as in Podman). */
  logDriver?: 'k8s-file' | 'json-file' | 'journald' | 'none' | 'passthrough';
  /** --log-opt: path (the log file), max-size (bytes), tag. */
  logOptions?: { path?: string; maxSize?: number; tag?: string };
  /** The /etc/passwd line added for a --user uid the image lacks ($USERNAME $UID $GID $NAME $HOME). */
  passwdEntry?: string;
  /** The /etc/group line added for the user's gid when the image lacks it ($GROUPNAME $GID $USERNAME). */
  groupEntry?: string;
  /** Host users (names or uids) whose /etc/passwd entries are added to the container's. */
  hostUsers?: string[];
  /** Directories in the container treated as chroots: the generated /etc/hosts, hostname and resolv.conf are mounted under them too. */
  chrootDirs?: string[];

  // Environment and ports beyond -e and -p (docs/fidelity.md, "create/run: environment and image").
  /** Copy the engine's http_proxy, https_proxy, ftp_proxy, no_proxy (either case) into env at create; env's own values win. */
  httpProxy?: boolean;
  /** Variables removed from the default environment (PATH, container, TERM and the image's); env's own stay. */
  unsetEnv?: string[];
  /** Remove the whole default environment: only env's own variables (and HOSTNAME, HOME) remain. */
  unsetEnvAll?: boolean;
  /** NAME=WORD, WORD's $VAR and ${VAR} taken from the default environment: resolved into env at create. */
  envMerge?: string[];
  /** Ports exposed as the image's EXPOSE ones: published by publishAll, listed unpublished by inspect. */
  expose?: ExposedPort[];
  /** false: add nothing to /etc/passwd and /etc/group (no --user, --passwd-entry, --group-entry or --hostuser lines). */
  passwd?: boolean;
  /** The image's VOLUMEs: anonymous volumes (bind, the default), tmpfs mounts, or nothing (ignore). */
  imageVolumeMode?: 'bind' | 'tmpfs' | 'ignore';
  /** image: the seccomp profile is the image's io.containers.seccomp.profile label (JSON); default: as without. */
  seccompPolicy?: 'default' | 'image';
  /** A user namespace from NAME's /etc/subuid and /etc/subgid ranges (container ids from 0), before uidMap/gidMap; one names both when alone. */
  subUidName?: string;
  subGidName?: string;
  /** An exploded root filesystem (absolute path) used instead of an image (image is then ""): the container writes into it. */
  rootfs?: string;
  /** With autoRemove: the image goes too when the container is removed after its exit (run --rmi -d; a foreground run removes it itself). */
  removeImage?: boolean;
  /** With rootfs (Podman's `:O`): an overlay over it, the changes kept in the container's own layer. */
  rootfsOverlay?: boolean;

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
  devices?: DeviceSpec[];
  /** Supplementary groups, by name or number. */
  groupAdd?: string[];
  /** Namespaced sysctls only (kernel.shm*, kernel.msg*, kernel.sem, fs.mqueue.*, net.*). */
  sysctls?: Record<string, string>;
  userns?: UsernsMode;
  /** An explicit user namespace: uid and gid mappings (one alone serves for both). Not with userns keep-id/auto. */
  uidMap?: IdMapping[];
  gidMap?: IdMapping[];

  // Resources: memory*, cpu*, cpuset*, blkio*, device rates and cgroupConf come from ResourceLimits.
  /** The cgroup the container's own is made under (cgroupfs path, Podman's --cgroup-parent); unset: its pod's, else /husk. */
  cgroupParent?: string;
  /** -1000 to 1000. */
  oomScoreAdj?: number;
  /** Size of /dev/shm in bytes. */
  shmSize?: number;

  // Storage.
  /** User mounts; destinations must be unique. Named volumes that do not exist are created at create. */
  mounts?: MountSpec[];
  volumesFrom?: VolumesFromSpec[];
  /** Secrets from the secret store, as files or environment variables. */
  secrets?: SecretSpec[];

  // Namespaces.
  /** private (default), host, or container:NAME (join a running container's). */
  pidMode?: string;
  ipcMode?: string;
  utsMode?: string;
  /** The container's own pod (name or ID), or new:NAME to create the pod from this spec's network settings. */
  pod?: string;
  /**
   * A pod init container (Podman's --init-ctr): `pod start` runs it to
   * completion, after the infra container and before the other members;
   * `always` at every pod start, `once` at the first (then it is removed).
   */
  initContainerType?: 'always' | 'once';
  /** Containers (names or IDs) started before this one at each start; they cannot be removed while it exists. */
  requires?: string[];

  // Network.
  /** DNS servers and search domains replacing the generated ones in resolv.conf. */
  dns?: string[];
  dnsSearch?: string[];
  /** resolv.conf options (ndots:2, ...) replacing the host's options line. */
  dnsOption?: string[];
  /** Lines put before the generated /etc/hosts. */
  extraHosts?: HostEntry[];
  /** Keep the image's /etc/hosts instead of generating one. */
  noHosts?: boolean;
  /** Published ports; need a network (bridge, a network's name, slirp4netns) or host. */
  portMappings?: PortSpec[];
  /** Publish every port the image EXPOSEs on a random host port. */
  publishAll?: boolean;
  /** Extra DNS names on the container's networks. */
  networkAliases?: string[];
  /** Static address and MAC on the (single) bridge network. */
  ip?: string;
  /** Static IPv6 address on the (single) bridge network, which needs an IPv6 subnet. */
  ip6?: string;
  mac?: string;
  /** The container's interface on `network` (Podman's interface_name option); default the first free ethN. */
  interfaceName?: string;
  /**
   * More bridge networks, joined after `network` (which must then be bridge
   * or a network's name), each with its own options: `--network a,b` or
   * --network given again. Interfaces default to the next free ethN.
   */
  extraNetworks?: NetworkAttachSpec[];

  // systemd integration (docs/systemd.md).
  /**
   * How the NOTIFY_SOCKET of whoever creates the container is used (unset:
   * container). conmon: MAINPID=conmon and READY=1 once the container runs;
   * container: MAINPID=conmon, and the container's own READY=1 is relayed
   * through a socket at /run/notify/notify.sock in it; healthy: MAINPID,
   * then READY=1 once the health check first passes; ignore: none.
   */
  sdNotifyMode?: SdNotifyMode;
  /** The host's notify socket (the creator's NOTIFY_SOCKET); unset: nothing is sent. */
  sdNotifySocket?: string;
  /**
   * Run systemd inside: true (default) when the command is systemd or
   * /sbin/init, always, or false. Adds tmpfs on /run, /run/lock, /tmp and
   * /var/log/journal, a writable cgroup and stop signal SIGRTMIN+3.
   */
  systemd?: 'true' | 'false' | 'always';
}

/** The image's EXPOSE keys ("80/tcp") and the spec's --expose ones, each once. */
export function exposedPorts(intent: ContainerSpec, imageExposed: Record<string, unknown> | undefined): string[] {
  const keys = Object.keys(imageExposed ?? {});
  for (const x of intent.expose ?? []) keys.push(`${x.port}/${x.protocol ?? 'tcp'}`);
  return [...new Set(keys)];
}

export type SdNotifyMode = 'container' | 'conmon' | 'healthy' | 'ignore';

/** The former name of ContainerSpec (the flag-shaped intent it replaced). */
export type ContainerIntent = ContainerSpec;

export { validateSpec, validateSpec as validateIntent } from './validate.ts';
export { parseSignal, SIGNALS } from './signals.ts';
