// `husk secret` (Podman's secret commands: output, messages, exit codes, as
// containers/podman test/e2e/secret_test.go checks them) and `run --secret`,
// read by real containers.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, copyFileSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FIXTURES, Store, TestUser } from '../helpers.ts';

const s = new Store();
const file = join(s.dir, 'secret-file');
before(() => {
  s.busybox();
  writeFileSync(file, 'mysecret');
});
after(() => s.destroy());

test('create, ls, inspect, exists, rm: Podman\'s output and exit codes', () => {
  const id = s.ok(['secret', 'create', 'a', file]);
  assert.match(id, /^[0-9a-f]{25}$/);
  // The name is taken: 125 and Podman's words.
  const dup = s.husk(['secret', 'create', 'a', file]);
  assert.equal(dup.code, 125);
  assert.equal(dup.stderr.trim(), 'Error: a: secret name in use');
  const id2 = s.ok(['secret', 'create', '--label', 'foo=bar', '--label', 'x', 'b', '-'], { input: 'from stdin' });

  assert.match(s.ok(['secret', 'ls']), new RegExp(`^ID\\s+NAME\\s+DRIVER\\s+CREATED\\s+UPDATED\\n${id}\\s+a\\s+file\\s+.*ago\\n${id2}\\s+b\\s+file`));
  assert.equal(s.ok(['secret', 'ls', '-q']), `${id}\n${id2}`);
  // --format wins over --quiet; a plain template has no header.
  assert.equal(s.ok(['secret', 'ls', '-q', '--format', '{{.Name}}']), 'a\nb');
  assert.equal(s.ok(['secret', 'ls', '--format', 'table {{.Name}}']), 'NAME\na\nb');
  assert.equal(s.ok(['secret', 'ls', '--filter', 'name=b', '--noheading', '--format', '{{.Name}}']), 'b');
  assert.equal(s.ok(['secret', 'ls', '--filter', `id=${id.slice(0, 6)}`, '-q']), id);
  assert.equal(s.ok(['secret', 'ls', '--filter', 'name=a,name=b', '-q']).split('\n').length, 2);
  assert.equal(s.ok(['secret', 'ls', '--filter', 'label=foo=bar', '-q']), id2);

  const [info] = JSON.parse(s.ok(['secret', 'inspect', 'b']));
  assert.equal(info.ID, id2);
  assert.equal(info.Spec.Name, 'b');
  assert.equal(info.Spec.Driver.Name, 'file');
  assert.deepEqual(info.Spec.Labels, { foo: 'bar', x: '' });
  assert.equal(info.SecretData, undefined, 'the data only with --showsecret');
  assert.equal(s.ok(['secret', 'inspect', '--format', '{{.Spec.Labels}}', id2]), 'map[foo:bar x:]');
  assert.equal(s.ok(['secret', 'inspect', '--format', '{{.Spec.Labels}}', 'a']), 'map[]');
  assert.equal(s.ok(['secret', 'inspect', '--showsecret', '--format', '{{.SecretData}}', id.slice(0, 8)]), 'mysecret');
  assert.match(s.ok(['secret', 'inspect', '--pretty', 'b']), new RegExp(`^ID:\\s+${id2}\\nName:\\s+b\\nLabels:\\n - foo=bar\\n - x\\nDriver:\\s+file\\nCreated at:`));
  // Found ones are printed, then the first error (Podman's inspect).
  const bad = s.husk(['secret', 'inspect', 'a', 'bogus']);
  assert.equal(bad.code, 125);
  assert.equal(JSON.parse(bad.stdout).length, 1);
  assert.equal(bad.stderr.trim(), 'Error: inspecting secret: no secret with name or id "bogus": no such secret');

  assert.equal(s.husk(['secret', 'exists', 'a']).code, 0);
  assert.equal(s.husk(['secret', 'exists', id2]).code, 0);
  assert.equal(s.husk(['secret', 'exists', 'nope']).code, 1);

  // --replace keeps the ID and changes the data and UpdatedAt.
  assert.equal(s.ok(['secret', 'create', '--replace', 'a', '-'], { input: 'second' }), id);
  const [re] = JSON.parse(s.ok(['secret', 'inspect', '--showsecret', 'a']));
  assert.equal(re.SecretData, 'second');
  assert.ok(re.UpdatedAt > re.CreatedAt);

  // rm prints IDs; an unknown name is Podman's error (125), or nothing with --ignore.
  const rm = s.husk(['secret', 'rm', 'a', 'bogus']);
  assert.equal(rm.code, 125);
  assert.equal(rm.stdout.trim(), id);
  assert.equal(rm.stderr.trim(), 'Error: no secret with name or id "bogus": no such secret');
  assert.equal(s.husk(['secret', 'rm', '--ignore', 'bogus']).code, 0);
  const usage = s.husk(['secret', 'rm']);
  assert.equal(usage.code, 125);
  assert.match(usage.stderr, /`secret rm` requires one argument, or the --all flag/);
  s.ok(['secret', 'create', 'c', file]);
  assert.equal(s.ok(['secret', 'rm', '--all']).split('\n').length, 2);
  assert.equal(s.ok(['secret', 'ls', '--noheading']), '');
  // Podman records secret events (type secret: create, remove).
  const ev = s.ok(['events', '--stream=false', '--filter', 'type=secret', '--format', '{{.Status}} {{.ID}}']).split('\n');
  assert.ok(ev.includes(`create ${id}`) && ev.includes(`remove ${id}`), ev.join('\n'));
});

