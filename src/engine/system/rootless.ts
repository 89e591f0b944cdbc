// What rootless husk refuses up front, with the reason and the fix, rather
// than failing halfway in the runtime or silently ignoring a flag.
import { HuskError } from '../../common/errors.ts';
import { userName } from '../../common/userns.ts';
import { cgroupLayout } from '../../runtime/cgroups.ts';
import type { EngineContext } from '../context.ts';
import type { ContainerSpec } from '../../specgen/container.ts';

const LIMIT_FLAGS: [keyof ContainerSpec, string][] = [
  ['memory', '--memory'], ['memoryReservation', '--memory-reservation'], ['memorySwap', '--memory-swap'],
  ['cpus', '--cpus'], ['cpuShares', '--cpu-shares'], ['cpusetCpus', '--cpuset-cpus'], ['cpusetMems', '--cpuset-mems'],
  ['pidsLimit', '--pids-limit'],
  ['cpuPeriod', '--cpu-period'], ['cpuQuota', '--cpu-quota'], ['cpuRtPeriod', '--cpu-rt-period'], ['cpuRtRuntime', '--cpu-rt-runtime'],
  ['blkioWeight', '--blkio-weight'], ['blkioWeightDevice', '--blkio-weight-device'], ['deviceReadBps', '--device-read-bps'],
  ['deviceWriteBps', '--device-write-bps'], ['deviceReadIops', '--device-read-iops'], ['deviceWriteIops', '--device-write-iops'],
  ['memorySwappiness', '--memory-swappiness'], ['oomKillDisable', '--oom-kill-disable'], ['cgroupConf', '--cgroup-conf'],
];

/** Whether a rootless container can have a cgroup (and so limits, pause, kill --all). */
export function hasCgroup(e: EngineContext): boolean {
  const rl = e.rootlessCgroups();
  return !rl || rl.cgroupParent !== undefined;
}

/** The error for something that needs a cgroup rootless husk does not have. */
export function noCgroupError(e: EngineContext, what: string): HuskError {
  const user = userName(e.config.rootless?.uid ?? 0);
  const why = cgroupLayout() === 'v2'
    ? `no cgroup with the memory and pids controllers is delegated to ${user} (systemd's user@.service with Delegate=yes gives one)`
    : `this host uses cgroups ${cgroupLayout() === 'v1' ? 'v1' : 'v1 (hybrid)'}, which cannot be delegated to an unprivileged user`;
  return new HuskError('ROOTLESS', `${what} needs a delegated cgroup, and rootless husk has none: ${why}; run without it, or run husk as root`);
}

/** Refuses a rootless container's resource limits and networks husk cannot provide. */
export function checkRootlessIntent(e: EngineContext, i: Partial<ContainerSpec>): void {
  if (!e.config.rootless) return;
  if (!hasCgroup(e)) {
    for (const [k, flag] of LIMIT_FLAGS) {
      const v = i[k];
      // -1 means "no limit": nothing to refuse.
      if (v !== undefined && v !== -1 && !(k === 'pidsLimit' && (v as number) <= 0)) throw noCgroupError(e, `${flag} (a resource limit)`);
    }
  }
  // As for pods: a rootless container's cgroup is always under the delegated one.
  if (i.cgroupParent !== undefined) throw new HuskError('ROOTLESS', '--cgroup-parent is not supported for rootless containers: rootless containers run under the delegated cgroup');
  // Bridge networks work rootless too, through the user's rootless netns (docs/networking.md).
}
