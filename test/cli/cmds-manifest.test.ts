// husk manifest: lists of local images, annotate/remove/inspect/exists, and a
// push to a real registry (Debian's docker-registry) that skopeo reads back
// as an OCI index with both entries, each pullable by digest.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FIXTURES, Store } from '../helpers.ts';
import { startRegistry, type RunningRegistry } from '../registry-server.ts';

const s = new Store();
let reg: RunningRegistry;
let bbDigest: string;
let layeredDigest: string;

before(async () => {
  reg = await startRegistry();
  s.busybox();
  const id = /sha256:([0-9a-f]{64})/.exec(s.ok(['load', '-i', join(FIXTURES, 'layered.oci.tar')]))![1];
  s.ok(['tag', id, 'layered']);
  bbDigest = s.ok(['image', 'inspect', '--format', '{{.Digest}}', 'busybox']);
  layeredDigest = s.ok(['image', 'inspect', '--format', '{{.Digest}}', 'layered']);
});
after(async () => {
  await reg?.stop();
  await s.destroyWhenIdle();
});

const skopeo = (args: string[]) => {
  const r = spawnSync('skopeo', args, { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
};

test('manifest create/add/annotate/inspect/exists/remove on local images', () => {
  const id = s.ok(['manifest', 'create', 'mylist']);
  assert.match(id, /^[0-9a-f]{64}$/);
  assert.equal(s.husk(['manifest', 'exists', 'mylist']).code, 0);
  assert.equal(s.husk(['manifest', 'exists', 'localhost/mylist:latest']).code, 0);
  assert.equal(s.husk(['manifest', 'exists', 'nolist']).code, 1);
  const again = s.husk(['manifest', 'create', 'mylist']);
  assert.equal(again.code, 125);
  assert.equal(s.ok(['manifest', 'create', '--amend', 'mylist', 'busybox']), id);
  assert.equal(s.ok(['manifest', 'add', '--arch', 'arm64', '--variant', 'v8', '--annotation', 'org.example=yes', 'mylist', 'layered']), id);
  let list = JSON.parse(s.ok(['manifest', 'inspect', 'mylist']));
  assert.equal(list.schemaVersion, 2);
  assert.equal(list.mediaType, 'application/vnd.oci.image.index.v1+json');
  assert.deepEqual(list.manifests.map((m: { digest: string }) => m.digest), [bbDigest, layeredDigest]);
  assert.deepEqual(list.manifests[0].platform, { architecture: 'amd64', os: 'linux' });
  assert.deepEqual(list.manifests[1].platform, { architecture: 'arm64', os: 'linux', variant: 'v8' });
  assert.deepEqual(list.manifests[1].annotations, { 'org.example': 'yes' });
  s.ok(['manifest', 'annotate', '--os', 'linux', '--annotation', 'k=v', 'mylist', bbDigest]);
  s.ok(['manifest', 'annotate', '--index', '--annotation', 'idx=1', 'mylist']);
  list = JSON.parse(s.ok(['manifest', 'inspect', 'mylist']));
  assert.deepEqual(list.manifests[0].annotations, { k: 'v' });
  assert.deepEqual(list.annotations, { idx: '1' });
  // An entry that is not in the list; an image that does not exist.
  assert.equal(s.husk(['manifest', 'annotate', '--arch', 'x', 'mylist', `sha256:${'0'.repeat(64)}`]).code, 125);
  assert.equal(s.husk(['manifest', 'add', 'mylist', 'nosuchimage']).code, 125);
  assert.equal(s.husk(['manifest', 'inspect', 'nolist']).code, 125);
  s.ok(['manifest', 'create', 'tmp', 'busybox', 'layered']);
  assert.equal(s.ok(['manifest', 'remove', 'tmp', layeredDigest]).split(' :')[1], layeredDigest);
  assert.equal(JSON.parse(s.ok(['manifest', 'inspect', 'tmp'])).manifests.length, 1);
  assert.match(s.ok(['manifest', 'rm', 'tmp']), /Deleted: [0-9a-f]{64}/);
  assert.equal(s.husk(['manifest', 'exists', 'tmp']).code, 1);
  assert.equal(s.husk(['image', 'exists', 'busybox']).code, 0, 'the images stay');
});

test('manifest push: the registry holds the index with both entries, each image by digest (skopeo inspect --raw)', () => {
  const dest = `${reg.host}/multi/list:v1`;
  const digestFile = join(s.dir, 'digest');
  s.ok(['manifest', 'push', '--tls-verify=false', '--digestfile', digestFile, 'mylist', `docker://${dest}`]);
  const raw = skopeo(['inspect', '--tls-verify=false', '--raw', `docker://${dest}`]);
  const index = JSON.parse(raw);
  assert.equal(index.mediaType, 'application/vnd.oci.image.index.v1+json');
  assert.equal(index.manifests.length, 2);
  assert.deepEqual(index.manifests.map((m: { platform: { architecture: string } }) => m.platform.architecture), ['amd64', 'arm64']);
  assert.deepEqual(index.annotations, { idx: '1' });
  // The digest file holds the index's digest, which is what the registry serves.
  const sha = spawnSync('sha256sum', { input: raw, encoding: 'utf8' }).stdout.split(' ')[0];
  assert.equal(readFileSync(digestFile, 'utf8'), `sha256:${sha}`);
  // Each entry is a pushed manifest the registry serves by its digest, with its config.
  for (const m of index.manifests) {
    const one = JSON.parse(skopeo(['inspect', '--tls-verify=false', '--raw', `docker://${reg.host}/multi/list@${m.digest}`]));
    assert.ok(one.config?.digest, 'an image manifest');
  }
  // husk pulls the list back: the entry of its own platform.
  const pulled = s.ok(['pull', '--tls-verify=false', dest]);
  assert.match(pulled, /[0-9a-f]{64}/);
  assert.equal(s.ok(['run', '--rm', dest, 'echo', 'from the list']), 'from the list');
  // --rm drops the local list after the push.
  s.ok(['manifest', 'push', '--tls-verify=false', '--rm', 'mylist', `${reg.host}/multi/list:v2`]);
  assert.equal(s.husk(['manifest', 'exists', 'mylist']).code, 1);
});
