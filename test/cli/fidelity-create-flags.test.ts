// run/create flags of Podman's that husk lacked (issue 15), each checked by
// its effect inside a real container or on the host, as Podman's system
// tests (030-run, 035-logs, 160-volumes) and its documentation describe it.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HUSK, Store, until } from '../helpers.ts';

const s = new Store();
before(() => s.busybox());
after(() => s.destroyWhenIdle());

const run = (...args: string[]) => s.ok(['run', '--rm', ...args]);

test('--umask, --tz, --init, --env-host, --label-file, --annotation', () => {
  assert.equal(run('--umask', '077', 'busybox', 'sh', '-c', 'umask'), '0077');
  assert.equal(s.husk(['run', '--rm', '--umask', '9', 'busybox', 'true']).code, 125);
  assert.equal(run('--tz', 'Asia/Tokyo', 'busybox', 'date', '+%Z'), 'JST');
  assert.equal(s.husk(['run', '--rm', '--tz', 'Nowhere/Land', 'busybox', 'true']).stderr.trim(), 'Error: finding timezone: unknown time zone Nowhere/Land');
  // catatonit is PID 1 and the command its child.
  assert.equal(run('--init', 'busybox', 'sh', '-c', 'tr "\\0" " " </proc/1/cmdline'), '/run/podman-init -- sh -c tr "\\0" " " </proc/1/cmdline');
  const env = spawnSync(HUSK, [...s.globals, 'run', '--rm', '--env-host', '-e', 'B=2', 'busybox', 'sh', '-c', 'echo $HUSK_A $B'], { encoding: 'utf8', env: { ...process.env, HUSK_A: 'from-host', B: '1' } });
  assert.equal(env.stdout.trim(), 'from-host 2');
  const labels = join(s.dir, 'labels');
  writeFileSync(labels, 'a=1\n# comment\nb=2\n');
  s.ok(['create', '--name', 'meta', '--label-file', labels, '-l', 'b=3', '--annotation', 'io.example=yes', 'busybox', 'true']);
  assert.equal(s.ok(['inspect', '--format', '{{.Config.Labels.a}} {{.Config.Labels.b}} {{index .Config.Annotations "io.example"}}', 'meta']), '1 3 yes');
  s.ok(['rm', 'meta']);
});

test('--ipc none|shareable|container:X, --cgroupns host, .HostConfig.IpcMode', () => {
  assert.equal(run('--ipc', 'none', 'busybox', 'sh', '-c', 'grep -c " /dev/shm " /proc/mounts || true'), '0');
  s.ok(['run', '-d', '--name', 'ipcowner', '--ipc', 'shareable', 'busybox', 'sleep', '100']);
  const own = s.ok(['exec', 'ipcowner', 'readlink', '/proc/self/ns/ipc']);
  assert.equal(run('--ipc', 'container:ipcowner', 'busybox', 'readlink', '/proc/self/ns/ipc'), own);
  assert.notEqual(run('busybox', 'readlink', '/proc/self/ns/ipc'), own);
  assert.equal(s.ok(['inspect', '--format', '{{.HostConfig.IpcMode}}', 'ipcowner']), 'shareable');
  s.ok(['rm', '-f', '-t', '0', 'ipcowner']);
  assert.equal(run('--cgroupns', 'host', 'busybox', 'readlink', '/proc/self/ns/cgroup'), readlinkSync('/proc/self/ns/cgroup'));
});

test('--device-cgroup-rule allows a device node the default policy denies; --memory=0 is no limit; --kernel-memory warns', () => {
  const probe = ['busybox', 'sh', '-c', 'mknod /tmp/f c 10 229 && : <> /tmp/f && echo opened'];
  const denied = s.husk(['run', '--rm', '--cap-add', 'mknod', ...probe]);
  assert.match(denied.stderr, /Operation not permitted/);
  assert.equal(run('--cap-add', 'mknod', '--device-cgroup-rule', 'c 10:229 rwm', ...probe), 'opened');
  assert.equal(s.husk(['run', '--rm', '--device-cgroup-rule', 'x 1:2 q', 'busybox', 'true']).code, 125);
  assert.equal(run('--memory=0', 'busybox', 'echo', 'hello'), 'hello'); // 030-run.bats "--memory=0 runtime option"
  const km = s.husk(['run', '--rm', '--kernel-memory', '100', 'busybox', 'true']);
  assert.match(km.stderr, /The --kernel-memory flag is no longer supported\. This flag is a noop\./);
});

