// save/load round trips, checked with skopeo as an independent reader.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { FIXTURES, HUSK, Store } from '../helpers.ts';

const s = new Store();
let layeredId = '';
before(() => {
  s.busybox();
  layeredId = /sha256:([0-9a-f]{64})/.exec(s.ok(['load', '-i', join(FIXTURES, 'layered.oci.tar')]))![1];
  s.ok(['tag', layeredId, 'layered']);
});
after(() => s.destroy());

const skopeo = (args: string[]) => spawnSync('skopeo', args, { encoding: 'utf8' });

test('oci-archive save keeps the manifest digest the image was loaded with', () => {
  const out = join(s.dir, 'l.oci.tar');
  s.ok(['save', '--format', 'oci-archive', '-o', out, 'layered']);
  const fixtureIndex = JSON.parse(readFileSync(join(FIXTURES, 'layered-oci/index.json'), 'utf8'));
  const r = skopeo(['inspect', `oci-archive:${out}:localhost/layered:latest`]);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout).Digest, fixtureIndex.manifests[0].digest);
});

test('docker-archive with two images: skopeo reads it, load from stdin restores both and they run', () => {
  const out = join(s.dir, 'two.tar');
  s.ok(['save', '-o', out, 'busybox', 'layered']);
  for (const name of ['localhost/busybox:latest', 'localhost/layered:latest']) {
    const r = skopeo(['inspect', `docker-archive:${out}:${name}`]);
    assert.equal(r.status, 0, `${name}: ${r.stderr}`);
  }
  const copy = skopeo(['copy', `docker-archive:${out}:localhost/layered:latest`, `oci:${join(s.dir, 'copied')}:x`]);
  assert.equal(copy.status, 0, copy.stderr);
  s.ok(['rmi', '-a', '-f']);
  const load = spawnSync(HUSK, [...s.globals, 'load'], { input: readFileSync(out), encoding: 'utf8' });
  assert.equal(load.status, 0, load.stderr);
  assert.match(load.stdout, /Loaded image: localhost\/busybox:latest/);
  assert.match(load.stdout, /Loaded image: localhost\/layered:latest/);
  assert.equal(s.ok(['run', '--rm', 'layered', 'cat', '/data/layer3.txt']), '3');
  assert.equal(s.ok(['run', '--rm', 'busybox', 'echo', 'ok']), 'ok');
});

test('save errors: unknown image, a terminal as output; nothing half-written', () => {
  const out = join(s.dir, 'none.tar');
  const r = s.husk(['save', '-o', out, 'nope']);
  assert.equal(r.code, 125);
  assert.match(r.stderr, /nope: image not known/);
  assert.ok(!existsSync(out));
  const fmt = s.husk(['save', '--format', 'zip', '-o', out, 'busybox']);
  assert.equal(fmt.code, 125);
});
