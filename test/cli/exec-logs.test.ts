// Talking to running containers: exec, logs, attach, start -a, top and the
// event log, on real containers.
import { after, afterEach, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { HUSK, Store, until } from '../helpers.ts';

const s = new Store();
let box = '';
before(() => {
  s.busybox();
  box = s.ok(['run', '-d', '--name', 'box', 'busybox', 'sleep', '1000']);
});
afterEach(() => {
  // Keep the shared `box` container; drop everything else a test made.
  for (const id of s.ok(['ps', '-a', '-q', '--no-trunc']).split('\n').filter(Boolean)) if (id !== box) s.husk(['rm', '-f', id]);
});
after(() => s.destroyWhenIdle());

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

test('exec: stdout, stderr and the exit code pass through', () => {
  const r = s.husk(['exec', 'box', 'sh', '-c', 'echo out; echo err >&2']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'out\n');
  assert.equal(r.stderr, 'err\n');
  assert.equal(s.husk(['exec', 'box', 'sh', '-c', 'exit 5']).code, 5);
  assert.equal(s.husk(['exec', 'box', 'false']).code, 1);
  // exec runs next to the main process, in the same pid namespace.
  assert.match(s.ok(['exec', 'box', 'ps']), /sleep 1000/);
});

test('exec -e, -u, -w', () => {
  assert.equal(s.ok(['exec', '-e', 'FOO=bar', '-e', 'BAZ=q x', 'box', 'sh', '-c', 'echo "$FOO|$BAZ|$container"']), 'bar|q x|husk');
  assert.equal(s.ok(['exec', '-u', 'tester', 'box', 'sh', '-c', 'echo $(id -u):$(id -g)']), '1000:1000');
  assert.equal(s.ok(['exec', '-u', '1234', 'box', 'id', '-u']), '1234');
  assert.equal(s.ok(['exec', 'box', 'id', '-u']), '0');
  assert.equal(s.ok(['exec', '-w', '/tmp', 'box', 'pwd']), '/tmp');
  assert.equal(s.ok(['exec', 'box', 'pwd']), '/');
});

test('exec -i passes stdin; without -i stdin is not connected', () => {
  const r = s.husk(['exec', '-i', 'box', 'sh', '-c', 'cat; echo done'], { input: 'line1\nline2\n' });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'line1\nline2\ndone\n');
  const n = s.husk(['exec', 'box', 'cat'], { input: 'ignored\n' });
  assert.equal(n.code, 0, n.stderr);
  assert.equal(n.stdout, '');
});

test('exec -d returns at once; the process keeps running in the container', async () => {
  const dir = s.ok(['inspect', '--format', '{{.GraphDriver.Data.MergedDir}}', 'box']);
  const t0 = Date.now();
  const r = s.husk(['exec', '-d', 'box', 'sh', '-c', 'sleep 2; touch /tmp/exec-d-flag']);
  const took = Date.now() - t0;
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, '');
  assert.ok(took < 1500, `exec -d returned without waiting for the 2s process (took ${took}ms)`);
  assert.ok(!existsSync(join(dir, 'tmp/exec-d-flag')), 'not done yet');
  await until(() => s.husk(['exec', 'box', 'test', '-f', '/tmp/exec-d-flag']).code === 0, 10_000, 200);
  assert.ok(existsSync(join(dir, 'tmp/exec-d-flag')), 'the detached process ran to completion');
});

test('exec of a missing command exits 127; exec in a stopped container exits 125', () => {
  const nf = s.husk(['exec', 'box', '/no/such/cmd']);
  assert.equal(nf.code, 127);
  assert.match(nf.stderr, /not found|no such file/i);
  const ni = s.husk(['exec', 'box', '/etc/passwd']);
  assert.equal(ni.code, 126);
  s.ok(['run', '--name', 'stopped', 'busybox', 'true']);
  const st = s.husk(['exec', 'stopped', 'echo', 'hi']);
  assert.equal(st.code, 125);
  assert.match(st.stderr, /running/);
  assert.equal(st.stdout, '');
  const unk = s.husk(['exec', 'nosuch', 'echo', 'hi']);
  assert.equal(unk.code, 125);
  assert.match(unk.stderr, /no such container/);
});

test('exec -t gives the process a terminal (under script)', () => {
  const cmd = [HUSK, ...s.globals, 'exec', '-t', 'box', 'sh', '-c', "'test -t 0 && test -t 1 && echo tty:$TERM; exit 3'"].join(' ');
  const r = spawnSync('script', ['-qec', cmd, '/dev/null'], { encoding: 'utf8', input: '', timeout: 30_000 });
  assert.equal(r.status, 3, r.stderr + r.stdout);
  assert.match(r.stdout, /tty:xterm/);
  // Without -t there is no terminal, even when husk itself has one.
  const noTty = [HUSK, ...s.globals, 'exec', 'box', 'sh', '-c', "'test -t 1 && echo tty || echo notty'"].join(' ');
  const r2 = spawnSync('script', ['-qec', noTty, '/dev/null'], { encoding: 'utf8', input: '', timeout: 30_000 });
  assert.match(r2.stdout, /notty/);
});

