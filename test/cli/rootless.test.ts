// Rootless husk, driven as real unprivileged users made for this file
// (useradd + /etc/subuid ranges, removed afterwards): the user namespace and
// its pause process, storage owned through the mapping, confinement, the
// --userns modes, per-user isolation, unshare/migrate and the clear errors.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, chownSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { FIXTURES, huskForUsers, TestUser, until } from '../helpers.ts';
import { fetchRetry } from './nettools.ts';

const root = process.getuid?.() === 0;
const opts = { skip: root ? false : 'needs root (creates users)' };
const tag = `${process.pid % 10000}`;
const users: TestUser[] = [];
let a: TestUser; // default 65536 subordinate ids
let b: TestUser; // a second user, for isolation
let tmp: string; // world-readable: the image tarball, a tar with a high uid
let image: string;

function user(name: string, subids?: number): TestUser {
  const u = new TestUser(`${name}${tag}`, subids);
  users.push(u);
  return u;
}

/** A directory the user owns, for bind mounts. */
function dirFor(u: TestUser, name: string): string {
  const d = join(tmp, `${name}-${u.name}`);
  mkdirSync(d);
  chownSync(d, u.uid, u.gid);
  return d;
}

before(() => {
  if (!root) return;
  tmp = mkdtempSync('/tmp/husk-rootless-test-');
  chmodSync(tmp, 0o755);
  image = join(tmp, 'busybox.tar');
  copyFileSync(join(FIXTURES, 'busybox-rootfs.tar'), image);
  chmodSync(image, 0o644);
  a = user('hska');
  b = user('hskb');
  a.ok(['import', image, 'busybox']);
});

