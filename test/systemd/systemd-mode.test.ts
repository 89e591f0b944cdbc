// --systemd (docs/systemd.md): real systemd from the Debian fixture boots as
// the container's PID 1, reports the system running, and shuts down on
// `husk stop` through its own halt signal.
import { after, afterEach, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { Store, until } from '../helpers.ts';
import { importDebian } from './debian.ts';

const s = new Store();
before(() => {
  s.busybox();
  importDebian(s);
});
afterEach(() => { s.husk(['rm', '-a', '-f', '-t', '0']); });
after(() => s.destroyWhenIdle());

const inspect = (ref: string, f: string) => s.ok(['inspect', '--format', f, ref]);

test('--systemd=always: systemd boots as PID 1, is-system-running says running or degraded, stop halts it cleanly', async () => {
  s.ok(['run', '-d', '--name', 'sd', '--systemd=always', 'debian', '/sbin/init']);
  assert.equal(inspect('sd', '{{.Config.StopSignal}}'), 'SIGRTMIN+3');
  // --wait blocks until start-up finished; polled, since the manager's socket appears only once systemd runs.
  const state = await until(() => {
    const r = s.husk(['exec', 'sd', 'systemctl', 'is-system-running', '--wait'], { timeout: 60_000 });
    return ['running', 'degraded'].includes(r.stdout.trim()) ? r.stdout.trim() : undefined;
  }, 90_000, 500);
  assert.ok(state);
  assert.equal(s.ok(['exec', 'sd', 'cat', '/proc/1/comm']), 'systemd');
  // Its own cgroup, writable: systemd put itself into init.scope.
  assert.match(s.ok(['exec', 'sd', 'cat', '/proc/1/cgroup']), /name=systemd:\/init\.scope$/m);
  assert.equal(s.ok(['exec', 'sd', 'systemd-detect-virt', '--container']), 'container-other');
  const t0 = Date.now();
  s.ok(['stop', 'sd']);
  const took = Date.now() - t0;
  assert.ok(took < 10_000, `stopped within the 10 s stop timeout (took ${took} ms)`);
  // A halt, not SIGKILL after the timeout (137).
  assert.equal(inspect('sd', '{{.State.Status}} {{.State.ExitCode}}'), 'exited 0');
});

test('rm -f and stop -t 0 of a running --privileged --systemd=always container end systemd and every process under it', async () => {
  for (const [name, cmd] of [['sdrm', ['rm', '-f', '-t', '0', 'sdrm']], ['sdstop', ['stop', '-t', '0', 'sdstop']]] as const) {
    s.ok(['run', '-d', '--name', name, '--privileged', '--systemd=always', 'debian', '/sbin/init']);
    await until(() => ['running', 'degraded'].includes(s.husk(['exec', name, 'systemctl', 'is-system-running', '--wait'], { timeout: 60_000 }).stdout.trim()), 90_000, 500);
    // systemd has moved itself into init.scope, below the container's own cgroup (where the runtime's kill --all missed it).
    assert.match(s.ok(['exec', name, 'cat', '/proc/1/cgroup']), /^\d+:pids:\/init\.scope$/m);
    const pid = Number(inspect(name, '{{.State.Pid}}'));
    const conmon = Number(inspect(name, '{{.State.ConmonPid}}'));
    assert.ok(pid > 0 && conmon > 0);
    const r = s.husk([...cmd], { timeout: 120_000 });
    assert.equal(r.code, 0, r.stderr);
    await until(() => !existsSync(`/proc/${pid}`) && !existsSync(`/proc/${conmon}`), 30_000).catch(() => undefined);
    assert.ok(!existsSync(`/proc/${pid}`), `systemd (pid ${pid}) is gone`);
    assert.ok(!existsSync(`/proc/${conmon}`), `its conmon (pid ${conmon}) is gone`);
  }
});

test('--systemd=true (default) applies to an init command only; always adds the mounts to any command; false never', () => {
  const mounts = (args: string[]) => s.ok(['run', '--rm', ...args, 'sh', '-c', 'grep -E " (/run|/run/lock|/tmp|/var/log/journal) " /proc/mounts | cut -d" " -f2,3; echo "uuid=$container_uuid"']);
  assert.match(mounts(['--systemd=always', 'busybox']), /^\/run tmpfs\n\/run\/lock tmpfs\n\/tmp tmpfs\n\/var\/log\/journal tmpfs\nuuid=[0-9a-f]{32}$/);
  assert.equal(mounts(['busybox']), 'uuid=');
  const init = s.ok(['create', 'debian', '/sbin/init']);
  assert.equal(inspect(init, '{{.Config.StopSignal}}'), 'SIGRTMIN+3');
  const off = s.ok(['create', '--systemd=false', 'debian', '/sbin/init']);
  assert.equal(inspect(off, '{{.Config.StopSignal}}'), 'SIGTERM');
  const own = s.ok(['create', '--systemd=always', '--stop-signal', 'SIGINT', 'busybox', 'sleep', '1']);
  assert.equal(inspect(own, '{{.Config.StopSignal}}'), 'SIGINT', 'a stop signal given is kept');
});