test('logs: both streams, --tail, -t, --since', () => {
  s.husk(['run', '--name', 'talker', 'busybox', 'sh', '-c', 'echo o1; echo e1 >&2; echo o2; echo o3']);
  const all = s.husk(['logs', 'talker']);
  assert.equal(all.code, 0, all.stderr);
  assert.equal(all.stdout, 'o1\no2\no3\n');
  assert.equal(all.stderr, 'e1\n');

  s.ok(['run', '--name', 'counter', 'busybox', 'sh', '-c', 'for i in 1 2 3 4 5; do echo line$i; done']);
  assert.equal(s.ok(['logs', '--tail', '2', 'counter']), 'line4\nline5');
  assert.equal(s.ok(['logs', '--tail', '0', 'counter']), '');
  assert.equal(s.ok(['logs', '--tail', '10', 'counter']).split('\n').length, 5);

  const ts = s.ok(['logs', '-t', 'counter']).split('\n');
  assert.equal(ts.length, 5);
  ts.forEach((l, i) => {
    const sp = l.indexOf(' ');
    assert.match(l.slice(0, sp), RFC3339, l);
    assert.equal(l.slice(sp + 1), `line${i + 1}`);
    assert.ok(Math.abs(Date.parse(l.slice(0, sp)) - Date.now()) < 120_000, 'a real, recent timestamp');
  });

  assert.equal(s.ok(['logs', '--since', '2999-01-01T00:00:00Z', 'counter']), '', 'nothing since a future time');
  assert.equal(s.ok(['logs', '--since', '2000-01-01T00:00:00Z', 'counter']).split('\n').length, 5);
  assert.equal(s.ok(['logs', '--until', '2000-01-01T00:00:00Z', 'counter']), '');
  assert.equal(s.husk(['logs', 'nosuch']).code, 125);
});

test('logs -f follows a container until it exits', () => {
  s.ok(['run', '-d', '--name', 'follow', 'busybox', 'sh', '-c', 'echo first; sleep 1; echo second; exit 0']);
  const t0 = Date.now();
  const r = s.husk(['logs', '-f', 'follow'], { timeout: 20_000 });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'first\nsecond\n');
  assert.ok(Date.now() - t0 < 15_000);
  assert.equal(s.ok(['inspect', '--format', '{{.State.Status}}', 'follow']), 'exited');
});

test('logs: partial records join per stream though stdout and stderr interleave; a last line without its newline is kept', () => {
  s.ok(['run', '--name', 'parts', 'busybox', 'sh', '-c', 'printf o1; sleep 0.3; printf e1 >&2; sleep 0.3; echo o2; sleep 0.3; echo e2 >&2; sleep 0.3; printf last']);
  // The records really interleave: stdout's open line, then stderr's, then stdout's end.
  const file = s.ok(['inspect', '--format', '{{.HostConfig.LogConfig.Path}}', 'parts']);
  const records = readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => l.split(' ').slice(1).join(' '));
  assert.deepEqual(records, ['stdout P o1', 'stderr P e1', 'stdout F o2', 'stderr F e2', 'stdout P last']);
  const r = s.husk(['logs', 'parts']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'o1o2\nlast\n');
  assert.equal(r.stderr, 'e1e2\n');
});

test('logs -f: a line begun before one read and ended after it comes out whole', () => {
  s.ok(['run', '-d', '--name', 'slowline', 'busybox', 'sh', '-c', 'printf ab; sleep 3; echo cd']);
  const r = s.husk(['logs', '-f', 'slowline'], { timeout: 30_000 });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'abcd\n');
});

test('logs -f: concurrent followers each see every line exactly once, in order', async () => {
  s.ok(['run', '-d', '--name', 'drip', 'busybox', 'sh', '-c', 'i=1; while [ $i -le 30 ]; do echo drip$i; i=$((i+1)); sleep 0.05; done']);
  const results = await Promise.all([1, 2, 3, 4, 5, 6].map(() => s.huskAsync(['logs', '-f', 'drip'])));
  const want = Array.from({ length: 30 }, (_, i) => `drip${i + 1}\n`).join('');
  for (const r of results) {
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, want);
  }
});

