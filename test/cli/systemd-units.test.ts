// `generate systemd`, `quadlet --dryrun` and the contrib units against the
// real systemd-analyze verify; the Exec lines of generated units run by
// hand against this test's store start and remove the container.
import { after, afterEach, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HUSK, REPO, Store } from '../helpers.ts';
import { splitWords } from '../../src/systemd/quadlet/split.ts';
import { HAVE_VERIFY, verifyUnits } from '../systemd/verify.ts';

const s = new Store();
before(() => s.busybox());
afterEach(() => { s.husk(['pod', 'rm', '-af']); s.husk(['rm', '-af']); });
after(() => s.destroyWhenIdle());

// Exec lines point at the repo's launcher so verify finds an executable.
const env = { HUSK_SYSTEMD_EXECUTABLE: HUSK };

/** The --files run in a fresh directory: the printed paths and their units. */
function generateFiles(args: string[]): { fileName: string; text: string }[] {
  const dir = mkdtempSync(join(s.dir, 'units-'));
  const r = spawnSync(HUSK, [...s.globals, 'generate', 'systemd', '--files', ...args], { cwd: dir, encoding: 'utf8', env: { ...process.env, ...env } });
  assert.equal(r.status, 0, r.stderr);
  const paths = r.stdout.trim().split('\n');
  for (const p of paths) assert.ok(p.startsWith(dir + '/'), p);
  return paths.map((p) => ({ fileName: p.slice(dir.length + 1), text: readFileSync(p, 'utf8') }));
}

/** One Exec line's argv, continuations joined, systemd's %t/%n filled in for a hand run. */
function execLine(text: string, key: string, subst: Record<string, string>): string[] {
  const joined = text.replace(/\\\n\s*/g, ' ');
  const line = joined.split('\n').find((l) => l.startsWith(`${key}=`));
  assert.ok(line, `${key} in\n${text}`);
  const value = line.slice(key.length + 1).replace(/^-/, '').replace(/%([%tn])/g, (_m, c: string) => (c === '%' ? '%' : subst[c]));
  return splitWords(value);
}

/** Every line of that key (a pod unit has two ExecStartPre lines), in order. */
function execLines(text: string, key: string, subst: Record<string, string>): string[][] {
  const joined = text.replace(/\\\n\s*/g, ' ');
  return joined.split('\n').filter((l) => l.startsWith(`${key}=`))
    .map((l) => splitWords(l.slice(key.length + 1).replace(/^-/, '').replace(/%([%tn])/g, (_m, c: string) => (c === '%' ? '%' : subst[c]))));
}

