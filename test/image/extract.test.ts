// Layer extraction against the real filesystem (runs as root: chown, mknod,
// trusted.* xattrs and overlay mounts need it).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { extractLayer } from '../../src/image/extract.ts';
import { readTar, type TarHeader } from '../../src/image/tar.ts';
import { HuskError } from '../../src/common/errors.ts';
import { native } from '../../src/common/native.ts';
import { craftTar, setChecksum, type CraftEntry } from './tar-craft.ts';

/** Feeds a buffer in odd-sized chunks so headers straddle chunk boundaries. */
async function* chunks(buf: Buffer, size = 777): AsyncGenerator<Buffer> {
  for (let i = 0; i < buf.length; i += size) yield buf.subarray(i, i + size);
}

/** base/{outside/, outside-file, work/dest}: "../.." from dest lands in base. */
function sandbox() {
  const base = fs.mkdtempSync(join(tmpdir(), 'husk-extract-'));
  const outside = join(base, 'outside');
  const outsideFile = join(base, 'outside-file');
  const dest = join(base, 'work', 'dest');
  fs.mkdirSync(outside);
  fs.mkdirSync(dest, { recursive: true });
  fs.writeFileSync(outsideFile, 'original');
  return { base, outside, outsideFile, dest, cleanup: () => fs.rmSync(base, { recursive: true, force: true }) };
}

async function extract(entries: CraftEntry[] | Buffer, dest: string, onEntry?: (h: TarHeader) => void) {
  const tar = Buffer.isBuffer(entries) ? entries : craftTar(entries);
  await extractLayer(chunks(tar), dest, { onEntry });
}

/** Everything under base except dest, with each file's content and mtime. */
function snapshot(base: string, dest: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const name of fs.readdirSync(dir).sort()) {
      const p = join(dir, name);
      if (p === dest) continue;
      const st = fs.lstatSync(p);
      out.push(`${p} ${st.mode} ${st.mtimeMs} ${st.isFile() ? fs.readFileSync(p, 'utf8') : ''}`);
      if (st.isDirectory()) walk(p);
    }
  };
  walk(base);
  return out;
}

/** The layer must be rejected as BAD_LAYER and leave everything outside dest untouched. */
async function assertRejected(entries: CraftEntry[] | Buffer | ((s: ReturnType<typeof sandbox>) => CraftEntry[] | Buffer), why: RegExp) {
  const s = sandbox();
  try {
    const before = snapshot(s.base, s.dest);
    const layer = typeof entries === 'function' ? entries(s) : entries;
    await assert.rejects(extract(layer, s.dest), (e: unknown) => {
      assert.ok(e instanceof HuskError, `expected HuskError, got ${String(e)}`);
      assert.equal(e.code, 'BAD_LAYER');
      assert.match(e.message, why);
      return true;
    });
    assert.deepEqual(snapshot(s.base, s.dest), before);
    assert.equal(fs.readFileSync(s.outsideFile, 'utf8'), 'original');
  } finally {
    s.cleanup();
  }
}

test('files, dirs, symlinks, hardlinks, devices keep type, owner, mode and times', async () => {
  const s = sandbox();
  try {
    await extract([
      { path: './', type: 'dir', mode: 0o700 },
      { path: 'etc/', type: 'dir', mode: 0o750, uid: 3, gid: 4, mtime: 1_000_000_000 },
      { path: 'etc/passwd', body: 'root:x:0:0\n', mode: 0o4755, uid: 1000, gid: 1001, mtime: 1_234_567_890 },
      { path: 'etc/frac', body: 'x', mtime: 1_700_000_000.5 },
      { path: 'etc/link', type: 'symlink', linkname: '/etc/passwd', uid: 5, gid: 6, mtime: 1_111_111_111 },
      { path: 'etc/hard', type: 'hardlink', linkname: 'etc/passwd' },
      { path: '/tmp/', type: 'dir', mode: 0o1777 },
      { path: 'dev/null', type: 'char', mode: 0o666, devmajor: 1, devminor: 3 },
      { path: 'dev/loop0', type: 'block', mode: 0o660, devmajor: 7, devminor: 0, gid: 6 },
      { path: 'run/fifo', type: 'fifo', mode: 0o2640 },
      { path: 'deep/er/file', body: 'implicit parents' },
    ], s.dest);
    const st = (p: string) => fs.lstatSync(join(s.dest, p));
    assert.notEqual(st('').mode & 0o7777, 0o700, 'dest itself is not touched by "./"');
    assert.equal(st('etc').mode & 0o7777, 0o750);
    assert.deepEqual([st('etc').uid, st('etc').gid, st('etc').mtimeMs], [3, 4, 1_000_000_000_000]);
    assert.equal(fs.readFileSync(join(s.dest, 'etc/passwd'), 'utf8'), 'root:x:0:0\n');
    assert.equal(st('etc/passwd').mode & 0o7777, 0o4755, 'setuid survives chown');
    assert.deepEqual([st('etc/passwd').uid, st('etc/passwd').gid], [1000, 1001]);
    assert.equal(st('etc/passwd').mtimeMs, 1_234_567_890_000);
    assert.equal(st('etc/frac').mtimeMs, 1_700_000_000_500);
    assert.ok(st('etc/link').isSymbolicLink());
    assert.equal(fs.readlinkSync(join(s.dest, 'etc/link')), '/etc/passwd');
    assert.deepEqual([st('etc/link').uid, st('etc/link').gid, st('etc/link').mtimeMs], [5, 6, 1_111_111_111_000]);
    assert.equal(st('etc/hard').ino, st('etc/passwd').ino);
    assert.equal(st('tmp').mode & 0o7777, 0o1777);
    assert.ok(st('dev/null').isCharacterDevice());
    assert.equal(st('dev/null').rdev, (1 << 8) | 3);
    assert.ok(st('dev/loop0').isBlockDevice());
    assert.equal(st('dev/loop0').rdev, 7 << 8);
    assert.ok(st('run/fifo').isFIFO());
    assert.equal(st('run/fifo').mode & 0o7777, 0o2640);
    assert.equal(st('deep/er').mode & 0o7777, 0o755);
  } finally {
    s.cleanup();
  }
});

