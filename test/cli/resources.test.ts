// Resource limits enforced by cgroups, observed from inside and outside containers.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { Store } from '../helpers.ts';

const s = new Store();
before(() => s.busybox());
after(() => s.destroy());

/** Path of a container's cgroup file for one controller (v1) or the unified tree (v2). */
function cgroupFile(id: string, controller: string, v1: string, v2: string): string {
  return existsSync('/sys/fs/cgroup/cgroup.controllers') ? `/sys/fs/cgroup/husk/husk-${id}/${v2}` : `/sys/fs/cgroup/${controller}/husk/husk-${id}/${v1}`;
}

test('--memory 32m: allocating 64 MB is OOM-killed and reported', () => {
  const r = s.husk(['run', '--name', 'oom', '-m', '32m', 'busybox', 'sh', '-c', 'x=$(head -c 67108864 /dev/zero | tr "\\0" a); echo survived']);
  assert.equal(r.code, 137);
  assert.doesNotMatch(r.stdout, /survived/);
  assert.equal(s.ok(['inspect', 'oom', '--format', '{{.State.OOMKilled}} {{.State.ExitCode}}']), 'true 137');
  s.ok(['rm', 'oom']);
  const fine = s.ok(['run', '--rm', '-m', '64m', 'busybox', 'sh', '-c', 'x=$(head -c 8388608 /dev/zero | tr "\\0" a); echo survived']);
  assert.equal(fine, 'survived');
});

test('--pids-limit 20 stops a fork bomb at 20 and the host is fine', async () => {
  // The inner shell forks until the kernel refuses, then dies; the sleeps it
  // started stay, owned by the outer shell, so the cgroup sits at its limit.
  const id = s.ok(['run', '-d', '--pids-limit', '20', 'busybox', 'sh', '-c', 'sh -c "while :; do sleep 100 & done" 2>/dev/null; sleep 100']);
  const current = cgroupFile(id, 'pids', 'pids.current', 'pids.current');
  let n = 0;
  for (let i = 0; i < 100 && n < 19; i++) {
    await new Promise((r) => setTimeout(r, 50));
    n = Number(readFileSync(current, 'utf8'));
  }
  assert.ok(n >= 19 && n <= 20, `pids in the container: ${n}`);
  assert.equal(s.ok(['run', '--rm', 'busybox', 'echo', 'ok']), 'ok');
  s.ok(['rm', '-f', id]);
});

test('--cpus, --cpu-shares, --memory and --pids-limit land in the container cgroup', () => {
  const id = s.ok(['run', '-d', '--cpus', '0.5', '--cpu-shares', '512', '-m', '48m', '--pids-limit', '33', 'busybox', 'sleep', '100']);
  const read = (c: string, v1: string, v2: string) => readFileSync(cgroupFile(id, c, v1, v2), 'utf8').trim();
  if (existsSync('/sys/fs/cgroup/cgroup.controllers')) {
    assert.equal(read('', '', 'cpu.max'), '50000 100000');
    assert.equal(read('', '', 'memory.max'), String(48 * 1024 * 1024));
  } else {
    assert.equal(read('cpu', 'cpu.cfs_quota_us', ''), '50000');
    assert.equal(read('cpu', 'cpu.shares', ''), '512');
    assert.equal(read('memory', 'memory.limit_in_bytes', ''), String(48 * 1024 * 1024));
  }
  assert.equal(read('pids', 'pids.max', 'pids.max'), '33');
  s.ok(['rm', '-f', id]);
});

test('--shm-size, --oom-score-adj and --ulimit are applied', () => {
  const out = s.ok(['run', '--rm', '--shm-size', '2m', '--oom-score-adj', '100', '--ulimit', 'nproc=50:60', 'busybox', 'sh', '-c',
    'df -k /dev/shm | tail -1 | awk "{print \\$2}"; cat /proc/self/oom_score_adj; ulimit -u']);
  assert.deepEqual(out.split('\n'), ['2048', '100', '50']);
});

