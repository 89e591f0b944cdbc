// Many husk processes at once on one store: the state database, the locks
// and the storage must keep every container apart and leave nothing behind.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { Store, overlayMounts } from '../helpers.ts';

const s = new Store();
before(() => s.busybox());
after(() => s.destroyWhenIdle());

const N = 20;

test(`${N} concurrent run -d, then ${N} concurrent rm -f`, async () => {
  const runs = await Promise.all(Array.from({ length: N }, () => s.huskAsync(['run', '-d', 'busybox', 'sleep', '1000'])));
  for (const r of runs) assert.equal(r.code, 0, r.stderr);
  const ids = runs.map((r) => r.stdout.trim());
  for (const id of ids) assert.match(id, /^[0-9a-f]{64}$/);
  assert.equal(new Set(ids).size, N, 'distinct IDs');

  // Every one is really running, with its own process, name and mount.
  const ps = JSON.parse(s.ok(['ps', '--format', 'json']));
  assert.equal(ps.length, N);
  assert.deepEqual(ps.map((c: { Id: string }) => c.Id).sort(), [...ids].sort());
  for (const c of ps) assert.equal(c.State, 'running');
  assert.equal(new Set(ps.map((c: { Names: string[] }) => c.Names[0])).size, N, 'distinct names');
  const pids = ps.map((c: { Pid: number }) => c.Pid);
  assert.equal(new Set(pids).size, N, 'distinct pids');
  for (const p of pids) assert.ok(p > 0 && existsSync(`/proc/${p}`));
  assert.equal(overlayMounts().filter((m) => m.includes(s.dir)).length, N);

  const rms = await Promise.all(ids.map((id) => s.huskAsync(['rm', '-f', id])));
  for (const r of rms) assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(rms.map((r) => r.stdout.trim()).sort(), [...ids].sort());

  assert.equal(s.ok(['ps', '-a', '-q']), '');
  assert.deepEqual(overlayMounts().filter((m) => m.includes(s.dir)), []);
  assert.deepEqual(readdirSync(join(s.root, 'containers')), []);
  const runDirs = join(s.runroot, 'containers');
  assert.ok(!existsSync(runDirs) || readdirSync(runDirs).length === 0, 'no leftover run dirs');
  for (const p of pids) assert.ok(!existsSync(`/proc/${p}`) || !/^sleep/.test(safeComm(p)), `process ${p} is gone`);
});

test(`${N} concurrent run --rm with the exit code of each`, async () => {
  const runs = await Promise.all(Array.from({ length: N }, (_, i) => s.huskAsync(['run', '--rm', 'busybox', 'sh', '-c', `echo n${i}; exit ${i}`])));
  runs.forEach((r, i) => {
    assert.equal(r.code, i, r.stderr);
    assert.equal(r.stdout, `n${i}\n`);
  });
  assert.equal(s.ok(['ps', '-a', '-q']), '');
  assert.deepEqual(readdirSync(join(s.root, 'containers')), []);
  assert.deepEqual(overlayMounts().filter((m) => m.includes(s.dir)), []);
});

test('concurrent create with the same name: exactly one wins', async () => {
  const rs = await Promise.all(Array.from({ length: 8 }, () => s.huskAsync(['create', '--name', 'contested', 'busybox', 'true'])));
  const ok = rs.filter((r) => r.code === 0);
  assert.equal(ok.length, 1, rs.map((r) => r.stderr).join(''));
  for (const r of rs.filter((x) => x.code !== 0)) {
    assert.equal(r.code, 125);
    assert.match(r.stderr, /already in use/);
  }
  assert.equal(s.ok(['ps', '-a', '-q', '--no-trunc']), ok[0].stdout.trim());
  s.ok(['rm', 'contested']);
  assert.deepEqual(readdirSync(join(s.root, 'containers')), []);
});

test("conmon's exit command running after rm -f (as it may, once the exit is seen) leaves no lock file behind", () => {
  const id = s.ok(['run', '-d', '--network', 'none', 'busybox', 'sleep', '1000']).trim();
  const conmon = Number(s.ok(['inspect', '--format', '{{.State.ConmonPid}}', id]).trim());
  // The exit command exactly as conmon holds it: --exit-command X --exit-command-arg A ...
  const argv = readFileSync(`/proc/${conmon}/cmdline`, 'utf8').split('\0');
  const exitCmd = [argv[argv.indexOf('--exit-command') + 1], ...argv.flatMap((a, i) => (a === '--exit-command-arg' ? [argv[i + 1]] : []))];
  assert.equal(exitCmd[0], '/usr/bin/flock', exitCmd.join(' '));
  s.ok(['rm', '-f', '-t', '0', id]);
  // Late: the container is gone. flock must not create its lock file anew.
  spawnSync(exitCmd[0], exitCmd.slice(1), { stdio: 'ignore', timeout: 60_000 });
  assert.deepEqual(readdirSync(join(s.runroot, 'locks')).filter((f) => f.startsWith(id)), []);
  assert.equal(existsSync(join(s.runroot, 'containers', id)), false);
});

function safeComm(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8');
  } catch {
    return '';
  }
}