test('--pidfile, --conmon-pidfile (030-run.bats), --timeout, --preserve-fds', () => {
  const pidfile = join(s.dir, 'pid');
  const cpidfile = join(s.dir, 'conmon.pid');
  s.ok(['run', '-d', '--name', 'pids', '--pidfile', pidfile, '--conmon-pidfile', cpidfile, 'busybox', 'sleep', '100']);
  assert.equal(readFileSync(pidfile, 'utf8'), s.ok(['inspect', '--format', '{{.State.Pid}}', 'pids']));
  const conmon = readFileSync(cpidfile, 'utf8');
  assert.equal(conmon, s.ok(['inspect', '--format', '{{.State.ConmonPid}}', 'pids']));
  assert.match(readlinkSync(`/proc/${conmon}/exe`), /conmon$/);
  s.ok(['rm', '-f', '-t', '0', 'pids']);
  const t0 = Date.now();
  const timed = s.husk(['run', '--rm', '--timeout', '2', 'busybox', 'sleep', '60']);
  assert.notEqual(timed.code, 0);
  assert.ok(Date.now() - t0 < 30_000, 'killed by the timeout');
  // 030-run.bats "--preserve-fds": fd 4 of the caller is fd 4 of the process (bats holds fd 3 open).
  const content = `fd-content-${process.pid}`;
  writeFileSync(join(s.dir, 'fdfile'), content);
  const sh = spawnSync('sh', ['-c', `"$@" 3</dev/null 4<${join(s.dir, 'fdfile')}`, 'sh', HUSK, ...s.globals, 'run', '--rm', '-i', '--preserve-fds=2', 'busybox', 'sh', '-c', 'cat <&4'], { encoding: 'utf8', input: '' });
  assert.equal(sh.stdout.trim(), content, sh.stderr);
});

test('--preserve-fds without the caller\'s fds is Podman\'s error (husk\'s own fds never reach the container); exec --preserve-fds; create has no such flag', async () => {
  const file = join(s.dir, 'fdfile-exec');
  writeFileSync(file, 'exec-fd\n');
  // Only fd 3 given: fd 4 would be one of Node's own (epoll, io_uring...).
  const viaSh = (fds: string, ...args: string[]) => spawnSync('sh', ['-c', `"$@" ${fds}`, 'sh', HUSK, ...s.globals, ...args], { encoding: 'utf8', input: '' });
  const missing = viaSh(`3<${file}`, 'run', '--rm', '--preserve-fds', '2', 'busybox', 'ls', '/proc/self/fd');
  assert.deepEqual([missing.status, missing.stderr], [125, 'Error: file descriptor 4 is not available - the preserve-fds option requires that file descriptors must be passed\n']);
  const none = s.husk(['run', '--rm', '--preserve-fds', '1', 'busybox', 'true']);
  assert.deepEqual([none.code, none.stderr], [125, 'Error: file descriptor 3 is not available - the preserve-fds option requires that file descriptors must be passed\n']);
  const bad = s.husk(['run', '--preserve-fds', 'x', 'busybox', 'true']);
  assert.equal(bad.stderr.split('\n')[0], 'Error: invalid argument "x" for "--preserve-fds" flag: strconv.ParseUint: parsing "x": invalid syntax');
  // exec: attached and detached, the caller's fd 3 is the process's.
  s.ok(['run', '-d', '--name', 'fdexec', 'busybox', 'sleep', '1000']);
  const attached = viaSh(`3<${file}`, 'exec', '--preserve-fds', '1', 'fdexec', 'sh', '-c', 'cat <&3; ls /proc/self/fd | tr "\\n" " "');
  assert.equal(attached.status, 0, attached.stderr);
  // fd 4 is ls's own directory; nothing else came along.
  assert.equal(attached.stdout, 'exec-fd\n0 1 2 3 4 ');
  const detached = viaSh(`3<${file}`, 'exec', '-d', '--preserve-fds', '1', 'fdexec', 'sh', '-c', 'cat <&3 > /tmp/got');
  assert.equal(detached.status, 0, detached.stderr);
  await until(() => s.husk(['exec', 'fdexec', 'cat', '/tmp/got']).stdout === 'exec-fd\n');
  const plain = s.ok(['exec', 'fdexec', 'ls', '/proc/self/fd']);
  assert.deepEqual(plain.split('\n'), ['0', '1', '2', '3'], 'without the flag: no fd 3 (ls\'s directory is 3)');
  const noFd = s.husk(['exec', '--preserve-fds', '1', 'fdexec', 'true']);
  assert.deepEqual([noFd.code, noFd.stderr], [125, 'Error: file descriptor 3 is not available - the preserve-fds option requires that file descriptors must be passed\n']);
  s.ok(['rm', '-f', '-t', '0', 'fdexec']);
  assert.match(s.husk(['create', '--preserve-fds', '1', 'busybox', 'true']).stderr, /^Error: unknown flag: --preserve-fds/);
});