test('bad input: one clear error, nothing stored', () => {
  const cases: [string[], string, string?][] = [
    [['secret', 'create', 'x/y', file], `Error: secret name "x/y" can not include '=', '/', ',', or the '\\0' (NULL) and be between 1 and 253 characters: invalid secret name`],
    [['secret', 'create', '--env', 'e', 'HUSK_TEST_UNSET_VAR'], 'Error: cannot create store secret data: environment variable HUSK_TEST_UNSET_VAR is not set'],
    [['secret', 'create', 'e', '/nonexistent/file'], 'Error: open /nonexistent/file: no such file or directory'],
    [['secret', 'create', 'e', '-'], 'Error: secret data must be larger than 0 and less than 512000 bytes', ''],
    [['secret', 'create', '--driver', 'pass', 'e', file], 'Error: secret driver "pass" is not supported (husk has only the file driver): invalid driver'],
  ];
  for (const [args, msg, input] of cases) {
    const r = s.husk(args, { input });
    assert.equal(r.code, 125, args.join(' '));
    assert.equal(r.stderr.trim(), msg);
  }
  assert.equal(s.ok(['secret', 'ls', '-q']), '');
  // --env reads the variable.
  s.husk(['secret', 'create', '--env', 'fromenv', 'HUSK_SECRET_VALUE'], { env: { HUSK_SECRET_VALUE: 'envdata' } });
  assert.equal(s.ok(['secret', 'inspect', '--showsecret', '--format', '{{.SecretData}}', 'fromenv']), 'envdata');
  s.ok(['secret', 'rm', 'fromenv']);
});

test('the store keeps secrets in root-only files', () => {
  const id = s.ok(['secret', 'create', 'perm', file]);
  const dir = join(s.root, 'secrets');
  assert.equal(statSync(dir).mode & 0o777, 0o700);
  assert.equal(statSync(join(dir, 'filedriver')).mode & 0o777, 0o700);
  assert.equal(statSync(join(dir, 'filedriver', id)).mode & 0o777, 0o600);
  assert.equal(statSync(join(dir, 'secrets.json')).mode & 0o777, 0o600);
  s.ok(['secret', 'rm', 'perm']);
  assert.deepEqual(readdirSync(join(dir, 'filedriver')), []);
});

test('run --secret: a read-only file under /run/secrets, a target, uid/gid/mode, an env variable', () => {
  s.ok(['secret', 'create', 'pw', '-'], { input: 'topsecret' });
  const out = s.ok(['run', '--rm', '--secret', 'pw', '--secret', 'pw,type=env,target=PASSWORD',
    '--secret', 'source=pw,target=/etc/pw.txt,uid=1000,gid=100,mode=0400', '--secret', 'pw,target=custom',
    'busybox', 'sh', '-c', 'cat /run/secrets/pw; echo; echo "$PASSWORD"; stat -c "%u %g %a" /run/secrets/pw /etc/pw.txt; cat /run/secrets/custom; echo; echo x 2>/dev/null > /run/secrets/pw || echo read-only']);
  assert.equal(out, 'topsecret\ntopsecret\n0 0 444\n1000 100 400\ntopsecret\nread-only');
  // Env default name = the secret's name.
  assert.equal(s.ok(['run', '--rm', '--secret', 'pw,type=env', 'busybox', 'sh', '-c', 'echo $pw']), 'topsecret');
  // Given by ID (prefix), the default target is still the secret's name (Podman's).
  const pwid = s.ok(['secret', 'inspect', '--format', '{{.ID}}', 'pw']);
  assert.equal(s.ok(['run', '--rm', '--secret', pwid.slice(0, 10), 'busybox', 'cat', '/run/secrets/pw']), 'topsecret');
});

