// Podman's cgroup limit flags of create/run, update and container clone:
// read back from the container's real cgroup (v1) files, inspect's
// HostConfig, and Podman's errors and warnings.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { HUSK, loopDevice, removeCgroupParent, Store, until } from '../helpers.ts';

const s = new Store('husk-res-');
const v2 = existsSync('/sys/fs/cgroup/cgroup.controllers');
const parent = `husk-res-test-${process.pid}`;
let loop = '';
let loopNum = '';
let detach = () => {};

before(() => {
  s.busybox();
  // A real block device for the throttles: a loop device over a small file.
  ({ path: loop, majmin: loopNum, detach } = loopDevice(s.dir));
});

after(async () => {
  await s.destroyWhenIdle();
  if (loop) detach();
  removeCgroupParent(parent);
});

function hostConfig(ref: string): Record<string, any> { // eslint-disable-line @typescript-eslint/no-explicit-any
  return JSON.parse(s.ok(['inspect', ref]))[0].HostConfig;
}

/** A cgroup v1 file of a container under --cgroup-parent PARENT, else under /husk. */
function cg(id: string, controller: string, file: string, under = 'husk'): string {
  return readFileSync(`/sys/fs/cgroup/${controller}/${under}/husk-${id}/${file}`, 'utf8').trim();
}

test('run: CPU period/quota, cpuset mems, swappiness, OOM killer and --cgroup-parent land in the cgroup and in inspect', { skip: v2 && 'cgroup v1 files' }, () => {
  const id = s.ok(['run', '-d', '--cgroup-parent', parent, '--cpu-period', '50000', '--cpu-quota', '20000', '--cpu-rt-period', '900000',
    '--cpuset-mems', '0', '--memory-swappiness', '10', '--oom-kill-disable', '-m', '64m', 'busybox', 'sleep', '1000']);
  assert.equal(cg(id, 'cpu', 'cpu.cfs_period_us', parent), '50000');
  assert.equal(cg(id, 'cpu', 'cpu.cfs_quota_us', parent), '20000');
  assert.equal(cg(id, 'cpu', 'cpu.rt_period_us', parent), '900000');
  assert.equal(cg(id, 'cpuset', 'cpuset.mems', parent), '0');
  assert.equal(cg(id, 'memory', 'memory.swappiness', parent), '10');
  assert.match(cg(id, 'memory', 'memory.oom_control', parent), /^oom_kill_disable 1$/m);
  // The container's process is in that cgroup: it is the one it runs in.
  const pid = s.ok(['inspect', '--format', '{{.State.Pid}}', id]);
  assert.ok(cg(id, 'memory', 'cgroup.procs', parent).split('\n').includes(pid), `pid ${pid} in /${parent}/husk-${id}`);
  const hc = hostConfig(id);
  assert.equal(hc.CgroupParent, `/${parent}`);
  assert.deepEqual([hc.CpuPeriod, hc.CpuQuota, hc.CpuRealtimePeriod, hc.CpuRealtimeRuntime, hc.CpusetMems], [50000, 20000, 900000, 0, '0']);
  assert.deepEqual([hc.MemorySwappiness, hc.OomKillDisable, hc.Memory], [10, true, 64 * 1024 * 1024]);
  s.ok(['rm', '-f', '-t', '0', id]);
});

test('--cpus shows as CpuPeriod/CpuQuota; --cpu-quota wins over it; an unset container has Podman\'s defaults', { skip: v2 && 'cgroup v1 files' }, () => {
  const id = s.ok(['run', '-d', '--cpus', '0.5', '--cpu-quota', '30000', 'busybox', 'sleep', '1000']);
  assert.equal(cg(id, 'cpu', 'cpu.cfs_quota_us'), '30000');
  assert.equal(cg(id, 'cpu', 'cpu.cfs_period_us'), '100000');
  assert.deepEqual([hostConfig(id).CpuPeriod, hostConfig(id).CpuQuota], [100000, 30000]);
  s.ok(['rm', '-f', '-t', '0', id]);
  const plain = s.ok(['create', 'busybox', 'true']);
  const hc = hostConfig(plain);
  assert.deepEqual([hc.MemorySwappiness, hc.OomKillDisable, hc.BlkioWeight, hc.CpuPeriod, hc.CpusetMems], [-1, false, 0, 0, '']);
  assert.deepEqual([hc.BlkioWeightDevice, hc.BlkioDeviceReadBps, hc.BlkioDeviceWriteBps, hc.BlkioDeviceReadIOps, hc.BlkioDeviceWriteIOps], [[], [], [], [], []]);
  s.ok(['rm', plain]);
});

