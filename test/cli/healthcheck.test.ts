// Health checks with no daemon: each container with a check gets a timer
// process (a shell loop) that runs `husk healthcheck run` on schedule; the
// health shows in inspect and ps, changes are health_status events, and an
// unhealthy container gets its on-failure action. Real containers; the
// state is polled through inspect.
import { after, afterEach, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Store, until } from '../helpers.ts';

const s = new Store();
before(() => s.busybox());
afterEach(() => { s.husk(['rm', '-a', '-f', '-t', '0']); });
after(() => s.destroyWhenIdle());

const inspect = (ref: string, f: string) => s.ok(['inspect', '--format', f, ref]);
const health = (ref: string) => JSON.parse(inspect(ref, '{{json .State.Health}}')) as { Status: string; FailingStreak: number; Log: { ExitCode: number; Output: string }[] };

/** Processes whose command line mentions s (the timer names the container ID). */
function processesWith(text: string): string[] {
  return readdirSync('/proc').filter((p) => /^\d+$/.test(p) && Number(p) !== process.pid).flatMap((p) => {
    try {
      const cmd = readFileSync(`/proc/${p}/cmdline`, 'utf8').replaceAll('\0', ' ');
      return cmd.includes(text) ? [cmd] : [];
    } catch {
      return [];
    }
  });
}

