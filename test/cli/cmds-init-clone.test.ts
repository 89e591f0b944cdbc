// husk init (Podman's initialized state), container clone and pod clone,
// with real containers; Podman's docs (podman-init, podman-container-clone,
// podman-pod-clone) and generate.CheckName's clone names are the reference.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { Store, until } from '../helpers.ts';

const s = new Store();
before(() => s.busybox());
after(() => s.destroyWhenIdle());

const state = (ref: string) => s.ok(['inspect', '--format', '{{.State.Status}} {{.State.Pid}}', ref]).split(' ');

test('init: the container is runtime-created but its process has not run; start runs it', () => {
  s.ok(['create', '--name', 'i1', 'busybox', 'sh', '-c', 'echo started; sleep 100']);
  assert.equal(s.ok(['init', 'i1']), 'i1');
  const [status, pid] = state('i1');
  assert.equal(status, 'initialized');
  assert.ok(Number(pid) > 0, 'the runtime init process waits');
  // The runtime's process exists and waits; the command has not run (no output yet).
  assert.ok(existsSync(`/proc/${pid}`));
  assert.doesNotMatch(readFileSync(`/proc/${pid}/cmdline`, 'utf8'), /sleep/);
  assert.equal(s.ok(['logs', 'i1']), '');
  assert.equal(s.ok(['ps', '-a', '--filter', 'name=i1', '--format', '{{.Status}} {{.State}}']), 'Initialized initialized');
  assert.equal(s.ok(['ps', '-a', '--filter', 'status=initialized', '--format', '{{.Names}}']), 'i1');
  assert.equal(s.ok(['ps', '-a', '--filter', 'status=created', '--format', '{{.Names}}']), '', 'initialized is not created');
  // Podman: "has already been created in runtime", exit 125.
  const again = s.husk(['container', 'init', 'i1']);
  assert.equal(again.code, 125);
  assert.match(again.stderr, /^Error: container [0-9a-f]{64} has already been created in runtime: container state improper\n$/);
  assert.equal(s.ok(['start', 'i1']), 'i1');
  assert.equal(state('i1')[0], 'running');
  assert.equal(state('i1')[1], pid, 'start ran the initialized container, not a new one');
  assert.match(s.ok(['logs', 'i1']), /started/);
  assert.equal(s.husk(['init', 'i1']).code, 125, 'a running container cannot be initialized');
  s.ok(['rm', '-f', '-t', '0', 'i1']);
});

test('init: rm without -f and stop of an initialized container leave nothing behind', () => {
  s.ok(['create', '--name', 'i2', 'busybox', 'sleep', '100']);
  s.ok(['create', '--name', 'i3', 'busybox', 'sleep', '100']);
  s.ok(['init', 'i2']);
  s.ok(['init', 'i3']);
  const pid = Number(state('i2')[1]);
  assert.equal(s.ok(['rm', 'i2']), 'i2');
  assert.equal(s.husk(['container', 'exists', 'i2']).code, 1);
  assert.ok(!existsSync(`/proc/${pid}`) || !readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('init'), 'the runtime process is gone');
  s.ok(['stop', 'i3']);
  assert.equal(state('i3')[0], 'exited');
  // An exited container can be initialized again, then started.
  s.ok(['init', 'i3']);
  assert.equal(state('i3')[0], 'initialized');
  s.ok(['rm', 'i3']);
});

test('init --all initializes the created containers only; a missing one is 125', () => {
  s.ok(['create', '--name', 'a1', 'busybox', 'sleep', '100']);
  s.ok(['create', '--name', 'a2', 'busybox', 'sleep', '100']);
  s.ok(['init', 'a1']);
  const out = s.ok(['init', '--all']).split('\n');
  assert.equal(out.length, 1, 'only a2 was still just created');
  assert.equal(state('a2')[0], 'initialized');
  const r = s.husk(['init', 'nosuch']);
  assert.equal(r.code, 125);
  assert.match(r.stderr, /no container with name or ID "nosuch" found/);
  s.ok(['rm', 'a1', 'a2']);
});

