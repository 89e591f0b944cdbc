// The tar writer against the real filesystem and husk's own reader: what is
// written must read back byte for byte (names, links, ids, binary xattrs).
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { join } from 'node:path';
import { readTar, type TarHeader } from '../../src/image/tar.ts';
import { tarDirectory, walkTree, writeTar, type TarWriteEntry } from '../../src/image/tarwriter.ts';
import { layerFromUpper, changes } from '../../src/image/diff.ts';
import { extractLayer } from '../../src/image/extract.ts';
import { native, S_IFCHR } from '../../src/common/native.ts';

const base = fs.mkdtempSync('/var/tmp/husk-tarwriter-');
after(() => fs.rmSync(base, { recursive: true, force: true }));

async function* once(b: Buffer): AsyncGenerator<Buffer> { yield b; }

async function collect(gen: AsyncIterable<Buffer>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of gen) parts.push(c);
  return Buffer.concat(parts);
}

async function entries(tar: Buffer): Promise<{ header: TarHeader; body: Buffer }[]> {
  const out = [];
  for await (const { header, body } of readTar(once(tar))) {
    const parts: Buffer[] = [];
    for await (const c of body) parts.push(c);
    out.push({ header, body: Buffer.concat(parts) });
  }
  return out;
}

// A file capability (cap_net_bind_service+ep) as the kernel stores it: binary, with NULs.
const CAP = Buffer.from('0100000200040000000000000000000000000000', 'hex');

test('a directory round-trips: long names, hardlinks, symlinks, devices, binary xattrs', async () => {
  const src = join(base, 'src');
  const long1 = 'd'.repeat(60) + '/' + 'n'.repeat(70); // > 100, fits ustar's prefix split
  const long2 = Array.from({ length: 6 }, (_, i) => `${i}`.repeat(50)).join('/'); // > 255: PAX path
  fs.mkdirSync(join(src, long1.split('/')[0]!), { recursive: true });
  fs.mkdirSync(join(src, long2.split('/').slice(0, -1).join('/')), { recursive: true });
  fs.writeFileSync(join(src, long1), 'one');
  fs.writeFileSync(join(src, long2), 'two');
  fs.writeFileSync(join(src, 'a'), Buffer.alloc(70_000, 7));
  fs.linkSync(join(src, 'a'), join(src, 'b-link'));
  fs.symlinkSync('../../..' + '/x'.repeat(60), join(src, 'sym'));
  fs.symlinkSync('/', join(src, 'root-link'));
  fs.writeFileSync(join(src, 'ünïcode'), '');
  execFileSync('mkfifo', [join(src, 'fifo')]);
  native().mknod(join(src, 'null'), S_IFCHR | 0o666, 1, 3);
  fs.writeFileSync(join(src, 'capped'), 'bin');
  native().lsetxattr(join(src, 'capped'), 'security.capability', CAP);
  native().lsetxattr(join(src, 'capped'), 'user.note', Buffer.from([0, 1, 0x0a, 0x3d, 0xff]));
  fs.chownSync(join(src, 'a'), 3_000_000, 4_000_000); // beyond ustar's 7 octal digits
  fs.chmodSync(join(src, 'a'), 0o4755);
  fs.utimesSync(join(src, 'a'), 1_700_000_000, 1_700_000_000);

  const tar = await collect(tarDirectory(src));
  const got = new Map((await entries(tar)).map((e) => [e.header.path, e]));
  assert.equal(got.get(long1)?.body.toString(), 'one');
  assert.equal(got.get(long2)?.body.toString(), 'two');
  const a = got.get('a')!;
  assert.deepEqual([a.header.uid, a.header.gid, a.header.mode, a.header.mtime, a.body.length], [3_000_000, 4_000_000, 0o4755, 1_700_000_000, 70_000]);
  assert.deepEqual([got.get('b-link')?.header.type, got.get('b-link')?.header.linkname], ['hardlink', 'a']);
  assert.equal(got.get('sym')?.header.linkname, '../../..' + '/x'.repeat(60));
  assert.equal(got.get('root-link')?.header.linkname, '/');
  assert.equal(got.get('ünïcode')?.header.type, 'file');
  assert.equal(got.get('fifo')?.header.type, 'fifo');
  assert.deepEqual([got.get('null')?.header.type, got.get('null')?.header.devmajor, got.get('null')?.header.devminor], ['char', 1, 3]);
  assert.ok(got.get('capped')?.header.xattrs.get('security.capability')?.equals(CAP));
  assert.ok(got.get('capped')?.header.xattrs.get('user.note')?.equals(Buffer.from([0, 1, 0x0a, 0x3d, 0xff])));
  assert.equal(got.get(`${'d'.repeat(60)}/`)?.header.type, 'dir');
  assert.ok(!got.has('') && !got.has('./'), 'the root itself is not an entry unless renamed');

  // And through the hardened extractor onto disk: the capability survives chown/chmod ordering.
  const dest = join(base, 'dest');
  fs.mkdirSync(dest);
  await extractLayer(once(tar), dest);
  assert.ok(native().lgetxattr(join(dest, 'capped'), 'security.capability')?.equals(CAP));
  assert.equal(fs.statSync(join(dest, 'b-link')).ino, fs.statSync(join(dest, 'a')).ino);
  assert.equal(fs.readlinkSync(join(dest, 'root-link')), '/');
  assert.equal(fs.readFileSync(join(dest, long2), 'utf8'), 'two');
  // GNU tar agrees with the format.
  const listing = execFileSync('tar', ['-tvf', '-'], { input: tar }).toString();
  assert.match(listing, /hrwsr-xr-x .* b-link link to a/);
});