test('device throttles (PATH:RATE with units, IOPS) are set on the loop device\'s major:minor', { skip: v2 && 'cgroup v1 files' }, () => {
  const id = s.ok(['run', '-d', '--device-read-bps', `${loop}:1mb`, '--device-write-bps', `${loop}:2m`,
    '--device-read-iops', `${loop}:100`, '--device-write-iops', `${loop}:200`, 'busybox', 'sleep', '1000']);
  assert.equal(cg(id, 'blkio', 'blkio.throttle.read_bps_device'), `${loopNum} 1048576`);
  assert.equal(cg(id, 'blkio', 'blkio.throttle.write_bps_device'), `${loopNum} 2097152`);
  assert.equal(cg(id, 'blkio', 'blkio.throttle.read_iops_device'), `${loopNum} 100`);
  assert.equal(cg(id, 'blkio', 'blkio.throttle.write_iops_device'), `${loopNum} 200`);
  const hc = hostConfig(id);
  assert.deepEqual(hc.BlkioDeviceReadBps, [{ Path: loop, Rate: 1048576 }]);
  assert.deepEqual(hc.BlkioDeviceWriteIOps, [{ Path: loop, Rate: 200 }]);
  // In a template each is a Go struct, as Podman prints it.
  assert.equal(s.ok(['inspect', '--format', '{{.HostConfig.BlkioDeviceReadBps}} {{.HostConfig.BlkioWeightDevice}}', id]), `[{${loop} 1048576}] []`);
  // Kept in the spec: a restart makes the cgroup again with them.
  s.ok(['restart', '-t', '0', id]);
  assert.equal(cg(id, 'blkio', 'blkio.throttle.write_iops_device'), `${loopNum} 200`);
  s.ok(['rm', '-f', '-t', '0', id]);
});

test('--blkio-weight without the kernel\'s weight file: Podman\'s warning, the limit dropped, the container runs', { skip: v2 && 'cgroup v1' }, () => {
  const supported = existsSync('/sys/fs/cgroup/blkio/blkio.weight');
  const r = s.husk(['run', '--name', 'weighted', '--blkio-weight', '300', 'busybox', 'echo', 'ran']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.trim(), 'ran');
  if (supported) {
    assert.equal(hostConfig('weighted').BlkioWeight, 300);
  } else {
    assert.match(r.stderr, /^Your kernel does not support Block I\/O weight or the cgroup is not mounted\. Weight discarded\.$/m);
    assert.equal(hostConfig('weighted').BlkioWeight, 0);
  }
  s.ok(['rm', 'weighted']);
});

