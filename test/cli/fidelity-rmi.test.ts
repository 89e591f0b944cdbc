// rmi -f NAME of an image with other names only untags NAME (Podman's libimage;
// 010-images.bats untags one name of many): -f used to delete the image and every name.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { Store } from '../helpers.ts';

const s = new Store();
after(() => s.destroyWhenIdle());

test('rmi -f of one of several names only untags it; the image and its other names stay', () => {
  const id = s.busybox().replace(/^sha256:/, '');
  s.ok(['tag', 'busybox', 'keep1', 'keep2']);
  s.ok(['create', '--name', 'user', 'keep1', 'true']);
  assert.equal(s.ok(['rmi', '-f', 'keep2']), 'Untagged: localhost/keep2:latest');
  assert.equal(s.ok(['image', 'rm', '--force', 'busybox']), 'Untagged: localhost/busybox:latest');
  assert.equal(s.ok(['image', 'inspect', '--format', '{{.Id}}', 'keep1']), id);
  assert.equal(s.husk(['container', 'exists', 'user']).code, 0, 'the container using the image stays');
  assert.deepEqual(s.ok(['images', '--format', '{{.Repository}}:{{.Tag}}']).split('\n'), ['localhost/keep1:latest']);
});

test('rmi by ID of an image with several names needs -f; with -f every name and the image go', () => {
  const id = s.ok(['image', 'inspect', '--format', '{{.Id}}', 'keep1']);
  s.ok(['tag', 'keep1', 'keep3']);
  const r = s.husk(['rmi', id]);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /by ID with more than one tag .*please force removal/);
  const f = s.ok(['rmi', '-f', id]);
  assert.match(f, /Untagged: localhost\/keep1:latest\nUntagged: localhost\/keep3:latest\nDeleted: [0-9a-f]{64}/);
  assert.equal(s.husk(['container', 'exists', 'user']).code, 1, 'rmi -f removes the containers using it');
});
