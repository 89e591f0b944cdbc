// The vfs storage driver on real containers: a container's rootfs is a full
// copy of its image (no overlay mount), and run, exec, cp, diff, commit,
// export, build and rm work on it; a store keeps the driver it was made with.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { join } from 'node:path';
import { FIXTURES, HUSK, Store, overlayMounts } from '../helpers.ts';

const s = new Store();
const o = new Store();
const vfsStore = new Store();
after(() => { s.destroy(); o.destroy(); vfsStore.destroy(); });

const mountsUnder = (dir: string) => fs.readFileSync('/proc/mounts', 'utf8').split('\n').filter((l) => l.includes(dir));

test('a vfs store: run, exec, cp, diff, commit, export and rm work without overlay', () => {
  s.ok(['--storage-driver=vfs', 'import', join(FIXTURES, 'busybox-rootfs.tar'), 'busybox']);
  assert.equal(fs.readFileSync(join(s.root, 'storage-driver'), 'utf8').trim(), 'vfs');
  // The store's own driver holds for later commands without the flag.
  assert.equal(s.ok(['info', '--format', '{{.Store.GraphDriverName}}']), 'vfs');
  s.ok(['run', '-d', '--name', 'c1', 'busybox', 'sleep', '300']);
  assert.deepEqual(overlayMounts().filter((m) => m.includes(s.dir)), [], 'no overlay mount');
  const cdir = join(s.root, 'containers', s.ok(['inspect', '--format', '{{.Id}}', 'c1']));
  assert.ok(fs.existsSync(join(cdir, 'diff/bin/busybox')), 'the container layer is a full copy');
  assert.equal(s.ok(['inspect', '--format', '{{.GraphDriver.Name}} {{.Driver}}', 'c1']), 'vfs vfs');

  s.ok(['exec', 'c1', 'sh', '-c', 'echo hi > /new; rm /bin/ls; echo x >> /etc/passwd; rm /etc/group; mkdir -p /srv/a; rm -rf /home/tester']);
  const host = join(s.dir, 'in.txt');
  fs.writeFileSync(host, 'from host\n');
  s.ok(['cp', host, 'c1:/srv/a/in.txt']);
  s.ok(['cp', 'c1:/new', join(s.dir, 'out.txt')]);
  assert.equal(fs.readFileSync(join(s.dir, 'out.txt'), 'utf8'), 'hi\n');
  // The image's files are untouched: the change is in the container's copy only.
  assert.equal(s.ok(['run', '--rm', 'busybox', 'sh', '-c', 'test -e /bin/ls && test -e /etc/group && echo intact']), 'intact');

  assert.equal(s.ok(['diff', 'c1']), [
    'C /bin', 'D /bin/ls', 'C /etc', 'D /etc/group', 'C /etc/passwd', 'C /home', 'D /home/tester',
    'A /new', 'A /srv', 'A /srv/a', 'A /srv/a/in.txt',
  ].join('\n'));

  s.ok(['commit', '-q', 'c1', 'snap']);
  assert.equal(s.ok(['run', '--rm', 'snap', 'sh', '-c',
    'cat /new /srv/a/in.txt; tail -1 /etc/passwd; test -e /bin/ls || echo no-ls; test -e /etc/group || echo no-group; ls -A /home']),
  'hi\nfrom host\nx\nno-ls\nno-group');
  // The committed layer has the deletions as whiteouts, as overlay's commit would.
  assert.match(s.ok(['image', 'diff', 'snap']), /^D \/bin\/ls$/m);

  s.ok(['stop', '-t', '0', 'c1']);
  const tar = execFileSync(HUSK, [...s.globals, 'export', 'c1'], { maxBuffer: 64 << 20 });
  const names = execFileSync('tar', ['-t'], { input: tar, encoding: 'utf8' }).split('\n');
  assert.ok(names.includes('new') && names.includes('srv/a/in.txt') && !names.includes('bin/ls'));
  assert.ok(!names.some((n) => n.includes('.wh.')));

  s.ok(['rm', 'c1']);
  assert.deepEqual(fs.readdirSync(join(s.root, 'containers')), [], 'rm leaves no container dir');
  assert.deepEqual(mountsUnder(s.dir), [], 'and no mount');
});

