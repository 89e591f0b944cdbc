// The subset of the OCI runtime spec (config.json) husk generates.

export interface Mount { destination: string; type?: string; source?: string; options?: string[] }
export interface Rlimit { type: string; soft: number; hard: number }
export interface Capabilities { bounding: string[]; effective: string[]; inheritable: string[]; permitted: string[]; ambient: string[] }
export interface Namespace { type: string; path?: string }
export interface DeviceRule { allow: boolean; access?: string; type?: string; major?: number; minor?: number }
export interface Device { path: string; type: string; major: number; minor: number; fileMode?: number; uid?: number; gid?: number }
export interface Resources {
  devices?: DeviceRule[];
  pids?: { limit: number };
  memory?: { limit?: number; reservation?: number; swap?: number; swappiness?: number; disableOOMKiller?: boolean };
  cpu?: { shares?: number; quota?: number; period?: number; realtimePeriod?: number; realtimeRuntime?: number; cpus?: string; mems?: string };
  blockIO?: BlockIO;
  /** cgroup v2 files by name (--cgroup-conf). */
  unified?: Record<string, string>;
}

export interface ThrottleDevice { major: number; minor: number; rate: number }
export interface BlockIO {
  weight?: number;
  weightDevice?: { major: number; minor: number; weight: number }[];
  throttleReadBpsDevice?: ThrottleDevice[];
  throttleWriteBpsDevice?: ThrottleDevice[];
  throttleReadIOPSDevice?: ThrottleDevice[];
  throttleWriteIOPSDevice?: ThrottleDevice[];
}

export interface Spec {
  ociVersion: string;
  process?: {
    terminal?: boolean;
    user: { uid: number; gid: number; umask?: number; additionalGids?: number[] };
    args: string[];
    env: string[];
    cwd: string;
    capabilities?: Capabilities;
    rlimits?: Rlimit[];
    noNewPrivileges?: boolean;
    oomScoreAdj?: number;
  };
  root: { path: string; readonly?: boolean };
  hostname?: string;
  mounts: Mount[];
  annotations?: Record<string, string>;
  linux?: {
    namespaces?: Namespace[];
    uidMappings?: LinuxIdMapping[];
    gidMappings?: LinuxIdMapping[];
    resources?: Resources;
    cgroupsPath?: string;
    maskedPaths?: string[];
    readonlyPaths?: string[];
    seccomp?: unknown;
    sysctl?: Record<string, string>;
    devices?: Device[];
    personality?: { domain: string; flags?: string[] };
  };
}

/** containerID..+size-1 inside the container's user namespace = hostID..+size-1 in the runtime's. */
export interface LinuxIdMapping { containerID: number; hostID: number; size: number }

/** One concern applied to a spec; options compose in order. */
export type SpecOpt = (spec: Spec) => void;

export function process_(spec: Spec): NonNullable<Spec['process']> {
  return (spec.process ??= { user: { uid: 0, gid: 0 }, args: [], env: [], cwd: '/' });
}

export function linux(spec: Spec): NonNullable<Spec['linux']> {
  return (spec.linux ??= {});
}
