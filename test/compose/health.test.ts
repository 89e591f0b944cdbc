// Compose and the engine's health checks, real containers: service_healthy
// and `up --wait` read the health the engine records (the container's own
// check, run by its timer), so an unhealthy dependency fails `up` and the
// dependent is never created; --wait waits for healthy and for running.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Store } from '../helpers.ts';

const store = new Store('husk-compose-health-');
before(() => store.busybox());
after(() => store.destroyWhenIdle());

function project(name: string, text: string): (args: string[]) => ReturnType<Store['husk']> {
  const dir = mkdtempSync(join(store.dir, `${name}-`));
  writeFileSync(join(dir, 'compose.yaml'), `name: ${name}\n${text}`);
  return (args) => store.husk(['compose', '-f', join(dir, 'compose.yaml'), ...args], { timeout: 120_000 });
}

test('service_healthy waits for the engine\'s health status; an unhealthy dependency fails up and the dependent is not created', () => {
  const compose = project('sick', `services:
  db:
    image: busybox
    command: [sleep, "1000"]
    healthcheck: {test: [CMD, "false"], interval: 300ms, retries: 2}
  app:
    image: busybox
    command: [sleep, "1000"]
    depends_on: {db: {condition: service_healthy}}
`);
  const up = compose(['up', '-d']);
  assert.equal(up.code, 125, up.stderr);
  assert.match(up.stderr, /Error: dependency failed to start: container sick-db-1 is unhealthy/);
  // The verdict is the engine's: the db's recorded health, with its failing streak.
  // (the timer goes on running it, so the streak is at least the retries)
  assert.match(store.ok(['inspect', '--format', '{{.State.Health.Status}} {{.State.Health.FailingStreak}}', 'sick-db-1']), /^unhealthy ([2-9]|\d\d+)$/);
  assert.equal(store.husk(['container', 'exists', 'sick-app-1']).code, 1);
  assert.equal(compose(['down', '-t', '0']).code, 0);
});

test('up --wait: healthy services and running ones; a failing check fails it', () => {
  const compose = project('waity', `services:
  db:
    image: busybox
    command: [sh, -c, "sleep 1; touch /tmp/ready; exec sleep 1000"]
    healthcheck: {test: [CMD-SHELL, "test -f /tmp/ready"], interval: 300ms, retries: 30}
  plain:
    image: busybox
    command: [sleep, "1000"]
`);
  const up = compose(['up', '--wait']);
  assert.equal(up.code, 0, up.stderr);
  assert.match(up.stderr, /Container waity-db-1 {2}Healthy/);
  assert.match(up.stderr, /Container waity-plain-1 {2}Started/);
  assert.equal(store.ok(['inspect', '--format', '{{.State.Health.Status}}', 'waity-db-1']), 'healthy');
  assert.equal(compose(['down', '-t', '0']).code, 0);

  const bad = project('waitbad', `services:
  db:
    image: busybox
    command: [sleep, "1000"]
    healthcheck: {test: [CMD, "false"], interval: 300ms, retries: 1}
`);
  const r = bad(['up', '--wait']);
  assert.equal(r.code, 125);
  assert.match(r.stderr, /container waitbad-db-1 is unhealthy/);
  // --wait-timeout bounds the wait.
  const slow = project('slow', `services:
  db:
    image: busybox
    command: [sleep, "1000"]
    healthcheck: {test: [CMD, "true"], interval: 1h}
`);
  const t = slow(['up', '--wait', '--wait-timeout', '2']);
  assert.equal(t.code, 125);
  assert.match(t.stderr, /container slow-db-1 did not become healthy in time/);
  assert.equal(bad(['down', '-t', '0']).code, 0);
  // `sleep` as PID 1 ignores SIGTERM: without -t 0 this down would wait the 10 s stop timeout.
  const t0 = Date.now();
  assert.equal(slow(['down', '-t', '0']).code, 0);
  assert.ok(Date.now() - t0 < 8000, `down -t 0 took ${Date.now() - t0} ms`);
});
