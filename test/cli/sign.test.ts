// `husk image sign` (podman-image-sign(1)): a simple-signing signature of an
// image in a real registry, made with a real GPG key, that skopeo's policy
// check accepts (and without which it refuses the image).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startRegistry, type RunningRegistry } from '../registry-server.ts';
import { Store } from '../helpers.ts';

const s = new Store();
let reg: RunningRegistry;
const home = join(s.dir, 'gnupg');
const env = { GNUPGHOME: home };
const key = join(s.dir, 'key.gpg');

before(async () => {
  s.busybox();
  reg = await startRegistry();
  mkdirSync(home, { mode: 0o700 });
  const gen = spawnSync('gpg', ['--batch', '--passphrase', '', '--quick-gen-key', 'Husk Signer <signer@example.com>', 'ed25519', 'sign', 'never'], { env: { ...process.env, ...env }, encoding: 'utf8' });
  assert.equal(gen.status, 0, gen.stderr);
  writeFileSync(key, spawnSync('gpg', ['--export', '--armor'], { env: { ...process.env, ...env }, encoding: 'utf8' }).stdout);
});
after(async () => {
  await reg?.stop();
  await s.destroyWhenIdle();
});

function fails(args: string[], message: string): void {
  const r = s.husk(args, { env });
  assert.equal(r.code, 125, `${args.join(' ')}: ${r.stderr}`);
  assert.equal(r.stderr, `Error: ${message}\n`);
}

test('help: Podman usage line', () => {
  assert.match(s.ok(['image', 'sign', '--help']), /^Usage:\n {2}husk image sign \[options\] IMAGE \[IMAGE\.\.\.\]\n/);
});

test('sign: the signature is stored as Podman stores it, and skopeo verifies it against a signedBy policy', () => {
  const digestFile = join(s.dir, 'digest');
  const image = `${reg.host}/husk/busybox:latest`;
  s.ok(['push', '--tls-verify=false', '--digestfile', digestFile, 'busybox', image]);
  s.ok(['push', '--tls-verify=false', 'busybox', `${reg.host}/husk/unsigned:latest`]);
  const digest = readFileSync(digestFile, 'utf8').trim();
  const sigs = join(s.dir, 'sigstore');
  const r = s.husk(['image', 'sign', '--tls-verify=false', '--sign-by', 'signer@example.com', '-d', sigs, `docker://${image}`], { env });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, '');
  const file = `${join(sigs, 'husk/busybox')}@${digest.replace(':', '=')}`;
  assert.ok(existsSync(join(file, 'signature-1')), `${file}/signature-1`);
  // The signed payload: containers-signature(5)'s atomic container signature.
  const dec = spawnSync('gpg', ['--batch', '--decrypt', join(file, 'signature-1')], { env: { ...process.env, ...env }, encoding: 'utf8' });
  assert.equal(dec.status, 0, dec.stderr);
  assert.match(dec.stderr, /Good signature from "Husk Signer <signer@example\.com>"/);
  const p = JSON.parse(dec.stdout);
  assert.deepEqual(p.critical, { identity: { 'docker-reference': image }, image: { 'docker-manifest-digest': digest }, type: 'atomic container signature' });
  // A second signature goes beside the first.
  assert.equal(s.husk(['image', 'sign', '--tls-verify=false', '--sign-by', 'signer@example.com', '-d', sigs, `docker://${image}`], { env }).code, 0);
  assert.ok(existsSync(join(file, 'signature-2')));

  // skopeo, with a policy that demands this key for the registry and the signatures where husk wrote them.
  const policy = join(s.dir, 'policy.json');
  writeFileSync(policy, JSON.stringify({ default: [{ type: 'reject' }], transports: { docker: { [reg.host]: [{ type: 'signedBy', keyType: 'GPGKeys', keyPath: key }] } } }));
  const regd = join(s.dir, 'registries.d');
  mkdirSync(regd);
  writeFileSync(join(regd, 'test.yaml'), `docker:\n  ${reg.host}:\n    sigstore: file://${sigs}\n`);
  const copy = (name: string) => spawnSync('skopeo', ['--policy', policy, '--registries.d', regd, 'copy', '--src-tls-verify=false', `docker://${reg.host}/husk/${name}:latest`, `dir:${join(s.dir, `out-${name}`)}`], { encoding: 'utf8' });
  const ok = copy('busybox');
  assert.equal(ok.status, 0, ok.stderr);
  const refused = copy('unsigned');
  assert.notEqual(refused.status, 0, 'an unsigned image is refused by the same policy');
  assert.match(refused.stderr, /signature/i);
});

test('sign: Podman\'s errors', () => {
  fails(['image', 'sign', 'docker://example.com/x'], 'no identity provided');
  fails(['image', 'sign', '--sign-by', 'signer@example.com', 'busybox'], 'invalid image name "busybox", expected colon-separated transport:reference');
  fails(['image', 'sign', '--sign-by', 'signer@example.com', 'containers-storage:busybox'], 'reference "containers-storage:busybox" must be a docker reference');
  fails(['image', 'sign', '--tls-verify=false', '--sign-by', 'nobody@example.com', '-d', join(s.dir, 'x'), `docker://${reg.host}/husk/busybox:latest`], 'signing: gpg: gpg: signing failed: No secret key');
});