test('--log-driver none, --log-opt path= (035-logs.bats)', () => {
  s.ok(['run', '--name', 'nolog', '--log-driver', 'none', 'busybox', 'echo', 'hi']);
  const r = s.husk(['logs', 'nolog']);
  assert.deepEqual([r.code, r.stderr.trim()], [125, "Error: this container is using the 'none' log driver, cannot read logs: this container is not logging output"]);
  const path = join(s.dir, 'custom.log');
  s.ok(['run', '--name', 'pathlog', '--log-driver', 'json-file', '--log-opt', `path=${path}`, 'busybox', 'echo', 'to-file']);
  assert.match(readFileSync(path, 'utf8'), / stdout F to-file\n$/);
  assert.equal(s.ok(['logs', 'pathlog']), 'to-file');
  assert.equal(s.ok(['inspect', '--format', '{{.HostConfig.LogConfig.Type}} {{.HostConfig.LogConfig.Path}}', 'pathlog']), `json-file ${path}`);
  s.ok(['rm', 'nolog', 'pathlog']);
});

test('--requires starts the required container first and keeps it from being removed', () => {
  s.ok(['create', '--name', 'dbase', 'busybox', 'sleep', '100']);
  s.ok(['run', '-d', '--name', 'app', '--requires', 'dbase', 'busybox', 'sleep', '100']);
  assert.equal(s.ok(['inspect', '--format', '{{.State.Status}}', 'dbase']), 'running');
  assert.equal(s.husk(['rm', '-f', 'dbase']).code, 125);
  s.ok(['rm', '-f', '-t', '0', '--depend', 'dbase']);
});

test('the same volume twice at one path is one mount; two different ones conflict', () => {
  s.ok(['volume', 'create', 'twice']);
  assert.equal(run('-v', 'twice:/x', '-v', 'twice:/x', 'busybox', 'sh', '-c', 'grep -c " /x " /proc/mounts'), '1');
  const r = s.husk(['run', '--rm', '-v', 'twice:/x', '-v', `${s.dir}:/x`, 'busybox', 'true']);
  assert.deepEqual([r.code, r.stderr.trim()], [125, 'Error: /x: duplicate mount destination']);
});

test('inspect .ImageName is the name given at create, .ImageDigest the manifest digest', () => {
  s.ok(['create', '--name', 'named', 'busybox', 'true']);
  const digest = s.ok(['image', 'inspect', '--format', '{{.Digest}}', 'busybox']);
  assert.equal(s.ok(['inspect', '--format', '{{.ImageName}} {{.ImageDigest}}', 'named']), `busybox ${digest}`);
  s.ok(['rm', 'named']);
});

