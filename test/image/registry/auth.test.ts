// auth.json handling (in temp files and a fake home, never the real ones)
// and the WWW-Authenticate parser.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  authFilePaths, credentialsFor, parseCreds, primaryAuthFile, registryKey, removeCredentials, saveCredentials, type AuthContext,
} from '../../../src/image/registry/auth.ts';
import { parseChallenges } from '../../../src/image/registry/challenge.ts';
import { describeErrorBody } from '../../../src/image/registry/errors.ts';
import { HuskError } from '../../../src/common/errors.ts';

function sandbox() {
  const dir = mkdtempSync(join(tmpdir(), 'husk-auth-'));
  const ctx: AuthContext = { env: { XDG_RUNTIME_DIR: join(dir, 'run') }, uid: 1000, home: join(dir, 'home') };
  return { dir, ctx, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

const b64 = (s: string) => Buffer.from(s).toString('base64');

test('auth.json: save, read, remove round trip in a temp file (0600, dirs created, other fields kept)', () => {
  const { dir, cleanup } = sandbox();
  try {
    const file = join(dir, 'deep/er/auth.json');
    assert.equal(saveCredentials('127.0.0.1:5000', 'alice', 'pa:ss', file), file);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.deepEqual(JSON.parse(readFileSync(file, 'utf8')), { auths: { '127.0.0.1:5000': { auth: b64('alice:pa:ss') } } });
    assert.deepEqual(credentialsFor('127.0.0.1:5000', file), { username: 'alice', password: 'pa:ss' });
    // A repository under the registry finds the registry's entry.
    assert.deepEqual(credentialsFor('127.0.0.1:5000/team/app', file), { username: 'alice', password: 'pa:ss' });
    assert.equal(credentialsFor('other.example:5000', file), undefined);

    writeFileSync(file, JSON.stringify({ auths: JSON.parse(readFileSync(file, 'utf8')).auths, credHelpers: { 'x.io': 'pass' } }));
    saveCredentials('quay.io/team', 'bob', 'pw', file);
    assert.deepEqual(credentialsFor('quay.io/team/app', file), { username: 'bob', password: 'pw' });
    assert.equal(credentialsFor('quay.io/other/app', file), undefined);

    assert.equal(removeCredentials('127.0.0.1:5000', file), true);
    assert.equal(removeCredentials('127.0.0.1:5000', file), false);
    assert.equal(credentialsFor('127.0.0.1:5000', file), undefined);
    const kept = JSON.parse(readFileSync(file, 'utf8'));
    assert.deepEqual(kept.credHelpers, { 'x.io': 'pass' });
    assert.ok(kept.auths['quay.io/team']);
    assert.equal(removeCredentials({ all: true }, file), true);
    assert.deepEqual(JSON.parse(readFileSync(file, 'utf8')).auths, {});
    assert.throws(() => saveCredentials('quay.io/team/app:latest', 'u', 'p', file), (e: HuskError) => e.code === 'INVALID_ARGUMENT');
  } finally {
    cleanup();
  }
});

test('auth.json locations follow Podman: explicit file alone, else run dir, ~/.config, ~/.docker, ~/.dockercfg', () => {
  const { dir, ctx, cleanup } = sandbox();
  try {
    const home = ctx.home!;
    assert.deepEqual(authFilePaths(undefined, ctx).map((p) => p.path), [
      join(dir, 'run/containers/auth.json'), join(home, '.config/containers/auth.json'), join(home, '.docker/config.json'), join(home, '.dockercfg'),
    ]);
    assert.equal(primaryAuthFile(undefined, { ...ctx, uid: 0 }).path, '/run/containers/0/auth.json');
    assert.equal(primaryAuthFile(undefined, { ...ctx, env: {} }).path, '/run/containers/1000/auth.json');
    assert.deepEqual(authFilePaths('/x/a.json', ctx).map((p) => p.path), ['/x/a.json']);
    assert.deepEqual(authFilePaths(undefined, { ...ctx, env: { ...ctx.env, REGISTRY_AUTH_FILE: '/y/b.json' } }).map((p) => p.path), ['/y/b.json']);

    // Docker's config.json (read-only fallback) with its URL-style Hub key.
    mkdirSync(join(home, '.docker'), { recursive: true });
    writeFileSync(join(home, '.docker/config.json'), JSON.stringify({ auths: { 'https://index.docker.io/v1/': { auth: b64('hub:secret') } } }));
    assert.deepEqual(credentialsFor('docker.io', undefined, ctx), { username: 'hub', password: 'secret' });
    assert.deepEqual(credentialsFor('docker.io/library/alpine', undefined, ctx), { username: 'hub', password: 'secret' });
    // The run-dir file wins over it, and saving goes there.
    const saved = saveCredentials('docker.io', 'mine', 'pw', undefined, ctx);
    assert.equal(saved, join(dir, 'run/containers/auth.json'));
    assert.deepEqual(credentialsFor('docker.io', undefined, ctx), { username: 'mine', password: 'pw' });
    // Legacy ~/.dockercfg has no "auths" wrapper.
    writeFileSync(join(home, '.dockercfg'), JSON.stringify({ 'https://legacy.example/v1/': { auth: b64('old:pw') } }));
    assert.deepEqual(credentialsFor('legacy.example', undefined, ctx), { username: 'old', password: 'pw' });
    // An explicit file does not fall back to the others.
    assert.equal(credentialsFor('docker.io', join(dir, 'none.json'), ctx), undefined);
    writeFileSync(join(dir, 'bad.json'), '{not json');
    assert.throws(() => credentialsFor('x.io', join(dir, 'bad.json')), (e: HuskError) => e.code === 'INVALID_ARGUMENT' && e.message.includes('bad.json'));
  } finally {
    cleanup();
  }
});

test('registry keys and --creds parsing', () => {
  assert.equal(registryKey('https://index.docker.io/v1/'), 'docker.io');
  assert.equal(registryKey('quay.io/org/repo/'), 'quay.io/org/repo');
  assert.equal(registryKey('registry-1.docker.io/library/x'), 'docker.io/library/x');
  assert.equal(registryKey('http://127.0.0.1:5000'), '127.0.0.1:5000');
  assert.deepEqual(parseCreds('user:pa:ss'), { username: 'user', password: 'pa:ss' });
  assert.deepEqual(parseCreds('user:'), { username: 'user', password: '' });
  assert.deepEqual(parseCreds('user'), { username: 'user', password: undefined });
  assert.throws(() => parseCreds(':pw'), /username can't be empty/);
  assert.throws(() => parseCreds(''), /credentials can't be empty/);
});

test('WWW-Authenticate: bearer with realm, service and scope (escaped quotes, commas inside quotes)', () => {
  const h = 'Bearer realm="https://auth.example.com/token",service="registry.example.com",scope="repository:samalba/my-app:pull,push"';
  assert.deepEqual(parseChallenges(h), [{ scheme: 'bearer', params: {
    realm: 'https://auth.example.com/token', service: 'registry.example.com', scope: 'repository:samalba/my-app:pull,push',
  } }]);
  const esc = parseChallenges('Bearer realm="https://a/t?x=\\"q\\"", service = "s\\\\v" , error="insufficient_scope"');
  assert.deepEqual(esc[0].params, { realm: 'https://a/t?x="q"', service: 's\\v', error: 'insufficient_scope' });
  assert.deepEqual(parseChallenges('BASIC Realm="basic-realm"'), [{ scheme: 'basic', params: { realm: 'basic-realm' } }]);
});

test('WWW-Authenticate: several challenges in one value and across values; token68', () => {
  const list = parseChallenges('Basic realm="r1", Bearer realm="https://t/token",service="svc", Negotiate');
  assert.deepEqual(list.map((c) => c.scheme), ['basic', 'bearer', 'negotiate']);
  assert.deepEqual(list[1].params, { realm: 'https://t/token', service: 'svc' });
  const two = parseChallenges(['Negotiate abc+/d==', 'Bearer realm=https://unquoted/token,scope="a:b:pull"']);
  assert.equal(two[0].token68, 'abc+/d==');
  assert.deepEqual(two[1].params, { realm: 'https://unquoted/token', scope: 'a:b:pull' });
  assert.throws(() => parseChallenges('Bearer realm="open'), (e: HuskError) => e.code === 'REGISTRY');
  assert.deepEqual(parseChallenges(''), []);
});

test('distribution error bodies read like Podman', () => {
  const body = (errors: unknown[]) => JSON.stringify({ errors });
  assert.equal(describeErrorBody(body([{ code: 'MANIFEST_UNKNOWN', message: 'manifest unknown', detail: { Tag: 'x' } }])), 'manifest unknown');
  assert.equal(describeErrorBody(body([{ code: 'UNAUTHORIZED', message: 'authentication required' }])), 'unauthorized: authentication required');
  assert.equal(describeErrorBody(body([{ code: 'DENIED', message: 'no' }, { code: 'NAME_UNKNOWN', message: 'repository name not known to registry' }])),
    'denied: no; name unknown: repository name not known to registry');
  assert.equal(describeErrorBody('<html>'), undefined);
});
