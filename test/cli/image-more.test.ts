// history, image prune, image tree, image mount.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FIXTURES, Store } from '../helpers.ts';

const s = new Store();
let layered = '';
before(() => {
  s.busybox();
  layered = /sha256:([0-9a-f]{64})/.exec(s.ok(['load', '-i', join(FIXTURES, 'layered.oci.tar')]))![1];
});
after(() => s.destroy());

test('history lists one row per config history entry, newest first', () => {
  const out = s.ok(['history', layered]).split('\n');
  assert.match(out[0], /^ID\s+CREATED\s+CREATED BY\s+SIZE\s+COMMENT$/);
  assert.equal(out.length, 4);
  assert.match(out[1], new RegExp(`^${layered.slice(0, 12)} `));
  assert.match(out[2], /^<missing> /);
  assert.equal(s.ok(['history', '-q', '--no-trunc', layered]).split('\n')[0], layered);
});

test('image tree shows each layer and the top layer\'s names', () => {
  const out = s.ok(['image', 'tree', 'busybox']);
  assert.match(out, /^Image ID: [0-9a-f]{12}\nTags:\s+\[localhost\/busybox:latest\]/);
  assert.match(out, /└── ID: [0-9a-f]{12} Size: .* Top Layer of: \[localhost\/busybox:latest\]/);
});

test('image mount gives a read-only view of the image; unmount removes it', () => {
  const dir = s.ok(['image', 'mount', layered]);
  assert.equal(readFileSync(join(dir, 'data/layer3.txt'), 'utf8'), '3');
  assert.ok(!existsSync(join(dir, 'data/remove-me.txt')), 'whiteouts apply');
  assert.throws(() => writeFileSync(join(dir, 'x'), 'no'), /EROFS/);
  assert.match(s.ok(['image', 'mount']), new RegExp(layered.slice(0, 12)));
  s.ok(['image', 'unmount', layered]);
  assert.ok(!existsSync(join(dir, 'data')));
});

test('image prune removes dangling images only; -a also named ones not in use', () => {
  s.ok(['create', '--name', 'keep', 'busybox', 'true']);
  assert.equal(s.ok(['image', 'prune', '-f']), layered);
  assert.equal(s.husk(['image', 'exists', layered]).code, 1);
  assert.equal(s.ok(['image', 'prune', '-a', '-f']), '');
  s.ok(['rm', 'keep']);
  assert.match(s.ok(['image', 'prune', '-a', '-f']), /^[0-9a-f]{64}$/);
  assert.equal(s.ok(['images', '-q']), '');
});
