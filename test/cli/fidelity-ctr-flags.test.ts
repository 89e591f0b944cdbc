// Container-command flags of Podman 4.3, each checked by its effect on real
// containers: kill/pause/unpause/restart --cidfile, --filter, restart
// --running, rm --filter, start --sig-proxy, stats --no-trunc, logs --color,
// ps --noheading/--size/--sync/--watch, container cleanup --all/--rm/--rmi/--exec.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { HUSK, Store, until } from '../helpers.ts';

const s = new Store();
before(() => s.busybox());
after(() => s.destroyWhenIdle());

const state = (n: string) => s.ok(['inspect', '--format', '{{.State.Status}}', n]);
const run = (name: string, ...extra: string[]) => s.ok(['run', '-d', '--network', 'none', '--name', name, ...extra, 'busybox', 'sleep', '1000']);
const fails = (args: string[], msg: string, code = 125) => {
  const r = s.husk(args);
  assert.deepEqual([r.code, r.stderr], [code, `Error: ${msg}\n`], args.join(' '));
};

test('kill/pause/unpause/restart --cidfile act on the container in the file; names with it are refused', () => {
  const id = run('cf1');
  run('cf2');
  const file = `${s.dir}/cid`;
  writeFileSync(file, `${id}\n`);
  assert.equal(s.ok(['pause', '--cidfile', file]), id);
  assert.deepEqual([state('cf1'), state('cf2')], ['paused', 'running']);
  assert.equal(s.ok(['unpause', '--cidfile', file]), id);
  assert.equal(state('cf1'), 'running');
  const pid = s.ok(['inspect', '--format', '{{.State.Pid}}', 'cf1']);
  assert.equal(s.ok(['restart', '-t', '0', '--cidfile', file]), id);
  assert.notEqual(s.ok(['inspect', '--format', '{{.State.Pid}}', 'cf1']), pid);
  assert.equal(s.ok(['kill', '--cidfile', file]), id);
  assert.deepEqual([state('cf1'), state('cf2')], ['exited', 'running']);
  fails(['kill', '--cidfile', file, 'cf2'], 'no arguments are needed with --latest or --cidfile');
  fails(['pause', '--cidfile', `${s.dir}/nope`], `reading CIDFile: open ${s.dir}/nope: no such file or directory`);
  s.ok(['rm', '-f', '-t', '0', 'cf1', 'cf2']);
});

test('pause/unpause/restart/rm --filter act on the matching containers only; names with a filter are refused', () => {
  const a = run('fa', '-l', 'grp=x');
  run('fb');
  assert.equal(s.ok(['pause', '--filter', 'label=grp=x']), a);
  assert.deepEqual([state('fa'), state('fb')], ['paused', 'running']);
  assert.equal(s.ok(['unpause', '-f', 'label=grp=x']), a);
  assert.equal(state('fa'), 'running');
  const pid = s.ok(['inspect', '--format', '{{.State.Pid}}', 'fb']);
  assert.equal(s.ok(['restart', '-t', '0', '--filter', 'name=^fa$']), a);
  assert.equal(s.ok(['inspect', '--format', '{{.State.Pid}}', 'fb']), pid, 'fb was not restarted');
  fails(['pause', '--filter', 'label=grp=x', 'fb'], '--filter takes no arguments');
  fails(['rm', '--filter', 'label=grp=x', 'fb'], '--filter takes no arguments');
  assert.equal(s.ok(['rm', '-f', '-t', '0', '--filter', 'label=grp=x']), a);
  assert.equal(s.ok(['ps', '-a', '--format', '{{.Names}}']), 'fb');
  s.ok(['rm', '-f', '-t', '0', 'fb']);
});

test('restart --running restarts every running container and no other, whatever is named', () => {
  run('rr1');
  s.ok(['create', '--network', 'none', '--name', 'rr2', 'busybox', 'true']);
  const pid = s.ok(['inspect', '--format', '{{.State.Pid}}', 'rr1']);
  fails(['restart', '--running'], 'you must provide at least one name or id');
  s.ok(['restart', '-t', '0', '--running', 'rr2']);
  assert.notEqual(s.ok(['inspect', '--format', '{{.State.Pid}}', 'rr1']), pid);
  assert.equal(state('rr2'), 'created');
  s.ok(['rm', '-f', '-t', '0', 'rr1', 'rr2']);
});

