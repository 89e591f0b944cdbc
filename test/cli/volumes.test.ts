// Volumes and mounts, seen from inside real containers.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Store, overlayMounts } from '../helpers.ts';

const s = new Store();
before(() => s.busybox());
after(() => s.destroy());

test('data in a named volume survives rm and is seen by the next container', () => {
  assert.equal(s.ok(['volume', 'create', '--label', 'app=web', 'data']), 'data');
  s.ok(['run', '--name', 'writer', '-v', 'data:/data', 'busybox', 'sh', '-c', 'echo kept > /data/file']);
  s.ok(['rm', 'writer']);
  assert.equal(s.ok(['run', '--rm', '-v', 'data:/data', 'busybox', 'cat', '/data/file']), 'kept');
  const [v] = JSON.parse(s.ok(['volume', 'inspect', 'data']));
  assert.equal(v.Name, 'data');
  assert.equal(v.Driver, 'local');
  assert.deepEqual(v.Labels, { app: 'web' });
  assert.equal(readFileSync(join(v.Mountpoint, 'file'), 'utf8'), 'kept\n');
  assert.match(s.ok(['volume', 'ls']), /^DRIVER\s+VOLUME NAME\nlocal\s+data$/);
  assert.equal(s.ok(['volume', 'ls', '-q', '--filter', 'label=app=web']), 'data');
  assert.equal(s.ok(['volume', 'ls', '-q', '--filter', 'label=app=db']), '');
});

test('a volume in use cannot be removed without -f; unknown volumes are errors', () => {
  s.ok(['volume', 'create', 'busy']);
  s.ok(['create', '--name', 'user', '-v', 'busy:/b', 'busybox', 'true']);
  const r = s.husk(['volume', 'rm', 'busy']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /volume busy is being used by the following container\(s\)/);
  assert.equal(s.husk(['volume', 'exists', 'busy']).code, 0);
  s.ok(['volume', 'rm', '-f', 'busy']);
  assert.equal(s.husk(['volume', 'exists', 'busy']).code, 1);
  assert.equal(s.husk(['container', 'exists', 'user']).code, 1);
  const u = s.husk(['volume', 'rm', 'nope']);
  assert.equal(u.code, 1);
  assert.match(u.stderr, /no volume with name "nope" found/);
  assert.equal(s.husk(['volume', 'inspect', 'nope']).code, 125);
});

test('a new named volume is first filled from the image directory it covers (copy-up)', () => {
  assert.equal(s.ok(['run', '--rm', '-v', 'etc:/etc', 'busybox', 'cat', '/etc/group']).split('\n')[0], 'root:x:0:');
  // Later changes stay in the volume; a second container does not copy again.
  s.ok(['run', '--rm', '-v', 'etc:/etc', 'busybox', 'sh', '-c', 'echo extra > /etc/extra']);
  assert.equal(s.ok(['run', '--rm', '-v', 'etc:/etc', 'busybox', 'cat', '/etc/extra']), 'extra');
});

test('bind mounts: ro is read-only inside, rw writes reach the host, U chowns to the user', () => {
  const dir = join(s.dir, 'bind');
  mkdirSync(dir);
  writeFileSync(join(dir, 'in'), 'from host\n');
  const ro = s.husk(['run', '--rm', '-v', `${dir}:/b:ro`, 'busybox', 'sh', '-c', 'cat /b/in; touch /b/x']);
  assert.equal(ro.stdout, 'from host\n');
  assert.notEqual(ro.code, 0);
  assert.match(ro.stderr, /Read-only file system/);
  s.ok(['run', '--rm', '-v', `${dir}:/b`, 'busybox', 'sh', '-c', 'echo back > /b/out']);
  assert.equal(readFileSync(join(dir, 'out'), 'utf8'), 'back\n');
  s.ok(['run', '--rm', '-u', '1000:1000', '-v', `${dir}:/b:U`, 'busybox', 'touch', '/b/mine']);
  assert.equal(statSync(join(dir, 'mine')).uid, 1000);
  const missing = s.husk(['run', '--rm', '-v', '/no/such/dir:/x', 'busybox', 'true']);
  assert.equal(missing.code, 125);
  assert.match(missing.stderr, /no such file or directory/);
});

test('--read-only makes / read-only, with tmpfs on /tmp unless --read-only-tmpfs=false', () => {
  const out = s.husk(['run', '--rm', '--read-only', 'busybox', 'sh', '-c', 'touch /x 2>/dev/null || echo rootro; touch /tmp/x && echo tmpok']);
  assert.equal(out.stdout, 'rootro\ntmpok\n');
  const off = s.husk(['run', '--rm', '--read-only', '--read-only-tmpfs=false', 'busybox', 'sh', '-c', 'touch /tmp/x 2>/dev/null || echo tmpro']);
  assert.equal(off.stdout, 'tmpro\n');
});

