// -l/--latest on every container command that has it in Podman 4.3: it acts
// on the most recently created container and not on an older one; Podman's
// usage errors (cmd/podman/validate) and its "no such container".
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Store, until } from '../helpers.ts';

const s = new Store();
before(() => s.busybox());
after(() => s.destroyWhenIdle());

const state = (n: string) => s.ok(['inspect', '--format', '{{.State.Status}}', n]);

test('--latest with no container: Podman\'s errors and exit codes', () => {
  const cases: [string[], string, number?][] = [
    [['kill', '-l'], 'no such container'],
    [['attach', '-l'], 'no such container'],
    [['diff', '-l'], 'unable to get latest container: no such container'],
    [['container', 'diff', '-l'], 'unable to get latest container: no such container'],
    [['exec', '-l', 'true'], 'no such container'],
    [['container', 'inspect', '-l'], 'inspecting object: no containers to inspect: no such container'],
    [['inspect', '-l'], 'inspecting object: no containers to inspect: no such container'],
    [['mount', '-l'], 'no such container'],
    [['pause', '-l'], 'no such container'],
    [['unpause', '-l'], 'no such container'],
    [['port', '-l'], 'no such container'],
    [['restart', '-l'], 'no such container'],
    [['rm', '-l'], 'no such container', 1],
    [['start', '-l'], 'no such container'],
    [['stats', '-l', '--no-stream'], 'unable to get list of containers: no such container'],
    [['top', '-l'], 'unable to look up requested container: no such container'],
    [['unmount', '-l'], 'no such container'],
    [['wait', '-l'], 'no such container'],
    [['stop', '-l'], 'no such container'],
    [['logs', '-l'], 'no such container'],
    [['network', 'reload', '-l'], 'no such container'],
    [['container', 'cleanup', '-l'], 'no such container'],
  ];
  for (const [args, msg, code = 125] of cases) {
    const r = s.husk(args);
    assert.equal(r.code, code, `${args.join(' ')}: ${r.stderr}`);
    assert.equal(r.stderr.trim().split('\n').pop(), `Error: ${msg}`, args.join(' '));
  }
  // inspect prints its empty list before the error, as Podman's.
  assert.equal(s.husk(['inspect', '-l']).stdout, '[]\n');
});

test('--latest with names, --all or --cidfile: Podman\'s usage errors (125)', () => {
  const cases: [string[], string][] = [
    [['kill', '-l', 'x'], '--latest and containers cannot be used together'],
    [['kill', '-a', '-l'], '--all and --latest cannot be used together'],
    [['kill', '--cidfile', '/nonexistent', '-l'], '--all, --latest, and --cidfile cannot be used together'],
    [['kill', '-a', 'x'], 'no arguments are needed with --all'],
    [['kill', '--cidfile', '/nonexistent', 'x'], 'no arguments are needed with --latest or --cidfile'],
    [['kill'], 'you must provide at least one name or id'],
    [['attach', '-l', 'x'], '--latest and containers cannot be used together'],
    [['attach'], '"husk attach" requires a name, id, or the "--latest" flag'],
    [['diff', '-l', 'x'], '--latest and containers cannot be used together'],
    [['container', 'diff'], '"husk container diff" requires a name, id, or the "--latest" flag'],
    [['wait'], '"husk wait" requires a name, id, or the "--latest" flag'],
    [['wait', '-l', 'x'], '--latest and containers cannot be used together'],
    [['exec'], 'exec requires the name or ID of a container or the --latest flag'],
    [['inspect', '-l', 'x'], '--latest and arguments cannot be used together'],
    [['inspect', '-l', '--type', 'image'], 'latest is not supported for type "image"'],
    [['container', 'inspect', '-l', 'x'], '--latest and arguments cannot be used together'],
    [['mount', '-a', '-l'], '--all and --latest cannot be used together'],
    [['mount', '-l', 'x'], '--latest and containers cannot be used together'],
    [['unmount'], 'you must provide at least one name or id'],
    [['pause', '-l', 'x'], '--latest and containers cannot be used together'],
    [['port', '-a', '-l'], '--all and --latest cannot be used together'],
    [['port', '-a', 'x'], 'no arguments are needed with --all'],
    [['port'], 'you must supply a running container name or id'],
    [['restart', '-l', 'x'], '--latest and containers cannot be used together'],
    [['rm', '-a', '-l'], '--all and --latest cannot be used together'],
    [['start', '-l', 'x'], '--latest and containers cannot be used together'],
    [['start', '--all', '-l'], '--all and --latest cannot be used together'],
    [['stats', '-a', '-l'], '--all, --latest and containers cannot be used together'],
    [['stats', '-l', 'x'], '--all, --latest and containers cannot be used together'],
    [['top'], 'you must provide the name or id of a running container'],
    [['unmount', '-l', 'x'], '--latest and containers cannot be used together'],
    [['unpause', '-a', '-l'], '--all and --latest cannot be used together'],
    [['logs', '-l', 'x'], '--latest and containers cannot be used together'],
    [['logs'], 'specify at least one container name or ID to log'],
    [['network', 'reload', '-a', '-l'], '--all and --latest cannot be used together'],
    [['network', 'reload', '-l', 'x'], '--latest and containers cannot be used together'],
    [['container', 'cleanup', '-a', 'x'], 'no arguments are needed with --all'],
    [['init', '-a', '-l'], '--all and --latest cannot be used together'],
  ];
  for (const [args, msg] of cases) {
    const r = s.husk(args);
    assert.deepEqual([r.code, r.stderr], [125, `Error: ${msg}\n`], args.join(' '));
  }
});