function runLine(argv: string[]): string {
  const r = spawnSync(argv[0], argv.slice(1), { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, `${argv.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

test('generate systemd --new --files for a container: verifies; ExecStart/ExecStop run by hand start and remove it', { skip: !HAVE_VERIFY }, () => {
  s.ok(['create', '--name', 'web', 'busybox', 'sleep', '1000']);
  const units = generateFiles(['--new', '--name', 'web']);
  assert.deepEqual(units.map((u) => u.fileName), ['container-web.service']);
  assert.deepEqual(verifyUnits(units), []);
  const rt = mkdtempSync(join(s.dir, 'rt-'));
  const subst = { t: rt, n: 'container-web.service' };
  const text = units[0].text;
  runLine(execLine(text, 'ExecStartPre', subst));
  runLine(execLine(text, 'ExecStart', subst));
  const id = readFileSync(join(rt, 'container-web.service.ctr-id'), 'utf8').trim();
  assert.equal(s.ok(['inspect', '--format', '{{.State.Status}} {{.Id}}', 'web']), `running ${id}`);
  runLine(execLine(text, 'ExecStop', subst));
  runLine(execLine(text, 'ExecStopPost', subst));
  assert.equal(s.husk(['container', 'exists', 'web']).code, 1);
});

test('generate systemd --new --files for a pod: the Exec lines run by hand create, start, stop and remove pod and member; --exit-policy=stop ends the pod', { skip: !HAVE_VERIFY }, async () => {
  s.ok(['pod', 'create', '--name', 'p2']);
  s.ok(['create', '--pod', 'p2', '--name', 'm2', '--stop-timeout', '1', 'busybox', 'sleep', '1000']);
  const units = generateFiles(['--new', '--name', 'p2']);
  assert.deepEqual(verifyUnits(units), []);
  const pod = units.find((u) => u.fileName === 'pod-p2.service')!.text;
  const member = units.find((u) => u.fileName === 'container-m2.service')!.text;
  const rt = mkdtempSync(join(s.dir, 'rt-'));
  const podSubst = { t: rt, n: 'pod-p2.service' };
  const memberSubst = { t: rt, n: 'container-m2.service' };
  // systemd's order: the pod unit (Before= its members), then the member.
  for (const l of execLines(pod, 'ExecStartPre', podSubst)) runLine(l);
  const podId = readFileSync(join(rt, 'pod-p2.pod-id'), 'utf8').trim();
  assert.equal(s.ok(['pod', 'inspect', '--format', '{{.Id}} {{.ExitPolicy}}', 'p2']), `${podId} stop`, '--replace made a new pod');
  for (const l of execLines(pod, 'ExecStart', podSubst)) runLine(l);
  const infraConmon = s.ok(['inspect', '--format', '{{.State.ConmonPid}}', s.ok(['pod', 'inspect', '--format', '{{.InfraContainerID}}', 'p2'])]);
  assert.equal(readFileSync(join(rt, 'pod-p2.pid'), 'utf8').trim(), infraConmon, 'PIDFile= is the infra conmon');
  for (const key of ['ExecStartPre', 'ExecStart']) for (const l of execLines(member, key, memberSubst)) runLine(l);
  assert.equal(s.ok(['ps', '--filter', 'pod=p2', '--format', '{{.Names}} {{.State}}']).split('\n').find((l) => l.startsWith('m2')), 'm2 running');
  // The member's unit stops: the pod was the member's only reason to run (--exit-policy=stop).
  for (const key of ['ExecStop', 'ExecStopPost']) for (const l of execLines(member, key, memberSubst)) runLine(l);
  assert.equal(s.husk(['container', 'exists', 'm2']).code, 1);
  const deadline = Date.now() + 30_000;
  while (s.ok(['pod', 'inspect', '--format', '{{.State}}', 'p2']) !== 'Exited' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
  assert.equal(s.ok(['pod', 'inspect', '--format', '{{.State}}', 'p2']), 'Exited');
  for (const key of ['ExecStop', 'ExecStopPost']) for (const l of execLines(pod, key, podSubst)) runLine(l);
  assert.equal(s.husk(['pod', 'exists', 'p2']).code, 1);
  // Run again (as systemd would on a second stop): the ID file names a removed pod, --ignore makes that nothing.
  for (const l of execLines(pod, 'ExecStopPost', podSubst)) runLine(l);
});

test('generate systemd for a pod (with and without --new) and a plain container: every unit verifies', { skip: !HAVE_VERIFY }, () => {
  s.ok(['pod', 'create', '--name', 'p1']);
  s.ok(['create', '--pod', 'p1', '--name', 'm1', 'busybox', 'sleep', '1000']);
  const pod = generateFiles(['--name', 'p1']);
  assert.deepEqual(pod.map((u) => u.fileName).sort(), ['container-m1.service', 'pod-p1.service']);
  assert.deepEqual(verifyUnits(pod), []);
  const podNew = generateFiles(['--new', '--name', 'p1']);
  assert.deepEqual(verifyUnits(podNew), []);
  assert.deepEqual(verifyUnits(generateFiles(['--restart-policy=always', '--restart-sec=3', '-t', '5', 'm1'])), []);
  const r = s.husk(['generate', 'systemd', '--format', 'json', '--name', 'm1'], { env });
  assert.equal(r.code, 0, r.stderr);
  assert.match(JSON.parse(r.stdout)['container-m1'], /ExecStart=.* start m1/);
  assert.match(s.husk(['generate', 'systemd', 'nosuch']).stderr, /nosuch does not refer to a container or pod/);
  assert.match(s.husk(['generate', 'systemd', '--restart-policy=bogus', 'm1']).stderr, /bogus is not a valid restart policy/);
});

test('quadlet --dryrun DIR prints a unit for a .container file that verifies; the generator script writes it', { skip: !HAVE_VERIFY }, () => {
  const dir = join(s.dir, 'quadlet');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'web.container'), '[Container]\nImage=busybox\nExec=sleep 1000\n\n[Install]\nWantedBy=default.target\n');
  const r = s.husk(['quadlet', '--dryrun', dir], { env });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^---web\.service---\n/);
  const text = r.stdout.replace(/^---web\.service---\n/, '');
  assert.match(text, /ExecStart=.* run --name systemd-%N --replace --rm .* busybox sleep 1000/);
  assert.deepEqual(verifyUnits([{ fileName: 'web.service', text }]), []);
  const out = join(s.dir, 'gen-out');
  const g = spawnSync(join(REPO, 'bin/husk-quadlet-generator'), [out, out, out], { encoding: 'utf8', env: { ...process.env, ...env, QUADLET_UNIT_DIRS: dir } });
  assert.equal(g.status, 0, g.stderr);
  assert.equal(readFileSync(join(out, 'web.service'), 'utf8'), text);
  assert.equal(readFileSync(join(out, 'default.target.wants/web.service'), 'utf8'), text);
  // A bad key names file and line; the exit status says a file failed.
  writeFileSync(join(dir, 'bad.container'), '[Container]\nImage=busybox\nFoo=1\n');
  const bad = s.husk(['quadlet', '--dryrun', dir], { env });
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /bad\.container:3: unsupported key "Foo"/);
});

test('contrib/systemd/husk-restart.service verifies', { skip: !HAVE_VERIFY }, () => {
  // Verified with its Exec path at the repo launcher (the installed /usr/local/bin/husk may be absent).
  const text = readFileSync(join(REPO, 'contrib/systemd/husk-restart.service'), 'utf8').replaceAll('/usr/local/bin/husk', HUSK);
  assert.match(text, /^ExecStart=\S+ \$LOGGING start --all --filter restart-policy=always$/m);
  assert.deepEqual(verifyUnits([{ fileName: 'husk-restart.service', text }]), []);
});

test('contrib/systemd/husk-user-wait-network-online.service (the user generator\'s network dependency) verifies', { skip: !HAVE_VERIFY }, () => {
  const text = readFileSync(join(REPO, 'contrib/systemd/husk-user-wait-network-online.service'), 'utf8');
  assert.match(text, /^ExecStart=\/bin\/sh -c 'until systemctl is-active network-online.target; do sleep 0.5; done'$/m);
  assert.deepEqual(verifyUnits([{ fileName: 'husk-user-wait-network-online.service', text }]), []);
});
