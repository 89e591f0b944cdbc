// Resource options: cgroup placement, pids limit, the device cgroup policy.
import { linux, type Device, type SpecOpt } from './types.ts';

export const withCgroupsPath = (path: string): SpecOpt => (s) => { linux(s).cgroupsPath = path; };

export const withPidsLimit = (limit: number): SpecOpt => (s) => {
  if (limit > 0) (linux(s).resources ??= {}).pids = { limit };
};

/** Deny all devices; the runtime then allows its default set (null, zero, tty...). */
export const withDefaultDevicePolicy = (): SpecOpt => (s) => {
  (linux(s).resources ??= {}).devices = [{ allow: false, access: 'rwm' }];
};

export interface ResourceLimits {
  memory?: number;
  memoryReservation?: number;
  /** Memory plus swap; -1 unlimited. */
  memorySwap?: number;
  /** CPUs as a fraction ("0.5" → quota 50000 per 100000 µs). */
  cpus?: number;
  cpuShares?: number;
  cpusetCpus?: string;
  cpusetMems?: string;
}

export const withResourceLimits = (r: ResourceLimits): SpecOpt => (s) => {
  const res = (linux(s).resources ??= {});
  if (r.memory || r.memoryReservation || r.memorySwap) {
    res.memory = {
      ...(r.memory ? { limit: r.memory } : {}),
      ...(r.memoryReservation ? { reservation: r.memoryReservation } : {}),
      // Podman's default swap is twice the memory limit.
      ...(r.memorySwap ? { swap: r.memorySwap } : r.memory ? { swap: r.memory * 2 } : {}),
    };
  }
  if (r.cpus || r.cpuShares || r.cpusetCpus || r.cpusetMems) {
    const period = 100_000;
    res.cpu = {
      ...(r.cpus ? { quota: Math.round(r.cpus * period), period } : {}),
      ...(r.cpuShares ? { shares: r.cpuShares } : {}),
      ...(r.cpusetCpus ? { cpus: r.cpusetCpus } : {}),
      ...(r.cpusetMems ? { mems: r.cpusetMems } : {}),
    };
  }
};

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
