// `husk image trust set|show` against Podman's test/e2e/trust_test.go and
// pkg/trust: the policy file it writes, the table, --json and --raw, GPG
// identities of real keys (gpg) and signature stores from registries.d.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Store } from '../helpers.ts';

const s = new Store();
after(() => s.destroyWhenIdle());
const policy = join(s.dir, 'policy.json');

function fails(args: string[], message: string): void {
  const r = s.husk(args);
  assert.equal(r.code, 125, `${args.join(' ')}: ${r.stderr}`);
  assert.equal(r.stderr, `Error: ${message}\n`);
}

test('help: Podman usage lines', () => {
  assert.match(s.ok(['image', 'trust', 'set', '--help']), /^Usage:\n {2}husk image trust set \[options\] REGISTRY\n/);
  assert.match(s.ok(['image', 'trust', 'show', '--help']), /^Usage:\n {2}husk image trust show \[options\] \[REGISTRY\]\n/);
});

test('set: the default first, then scopes; Podman\'s errors', () => {
  fails(['image', 'trust', 'show', '--policypath', policy], `open ${policy}: no such file or directory`);
  fails(['image', 'trust', 'set', '--policypath', policy, '-t', 'reject', 'docker.io'], 'default trust policy must be set');
  assert.ok(!existsSync(policy), 'nothing written on failure');
  assert.equal(s.ok(['image', 'trust', 'set', '--policypath', policy, '-t', 'accept', 'default']), '');
  // Podman's trust_test.go "podman image trust set".
  assert.equal(JSON.parse(readFileSync(policy, 'utf8')).default[0].type, 'insecureAcceptAnything');
  assert.equal(statSync(policy).mode & 0o777, 0o644);
  s.ok(['image', 'trust', 'set', '--policypath', policy, '--type', 'reject', 'docker.io/library/hello-world']);
  fails(['image', 'trust', 'set', '--policypath', policy, '-t', 'bogus', 'docker.io'], "invalid choice: bogus (choose from 'accept', 'reject', 'signedBy')");
  fails(['image', 'trust', 'set', '--policypath', policy, 'quay.io'], "at least one public key must be defined for type 'signedBy'");
  fails(['image', 'trust', 'set', '--policypath', policy, '-t', 'accept', '-f', '/x.gpg', 'quay.io'], '1 public keys unexpectedly provided for trust type accept');
  fails(['image', 'trust', 'set', '--policypath', policy, '-t', 'accept', 'bad host!'], 'invalid image uri: bad host!');
  assert.deepEqual(JSON.parse(readFileSync(policy, 'utf8')), {
    default: [{ type: 'insecureAcceptAnything' }],
    transports: { docker: { 'docker.io/library/hello-world': [{ type: 'reject' }] } },
  });
  // The same scope again is replaced, not added.
  s.ok(['image', 'trust', 'set', '--policypath', policy, '-t', 'accept', 'docker.io/library/hello-world']);
  assert.deepEqual(JSON.parse(readFileSync(policy, 'utf8')).transports.docker, { 'docker.io/library/hello-world': [{ type: 'insecureAcceptAnything' }] });
  s.ok(['image', 'trust', 'set', '--policypath', policy, '-t', 'reject', 'docker.io/library/hello-world']);
});

test('show: table, --json and --raw as Podman, with GPG identities and signature stores', () => {
  // A real signing key, made with gpg in a scratch home.
  const home = join(s.dir, 'gnupg');
  mkdirSync(home, { mode: 0o700 });
  const gen = spawnSync('gpg', ['--homedir', home, '--batch', '--passphrase', '', '--quick-gen-key', 'Husk Test <security@example.com>', 'ed25519', 'sign', 'never'], { encoding: 'utf8' });
  assert.equal(gen.status, 0, gen.stderr);
  const key = join(s.dir, 'key.gpg');
  writeFileSync(key, spawnSync('gpg', ['--homedir', home, '--export', '--armor'], { encoding: 'utf8' }).stdout);
  s.ok(['image', 'trust', 'set', '--policypath', policy, '-f', key, '-f', key, 'registry.example.com']);
  assert.deepEqual(JSON.parse(readFileSync(policy, 'utf8')).transports.docker['registry.example.com'], [
    { type: 'signedBy', keyType: 'GPGKeys', keyPath: key }, { type: 'signedBy', keyType: 'GPGKeys', keyPath: key },
  ]);
  const regd = join(s.dir, 'registries.d');
  mkdirSync(regd);
  writeFileSync(join(regd, 'example.yaml'), 'docker:\n  registry.example.com:\n    sigstore: https://sigs.example.com/sigstore\n');

  const base = ['image', 'trust', 'show', '--policypath', policy, '--registrypath', regd];
  const table = s.ok([...base, '-n']).split('\n');
  assert.equal(table.length, 3);
  assert.match(table[0], /^all\s+default\s+accept\s*$/);
  assert.match(table[1], /^repository\s+docker\.io\/library\/hello-world\s+reject\s*$/);
  assert.match(table[2], /^repository\s+registry\.example\.com\s+signed\s+security@example\.com, security@example\.com\s+https:\/\/sigs\.example\.com\/sigstore$/);
  assert.match(s.ok(base).split('\n')[0], /^TRANSPORT\s+NAME\s+TYPE\s+ID\s+STORE$/);

  const json = JSON.parse(s.ok([...base, '--json']));
  assert.deepEqual(json, [
    { transport: 'all', name: '* (default)', repo_name: 'default', type: 'accept' },
    { transport: 'repository', name: 'docker.io/library/hello-world', repo_name: 'docker.io/library/hello-world', type: 'reject' },
    {
      transport: 'repository', name: 'registry.example.com', repo_name: 'registry.example.com', type: 'signed',
      sigstore: 'https://sigs.example.com/sigstore', gpg_id: 'security@example.com, security@example.com',
    },
  ]);
  // --raw: the file as it is, plus a newline (Podman's Println).
  assert.equal(s.husk([...base, '--raw']).stdout, `${readFileSync(policy, 'utf8')}\n`);
});

test('show without --policypath reads /etc/containers/policy.json', { skip: !existsSync('/etc/containers/policy.json') && 'no system policy' }, () => {
  assert.equal(s.husk(['image', 'trust', 'show', '--raw']).stdout, `${readFileSync('/etc/containers/policy.json', 'utf8')}\n`);
});