test('a vfs build: RUN steps are committed from full copies', () => {
  const ctx = join(s.dir, 'ctx');
  fs.mkdirSync(ctx, { recursive: true });
  fs.writeFileSync(join(ctx, 'Containerfile'), 'FROM busybox\nRUN echo built > /built && rm /etc/group\nCOPY Containerfile /cf\n');
  s.ok(['build', '-q', '-t', 'built', ctx]);
  assert.equal(s.ok(['run', '--rm', 'built', 'sh', '-c', 'cat /built; test -e /etc/group || echo no-group; head -1 /cf']), 'built\nno-group\nFROM busybox');
  assert.deepEqual(mountsUnder(join(s.root, 'containers')), []);
});

test('vfs: image mount and --mount type=image use read-only copies', () => {
  const dir = s.ok(['image', 'mount', 'snap']);
  assert.equal(fs.readFileSync(join(dir, 'new'), 'utf8'), 'hi\n');
  assert.ok(!fs.existsSync(join(dir, 'bin/ls')));
  assert.throws(() => fs.writeFileSync(join(dir, 'x'), ''), /EROFS/);
  s.ok(['image', 'unmount', 'snap']);
  assert.ok(!fs.existsSync(dir) && !fs.existsSync(`${dir}.vfs`));
  assert.equal(s.ok(['run', '--rm', '--mount', 'type=image,source=snap,destination=/img', 'busybox', 'cat', '/img/new']), 'hi');
  assert.deepEqual(mountsUnder(s.dir), []);
});

test('an image with whiteouts, an opaque dir, hardlinks and xattrs reads the same on vfs as on overlay', () => {
  const listing = (st: Store, driver: string) => {
    const id = /sha256:([0-9a-f]{64})/.exec(st.ok([`--storage-driver=${driver}`, 'load', '-i', join(FIXTURES, 'layered.oci.tar')]))![1]!;
    st.ok(['create', '--name', 'l', id]);
    const tar = execFileSync(HUSK, [...st.globals, 'export', 'l'], { maxBuffer: 64 << 20 });
    const list = execFileSync('tar', ['-tv', '--full-time'], { input: tar, encoding: 'utf8', maxBuffer: 64 << 20 }).split('\n').sort();
    return { list, xattr: tar.includes('SCHILY.xattr.user.husk') };
  };
  const vfs = listing(vfsStore, 'vfs');
  const overlay = listing(o, 'overlay');
  assert.ok(vfs.list.some((l) => l.includes('data/dir/new.txt')) && !vfs.list.some((l) => l.includes('data/remove-me.txt')));
  assert.deepEqual(vfs.list, overlay.list);
  assert.ok(vfs.xattr && overlay.xattr, 'xattrs kept');
  // A container never started has no copy yet, and so no changes.
  assert.equal(vfsStore.ok(['diff', 'l']), '');
});

test('a store refuses the other driver; storage.conf chooses the driver of a new store', () => {
  const r = s.husk(['--storage-driver=overlay', 'images']);
  assert.equal(r.code, 125);
  assert.equal(r.stderr.trim(), 'Error: database storage graph driver "vfs" does not match our storage graph driver "overlay": database configuration mismatch');
  const bad = s.husk(['--storage-driver=btrfs', 'images']);
  assert.equal(bad.code, 125);
  assert.match(bad.stderr, /unsupported storage driver "btrfs"/);

  const fresh = new Store();
  try {
    // `--root --runroot --storage-driver` on a store that does not exist yet.
    assert.equal(fresh.husk(['--storage-driver=vfs', 'images', '-q']).code, 0);
    assert.equal(fs.readFileSync(join(fresh.root, 'storage-driver'), 'utf8').trim(), 'vfs');
  } finally {
    fresh.destroy();
  }
  const conf = join(s.dir, 'storage.conf');
  const other = new Store();
  try {
    fs.writeFileSync(conf, `[storage]\ndriver = "vfs"\n\n[storage.options.vfs]\nignore_chown_errors = "false"\n`);
    const env = { HUSK_STORAGE_CONF: conf };
    assert.equal(other.husk(['info', '--format', '{{.Store.GraphDriverName}}'], { env }).stdout.trim(), 'vfs');
    assert.equal(other.husk(['--storage-opt', 'vfs.ignore_chown_errors=maybe', 'images'], { env }).code, 125);
    assert.equal(other.husk(['--storage-opt', '', 'images'], { env }).code, 0, 'an empty --storage-opt clears the options');
  } finally {
    other.destroy();
  }
});
