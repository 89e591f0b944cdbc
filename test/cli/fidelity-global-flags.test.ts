// Podman's global flags (issue 15): accepted where Podman scripts pass them,
// and each checked by its effect (001-basic, 030-run, 050-stop, 090-events).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Store } from '../helpers.ts';

const s = new Store();
before(() => s.busybox());
after(() => s.destroyWhenIdle());

test('--storage-driver overlay with --root/--runroot; the other driver is refused on this store', () => {
  assert.match(s.ok(['--storage-driver=overlay', 'images', '--format', '{{.Repository}}']), /localhost\/busybox/);
  assert.match(s.ok(['--storage-driver', 'overlay', 'run', '--rm', 'busybox', 'echo', 'ok']), /^ok$/);
  // vfs itself is tested in storage-vfs.test.ts; an overlay store refuses it, as Podman's database does.
  const vfs = s.husk(['--storage-driver=vfs', 'images']);
  assert.deepEqual([vfs.code, vfs.stderr.trim()], [125, 'Error: database storage graph driver "overlay" does not match our storage graph driver "vfs": database configuration mismatch']);
  assert.equal(s.husk(['--storage-driver=zfs', 'images']).code, 125);
  assert.equal(s.husk(['--storage-opt', 'bogus=1', 'images']).code, 125);
});

test('--noout drops stdout (050-stop.bats "stop --noout"); --out sends it to a file', () => {
  s.ok(['run', '-d', '--name', 'quiet', 'busybox', 'sleep', '100']);
  const r = s.husk(['--noout', 'stop', '-t', '0', 'quiet']);
  assert.deepEqual([r.code, r.stdout], [0, '']);
  const out = join(s.dir, 'out.txt');
  const o = s.husk(['--out', out, 'ps', '-a', '--format', '{{.Names}}']);
  assert.deepEqual([o.code, o.stdout], [0, '']);
  assert.equal(readFileSync(out, 'utf8'), 'quiet\n');
  s.ok(['rm', 'quiet']);
});

test('--runtime-flag reaches the runtime: an invalid one fails the run with 126 (030-run.bats "global runtime option")', () => {
  const r = s.husk(['--runtime-flag', 'invalidflag', 'run', '--rm', 'busybox', 'true']);
  assert.equal(r.code, 126);
  assert.match(r.stderr, /invalidflag/);
  assert.equal(s.ok(['--runtime-flag', 'debug', 'run', '--rm', 'busybox', 'echo', 'ok']), 'ok');
  assert.equal(s.ok(['ps', '-aq']), '');
});

test('--events-backend=none records nothing; journald falls back to file; a bad backend is 125', () => {
  const count = () => s.ok(['events', '--stream=false', '--format', '{{.Status}}']).split('\n').filter(Boolean).length;
  const before = count();
  s.ok(['--events-backend=none', 'run', '--rm', 'busybox', 'true']);
  assert.equal(count(), before);
  s.ok(['--events-backend=file', 'create', '--name', 'ev', 'busybox', 'true']);
  assert.equal(count(), before + 1);
  s.ok(['rm', 'ev']);
  assert.equal(s.husk(['--events-backend=journald', 'ps']).code, 0);
  assert.equal(s.husk(['--events-backend=bogus', 'ps']).code, 125);
});

test('--module loads a containers.conf module; --cgroup-manager cgroupfs and --tmpdir are accepted', () => {
  const mod = join(s.dir, 'ulimits.conf');
  writeFileSync(mod, '[containers]\ndefault_ulimits = ["nofile=512:512"]\n');
  assert.equal(s.ok(['--module', mod, 'run', '--rm', 'busybox', 'sh', '-c', 'ulimit -n']), '512');
  assert.equal(s.husk(['--module', join(s.dir, 'missing.conf'), 'ps']).code, 125);
  assert.equal(s.husk(['--cgroup-manager', 'cgroupfs', '--tmpdir', s.dir, 'ps']).code, 0);
});

test('--network-config-dir keeps network definitions where it says', () => {
  const dir = join(s.dir, 'netconf');
  mkdirSync(dir);
  s.ok(['--network-config-dir', dir, 'network', 'create', 'elsewhere']);
  assert.ok(readdirSync(dir).some((f) => f.includes('elsewhere')), readdirSync(dir).join(','));
  assert.match(s.ok(['--network-config-dir', dir, 'network', 'ls', '--format', '{{.Name}}']), /elsewhere/);
  assert.doesNotMatch(s.ok(['network', 'ls', '--format', '{{.Name}}']), /elsewhere/);
  s.ok(['--network-config-dir', dir, 'network', 'rm', 'elsewhere']);
});
