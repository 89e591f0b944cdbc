// The headline behaviours of `husk run` from the issue, on real containers.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { Store, overlayMounts, until } from '../helpers.ts';

const s = new Store();
before(() => s.busybox());
after(() => s.destroy());

test('run -d: husk exits, conmon is the parent, ps shows Up, kill -9 gives Exited (137)', async () => {
  const id = s.ok(['run', '-d', 'busybox', 'sleep', '1000']);
  assert.match(id, /^[0-9a-f]{64}$/);
  const pid = Number(s.ok(['inspect', '--format', '{{.State.Pid}}', id]));
  assert.ok(pid > 0);
  const ppid = Number(/PPid:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]);
  assert.equal(readFileSync(`/proc/${ppid}/comm`, 'utf8').trim(), 'conmon');
  assert.match(s.ok(['ps']), new RegExp(`${id.slice(0, 12)}.*Up `));
  process.kill(pid, 'SIGKILL');
  await until(() => /Exited \(137\)/.test(s.ok(['ps', '-a', '--filter', `id=${id}`])));
  s.ok(['rm', id]);
});

test('run --rm: exit code passes through and nothing is left behind', () => {
  const r = s.husk(['run', '--rm', '--name', 'gone', 'busybox', 'sh', '-c', 'exit 3']);
  assert.equal(r.code, 3, r.stderr);
  assert.equal(s.ok(['ps', '-aq']), '');
  assert.equal(s.husk(['container', 'exists', 'gone']).code, 1);
  assert.deepEqual(overlayMounts().filter((m) => m.startsWith(s.dir)), []);
  assert.deepEqual(readdirSync(join(s.root, 'containers')), []);
  assert.ok(!existsSync(join(s.runroot, 'containers')) || readdirSync(join(s.runroot, 'containers')).length === 0);
});

test('run prints the container output and its stderr separately', () => {
  const r = s.husk(['run', '--rm', 'busybox', 'sh', '-c', 'echo out; echo err >&2']);
  assert.equal(r.code, 0);
  assert.equal(r.stdout, 'out\n');
  assert.equal(r.stderr, 'err\n');
});

test('run -i passes stdin through', () => {
  const r = s.husk(['run', '-i', '--rm', 'busybox', 'cat'], { input: 'hi\n' });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'hi\n');
});

test('run -t gives the process a terminal (under script)', () => {
  const cmd = `${['husk', ...s.globals].join(' ')} run -t --rm busybox sh -c 'test -t 1 && echo tty:$TERM'`;
  const r = spawnSync('script', ['-qec', cmd.replace(/^husk/, join(import.meta.dirname, '../../bin/husk')), '/dev/null'], { encoding: 'utf8', input: '' });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /tty:xterm/);
});

test('run -t and start -a: the process sees the terminal\'s size from its first instruction (crun and runc)', () => {
  const husk = [join(import.meta.dirname, '../../bin/husk'), ...s.globals].join(' ');
  s.ok(['create', '-t', '--name', 'sized', 'busybox', 'stty', 'size']);
  for (const runtime of ['crun', 'runc']) {
    // stty size is the first thing the process does: a resize sent after the start would come too late.
    const cmd = `stty rows 37 cols 111; ${husk} --runtime ${runtime} run -t --rm busybox stty size`;
    const r = spawnSync('script', ['-qec', cmd, '/dev/null'], { encoding: 'utf8', input: '', timeout: 60_000 });
    assert.equal(r.status, 0, `${runtime}: ${r.stdout}${r.stderr}`);
    assert.equal(r.stdout.trim(), '37 111', runtime);
  }
  const r = spawnSync('script', ['-qec', `stty rows 21 cols 84; ${husk} start -a sized`, '/dev/null'], { encoding: 'utf8', input: '', timeout: 60_000 });
  assert.equal(r.stdout.trim(), '21 84', r.stderr);
  s.ok(['rm', 'sized']);
});

test('command not found exits 127, not executable 126, unknown image 125', () => {
  const nf = s.husk(['run', '--rm', 'busybox', '/nope']);
  assert.equal(nf.code, 127);
  assert.match(nf.stderr, /not found/);
  const ni = s.husk(['run', '--rm', 'busybox', '/etc/passwd']);
  assert.equal(ni.code, 126);
  assert.match(ni.stderr, /ermission denied/);
  const ui = s.husk(['run', '--rm', 'no-such-image', 'true']);
  assert.equal(ui.code, 125);
  assert.match(ui.stderr, /"?no-such-image"?(: image not known| did not resolve)/);
  assert.equal(s.ok(['ps', '-aq']), '');
});

test('duplicate name fails with 125; rm of a running container without -f with 2 (Podman 055-rm.bats)', () => {
  s.ok(['run', '-d', '--name', 'dup', 'busybox', 'sleep', '100']);
  const d = s.husk(['run', '-d', '--name', 'dup', 'busybox', 'true']);
  assert.equal(d.code, 125);
  assert.match(d.stderr, /name "dup" is already in use/);
  const r = s.husk(['rm', 'dup']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /cannot remove container .* running/);
  assert.match(s.ok(['ps']), /dup/);
  s.ok(['rm', '-f', 'dup']);
  assert.equal(s.ok(['ps', '-aq']), '');
});

test('image config: env, workdir, hostname, container=husk and user are applied', () => {
  const out = s.ok(['run', '--rm', '-e', 'A=1', '-w', '/tmp', '--hostname', 'h1', '-u', 'tester', 'busybox', 'sh', '-c', 'echo $A $container $(pwd) $(hostname) $(id -u):$(id -g)']);
  assert.equal(out, '1 husk /tmp h1 1000:1000');
  const id = s.ok(['create', 'busybox', 'hostname']);
  s.ok(['start', id]);
  assert.equal(s.ok(['wait', id]), '0');
  assert.equal(s.ok(['logs', id]), id.slice(0, 12));
  s.ok(['rm', id]);
});

test('default confinement: Podman capabilities, masked /proc paths, rlimits clamped', () => {
  // /proc/keys is non-empty on the host and masked (an empty /dev/null bind) inside.
  const out = s.ok(['run', '--rm', 'busybox', 'sh', '-c', 'grep CapEff /proc/self/status; wc -c < /proc/keys; ulimit -n; echo x > /proc/sys/kernel/hostname 2>/dev/null || echo ro']);
  const [cap, keys, nofile, ro] = out.split('\n').map((l) => l.trim());
  assert.equal(cap.split(/\s+/)[1], '00000000800405fb');
  assert.equal(keys, '0');
  assert.ok(Number(nofile) > 0 && Number(nofile) <= 1048576);
  assert.equal(ro, 'ro');
});

test('--network none has only loopback; --network host sees the host interfaces', () => {
  const none = s.ok(['run', '--rm', '--network', 'none', 'busybox', 'ls', '/sys/class/net']);
  assert.equal(none, 'lo');
  // Other containers on the machine may add or drop veths meanwhile: the container sees every
  // interface present before and after, and none that was in neither list.
  const before = readdirSync('/sys/class/net');
  const host = s.ok(['run', '--rm', '--network', 'host', 'busybox', 'ls', '/sys/class/net']).split(/\s+/);
  const after = readdirSync('/sys/class/net');
  for (const i of before.filter((x) => after.includes(x))) assert.ok(host.includes(i), `${i} missing in ${host}`);
  for (const i of host) assert.ok(before.includes(i) || after.includes(i), `${i} is not a host interface`);
});
