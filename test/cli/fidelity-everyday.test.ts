// Everyday paths where husk differed from Podman (issue 15), checked against
// Podman's system tests: 065-cp, 090-events, 120-load, 160-volumes, 200-pod,
// 500-networking.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HUSK, Store } from '../helpers.ts';

const s = new Store();
before(() => s.busybox());
after(() => s.destroyWhenIdle());

test('load of something that is no image archive: Podman\'s message, 125 (120-load.bats)', () => {
  const r = s.husk(['load'], { input: 'Danger, Will Robinson!! This is a corrupt tarball!' });
  assert.equal(r.code, 125);
  assert.match(r.stderr, /^Error: payload does not match any of the supported image formats:/);
});

test('load from a terminal refuses with Podman\'s message, 125 (450-interactive.bats "podman load - will not read from tty")', () => {
  const husk = [join(import.meta.dirname, '../../bin/husk'), ...s.globals].join(' ');
  const r = spawnSync('script', ['-qec', `${husk} load; echo rc=$?`, '/dev/null'], { encoding: 'utf8', input: '', timeout: 30_000 });
  assert.equal(r.stdout.replace(/\r/g, ''), 'Error: cannot read from terminal, use command-line redirection or the --input flag\nrc=125\n');
});

test('save of an image that came from load and from import', () => {
  const archive = join(s.dir, 'a.tar');
  s.ok(['save', '-o', archive, 'busybox']);
  s.ok(['rmi', 'busybox']);
  s.ok(['load', '-i', archive]);
  const again = join(s.dir, 'b.tar');
  s.ok(['save', '-o', again, 'busybox']);
  assert.ok(execFileSync('tar', ['-tf', again]).toString().includes('manifest.json'));
  const rootfs = join(s.dir, 'rootfs');
  mkdirSync(rootfs);
  writeFileSync(join(rootfs, 'hello'), 'hi\n');
  const tarball = join(s.dir, 'rootfs.tar');
  execFileSync('tar', ['-cf', tarball, '-C', rootfs, '.']);
  s.ok(['import', tarball, 'imported']);
  s.ok(['save', '-o', join(s.dir, 'c.tar'), 'imported']);
  s.ok(['rmi', 'imported']);
});

test('events: several --filter values of one key are ORed, keys ANDed (090-events.bats)', () => {
  s.ok(['create', '--name', 'ev1', 'busybox', 'true']);
  s.ok(['rm', 'ev1']);
  const out = s.ok(['events', '--stream=false', '--filter', 'container=ev1', '--filter', 'event=create', '--filter', 'event=remove', '--format', '{{.Status}}']);
  assert.deepEqual(out.split('\n'), ['create', 'remove']);
});

test('/etc/hosts: host.containers.internal is 127.0.0.1 with --network=host; pod members list the pod\'s hostname (500-networking, 200-pod)', () => {
  assert.match(s.ok(['run', '--rm', '--network', 'host', 'busybox', 'cat', '/etc/hosts']), /^127\.0\.0\.1\thost\.containers\.internal$/m);
  s.ok(['pod', 'create', '--name', 'hostpod']);
  const hosts = s.ok(['run', '--rm', '--pod', 'hostpod', 'busybox', 'sh', '-c', 'hostname; cat /etc/hosts']);
  assert.match(hosts, /^hostpod\n/);
  assert.match(hosts, /\thostpod /);
  s.ok(['pod', 'rm', '-f', 'hostpod']);
});

test('cp: to stdout and from stdin as tar; Podman\'s messages for non-tar stdin and a non-directory destination (065-cp.bats)', () => {
  s.ok(['run', '-d', '--name', 'cpc', 'busybox', 'sh', '-c', 'mkdir /d; echo content > /d/f; touch /file.txt; sleep 1000']);
  s.ok(['exec', 'cpc', 'test', '-e', '/file.txt']);
  const out = spawnSync(HUSK, [...s.globals, 'cp', 'cpc:/d', '-'], { maxBuffer: 1 << 20 });
  assert.equal(out.status, 0, String(out.stderr));
  assert.deepEqual(execFileSync('tar', ['-t'], { input: out.stdout }).toString().split('\n').filter(Boolean).sort(), ['d/', 'd/f']);
  const src = join(s.dir, 'in');
  mkdirSync(src);
  writeFileSync(join(src, 'g'), 'from-stdin\n');
  const tgz = execFileSync('tar', ['-czf', '-', '-C', src, 'g']);
  const put = spawnSync(HUSK, [...s.globals, 'cp', '-', 'cpc:/d'], { input: tgz });
  assert.equal(put.status, 0, String(put.stderr));
  assert.equal(s.ok(['exec', 'cpc', 'cat', '/d/g']), 'from-stdin');
  const notTar = s.husk(['cp', '-', 'cpc:/d'], { input: 'just text' });
  assert.deepEqual([notTar.code, notTar.stderr.trim()], [125, 'Error: source must be a (compressed) tar archive when copying from stdin']);
  for (const dest of ['cpc:/file.txt', 'cpc:/IdoNotExist']) {
    const r = spawnSync(HUSK, [...s.globals, 'cp', '/dev/stdin', dest], { input: tgz, encoding: 'utf8' });
    assert.deepEqual([r.status, r.stderr.trim()], [125, 'Error: destination must be a directory when copying from stdin'], dest);
  }
  // --overwrite: a directory replaced by a file of the same name (and back) only with the flag.
  writeFileSync(join(s.dir, 'd'), 'now a file\n');
  assert.equal(s.husk(['cp', join(s.dir, 'd'), 'cpc:/']).code, 125);
  s.ok(['cp', '--overwrite', join(s.dir, 'd'), 'cpc:/']);
  assert.equal(s.ok(['exec', 'cpc', 'cat', '/d']), 'now a file');
  s.ok(['rm', '-f', '-t', '0', 'cpc']);
});

test('volume ls --filter name=REGEX; a volume\'s o=noexec,nodev options hold on every mount (160-volumes.bats)', () => {
  for (const v of ['volume_1_x', 'volume_2_x']) s.ok(['volume', 'create', v]);
  assert.equal(s.ok(['volume', 'ls', '--filter', 'name=volume_1.+', '--format', '{{.Name}}']), 'volume_1_x');
  assert.equal(s.ok(['volume', 'ls', '--filter', 'name=volume_1*', '--format', '{{.Name}}']), 'volume_1_x\nvolume_2_x');
  s.ok(['volume', 'create', '-o', 'o=noexec,nodev', 'nx']);
  const mp = s.ok(['volume', 'inspect', '--format', '{{.Mountpoint}}', 'nx']);
  writeFileSync(join(mp, 'myscript'), '#!/bin/sh\necho got here\n', { mode: 0o755 });
  assert.match(s.ok(['run', '--rm', '-v', 'nx:/vol', 'busybox', 'grep', ' /vol ', '/proc/mounts']), /\bnoexec\b.*|\bnodev\b/);
  const denied = s.husk(['run', '--rm', '-v', 'nx:/vol', 'busybox', '/vol/myscript']);
  assert.notEqual(denied.code, 0);
  assert.match(denied.stderr, /[Pp]ermission denied/);
  assert.equal(s.ok(['run', '--rm', '-v', 'nx:/vol:exec', 'busybox', '/vol/myscript']), 'got here');
  assert.equal(readFileSync(join(mp, 'myscript'), 'utf8').includes('got here'), true);
});
