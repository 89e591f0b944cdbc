// --cgroups=enabled|disabled|no-conmon|split as Podman's (podman-run(1),
// libpod container_validate.go, 195-cgroups.bats): checked where the kernel
// says the processes are, /proc/PID/cgroup of the container and of conmon.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';
import { HUSK, Store } from '../helpers.ts';

const s = new Store();
before(() => s.busybox());
after(() => {
  s.husk(['rm', '-af', '-t', '0']);
  return s.destroyWhenIdle();
});

/** hierarchy (controllers, e.g. "pids", "name=systemd", "" for cgroup2) → path. */
function cgroupsOf(pid: number | string): Map<string, string> {
  const m = new Map<string, string>();
  for (const line of readFileSync(`/proc/${pid}/cgroup`, 'utf8').trim().split('\n')) {
    const [, ctl, path] = /^\d+:([^:]*):(.*)$/.exec(line)!;
    m.set(ctl!, path!);
  }
  return m;
}

function pids(name: string): { ctr: number; conmon: number } {
  const [ctr, conmon] = s.ok(['inspect', '--format', '{{.State.Pid}} {{.State.ConmonPid}}', name]).split(' ').map(Number);
  return { ctr: ctr!, conmon: conmon! };
}

const V1 = !existsSync('/sys/fs/cgroup/cgroup.controllers');
/** The hierarchies a container's cgroup is made in: the v1 controllers and name=systemd, or cgroup2. */
const CONTROLLED = V1 ? ['pids', 'memory', 'name=systemd'] : [''];

test('enabled (default): the container in /husk/husk-ID, conmon moved out of the caller\'s cgroup into /husk/conmon', () => {
  const id = s.ok(['run', '-d', '--name', 'en', '--network', 'none', 'busybox', 'sleep', '100']);
  const { ctr, conmon } = pids('en');
  for (const h of CONTROLLED) {
    assert.equal(cgroupsOf(ctr).get(h), `/husk/husk-${id}`, h);
    assert.equal(cgroupsOf(conmon).get(h), '/husk/conmon', h);
  }
  assert.equal(s.ok(['inspect', '--format', '{{.HostConfig.Cgroups}}', 'en']), 'default');
  s.ok(['rm', '-f', '-t', '0', 'en']);
});

test('no-conmon: conmon stays in the cgroup of the husk that started it; the container gets its own', () => {
  const id = s.ok(['run', '-d', '--name', 'nc', '--cgroups=no-conmon', '--network', 'none', 'busybox', 'sleep', '100']);
  const { ctr, conmon } = pids('nc');
  assert.deepEqual(cgroupsOf(conmon), cgroupsOf(process.pid), 'husk (our child) and so conmon inherited this process\'s cgroups');
  for (const h of CONTROLLED) assert.equal(cgroupsOf(ctr).get(h), `/husk/husk-${id}`, h);
  s.ok(['rm', '-f', '-t', '0', 'nc']);
});

test('split: the container\'s cgroup under the caller\'s (as in a systemd unit), conmon left in the caller\'s; stats reads it there', () => {
  // A cgroup of the test's own, in every hierarchy, as systemd gives a unit.
  const unit = `husk-test-split-${process.pid}`;
  const made: string[] = [];
  const script = [
    'set -e',
    `for d in /sys/fs/cgroup/*/; do [ -e "$d/cgroup.procs" ] || continue; mkdir -p "${"$"}{d}${unit}"; echo "${"$"}{d}${unit}"`,
    // v1 cpuset takes no process until it has cpus and mems.
    `  if [ -e "${"$"}{d}${unit}/cpuset.cpus" ]; then cat "$d/cpuset.cpus" > "${"$"}{d}${unit}/cpuset.cpus"; cat "$d/cpuset.mems" > "${"$"}{d}${unit}/cpuset.mems"; fi`,
    `  echo $$ > "${"$"}{d}${unit}/cgroup.procs"; done >&2`,
    `exec "$0" "$@"`,
  ].join('\n');
  const r = spawnSync('sh', ['-c', script, HUSK, ...s.globals, 'run', '-d', '--name', 'sp', '--cgroups=split', '--network', 'none', 'busybox', 'sleep', '100'], { encoding: 'utf8' });
  made.push(...r.stderr.split('\n').filter((l) => l.startsWith('/sys/fs/cgroup/')));
  try {
    assert.equal(r.status, 0, r.stderr);
    const id = r.stdout.trim();
    const { ctr, conmon } = pids('sp');
    for (const h of CONTROLLED) {
      assert.equal(cgroupsOf(ctr).get(h), `/${unit}/husk-${id}`, h);
      assert.equal(cgroupsOf(conmon).get(h), `/${unit}`, h);
    }
    assert.equal(s.ok(['stats', '--no-stream', '--format', '{{.PIDs}}', 'sp']), '1', 'stats found the cgroup under the starter\'s');
    s.ok(['rm', '-f', '-t', '0', 'sp']);
  } finally {
    // conmon has gone with the container; the emptied cgroups can go.
    for (const d of made) {
      for (let i = 0; i < 50; i++) {
        try { rmdirSync(d); break; } catch { spawnSync('sleep', ['0.1']); }
      }
    }
  }
  assert.deepEqual(made.filter((d) => existsSync(d)), []);
});