test('--tmpfs, --mount type=tmpfs/volume/bind/image', () => {
  assert.match(s.ok(['run', '--rm', '--tmpfs', '/scratch:size=1m', 'busybox', 'sh', '-c', 'df -k /scratch | tail -1']), /^tmpfs\s+1024\s/);
  assert.match(s.ok(['run', '--rm', '--mount', 'type=tmpfs,target=/t,tmpfs-size=2m', 'busybox', 'sh', '-c', 'df -k /t | tail -1']), /^tmpfs\s+2048\s/);
  s.ok(['run', '--rm', '--mount', 'type=volume,source=mvol,target=/m', 'busybox', 'sh', '-c', 'echo m > /m/f']);
  assert.equal(s.ok(['run', '--rm', '--mount', 'type=volume,src=mvol,dst=/m,ro', 'busybox', 'cat', '/m/f']), 'm');
  assert.equal(s.ok(['run', '--rm', '--mount', `type=bind,source=${s.dir},target=/host,readonly`, 'busybox', 'sh', '-c', 'test -d /host/root && echo seen']), 'seen');
  assert.equal(s.ok(['run', '--rm', '--mount', 'type=image,source=busybox,target=/img', 'busybox', 'sh', '-c', 'test -x /img/bin/busybox && touch /img/x 2>/dev/null || echo ro-image']), 'ro-image');
  assert.deepEqual(overlayMounts().filter((m) => m.includes(s.dir)), []);
  for (const bad of ['type=bogus,target=/x', 'type=bind,target=/x', 'type=volume,source=v', 'type=tmpfs,target=/x,color=red', 'type=bind,source=/tmp,target=relative']) {
    const r = s.husk(['run', '--rm', '--mount', bad, 'busybox', 'true']);
    assert.equal(r.code, 125, bad);
    assert.match(r.stderr, /^Error: invalid/m, bad);
  }
});

test('anonymous volumes (-v /path) go away with run --rm and rm -v, not with plain rm', () => {
  const before = s.ok(['volume', 'ls', '-q']).split('\n').filter(Boolean).length;
  s.ok(['run', '--rm', '-v', '/anon', 'busybox', 'true']);
  assert.equal(s.ok(['volume', 'ls', '-q']).split('\n').filter(Boolean).length, before);
  s.ok(['create', '--name', 'a1', '-v', '/anon', 'busybox', 'true']);
  s.ok(['create', '--name', 'a2', '-v', '/anon', 'busybox', 'true']);
  assert.equal(s.ok(['volume', 'ls', '-q', '--filter', 'anonymous=true']).split('\n').length, 2);
  s.ok(['rm', '-v', 'a1']);
  s.ok(['rm', 'a2']);
  assert.equal(s.ok(['volume', 'ls', '-q', '--filter', 'anonymous=true']).split('\n').length, 1);
  assert.match(s.ok(['volume', 'prune', '-f']), /^[0-9a-f]{64}$/m);
});

test('--volumes-from shares another container\'s volumes, optionally read-only', () => {
  s.ok(['create', '--name', 'src', '-v', 'shared:/shared', 'busybox', 'true']);
  s.ok(['run', '--rm', '--volumes-from', 'src', 'busybox', 'sh', '-c', 'echo via > /shared/f']);
  const ro = s.husk(['run', '--rm', '--volumes-from', 'src:ro', 'busybox', 'sh', '-c', 'cat /shared/f; touch /shared/g']);
  assert.equal(ro.stdout, 'via\n');
  assert.notEqual(ro.code, 0);
  s.ok(['rm', 'src']);
});

test('volume options: a tmpfs volume, export and import', () => {
  s.ok(['volume', 'create', '--opt', 'type=tmpfs', '--opt', 'device=tmpfs', '--opt', 'o=size=3m', 'tv']);
  assert.match(s.ok(['run', '--rm', '-v', 'tv:/tv', 'busybox', 'sh', '-c', 'df -k /tv | tail -1']), /^tmpfs\s+3072\s/);
  s.ok(['volume', 'rm', 'tv']);
  s.ok(['volume', 'create', 'ex']);
  s.ok(['run', '--rm', '-v', 'ex:/ex', 'busybox', 'sh', '-c', 'mkdir /ex/d && echo x > /ex/d/f && echo w > /ex/.wh.notawhiteout']);
  const tar = join(s.dir, 'ex.tar');
  s.ok(['volume', 'export', 'ex', '-o', tar]);
  s.ok(['volume', 'create', 'im']);
  s.ok(['volume', 'import', 'im', tar]);
  assert.equal(s.ok(['run', '--rm', '-v', 'im:/im', 'busybox', 'sh', '-c', 'cat /im/d/f /im/.wh.notawhiteout']), 'x\nw');
  assert.ok(existsSync(tar));
  assert.equal(s.husk(['volume', 'create', '--opt', 'color=red', 'bad']).code, 125);
  assert.equal(s.husk(['volume', 'create', 'im']).code, 125);
});

test('--mount type=volume,subpath=: a directory of the volume (made when missing), refused outside it', () => {
  s.ok(['volume', 'create', 'subvol']);
  s.ok(['run', '--rm', '--mount', 'type=volume,source=subvol,target=/d,subpath=a/b', 'busybox', 'sh', '-c', 'echo in-sub > /d/f']);
  assert.equal(s.ok(['run', '--rm', '-v', 'subvol:/v', 'busybox', 'cat', '/v/a/b/f']), 'in-sub');
  // A symlink inside the volume cannot lead the subpath out of it.
  s.ok(['run', '--rm', '-v', 'subvol:/v', 'busybox', 'ln', '-s', '/etc', '/v/esc']);
  assert.equal(s.ok(['run', '--rm', '--mount', 'type=volume,source=subvol,target=/d,subpath=esc', 'busybox', 'ls', '/d']), '');
  const bad = s.husk(['run', '--rm', '--mount', 'type=volume,source=subvol,target=/d,subpath=../x', 'busybox', 'true']);
  assert.equal(bad.code, 125);
  assert.match(bad.stderr, /subpath "\.\.\/x" must be a relative path without "\.\."/);
  s.ok(['volume', 'rm', 'subvol']);
});
