// Stored container records: an immutable config (set at create) and a
// mutable state (changed by the lifecycle), kept apart as Podman does.
import type { ContainerIntent } from '../specgen/container.ts';
import type { LinuxIdMapping } from '../runtime/spec/types.ts';
import type { NetworkOptions, PerNetworkOptions, PortMapping, SetupResult } from '../runtime/network/netavark.ts';
import type { SlirpOptions } from '../runtime/network/slirp.ts';

export type ContainerStatus = 'created' | 'running' | 'paused' | 'stopped' | 'exited' | 'removing';

export interface ContainerConfig {
  id: string;
  name: string;
  intent: ContainerIntent;
  /** Image ID (hex) and the name the user gave. */
  imageId: string;
  imageName: string;
  /** Effective process args after merging intent and image config. */
  args: string[];
  created: string;
  /** Runtime chosen at create time (runc/crun). */
  runtime: string;
  /** Resolved mounts (named and anonymous volumes created at create time). */
  mounts?: MountSpec[];
  /** Names of the volumes this container uses (for "in use" checks). */
  volumes?: string[];
  /** Bridge networks to attach to (name → interface, aliases, static IPs/MAC); network connect/disconnect change it. */
  networks?: Record<string, PerNetworkOptions>;
  /** --network slirp4netns[:options]: user-mode networking through slirp4netns. */
  slirp?: SlirpOptions;
  /** Published ports (host port 0 resolved at create). */
  ports?: PortMapping[];
  /** The pod this container belongs to (pod ID), and whether it is that pod's infra container. */
  pod?: string;
  isInfra?: boolean;
  /** The container's own user namespace (--userns keep-id/auto, --uidmap), resolved at create; see idmap.ts. */
  idmap?: ContainerIdMap;
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
}

/** One user mount after parsing -v/--mount/--tmpfs/--volumes-from. */
export interface MountSpec {
  type: 'bind' | 'volume' | 'tmpfs' | 'image';
  /** Host path (bind), volume name (volume), image reference (image). */
  source?: string;
  destination: string;
  options: string[];
  /** chown the source to the container user first (the U option). */
  chown?: boolean;
  /** Anonymous volume: removed with the container by rm -v / run --rm. */
  anonymous?: boolean;
}

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
  restartCount: number;
  /** Boot the container was started in; after a reboot it is not running whatever the state says. */
  bootId?: string;
  /** The container's network namespace (bind mount) while networks are set up. */
  netnsPath?: string;
  /** netavark's setup result, and the options it was given (teardown needs them). */
  networkStatus?: SetupResult;
  networkOptions?: NetworkOptions;
  /** The container's slirp4netns while it runs (its pid file is in the run dir). */
  slirpPid?: number;
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