test('update (crun): new CPU, swappiness and throttle limits reach a running container\'s cgroup and inspect, and survive a restart', { skip: v2 && 'cgroup v1 files' }, () => {
  const id = s.ok(['--runtime', 'crun', 'run', '-d', '--cpu-period', '50000', '--cpu-quota', '20000', 'busybox', 'sleep', '1000']);
  s.ok(['update', '--cpu-period', '80000', '--cpu-quota', '40000', '--memory-swappiness', '33', '--device-write-bps', `${loop}:3mb`, '--device-read-iops', `${loop}:55`, id]);
  assert.equal(cg(id, 'cpu', 'cpu.cfs_period_us'), '80000');
  assert.equal(cg(id, 'cpu', 'cpu.cfs_quota_us'), '40000');
  assert.equal(cg(id, 'memory', 'memory.swappiness'), '33');
  assert.equal(cg(id, 'blkio', 'blkio.throttle.write_bps_device'), `${loopNum} 3145728`);
  assert.equal(cg(id, 'blkio', 'blkio.throttle.read_iops_device'), `${loopNum} 55`);
  const hc = hostConfig(id);
  assert.deepEqual([hc.CpuPeriod, hc.CpuQuota, hc.MemorySwappiness], [80000, 40000, 33]);
  assert.deepEqual(hc.BlkioDeviceWriteBps, [{ Path: loop, Rate: 3145728 }]);
  s.ok(['restart', '-t', '0', id]);
  assert.equal(cg(id, 'cpu', 'cpu.cfs_period_us'), '80000');
  assert.equal(cg(id, 'memory', 'memory.swappiness'), '33');
  // A later --cpus replaces the period and quota, live and at the next start.
  s.ok(['update', '--cpus', '0.5', id]);
  assert.deepEqual([cg(id, 'cpu', 'cpu.cfs_period_us'), cg(id, 'cpu', 'cpu.cfs_quota_us')], ['100000', '50000']);
  s.ok(['restart', '-t', '0', id]);
  assert.deepEqual([cg(id, 'cpu', 'cpu.cfs_period_us'), cg(id, 'cpu', 'cpu.cfs_quota_us')], ['100000', '50000']);
  s.ok(['rm', '-f', '-t', '0', id]);
});

test('update (runc): the CPU limits are applied live; all of them from the next start (runc 1.1 ignores swappiness and throttles in `update -r`, as under Podman)', { skip: v2 && 'cgroup v1 files' }, () => {
  const id = s.ok(['--runtime', 'runc', 'run', '-d', 'busybox', 'sleep', '1000']);
  s.ok(['update', '--cpu-period', '70000', '--cpu-quota', '35000', '--memory-swappiness', '40', '--device-write-bps', `${loop}:2mb`, id]);
  assert.equal(cg(id, 'cpu', 'cpu.cfs_period_us'), '70000');
  assert.equal(cg(id, 'cpu', 'cpu.cfs_quota_us'), '35000');
  // What runc left out is stored all the same: the next start's spec has it.
  s.ok(['restart', '-t', '0', id]);
  assert.equal(cg(id, 'memory', 'memory.swappiness'), '40');
  assert.equal(cg(id, 'blkio', 'blkio.throttle.write_bps_device'), `${loopNum} 2097152`);
  s.ok(['rm', '-f', '-t', '0', id]);
});

test('container clone keeps the limits and takes new ones', { skip: v2 && 'cgroup v1 files' }, () => {
  s.ok(['create', '--name', 'orig', '--cpu-period', '60000', '--memory-swappiness', '5', 'busybox', 'sleep', '1000']);
  const copy = s.ok(['container', 'clone', '--cpu-quota', '30000', '--device-read-bps', `${loop}:1mb`, '--run', 'orig', 'copy']);
  assert.equal(cg(copy, 'cpu', 'cpu.cfs_period_us'), '60000');
  assert.equal(cg(copy, 'cpu', 'cpu.cfs_quota_us'), '30000');
  assert.equal(cg(copy, 'memory', 'memory.swappiness'), '5');
  assert.equal(cg(copy, 'blkio', 'blkio.throttle.read_bps_device'), `${loopNum} 1048576`);
  s.ok(['rm', '-f', '-t', '0', 'orig', 'copy']);
});

