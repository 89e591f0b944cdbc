// Restart policies without a daemon: conmon's exit command (`container
// cleanup`) restarts the container by its policy. Real containers, killed
// from the host; the state is polled through inspect.
import { after, afterEach, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Store, until } from '../helpers.ts';

const s = new Store();
before(() => s.busybox());
afterEach(() => { s.husk(['rm', '-a', '-f']); });
after(() => s.destroyWhenIdle());

const inspect = (ref: string, f: string) => s.ok(['inspect', '--format', f, ref]);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('--restart=always: a process killed from the host comes back with a new PID and RestartCount 1', async () => {
  s.ok(['run', '-d', '--name', 'always', '--restart=always', 'busybox', 'sleep', '1000']);
  assert.equal(inspect('always', '{{.HostConfig.RestartPolicy.Name}}'), 'always');
  const pid = Number(inspect('always', '{{.State.Pid}}'));
  const conmon = Number(inspect('always', '{{.State.ConmonPid}}'));
  process.kill(pid, 'SIGKILL');
  const now = await until(() => {
    const [st, p, n] = inspect('always', '{{.State.Status}} {{.State.Pid}} {{.RestartCount}}').split(' ');
    return st === 'running' && Number(p) > 0 && Number(p) !== pid && n === '1' ? Number(p) : undefined;
  }, 60_000, 250);
  assert.notEqual(now, pid);
  assert.notEqual(Number(inspect('always', '{{.State.ConmonPid}}')), conmon, 'a new conmon');
  const events = s.ok(['events', '--since', '5m', '--until', '0s', '--filter', 'container=always', '--format', '{{.Status}}']).split('\n');
  assert.deepEqual(events.slice(-3), ['died', 'start', 'restart']);
});

test('--restart=on-failure:2 running `exit 1` stops after two restarts with RestartCount 2', async () => {
  s.ok(['run', '-d', '--name', 'fail', '--restart=on-failure:2', 'busybox', 'sh', '-c', 'exit 1']);
  await until(() => inspect('fail', '{{.State.Status}} {{.RestartCount}}') === 'exited 2', 60_000, 250);
  await sleep(3000); // no third restart after the backoff
  assert.equal(inspect('fail', '{{.State.Status}} {{.RestartCount}} {{.State.ExitCode}}'), 'exited 2 1');
});

test('on-failure does not restart a clean exit; an attached run returns the first exit code', () => {
  const r = s.husk(['run', '--name', 'clean', '--restart=on-failure', 'busybox', 'true']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(inspect('clean', '{{.State.Status}} {{.RestartCount}}'), 'exited 0');
  const f = s.husk(['run', '--name', 'attached', '--restart=on-failure:1', 'busybox', 'sh', '-c', 'exit 3']);
  assert.equal(f.code, 3, f.stderr);
});

test('husk stop and husk kill on an always container are not undone', async () => {
  s.ok(['run', '-d', '--name', 'stopme', '--restart=always', 'busybox', 'sleep', '1000']);
  s.ok(['run', '-d', '--name', 'killme', '--restart=always', 'busybox', 'sleep', '1000']);
  s.ok(['stop', '-t', '0', 'stopme']);
  s.ok(['kill', 'killme']);
  await sleep(4000);
  assert.equal(inspect('stopme', '{{.State.Status}} {{.RestartCount}}'), 'exited 0');
  assert.equal(inspect('killme', '{{.State.Status}} {{.RestartCount}}'), 'exited 0');
  // A start by the user clears the flag: the policy applies to the next exit again.
  s.ok(['start', 'stopme']);
  const pid = Number(inspect('stopme', '{{.State.Pid}}'));
  process.kill(pid, 'SIGKILL');
  await until(() => inspect('stopme', '{{.State.Status}} {{.RestartCount}}') === 'running 1', 60_000, 250);
});

test('run --rm --restart=always is refused; bad policies get Podman\'s messages', () => {
  const cases: [string[], RegExp][] = [
    [['--rm', '--restart=always'], /the --rm option conflicts with --restart, when the restartPolicy is not "" and "no"/],
    [['--restart=bogus'], /"bogus" is not a valid restart policy/],
    [['--restart=always:3'], /restart policy retries can only be specified with on-failure restart policy/],
    [['--restart=on-failure:x'], /parsing restart policy retry count/],
    [['--restart=on-failure:-1'], /must specify restart policy retry count as a number greater than 0/],
  ];
  for (const [flags, msg] of cases) {
    const r = s.husk(['run', ...flags, 'busybox', 'true']);
    assert.equal(r.code, 125, flags.join(' '));
    assert.match(r.stderr, msg);
  }
  assert.equal(s.husk(['run', '--rm', '--restart=no', 'busybox', 'true']).code, 0);
});

test('update --restart, ps and start --all with --filter restart-policy=always', () => {
  s.ok(['create', '--name', 'upd', 'busybox', 'sleep', '1000']);
  s.ok(['create', '--name', 'other', 'busybox', 'sleep', '1000']);
  s.ok(['update', '--restart=always', 'upd']);
  assert.equal(inspect('upd', '{{.HostConfig.RestartPolicy.Name}}'), 'always');
  assert.equal(s.ok(['ps', '-a', '--filter', 'restart-policy=always', '--format', '{{.Names}}']), 'upd');
  s.ok(['start', '--all', '--filter', 'restart-policy=always']);
  assert.equal(inspect('upd', '{{.State.Status}}'), 'running');
  assert.equal(inspect('other', '{{.State.Status}}'), 'created');
});