// The 3 s give attach time to connect on a loaded machine (1 s was missed under load).
test('attach to a running container prints its new output and exits with its code', () => {
  s.ok(['run', '-d', '--name', 'late', 'busybox', 'sh', '-c', 'sleep 3; echo late; echo late-err >&2; exit 6']);
  const r = s.husk(['attach', 'late'], { timeout: 20_000 });
  assert.equal(r.code, 6, r.stderr);
  assert.equal(r.stdout, 'late\n');
  assert.match(r.stderr, /late-err/);
  const again = s.husk(['attach', 'late']);
  assert.equal(again.code, 125, 'attaching to an exited container fails');
});

test('start -a prints the output and exits with the container code', () => {
  s.ok(['create', '--name', 'starta', 'busybox', 'sh', '-c', 'echo hello from start; echo oops >&2; exit 4']);
  const r = s.husk(['start', '-a', 'starta']);
  assert.equal(r.code, 4, r.stderr);
  assert.equal(r.stdout, 'hello from start\n');
  assert.equal(r.stderr, 'oops\n');
  assert.equal(s.ok(['inspect', '--format', '{{.State.Status}} {{.State.ExitCode}}', 'starta']), 'exited 4');
  // A second start -a runs it again.
  const r2 = s.husk(['start', '-a', 'starta']);
  assert.equal(r2.code, 4);
  assert.equal(r2.stdout, 'hello from start\n');
});

test('top lists the container processes with PID and COMMAND columns', () => {
  const pid = s.ok(['inspect', '--format', '{{.State.Pid}}', 'box']);
  const lines = s.ok(['top', 'box']).split('\n');
  const header = lines[0].split(/\s{2,}/);
  assert.ok(header.includes('PID'), lines[0]);
  assert.ok(header.includes('COMMAND'), lines[0]);
  const row = lines.slice(1).find((l) => /sleep 1000$/.test(l));
  assert.ok(row, `a row for sleep: ${lines.join('\n')}`);
  assert.ok(row.split(/\s+/).includes(pid), 'the PID column holds the host pid of the process');
  const custom = s.ok(['top', 'box', 'pid', 'args']).split('\n');
  assert.match(custom[0], /^PID\s+COMMAND$/);
  assert.match(custom[1], new RegExp(`^${pid}\\s+sleep 1000$`));
  s.ok(['create', '--name', 'notrunning', 'busybox', 'true']);
  assert.equal(s.husk(['top', 'notrunning']).code, 125);
});

test('events: create/start/died/remove for a run, --filter, --format json', () => {
  s.ok(['run', '--rm', '--name', 'evname', 'busybox', 'true']);
  const lines = s.ok(['events', '--stream=false']).split('\n').filter((l) => l.includes('name=evname'));
  for (const st of ['create', 'start', 'died', 'remove']) {
    assert.ok(lines.some((l) => new RegExp(` container ${st} [0-9a-f]{64} `).test(l)), `${st} event in:\n${lines.join('\n')}`);
  }
  const order = ['create', 'start', 'died', 'remove'].map((st) => lines.findIndex((l) => l.includes(` container ${st} `)));
  assert.deepEqual([...order].sort((a, b) => a - b), order, 'in order');
  assert.match(lines[0], /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}/);

  const starts = s.ok(['events', '--stream=false', '--filter', 'event=start']).split('\n').filter(Boolean);
  assert.ok(starts.length >= 2, 'box and evname started');
  for (const l of starts) assert.match(l, / container start /);
  assert.ok(starts.some((l) => l.includes('name=evname')));

  const byName = s.ok(['events', '--stream=false', '--filter', 'container=evname']).split('\n').filter(Boolean);
  assert.ok(byName.length >= 4);
  for (const l of byName) assert.match(l, /name=evname/);

  const json = s.ok(['events', '--stream=false', '--format', 'json']).split('\n').filter(Boolean).map((l) => JSON.parse(l));
  assert.ok(json.length >= 4);
  for (const ev of json) {
    assert.equal(typeof ev.Status, 'string');
    assert.equal(typeof ev.ID, 'string');
    assert.equal(typeof ev.Type, 'string');
  }
  const died = json.find((ev) => ev.Name === 'evname' && ev.Status === 'died');
  assert.ok(died);
  assert.equal(died.Type, 'container');
  assert.match(died.ID, /^[0-9a-f]{64}$/);
  assert.equal(died.ContainerExitCode, 0);
  assert.ok(json.some((ev) => ev.Type === 'image' && ev.Status === 'import'), 'the busybox import is an image event');

  const tpl = s.ok(['events', '--stream=false', '--filter', 'container=evname', '--format', '{{.Status}}']).split('\n');
  assert.deepEqual(tpl.filter((x) => ['create', 'start', 'died', 'remove'].includes(x)), ['create', 'start', 'died', 'remove']);
});

