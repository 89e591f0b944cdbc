// stop/start/ps/rm/run behaviours as Podman's system tests expect them
// (containers/podman test/system 030-run, 040-ps, 045-start, 050-stop, 055-rm).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Store, until } from '../helpers.ts';

const s = new Store();
before(() => s.busybox());
after(() => s.destroyWhenIdle());

const WARNING = /level=warning msg="StopSignal SIGTERM failed to stop container stopme in 1 seconds, resorting to SIGKILL"/;

test('stop: the SIGKILL warning on stderr, exit 137, --timeout as --time (050-stop.bats)', () => {
  s.ok(['run', '-d', '--name', 'stopme', 'busybox', 'sh', '-c', 'trap "" TERM; while :; do sleep 0.1; done']);
  const r = s.husk(['stop', '-t', '1', 'stopme']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'stopme\n');
  assert.match(r.stderr, WARNING);
  assert.equal(s.ok(['inspect', '--format', '{{.State.Status}} {{.State.ExitCode}}', 'stopme']), 'exited 137');
  // A container that handles the signal: no warning; --timeout is Podman's alias of --time.
  s.ok(['run', '-d', '--name', 'traps', 'busybox', 'sh', '-c', 'trap "exit 0" TERM; echo READY; while :; do sleep 0.1; done']);
  const clean = s.husk(['stop', '--timeout=5', 'traps']);
  assert.deepEqual([clean.code, clean.stdout, clean.stderr], [0, 'traps\n', '']);
  s.ok(['rm', 'stopme', 'traps']);
});

test('stop: the state is stopping while it waits; rm without -f refuses (050-stop.bats "unlock while waiting")', async () => {
  s.ok(['run', '-d', '--name', 'slow', 'busybox', 'sh', '-c', 'trap "echo ignoring TERM" TERM; echo READY; while :; do sleep 0.1; done']);
  await until(() => s.ok(['logs', 'slow']).includes('READY'));
  const stopping = s.huskAsync(['stop', '-t', '20', 'slow']);
  await until(() => s.ok(['logs', 'slow']).includes('ignoring TERM'));
  assert.equal(s.ok(['inspect', '--format', '{{.State.Status}}', 'slow']), 'stopping');
  assert.equal(s.ok(['ps', '--format', '{{.Names}} {{.Status}}']), 'slow Stopping');
  const rm = s.husk(['rm', 'slow']);
  assert.equal(rm.code, 2);
  assert.match(rm.stderr, /as it is stopping - running or paused containers cannot be removed without force: container state improper/);
  s.ok(['kill', 'slow']);
  assert.equal((await stopping).code, 0);
  assert.equal(s.ok(['inspect', '--format', '{{.State.Status}} {{.State.ExitCode}}', 'slow']), 'exited 137');
  s.ok(['rm', 'slow']);
});

test('stop --all/--filter/--ignore/--cidfile: IDs for selections, names as given (050-stop.bats)', () => {
  const a = s.ok(['run', '-d', '--name', 'sa', '-l', 'grp=x', 'busybox', 'sleep', '100']);
  s.ok(['run', '-d', '--name', 'sb', 'busybox', 'sleep', '100']);
  assert.equal(s.ok(['stop', '-t', '0', '--filter', 'label=grp=x']), a);
  assert.equal(s.ok(['ps', '--format', '{{.Names}}']), 'sb');
  const missing = s.husk(['stop', 'nosuch']);
  assert.deepEqual([missing.code, missing.stderr.trim()], [125, 'Error: no container with name or ID "nosuch" found: no such container']);
  assert.deepEqual(s.husk(['stop', '--ignore', 'nosuch']).stdout, '');
  const f = `${s.dir}/no-such-file`;
  const nocid = s.husk(['stop', `--cidfile=${f}`]);
  assert.deepEqual([nocid.code, nocid.stderr.trim()], [125, `Error: reading CIDFile: open ${f}: no such file or directory`]);
  assert.equal(s.husk(['stop', `--cidfile=${f}`, '--ignore']).code, 0);
  assert.match(s.ok(['stop', '-t', '0', '--all']), /^[0-9a-f]{64}$/);
  s.ok(['rm', '-a']);
});

test('start --filter: without names every match, with names the matching ones as given; a bad policy is 125 (045-start.bats)', () => {
  const c1 = s.ok(['create', '--name', 'c1', '--restart=always', 'busybox', 'true']);
  s.ok(['create', '--name', 'c2', '--restart=on-failure', 'busybox', 'true']);
  const c3 = s.ok(['create', '--name', 'c3', '--restart=always', 'busybox', 'true']);
  const out = s.ok(['start', '--filter', 'restart-policy=always']).split('\n').sort();
  assert.deepEqual(out, [c1, c3].sort());
  assert.equal(s.ok(['start', '--filter', 'restart-policy=on-failure', 'c2', 'c3']), 'c2');
  assert.equal(s.ok(['start', '--filter', 'restart-policy=none', '--all']), '');
  const bad = s.husk(['start', '--filter', 'restart-policy=fakepolicy', 'c1']);
  assert.deepEqual([bad.code, bad.stderr.trim()], [125, 'Error: fakepolicy invalid restart policy']);
  s.ok(['rm', '-f', 'c1', 'c2', 'c3']);
});

