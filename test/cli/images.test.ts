// Local images without a registry: import (with --change), images, tag, rmi,
// image inspect/exists, and load of an OCI archive and layout (whiteouts,
// opaque dirs, hardlinks, symlinks), plus hostile and tampered inputs.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FIXTURES, Store } from '../helpers.ts';
import { craftTar } from '../image/tar-craft.ts';

const ROOTFS = join(FIXTURES, 'busybox-rootfs.tar');
const ARCH = ({ x64: 'amd64', arm64: 'arm64' } as Record<string, string>)[process.arch] ?? process.arch;

const s = new Store();
let busyboxId = '';
before(() => {
  const out = s.busybox();
  assert.match(out, /^sha256:[0-9a-f]{64}$/);
  busyboxId = out.slice(7);
});
after(() => s.destroyWhenIdle());

/** A fresh store for a test that needs to see exactly what one operation stored. */
async function withStore(fn: (st: Store) => Promise<void> | void): Promise<void> {
  const st = new Store();
  try {
    await fn(st);
  } finally {
    await st.destroyWhenIdle();
  }
}

const ls = (dir: string) => (existsSync(dir) ? readdirSync(dir).sort() : []);

test('import --change CMD, ENV, WORKDIR are applied when run without a command', () => {
  const out = s.ok(['import',
    '--change', 'CMD=["sh","-c","echo $GREETING from $(pwd)"]',
    '--change', 'ENV=GREETING=hello',
    '--change', 'WORKDIR=/tmp',
    ROOTFS, 'changed']);
  assert.match(out, /^sha256:[0-9a-f]{64}$/);
  assert.equal(s.ok(['run', '--rm', 'changed']), 'hello from /tmp');
  // A command given to run replaces CMD; ENV and WORKDIR still apply.
  assert.equal(s.ok(['run', '--rm', 'changed', 'sh', '-c', 'echo $GREETING; pwd']), 'hello\n/tmp');
  const cfg = JSON.parse(s.ok(['image', 'inspect', '--format', '{{json .Config}}', 'changed']));
  assert.deepEqual(cfg.Cmd, ['sh', '-c', 'echo $GREETING from $(pwd)']);
  assert.equal(cfg.WorkingDir, '/tmp');
  assert.ok(cfg.Env.includes('GREETING=hello'));
  assert.ok(cfg.Env.some((e: string) => e.startsWith('PATH=')));
});

test('import --change ENTRYPOINT (JSON and shell form) with CMD as its arguments', () => {
  s.ok(['import', '--change', 'ENTRYPOINT=["echo","ep:"]', '--change', 'CMD=["default-arg"]', ROOTFS, 'withep']);
  assert.equal(s.ok(['run', '--rm', 'withep']), 'ep: default-arg');
  assert.equal(s.ok(['run', '--rm', 'withep', 'given', 'args']), 'ep: given args');
  assert.equal(s.ok(['run', '--rm', '--entrypoint', '', 'withep', 'echo', 'no-ep']), 'no-ep');
  // The shell form runs under /bin/sh -c, as in a Containerfile.
  s.ok(['import', '--change', 'CMD echo shell-form $((1+2))', ROOTFS, 'shellform']);
  assert.equal(s.ok(['run', '--rm', 'shellform']), 'shell-form 3');
  const bad = s.husk(['import', '--change', 'BOGUS=1', ROOTFS, 'bogus']);
  assert.equal(bad.code, 125);
  assert.equal(s.husk(['image', 'exists', 'bogus']).code, 1);
});

