// Resource options: cgroup placement, pids limit, the device cgroup policy.
import { linux, type BlockIO, type Device, type Resources, type SpecOpt } from './types.ts';

export const withCgroupsPath = (path: string): SpecOpt => (s) => { linux(s).cgroupsPath = path; };

export const withPidsLimit = (limit: number): SpecOpt => (s) => {
  if (limit > 0) (linux(s).resources ??= {}).pids = { limit };
};

/** Deny all devices; the runtime then allows its default set (null, zero, tty...). */
export const withDefaultDevicePolicy = (): SpecOpt => (s) => {
  (linux(s).resources ??= {}).devices = [{ allow: false, access: 'rwm' }];
};

/** A block device and a rate (bytes or I/O per second), as --device-read-bps PATH:RATE gives them. */
export interface DeviceRate { path: string; rate: number }

export interface ResourceLimits {
  memory?: number;
  memoryReservation?: number;
  /** Memory plus swap; -1 unlimited. */
  memorySwap?: number;
  /** 0-100; unset: the kernel's default. */
  memorySwappiness?: number;
  oomKillDisable?: boolean;
  /** CPUs as a fraction ("0.5" → quota 50000 per 100000 µs). */
  cpus?: number;
  /** CFS period and quota in µs; each overrides what cpus implies. */
  cpuPeriod?: number;
  cpuQuota?: number;
  /** Real-time scheduler period and runtime in µs. */
  cpuRtPeriod?: number;
  cpuRtRuntime?: number;
  cpuShares?: number;
  cpusetCpus?: string;
  cpusetMems?: string;
  /** Block I/O weight, 10-1000. */
  blkioWeight?: number;
  blkioWeightDevice?: { path: string; weight: number }[];
  deviceReadBps?: DeviceRate[];
  deviceWriteBps?: DeviceRate[];
  deviceReadIops?: DeviceRate[];
  deviceWriteIops?: DeviceRate[];
  /** cgroup v2 files and their values (--cgroup-conf). */
  cgroupConf?: Record<string, string>;
}

/** A block device's numbers, looked up when the spec is made (they may change between boots). */
export type DeviceNumbers = (path: string) => { major: number; minor: number };

export const withResourceLimits = (r: ResourceLimits, devNum?: DeviceNumbers): SpecOpt => (s) => {
  const res = (linux(s).resources ??= {});
  if (r.memory || r.memoryReservation || r.memorySwap || r.memorySwappiness !== undefined || r.oomKillDisable) {
    res.memory = {
      ...(r.memory ? { limit: r.memory } : {}),
      ...(r.memoryReservation ? { reservation: r.memoryReservation } : {}),
      // Podman's default swap is twice the memory limit.
      ...(r.memorySwap ? { swap: r.memorySwap } : r.memory ? { swap: r.memory * 2 } : {}),
      ...(r.memorySwappiness !== undefined ? { swappiness: r.memorySwappiness } : {}),
      ...(r.oomKillDisable ? { disableOOMKiller: true } : {}),
    };
  }
  const cpu = cpuOf(r);
  if (cpu) res.cpu = cpu;
  const io = devNum ? blockIOOf(r, devNum) : undefined;
  if (io) res.blockIO = io;
  if (r.cgroupConf && Object.keys(r.cgroupConf).length) res.unified = { ...r.cgroupConf };
};

/** The OCI cpu block of the limits (as Podman's getCPULimits: --cpu-period/--cpu-quota win over --cpus), or undefined. */
export function cpuOf(r: ResourceLimits): NonNullable<Resources['cpu']> | undefined {
  const period = 100_000;
  const cpu = {
    ...(r.cpus ? { quota: Math.round(r.cpus * period), period } : {}),
    ...(r.cpuPeriod ? { period: r.cpuPeriod } : {}),
    ...(r.cpuQuota ? { quota: r.cpuQuota } : {}),
    ...(r.cpuRtPeriod ? { realtimePeriod: r.cpuRtPeriod } : {}),
    ...(r.cpuRtRuntime ? { realtimeRuntime: r.cpuRtRuntime } : {}),
    ...(r.cpuShares ? { shares: r.cpuShares } : {}),
    ...(r.cpusetCpus ? { cpus: r.cpusetCpus } : {}),
    ...(r.cpusetMems ? { mems: r.cpusetMems } : {}),
  };
  return Object.keys(cpu).length ? cpu : undefined;
}

/** The OCI blockIO block of the limits, devices by number, or undefined. */
export function blockIOOf(r: ResourceLimits, devNum: DeviceNumbers): BlockIO | undefined {
  const rates = (l: DeviceRate[] | undefined) => l?.length ? l.map((d) => ({ ...devNum(d.path), rate: d.rate })) : undefined;
  const io: BlockIO = {
    ...(r.blkioWeight ? { weight: r.blkioWeight } : {}),
    ...(r.blkioWeightDevice?.length ? { weightDevice: r.blkioWeightDevice.map((d) => ({ ...devNum(d.path), weight: d.weight })) } : {}),
  };
  const [rb, wb, ri, wi] = [rates(r.deviceReadBps), rates(r.deviceWriteBps), rates(r.deviceReadIops), rates(r.deviceWriteIops)];
  if (rb) io.throttleReadBpsDevice = rb;
  if (wb) io.throttleWriteBpsDevice = wb;
  if (ri) io.throttleReadIOPSDevice = ri;
  if (wi) io.throttleWriteIOPSDevice = wi;
  return Object.keys(io).length ? io : undefined;
}

/** Adds host devices to the container and allows them in the device cgroup. */
export const withDevices = (devices: { device: Device; permissions: string }[]): SpecOpt => (s) => {
  if (!devices.length) return;
  const l = linux(s);
  l.devices = [...(l.devices ?? []), ...devices.map((d) => d.device)];
  const res = (l.resources ??= {});
  res.devices = [...(res.devices ?? []), ...devices.map((d) => ({ allow: true, type: d.device.type, major: d.device.major, minor: d.device.minor, access: d.permissions }))];
};

/** --privileged: every device is allowed (the rules run in order, the last match wins). */
export const withAllDevicesAllowed = (): SpecOpt => (s) => {
  const res = (linux(s).resources ??= {});
  res.devices = [...(res.devices ?? []), { allow: true, access: 'rwm' }];
};

/** --device-cgroup-rule: extra allow rules in the device cgroup (after the default deny). */
export const withDeviceCgroupRules = (rules: { type: 'a' | 'b' | 'c'; major?: number; minor?: number; access: string }[]): SpecOpt => (s) => {
  if (!rules.length) return;
  const res = (linux(s).resources ??= {});
  res.devices = [...(res.devices ?? []), ...rules.map((r) => ({ allow: true, type: r.type, access: r.access, ...(r.major !== undefined ? { major: r.major } : {}), ...(r.minor !== undefined ? { minor: r.minor } : {}) }))];
};
