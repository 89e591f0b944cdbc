// `husk image scp` between root's store and a real local user's rootless
// store (podman-image-scp(1): root@localhost::IMAGE USER@localhost::[NAME]),
// and back; the user then runs the image.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { huskForUsers, Store, TestUser, type Result } from '../helpers.ts';

const s = new Store();
let u: TestUser;
before(() => {
  s.busybox();
  u = new TestUser(`hscp${process.pid % 10000}`);
});
after(async () => {
  u?.remove();
  await s.destroyWhenIdle();
});

/** Root's husk from a launcher every user can read (the one scp hands to runuser). */
function rootHusk(args: string[]): Result {
  const r = spawnSync(huskForUsers(), [...s.globals, ...args], { encoding: 'utf8', timeout: 120_000 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

test('help: Podman usage line', () => {
  assert.match(s.ok(['image', 'scp', '--help']), /^Usage:\n {2}husk image scp \[options\] IMAGE \[HOST::\]\n/);
});

test('root -> user, renamed; user -> root; the user runs the copy', () => {
  const id = s.ok(['image', 'inspect', '--format', '{{.Id}}', 'busybox']);
  const r = rootHusk(['image', 'scp', `root@localhost::busybox`, `${u.name}@localhost::`]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'Loaded image: localhost/busybox:latest\n');
  assert.equal(u.ok(['image', 'inspect', '--format', '{{.Id}}', 'localhost/busybox']), id, 'the same image in the user\'s store');
  assert.equal(u.ok(['run', '--rm', 'busybox', 'echo', 'hello from the copy']), 'hello from the copy');
  // A name after :: tags the copy; -q prints nothing.
  const q = rootHusk(['image', 'scp', '-q', 'busybox', `${u.name}@localhost::copied:v2`]);
  assert.equal(q.code, 0, q.stderr);
  assert.equal(q.stdout, '');
  assert.equal(u.ok(['image', 'inspect', '--format', '{{.Id}}', 'copied:v2']), id);
  // Back: the user's image into root's store under a new name.
  u.ok(['tag', 'busybox', 'mine:1']);
  const back = rootHusk(['image', 'scp', `${u.name}@localhost::mine:1`, 'root@localhost::fromuser']);
  assert.equal(back.code, 0, back.stderr);
  assert.match(back.stdout, /^Loaded image: .*localhost\/mine:1/);
  assert.equal(s.ok(['image', 'inspect', '--format', '{{.Id}}', 'fromuser']), id);
});

test('refusals: same store, other hosts, unknown images, unknown users', () => {
  const same = s.husk(['image', 'scp', 'busybox', 'root@localhost::']);
  assert.equal(same.code, 125);
  assert.equal(same.stderr, "Error: source and destination are both root's store: use husk tag\n");
  const remote = s.husk(['image', 'scp', 'busybox', 'me@example.com::']);
  assert.equal(remote.code, 125);
  assert.match(remote.stderr, /^Error: image scp to or from another host \(me@example\.com\) is not supported by husk/);
  const missing = s.husk(['image', 'scp', 'nosuch', `${u.name}@localhost::`]);
  assert.equal(missing.code, 125);
  assert.equal(missing.stderr, 'Error: nosuch: image not known\n');
  const nouser = s.husk(['image', 'scp', 'busybox', 'nosuchuser42@localhost::']);
  assert.equal(nouser.code, 125);
  assert.equal(nouser.stderr, 'Error: user nosuchuser42 does not exist\n');
  // As the user, copying into root's store would need sudo, which husk does not call.
  const asUser = u.husk(['image', 'scp', 'busybox', 'root@localhost::']);
  assert.equal(asUser.code, 125);
  assert.match(asUser.stderr, /^Error: copying an image between users' stores requires root/);
});