test('run --secret: the copy is taken at create; the value is not in inspect', () => {
  s.ok(['secret', 'create', 'kept', '-'], { input: 'first' });
  s.ok(['create', '--name', 'holder', '--secret', 'kept', '--secret', 'kept,type=env,target=K', 'busybox', 'sh', '-c', 'cat /run/secrets/kept; echo " $K"']);
  const kid = s.ok(['secret', 'inspect', '--format', '{{.ID}}', 'kept']);
  // Podman's inspect lists the mounted ones.
  assert.deepEqual(JSON.parse(s.ok(['inspect', '--format', '{{json .Config.Secrets}}', 'holder'])), [{ Name: 'kept', ID: kid, UID: 0, GID: 0, Mode: 0o444 }]);
  s.ok(['secret', 'create', '--replace', 'kept', '-'], { input: 'second' });
  s.ok(['secret', 'rm', 'kept']);
  assert.equal(s.ok(['start', '-a', 'holder']), 'first first');
  assert.doesNotMatch(s.ok(['inspect', 'holder']), /first/);
  s.ok(['rm', 'holder']);
});

test('run --secret: Podman\'s messages for a missing secret and bad options, and nothing created', () => {
  const cases: [string, string][] = [
    ['bogus', 'Error: no secret with name or id "bogus": no such secret'],
    ['pw,type=env,mode=0400', 'Error: UID, GID, Mode options cannot be set with secret type env: parsing secret'],
    ['pw,foo', 'Error: option foo must be in form option=value: parsing secret'],
    ['pw,type=file', 'Error: type file is invalid: parsing secret'],
    ['type=env,target=X', 'Error: no source found type=env,target=X: parsing secret'],
  ];
  for (const [flag, msg] of cases) {
    const r = s.husk(['run', '--rm', '--name', 'nope', '--secret', flag, 'busybox', 'true']);
    assert.equal(r.code, 125, flag);
    assert.equal(r.stderr.trim(), msg);
  }
  assert.equal(s.husk(['container', 'exists', 'nope']).code, 1);
});

test('rootless: the user\'s own store (0700/0600, owned by the user), --secret with uid/mode and with --userns=keep-id', { skip: process.getuid?.() === 0 ? false : 'needs root (creates a user)' }, () => {
  const u = new TestUser(`hsec${process.pid % 10000}`);
  const tmp = mkdtempSync('/tmp/husk-secret-test-');
  try {
    chmodSync(tmp, 0o755);
    copyFileSync(join(FIXTURES, 'busybox-rootfs.tar'), join(tmp, 'bb.tar'));
    writeFileSync(join(tmp, 'data'), 'rootless-secret');
    chmodSync(join(tmp, 'bb.tar'), 0o644);
    chmodSync(join(tmp, 'data'), 0o644);
    u.ok(['import', join(tmp, 'bb.tar'), 'busybox']);
    const id = u.ok(['secret', 'create', 'rs', join(tmp, 'data')]);
    const graphRoot = u.ok(['info', '--format', '{{.Store.GraphRoot}}']);
    const f = statSync(join(graphRoot, 'secrets', 'filedriver', id));
    assert.equal(f.mode & 0o777, 0o600);
    assert.equal(f.uid, u.uid);
    assert.equal(statSync(join(graphRoot, 'secrets')).mode & 0o777, 0o700);
    assert.equal(u.ok(['run', '--rm', '--secret', 'rs', '--secret', 'rs,target=/o,uid=1000,mode=0400', '--secret', 'rs,type=env,target=E',
      'busybox', 'sh', '-c', 'cat /run/secrets/rs; echo; stat -c "%u %a" /o; echo "$E"']), 'rootless-secret\n1000 400\nrootless-secret');
    assert.equal(u.ok(['run', '--rm', '--userns=keep-id', '--secret', 'rs', 'busybox', 'cat', '/run/secrets/rs']), 'rootless-secret');
  } finally {
    u.remove();
    rmSync(tmp, { recursive: true, force: true });
  }
});