test('kill/pause/unpause/restart/stop/start -l act on the newest container only', async () => {
  const old = s.ok(['run', '-d', '--network', 'none', '--name', 'lold', 'busybox', 'sleep', '1000']);
  const young = s.ok(['run', '-d', '--network', 'none', '--name', 'lnew', 'busybox', 'sleep', '1000']);
  assert.equal(s.ok(['pause', '-l']), young);
  assert.deepEqual([state('lnew'), state('lold')], ['paused', 'running']);
  assert.equal(s.ok(['unpause', '-l']), young);
  assert.equal(state('lnew'), 'running');
  const pid = s.ok(['inspect', '--format', '{{.State.Pid}}', 'lnew']);
  assert.equal(s.ok(['restart', '-t', '0', '-l']), young);
  assert.equal(state('lnew'), 'running');
  assert.notEqual(s.ok(['inspect', '--format', '{{.State.Pid}}', 'lnew']), pid, 'a new process after restart');
  assert.equal(s.ok(['kill', '-l']), young);
  await until(() => state('lnew') === 'exited');
  assert.equal(state('lold'), 'running');
  assert.equal(s.ok(['start', '-l']), young);
  assert.equal(state('lnew'), 'running');
  assert.equal(s.ok(['container', 'stop', '-t', '0', '-l']), young);
  assert.deepEqual([state('lnew'), state('lold')], ['exited', 'running']);
  s.ok(['rm', '-f', '-t', '0', old, young]);
});

test('exec, top, port, inspect, wait, logs, diff, mount/unmount, stats, attach -l use the newest container', async () => {
  s.ok(['run', '-d', '--network', 'none', '--name', 'xold', 'busybox', 'sleep', '1000']);
  const young = s.ok(['run', '-d', '--name', 'xnew', '-p', '18080:80', 'busybox', 'sh', '-c', 'echo hello-latest; touch /made-here; sleep 1000']);
  await until(() => s.ok(['logs', 'xnew']).includes('hello-latest'));
  // exec -l: every argument is the command.
  assert.equal(s.ok(['exec', '-l', 'cat', '/etc/hostname']), s.ok(['exec', 'xnew', 'cat', '/etc/hostname']));
  const noCmd = s.husk(['exec', '-l']);
  assert.deepEqual([noCmd.code, noCmd.stderr], [255, 'Error: must provide a non-empty command to start an exec session: invalid argument\n']);
  // top -l: every argument is a descriptor.
  assert.match(s.ok(['top', '-l', 'args']), /^COMMAND\n.*sleep 1000/s);
  assert.equal(s.ok(['port', '-l']), '80/tcp -> 0.0.0.0:18080');
  assert.equal(s.ok(['port', '-l', '80']), '0.0.0.0:18080');
  assert.equal(s.ok(['inspect', '-l', '--format', '{{.Name}}']), 'xnew');
  assert.equal(s.ok(['container', 'inspect', '-l', '--format', '{{.Name}}']), 'xnew');
  assert.equal(s.ok(['logs', '-l']), 'hello-latest');
  assert.match(s.ok(['diff', '-l']), /^A \/made-here$/m);
  assert.match(s.ok(['container', 'diff', '-l']), /^A \/made-here$/m);
  const stats = s.ok(['stats', '-l', '--no-stream', '--format', '{{.Name}}']);
  assert.equal(stats, 'xnew');
  s.ok(['stop', '-t', '0', 'xnew']);
  // mount -l / unmount -l on the stopped newest container: its rootfs appears and goes.
  const mp = s.ok(['mount', '-l']);
  assert.ok(s.ok(['mount']).includes(young.slice(0, 12)));
  assert.equal(s.ok(['unmount', '-l']), young);
  assert.ok(!s.ok(['mount']).includes(mp));
  // wait -l: the newest one's exit code (137 after the stop's SIGKILL).
  assert.equal(s.ok(['wait', '-l']), '137');
  // attach -l: the output of the newest container once it runs again.
  s.ok(['create', '--network', 'none', '--name', 'xatt', 'busybox', 'sh', '-c', 'sleep 1; echo attached-output']);
  s.ok(['start', 'xatt']);
  const att = s.husk(['attach', '--no-stdin', '-l']);
  assert.equal(att.code, 0, att.stderr);
  assert.match(att.stdout, /attached-output/);
  s.ok(['rm', '-f', '-t', '0', 'xold', 'xnew', 'xatt']);
});

test('rm -l removes the newest container only; network reload -l reloads it', () => {
  s.ok(['create', '--network', 'none', '--name', 'rold', 'busybox', 'true']);
  const net = s.ok(['run', '-d', '--name', 'rnet', 'busybox', 'sleep', '1000']);
  assert.equal(s.ok(['network', 'reload', '-l']), net);
  assert.equal(s.ok(['rm', '-f', '-t', '0', '-l']), net);
  assert.equal(s.ok(['ps', '-a', '--format', '{{.Names}}']), 'rold');
  s.ok(['rm', 'rold']);
});
