// --log-level: Podman's logrus lines on stderr (src/common/log.ts), off by default.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { HUSK, Store } from '../helpers.ts';

const s = new Store();
before(() => s.busybox());
after(() => s.destroyWhenIdle());

// `time="2026-12-03T13:04:28Z" level=debug msg="..."`: logrus's text format off a terminal, as Podman prints it.
const LINE = /^time="\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d)" level=(trace|debug|info|warning|error) msg=("(?:[^"\\]|\\.)*"|\S+)( \w+=("(?:[^"\\]|\\.)*"|\S+))*$/;

test('debug: the command, the store paths, the runtime and conmon\'s arguments; the container output is untouched', () => {
  const r = s.husk(['--log-level=debug', 'run', '--rm', '--network', 'none', 'busybox', 'echo', 'hi']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'hi\n');
  const lines = r.stderr.trimEnd().split('\n');
  for (const l of lines) assert.match(l, LINE);
  const msgs = lines.map((l) => /level=(\w+) msg=("(?:[^"\\]|\\.)*"|\S+)/.exec(l)!).map((m) => `${m[1]} ${m[2].startsWith('"') ? JSON.parse(m[2]) : m[2]}`);
  assert.equal(msgs[0], 'info husk filtering at log level debug');
  assert.equal(msgs[1], `debug Called run.PersistentPreRunE(husk ${s.globals.join(' ')} --log-level=debug run --rm --network none busybox echo hi)`);
  assert.ok(msgs.includes(`debug Using graph root ${s.root}`), msgs.join('\n'));
  assert.ok(msgs.includes(`debug Using run root ${s.runroot}`));
  assert.ok(msgs.includes('debug Using graph driver overlay'));
  assert.ok(msgs.some((m) => /^debug Using OCI runtime "\/\S+\/(runc|crun|husk-crun)"$/.test(m)), msgs.join('\n'));
  const conmon = lines.find((l) => l.includes('msg="running conmon: '));
  assert.match(conmon ?? '', / args="\[--api-version 1 -c [0-9a-f]{64} /);
  // conmon gets the level too, and --syslog at debug (Podman's sharedConmonArgs).
  assert.match(conmon!, / --log-level debug --syslog /);
  assert.match(msgs.at(-1)!, /^debug Called run\.PersistentPostRunE\(husk .* run --rm/);
});

test('exec: its conmon is logged with the level passed on; at the default level conmon gets warning', () => {
  s.ok(['run', '-d', '--name', 'ex', '--network', 'none', 'busybox', 'sleep', '1000']);
  const r = s.husk(['--log-level=debug', 'exec', 'ex', 'echo', 'inexec']);
  assert.equal(r.stdout, 'inexec\n');
  assert.match(r.stderr, /msg="running conmon: \S+conmon" args="\[--api-version 1 .* --log-level debug --syslog -e /);
  // The conmon that runs the container was given warning: read its command line.
  const conmon = s.ok(['inspect', '--format', '{{.State.ConmonPid}}', 'ex']);
  const argv = readFileSync(`/proc/${conmon}/cmdline`, 'utf8').split('\0');
  assert.equal(argv[argv.indexOf('--log-level') + 1], 'warning');
  assert.ok(!argv.includes('--syslog'));
  s.ok(['rm', '-f', '-t', '0', 'ex']);
});

test('default (warn), warning, error: nothing on stderr; info: only the filtering line', () => {
  for (const l of [[], ['--log-level=warn'], ['--log-level=warning'], ['--log-level=error']]) {
    const r = s.husk([...l, 'ps', '-a']);
    assert.deepEqual([r.code, r.stderr], [0, ''], l.join(' '));
  }
  const r = s.husk(['--log-level=INFO', 'ps']);
  assert.equal(r.code, 0);
  assert.match(r.stderr, /^time="[^"]+" level=info msg="husk filtering at log level info"\n$/);
});

test('a warning follows the level: shown at warn, hidden at error (husk\'s own and a command\'s, such as stop\'s SIGKILL one)', () => {
  assert.match(s.husk(['--cgroup-manager=systemd', 'ps']).stderr, /level=warning msg="the systemd cgroup manager is not supported by husk: using cgroupfs"/);
  assert.equal(s.husk(['--log-level=error', '--cgroup-manager=systemd', 'ps']).stderr, '');
  // PID 1 without a handler ignores SIGTERM: stop waits, kills, and warns (050-stop.bats).
  s.ok(['run', '-d', '--name', 'deaf', '--network', 'none', 'busybox', 'sleep', '1000']);
  const loud = s.husk(['stop', '-t', '1', 'deaf']);
  assert.deepEqual([loud.code, loud.stdout], [0, 'deaf\n']);
  assert.match(loud.stderr, /level=warning msg="StopSignal SIGTERM failed to stop container deaf in 1 seconds, resorting to SIGKILL"/);
  s.ok(['start', 'deaf']);
  const quiet = s.husk(['--log-level=error', 'stop', '-t', '1', 'deaf']);
  assert.deepEqual([quiet.code, quiet.stdout, quiet.stderr], [0, 'deaf\n', '']);
  s.ok(['rm', 'deaf']);
});

test('on a terminal: logrus\'s short form (DEBU[0000] msg)', () => {
  // script(1) gives husk a pty for stderr.
  const cmd = [HUSK, ...s.globals, '--log-level=debug', 'ps'].join(' ');
  const r = spawnSync('script', ['-qec', cmd, '/dev/null'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^INFO\[\d{4}\] husk filtering at log level debug\r?\n/);
  assert.match(r.stdout, /\nDEBU\[\d{4}\] Using graph root /);
});
