// start releases the runtime's init through its exec.fifo and stop signals
// the init itself (src/runtime/oci.ts start, lifecycle.ts signalInit), each
// a runtime process fewer; the runtime's delete after a stop runs in the
// background holding the container's lock. Checked on crun and runc with
// real containers: the runtimes' own `state` must agree with husk.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO, Store, until } from '../helpers.ts';

const s = new Store();
before(() => s.busybox());
after(() => s.destroyWhenIdle());

const HUSK_CRUN = join(REPO, 'native/build/husk-crun');
const stateRoot = (rt: string) => join(s.runroot, 'runtime', rt);
/** The runtime's own view of the container (its `state` command). */
function runtimeStatus(rt: string, id: string): string {
  const argv = rt === 'crun' ? [HUSK_CRUN, '/usr/bin/crun'] : ['/usr/sbin/runc'];
  try {
    const out = execFileSync(argv[0]!, [...argv.slice(1), '--root', stateRoot(rt), 'state', id], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    return (JSON.parse(out) as { status: string }).status;
  } catch {
    return 'gone';
  }
}
const pidOf = (id: string) => Number(s.ok(['inspect', '--format', '{{.State.Pid}}', id]));

for (const rt of ['crun', 'runc']) {
  test(`${rt}: start runs the process and the runtime sees it running; its exec.fifo is gone`, () => {
    const id = s.ok(['--runtime', rt, 'create', 'busybox', 'sh', '-c', 'echo up; sleep 1000']);
    s.ok(['init', id]);
    assert.equal(runtimeStatus(rt, id), 'created');
    assert.ok(existsSync(join(stateRoot(rt), id, 'exec.fifo')));
    s.ok(['start', id]);
    assert.equal(runtimeStatus(rt, id), 'running');
    assert.ok(!existsSync(join(stateRoot(rt), id, 'exec.fifo')));
    assert.match(readFileSync(`/proc/${pidOf(id)}/cmdline`, 'utf8'), /^sleep\0/, 'the init became the command');
    // A second start of a running container is a no-op, as Podman's.
    assert.equal(s.ok(['start', id]), id);
    s.ok(['rm', '-f', '-t', '0', id]);
  });

  test(`${rt}: start of an initialized container whose runtime init was killed creates it afresh and runs it`, async () => {
    const id = s.ok(['--runtime', rt, 'create', 'busybox', 'echo', 'second try']);
    s.ok(['init', id]);
    const pid = pidOf(id);
    process.kill(pid, 'SIGKILL');
    // conmon records the death; start then cleans up and creates the container again.
    await until(() => s.ok(['inspect', '--format', '{{.State.Status}}', id]) === 'exited');
    s.ok(['start', '-a', id]);
    assert.match(s.ok(['logs', id]), /second try/);
    assert.notEqual(pidOf(id), pid);
    s.ok(['rm', id]);
  });

  test(`${rt}: stop, then at once start again, five times: the background delete never collides`, () => {
    const id = s.ok(['--runtime', rt, 'run', '-d', 'busybox', 'sleep', '1000']);
    for (let i = 0; i < 5; i++) {
      s.ok(['stop', '-t', '0', id]);
      assert.equal(s.ok(['inspect', '--format', '{{.State.Status}} {{.State.ExitCode}}', id]), 'exited 137');
      s.ok(['start', id]);
      assert.equal(runtimeStatus(rt, id), 'running');
    }
    s.ok(['stop', '-t', '0', id]);
    // The next holder of the lock finds the runtime's state deleted.
    s.ok(['inspect', id]);
    s.ok(['rm', id]);
    assert.equal(runtimeStatus(rt, id), 'gone');
  });
}

test('stop of a pod member sharing the pod\'s pid namespace ends its other processes too', async () => {
  s.ok(['pod', 'create', '--name', 'sharedpid', '--share', 'pid']);
  const id = s.ok(['run', '-d', '--pod', 'sharedpid', 'busybox', 'sh', '-c', 'sleep 1001 & exec sleep 1002']);
  const sleeps = () => s.ok(['top', id, 'args']).split('\n').filter((l) => /sleep 100[12]/.test(l)).length;
  await until(() => sleeps() === 2);
  s.ok(['stop', '-t', '0', id]);
  // Both sleeps are gone: the child that was not the container's init too.
  const left = execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' }).split('\n').filter((l) => /^sleep 100[12]$/.test(l.trim()));
  assert.deepEqual(left, []);
  s.ok(['pod', 'rm', '-f', 'sharedpid']);
});

test('stop of a container with its own PID namespace ends its other processes too', async () => {
  const id = s.ok(['run', '-d', 'busybox', 'sh', '-c', 'sleep 1003 & exec sleep 1004']);
  await until(() => s.ok(['top', id, 'args']).includes('sleep 1003'));
  s.ok(['stop', '-t', '0', id]);
  const left = execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' }).split('\n').filter((l) => /^sleep 100[34]$/.test(l.trim()));
  assert.deepEqual(left, []);
  assert.equal(s.ok(['inspect', '--format', '{{.State.ExitCode}}', id]), '137');
  s.ok(['rm', id]);
});
