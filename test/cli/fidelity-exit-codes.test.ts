// Exit codes and messages as Podman's system tests expect them (containers/podman test/system).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Store } from '../helpers.ts';

const s = new Store();
before(() => s.busybox());
after(() => s.destroyWhenIdle());

test('rm: 2 for a running container without -f, 1 for a missing one, the name as given (055-rm.bats)', () => {
  const id = s.ok(['run', '-d', '--name', 'busy', 'busybox', 'sleep', '100']);
  const r = s.husk(['rm', 'busy']);
  assert.equal(r.code, 2, r.stderr);
  assert.equal(r.stderr.trim(), `Error: cannot remove container ${id} as it is running - running or paused containers cannot be removed without force: container state improper`);
  const missing = s.husk(['container', 'rm', 'bogus']);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /^Error: no container with name or ID "bogus" found: no such container/);
  s.ok(['create', '--name', 'idle', 'busybox', 'true']);
  assert.equal(s.ok(['rm', '-t', '0', '-f', 'busy']), 'busy');
  // "podman container rm --force bogus": nothing printed, exit 0; the other names are removed.
  const forced = s.husk(['container', 'rm', '--force', 'bogus', 'idle']);
  assert.deepEqual([forced.code, forced.stdout, forced.stderr], [0, 'idle\n', '']);
});

test('rmi -f, image rm --force, volume rm --force, pod rm -f of a missing name: exit 0, nothing printed', () => {
  for (const args of [['rmi', '-f', 'bogus'], ['image', 'rm', '--force', 'bogus'], ['volume', 'rm', '--force', 'bogus'], ['pod', 'rm', '-f', 'bogus']]) {
    const r = s.husk(args);
    assert.deepEqual([r.code, r.stdout, r.stderr], [0, '', ''], args.join(' '));
  }
  // Without force: 1 (no such object), as Podman's rm commands (200-pod.bats "pod rm --force bogus").
  for (const args of [['rmi', 'bogus'], ['volume', 'rm', 'bogus'], ['pod', 'rm', 'bogus']]) assert.equal(s.husk(args).code, 1, args.join(' '));
});

test('pod kill of a missing pod: 125 (only pod rm has exit codes 1 and 2)', () => {
  const r = s.husk(['pod', 'kill', 'bogus']);
  assert.equal(r.code, 125);
  assert.match(r.stderr, /bogus.*no such pod/);
});

test('--log-level: a bad level exits 1 with Podman\'s message; every logrus level is accepted (001-basic.bats)', () => {
  const r = s.husk(['--log-level=telepathic', 'info']);
  assert.equal(r.code, 1);
  // Podman prints it bare, without "Error: " (its is() anchors the pattern at the start).
  assert.match(r.stderr, /^Log Level "telepathic" is not supported, choose from: trace, debug, info, warn, warning, error, fatal, panic\n$/);
  for (const l of ['trace', 'debug', 'info', 'warn', 'warning', 'error', 'fatal', 'panic']) assert.equal(s.husk([`--log-level=${l}`, 'ps']).code, 0, l);
});

test('start --all with names: 125 (045-start.bats "incompatible options")', () => {
  const r = s.husk(['start', '--all', '12333']);
  assert.equal(r.code, 125);
  assert.equal(r.stderr.trim(), 'Error: either start all containers or the container(s) provided in the arguments');
});