test('images: header, a localhost/NAME row, -q, --format', () => {
  const lines = s.ok(['images']).split('\n');
  assert.match(lines[0], /^REPOSITORY\s+TAG\s+IMAGE ID\s+CREATED\s+SIZE$/);
  const row = lines.find((l) => l.startsWith('localhost/busybox '));
  assert.ok(row, lines.join('\n'));
  assert.match(row, new RegExp(`^localhost/busybox\\s+latest\\s+${busyboxId.slice(0, 12)}\\s+.+ ago\\s+[\\d.]+ [kMG]?B$`));
  // Columns line up under the header.
  assert.equal(row.indexOf(busyboxId.slice(0, 12)), lines[0].indexOf('IMAGE ID'));

  const q = s.ok(['images', '-q']).split('\n');
  assert.ok(q.includes(busyboxId.slice(0, 12)));
  for (const id of q) assert.match(id, /^[0-9a-f]{12}$/);
  assert.equal(new Set(q).size, q.length, 'each image once');
  assert.ok(s.ok(['images', '-q', '--no-trunc']).split('\n').includes(`sha256:${busyboxId}`));

  const names = s.ok(['images', '--format', '{{.Repository}}:{{.Tag}}']).split('\n');
  assert.ok(names.includes('localhost/busybox:latest'), names.join('\n'));
  assert.equal(s.ok(['images', '--format', '{{.ID}}', 'busybox']), busyboxId.slice(0, 12));
});

test('tag adds a name; rmi of one of two names only untags', () => {
  s.ok(['tag', 'busybox', 'extra', 'other:v2']);
  const rows = s.ok(['images', '--format', '{{.Repository}}:{{.Tag}} {{.ID}}']).split('\n');
  assert.ok(rows.includes(`localhost/extra:latest ${busyboxId.slice(0, 12)}`), rows.join('\n'));
  assert.ok(rows.includes(`localhost/other:v2 ${busyboxId.slice(0, 12)}`));
  assert.equal(s.ok(['run', '--rm', 'other:v2', 'echo', 'tagged']), 'tagged');

  assert.equal(s.ok(['rmi', 'extra']), 'Untagged: localhost/extra:latest');
  assert.equal(s.husk(['image', 'exists', 'extra']).code, 1);
  assert.equal(s.husk(['image', 'exists', 'busybox']).code, 0);
  assert.equal(s.ok(['rmi', 'localhost/other:v2']), 'Untagged: localhost/other:v2');
  assert.equal(s.ok(['image', 'inspect', '--format', '{{.Id}}', 'busybox']), busyboxId, 'the image itself stays');
  assert.equal(s.husk(['tag', 'no-such-image', 'x']).code, 125);
});

test('rmi of an image used by a container fails with 2 and keeps it; rmi -f removes both', () => {
  s.ok(['import', ROOTFS, 'inuse']);
  s.ok(['tag', 'inuse', 'inuse-alias']);
  s.ok(['rmi', 'inuse-alias']);
  const cid = s.ok(['create', '--name', 'user-of-inuse', 'inuse', 'true']);
  const r = s.husk(['rmi', 'inuse']);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /in use/);
  assert.equal(s.husk(['image', 'exists', 'inuse']).code, 0);
  assert.equal(s.husk(['container', 'exists', cid]).code, 0);
  s.ok(['start', 'user-of-inuse']);
  assert.equal(s.ok(['wait', 'user-of-inuse']), '0');

  const f = s.husk(['rmi', '-f', 'inuse']);
  assert.equal(f.code, 0, f.stderr);
  assert.match(f.stdout, /Untagged: localhost\/inuse:latest/);
  assert.match(f.stdout, /Deleted: [0-9a-f]{64}/);
  assert.equal(s.husk(['image', 'exists', 'inuse']).code, 1);
  assert.equal(s.husk(['container', 'exists', cid]).code, 1);
  assert.ok(!existsSync(join(s.root, 'containers', cid)));

  const unknown = s.husk(['rmi', 'no-such-image']);
  assert.equal(unknown.code, 1, 'Podman: 1 for an unknown image');
  assert.equal(s.husk(['rmi', '-i', 'no-such-image']).code, 0);
});