test('--ulimit -1 is unlimited: RLIM_INFINITY in config.json, "unlimited" in the container', () => {
  const out = s.ok(['run', '--rm', '--ulimit', 'core=-1', '--ulimit', 'cpu=100:-1', 'busybox', 'sh', '-c', 'ulimit -c; ulimit -t; ulimit -Ht']);
  assert.deepEqual(out.split('\n'), ['unlimited', '100', 'unlimited']);
});

test('limits below the minimum or malformed fail with 125 and create nothing', () => {
  const cases: [string[], RegExp][] = [
    [['-m', '1m'], /minimum memory limit allowed is 6MB/],
    [['-m', 'lots'], /invalid size "lots" for --memory/],
    [['--cpus', '0'], /range of CPUs is from 0.01/],
    [['--cpus', '99'], /range of CPUs/],
    [['--oom-score-adj', '5000'], /oom-score-adj/],
    [['--memory-swap', '10m', '-m', '20m'], /memory-swap/],
  ];
  for (const [flags, msg] of cases) {
    const r = s.husk(['run', '--rm', ...flags, 'busybox', 'true']);
    assert.equal(r.code, 125, flags.join(' '));
    assert.match(r.stderr, msg);
  }
  assert.equal(s.ok(['ps', '-aq']), '');
});

test('stats: --cpus 0.5 bounds a busy loop; memory limit, PIDs and JSON output', async () => {
  s.ok(['run', '-d', '--name', 'burn', '--cpus', '0.5', '-m', '64m', 'busybox', 'sh', '-c', 'while :; do :; done']);
  await new Promise((r) => setTimeout(r, 2000));
  const [name, cpu, mem, pids] = s.ok(['stats', '--no-stream', '--format', '{{.Name}}|{{.CPUPerc}}|{{.MemUsage}}|{{.PIDS}}', 'burn']).split('|');
  assert.equal(name, 'burn');
  const perc = parseFloat(cpu);
  assert.ok(perc > 20 && perc <= 62, `CPU ${cpu} should sit near the 50% quota`);
  assert.match(mem, / \/ 67\.1 MB$/);
  assert.equal(pids, '1');
  const table = s.ok(['stats', '--no-stream']);
  assert.match(table.split('\n')[0], /^ID\s+NAME\s+CPU %\s+MEM USAGE \/ LIMIT\s+MEM %\s+NET IO\s+BLOCK IO\s+PIDS/);
  assert.match(table, /67\.1 MB/);
  const json = JSON.parse(s.ok(['stats', '--no-stream', '--format', 'json']));
  assert.equal(json[0].Name, 'burn');
  assert.equal(json[0].MemLimit, 64 * 1024 * 1024);
  const stopped = s.husk(['stats', '--no-stream', 'nosuch']);
  assert.equal(stopped.code, 125);
});

test('update changes the limits of a running container and records them', () => {
  const id = s.ok(['inspect', '--format', '{{.Id}}', 'burn']);
  s.ok(['update', '--cpus', '0.25', '-m', '96m', '--pids-limit', '50', 'burn']);
  if (!existsSync('/sys/fs/cgroup/cgroup.controllers')) {
    assert.equal(readFileSync(cgroupFile(id, 'cpu', 'cpu.cfs_quota_us', ''), 'utf8').trim(), '25000');
    assert.equal(readFileSync(cgroupFile(id, 'memory', 'memory.limit_in_bytes', ''), 'utf8').trim(), String(96 * 1024 * 1024));
  }
  assert.equal(readFileSync(cgroupFile(id, 'pids', 'pids.max', 'pids.max'), 'utf8').trim(), '50');
  assert.equal(s.ok(['inspect', '--format', '{{.HostConfig.PidsLimit}}', 'burn']), '50');
  const bad = s.husk(['update', '-m', '1m', 'burn']);
  assert.equal(bad.code, 125);
  assert.match(bad.stderr, /minimum memory limit/);
  s.ok(['rm', '-f', 'burn']);
});