after(() => {
  for (const u of users) u.remove();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

test('husk unshare: uid 0 is the user, 1..65536 its subordinate range; one pause process keeps it', opts, () => {
  const sub = a.subuid()!;
  const map = a.ok(['unshare', 'cat', '/proc/self/uid_map']).split('\n').map((l) => l.trim().split(/\s+/).map(Number));
  assert.deepEqual(map, [[0, a.uid, 1], [1, sub.start, sub.count]]);
  // Later commands join the same namespace.
  const ns = () => a.ok(['unshare', 'readlink', '/proc/self/ns/user']);
  assert.equal(ns(), ns());
  const pause = Number(readFileSync(`/tmp/husk-run-${a.uid}/husk/pause.pid`, 'utf8'));
  assert.equal(readFileSync(`/proc/${pause}/comm`, 'utf8').trim(), 'husk-pause');
  assert.equal(statSync(`/proc/${pause}`).uid, a.uid);
  assert.equal(a.husk(['unshare', 'sh', '-c', 'exit 7']).code, 7);
});

test('run --rm: uid 0 inside; the store lives in the home, owned through the mapping', opts, () => {
  assert.match(a.ok(['run', '--rm', 'busybox', 'id']), /^uid=0\(root\) gid=0\(root\)/);
  const storage = join(a.home, '.local/share/husk/storage');
  assert.equal(statSync(storage).uid, a.uid);
  assert.equal(statSync(storage).mode & 0o777, 0o700);
  // Layer files: container root is the user, container uid 1000 is subuid start + 999.
  const sub = a.subuid()!;
  const owners = a.ok(['unshare', 'sh', '-c', `find ${storage}/overlay -path '*/diff/*' -printf '%U\\n' | sort -un`]).split('\n').map(Number);
  assert.deepEqual(owners, [0, 1000]); // as the namespace sees them
  const hostOwners = spawnSync('find', [`${storage}/overlay`, '-path', '*/diff/*', '-printf', '%U\\n'], { encoding: 'utf8' }).stdout;
  assert.deepEqual([...new Set(hostOwners.trim().split('\n').map(Number))].sort((x, y) => x - y), [a.uid, sub.start + 999]);
  // The user's V8 code cache (src/cli/boot.ts) is in their home, theirs: root's install is not writable to them.
  const caches = spawnSync('find', [join(a.home, '.cache/husk/code'), '-name', 'run.bin', '-printf', '%U\n'], { encoding: 'utf8' }).stdout.trim();
  assert.equal(caches, String(a.uid));
});

test('a bind-mounted host directory: files from container root belong to the user, from uid 1000 to its subuid', opts, () => {
  const d = dirFor(a, 'bind');
  a.ok(['run', '--rm', '-v', `${d}:/data`, 'busybox', 'sh', '-c', 'touch /data/by-root && chmod 777 /data']);
  a.ok(['run', '--rm', '--user', '1000', '-v', `${d}:/data`, 'busybox', 'touch', '/data/by-1000']);
  assert.equal(statSync(join(d, 'by-root')).uid, a.uid);
  assert.equal(statSync(join(d, 'by-root')).gid, a.gid);
  assert.equal(statSync(join(d, 'by-1000')).uid, a.subuid()!.start + 999);
});

test('--userns=keep-id: the user\'s own uid inside, and its files stay its own', opts, () => {
  const d = dirFor(a, 'keepid');
  const out = a.ok(['run', '--rm', '--userns=keep-id', '-v', `${d}:/data`, 'busybox', 'sh', '-c', 'id -u; id -g; touch /data/mine; stat -c %u /data/mine; stat -c %u /']);
  assert.deepEqual(out.split('\n'), [String(a.uid), String(a.gid), String(a.uid), '0']);
  assert.equal(statSync(join(d, 'mine')).uid, a.uid);
});

test('--userns=auto and --uidmap: the container gets its own slice of the range', opts, () => {
  const auto = a.ok(['run', '--rm', '--userns=auto', 'busybox', 'sh', '-c', 'cat /proc/self/uid_map; id -u; stat -c %u /bin/busybox; stat -c %u:%g /etc/hosts /etc/resolv.conf /etc/hostname']).split('\n');
  assert.match(auto[0]!, /^\s*0\s+\d+\s+1024$/); // the image's highest owner is 1000: Podman's minimum, 1024
  // The generated files are the container root's too, as in Podman (not nobody's).
  assert.deepEqual(auto.slice(1), ['0', '0', '0:0', '0:0', '0:0']);
  const uidmap = a.ok(['run', '--rm', '--uidmap', '0:2000:3000', 'busybox', 'sh', '-c', 'cat /proc/self/uid_map /proc/self/gid_map; stat -c %u:%g /home 2>/dev/null || stat -c %u:%g /bin']);
  assert.deepEqual(uidmap.split('\n').map((l) => l.trim().split(/\s+/).join(' ')), ['0 2000 3000', '0 2000 3000', '0:0']);
  const bad = a.husk(['run', '--rm', '--uidmap', '0:60000:10000', 'busybox', 'true']);
  assert.equal(bad.code, 125);
  assert.match(bad.stderr, /exceeds the 65537 ids/);
});

test('container root is no host root: the host\'s /etc/shadow is unreadable, mount and reboot fail', opts, () => {
  const r = a.husk(['run', '--rm', '-v', '/etc/shadow:/shadow:ro', 'busybox', 'sh', '-c',
    'cat /shadow >/dev/null 2>&1 && echo READ; mount -t tmpfs none /tmp 2>/dev/null && echo MOUNTED; reboot -f 2>/dev/null; echo alive']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.trim(), 'alive');
});

test('run -d, ps, stop, rm; conmon\'s exit command cleans up inside the namespace', opts, async () => {
  assert.match(a.ok(['run', '-d', '--name', 'bg', 'busybox', 'sleep', '300']), /^[0-9a-f]{64}$/);
  assert.match(a.ok(['ps', '--format', '{{.Names}} {{.Status}}']), /^bg Up/m);
  a.ok(['exec', 'bg', 'sh', '-c', 'sleep 200 >/dev/null 2>&1 &']);
  // No cgroup to list: top finds the processes through the container's pid namespace.
  assert.deepEqual(a.ok(['top', 'bg', 'args']).split('\n').slice(1).map((l) => l.trim()).sort(), ['sleep 200', 'sleep 300']);
  a.ok(['stop', '-t', '0', 'bg']);
  assert.match(a.ok(['ps', '-a', '--format', '{{.Names}} {{.Status}}']), /^bg Exited \(137\)/m);
  assert.equal(a.ok(['rm', 'bg']), 'bg', 'rm prints the name as given');
  // The exit command (husk container cleanup, run by conmon) removes a --rm container.
  a.ok(['run', '-d', '--rm', '--name', 'short', 'busybox', 'true']);
  await until(() => !a.ok(['ps', '-a', '--format', '{{.Names}}']).includes('short'), 10_000);
});

test('two users see neither each other\'s images and containers nor their stores', opts, () => {
  a.ok(['create', '--name', 'only-a', 'busybox', 'true']);
  assert.equal(b.ok(['images', '-q']), '');
  assert.equal(b.ok(['ps', '-aq']), '');
  const peek = b.run(['ls', join(a.home, '.local/share/husk/storage')]);
  assert.notEqual(peek.code, 0);
  assert.match(peek.stderr, /Permission denied/);
  b.ok(['import', image, 'bimage']);
  assert.doesNotMatch(a.ok(['images', '--format', '{{.Repository}}']), /bimage/);
  assert.match(a.ok(['ps', '-a', '--format', '{{.Names}}']), /only-a/);
  a.ok(['rm', 'only-a']);
});

test('resource limits and pause are refused with the reason (no delegated cgroup); bridge networks: rootless-network.test.ts', opts, () => {
  for (const flag of [['--memory', '64m'], ['--cpus', '1'], ['--pids-limit', '50']]) {
    const r = a.husk(['run', '--rm', ...flag, 'busybox', 'true']);
    assert.equal(r.code, 125);
    assert.match(r.stderr, new RegExp(`${flag[0]} \\(a resource limit\\) needs a delegated cgroup`));
  }
  assert.equal(a.ok(['ps', '-aq']), ''); // nothing half-created
  a.ok(['run', '-d', '--name', 'nocg', 'busybox', 'sleep', '300']);
  for (const cmd of [['pause', 'nocg'], ['stats', '--no-stream', 'nocg'], ['update', '--memory', '64m', 'nocg']]) {
    const r = a.husk(cmd);
    assert.equal(r.code, 125, cmd[0]);
    assert.match(r.stderr, /needs a delegated cgroup, and rootless husk has none: this host uses cgroups v1/);
  }
  a.ok(['rm', '-f', '-t', '0', 'nocg']);
  // Everything else works: host and private networks.
  assert.match(a.ok(['run', '--rm', '--network', 'private', 'busybox', 'cat', '/proc/net/dev']), /lo:/);
});

test('a user without /etc/subuid entries gets one clear error naming the fix; --version still works', opts, () => {
  const c = user('hskc', 0);
  assert.equal(c.subuid(), undefined);
  const r = c.husk(['images']);
  assert.equal(r.code, 125);
  assert.match(r.stderr, /^Error: no subuid ranges for user hskc\d+ \(uid \d+\) in \/etc\/subuid: .*usermod --add-subuids/);
  assert.equal(r.stderr.trim().split('\n').length, 1);
  assert.match(c.ok(['--version']), /^husk version \d+\.\d+\.\d+$/);
});

test('ids beyond a small subuid range: the import fails naming the uid and the fix; after a bigger range, system migrate makes it work', opts, () => {
  const d = user('hskd', 1000);
  const src = join(tmp, 'highuid');
  mkdirSync(src);
  writeFileSync(join(src, 'file'), 'x');
  const tar = join(tmp, 'highuid.tar');
  spawnSync('tar', ['-cf', tar, '--owner=5000', '--group=5000', '--numeric-owner', '-C', src, '.']);
  chmodSync(tar, 0o644);
  const r = d.husk(['import', tar, 'high']);
  assert.equal(r.code, 125);
  assert.match(r.stderr, /uid 5000 is not mapped in the rootless user namespace of hskd\d+, which maps ids 0-1000 only.*\/etc\/subuid.*husk system migrate/);
  assert.equal(d.ok(['images', '-q']), ''); // nothing half-imported
  // A larger range after the highest one in use; the running namespace keeps the old mapping until migrate.
  const end = Math.max(...['/etc/subuid', '/etc/subgid'].flatMap((f) => readFileSync(f, 'utf8').trim().split('\n').map((l) => Number(l.split(':')[1]) + Number(l.split(':')[2]))));
  const range = `${end}-${end + 65535}`;
  assert.equal(spawnSync('usermod', ['--add-subuids', range, '--add-subgids', range, d.name]).status, 0);
  assert.equal(d.husk(['import', tar, 'high']).code, 125);
  const before = d.ok(['unshare', 'readlink', '/proc/self/ns/user']);
  d.ok(['system', 'migrate']);
  assert.notEqual(d.ok(['unshare', 'readlink', '/proc/self/ns/user']), before);
  d.ok(['import', tar, 'high']);
  // The file is uid 5000 to the namespace; on the host, 5000 - 1001 ids into the new range (0 is the user, 1-1000 the old range).
  assert.equal(d.ok(['unshare', 'sh', '-c', `find ${d.home}/.local/share/husk/storage/overlay -name file -printf %U`]), '5000');
  assert.equal(spawnSync('find', [`${d.home}/.local/share/husk/storage/overlay`, '-name', 'file', '-printf', '%U'], { encoding: 'utf8' }).stdout, String(end + 5000 - 1001));
});

test('system migrate stops running containers and retires the pause process', opts, () => {
  a.ok(['run', '-d', '--name', 'mig', '--stop-timeout', '1', 'busybox', 'sleep', '300']);
  const pause = Number(readFileSync(`/tmp/husk-run-${a.uid}/husk/pause.pid`, 'utf8'));
  a.ok(['system', 'migrate']);
  assert.match(a.ok(['ps', '-a', '--format', '{{.Names}} {{.Status}}']), /^mig Exited/m);
  assert.notEqual(Number(readFileSync(`/tmp/husk-run-${a.uid}/husk/pause.pid`, 'utf8')), pause);
  a.ok(['rm', 'mig']);
});

test('first commands racing create one namespace; XDG_RUNTIME_DIR moves the run state there', opts, () => {
  const e = user('hske');
  const parallel = spawnSync('runuser', ['-u', e.name, '--', 'sh', '-c',
    `for i in 1 2 3 4; do ${huskForUsers()} unshare readlink /proc/self/ns/user & done; wait`],
  { env: { PATH: process.env.PATH ?? '', HOME: e.home }, encoding: 'utf8' });
  const seen = parallel.stdout.trim().split('\n');
  assert.equal(seen.length, 4, parallel.stderr);
  assert.equal(new Set(seen).size, 1, parallel.stdout);
  const pauses = e.pids().filter((p) => { try { return readFileSync(`/proc/${p}/comm`, 'utf8').trim() === 'husk-pause'; } catch { return false; } });
  assert.equal(pauses.length, 1);
  const xdg = join(tmp, `xdg-${e.name}`);
  mkdirSync(xdg, { mode: 0o700 });
  chownSync(xdg, e.uid, e.gid);
  e.ok(['import', image, 'busybox'], { env: { XDG_RUNTIME_DIR: xdg } });
  assert.equal(e.ok(['run', '--rm', 'busybox', 'echo', 'ok'], { env: { XDG_RUNTIME_DIR: xdg } }), 'ok');
  assert.ok(statSync(join(xdg, 'husk/pause.pid')).isFile());
  const info = JSON.parse(e.ok(['info', '--format', 'json'], { env: { XDG_RUNTIME_DIR: xdg } }));
  assert.equal(info.store.runRoot, join(xdg, 'husk'));
  assert.equal(info.host.security.rootless, true);
});

test('storage.conf mount_program: fuse-overlayfs mounts the rootfs, or the error names /dev/fuse', opts, () => {
  const f = user('hskf');
  const conf = join(f.home, '.config/husk');
  mkdirSync(conf, { recursive: true });
  writeFileSync(join(conf, 'storage.conf'), '[storage.options.overlay]\nmount_program = "/usr/bin/fuse-overlayfs"\n');
  for (const p of [join(f.home, '.config'), conf, join(conf, 'storage.conf')]) chownSync(p, f.uid, f.gid);
  f.ok(['import', image, 'busybox']);
  const r = f.husk(['run', '--rm', 'busybox', 'grep', ' / ', '/proc/mounts']);
  if ((statSync('/dev/fuse').mode & 0o006) === 0o006) { // as scripts/setup.sh leaves it
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^fuse-overlayfs \/ fuse\.fuse-overlayfs /);
  } else {
    assert.equal(r.code, 125);
    assert.match(r.stderr, /\/dev\/fuse is not usable by this user \(EACCES\).*chmod 0666 \/dev\/fuse/);
  }
});


test('slirp4netns is the rootless default: a detached httpd with -p answers on the host; -p 80 names the sysctl', opts, async () => {
  const port = 20000 + (process.pid % 20000);
  assert.match(a.ok(['run', '--rm', 'busybox', 'ip', '-o', '-4', 'addr', 'show', 'tap0']), /10\.0\.2\.100\/24/);
  a.ok(['run', '-d', '--name', 'web', '-p', `${port}:80`, 'busybox', 'httpd', '-f', '-p', '80', '-h', '/etc']);
  const body = await fetchRetry(`http://127.0.0.1:${port}/hostname`);
  assert.equal(body.trim().length, 12); // the container's hostname: its short ID
  assert.equal(a.ok(['port', 'web', '80']), `0.0.0.0:${port}`);
  a.ok(['rm', '-f', '-t', '0', 'web']);
  const low = Number(readFileSync('/proc/sys/net/ipv4/ip_unprivileged_port_start', 'utf8'));
  if (low > 80) {
    const r = a.husk(['run', '--rm', '-p', '80:80', 'busybox', 'true']);
    assert.equal(r.code, 125);
    assert.match(r.stderr, /cannot expose privileged port 80.*net\.ipv4\.ip_unprivileged_port_start/);
    assert.equal(a.ok(['ps', '-aq']), '');
  }
});

test('a rootless pod: members share the pod\'s slirp4netns network and reach each other on 127.0.0.1', opts, async () => {
  a.ok(['pod', 'create', '--name', 'rp']);
  a.ok(['run', '-d', '--pod', 'rp', '--name', 'srv', 'busybox', 'httpd', '-f', '-p', '8080', '-h', '/etc']);
  const got = await until(() => {
    const r = a.husk(['run', '--rm', '--pod', 'rp', 'busybox', 'wget', '-qO-', 'http://127.0.0.1:8080/hostname']);
    return r.code === 0 && r.stdout.trim();
  });
  assert.equal(got, 'rp');
  a.ok(['pod', 'rm', '-f', 'rp']);
  assert.equal(a.ok(['ps', '-aq']), '');
});