test('image inspect fields and image exists', () => {
  const arr = JSON.parse(s.ok(['image', 'inspect', 'busybox']));
  assert.equal(arr.length, 1);
  const img = arr[0];
  assert.equal(img.Id, busyboxId);
  assert.equal(img.RootFS.Type, 'layers');
  assert.equal(img.RootFS.Layers.length, 1);
  assert.match(img.RootFS.Layers[0], /^sha256:[0-9a-f]{64}$/);
  assert.equal(img.Architecture, ARCH);
  assert.equal(img.Os, 'linux');
  assert.ok(img.RepoTags.includes('localhost/busybox:latest'));
  assert.ok(img.Size > 1_000_000, 'the size counts the busybox binary');
  // The layer on disk is the unpacked rootfs.
  assert.ok(existsSync(join(img.GraphDriver.Data.UpperDir, 'bin/busybox')));

  s.ok(['import', '--change', 'CMD=["echo","x"]', ROOTFS, 'forinspect']);
  assert.equal(s.ok(['image', 'inspect', '--format', '{{json .Config.Cmd}}', 'forinspect']), '["echo","x"]');
  // The untyped inspect finds images too.
  assert.equal(s.ok(['inspect', '--format', '{{.Architecture}}', 'forinspect']), ARCH);

  assert.equal(s.husk(['image', 'exists', 'busybox']).code, 0);
  assert.equal(s.husk(['image', 'exists', busyboxId]).code, 0);
  assert.equal(s.husk(['image', 'exists', busyboxId.slice(0, 12)]).code, 0);
  assert.equal(s.husk(['image', 'exists', 'no-such-image']).code, 1);
  const missing = s.husk(['image', 'inspect', 'no-such-image']);
  assert.equal(missing.code, 125);
  assert.match(missing.stderr, /no-such-image: image not known/);
});

/** Checks the layered fixture's filesystem and config from inside a container. */
function checkLayered(st: Store, ref: string): void {
  const script = [
    'test -e /data/remove-me.txt && echo remove-me:present || echo remove-me:gone',
    'echo dir:$(ls -A /data/dir)',
    'test -f /data/replace && ! test -d /data/replace && echo replace:file:$(cat /data/replace)',
    'echo inodes:$(stat -c %i /data/keep.txt) $(stat -c %i /data/hard-a)',
    'echo links:$(stat -c %h /data/keep.txt)',
    'test -L /data/link && echo link:$(readlink /data/link):$(cat /data/link)',
    'echo layer3:$(cat /data/layer3.txt)',
    'echo env:$FIXTURE',
    'echo cwd:$(pwd)',
  ].join('; ');
  const out = st.ok(['run', '--rm', ref, 'sh', '-c', script]).split('\n');
  assert.equal(out[0], 'remove-me:gone', 'a whiteout hides the lower file');
  assert.equal(out[1], 'dir:new.txt', 'an opaque dir hides everything below it');
  assert.equal(out[2], 'replace:file:now a file', 'a whited-out dir comes back as a file');
  const [a, b] = out[3].slice('inodes:'.length).split(' ');
  assert.ok(a && a === b, `hardlinks share an inode: ${out[3]}`);
  assert.equal(out[4], 'links:2');
  assert.equal(out[5], 'link:keep.txt:keep');
  assert.equal(out[6], 'layer3:3');
  assert.equal(out[7], 'env:layered');
  assert.equal(out[8], 'cwd:/data');
}

test('load -i an oci-archive: whiteouts, opaque dirs, hardlinks, symlinks, config', () => {
  const before = s.ok(['images', '-q', '--no-trunc']).split('\n');
  const out = s.ok(['load', '-i', join(FIXTURES, 'layered.oci.tar')]);
  const m = /^Loaded image: sha256:([0-9a-f]{64})$/.exec(out);
  assert.ok(m, out);
  const id = m[1];
  assert.ok(!before.includes(`sha256:${id}`));
  s.ok(['tag', id, 'layered']);
  const img = JSON.parse(s.ok(['image', 'inspect', 'layered']))[0];
  assert.equal(img.Id, id);
  assert.equal(img.RootFS.Layers.length, 3);
  assert.deepEqual(img.Config.Cmd, ['sh']);
  assert.equal(img.Config.WorkingDir, '/data');
  assert.equal(img.Labels['org.husk.fixture'], 'layered');
  checkLayered(s, 'layered');
  // The default command (sh) runs in /data.
  assert.equal(s.ok(['run', '--rm', '-i', 'layered'], { input: 'pwd; echo $FIXTURE\n' }), '/data\nlayered');
  // Loading again is idempotent: same image, no new layers.
  const layers = ls(join(s.root, 'overlay'));
  assert.match(s.ok(['load', '-i', join(FIXTURES, 'layered.oci.tar')]), /^Loaded image: /);
  assert.deepEqual(ls(join(s.root, 'overlay')), layers);
  assert.equal(s.ok(['images', '-q', '--no-trunc']).split('\n').filter((x) => x === `sha256:${id}`).length, 1);
});

