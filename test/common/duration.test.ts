// go-units' HumanDuration, which the CLI and the REST API (docker ps's Status) share.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { humanDuration } from '../../src/common/duration.ts';

test('humanDuration: go-units wording, singular where Docker has it', () => {
  const s = 1000, m = 60 * s, h = 60 * m, d = 24 * h;
  const cases: [number, string][] = [
    [0, 'Less than a second'], [999, 'Less than a second'], [1 * s, '1 second'], [1.9 * s, '1 second'], [2 * s, '2 seconds'],
    [59 * s, '59 seconds'], [60 * s, 'About a minute'], [119 * s, 'About a minute'], [2 * m, '2 minutes'], [59 * m, '59 minutes'],
    [60 * m, 'About an hour'], [89 * m, 'About an hour'], [90 * m, '2 hours'], [47 * h, '47 hours'], [48 * h, '2 days'],
    [13 * d, '13 days'], [14 * d, '2 weeks'], [60 * d, '2 months'], [730 * d, '2 years'],
  ];
  for (const [ms, want] of cases) assert.equal(humanDuration(ms), want, `${ms} ms`);
});
