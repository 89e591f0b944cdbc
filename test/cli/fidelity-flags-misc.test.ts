// Podman 4.3 flags of the image, registry, network, volume, system and
// manifest commands, each checked by its real effect on a throw-away store.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FIXTURES, Store } from '../helpers.ts';

const s = new Store();
after(() => s.destroyWhenIdle());

test('images --sort orders the rows by size, tag, repository, id and (default) newest first', () => {
  s.busybox();
  s.ok(['load', '-i', join(FIXTURES, 'layered.oci.tar')]);
  s.ok(['tag', 'busybox', 'zzz:aaa']);
  const rows = (sort: string) => s.ok(['images', '--sort', sort, '--format', '{{.Repository}}:{{.Tag}} {{.VirtualSize}} {{.Id}}']).split('\n');
  const sizes = rows('size').map((r) => Number(r.split(' ')[1]));
  assert.deepEqual(sizes, [...sizes].sort((a, b) => a - b));
  assert.notDeepEqual(sizes, [...sizes].reverse(), 'the images differ in size');
  assert.deepEqual(rows('tag').map((r) => r.split(' ')[0].split(':')[1]), ['<none>', 'aaa', 'latest']);
  assert.deepEqual(rows('repository').map((r) => r.split(' ')[0].split(':')[0]), ['<none>', 'localhost/busybox', 'localhost/zzz']);
  const ids = rows('id').map((r) => r.split(' ')[2]);
  assert.deepEqual(ids, [...ids].sort());
  // created: the layered image is years old, busybox was imported just now.
  assert.equal(rows('created').at(-1)!.split(' ')[0], '<none>:<none>');
  assert.deepEqual(s.ok(['images', '--format', '{{.Repository}}']).split('\n').at(-1), '<none>');
  const bad = s.husk(['images', '--sort', 'bogus']);
  assert.equal(bad.code, 125);
  assert.equal(bad.stderr, 'Error: "bogus" is not a valid field for sorting. Choose from: created, id, repository, size, tag\n');
});

test('images --history shows every name the image has had, current ones first (010-images.bats); inspect NamesHistory too', () => {
  s.ok(['tag', 'busybox', 'gone:1']);
  s.ok(['untag', 'busybox', 'gone:1']);
  const out = s.ok(['images', '--history', 'busybox']).split('\n');
  assert.match(out[0], /^REPOSITORY\s+TAG\s+IMAGE ID\s+CREATED\s+SIZE\s+HISTORY$/);
  assert.match(out[1], /localhost\/zzz:aaa, localhost\/busybox:latest, localhost\/gone:1$/);
  assert.equal(s.ok(['image', 'inspect', '--format', '{{.NamesHistory}}', 'busybox']), '[localhost/zzz:aaa localhost/busybox:latest localhost/gone:1]');
  // An image that never had a name.
  assert.match(s.ok(['images', '--history', '--sort', 'repository', '--noheading']).split('\n')[0], /^<none>.*<none>$/);
});

test('rmi deletes the dangling parents of a built image; --no-prune keeps them', () => {
  const ctx = join(s.dir, 'ctx-prune');
  mkdirSync(ctx);
  writeFileSync(join(ctx, 'Containerfile'), 'FROM busybox\nLABEL step=1\nLABEL step=2\n');
  const count = () => s.ok(['images', '-a', '-q']).split('\n').length;
  const before = count();
  s.ok(['build', '-q', '-t', 'child', ctx]);
  assert.equal(count(), before + 2, 'the build left an intermediate image');
  assert.equal(s.ok(['rmi', '--no-prune', 'child']).split('\n').filter((l) => l.startsWith('Deleted: ')).length, 1);
  assert.equal(count(), before + 1, 'the intermediate image is kept');
  s.ok(['build', '-q', '-t', 'child', ctx]);
  assert.equal(s.ok(['image', 'rm', 'child']).split('\n').filter((l) => l.startsWith('Deleted: ')).length, 2);
  assert.equal(count(), before, 'the intermediate image went with it');
});
