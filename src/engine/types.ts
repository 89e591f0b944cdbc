// Stored container records: an immutable config (set at create) and a
// mutable state (changed by the lifecycle), kept apart as Podman does.
import type { ContainerSpec, MountSpec } from '../specgen/container.ts';
import type { ResolvedHealthcheck } from '../specgen/health.ts';
import type { PodResources } from '../specgen/pod.ts';
import type { LinuxIdMapping } from '../runtime/spec/types.ts';
import type { NetworkOptions, PerNetworkOptions, PortMapping, SetupResult } from '../runtime/network/netavark.ts';
import type { SlirpOptions } from '../runtime/network/slirp.ts';

export type ContainerStatus = 'created' | 'running' | 'paused' | 'stopped' | 'exited' | 'removing';

export interface ContainerConfig {
  id: string;
  name: string;
  /** What the user asked for (validated); `intent` for history: it is the ContainerSpec. */
  intent: ContainerSpec;
  /** The shape of `intent` (SPEC_VERSION); absent in stores not yet migrated (see migrate.ts). */
  specVersion?: number;
  /** Image ID (hex) and the name the user gave. */
  imageId: string;
  imageName: string;
  /** Effective process args after merging intent and image config. */
  args: string[];
  created: string;
  /** Runtime chosen at create time (runc/crun). */
  runtime: string;
  /** Resolved mounts: the spec's, --volumes-from's and the image's VOLUMEs, with volume names (anonymous ones created at create time). */
  mounts?: MountSpec[];
  /** Names of the volumes this container uses (for "in use" checks). */
  volumes?: string[];
  /** Bridge networks to attach to (name → interface, aliases, static IPs/MAC); network connect/disconnect change it. */
  networks?: Record<string, PerNetworkOptions>;
  /** --network slirp4netns[:options]: user-mode networking through slirp4netns. */
  slirp?: SlirpOptions;
  /** --network pasta[:options]: user-mode networking through pasta, with these extra pasta arguments. */
  pasta?: { options: string[] };
  /** Published ports (host port 0 resolved at create). */
  ports?: PortMapping[];
  /** The pod this container belongs to (pod ID), and whether it is that pod's infra container. */
  pod?: string;
  isInfra?: boolean;
  /** The container's own user namespace (--userns keep-id/auto, --uidmap), resolved at create; see idmap.ts. */
  idmap?: ContainerIdMap;
  /** The health check it runs: the spec's merged with the image's HEALTHCHECK at create (none: no check). */
  healthcheck?: ResolvedHealthcheck;
}

export type HealthStatus = 'starting' | 'healthy' | 'unhealthy';

/** One run of the health check (Podman's HealthCheckLog). */
export interface HealthLogEntry {
  /** RFC 3339 with nanoseconds. */
  start: string;
  end: string;
  /** The test's exit code; -1 when it timed out. */
  exitCode: number;
  /** stdout and stderr together, at most 500 characters. */
  output: string;
}

/** The health of a container with a check (Podman's HealthCheckResults). */
export interface HealthState {
  /** starting from each start until a run succeeds or the failures reach the retries. */
  status: HealthStatus;
  /** Consecutive failures since the last success (those in the start period not counted). */
  failingStreak: number;
  /** The last 5 runs, oldest first. */
  log: HealthLogEntry[];
  /** With a startup check: its progress since the start (unset: not passed yet, nothing run). */
  startup?: { passed: boolean; successes: number; failures: number };
}

export interface ContainerIdMap {
  uidMap: LinuxIdMapping[];
  gidMap: LinuxIdMapping[];
  /** Allocated by --userns=auto: these host ids are the container's alone. */
  auto?: boolean;
}

/** A pod: containers sharing namespaces held by an infra container. */
export interface PodConfig {
  id: string;
  name: string;
  created: string;
  labels: Record<string, string>;
  hostname: string;
  /** Namespaces members join from the infra container: ipc, net, pid, uts. */
  share: string[];
  /** The infra container's ID; absent with --infra=false. */
  infraId?: string;
  createCommand?: string[];
  /** stop: the pod (its infra container) stops once its last other container exited; default continue. */
  exitPolicy?: 'continue' | 'stop';
  /** --cgroup-parent (absolute): the pod's cgroup is PARENT/ID, with its members' and their conmons' under it. */
  cgroupParent?: string;
  /** --share-parent=false: members are not put under the pod's cgroup. */
  shareParent?: false;
  /** Limits written on the pod's cgroup before its containers start. */
  resources?: PodResources;
}

/** A resolved mount has the shape of the spec's (source set for every volume). */
export type { MountSpec };

export interface ContainerState {
  status: ContainerStatus;
  pid: number;
  conmonPid: number;
  exitCode: number;
  oomKilled: boolean;
  startedAt: string;
  finishedAt: string;
  /** Whether the rootfs overlay is mounted. */
  mounted: boolean;
  error: string;
  /** Restarts by the restart policy since the last start by the user. */
  restartCount: number;
  /**
   * The PID of the `stop` waiting for the container to exit after its stop
   * signal (shown as Podman's `stopping` status); cleared by cleanup, and
   * ignored once that process is gone.
   */
  stopping?: number;
  /** Set by stop/kill/rm -f before they signal, cleared by start: the restart policy leaves such an exit alone. */
  stoppedByUser?: boolean;
  /** Stopped by `container checkpoint` (its checkpoint is in the bundle); a restore clears it. */
  checkpointed?: boolean;
  /** The cgroup the container's was made under at the last start, when not husk's default (--cgroups=split: the caller's; a pod's with --cgroup-parent); stats reads it there. */
  cgroupParent?: string;
  /** The init's start time (processStartTime) when it was created: stop signals that pid itself only while it still matches. */
  pidStart?: string;
  /** Boot the container was started in; after a reboot it is not running whatever the state says. */
  bootId?: string;
  /** The container's network namespace (bind mount) while networks are set up. */
  netnsPath?: string;
  /** netavark's setup result, and the options it was given (teardown needs them). */
  networkStatus?: SetupResult;
  networkOptions?: NetworkOptions;
  /** The container's slirp4netns while it runs (its pid file is in the run dir). */
  slirpPid?: number;
  /** Containers with a health check: its results (kept after the container stops; reset to starting at each start). */
  health?: HealthState;
  /** The timer process running `healthcheck run` on schedule while the container runs (health-timer.ts). */
  healthTimerPid?: number;
  /** Where systemd is PID 1 instead: the transient timer + service pair's name (health-systemd.ts). */
  healthTimerUnit?: string;
}

export function initialState(): ContainerState {
  return {
    status: 'created', pid: 0, conmonPid: 0, exitCode: 0, oomKilled: false,
    startedAt: '0001-01-01T00:00:00Z', finishedAt: '0001-01-01T00:00:00Z', mounted: false, error: '', restartCount: 0,
  };
}

export interface Container {
  config: ContainerConfig;
  state: ContainerState;
}
