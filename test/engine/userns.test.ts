// Unit tests for rootless pieces that need no second user: --userns and
// --uidmap parsing, and rootless detection as root (see cli/rootless.test.ts
// for the real thing).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseIdMapping, parseUserns } from '../../src/specgen/flags.ts';
import { validateSpec } from '../../src/specgen/validate.ts';
import { describeMap, rootless } from '../../src/common/userns.ts';

test('parseUserns: host, keep-id and auto with their options; anything else is a clear error', () => {
  assert.deepEqual(parseUserns(''), { mode: 'host' });
  assert.deepEqual(parseUserns('host'), { mode: 'host' });
  assert.deepEqual(parseUserns('keep-id'), { mode: 'keep-id', uid: undefined, gid: undefined });
  assert.deepEqual(parseUserns('keep-id:uid=1000,gid=100'), { mode: 'keep-id', uid: 1000, gid: 100 });
  assert.deepEqual(parseUserns('auto:size=2048'), { mode: 'auto', size: 2048 });
  assert.throws(() => parseUserns('private'), /invalid --userns "private": must be host, keep-id/);
  assert.throws(() => parseUserns('auto:uid=1'), /--userns=auto does not take "uid"/);
  assert.throws(() => parseUserns('keep-id:uid=x'), /invalid --userns option "uid=x"/);
});

test('parseIdMapping: CONTAINER_ID:HOST_ID:SIZE; --userns and --uidmap do not combine', () => {
  assert.deepEqual(parseIdMapping('0:100000:65536'), { containerID: 0, hostID: 100000, size: 65536 });
  assert.throws(() => parseIdMapping('0:1'), /expected CONTAINER_ID:HOST_ID:SIZE/);
  assert.throws(() => parseIdMapping('0:1:0'), /SIZE > 0/);
  assert.throws(() => validateSpec({ image: 'x', userns: parseUserns('keep-id'), uidMap: [parseIdMapping('0:1:10')] }), /cannot be combined/);
  validateSpec({ image: 'x', userns: parseUserns('host'), uidMap: [parseIdMapping('0:1:10')] });
});

test('rootless(): undefined for real root (the identity map); describeMap for errors', { skip: process.getuid?.() !== 0 }, () => {
  assert.equal(rootless(), undefined);
  assert.equal(describeMap([{ containerID: 0, hostID: 1001, size: 1 }, { containerID: 1, hostID: 100000, size: 65536 }]), '0-0 → 1001, 1-65536 → 100000-165535');
});
