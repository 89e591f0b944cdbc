// Reproducible builds: --timestamp (or SOURCE_DATE_EPOCH) clamps every
// layer's mtimes (COPY and RUN layers) and sets the created times, so the
// same context built on two clean stores, at different times, with the
// context's files touched in between, gives the same image ID and digest.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FIXTURES, Store } from '../helpers.ts';

const a = new Store('husk-build-repro-a-');
const b = new Store('husk-build-repro-b-');
let dir: string;
const EPOCH = 1700000000;

before(() => {
  // The same base image in both stores: imported once, saved, loaded into the other.
  a.ok(['import', join(FIXTURES, 'busybox-rootfs.tar'), 'busybox']);
  a.ok(['save', '-o', join(a.dir, 'busybox.tar'), 'busybox']);
  b.ok(['load', '-i', join(a.dir, 'busybox.tar')]);
  dir = mkdtempSync(join(a.dir, 'ctx-'));
  writeFileSync(join(dir, 'a.txt'), 'hello\n');
  writeFileSync(join(dir, 'Containerfile'), [
    'FROM busybox AS build',
    'RUN mkdir -p /out/sub && echo built > /out/sub/f && ln -s f /out/sub/l',
    'FROM busybox',
    'COPY --from=build /out /out',
    'COPY a.txt /a.txt',
    'RUN echo run > /r && mkdir /var/made && touch /etc/newfile',
    'ENV X=1',
    'CMD ["cat", "/r"]',
  ].join('\n'));
});
after(async () => {
  await a.destroyWhenIdle();
  await b.destroyWhenIdle();
});

const idAndDigest = (s: Store, ref: string) => s.ok(['inspect', '--format', '{{.Id}} {{.Digest}}', ref]);

test('--timestamp and SOURCE_DATE_EPOCH: the same image ID and digest on two clean stores', async () => {
  a.ok(['build', '--timestamp', String(EPOCH), '-t', 'repro', dir]);
  // Later, with the context's files touched, on the other store, through the environment.
  await new Promise((r) => setTimeout(r, 1500));
  utimesSync(join(dir, 'a.txt'), new Date(), new Date());
  const r = b.husk(['build', '-t', 'repro', dir], { env: { SOURCE_DATE_EPOCH: String(EPOCH) } });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(idAndDigest(a, 'repro'), idAndDigest(b, 'repro'));
  // mtimes in RUN and COPY layers are clamped; created times are the epoch.
  assert.equal(b.ok(['run', '--rm', 'repro', 'stat', '-c', '%Y', '/r', '/var/made', '/a.txt', '/out/sub/f', '/var']), Array(5).fill(String(EPOCH)).join('\n'));
  const img = JSON.parse(b.ok(['inspect', 'repro']))[0];
  assert.equal(img.Created, new Date(EPOCH * 1000).toISOString().replace('.000Z', 'Z'));
  const hist = b.ok(['history', '--format', '{{.CreatedAt}}', 'repro']).split('\n');
  assert.ok(hist.slice(0, 5).every((h) => h.startsWith('2023-11-14')), hist.join('\n'));
  // Without a timestamp, the created times make another image.
  const plain = b.ok(['build', '-q', '--no-cache', dir]);
  assert.notEqual(plain, idAndDigest(b, 'repro').split(' ')[0]);
});

test('a bad --timestamp or SOURCE_DATE_EPOCH is refused before anything is built', () => {
  const r = a.husk(['build', '--timestamp', 'yesterday', dir]);
  assert.equal(r.code, 125);
  assert.match(r.stderr, /--timestamp: "yesterday" is not a number of seconds/);
  const e = a.husk(['build', dir], { env: { SOURCE_DATE_EPOCH: '-5' } });
  assert.equal(e.code, 125);
  assert.match(e.stderr, /SOURCE_DATE_EPOCH/);
});

test('two steps making the same layer (same diff ID twice in one image): the image runs and mounts', () => {
  const d = mkdtempSync(join(a.dir, 'ctx-'));
  writeFileSync(join(d, 'Containerfile'), 'FROM busybox\nRUN echo same > /same\nRUN echo same > /same\nCMD ["cat", "/same"]\n');
  a.ok(['build', '--timestamp', String(EPOCH), '-t', 'twice', d]);
  const layers = JSON.parse(a.ok(['inspect', '--format', '{{json .RootFS.Layers}}', 'twice'])) as string[];
  assert.equal(layers.length, 3);
  assert.equal(layers[1], layers[2], 'the two RUN layers are the same');
  assert.equal(a.ok(['run', '--rm', 'twice']), 'same');
  const m = mkdtempSync(join(a.dir, 'ctx-'));
  writeFileSync(join(m, 'Containerfile'), 'FROM busybox\nCOPY --from=twice /same /copied\n');
  a.ok(['build', '-t', 'fromtwice', m]);
  assert.equal(a.ok(['run', '--rm', 'fromtwice', 'cat', '/copied']), 'same');
});