test('container clone: -clone names, resource overrides, --run', () => {
  s.ok(['create', '--name', 'orig', '--pids-limit', '100', '-e', 'FOO=bar', 'busybox', 'sh', '-c', 'echo $FOO; sleep 100']);
  const id1 = s.ok(['container', 'clone', 'orig']);
  assert.match(id1, /^[0-9a-f]{64}$/);
  assert.equal(s.ok(['inspect', '--format', '{{.Name}}', id1]), 'orig-clone');
  const id2 = s.ok(['container', 'clone', 'orig']);
  assert.equal(s.ok(['inspect', '--format', '{{.Name}}', id2]), 'orig-clone1');
  // The spec carries over (env, command); resource flags replace the original's.
  const id3 = s.ok(['container', 'clone', '--pids-limit', '50', '--run', 'orig', 'copy']);
  assert.equal(s.ok(['inspect', '--format', '{{.Name}} {{.HostConfig.PidsLimit}} {{.State.Status}}', id3]), 'copy 50 running');
  assert.equal(s.ok(['inspect', '--format', '{{.HostConfig.PidsLimit}}', 'orig']), '100');
  await_logs('copy', /bar/);
  assert.equal(s.husk(['container', 'clone', 'nosuch']).code, 125);
});

function await_logs(ref: string, re: RegExp) {
  const end = Date.now() + 10_000;
  while (!re.test(s.ok(['logs', ref]))) if (Date.now() > end) assert.fail(`no ${re} in the logs of ${ref}`);
}

test('container clone --destroy: a running original needs -f (nothing is created without it)', async () => {
  s.ok(['start', 'orig']);
  const before = s.ok(['ps', '-aq']).split('\n').length;
  const r = s.husk(['container', 'clone', '--destroy', 'orig', 'gone']);
  assert.equal(r.code, 125);
  assert.match(r.stderr, /running or paused containers cannot be removed without force/);
  assert.equal(s.ok(['ps', '-aq']).split('\n').length, before, 'no copy was created');
  const id = s.ok(['container', 'clone', '--destroy', '-f', 'orig', 'moved']);
  assert.equal(s.husk(['container', 'exists', 'orig']).code, 1);
  assert.equal(s.ok(['inspect', '--format', '{{.Name}}', id]), 'moved');
  assert.equal(s.husk(['container', 'clone', '-f', 'moved']).code, 125, '--force only with --destroy');
  s.ok(['rm', '-af', '-t', '0']);
  await until(() => s.ok(['ps', '-aq']) === '');
});

test('pod clone: a new pod with a copy of each member; --destroy --start', () => {
  s.ok(['pod', 'create', '--name', 'p', '--label', 'k=v']);
  s.ok(['create', '--pod', 'p', '--name', 'web', 'busybox', 'sleep', '100']);
  const id = s.ok(['pod', 'clone', 'p']);
  assert.match(id, /^[0-9a-f]{64}$/);
  assert.equal(s.ok(['pod', 'inspect', '--format', '{{.Name}}', id]), 'p-clone');
  const members = s.ok(['ps', '-a', '--filter', `pod=${id}`, '--format', '{{.Names}} {{.IsInfra}}']).split('\n').sort();
  assert.equal(members.length, 2);
  assert.ok(members.includes('web-clone false'), members.join(';'));
  assert.equal(s.husk(['pod', 'exists', 'p']).code, 0, 'the original stays');
  const id2 = s.ok(['pod', 'clone', '--destroy', '--start', 'p', 'p2']);
  assert.equal(s.husk(['pod', 'exists', 'p']).code, 1, '--destroy removed the original');
  assert.equal(s.husk(['container', 'exists', 'web']).code, 1);
  assert.equal(s.ok(['pod', 'inspect', '--format', '{{.Name}} {{.State}}', id2]), 'p2 Running');
  assert.equal(s.ok(['pod', 'inspect', '--format', '{{index .Labels "k"}}', id2]), 'v');
  assert.equal(s.husk(['pod', 'clone', 'nosuch']).code, 125);
  s.ok(['pod', 'rm', '-af', '-t', '0']);
});
