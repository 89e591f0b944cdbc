// A pod's resource limits (pod create --memory, --cpus...), written on the
// pod's own cgroup, which its members (and their conmons) run under: they
// share the limit, as with Podman 4.3. Written before each container of the
// pod starts, so a cgroup removed meanwhile (pod rm, reboot) gets them again.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { HuskError } from '../../common/errors.ts';
import { cgroupLayout } from '../../runtime/cgroups.ts';
import type { PodResources } from '../../specgen/pod.ts';
import { blockDeviceNumbers } from '../container/devices.ts';

const PERIOD = 100_000;

function write(file: string, value: string | number): void {
  try {
    writeFileSync(file, String(value));
  } catch (err) {
    throw new HuskError('ENGINE', `setting the pod's cgroup limit ${file} to ${value}: ${(err as Error).message}`);
  }
}

export function applyPodResources(path: string, r: PodResources): void {
  if (cgroupLayout() === 'v2') return applyV2(`/sys/fs/cgroup${path}`, r);
  const dir = (ctl: string) => {
    const d = `/sys/fs/cgroup/${ctl}${path}`;
    mkdirSync(d, { recursive: true });
    return d;
  };
  if (r.memory || r.memorySwap) {
    const d = dir('memory');
    if (r.memory) write(`${d}/memory.limit_in_bytes`, r.memory);
    // Podman's default swap limit is twice the memory limit; without swap accounting there is no file.
    const swap = r.memorySwap ?? (r.memory ? r.memory * 2 : undefined);
    if (swap !== undefined && existsSync(`${d}/memory.memsw.limit_in_bytes`)) write(`${d}/memory.memsw.limit_in_bytes`, swap);
  }
  if (r.cpus || r.cpuShares) {
    const d = dir('cpu');
    if (r.cpus) {
      write(`${d}/cpu.cfs_period_us`, PERIOD);
      write(`${d}/cpu.cfs_quota_us`, Math.round(r.cpus * PERIOD));
    }
    if (r.cpuShares) write(`${d}/cpu.shares`, r.cpuShares);
  }
  if (r.cpusetCpus || r.cpusetMems) {
    // A new v1 cpuset has no CPUs and no memory nodes: each level takes its parent's first.
    const d = `/sys/fs/cgroup/cpuset${path}`;
    const levels: string[] = [];
    for (let p = d; p !== '/sys/fs/cgroup/cpuset'; p = dirname(p)) levels.unshift(p);
    for (const l of levels) {
      mkdirSync(l, { recursive: true });
      for (const f of ['cpuset.cpus', 'cpuset.mems']) {
        if (!readFileSync(`${l}/${f}`, 'utf8').trim()) write(`${l}/${f}`, readFileSync(`${dirname(l)}/${f}`, 'utf8').trim());
      }
    }
    if (r.cpusetCpus) write(`${d}/cpuset.cpus`, r.cpusetCpus);
    if (r.cpusetMems) write(`${d}/cpuset.mems`, r.cpusetMems);
  }
  if (r.blkioWeight || r.blkioWeightDevice?.length || r.deviceReadBps?.length || r.deviceWriteBps?.length) {
    const d = dir('blkio');
    if (r.blkioWeight) write(`${d}/blkio.weight`, r.blkioWeight);
    // One device per write: the kernel parses a single "MAJOR:MINOR VALUE".
    for (const w of r.blkioWeightDevice ?? []) write(`${d}/blkio.weight_device`, `${dev(w.path)} ${w.weight}`);
    for (const t of r.deviceReadBps ?? []) write(`${d}/blkio.throttle.read_bps_device`, `${dev(t.path)} ${t.rate}`);
    for (const t of r.deviceWriteBps ?? []) write(`${d}/blkio.throttle.write_bps_device`, `${dev(t.path)} ${t.rate}`);
  }
}

const dev = (path: string) => {
  const { major, minor } = blockDeviceNumbers(path);
  return `${major}:${minor}`;
};

/** cgroup v2: the controllers enabled down to the pod's cgroup, then its files. */
function applyV2(dir: string, r: PodResources): void {
  const levels: string[] = [];
  for (let p = dir; p !== '/sys/fs/cgroup'; p = dirname(p)) levels.unshift(p);
  for (const l of levels) {
    for (const c of ['+memory', '+cpu', '+cpuset', '+io']) {
      try { writeFileSync(`${dirname(l)}/cgroup.subtree_control`, c); } catch {}
    }
    mkdirSync(l, { recursive: true });
  }
  if (r.memory) write(`${dir}/memory.max`, r.memory);
  const swap = r.memorySwap ?? (r.memory ? r.memory * 2 : undefined);
  if (swap !== undefined && existsSync(`${dir}/memory.swap.max`)) write(`${dir}/memory.swap.max`, swap === -1 ? 'max' : Math.max(0, swap - (r.memory ?? 0)));
  if (r.cpus) write(`${dir}/cpu.max`, `${Math.round(r.cpus * PERIOD)} ${PERIOD}`);
  // The runtime's conversion of shares (2..262144) to a weight (1..10000).
  if (r.cpuShares) write(`${dir}/cpu.weight`, 1 + Math.floor(((r.cpuShares - 2) * 9999) / 262142));
  if (r.cpusetCpus) write(`${dir}/cpuset.cpus`, r.cpusetCpus);
  if (r.cpusetMems) write(`${dir}/cpuset.mems`, r.cpusetMems);
  // The runtime's conversion of a blkio weight (10..1000) to io.bfq.weight's range is the identity.
  if (r.blkioWeight) write(`${dir}/io.bfq.weight`, r.blkioWeight);
  for (const w of r.blkioWeightDevice ?? []) write(`${dir}/io.bfq.weight`, `${dev(w.path)} ${w.weight}`);
  for (const t of r.deviceReadBps ?? []) write(`${dir}/io.max`, `${dev(t.path)} rbps=${t.rate}`);
  for (const t of r.deviceWriteBps ?? []) write(`${dir}/io.max`, `${dev(t.path)} wbps=${t.rate}`);
}