test('load -i an OCI layout directory', async () => {
  await withStore((st) => {
    const out = st.ok(['load', '-i', join(FIXTURES, 'layered-oci')]);
    const m = /^Loaded image: sha256:([0-9a-f]{64})$/.exec(out);
    assert.ok(m, out);
    assert.equal(ls(join(st.root, 'overlay')).length, 3);
    st.ok(['tag', m[1], 'fromdir']);
    checkLayered(st, 'fromdir');
    // The archive and the layout are the same image.
    assert.equal(s.ok(['image', 'inspect', '--format', '{{.Id}}', 'layered']), m[1]);
  });
});

test('importing a hostile tarball (../escape) fails with 125 and stores nothing', () => {
  const before = s.ok(['images', '-q', '--no-trunc']);
  const overlay = ls(join(s.root, 'overlay'));
  const tarPath = join(s.dir, 'hostile.tar');
  writeFileSync(tarPath, craftTar([
    { path: 'bin', type: 'dir' },
    { path: 'bin/ok.txt', body: 'fine' },
    { path: '../escape', body: 'pwned' },
    { path: '../../escape', body: 'pwned' },
  ]));
  const r = s.husk(['import', tarPath, 'hostile']);
  assert.equal(r.code, 125);
  assert.match(r.stderr, /escape/);
  assert.equal(s.ok(['images', '-q', '--no-trunc']), before);
  assert.equal(s.husk(['image', 'exists', 'hostile']).code, 1);
  assert.deepEqual(ls(join(s.root, 'overlay')), overlay);
  const found: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.name === 'escape') found.push(p);
      if (e.isDirectory() && !e.isSymbolicLink() && !p.endsWith('/merged')) walk(p);
    }
  };
  walk(s.dir);
  assert.deepEqual(found, []);
  assert.ok(!existsSync('/var/tmp/escape'));
  assert.deepEqual(ls(join(s.root, 'tmp')), [], 'no staging dirs left');
});

test('importing a missing file fails with 125', () => {
  const before = s.ok(['images', '-q']);
  const r = s.husk(['import', join(s.dir, 'does-not-exist.tar'), 'missing']);
  assert.equal(r.code, 125);
  assert.match(r.stderr, /does-not-exist\.tar/);
  assert.equal(s.ok(['images', '-q']), before);
});

/** Copies the layered layout and flips one byte of layer `which`'s blob. */
function tamperedLayout(dir: string, which: number, at: (size: number) => number): string {
  const copy = join(dir, `tampered-${which}`);
  cpSync(join(FIXTURES, 'layered-oci'), copy, { recursive: true });
  const index = JSON.parse(readFileSync(join(copy, 'index.json'), 'utf8'));
  const manifest = JSON.parse(readFileSync(join(copy, 'blobs/sha256', index.manifests[0].digest.slice(7)), 'utf8'));
  const layer = manifest.layers.at(which);
  const blob = join(copy, 'blobs/sha256', layer.digest.slice(7));
  const b = readFileSync(blob);
  b[at(b.length)] ^= 0xff;
  writeFileSync(blob, b);
  return copy;
}

for (const [what, which, at] of [
  ['first (uncompressed) layer, inside file data', 0, (n: number) => Math.floor(n / 2)],
  ['last (gzip) layer, in the gzip header MTIME', -1, () => 4],
] as const) {
  test(`load of an OCI layout with a tampered ${what}: digest mismatch, nothing stored`, async () => {
    await withStore((st) => {
      st.busybox();
      const copy = tamperedLayout(st.dir, which, at);
      const images = st.ok(['images', '-q', '--no-trunc']);
      const overlay = ls(join(st.root, 'overlay'));
      const r = st.husk(['load', '-i', copy]);
      assert.equal(r.code, 125, r.stdout);
      assert.match(r.stderr, /digest mismatch/);
      assert.doesNotMatch(r.stdout, /Loaded image/);
      assert.equal(st.ok(['images', '-q', '--no-trunc']), images, 'no new image');
      assert.deepEqual(ls(join(st.root, 'overlay')), overlay, 'no new layer');
      assert.deepEqual(ls(join(st.root, 'tmp')), [], 'no staging dirs left');
    });
  });
}

