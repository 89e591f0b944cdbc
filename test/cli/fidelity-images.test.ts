// untag, images --format and history --format json as Podman has them
// (containers/podman test/system/020-tags.bats, 010-images.bats, 110-history.bats).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Store } from '../helpers.ts';

const s = new Store();
before(() => s.busybox());
after(() => s.destroy());

const names = () => s.ok(['images', '--format', '{{.Repository}}:{{.Tag}}']).split('\n').filter(Boolean).sort();

test('untag: one name, several names, then every name (the image stays, dangling)', () => {
  s.ok(['tag', 'busybox', 'u1', 'u2', 'u3']);
  s.ok(['untag', 'busybox', 'u1']);
  assert.deepEqual(names(), ['localhost/busybox:latest', 'localhost/u2:latest', 'localhost/u3:latest']);
  s.ok(['untag', 'busybox', 'u2', 'localhost/u3']);
  assert.deepEqual(names(), ['localhost/busybox:latest']);
  const id = s.ok(['images', '-q']);
  s.ok(['untag', id]);
  assert.deepEqual(names(), ['<none>:<none>']);
  s.ok(['tag', id, 'busybox']);
});

test('images --format: .CreatedAt as Go prints a time, .Containers, .ReadOnly, .History (010-images.bats)', () => {
  const out = s.ok(['images', '--format', '{{.CreatedAt}}|{{.Containers}}|{{.ReadOnly}}|{{.History}}']);
  // .History: every name the image has had (the current ones first), joined as Podman's imageReporter.History().
  assert.match(out, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \+0000 UTC\|0\|false\|localhost\/busybox:latest, localhost\/u3:latest, localhost\/u2:latest, localhost\/u1:latest$/);
});

test('history --format json: Podman\'s lower-case keys', () => {
  const h = JSON.parse(s.ok(['history', '--format', 'json', 'busybox']));
  assert.ok(h.length >= 1);
  assert.deepEqual(Object.keys(h[0]), ['id', 'created', 'createdBy', 'size', 'comment', 'tags']);
  assert.equal(typeof h[0].size, 'number');
  assert.ok(!Number.isNaN(Date.parse(h[0].created)));
});