test('a passing check with a 1s interval turns healthy; ps shows (healthy) and filters by health', async () => {
  const id = s.ok(['run', '-d', '--name', 'good', '--health-cmd', 'echo fine', '--health-interval', '1s', 'busybox', 'sleep', '1000']);
  assert.match(inspect('good', '{{.State.Health.Status}}'), /^(starting|healthy)$/);
  await until(() => inspect('good', '{{.State.Health.Status}}') === 'healthy', 30_000, 200);
  const h = health('good');
  assert.equal(h.FailingStreak, 0);
  assert.deepEqual(h.Log.at(-1), { ...h.Log.at(-1), ExitCode: 0, Output: 'fine' });
  assert.deepEqual(JSON.parse(inspect('good', '{{json .State.Healthcheck}}')).Status, 'healthy', 'Podman 4\'s alias');
  assert.deepEqual(JSON.parse(inspect('good', '{{json .Config.Healthcheck}}')),
    { Test: ['CMD-SHELL', 'echo fine'], Interval: 1e9, Timeout: 30e9, Retries: 3 });
  assert.equal(inspect('good', '{{.Config.HealthcheckOnFailureAction}}'), 'none');
  assert.match(s.ok(['ps', '--format', '{{.Status}}', '--filter', 'name=good']), /^Up .* \(healthy\)$/);
  s.ok(['run', '-d', '--name', 'plain', 'busybox', 'sleep', '1000']);
  assert.equal(s.ok(['ps', '--format', '{{.Names}}', '--filter', 'health=healthy']), 'good');
  assert.equal(s.ok(['ps', '--format', '{{.Names}}', '--filter', 'health=none']), 'plain');
  assert.match(s.ok(['ps', '--format', '{{.Status}}', '--filter', 'name=plain']), /^Up [^(]*$/);
  assert.equal(s.husk(['ps', '--filter', 'health=bogus']).code, 125);
  // One timer for the container with a check, none for the other.
  assert.equal(processesWith(`healthcheck run ${id}`).length >= 1, true);
});

test('a failing check turns unhealthy after its retries and emits health_status', async () => {
  const id = s.ok(['run', '-d', '--name', 'bad', '--health-cmd', '["sh", "-c", "echo broken >&2; exit 3"]',
    '--health-interval', '1s', '--health-retries', '2', 'busybox', 'sleep', '1000']);
  await until(() => inspect('bad', '{{.State.Health.Status}}') === 'unhealthy', 30_000, 200);
  const h = health('bad');
  assert.ok(h.FailingStreak >= 2, `streak ${h.FailingStreak}`);
  assert.deepEqual(h.Log.at(-1), { ...h.Log.at(-1), ExitCode: 1, Output: 'broken' });
  assert.ok(h.Log.length <= 5);
  assert.match(s.ok(['ps', '--format', '{{.Status}}', '--filter', 'health=unhealthy']), /^Up .* \(unhealthy\)$/);
  const events = s.ok(['events', '--stream=false', '--filter', 'event=health_status', '--filter', 'container=bad']).split('\n');
  assert.equal(events.length, 1, 'one event per change of status');
  assert.match(events[0], new RegExp(`container health_status ${id} \\(image=localhost/busybox:latest, name=bad, health_status=unhealthy\\)$`));
  const json = JSON.parse(s.ok(['events', '--stream=false', '--filter', 'event=health_status', '--filter', 'container=bad', '--format', 'json']));
  assert.equal(json.HealthStatus, 'unhealthy');
  assert.equal(inspect('bad', '{{.State.Status}}'), 'running', 'on-failure none leaves it running');
});

test('a failure in the start period does not count', () => {
  s.ok(['run', '-d', '--name', 'slow', '--health-cmd', 'false', '--health-interval', 'disable', '--health-retries', '1',
    '--health-start-period', '1m', 'busybox', 'sleep', '1000']);
  assert.equal(s.husk(['healthcheck', 'run', 'slow']).code, 1);
  const h = health('slow');
  assert.deepEqual([h.Status, h.FailingStreak, h.Log.length], ['starting', 0, 1]);
});

// --stop-timeout 1 on the containers that are stopped or restarted: `sleep` as PID 1 ignores
// SIGTERM, and each stop would otherwise wait the default 10 s.
test('--health-on-failure=restart restarts the container once it is unhealthy', async () => {
  // The check fails once /state/bad exists; the tmpfs is new at each start, so the restart heals it.
  s.ok(['run', '-d', '--name', 'heal', '--tmpfs', '/state', '--health-cmd', 'test ! -e /state/bad', '--health-interval', '1s',
    '--health-retries', '2', '--health-on-failure=restart', '--stop-timeout', '1', 'busybox', 'sleep', '1000']);
  await until(() => inspect('heal', '{{.State.Health.Status}}') === 'healthy', 30_000, 200);
  const pid = Number(inspect('heal', '{{.State.Pid}}'));
  s.ok(['exec', 'heal', 'touch', '/state/bad']);
  await until(() => {
    const [st, p] = inspect('heal', '{{.State.Status}} {{.State.Pid}}').split(' ');
    return st === 'running' && Number(p) > 0 && Number(p) !== pid;
  }, 60_000, 200);
  assert.equal(inspect('heal', '{{.Config.HealthcheckOnFailureAction}}'), 'restart');
  // A restart, not a start by the user: RestartCount grows (as Podman's, which restarts through its restart path).
  assert.equal(inspect('heal', '{{.RestartCount}}'), '1');
  await until(() => inspect('heal', '{{.State.Health.Status}}') === 'healthy', 30_000, 200);
  // Unhealthy again: a second restart.
  s.ok(['exec', 'heal', 'touch', '/state/bad']);
  await until(() => inspect('heal', '{{.RestartCount}}') === '2', 60_000, 200);
  const events = s.ok(['events', '--stream=false', '--filter', 'container=heal', '--format', 'json']).split('\n')
    .map((l) => JSON.parse(l)).map((e) => `${e.Status}${e.HealthStatus ? ` ${e.HealthStatus}` : ''}`);
  const unhealthy = events.indexOf('health_status unhealthy');
  assert.ok(unhealthy > 0, events.join('; '));
  assert.deepEqual(events.slice(unhealthy + 1, unhealthy + 3), ['stop', 'died'].includes(events[unhealthy + 1]) ? events.slice(unhealthy + 1, unhealthy + 3) : ['stop', 'start']);
  assert.ok(events.slice(unhealthy).includes('start'), events.join('; '));
  assert.ok(events.slice(unhealthy).includes('restart'), events.join('; '));
});

test('--health-on-failure=kill and stop leave the container exited', async () => {
  for (const action of ['kill', 'stop']) {
    s.ok(['run', '-d', '--name', action, '--health-cmd', 'false', '--health-interval', 'disable', '--health-retries', '1',
      `--health-on-failure=${action}`, '--stop-timeout', '1', 'busybox', 'sleep', '1000']);
    const r = s.husk(['healthcheck', 'run', action]);
    assert.deepEqual([r.code, r.stdout], [1, 'unhealthy\n'], r.stderr);
    await until(() => inspect(action, '{{.State.Status}}') === 'exited', 30_000, 200);
  }
});

test('healthcheck run: 0 healthy, 1 unhealthy, 125 without a check or when not running', () => {
  s.ok(['run', '-d', '--name', 'pass', '--health-cmd', 'true', '--health-interval', 'disable', 'busybox', 'sleep', '1000']);
  s.ok(['run', '-d', '--name', 'fail', '--health-cmd', '["false"]', '--health-interval', 'disable', 'busybox', 'sleep', '1000']);
  const id = s.ok(['run', '-d', '--name', 'none', 'busybox', 'sleep', '1000']);
  const pass = s.husk(['healthcheck', 'run', 'pass']);
  assert.deepEqual([pass.code, pass.stdout], [0, ''], pass.stderr);
  const fail = s.husk(['healthcheck', 'run', 'fail']);
  assert.deepEqual([fail.code, fail.stdout], [1, 'unhealthy\n'], fail.stderr);
  assert.equal(health('fail').Status, 'starting', 'one failure of three');
  const none = s.husk(['healthcheck', 'run', 'none']);
  assert.deepEqual([none.code, none.stderr], [125, `Error: container ${id} has no defined healthcheck\n`]);
  s.ok(['stop', '-t', '0', 'pass']);
  const stopped = s.husk(['healthcheck', 'run', 'pass']);
  assert.equal(stopped.code, 125);
  assert.match(stopped.stderr, /is not running/);
  assert.equal(s.husk(['healthcheck', 'run', 'nosuch']).code, 125);
  // Without a schedule there is no timer.
  assert.deepEqual(processesWith('husk-healthcheck').filter((p) => p.includes(s.dir)), []);
});

test('flags: errors in Podman\'s words', () => {
  const err = (args: string[]) => s.husk(['create', ...args, 'busybox', 'true']).stderr.trim();
  assert.equal(err(['--health-on-failure=kill']), 'Error: cannot set on-failure action to kill without a health check');
  assert.equal(err(['--health-cmd', 'true', '--health-on-failure=bogus']), 'Error: invalid on-failure action "bogus" for health check: supported actions are none,kill,restart,stop');
  assert.equal(err(['--health-cmd', 'true', '--no-healthcheck']), 'Error: cannot specify both --no-healthcheck and --health-cmd');
  assert.equal(err(['--health-cmd', 'true', '--health-retries', '0']), 'Error: healthcheck-retries must be greater than 0');
  assert.equal(err(['--health-cmd', 'true', '--health-interval', '1x']), 'Error: invalid healthcheck-interval: time: unknown unit "x" in duration "1x"');
  s.ok(['create', '--name', 'none', '--health-cmd', 'none', 'busybox', 'true']);
  assert.equal(inspect('none', '{{.Config.HealthcheckOnFailureAction}}'), 'none');
  assert.equal(s.husk(['inspect', '--format', '{{json .State.Health}}', 'none']).code, 125, 'no health without a check');
});

test('the image\'s HEALTHCHECK runs unless --no-healthcheck; --health-on-failure alone keeps its test', async () => {
  const ctx = mkdtempSync(join(s.dir, 'ctx-'));
  writeFileSync(join(ctx, 'Containerfile'), 'FROM localhost/busybox\nHEALTHCHECK --interval=1s --retries=4 CMD ["echo", "from image"]\n');
  try {
    s.ok(['build', '-q', '--format', 'docker', '-t', 'hcimage', ctx]); // OCI has no HEALTHCHECK (format.test.ts)
  } finally {
    rmSync(ctx, { recursive: true, force: true });
  }
  s.ok(['run', '-d', '--name', 'img', 'hcimage', 'sleep', '1000']);
  assert.deepEqual(JSON.parse(inspect('img', '{{json .Config.Healthcheck}}')), { Test: ['CMD', 'echo', 'from image'], Interval: 1e9, Timeout: 30e9, Retries: 4 });
  await until(() => inspect('img', '{{.State.Health.Status}}') === 'healthy', 30_000, 200);
  assert.equal(health('img').Log.at(-1)!.Output, 'from image');
  s.ok(['create', '--name', 'off', '--no-healthcheck', 'hcimage', 'true']);
  assert.equal(s.husk(['inspect', '--format', '{{json .Config.Healthcheck}}', 'off']).code, 125, 'no check');
  s.ok(['create', '--name', 'act', '--health-on-failure=stop', 'hcimage', 'true']);
  assert.equal(inspect('act', '{{.Config.HealthcheckOnFailureAction}} {{index .Config.Healthcheck.Test 1}}'), 'stop echo');
});

test('the timer process goes away with the container (rm -f, stop)', async () => {
  const id = s.ok(['run', '-d', '--name', 'timed', '--health-cmd', 'true', '--health-interval', '1s', 'busybox', 'sleep', '1000']);
  await until(() => processesWith(`husk-healthcheck`).some((p) => p.includes(id)), 10_000, 100);
  s.ok(['stop', '-t', '0', 'timed']);
  await until(() => processesWith(id).length === 0, 10_000, 100);
  s.ok(['start', 'timed']);
  await until(() => processesWith(`husk-healthcheck`).some((p) => p.includes(id)), 10_000, 100);
  await until(() => inspect('timed', '{{.State.Health.Status}}') === 'healthy', 30_000, 200);
  s.ok(['rm', '-f', '-t', '0', 'timed']);
  await until(() => processesWith(id).length === 0, 10_000, 100);
});

test('a startup check runs first; the regular check only once it passed', async () => {
  s.ok(['run', '-d', '--name', 'boot', '--health-cmd', 'echo regular', '--health-interval', '1s',
    '--health-startup-cmd', 'test -f /tmp/up && echo startup', '--health-startup-interval', '500ms', '--health-startup-success', '2',
    'busybox', 'sleep', '1000']);
  assert.deepEqual(JSON.parse(inspect('boot', '{{json .Config.StartupHealthCheck}}')),
    { Test: ['CMD-SHELL', 'test -f /tmp/up && echo startup'], Interval: 5e8, Timeout: 30e9, Successes: 2 });
  // Failing startup runs: starting, no regular run yet, no restart (retries 0: never).
  await until(() => health('boot').Log?.length >= 2, 30_000, 200);
  assert.equal(health('boot').Status, 'starting');
  assert.ok(health('boot').Log.every((l) => l.ExitCode === 1 && l.Output === ''));
  s.ok(['exec', 'boot', 'touch', '/tmp/up']);
  await until(() => inspect('boot', '{{.State.Health.Status}}') === 'healthy', 30_000, 200);
  const outputs = health('boot').Log.map((l) => l.Output);
  assert.ok(outputs.includes('startup') && outputs.at(-1) === 'regular', outputs.join(', '));
  assert.equal(inspect('boot', '{{.RestartCount}}'), '0');
});

test('a startup check failing its retries restarts the container', async () => {
  s.ok(['run', '-d', '--name', 'neverup', '--health-cmd', 'true', '--health-startup-cmd', 'false',
    '--health-startup-interval', '500ms', '--health-startup-retries', '2', '--stop-timeout', '1', 'busybox', 'sleep', '1000']);
  await until(() => Number(inspect('neverup', '{{.RestartCount}}')) >= 1, 60_000, 200);
  assert.equal(inspect('neverup', '{{.State.Status}}'), 'running');
  const err = (args: string[]) => s.husk(['create', ...args, 'busybox', 'true']).stderr.trim();
  assert.equal(err(['--health-startup-cmd', 'true']), 'Error: --health-startup-cmd needs a regular healthcheck (--health-cmd)');
  assert.match(err(['--health-cmd', 'true', '--health-startup-cmd', 'true', '--health-startup-retries', 'x']), /invalid argument "x" for "--health-startup-retries"/);
});
