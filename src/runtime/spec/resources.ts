// Resource options: cgroup placement, pids limit, the device cgroup policy.
import { linux, type SpecOpt } from './types.ts';

export const withCgroupsPath = (path: string): SpecOpt => (s) => { linux(s).cgroupsPath = path; };

export const withPidsLimit = (limit: number): SpecOpt => (s) => {
  if (limit > 0) (linux(s).resources ??= {}).pids = { limit };
};

/** Deny all devices; the runtime then allows its default set (null, zero, tty...). */
export const withDefaultDevicePolicy = (): SpecOpt => (s) => {
  (linux(s).resources ??= {}).devices = [{ allow: false, access: 'rwm' }];
};
