// A pod as the engine's pods.create takes it: the structured form the CLI's
// flags, kube play and the REST API (src/specgen/libpod-pod.ts) all build.
import type { ContainerSpec, NetworkAttachSpec } from './container.ts';
import type { ResourceLimits } from '../runtime/spec/resources.ts';

/** Limits set on the pod's cgroup, which its members share (Podman 4.3's pod resources). */
export type PodResources = Pick<ResourceLimits, typeof POD_RESOURCE_KEYS[number]>;

/**
 * Settings of the infra container that every member inherits (Podman's
 * InfraInherit: mounts, volumes-from, devices, security options, /dev/shm
 * size, the user namespace), or that act through the namespaces the members
 * share (sysctls; the pid and uts modes of the infra container).
 */
export const POD_INFRA_KEYS = ['mounts', 'volumesFrom', 'devices', 'seccompProfile', 'noNewPrivileges', 'mask', 'unmask',
  'sysctls', 'shmSize', 'userns', 'uidMap', 'gidMap', 'subUidName', 'subGidName', 'pidMode', 'utsMode'] as const;
export type PodInfraSpec = Pick<ContainerSpec, typeof POD_INFRA_KEYS[number]>;
export const POD_RESOURCE_KEYS = ['memory', 'memorySwap', 'cpus', 'cpuShares', 'cpusetCpus', 'cpusetMems', 'blkioWeight', 'blkioWeightDevice', 'deviceReadBps', 'deviceWriteBps'] as const;

export interface PodSpec {
  name?: string;
  labels?: Record<string, string>;
  hostname?: string;
  /** Namespaces members share (default ipc, net, uts); [] or ['none'] shares none. */
  share?: string[];
  /** Create an infra container (default true). */
  infra?: boolean;
  /** Default PAUSE_IMAGE. */
  infraImage?: string;
  /** Replaces the infra image's entrypoint. */
  infraCommand?: string[];
  infraName?: string;
  /** The pod's network settings (applied to its infra container). */
  network?: string;
  /**
   * The pod's networks in order, each with its options (what run's
   * --network values parse to): a mode, or bridge networks; when given they
   * take the place of network.
   */
  networks?: NetworkAttachSpec[];
  publish?: string[];
  networkAliases?: string[];
  dns?: string[];
  dnsSearch?: string[];
  dnsOption?: string[];
  addHost?: string[];
  noHosts?: boolean;
  createCommand?: string[];
  /** Write the infra container's conmon PID here at each start (a generated unit's PIDFile=). */
  infraConmonPidFile?: string;
  /** continue (default) or stop: stop the pod when its last container (besides infra) exits. */
  exitPolicy?: 'continue' | 'stop';
  /** The cgroup the pod's own cgroup (PARENT/POD_ID) is made under; infra and members run in that one (rootful). */
  cgroupParent?: string;
  /** false: members keep husk's own cgroups instead of the pod's (Podman's --share-parent, default true). */
  shareParent?: boolean;
  resources?: PodResources;
  infraSpec?: PodInfraSpec;
  /** Static addresses of the pod on its (one) network: the infra container's. */
  ip?: string;
  ip6?: string;
  mac?: string;
}