test('disabled: no cgroup at all (the spec has no cgroupsPath), the container stays in the caller\'s; stop and top still work', () => {
  const id = s.ok(['run', '-d', '--name', 'dis', '--cgroups=disabled', '--network', 'none', 'busybox', 'sleep', '100']);
  const spec = JSON.parse(readFileSync(join(s.root, 'containers', id, 'userdata', 'config.json'), 'utf8')) as { linux: { cgroupsPath?: string; resources?: unknown } };
  assert.equal(spec.linux.cgroupsPath, undefined);
  const { ctr, conmon } = pids('dis');
  assert.deepEqual(cgroupsOf(ctr), cgroupsOf(process.pid), 'Podman\'s "--cgroups=disabled keeps the current cgroup"');
  assert.deepEqual(cgroupsOf(conmon), cgroupsOf(process.pid));
  for (const h of CONTROLLED) {
    const dir = h === '' ? (V1 ? '/sys/fs/cgroup/unified' : '/sys/fs/cgroup') : `/sys/fs/cgroup/${h.replace('name=', '')}`;
    assert.ok(!existsSync(join(dir, 'husk', `husk-${id}`)), `no cgroup made in ${dir}`);
  }
  assert.match(s.ok(['top', 'dis']), /sleep 100/);
  assert.equal(s.ok(['inspect', '--format', '{{.HostConfig.Cgroups}}', 'dis']), 'disabled');
  // Without a cgroup, stop kills the container's init (its pid namespace takes the rest).
  assert.equal(s.husk(['stop', '-t', '1', 'dis']).code, 0);
  assert.equal(s.ok(['inspect', '--format', '{{.State.Status}}', 'dis']), 'exited');
  s.ok(['rm', 'dis']);
  assert.ok(!existsSync(`/proc/${ctr}/cgroup`), 'the process is gone');
});

test('disabled: Podman\'s refusals (a pid namespace of its own is required), and runc, which always makes a cgroup', () => {
  const host = s.husk(['run', '--rm', '--cgroups=disabled', '--pid=host', 'busybox', 'true']);
  assert.deepEqual([host.code, host.stderr], [125, 'Error: containers not creating Cgroups must create a private PID namespace: invalid argument\n']);
  s.ok(['run', '-d', '--name', 'pidowner', '--network', 'none', 'busybox', 'sleep', '100']);
  const joined = s.husk(['run', '--rm', '--cgroups=disabled', '--pid=container:pidowner', 'busybox', 'true']);
  assert.deepEqual([joined.code, joined.stderr], [125, "Error: cannot join another container's PID namespace if not creating cgroups: invalid argument\n"]);
  s.ok(['rm', '-f', '-t', '0', 'pidowner']);
  const runc = s.husk(['--runtime', 'runc', 'run', '--rm', '--cgroups=disabled', 'busybox', 'true']);
  assert.deepEqual([runc.code, runc.stderr], [125, 'Error: --cgroups=disabled needs the crun runtime: runc always creates a cgroup\n']);
  const bad = s.husk(['run', '--rm', '--cgroups=bogus', 'busybox', 'true']);
  assert.equal(bad.code, 125);
  assert.equal(s.ok(['ps', '-aq']), '', 'nothing was created');
});
