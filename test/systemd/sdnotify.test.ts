// --sdnotify under a NOTIFY_SOCKET (docs/systemd.md): a datagram listener
// stands in for systemd and receives what husk, conmon and the container's
// own systemd-notify send (Podman's 260-sdnotify.bats, with python3 for socat).
import { after, afterEach, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readlinkSync } from 'node:fs';
import { Store } from '../helpers.ts';
import { importDebian } from './debian.ts';
import { NotifyListener } from './listener.ts';

const s = new Store();
let l: NotifyListener | undefined;
before(() => {
  s.busybox();
  importDebian(s);
});
afterEach(() => {
  l?.close();
  l = undefined;
  s.husk(['rm', '-a', '-f', '-t', '0']);
});
after(() => s.destroyWhenIdle());

async function listen(name: string): Promise<NotifyListener> {
  l = new NotifyListener(s.dir, name);
  await l.ready();
  return l;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const inspect = (ref: string, f: string) => s.ok(['inspect', '--format', f, ref]);

test('--sdnotify=ignore: nothing is sent and the container sees no NOTIFY_SOCKET', async () => {
  const sock = await listen('ignore.sock');
  const id = s.husk(['create', '--sdnotify=ignore', 'busybox', 'sh', '-c', 'echo "[$NOTIFY_SOCKET]"'], { env: { NOTIFY_SOCKET: sock.path } }).stdout.trim();
  assert.equal(inspect(id, '{{.Config.SdNotifyMode}} [{{.Config.SdNotifySocket}}]'), 'ignore []');
  const started = s.husk(['start', '--attach', id], { env: { NOTIFY_SOCKET: sock.path } });
  assert.equal(started.stdout, '[]\n');
  await sleep(500);
  assert.deepEqual(sock.messages, []);
});

test('--sdnotify=conmon: MAINPID (a live conmon) and READY=1 in one message once the container runs', async () => {
  const sock = await listen('conmon.sock');
  const r = s.husk(['run', '-d', '--name', 'sdc', '--sdnotify=conmon', 'busybox', 'sh', '-c', 'echo "[$NOTIFY_SOCKET]"; sleep 999'], { env: { NOTIFY_SOCKET: sock.path } });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(inspect('sdc', '{{.Config.SdNotifyMode}} {{.Config.SdNotifySocket}}'), `conmon ${sock.path}`);
  const conmon = inspect('sdc', '{{.State.ConmonPid}}');
  await sock.waitFor(/READY=1/);
  assert.deepEqual(sock.messages, [`MAINPID=${conmon}\nREADY=1`]);
  assert.match(readlinkSync(`/proc/${conmon}/exe`), /\/conmon$/);
  assert.equal(s.ok(['logs', 'sdc']), '[]', 'the socket is not passed into the container');
});

test('--sdnotify=container (the default): MAINPID at start, the container\'s own READY=1 relayed by conmon', async () => {
  const sock = await listen('container.sock');
  const r = s.husk(['run', '-d', '--name', 'sdn', 'debian', 'sh', '-c',
    'echo "$NOTIFY_SOCKET"; while ! test -f /ready; do sleep 0.1; done; systemd-notify --ready; sleep 999'], { env: { NOTIFY_SOCKET: sock.path } });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(inspect('sdn', '{{.Config.SdNotifyMode}} {{.Config.SdNotifySocket}}'), `container ${sock.path}`);
  const conmon = inspect('sdn', '{{.State.ConmonPid}}');
  await sock.waitFor(/^MAINPID=/);
  assert.deepEqual(sock.messages, [`MAINPID=${conmon}`], 'not ready until the container says so');
  assert.equal(s.ok(['logs', 'sdn']), '/run/notify/notify.sock');
  await sleep(500);
  assert.deepEqual(sock.messages, [`MAINPID=${conmon}`]);
  s.ok(['exec', 'sdn', 'touch', '/ready']);
  await sock.waitFor(/^READY=1$/);
  assert.deepEqual(sock.messages, [`MAINPID=${conmon}`, 'READY=1']);
});

test('--sdnotify=healthy: run -d returns once the first check passed, then READY=1; a check is required', async () => {
  const sock = await listen('healthy.sock');
  const t0 = Date.now();
  const r = s.husk(['run', '-d', '--name', 'sdh', '--sdnotify=healthy', '--health-cmd', 'test -e /tmp/ok', '--health-interval', '1s',
    'busybox', 'sh', '-c', 'sleep 2; touch /tmp/ok; sleep 999'], { env: { NOTIFY_SOCKET: sock.path } });
  assert.equal(r.code, 0, r.stderr);
  assert.ok(Date.now() - t0 >= 2000, 'waited for the check');
  assert.equal(inspect('sdh', '{{.State.Health.Status}}'), 'healthy');
  const conmon = inspect('sdh', '{{.State.ConmonPid}}');
  await sock.waitFor(/^READY=1$/);
  assert.deepEqual(sock.messages, [`MAINPID=${conmon}`, 'READY=1']);

  const bad = s.husk(['run', '-d', '--sdnotify=healthy', 'busybox', 'true']);
  assert.equal(bad.code, 125);
  assert.equal(bad.stderr, 'Error: sdnotify policy "healthy" requires a healthcheck to be set\n');
});