test('binary xattrs round-trip byte for byte, capabilities survive chown', async () => {
  const s = sandbox();
  try {
    // VFS_CAP_REVISION_2 with cap_net_bind_service permitted: not valid UTF-8.
    const cap = Buffer.from([0x01, 0, 0, 0x02, 0x00, 0x04, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    const bin = Buffer.from([0xff, 0xfe, 0x00, 0x80, 0x0a, 0x3d]);
    await extract([
      { path: 'bin/ping', body: 'ELF', mode: 0o755, uid: 1000, xattrs: { 'security.capability': cap, 'user.bin': bin } },
      { path: 'bin/b64', body: 'x', pax: { 'LIBARCHIVE.xattr.user.%41b': bin.toString('base64') } },
      { path: 'bin/forged', body: 'x', xattrs: { 'trusted.overlay.redirect': Buffer.from('/etc') } },
    ], s.dest);
    const x = native();
    assert.deepEqual(x.lgetxattr(join(s.dest, 'bin/ping'), 'security.capability'), cap);
    assert.deepEqual(x.lgetxattr(join(s.dest, 'bin/ping'), 'user.bin'), bin);
    assert.deepEqual(x.lgetxattr(join(s.dest, 'bin/b64'), 'user.Ab'), bin);
    assert.equal(x.lgetxattr(join(s.dest, 'bin/forged'), 'trusted.overlay.redirect'), null, 'layers cannot forge overlay state');
  } finally {
    s.cleanup();
  }
});

test('whiteouts become 0:0 char devices and opaque markers set trusted.overlay.opaque', async () => {
  const s = sandbox();
  try {
    await extract([
      { path: 'a/.wh.file' },
      { path: 'dir/.wh..wh..opq' },
      { path: 'dir/y', body: 'y' },
      { path: '.wh..wh.plnk/123', body: 'aufs hardlink dir' },
      { path: 'b/.wh..wh.aufs' },
    ], s.dest);
    const wh = fs.lstatSync(join(s.dest, 'a/file'));
    assert.ok(wh.isCharacterDevice());
    assert.equal(wh.rdev, 0);
    assert.deepEqual(native().lgetxattr(join(s.dest, 'dir'), 'trusted.overlay.opaque'), Buffer.from('y'));
    assert.deepEqual(fs.readdirSync(join(s.dest, 'dir')), ['y']);
    assert.deepEqual(fs.readdirSync(join(s.dest, 'b')), []);
    assert.equal(fs.existsSync(join(s.dest, '.wh..wh.plnk')), false);
  } finally {
    s.cleanup();
  }
});

test('later entries replace earlier ones; a directory over a directory merges', async () => {
  const s = sandbox();
  try {
    await extract([
      { path: 'x', body: 'file first' },
      { path: 'x/', type: 'dir' },
      { path: 'd/child', body: 'gone' },
      { path: 'd', body: 'now a file' },
      { path: 'm/keep', body: 'kept' },
      { path: 'm/', type: 'dir', mode: 0o711 },
      { path: 'l', type: 'symlink', linkname: '/nowhere' },
      { path: 'l', body: 'file over symlink' },
      { path: 'f', body: 'old' },
      { path: 'f', body: 'new' },
    ], s.dest);
    assert.ok(fs.lstatSync(join(s.dest, 'x')).isDirectory());
    assert.equal(fs.readFileSync(join(s.dest, 'd'), 'utf8'), 'now a file');
    assert.equal(fs.readFileSync(join(s.dest, 'm/keep'), 'utf8'), 'kept');
    assert.equal(fs.lstatSync(join(s.dest, 'm')).mode & 0o7777, 0o711);
    assert.equal(fs.readFileSync(join(s.dest, 'l'), 'utf8'), 'file over symlink');
    assert.equal(fs.readFileSync(join(s.dest, 'f'), 'utf8'), 'new');
  } finally {
    s.cleanup();
  }
});

test('two layers stacked with overlayfs: whiteout hides a file, opaque dir hides lower contents', async () => {
  const s = sandbox();
  const lower = join(s.base, 'lower');
  const upper = join(s.base, 'upper');
  const mnt = join(s.base, 'mnt');
  for (const d of [lower, upper, mnt]) fs.mkdirSync(d);
  try {
    await extract([{ path: 'a/file', body: 'lower' }, { path: 'a/other', body: 'o' }, { path: 'dir/x', body: 'x' }], lower);
    await extract([{ path: 'a/.wh.file' }, { path: 'dir/.wh..wh..opq' }, { path: 'dir/y', body: 'y' }], upper);
    execFileSync('mount', ['-t', 'overlay', 'overlay', '-o', `lowerdir=${upper}:${lower}`, mnt]);
    try {
      assert.equal(fs.existsSync(join(mnt, 'a/file')), false);
      assert.deepEqual(fs.readdirSync(join(mnt, 'a')), ['other']);
      assert.deepEqual(fs.readdirSync(join(mnt, 'dir')), ['y']);
    } finally {
      execFileSync('umount', [mnt]);
    }
  } finally {
    s.cleanup();
  }
});

test('archives written by GNU tar (gnu and posix formats) extract faithfully', async () => {
  const s = sandbox();
  const src = join(s.base, 'src');
  try {
    const long = `${'d'.repeat(120)}/${'f'.repeat(150)}`;
    fs.mkdirSync(join(src, 'd'.repeat(120)), { recursive: true });
    fs.writeFileSync(join(src, long), Buffer.alloc(300_000, 7));
    fs.symlinkSync('x'.repeat(200), join(src, 'longlink'));
    fs.writeFileSync(join(src, 'capped'), 'c');
    execFileSync('setcap', ['cap_net_raw+ep', join(src, 'capped')]);
    const want = native().lgetxattr(join(src, 'capped'), 'security.capability');
    for (const format of ['gnu', 'posix']) {
      const dest = join(s.base, format);
      fs.mkdirSync(dest);
      const tar = execFileSync('tar', [`--format=${format}`, '--xattrs', '--xattrs-include=*', '-C', src, '-cf', '-', '.'], {
        maxBuffer: 1 << 24,
      });
      await extract(tar, dest);
      assert.deepEqual(fs.readFileSync(join(dest, long)), Buffer.alloc(300_000, 7), format);
      assert.equal(fs.readlinkSync(join(dest, 'longlink')), 'x'.repeat(200), format);
      if (format === 'posix') assert.deepEqual(native().lgetxattr(join(dest, 'capped'), 'security.capability'), want);
    }
  } finally {
    s.cleanup();
  }
});

test('reader: ustar prefix, base-256 numbers, global PAX headers, any chunking', async () => {
  const tar = craftTar([
    { path: 'short', body: 'abc' },
    { path: 'g', typeflag: 'g', body: '13 uname=bob\n' },
    { path: 'after-global', type: 'dir' },
  ]);
  // Move "short" into the ustar prefix field and give it a base-256 uid.
  tar.write('dir/sub', 345, 'utf8');
  Buffer.from([0x80, 0, 0, 0, 0, 0x01, 0x86, 0xa0]).copy(tar, 108);
  setChecksum(tar.subarray(0, 512));
  for (const size of [1, 512, tar.length]) {
    const seen: string[] = [];
    for await (const { header, body } of readTar(chunks(tar, size))) {
      let data = '';
      for await (const c of body) data += c.toString();
      seen.push(`${header.path}:${header.type}:${header.uid}:${header.uname}:${data}`);
    }
    assert.deepEqual(seen, ['dir/sub/short:file:100000:root:abc', 'after-global:dir:0:bob:'], `chunk size ${size}`);
  }
});

test('onEntry sees every entry; skipped bodies keep the stream aligned', async () => {
  const s = sandbox();
  try {
    const seen: string[] = [];
    await extract([
      { path: 'a/.wh.big', body: Buffer.alloc(1000, 1) },
      { path: '.wh..wh.plnk/x', body: Buffer.alloc(5000, 2) },
      { path: 'after', body: 'ok' },
    ], s.dest, (h) => seen.push(h.path));
    assert.deepEqual(seen, ['a/.wh.big', '.wh..wh.plnk/x', 'after']);
    assert.equal(fs.readFileSync(join(s.dest, 'after'), 'utf8'), 'ok');
  } finally {
    s.cleanup();
  }
});

// Hostile layers. Each must be rejected with nothing written outside dest.

test('zip-slip: leading ../ in an entry name', () => assertRejected([{ path: '../escape', body: 'x' }], /escapes/));

test('zip-slip hidden mid-path: a/../../escape', () => assertRejected([{ path: 'a/../../escape', body: 'x' }], /escapes/));

test('absolute path sanitisation (node-tar CVE-2021-32804 class): /etc/../../escape', () =>
  assertRejected([{ path: '/etc/../../escape', body: 'x' }], /escapes/));

test('write through an absolute symlink: link -> /outside then link/pwned', () =>
  assertRejected((s) => [{ path: 'link', type: 'symlink', linkname: s.outside }, { path: 'link/pwned', body: 'x' }], /symlink/));

test('write through a relative symlink climbing out: link -> ../.. then link/pwned', () =>
  assertRejected([{ path: 'link', type: 'symlink', linkname: '../..' }, { path: 'link/pwned', body: 'x' }], /symlink/));

test('directory cache poisoning (node-tar CVE-2021-32803 class): dir replaced by symlink, then a file under it', () =>
  assertRejected((s) => [
    { path: 'd/', type: 'dir' },
    { path: 'd/a', body: 'fine' },
    { path: 'd', type: 'symlink', linkname: s.outside },
    { path: 'd/pwned', body: 'x' },
  ], /symlink/));

test('hardlink escape via ..: link to ../../outside-file', () =>
  assertRejected([{ path: 'hl', type: 'hardlink', linkname: '../../outside-file' }], /escapes/));

test('hardlink to an absolute host path is resolved inside the layer, never on the host', () =>
  assertRejected((s) => [{ path: 'hl', type: 'hardlink', linkname: s.outsideFile }, { path: 'hl', body: 'overwrite' }], /does not exist|not found/));

test('hardlink through a symlinked parent: link -> /outside then hardlink link/target', () =>
  assertRejected((s) => [
    { path: 'link', type: 'symlink', linkname: s.base },
    { path: 'hl', type: 'hardlink', linkname: 'link/outside-file' },
    { path: 'hl', body: 'overwrite' },
  ], /symlink/));

test('whiteout through a symlinked directory: link/.wh.x', () =>
  assertRejected((s) => [{ path: 'link', type: 'symlink', linkname: s.outside }, { path: 'link/.wh.x' }], /symlink/));

test('opaque marker through a symlinked directory: link/.wh..wh..opq', () =>
  assertRejected((s) => [{ path: 'link', type: 'symlink', linkname: s.outside }, { path: 'link/.wh..wh..opq' }], /symlink/));

test('deferred directory times never follow a symlink that replaced the directory', async () => {
  const s = sandbox();
  try {
    fs.mkdirSync(join(s.outside, 'sub'));
    const before = snapshot(s.base, s.dest);
    await extract([
      { path: 'd/sub/', type: 'dir', mtime: 1000 },
      { path: 'd', type: 'symlink', linkname: s.outside },
    ], s.dest);
    assert.deepEqual(snapshot(s.base, s.dest), before);
  } finally {
    s.cleanup();
  }
});

test('truncated archive (cut inside a file body)', () =>
  assertRejected(craftTar([{ path: 'f', body: Buffer.alloc(10_000, 1) }]).subarray(0, 3000), /truncated/));

test('truncated archive (cut inside a header)', () =>
  assertRejected(craftTar([{ path: 'a', body: 'x' }, { path: 'b', body: 'y' }]).subarray(0, 1300), /truncated/));

test('corrupted header checksum', () => {
  const tar = craftTar([{ path: 'f', body: 'x' }]);
  tar[0] ^= 0x20;
  return assertRejected(tar, /checksum/);
});

test('memory exhaustion: 2 MiB GNU long name', () =>
  assertRejected([{ path: '././@LongLink', typeflag: 'L', body: Buffer.alloc(2 << 20, 0x61) }, { path: 'x', body: 'x' }], /larger than/));

test('path longer than PATH_MAX via PAX', () =>
  assertRejected([{ path: 'p'.repeat(5000), body: 'x' }], /longer than/));
