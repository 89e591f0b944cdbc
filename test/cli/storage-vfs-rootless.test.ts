// The vfs driver for a rootless user (where overlay may not mount): the copy
// is made inside the user's namespace with the image's owners mapped, and
// run, diff, commit and rm work as they do for root.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { FIXTURES, TestUser } from '../helpers.ts';

const root = process.getuid?.() === 0;
const opts = { skip: root ? false : 'needs root (creates users)' };
let u: TestUser;
let tmp: string;

before(() => {
  if (!root) return;
  tmp = mkdtempSync('/tmp/husk-vfs-rootless-');
  chmodSync(tmp, 0o755);
  copyFileSync(join(FIXTURES, 'busybox-rootfs.tar'), join(tmp, 'busybox.tar'));
  chmodSync(join(tmp, 'busybox.tar'), 0o644);
  u = new TestUser(`hskv${process.pid % 10000}`);
});
after(() => {
  u?.remove();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

test('rootless vfs: run, diff, commit and rm; the copy keeps the image\'s owners through the mapping', opts, () => {
  u.ok(['--storage-driver=vfs', 'import', join(tmp, 'busybox.tar'), 'busybox']);
  const storage = join(u.home, '.local/share/husk/storage');
  assert.equal(readFileSync(join(storage, 'storage-driver'), 'utf8').trim(), 'vfs');
  u.ok(['run', '-d', '--name', 'live', 'busybox', 'sleep', '300']);
  assert.ok(u.ok(['unshare', 'cat', '/proc/self/mounts']).includes(join(storage, 'containers')), 'the copy is bound on merged/ (a check that can fail)');
  u.ok(['rm', '-f', '-t', '0', 'live']);
  u.ok(['run', '--name', 'c', 'busybox', 'sh', '-c', 'echo hi > /new; rm /etc/group; stat -c %u:%g /home/tester']);
  assert.equal(u.ok(['logs', 'c']), '1000:1000');
  const id = u.ok(['inspect', '--format', '{{.Id}}', 'c']);
  const sub = u.subuid()!;
  // Container uid 1000 is the user's subordinate id 999 on the host.
  assert.equal(statSync(join(storage, 'containers', id, 'diff/home/tester')).uid, sub.start + 999);
  assert.equal(u.ok(['diff', 'c']), ['C /etc', 'D /etc/group', 'A /new'].join('\n'));
  u.ok(['commit', '-q', 'c', 'snap']);
  assert.equal(u.ok(['run', '--rm', 'snap', 'sh', '-c', 'cat /new; test -e /etc/group || echo gone']), 'hi\ngone');
  u.ok(['rm', 'c']);
  assert.deepEqual(readdirSync(join(storage, 'containers')), []);
  // Mounts live in the user's own mount namespace: look there.
  assert.ok(!u.ok(['unshare', 'cat', '/proc/self/mounts']).includes(join(storage, 'containers')), 'no mount left');
  assert.ok(existsSync(join(storage, 'storage.db')));
});
