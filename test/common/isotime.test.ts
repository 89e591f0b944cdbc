// isoTime must be Date.prototype.toISOString, character for character.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isoTime } from '../../src/common/isotime.ts';

test('isoTime: the same string as toISOString, edges and random instants', () => {
  const edges = [0, 1, -1, 999, 1000, Date.UTC(1999, 11, 31, 23, 59, 59, 999), Date.UTC(2000, 1, 29), Date.UTC(9999, 11, 31, 23, 59, 59, 999),
    Date.UTC(0, 0, 1) - 1, Date.UTC(10000, 0, 1), -62198755200000 /* year 0 */, 8.64e15, -8.64e15, Date.now()];
  let seed = 7;
  const rnd = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const random = Array.from({ length: 2000 }, () => Math.floor((rnd() * 2 - 1) * 2 ** 46));
  for (const ms of [...edges, ...random]) {
    const d = new Date(ms);
    assert.equal(isoTime(d), d.toISOString(), `at ${ms}`);
  }
  // Now, by default.
  const before = Date.now();
  const t = Date.parse(isoTime());
  assert.ok(t >= before && t <= Date.now() + 1);
});

test('isoTime: an invalid date throws the RangeError toISOString throws', () => {
  assert.throws(() => isoTime(new Date(NaN)), RangeError);
});
