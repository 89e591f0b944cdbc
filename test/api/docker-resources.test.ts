// The docker CLI's cgroup limit flags through husk's Docker-compatible API:
// the HostConfig fields reach the container's real (v1) cgroup files, docker
// update changes them live, docker inspect reads them back, and create's
// Warnings reach docker's stderr.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { loopDevice, removeCgroupParent } from '../helpers.ts';
import { dockerHarness } from './docker-harness.ts';

const h = dockerHarness('husk-api-res-');
const v2 = existsSync('/sys/fs/cgroup/cgroup.controllers');
const parent = `husk-api-res-${process.pid}`;
let loop = '';
let loopNum = '';
let detach = () => {};

before(() => {
  // A real block device for the throttles: a loop device over a small file.
  ({ path: loop, majmin: loopNum, detach } = loopDevice(h.store.dir));
});

after(() => {
  if (loop) detach();
  removeCgroupParent(parent);
});

const cg = (id: string, controller: string, file: string) => readFileSync(`/sys/fs/cgroup/${controller}/${parent}/husk-${id}/${file}`, 'utf8').trim();

test('docker run/update/inspect with CPU period/quota, swappiness, OOM killer, device throttles and --cgroup-parent', { skip: v2 && 'cgroup v1 files' }, async () => {
  const r = await h.docker(['run', '-d', '--cgroup-parent', parent, '--cpu-period', '60000', '--cpu-quota', '30000', '--memory-swappiness', '12',
    '--oom-kill-disable', '-m', '32m', '--blkio-weight', '300', '--device-write-bps', `${loop}:1mb`, '--device-read-iops', `${loop}:90`, 'busybox', 'sleep', '1000']);
  assert.equal(r.code, 0, r.stderr);
  const id = r.stdout.trim();
  if (!existsSync('/sys/fs/cgroup/blkio/blkio.weight')) assert.match(r.stderr, /WARNING: Your kernel does not support Block I\/O weight or the cgroup is not mounted\. Weight discarded\./);
  assert.equal(cg(id, 'cpu', 'cpu.cfs_period_us'), '60000');
  assert.equal(cg(id, 'cpu', 'cpu.cfs_quota_us'), '30000');
  assert.equal(cg(id, 'memory', 'memory.swappiness'), '12');
  assert.match(cg(id, 'memory', 'memory.oom_control'), /^oom_kill_disable 1$/m);
  assert.equal(cg(id, 'blkio', 'blkio.throttle.write_bps_device'), `${loopNum} 1048576`);
  assert.equal(cg(id, 'blkio', 'blkio.throttle.read_iops_device'), `${loopNum} 90`);
  const u = await h.docker(['update', '--cpu-period', '80000', '--cpu-quota', '20000', id]);
  assert.equal(u.code, 0, u.stderr);
  assert.equal(cg(id, 'cpu', 'cpu.cfs_period_us'), '80000');
  assert.equal(cg(id, 'cpu', 'cpu.cfs_quota_us'), '20000');
  const i = await h.docker(['inspect', '-f', '{{.HostConfig.CpuPeriod}} {{.HostConfig.CpuQuota}} {{.HostConfig.MemorySwappiness}} {{.HostConfig.OomKillDisable}} {{.HostConfig.CgroupParent}} {{json .HostConfig.BlkioDeviceWriteBps}}', id]);
  assert.equal(i.stdout.trim(), `80000 20000 12 true /${parent} [{"Path":"${loop}","Rate":1048576}]`);
  await h.docker(['rm', '-f', id]);
});