test('rename, filter and synthetic entries; PAX for what ustar cannot hold', async () => {
  const src = join(base, 'ren');
  fs.mkdirSync(join(src, 'keep'), { recursive: true });
  fs.mkdirSync(join(src, 'skip'));
  fs.writeFileSync(join(src, 'keep', 'f'), 'x');
  fs.writeFileSync(join(src, 'skip', 'g'), 'y');
  const tar = await collect(tarDirectory(src, { rename: (r) => (r ? `top/${r}` : 'top'), filter: (r) => r !== 'skip' }));
  assert.deepEqual((await entries(tar)).map((e) => e.header.path), ['top/', 'top/keep/', 'top/keep/f']);

  const synthetic: TarWriteEntry[] = [
    { name: 'neg', type: 'file', mode: 0o644, uid: 0, gid: 0, mtime: -5.25, body: Buffer.from('neg') },
    { name: 'big-id', type: 'symlink', mode: 0o777, uid: 2 ** 32 - 2, gid: 0, mtime: 1.5, linkname: 'l'.repeat(300) },
    { name: 'short', type: 'file', mode: 0o600, uid: 0, gid: 0, mtime: 0, size: 10, body: Buffer.from('abc') },
  ];
  const got = await entries(await collect(writeTar(synthetic)));
  assert.deepEqual(got.map((e) => [e.header.path, e.header.mtime]), [['neg', -5.25], ['big-id', 1.5], ['short', 0]]);
  assert.equal(got[1]!.header.uid, 2 ** 32 - 2);
  assert.equal(got[1]!.header.linkname, 'l'.repeat(300));
  assert.deepEqual([...got[2]!.body], [0x61, 0x62, 0x63, 0, 0, 0, 0, 0, 0, 0], 'a short body is padded to its size');
});

test('an overlay upper dir becomes an OCI layer and a change list', async () => {
  const lower = join(base, 'lower');
  const upper = join(base, 'upper');
  for (const d of ['etc', 'usr/lib', 'home/old']) fs.mkdirSync(join(lower, d), { recursive: true });
  for (const f of ['etc/passwd', 'etc/group', 'usr/lib/x']) fs.writeFileSync(join(lower, f), f);
  fs.mkdirSync(join(upper, 'etc'), { recursive: true });
  fs.mkdirSync(join(upper, 'home'));
  fs.mkdirSync(join(upper, 'usr'));
  fs.writeFileSync(join(upper, 'etc/passwd'), 'changed');
  fs.writeFileSync(join(upper, 'etc/new'), 'added');
  native().mknod(join(upper, 'etc/group'), S_IFCHR, 0, 0);
  fs.linkSync(join(upper, 'etc/group'), join(upper, 'etc/.shared-whiteout-inode')); // the kernel may share one
  native().mknod(join(upper, 'usr/lib'), S_IFCHR, 0, 0);
  native().lsetxattr(join(upper, 'home'), 'trusted.overlay.opaque', Buffer.from('y'));
  native().lsetxattr(join(upper, 'etc'), 'trusted.overlay.origin', Buffer.from([1, 2]));
  fs.mkdirSync(join(upper, 'home/old'));

  const layer = await entries(await collect(layerFromUpper(upper)));
  const names = layer.map((e) => e.header.path);
  for (const n of ['etc/.wh.group', 'etc/.wh..shared-whiteout-inode', 'usr/.wh.lib', 'home/.wh..wh..opq', 'etc/new', 'etc/passwd']) assert.ok(names.includes(n), n);
  assert.ok(layer.every((e) => e.header.type !== 'char' && e.header.type !== 'hardlink'));
  assert.ok(layer.every((e) => ![...e.header.xattrs.keys()].some((k) => k.startsWith('trusted.overlay.'))));

  const list = changes(upper, [lower]).map((c) => `${c.kind} ${c.path}`);
  assert.deepEqual(list, ['C /etc', 'D /etc/.shared-whiteout-inode', 'D /etc/group', 'A /etc/new', 'C /etc/passwd', 'D /home', 'C /home/old', 'C /usr', 'D /usr/lib']);
});

test('a directory swapped for a symlink mid-walk is not followed', async () => {
  const root = join(base, 'race');
  fs.mkdirSync(join(root, 'a'), { recursive: true });
  fs.writeFileSync(join(root, 'a/f'), 'mine');
  const seen: string[] = [];
  await assert.rejects(async () => {
    for await (const e of walkTree(root)) {
      seen.push(e.name);
      // Between the walker's lstat of "a" and its descent: what a hostile container could do.
      if (e.name === 'a') {
        fs.renameSync(join(root, 'a'), join(root, 'a.old'));
        fs.symlinkSync('/etc', join(root, 'a'));
      }
    }
  }, /ELOOP|changed while/);
  assert.deepEqual(seen, ['a']);
});