test('bad values fail with Podman\'s messages and exit 125, creating nothing', () => {
  const cases: [string[], RegExp][] = [
    [['--cpu-period', '10'], /^Error: CPU cfs period cannot be less than 1ms \(i\.e\. 1000\) or larger than 1s \(i\.e\. 1000000\)$/m],
    [['--cpu-period', 'x'], /^Error: invalid argument "x" for "--cpu-period" flag: strconv\.ParseUint: parsing "x": invalid syntax$/m],
    [['--cpu-quota', '500'], /^Error: CPU cfs quota cannot be less than 1ms \(i\.e\. 1000\)$/m],
    [['--memory-swappiness', '101'], /^Error: invalid value: 101, valid memory swappiness range is 0-100$/m],
    [['--blkio-weight', 'heavy'], /^Error: invalid value for blkio-weight: strconv\.ParseUint: parsing "heavy": invalid syntax$/m],
    [['--blkio-weight-device', '/dev/null:5'], /^Error: invalid weight for device: \/dev\/null:5$/m],
    [['--device-read-bps', 'sda:1mb'], /^Error: bad format for device path: sda:1mb$/m],
    [['--device-read-bps', '/dev/sda'], /^Error: bad format: \/dev\/sda$/m],
    [['--device-write-bps', '/dev/null:fast'], /^Error: invalid rate for device: \/dev\/null:fast\. The correct format is <device-path>:<number>\[<unit>\]/m],
    [['--device-read-iops', '/dev/null:1k'], /^Error: invalid rate for device: \/dev\/null:1k\. The correct format is <device-path>:<number>\. Number must be a positive integer$/m],
    [['--device-read-bps', '/dev/husk-no-such:1mb'], /^Error: could not parse throttle device at \/dev\/husk-no-such: no such file or directory$/m],
    [['--cpuset-mems', '63'], /^Error: requested memory nodes are not available - requested 63, available: /m],
    [['--cgroup-conf', 'nokey'], /^Error: --cgroup-conf must be formatted KEY=VALUE$/m],
    [['--cgroup-parent', 'machine.slice'], /^Error: systemd slice received as cgroup parent when using cgroupfs: invalid argument$/m],
  ];
  for (const [flags, msg] of cases) {
    const r = s.husk(['run', '--rm', ...flags, 'busybox', 'true']);
    assert.equal(r.code, 125, flags.join(' '));
    assert.match(r.stderr, msg, flags.join(' '));
  }
  assert.equal(s.ok(['ps', '-aq']), '');
  const u = s.husk(['update', '--memory-swappiness', '500', 'nothere']);
  assert.equal(u.code, 125);
});

test('--cgroup-conf on a cgroup v1 host: Podman\'s error', { skip: v2 && 'cgroup v1 only' }, () => {
  const r = s.husk(['run', '--rm', '--cgroup-conf', 'memory.high=10m', 'busybox', 'true']);
  assert.equal(r.code, 125);
  assert.match(r.stderr, /^Error: Cannot use --cgroup-conf without cgroup v2$/m);
});

test('--help: each command lists the flags Podman has there', () => {
  const create = s.ok(['create', '--help']);
  for (const f of ['--cpu-period', '--cpu-quota', '--cpu-rt-period', '--cpu-rt-runtime', '--cpuset-mems', '--blkio-weight', '--blkio-weight-device',
    '--device-read-bps', '--device-write-bps', '--device-read-iops', '--device-write-iops', '--memory-swappiness', '--oom-kill-disable', '--cgroup-parent', '--cgroup-conf']) {
    assert.match(create, new RegExp(`${f}\\b`), f);
  }
  assert.match(create, /--memory-swappiness <n>\s+Tune container memory swappiness \(0 to 100, or -1 for system default\)/);
  const update = s.ok(['update', '--help']);
  assert.match(update, /--device-write-iops/);
  assert.doesNotMatch(update, /--oom-kill-disable|--cgroup-parent|--cgroup-conf/);
  const clone = s.ok(['container', 'clone', '--help']);
  assert.match(clone, /--device-read-bps/);
  assert.doesNotMatch(clone, /--device-read-iops|--oom-kill-disable|--cgroup-conf/);
});

