// pull, push, login against a real registry (Debian's docker-registry on
// loopback), cross-checked with skopeo in both directions.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { FIXTURES, Store } from '../helpers.ts';
import { startRegistry, type RunningRegistry } from '../registry-server.ts';

const s = new Store();
let reg: RunningRegistry;
let authReg: RunningRegistry;
let layeredId = '';
before(async () => {
  reg = await startRegistry();
  authReg = await startRegistry({ auth: { user: 'alice', pass: 's3cret' } });
  s.busybox();
  layeredId = /sha256:([0-9a-f]{64})/.exec(s.ok(['load', '-i', join(FIXTURES, 'layered.oci.tar')]))![1];
  s.ok(['tag', layeredId, 'layered']);
});
after(async () => {
  await reg?.stop();
  await authReg?.stop();
  s.destroy();
});

const skopeo = (args: string[]) => spawnSync('skopeo', args, { encoding: 'utf8' });
const rawDigest = (ref: string) => {
  const r = skopeo(['inspect', '--tls-verify=false', `docker://${ref}`]);
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout).Digest as string;
};

test('push then pull back: same manifest digest for husk and skopeo, image runs', () => {
  const dest = `${reg.host}/husk/layered:v1`;
  const digestFile = join(s.dir, 'digest');
  const out = s.husk(['push', '--tls-verify=false', '--digestfile', digestFile, 'layered', dest]);
  assert.equal(out.code, 0, out.stderr);
  // Podman's progress: the layers, then the config, then the manifest.
  assert.match(out.stderr, /^Getting image source signatures\n(Copying blob [0-9a-f]{12} done\n){2,}Copying config [0-9a-f]{12} done\nWriting manifest to image destination\n/);
  const pushed = readFileSync(digestFile, 'utf8');
  assert.equal(rawDigest(dest), pushed);
  s.ok(['rmi', '-f', layeredId]);
  const id = s.ok(['pull', '-q', '--tls-verify=false', dest]);
  assert.equal(id, layeredId);
  assert.match(s.ok(['images', '--digests', '--format', '{{.Repository}}:{{.Tag}} {{.Digest}}']), new RegExp(`${dest} ${pushed}`));
  assert.equal(s.ok(['run', '--rm', dest, 'cat', '/data/layer3.txt']), '3');
  // A re-pull of a present image is one manifest request: no blob, no config.
  const re = s.husk(['pull', '--tls-verify=false', dest]);
  assert.equal(re.code, 0, re.stderr);
  assert.doesNotMatch(re.stderr, /Copying (blob|config)/);
  // Pushing the pulled image again reproduces the same manifest byte for byte.
  const again = join(s.dir, 'digest2');
  s.ok(['push', '--tls-verify=false', '--digestfile', again, dest, `${reg.host}/husk/copy:v1`]);
  assert.equal(readFileSync(again, 'utf8'), pushed);
});

