// Bridge networks for rootless users (Podman's rootless netns), driven as a
// real unprivileged user made for this file with real containers: network
// create/ls/rm and an address on it, two containers reaching each other by
// name and the host's loopback, published ports reachable from the host,
// and nothing of the rootless netns (slirp4netns, aardvark-dns, the netns
// mount) left once the last container is gone.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { FIXTURES, TestUser, until } from '../helpers.ts';

const root = process.getuid?.() === 0;
const opts = { skip: root ? false : 'needs root (creates users)' };
const tag = `${process.pid % 10000}`;
let u: TestUser;
let tmp: string;
let run: string; // the user's run dir (no XDG_RUNTIME_DIR): /tmp/husk-run-UID/husk
const servers: ChildProcess[] = [];

before(() => {
  if (!root) return;
  tmp = mkdtempSync('/tmp/husk-rlnet-test-');
  chmodSync(tmp, 0o755);
  const image = join(tmp, 'busybox.tar');
  copyFileSync(join(FIXTURES, 'busybox-rootfs.tar'), image);
  chmodSync(image, 0o644);
  u = new TestUser(`hsrn${tag}`);
  run = `/tmp/husk-run-${u.uid}/husk`;
  u.ok(['import', image, 'busybox']);
});

after(() => {
  for (const s of servers) s.kill('SIGKILL');
  u?.remove();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

/** The user's live (not zombie) processes whose command line starts with `name`. */
function procs(name: string): number[] {
  return readdirSync('/proc').filter((p) => /^\d+$/.test(p)).flatMap((p) => {
    try {
      const status = readFileSync(`/proc/${p}/status`, 'utf8');
      if (Number(/^Uid:\s+(\d+)/m.exec(status)![1]) !== u.uid || /^State:\s+Z/m.test(status)) return [];
      return readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0')[0]!.endsWith(name) ? [Number(p)] : [];
    } catch { return []; }
  });
}

/** Whether the rootless netns is mounted, as the user's namespace (its pause process) sees it. */
function netnsMounted(): boolean {
  const pause = readFileSync(join(run, 'pause.pid'), 'utf8').trim();
  return readFileSync(`/proc/${pause}/mountinfo`, 'utf8').includes(`${run}/rootless-netns/netns `);
}

/** Nothing of the rootless netns is left (slirp4netns can take a moment to exit). */
async function assertNoRootlessNetns(): Promise<void> {
  await until(() => !procs('slirp4netns').length && !procs('aardvark-dns').length, 10_000).catch(() => {});
  assert.deepEqual(procs('slirp4netns'), [], 'no slirp4netns left');
  assert.deepEqual(procs('aardvark-dns'), [], 'no aardvark-dns left');
  assert.equal(netnsMounted(), false, 'rootless netns unmounted');
}

test('rootless network create/ls/rm; a container on it gets an address from its subnet, its netns served by the user\'s rootless netns', opts, async () => {
  u.ok(['network', 'create', '--subnet', '10.91.7.0/24', 'rnet']);
  assert.match(u.ok(['network', 'ls', '--format', '{{.Name}} {{.Driver}}']), /^rnet bridge$/m);
  const [cfg] = JSON.parse(u.ok(['network', 'inspect', 'rnet']));
  assert.equal(cfg.subnets[0].subnet, '10.91.7.0/24');
  u.ok(['run', '-d', '--name', 'one', '--network', 'rnet', 'busybox', 'sleep', '300']);
  const addr = u.ok(['exec', 'one', 'ip', '-o', '-4', 'addr', 'show', 'eth0']);
  assert.match(addr, /inet 10\.91\.7\.\d+\/24/);
  assert.match(u.ok(['inspect', 'one', '--format', '{{.NetworkSettings.Networks.rnet.IPAddress}}']), /^10\.91\.7\.\d+$/);
  // The rootless netns: one slirp4netns of the user, for the namespace under its run dir.
  const slirp = procs('slirp4netns');
  assert.equal(slirp.length, 1);
  assert.ok(readFileSync(`/proc/${slirp[0]}/cmdline`, 'utf8').split('\0').includes(`${run}/rootless-netns/netns`));
  assert.equal(netnsMounted(), true);
  // The bridge lives in the rootless netns, not in the host's.
  assert.equal(spawnSync('ip', ['-o', '-4', 'addr'], { encoding: 'utf8' }).stdout.includes('10.91.7.1/'), false);
  const r = u.husk(['network', 'rm', 'rnet']);
  assert.equal(r.code, 125, r.stderr);
  assert.match(r.stderr, /has associated containers/);
  u.ok(['rm', '-f', '-t', '0', 'one']);
  assert.equal(u.ok(['network', 'rm', 'rnet']), 'rnet');
  assert.doesNotMatch(u.ok(['network', 'ls', '--format', '{{.Name}}']), /rnet/);
  await assertNoRootlessNetns();
});