/** One request to a `husk system service` on SOCK. */
function call(sock: string, method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> { // eslint-disable-line @typescript-eslint/no-explicit-any
  return new Promise((resolve, reject) => {
    const r = request({ socketPath: sock, method, path, headers: { 'content-type': 'application/json' } }, (res) => {
      let b = '';
      res.on('data', (d: Buffer) => (b += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, json: b ? JSON.parse(b) : {} }));
    });
    r.on('error', reject);
    r.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

test('REST: Docker\'s HostConfig limits reach the cgroup and its inspect; create\'s Warnings; generate spec round-trips through the libpod create', { skip: v2 && 'cgroup v1 files' }, async () => {
  const sock = join(s.dir, 'api.sock');
  const service = spawn(HUSK, [...s.globals, 'system', 'service', '--time', '0', `unix://${sock}`], { stdio: 'ignore' });
  try {
    await until(() => existsSync(sock), 30_000, 100);
    const r = await call(sock, 'POST', '/v1.41/containers/create?name=docker-limits', {
      Image: 'busybox', Cmd: ['sleep', '1000'],
      HostConfig: { CpuPeriod: 40000, CpuQuota: 10000, MemorySwappiness: 7, OomKillDisable: true, BlkioWeight: 300, CgroupParent: parent,
        BlkioDeviceWriteBps: [{ Path: loop, Rate: 4096 }], BlkioDeviceReadIOps: [{ Path: loop, Rate: 77 }] },
    });
    assert.equal(r.status, 201, JSON.stringify(r.json));
    if (!existsSync('/sys/fs/cgroup/blkio/blkio.weight')) assert.deepEqual(r.json.Warnings, ['Your kernel does not support Block I/O weight or the cgroup is not mounted. Weight discarded.']);
    const id = r.json.Id;
    assert.equal((await call(sock, 'POST', `/v1.41/containers/${id}/start`)).status, 204);
    assert.equal(cg(id, 'cpu', 'cpu.cfs_period_us', parent), '40000');
    assert.equal(cg(id, 'cpu', 'cpu.cfs_quota_us', parent), '10000');
    assert.equal(cg(id, 'memory', 'memory.swappiness', parent), '7');
    assert.match(cg(id, 'memory', 'memory.oom_control', parent), /^oom_kill_disable 1$/m);
    assert.equal(cg(id, 'blkio', 'blkio.throttle.write_bps_device', parent), `${loopNum} 4096`);
    assert.equal(cg(id, 'blkio', 'blkio.throttle.read_iops_device', parent), `${loopNum} 77`);
    const hc = (await call(sock, 'GET', `/v1.41/containers/${id}/json`)).json.HostConfig;
    assert.deepEqual([hc.CpuPeriod, hc.CpuQuota, hc.MemorySwappiness, hc.OomKillDisable, hc.CgroupParent], [40000, 10000, 7, true, `/${parent}`]);
    assert.deepEqual(hc.BlkioDeviceWriteBps, [{ Path: loop, Rate: 4096 }]);
    // Docker's update: the new period and a read limit, live.
    assert.equal((await call(sock, 'POST', `/v1.41/containers/${id}/update`, { CpuPeriod: 90000, BlkioDeviceReadBps: [{ Path: loop, Rate: 8192 }] })).status, 200);
    assert.equal(cg(id, 'cpu', 'cpu.cfs_period_us', parent), '90000');
    assert.equal(cg(id, 'blkio', 'blkio.throttle.read_bps_device', parent), `${loopNum} 8192`);

    // Podman's SpecGenerator keeps them: resource_limits, the device maps by path, cgroup_parent.
    const spec = JSON.parse(s.ok(['generate', 'spec', 'docker-limits']));
    assert.deepEqual(spec.resource_limits.cpu, { period: 90000, quota: 10000 });
    assert.deepEqual(spec.resource_limits.memory, { swappiness: 7, disableOOMKiller: true });
    assert.deepEqual(spec.throttleWriteBpsDevice, { [loop]: { major: 0, minor: 0, rate: 4096 } });
    assert.equal(spec.cgroup_parent, `/${parent}`);
    const twin = await call(sock, 'POST', '/v4.0.0/libpod/containers/create', spec);
    assert.equal(twin.status, 201, JSON.stringify(twin.json));
    s.ok(['start', twin.json.Id]);
    assert.equal(cg(twin.json.Id, 'cpu', 'cpu.cfs_period_us', parent), '90000');
    assert.equal(cg(twin.json.Id, 'blkio', 'blkio.throttle.write_bps_device', parent), `${loopNum} 4096`);
    s.ok(['rm', '-f', '-t', '0', id, twin.json.Id]);
  } finally {
    service.kill();
  }
});