test('an image pushed by skopeo from an OCI layout is pulled by husk with identical digests', () => {
  const dest = `${reg.host}/skopeo/layered:v2`;
  const cp = skopeo(['copy', '--dest-tls-verify=false', `oci:${join(FIXTURES, 'layered-oci')}:latest`, `docker://${dest}`]);
  assert.equal(cp.status, 0, cp.stderr);
  const want = rawDigest(dest);
  const r = s.husk(['pull', '--tls-verify=false', dest]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(s.ok(['image', 'inspect', '--format', '{{.Digest}}', dest]), new RegExp(want));
  // husk pushes it on unchanged: skopeo sees the same digest at the new name.
  s.ok(['push', '--tls-verify=false', dest, `${reg.host}/skopeo/again:v2`]);
  assert.equal(rawDigest(`${reg.host}/skopeo/again:v2`), want);
  const dir = join(s.dir, 'skopeo-dir');
  const back = skopeo(['copy', '--src-tls-verify=false', `docker://${reg.host}/skopeo/again:v2`, `dir:${dir}`]);
  assert.equal(back.status, 0, back.stderr);
  assert.ok(readdirSync(dir).includes('manifest.json'));
});

test('push --compression-format zstd writes zstd layers that pull back', () => {
  const dest = `${reg.host}/husk/zstd:v1`;
  s.ok(['push', '--tls-verify=false', '--compression-format', 'zstd', 'busybox', dest]);
  const raw = skopeo(['inspect', '--raw', '--tls-verify=false', `docker://${dest}`]);
  assert.match(raw.stdout, /application\/vnd\.oci\.image\.layer\.v1\.tar\+zstd/);
  const id = s.ok(['pull', '-q', '--tls-verify=false', dest]);
  assert.equal(s.ok(['run', '--rm', id, 'echo', 'zstd ok']), 'zstd ok');
});

test('login/logout with auth.json; --creds; no credentials is a clear 125', () => {
  const authfile = join(s.dir, 'auth.json');
  const dest = `${authReg.host}/private/busybox:v1`;
  const denied = s.husk(['push', '--tls-verify=false', '--authfile', authfile, 'busybox', dest]);
  assert.equal(denied.code, 125);
  assert.match(denied.stderr, /unauthorized|authentication required/i);
  const bad = s.husk(['login', '--tls-verify=false', '--authfile', authfile, '-u', 'alice', '-p', 'wrong', authReg.host]);
  assert.equal(bad.code, 125);
  assert.match(s.ok(['login', '--tls-verify=false', '--authfile', authfile, '-u', 'alice', '-p', 's3cret', authReg.host]), /Login Succeeded/);
  const auth = JSON.parse(readFileSync(authfile, 'utf8'));
  assert.equal(Buffer.from(auth.auths[authReg.host].auth, 'base64').toString(), 'alice:s3cret');
  s.ok(['push', '--tls-verify=false', '--authfile', authfile, 'busybox', dest]);
  assert.equal(s.ok(['login', '--get-login', '--authfile', authfile, authReg.host]), 'alice');
  s.ok(['logout', '--authfile', authfile, authReg.host]);
  assert.equal(s.husk(['pull', '--tls-verify=false', '--authfile', authfile, dest]).code, 125);
  assert.equal(s.husk(['pull', '-q', '--tls-verify=false', '--creds', 'alice:s3cret', dest]).code, 0);
});

test('short names resolve through registries.conf search registries and aliases; blocked registries refuse', () => {
  const conf = join(s.dir, 'registries.conf');
  writeFileSync(conf, [
    `unqualified-search-registries = ["${reg.host}"]`,
    'short-name-mode = "enforcing"',
    '[aliases]',
    `"nick" = "${reg.host}/husk/layered"`,
    '[[registry]]',
    `location = "${reg.host}"`,
    'insecure = true',
    '[[registry]]',
    'location = "blocked.example.com"',
    'blocked = true',
  ].join('\n'));
  const env = { CONTAINERS_REGISTRIES_CONF: conf };
  const r = s.husk(['pull', 'husk/zstd:v1'], { env });
  assert.equal(r.code, 0, r.stderr);
  const alias = s.husk(['pull', 'nick:v1'], { env });
  assert.equal(alias.code, 0, alias.stderr);
  assert.match(alias.stderr, /Resolved "nick" as an alias/);
  const blocked = s.husk(['pull', 'blocked.example.com/x:1'], { env });
  assert.equal(blocked.code, 125);
  assert.match(blocked.stderr, /blocked/);
  assert.match(s.ok(['search', '--tls-verify=false', `${reg.host}/husk`]), /husk\/layered/);
  assert.match(s.ok(['search', '--tls-verify=false', '--list-tags', `${reg.host}/husk/layered`]), /v1/);
  // Podman's `image search` is the same command.
  assert.match(s.ok(['image', 'search', '--tls-verify=false', `${reg.host}/husk`]), /husk\/layered/);
});

test('pull errors: unknown tag and unknown repository are 125 and store nothing', () => {
  const before = s.ok(['images', '-q', '--no-trunc']);
  for (const ref of [`${reg.host}/husk/layered:nope`, `${reg.host}/nobody/here:v1`]) {
    const r = s.husk(['pull', '--tls-verify=false', ref]);
    assert.equal(r.code, 125, ref);
    assert.match(r.stderr, /manifest unknown|not found|name unknown/i);
  }
  assert.equal(s.ok(['images', '-q', '--no-trunc']), before);
});

test('run pulls a missing image (--pull missing) and --pull never refuses', () => {
  const ref = `${reg.host}/husk/zstd:v1`;
  s.husk(['rmi', '-f', ref]);
  const never = s.husk(['run', '--rm', '--pull', 'never', ref, 'true']);
  assert.equal(never.code, 125);
  const r = s.husk(['run', '--rm', '--tls-verify=false', ref, 'echo', 'pulled and ran']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'pulled and ran\n');
  assert.match(r.stderr, /Trying to pull/);
});

test('pull --all-tags pulls every tag of a repository', async () => {
  s.busybox();
  s.ok(['push', '--tls-verify=false', 'busybox', `${reg.host}/multi/bb:one`]);
  s.ok(['push', '--tls-verify=false', 'busybox', `${reg.host}/multi/bb:two`]);
  const r = s.husk(['pull', '-q', '-a', '--tls-verify=false', `${reg.host}/multi/bb`]);
  assert.equal(r.code, 0, r.stderr);
  const names = s.ok(['images', '--format', '{{.Repository}}:{{.Tag}}']);
  assert.match(names, new RegExp(`${reg.host}/multi/bb:one`));
  assert.match(names, new RegExp(`${reg.host}/multi/bb:two`));
  assert.equal(s.husk(['pull', '-a', '--tls-verify=false', `${reg.host}/multi/bb:one`]).code, 125);
});