test('run -a/--attach: only the named streams; a bad stream is 125', () => {
  const out = s.husk(['run', '--rm', '-a', 'stdout', 'busybox', 'sh', '-c', 'echo out; echo err >&2']);
  assert.deepEqual([out.code, out.stdout, out.stderr], [0, 'out\n', '']);
  const err = s.husk(['run', '--rm', '-a', 'stderr', 'busybox', 'sh', '-c', 'echo out; echo err >&2']);
  assert.deepEqual([err.code, err.stdout, err.stderr], [0, '', 'err\n']);
  const bad = s.husk(['run', '--rm', '-a', 'bogus', 'busybox', 'true']);
  assert.deepEqual([bad.code, bad.stderr.trim()], [125, 'Error: invalid stream "bogus" for --attach - must be one of stdin, stdout, or stderr: invalid argument']);
});

test('--user UID the image lacks gets a passwd entry; --passwd-entry, --group-entry, --hostuser, --chrootdirs', () => {
  assert.equal(run('--user', '1234', 'busybox', 'sh', '-c', 'grep ^1234: /etc/passwd; id -un'), '1234:*:1234:0:container user:/:/bin/sh\n1234');
  const custom = run('--user', '1234:5678', '--passwd-entry', 'u$UID:x:$UID:$GID:Test user:/home/u:/bin/sh', '--group-entry', 'g$GID:x:$GID:',
    'busybox', 'sh', '-c', 'id -un; id -gn; grep ^u1234 /etc/passwd');
  assert.equal(custom, 'u1234\ng5678\nu1234:x:1234:5678:Test user:/home/u:/bin/sh');
  const host = readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith('daemon:'))!;
  assert.equal(run('--hostuser', 'daemon', 'busybox', 'grep', '^daemon:', '/etc/passwd'), host);
  // The image's own /etc/passwd is untouched.
  assert.equal(s.husk(['run', '--rm', 'busybox', 'grep', '-c', '^daemon:', '/etc/passwd']).stdout.trim(), '0');
  assert.equal(run('--hostname', 'jailed', '--chrootdirs', '/jail', 'busybox', 'cat', '/jail/etc/hostname'), 'jailed');
  assert.equal(s.husk(['container', 'exists', '--external', 'nosuch']).code, 1);
});

test('--env-file is husk\'s flag, not Node\'s: a missing file is 125 with Podman\'s message; a file feeds only the container', () => {
  const r = s.husk(['run', '--rm', '--env-file', join(s.dir, 'missing.env'), 'busybox', 'true']);
  assert.equal(r.code, 125);
  assert.match(r.stderr, /^Error: open .*missing\.env: no such file or directory$/m);
  const f = join(s.dir, 'x.env');
  writeFileSync(f, 'HUSK_ENVFILE_PROBE=1\n# comment\n');
  assert.equal(s.ok(['run', '--rm', '--env-file', f, 'busybox', 'sh', '-c', 'echo $HUSK_ENVFILE_PROBE']), '1');
});

test('inspect .HostConfig: Dns, DnsOptions, DnsSearch and ExtraHosts as set at create, empty lists otherwise', () => {
  s.ok(['create', '--name', 'dnsc', '--dns', '1.1.1.1', '--dns', '9.9.9.9', '--dns-search', 'example.com', '--dns-option', 'ndots:2',
    '--add-host', 'db:10.0.0.5', 'busybox', 'true']);
  assert.equal(s.ok(['inspect', '--format', '{{json .HostConfig.Dns}} {{json .HostConfig.DnsOptions}} {{json .HostConfig.DnsSearch}} {{json .HostConfig.ExtraHosts}}', 'dnsc']),
    '["1.1.1.1","9.9.9.9"] ["ndots:2"] ["example.com"] ["db:10.0.0.5"]');
  s.ok(['create', '--name', 'nodns', 'busybox', 'true']);
  assert.equal(s.ok(['inspect', '--format', '{{json .HostConfig.Dns}} {{json .HostConfig.DnsOptions}} {{json .HostConfig.DnsSearch}} {{json .HostConfig.ExtraHosts}}', 'nodns']), '[] [] [] []');
  s.ok(['rm', 'dnsc', 'nodns']);
});