test('kill -s: numbers, names with or without SIG or a dash; Podman\'s invalid-signal errors (130-kill.bats)', () => {
  s.ok(['run', '-d', '--name', 'trap', 'busybox', 'sh', '-c',
    'for i in 1 2 10 12; do trap "echo got: $i" $i; done; echo READY; while ! test -e /stop; do sleep 0.05; done']);
  // Each signal is sent only once the previous one was handled (and the traps are set: READY).
  const logged = (n: number) => { const l = s.ok(['logs', 'trap']); return l.includes('READY') && l.split('\n').filter((x) => x.startsWith('got:')).length >= n; };
  const wait = (n: number) => { const end = Date.now() + 10_000; while (!logged(n) && Date.now() < end) spawnSleep(); };
  wait(0);
  const sent: [string, string][] = [['1', '1'], ['-INT', '2'], ['SIGUSR1', '10'], ['-SIGUSR2', '12'], ['HUP', '1']];
  for (const [i, [sig]] of sent.entries()) {
    assert.equal(s.ok(['kill', '-s', sig, 'trap']), 'trap', sig);
    wait(i + 1);
  }
  const got = s.ok(['logs', 'trap']).split('\n').filter((l) => l.startsWith('got:'));
  assert.deepEqual(got, sent.map(([, n]) => `got: ${n}`));
  s.ok(['exec', 'trap', 'touch', '/stop']);

  for (const bad of ['0', 'SIGBADSIG', 'SIG', 'BADSIG', '%%', '!']) {
    for (const cmd of [['kill'], ['pod', 'kill']]) {
      const r = s.husk([...cmd, '-s', bad, 'nosuch']);
      assert.deepEqual([r.code, r.stderr.trim()], [125, `Error: invalid signal: ${bad}`], `${cmd} -s ${bad}`);
    }
  }
  for (const bad of ['-0', '-SIGBADSIG', '-SIG', '-BADSIG']) {
    const r = s.husk(['kill', '-s', bad, 'nosuch']);
    assert.deepEqual([r.code, r.stderr.trim()], [125, `Error: invalid signal: ${bad.slice(1)}`], bad);
  }
  for (const bad of ['65', '-65', '96', '999', '99999999']) {
    const r = s.husk(['kill', '-s', bad, 'nosuch']);
    assert.deepEqual([r.code, r.stderr.trim()], [125, 'Error: valid signals are 1 through 64'], bad);
  }
  const c = s.husk(['create', '--stop-signal=99', 'busybox']);
  assert.deepEqual([c.code, c.stderr.trim()], [125, 'Error: valid signals are 1 through 64']);
});

function spawnSleep(): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
}

test('--network container:X: no --add-host (specgen), no --dns/--dns-search/--dns-option (CLI); nor DNS with --network none: 125, nothing created (run_networking_test)', () => {
  s.ok(['run', '-d', '--name', 'netowner', 'busybox', 'sleep', '1000']);
  const before = s.ok(['ps', '-a', '--no-trunc', '--format', '{{.ID}}']);
  for (const [args, msg] of [
    [['--network', 'container:netowner', '--add-host', 'db:1.2.3.4'], 'invalid config provided: cannot set extra host entries when the container is joined to another containers network namespace: invalid configuration'],
    [['--network', 'container:netowner', '--dns', '1.1.1.1'], 'conflicting options: dns and the network mode: container'],
    [['--network', 'container:netowner', '--dns-search', 'example.com'], 'conflicting options: dns and the network mode: container'],
    [['--network', 'container:netowner', '--dns-option', 'ndots:2'], 'conflicting options: dns and the network mode: container'],
    [['--network', 'none', '--dns-opt', 'ndots:2'], 'conflicting options: dns and the network mode: none'],
  ] as const) {
    for (const cmd of ['run', 'create']) {
      const r = s.husk([cmd, ...args, 'busybox', 'true']);
      assert.deepEqual([r.code, r.stderr], [125, `Error: ${msg}\n`], `${cmd} ${args.join(' ')}`);
    }
  }
  assert.equal(s.ok(['ps', '-a', '--no-trunc', '--format', '{{.ID}}']), before);
  // Without them, the joiner is created and shares the owner's network.
  s.ok(['run', '--rm', '--network', 'container:netowner', 'busybox', 'true']);
  // --dns-option on a container with its own network: one options line, the host's replaced.
  const resolv = s.ok(['run', '--rm', '--dns-option', 'ndots:3', '--dns-option', 'rotate', 'busybox', 'cat', '/etc/resolv.conf']);
  assert.equal(resolv.split('\n').filter((l) => /^options\b/.test(l)).join('\n'), 'options ndots:3 rotate');
  s.ok(['rm', '-f', '-t', '0', 'netowner']);
});
