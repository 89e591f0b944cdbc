// src/specgen/health.ts: --health-* flags into a HealthcheckSpec, and the
// merge with the image's HEALTHCHECK at create. Pure; test/cli/healthcheck
// runs the same flags on real containers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { healthArgv, healthTest, parseHealthFlags, resolveHealthcheck } from '../../src/specgen/health.ts';
import { formatDuration, parseDuration } from '../../src/specgen/duration.ts';

test('healthTest: a command line is CMD-SHELL, a JSON array CMD, keywords kept, none disables', () => {
  assert.deepEqual(healthTest('curl -f localhost || exit 1'), ['CMD-SHELL', 'curl -f localhost || exit 1']);
  assert.deepEqual(healthTest('["/bin/check", "-q"]'), ['CMD', '/bin/check', '-q']);
  assert.deepEqual(healthTest('["/bin/check"]'), ['CMD-SHELL', '/bin/check']);
  assert.deepEqual(healthTest('["CMD-SHELL", "exit 0"]'), ['CMD-SHELL', 'exit 0']);
  assert.deepEqual(healthTest('["CMD", "true"]'), ['CMD', 'true']);
  assert.deepEqual(healthTest('CMD /bin/check -q'), ['CMD', '/bin/check', '-q']);
  assert.deepEqual(healthTest('none'), ['NONE']);
  assert.throws(() => healthTest(''), /must define a healthcheck command/);
});

test('parseHealthFlags: Podman defaults, disable, and its messages', () => {
  assert.equal(parseHealthFlags({}), undefined);
  assert.deepEqual(parseHealthFlags({ cmd: 'true' }), { test: ['CMD-SHELL', 'true'], interval: 30e9, timeout: 30e9, startPeriod: 0, retries: 3 });
  assert.deepEqual(parseHealthFlags({ cmd: 'true', interval: '1m30s', retries: '5', timeout: '2s', startPeriod: '10s', onFailure: 'restart' }),
    { test: ['CMD-SHELL', 'true'], interval: 90e9, timeout: 2e9, startPeriod: 10e9, retries: 5, onFailure: 'restart' });
  assert.equal(parseHealthFlags({ cmd: 'true', interval: 'disable' })!.interval, -1);
  assert.equal(parseHealthFlags({ cmd: 'true', interval: '0' })!.interval, -1, 'Podman: 0 sets up no timer');
  assert.deepEqual(parseHealthFlags({ disable: true }), { test: ['NONE'] });
  assert.deepEqual(parseHealthFlags({ onFailure: 'kill', interval: '1s' }), { test: [], onFailure: 'kill' }, 'other flags need --health-cmd');
  assert.throws(() => parseHealthFlags({ cmd: 'x', disable: true }), /cannot specify both --no-healthcheck and --health-cmd/);
  assert.throws(() => parseHealthFlags({ cmd: 'x', retries: '0' }), /healthcheck-retries must be greater than 0/);
  assert.throws(() => parseHealthFlags({ cmd: 'x', retries: 'a' }), /invalid argument "a" for "--health-retries" flag/);
  assert.throws(() => parseHealthFlags({ cmd: 'x', timeout: '0s' }), /healthcheck-timeout must be at least 1 second/);
  assert.throws(() => parseHealthFlags({ cmd: 'x', startPeriod: '-1s' }), /healthcheck-start-period must be 0 seconds or greater/);
  assert.throws(() => parseHealthFlags({ cmd: 'x', interval: 'soon' }), /invalid healthcheck-interval: time: invalid duration "soon"/);
});

test('resolveHealthcheck: the spec wins, the image fills in, NONE disables, on-failure needs a check', () => {
  const image = { Test: ['CMD', 'check'], Interval: 5e9, Retries: 7 };
  assert.equal(resolveHealthcheck(undefined, undefined), undefined);
  assert.deepEqual(resolveHealthcheck(undefined, image), { test: ['CMD', 'check'], interval: 5e9, timeout: 30e9, startPeriod: 0, retries: 7, onFailure: 'none' });
  assert.deepEqual(resolveHealthcheck({ test: [], onFailure: 'stop' }, image)!.onFailure, 'stop');
  assert.deepEqual(resolveHealthcheck({ test: ['CMD-SHELL', 'mine'], interval: 1e9 }, image),
    { test: ['CMD-SHELL', 'mine'], interval: 1e9, timeout: 30e9, startPeriod: 0, retries: 7, onFailure: 'none' }, 'Docker\'s field-wise merge');
  assert.equal(resolveHealthcheck({ test: ['NONE'] }, image), undefined);
  assert.equal(resolveHealthcheck(undefined, { Test: ['NONE'] }), undefined);
  assert.throws(() => resolveHealthcheck({ test: [], onFailure: 'kill' }, undefined), /cannot set on-failure action to kill without a health check/);
  assert.equal(resolveHealthcheck({ test: ['CMD', 'x'], interval: -1 }, image)!.interval, -1);
});

test('healthArgv and Go durations', () => {
  assert.deepEqual(healthArgv(['CMD', 'a', 'b']), ['a', 'b']);
  assert.deepEqual(healthArgv(['CMD-SHELL', 'a && b']), ['/bin/sh', '-c', 'a && b']);
  assert.deepEqual(healthArgv(['/bin/x']), ['/bin/x']);
  for (const [ns, s] of [[30e9, '30s'], [90e9, '1m30s'], [3600e9, '1h0m0s'], [1.5e9, '1.5s'], [250e6, '250ms'], [0, '0s']] as const) {
    assert.equal(formatDuration(ns), s);
    assert.equal(parseDuration(s), ns);
  }
});
