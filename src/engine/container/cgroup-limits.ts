// What the host can do with Podman's cgroup limits, checked at create and
// update as Podman's verifyContainerResources does: on cgroup v1 a limit the
// kernel lacks (no blkio.weight without BFQ, say) is dropped with Podman's
// warning instead of failing the container; --cgroup-conf needs cgroup v2.
// Loaded only when a spec sets one of these limits.
import { existsSync, readFileSync } from 'node:fs';
import { invalidArgument } from '../../common/errors.ts';
import { cgroupLayout } from '../../runtime/cgroups.ts';
import { blockIOOf, cpuOf, type ResourceLimits } from '../../runtime/spec/resources.ts';
import type { Resources } from '../../runtime/spec/types.ts';
import { blockDeviceNumbers } from './devices.ts';

const v1File = (controller: string, file: string) => existsSync(`/sys/fs/cgroup/${controller}/${file}`);

/**
 * The limits the host supports: a copy of `r` without the unsupported ones,
 * each dropped with Podman's warning (containers/podman
 * pkg/specgen/generate/validate.go, in its order); Podman's errors for what
 * cannot work at all. Device paths are checked (stat) here, for an early error.
 */
export function checkHostLimits<T extends ResourceLimits>(given: T, warn: (msg: string) => void = () => {}): T {
  const r = { ...given };
  for (const d of [...r.blkioWeightDevice ?? [], ...r.deviceReadBps ?? [], ...r.deviceWriteBps ?? [], ...r.deviceReadIops ?? [], ...r.deviceWriteIops ?? []]) blockDeviceNumbers(d.path);
  if (r.cpusetMems !== undefined) checkMems(r.cpusetMems);
  if (cgroupLayout() === 'v2') return r;
  if (r.cgroupConf !== undefined) throw invalidArgument('Cannot use --cgroup-conf without cgroup v2');
  const drop = (on: boolean, key: keyof ResourceLimits, msg: string) => {
    if (on) {
      warn(msg);
      delete r[key];
    }
  };
  drop(r.memorySwappiness !== undefined && !v1File('memory', 'memory.swappiness'), 'memorySwappiness', 'Your kernel does not support memory swappiness capabilities, or the cgroup is not mounted. Memory swappiness discarded.');
  drop(!!r.oomKillDisable && !v1File('memory', 'memory.oom_control'), 'oomKillDisable', 'Your kernel does not support OomKillDisable. OomKillDisable discarded.');
  drop(r.cpuPeriod !== undefined && !v1File('cpu', 'cpu.cfs_period_us'), 'cpuPeriod', 'Your kernel does not support CPU cfs period or the cgroup is not mounted. Period discarded.');
  drop(r.cpuQuota !== undefined && !v1File('cpu', 'cpu.cfs_quota_us'), 'cpuQuota', 'Your kernel does not support CPU cfs quota or the cgroup is not mounted. Quota discarded.');
  drop(r.blkioWeight !== undefined && !v1File('blkio', 'blkio.weight'), 'blkioWeight', 'Your kernel does not support Block I/O weight or the cgroup is not mounted. Weight discarded.');
  drop(!!r.blkioWeightDevice?.length && !v1File('blkio', 'blkio.weight_device'), 'blkioWeightDevice', 'Your kernel does not support Block I/O weight_device or the cgroup is not mounted. Weight-device discarded.');
  drop(!!r.deviceReadBps?.length && !v1File('blkio', 'blkio.throttle.read_bps_device'), 'deviceReadBps', 'Your kernel does not support BPS Block I/O read limit or the cgroup is not mounted. Block I/O BPS read limit discarded');
  drop(!!r.deviceWriteBps?.length && !v1File('blkio', 'blkio.throttle.write_bps_device'), 'deviceWriteBps', 'Your kernel does not support BPS Block I/O write limit or the cgroup is not mounted. Block I/O BPS write limit discarded.');
  drop(!!r.deviceReadIops?.length && !v1File('blkio', 'blkio.throttle.read_iops_device'), 'deviceReadIops', 'Your kernel does not support IOPS Block read limit or the cgroup is not mounted. Block I/O IOPS read limit discarded.');
  drop(!!r.deviceWriteIops?.length && !v1File('blkio', 'blkio.throttle.write_iops_device'), 'deviceWriteIops', 'Your kernel does not support IOPS Block I/O write limit or the cgroup is not mounted. Block I/O IOPS write limit discarded.');
  return r;
}

/** --cpuset-mems: a list the host's memory nodes cover (Podman's IsCpusetMemsAvailable). */
function checkMems(mems: string): void {
  const parse = (s: string): Set<number> | undefined => {
    const out = new Set<number>();
    for (const part of s.split(',')) {
      const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
      if (!m) return undefined;
      for (let n = Number(m[1]); n <= Number(m[2] ?? m[1]); n++) out.add(n);
    }
    return out;
  };
  const want = parse(mems);
  if (!want) throw invalidArgument(`invalid value ${mems} for cpuset mems`);
  let online = '';
  try {
    online = readFileSync('/sys/devices/system/node/online', 'utf8').trim();
  } catch {
    online = '0'; // no NUMA: one node
  }
  const have = parse(online) ?? new Set([0]);
  if ([...want].some((n) => !have.has(n))) throw invalidArgument(`requested memory nodes are not available - requested ${mems}, available: ${online}`);
}

/**
 * The OCI resources of an `update` that the runtimes take only as a file
 * (`update -r FILE`, as Podman passes them): the limits above that the
 * update sets, or undefined. crun applies them all; runc 1.1 ignores the
 * device throttles and swappiness there.
 */
export function updateResources(u: ResourceLimits): Resources | undefined {
  const { cpuPeriod, cpuQuota, cpuRtPeriod, cpuRtRuntime, cpusetMems } = u;
  const cpu = cpuOf({ cpuPeriod, cpuQuota, cpuRtPeriod, cpuRtRuntime, cpusetMems });
  const blockIO = blockIOOf(u, blockDeviceNumbers);
  const out: Resources = {
    ...(cpu ? { cpu } : {}),
    ...(blockIO ? { blockIO } : {}),
    ...(u.memorySwappiness !== undefined ? { memory: { swappiness: u.memorySwappiness } } : {}),
  };
  return Object.keys(out).length ? out : undefined;
}
