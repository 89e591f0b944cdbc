// crun is the default runtime, also on hybrid cgroup hosts where crun 1.8
// refuses to run by itself (there it runs through native/build/husk-crun,
// which hides /sys/fs/cgroup/unified from it); runc stays selectable. Each
// check runs on both runtimes, side by side, with real containers.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cgroupFile, cgroupLayout } from '../../src/runtime/cgroups.ts';
import { Store } from '../helpers.ts';

const s = new Store();
before(() => s.busybox());
after(() => s.destroyWhenIdle());

const hybrid = cgroupLayout() === 'hybrid-with-v2-controllers';
const RUNTIMES = ['crun', 'runc'];

test('info: crun is the default runtime, through husk-crun on a hybrid cgroup host, with no warning', () => {
  const rt = JSON.parse(s.ok(['info', '--format', '{{json .Host.OCIRuntime}}'])) as { name: string; path: string; wrapper?: string; fallbackReason?: string };
  assert.equal(rt.name, 'crun');
  assert.equal(rt.fallbackReason, undefined);
  assert.match(s.ok(['info', '--format', '{{.Host.OCIRuntime.Version}}']), /^crun version/);
  if (hybrid) assert.match(rt.wrapper ?? '', /native\/build\/husk-crun$/);
  else assert.equal(rt.wrapper, undefined);
  assert.doesNotMatch(s.husk(['info']).stderr, /WARN|cannot be used/);
});

for (const rt of RUNTIMES) {
  test(`${rt}: limits land in the container's cgroup, stats read them, pause freezes, exec joins`, () => {
    const id = s.ok(['--runtime', rt, 'run', '-d', '--memory', '48m', '--pids-limit', '37', '--cpus', '0.5', 'busybox', 'sleep', '1000']);
    assert.equal(s.ok(['inspect', '--format', '{{.OCIRuntime}}', id]), rt);
    const cg = `/husk/husk-${id}`;
    const read = (ctl: string, v1: string, v2: string) => readFileSync(cgroupFile(cg, ctl, cgroupLayout() === 'v2' ? v2 : v1), 'utf8').trim();
    assert.equal(read('memory', 'memory.limit_in_bytes', 'memory.max'), String(48 << 20));
    assert.equal(read('pids', 'pids.max', 'pids.max'), '37');
    assert.match(read('cpu', 'cpu.cfs_quota_us', 'cpu.max'), /^50000\b/);
    // The container sees the same limit through its own cgroup namespace.
    const inside = cgroupLayout() === 'v2' ? '/sys/fs/cgroup/memory.max' : '/sys/fs/cgroup/memory/memory.limit_in_bytes';
    assert.equal(s.ok(['exec', id, 'cat', inside]), String(48 << 20));

    const stats = s.ok(['stats', '--no-stream', '--format', '{{.MemUsage}}|{{.PIDs}}', id]);
    assert.match(stats, /^[\d.]+ [kMG]?B \/ 50\.3 MB\|1$/);

    s.ok(['pause', id]);
    assert.equal(s.ok(['inspect', '--format', '{{.State.Status}}', id]), 'paused');
    if (cgroupLayout() !== 'v2') assert.equal(readFileSync(cgroupFile(cg, 'freezer', 'freezer.state'), 'utf8').trim(), 'FROZEN');
    s.ok(['unpause', id]);
    assert.equal(s.ok(['inspect', '--format', '{{.State.Status}}', id]), 'running');

    assert.equal(s.husk(['exec', id, 'sh', '-c', 'exit 3']).code, 3);
    assert.equal(s.husk(['exec', id, 'nosuchcmd']).code, 127);
    assert.equal(s.ok(['exec', id, 'cat', '/proc/1/comm']), 'sleep');
    s.ok(['rm', '-f', '-t', '0', id]);
  });

  test(`${rt}: an OOM kill is reported as OOMKilled with exit code 137`, () => {
    const name = `oom-${rt}`;
    const r = s.husk(['--runtime', rt, 'run', '--name', name, '-m', '24m', 'busybox', 'sh', '-c', 'x=$(head -c 67108864 /dev/zero | tr "\\0" a)']);
    assert.equal(r.code, 137, r.stderr);
    assert.equal(s.ok(['inspect', name, '--format', '{{.State.OOMKilled}} {{.State.ExitCode}}']), 'true 137');
    s.ok(['rm', name]);
  });

  test(`${rt}: a command that cannot run maps to Podman's exit codes`, () => {
    assert.equal(s.husk(['--runtime', rt, 'run', '--rm', 'busybox', 'nosuchcmd']).code, 127);
    const dir = s.husk(['--runtime', rt, 'run', '--rm', 'busybox', '/etc']);
    assert.equal(dir.code, 126, dir.stderr);
    assert.match(dir.stderr, /OCI permission denied/);
  });
}

test('containers.conf [engine] runtime = "runc" selects runc; crun and runc containers live side by side', () => {
  const conf = join(s.dir, 'runc.conf');
  writeFileSync(conf, '[engine]\nruntime = "runc"\n');
  const env = { CONTAINERS_CONF: conf };
  const r = s.husk(['info', '--format', '{{.Host.OCIRuntime.Name}}'], { env });
  assert.equal(r.stdout.trim(), 'runc', r.stderr);
  const a = s.husk(['run', '-d', '--name', 'by-conf', 'busybox', 'sleep', '1000'], { env });
  assert.equal(a.code, 0, a.stderr);
  s.ok(['run', '-d', '--name', 'by-default', 'busybox', 'sleep', '1000']);
  assert.equal(s.ok(['inspect', '--format', '{{.OCIRuntime}}', 'by-conf']), 'runc');
  assert.equal(s.ok(['inspect', '--format', '{{.OCIRuntime}}', 'by-default']), 'crun');
  // Each container keeps the runtime it was created with, whatever the default now is.
  assert.deepEqual(s.ok(['ps', '--filter', 'name=^by-', '--format', '{{.Names}} {{.State}}']).split('\n').sort(), ['by-conf running', 'by-default running']);
  assert.equal(s.husk(['stop', '-t', '0', 'by-conf', 'by-default'], { env }).code, 0);
  s.ok(['rm', 'by-conf', 'by-default']);
});

test('husk-crun leaves the host mount table alone', { skip: !hybrid && 'not a hybrid cgroup host' }, () => {
  const unified = () => readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((l) => l.split(' ')[4] === '/sys/fs/cgroup/unified').length;
  const before = unified();
  assert.equal(before, 1);
  assert.equal(s.ok(['run', '--rm', 'busybox', 'echo', 'ok']), 'ok');
  assert.equal(unified(), before);
});