test('ps --sort, --external, --format {{.Label "k"}} (040-ps.bats)', () => {
  s.ok(['create', '--name', 'zeta', '-l', 'mylabel=z1', 'busybox', 'true']);
  s.ok(['create', '--name', 'alpha', '-l', 'mylabel=a1', 'busybox', 'true']);
  assert.equal(s.ok(['ps', '-a', '--sort', 'names', '--format', '{{.Names}}--{{ .Label "mylabel" }}']), 'alpha--a1\nzeta--z1');
  assert.equal(s.ok(['ps', '-a', '--sort', 'created', '--format', '{{.Names}}']), 'zeta\nalpha');
  // husk has no containers outside its own database: --external lists every container, as -a.
  assert.equal(s.ok(['ps', '--external', '--sort', 'names', '--format', '{{.Names}}']), 'alpha\nzeta');
  const json = JSON.parse(s.ok(['ps', '-a', '--format', 'json']));
  assert.deepEqual(json.map((c: { Labels: unknown }) => c.Labels).sort(), [{ mylabel: 'a1' }, { mylabel: 'z1' }]);
  assert.equal(s.husk(['ps', '--sort', 'bogus']).code, 125);
  s.ok(['rm', 'zeta', 'alpha']);
  // psReporter's Networks (joined with commas) and Restarts; JSON keeps the list.
  s.ok(['run', '-d', '--name', 'netps', 'busybox', 'sleep', '100']);
  assert.equal(s.ok(['ps', '--format', '{{.Names}} {{.Networks}} {{.Restarts}}']), 'netps podman 0');
  assert.deepEqual(JSON.parse(s.ok(['ps', '--format', 'json']))[0].Networks, ['podman']);
  s.ok(['rm', '-f', '-t', '0', 'netps']);
});

test('rm --depend; rm of a container others depend on: 125 (055-rm.bats)', () => {
  const base = s.ok(['create', 'busybox', 'true']);
  const dep = s.ok(['create', `--net=container:${base}`, 'busybox', 'true']);
  const r = s.husk(['rm', base]);
  assert.equal(r.code, 125);
  assert.equal(r.stderr.trim(), `Error: container ${base} has dependent containers which must be removed before it: ${dep}: container already exists`);
  assert.equal(s.ok(['rm', '--depend', base]), `${dep}\n${base}`);
  assert.equal(s.ok(['ps', '-aq']), '');
});

test('rm finds dependents by every kind of reference, and only those', () => {
  const base = s.ok(['create', '--name', 'depbase', 'busybox', 'true']);
  const deps = [
    s.ok(['create', '--requires', 'depbase', 'busybox', 'true']),
    s.ok(['create', '--pid', 'container:depbase', 'busybox', 'true']),
    s.ok(['create', '--ipc', `container:${base.slice(0, 12)}`, 'busybox', 'true']),
    s.ok(['create', '--uts', `container:${base}`, 'busybox', 'true']),
  ];
  // Text that looks like a reference but is not one.
  const other = s.ok(['create', '--name', 'notadep', '-e', 'X="container:depbase"', 'busybox', 'echo', 'container:depbase', '"requires":["depbase"]']);
  const r = s.husk(['rm', base]);
  assert.equal(r.code, 125);
  assert.equal(r.stderr.trim(), `Error: container ${base} has dependent containers which must be removed before it: ${deps.join(', ')}: container already exists`);
  assert.deepEqual(s.ok(['rm', '--depend', base]).split('\n').sort(), [...deps, base].sort());
  assert.equal(s.ok(['ps', '-aq', '--no-trunc']), other);
  s.ok(['rm', other]);
});

test('run -w DIR that exists neither in the image nor under a mount: 126; under a mount it runs (030-run.bats "check workdir")', () => {
  const r = s.husk(['run', '--rm', '--workdir', '/i/do/not/exist', 'busybox', 'pwd']);
  assert.equal(r.code, 126);
  assert.match(r.stderr, /^Error: workdir "\/i\/do\/not\/exist" does not exist on container [0-9a-f]{64}\n$/);
  assert.equal(s.ok(['run', '--rm', '--workdir', '/IamNotOnTheImage', '-v', `${s.dir}:/IamNotOnTheImage`, 'busybox', 'pwd']), '/IamNotOnTheImage');
  assert.equal(s.ok(['ps', '-aq']), '');
});

test('run -it without a terminal: Podman\'s warning, and the container runs', () => {
  const r = s.husk(['run', '--rm', '-it', 'busybox', 'echo', 'hi']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /level=warning msg="The input device is not a TTY. The --tty and --interactive flags might not work properly"/);
  assert.match(r.stdout, /hi/);
});

test('restart -t 1 of a container that ignores SIGTERM: the same warning (045-start.bats)', () => {
  s.ok(['run', '-d', '--name', 'stopme', 'busybox', 'sh', '-c', 'trap "" TERM; while :; do sleep 0.1; done']);
  const r = s.husk(['restart', '-t', '1', 'stopme']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, WARNING);
  assert.equal(s.ok(['inspect', '--format', '{{.State.Status}}', 'stopme']), 'running');
  s.ok(['rm', '-f', '-t', '0', 'stopme']);
});