test('start --sig-proxy: refused without --attach; with it a signal reaches the process', async () => {
  s.ok(['create', '--network', 'none', '--name', 'sp', 'busybox', 'sh', '-c', 'trap "echo got-usr1; exit 3" USR1; echo ready; while :; do sleep 0.1; done']);
  fails(['start', '--sig-proxy', 'sp'], 'you cannot use sig-proxy without --attach: invalid argument');
  const child = spawn(HUSK, [...s.globals, 'start', '-a', '--sig-proxy', 'sp'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((r) => child.on('close', r));
  await until(() => out.includes('ready'), 20_000);
  child.kill('SIGUSR1');
  assert.equal(await exited, 3);
  assert.match(out, /got-usr1/);
  s.ok(['rm', 'sp']);
  // A word after the bare boolean flag is the image or container, not its value (run and attach too).
  assert.equal(s.ok(['run', '--rm', '--network', 'none', '--sig-proxy', 'busybox', 'echo', 'proxied']), 'proxied');
  assert.equal(s.ok(['run', '--rm', '--network', 'none', '--sig-proxy=false', 'busybox', 'echo', 'unproxied']), 'unproxied');
  s.ok(['run', '-d', '--network', 'none', '--name', 'spa', 'busybox', 'sh', '-c', 'sleep 2; echo attached']);
  assert.equal(s.ok(['attach', '--no-stdin', '--sig-proxy', 'spa']), 'attached');
  s.ok(['rm', 'spa']);
});

test('stats --no-trunc: full IDs; logs --color: each container in its own color', () => {
  const id = run('st1');
  assert.equal(s.ok(['stats', '--no-stream', '--no-trunc', '--format', '{{.ID}}', 'st1']), id);
  assert.equal(s.ok(['stats', '--no-stream', '--format', '{{.ID}}', 'st1']), id.slice(0, 12));
  s.ok(['run', '--network', 'none', '--name', 'lc1', 'busybox', 'echo', 'one']);
  s.ok(['run', '--network', 'none', '--name', 'lc2', 'busybox', 'echo', 'two']);
  assert.equal(s.husk(['logs', '--color', 'lc1', 'lc2']).stdout, '\x1b[31mlc1 one\x1b[0m\n\x1b[32mlc2 two\x1b[0m\n');
  assert.equal(s.husk(['container', 'logs', 'lc1', 'lc2']).stdout, 'lc1 one\nlc2 two\n');
  s.ok(['rm', '-f', '-t', '0', 'st1', 'lc1', 'lc2']);
});

test('ps --noheading, --sync, --size (grows with a file written in the container), --watch', async () => {
  const id = run('ps1');
  assert.equal(s.ok(['ps', '--noheading', '--format', 'table {{.Names}}']), 'ps1');
  assert.match(s.ok(['ps', '--noheading']), new RegExp(`^${id.slice(0, 12)} `));
  assert.equal(s.ok(['ps', '--sync', '--format', '{{.Names}}']), 'ps1');
  assert.match(s.ok(['ps', '--size']).split('\n')[0], /\s+NAMES\s+SIZE$/);
  const before = JSON.parse(s.ok(['ps', '--size', '--format', 'json']))[0].Size;
  s.ok(['exec', 'ps1', 'sh', '-c', 'head -c 3000000 /dev/zero > /big']);
  const grown = JSON.parse(s.ok(['ps', '--size', '--format', 'json']))[0].Size;
  assert.deepEqual(Object.keys(grown), ['rootFsSize', 'rwSize']);
  assert.ok(grown.rwSize >= before.rwSize + 3_000_000, `${before.rwSize} -> ${grown.rwSize}`);
  assert.ok(grown.rootFsSize > grown.rwSize, 'virtual size counts the image too');
  assert.match(s.ok(['ps', '-s', '--format', '{{.Size}}']), /^3(\.\d+)?MB \(virtual \d+(\.\d+)?MB\)$/);
  assert.equal(s.ok(['ps', '--format', '{{.Size}}']), '');
  fails(['ps', '--size', '--ns'], 'size and namespace options conflict');
  fails(['ps', '-w', '1', '-l'], 'the watch and latest flags cannot be used together');
  fails(['ps', '-w', 'x'], 'invalid argument "x" for "-w, --watch" flag: strconv.ParseUint: parsing "x": invalid syntax');
  // --watch 1: the table again each second until killed; -q prints once and exits.
  const child = spawn(HUSK, [...s.globals, 'ps', '--watch', '1', '--format', 'table {{.Names}}'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  const exited = new Promise<void>((r) => child.on('close', () => r()));
  await until(() => out.split('ps1\n').length > 3, 15_000);
  child.kill('SIGTERM');
  await exited;
  assert.match(out, /^(NAMES\nps1\n){3}/);
  assert.equal(s.husk(['ps', '-w', '1', '-q'], { timeout: 10_000 }).stdout, `${id.slice(0, 12)}\n`);
  s.ok(['rm', '-f', '-t', '0', 'ps1']);
});

test('container cleanup --all/--latest/--rm/--rmi/--exec', () => {
  const c1 = s.ok(['create', '--network', 'none', '--name', 'cl1', 'busybox', 'true']);
  const c2 = s.ok(['create', '--network', 'none', '--name', 'cl2', 'busybox', 'true']);
  s.ok(['start', '-a', 'cl1']);
  s.ok(['start', '-a', 'cl2']);
  assert.equal(s.ok(['container', 'cleanup', '-l']), c2);
  assert.deepEqual(s.ok(['container', 'cleanup', '--all']).split('\n').sort(), [c1, c2].sort());
  assert.equal(s.ok(['container', 'cleanup', '--rm', 'cl1']), c1);
  assert.equal(s.ok(['ps', '-a', '--format', '{{.Names}}']), 'cl2');
  fails(['container', 'cleanup', '--exec', 'x', '-a'], 'exec and all options conflict');
  fails(['container', 'cleanup', '--exec', 'x', 'a', 'b'], 'cannot use exec option when more than one container is given');
  // --exec --rm: the exec session's record goes.
  run('clx');
  const sess = s.ok(['exec', '-d', 'clx', 'true']);
  const execId = JSON.parse(s.ok(['container', 'inspect', 'clx']))[0].ExecIDs[0];
  assert.ok(execId, sess);
  s.ok(['container', 'cleanup', '--exec', execId, '--rm', 'clx']);
  assert.deepEqual(JSON.parse(s.ok(['container', 'inspect', 'clx']))[0].ExecIDs, []);
  s.ok(['rm', '-f', '-t', '0', 'clx', 'cl2']);
  // --rm --rmi: the container, then its image (under another name, re-imported after: no other container may use it).
  s.ok(['tag', 'busybox', 'localhost/cleanme']);
  const img = s.ok(['image', 'inspect', '--format', '{{.Id}}', 'localhost/cleanme']);
  s.ok(['rmi', 'busybox']); // only the other name goes
  s.ok(['run', '--network', 'none', '--name', 'cli', 'localhost/cleanme', 'true']);
  s.ok(['container', 'cleanup', '--rm', '--rmi', 'cli']);
  assert.equal(s.husk(['image', 'exists', img]).code, 1, 'image removed');
  assert.equal(s.husk(['container', 'exists', 'cli']).code, 1, 'container removed');
  s.busybox();
});

test('commit --squash: one layer with the image\'s files and the container\'s changes', () => {
  s.ok(['run', '--network', 'none', '--name', 'sq', 'busybox', 'sh', '-c', 'echo squashed > /added; rm /bin/true']);
  const layers = (img: string) => JSON.parse(s.ok(['image', 'inspect', img]))[0].RootFS.Layers.length;
  const base = layers('busybox');
  s.ok(['commit', '-q', 'sq', 'localhost/notsquashed']);
  assert.equal(layers('localhost/notsquashed'), base + 1);
  s.ok(['commit', '-q', '--squash', 'sq', 'localhost/squashed']);
  assert.equal(layers('localhost/squashed'), 1);
  // The stopped container was mounted for the read only.
  assert.equal(s.ok(['mount']), '');
  const out = s.ok(['run', '--rm', '--network', 'none', 'localhost/squashed', 'sh', '-c', 'cat /added; ls /bin/true 2>&1 || echo gone']);
  assert.match(out, /^squashed\n.*gone$/s);
  s.ok(['rm', 'sq']);
  s.ok(['rmi', 'localhost/squashed', 'localhost/notsquashed']);
});
