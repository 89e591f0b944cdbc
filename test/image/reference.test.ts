// The one image reference module: the Docker reference grammar, Podman's
// normalisation and the local store's naming (pure functions).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HuskError } from '../../src/common/errors.ts';
import {
  digestOf, familiar, formatRef, isShortName, isValidPath, isValidTag, localName, nameMatches, normalize, parseNamed, parseNormalized,
  repositoryOf, splitName, tagOf, validateDigest, type NamedRef,
} from '../../src/image/reference.ts';

const D = `sha256:${'a'.repeat(64)}`;

/** Asserts a HuskError(INVALID_ARGUMENT) whose message matches. */
function throwsInvalid(fn: () => unknown, message: RegExp | string) {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof HuskError, `not a HuskError: ${e}`);
    assert.equal(e.code, 'INVALID_ARGUMENT');
    if (typeof message === 'string') assert.equal(e.message, message);
    else assert.match(e.message, message);
    return true;
  });
}

test('parseNamed: valid references', () => {
  const cases: [string, NamedRef][] = [
    ['busybox', { domain: undefined, path: 'busybox' }],
    ['busybox:1.36', { domain: undefined, path: 'busybox', tag: '1.36' }],
    ['library/busybox', { domain: undefined, path: 'library/busybox' }],
    ['docker.io/library/x', { domain: 'docker.io', path: 'library/x' }],
    ['index.docker.io/x', { domain: 'index.docker.io', path: 'x' }],
    ['localhost/foo', { domain: 'localhost', path: 'foo' }],
    ['localhost:5000/a/b:tag', { domain: 'localhost:5000', path: 'a/b', tag: 'tag' }],
    ['example.com:5000/a', { domain: 'example.com:5000', path: 'a' }],
    ['myhost:5000/a', { domain: 'myhost:5000', path: 'a' }],
    ['[::1]:5000/a/b', { domain: '[::1]:5000', path: 'a/b' }],
    ['Example.COM/a', { domain: 'Example.COM', path: 'a' }],
    ['a/b:c@' + D, { domain: undefined, path: 'a/b', tag: 'c', digest: D }],
    ['quay.io/a/b@' + D, { domain: 'quay.io', path: 'a/b', digest: D }],
    ['a__b/c--d/e.f-g_h:T_1.x-Y', { domain: undefined, path: 'a__b/c--d/e.f-g_h', tag: 'T_1.x-Y' }],
    ['localhost', { domain: undefined, path: 'localhost' }], // no slash: a short name
    ['localhost:5000', { domain: undefined, path: 'localhost', tag: '5000' }],
    ['foo_bar.x/y', { domain: undefined, path: 'foo_bar.x/y' }], // not host-shaped: stays a path
    ['a/b:' + 'x'.repeat(128), { domain: undefined, path: 'a/b', tag: 'x'.repeat(128) }],
    [`sha384:${'b'.repeat(64)}`, { domain: undefined, path: 'sha384', tag: 'b'.repeat(64) }],
  ];
  for (const [input, want] of cases) {
    assert.deepEqual(parseNamed(input), want, input);
    assert.equal(formatRef(parseNamed(input)), input, `round trip ${input}`);
  }
});

test('parseNamed: errors carry Podman wording', () => {
  const cases: [string, string | RegExp][] = [
    ['', 'repository name must have at least one component'],
    ['Busybox', 'repository name must be lowercase'],
    ['foo/Bar', 'repository name must be lowercase'],
    ['Foo/bar', 'repository name must be lowercase'],
    ['quay.io/Foo/bar:tag', 'repository name must be lowercase'],
    [':tag', 'invalid reference format'],
    ['@' + D, 'invalid reference format'],
    ['foo/', 'invalid reference format'],
    ['/foo', 'invalid reference format'],
    ['foo//bar', 'invalid reference format'],
    ['a/b:', 'invalid reference format'],
    ['a b', 'invalid reference format'],
    ['-foo', 'invalid reference format'],
    ['foo_', 'invalid reference format'],
    ['foo___bar', 'invalid reference format'],
    ['http://quay.io/a', 'invalid reference format'],
    ['a/b:' + 'x'.repeat(129), 'invalid reference format'],
    ['a:.tag', 'invalid reference format'],
    ['a@sha256:abc', 'invalid reference format'], // under 32 hex digits
    ['a@sha256:' + 'a'.repeat(40), 'invalid checksum digest length'],
    ['a@sha256:' + 'A'.repeat(64), 'invalid checksum digest format'],
    ['a@md5:' + 'a'.repeat(32), 'unsupported digest algorithm'],
    ['a@SHA256:' + 'a'.repeat(64), 'invalid checksum digest format'],
    ['a'.repeat(256), 'repository name must not be more than 255 characters'],
    [`example.com/${'a'.repeat(244)}`, 'repository name must not be more than 255 characters'],
  ];
  for (const [input, message] of cases) throwsInvalid(() => parseNamed(input), message);
  // The limit is on the name: exactly 255 is fine, and tags do not count.
  assert.equal(parseNamed(`example.com/${'a'.repeat(243)}:tag`).tag, 'tag');
});

test('validateDigest: algorithms and lengths', () => {
  validateDigest(D);
  validateDigest(`sha512:${'0'.repeat(128)}`);
  validateDigest(`sha384:${'f'.repeat(96)}`);
  throwsInvalid(() => validateDigest(`sha512:${'0'.repeat(64)}`), 'invalid checksum digest length');
  throwsInvalid(() => validateDigest('sha256'), 'invalid checksum digest format');
  throwsInvalid(() => validateDigest('sha256:'), 'invalid checksum digest format');
});

test('normalize: fully-qualified names', () => {
  const cases: [string, string][] = [
    ['docker.io/busybox', 'docker.io/library/busybox:latest'],
    ['docker.io/library/busybox', 'docker.io/library/busybox:latest'],
    ['docker.io/library/x:1', 'docker.io/library/x:1'],
    ['docker.io/user/app', 'docker.io/user/app:latest'],
    ['index.docker.io/x', 'docker.io/library/x:latest'],
    ['index.docker.io/user/x:2', 'docker.io/user/x:2'],
    ['quay.io/a/b', 'quay.io/a/b:latest'],
    ['quay.io/x', 'quay.io/x:latest'], // "library/" only on Docker Hub
    ['localhost/foo', 'localhost/foo:latest'],
    ['localhost:5000/a/b:tag', 'localhost:5000/a/b:tag'],
    [`quay.io/a/b@${D}`, `quay.io/a/b@${D}`],
    [`docker.io/busybox@${D}`, `docker.io/library/busybox@${D}`],
    [`quay.io/a/b:t@${D}`, `quay.io/a/b:t@${D}`],
  ];
  for (const [input, want] of cases) assert.equal(normalize(input), want, input);
});

test('normalize: short names need a domain chosen by the caller', () => {
  throwsInvalid(() => normalize('busybox'), /short name/);
  throwsInvalid(() => normalize('library/busybox:1'), /short name/);
  assert.equal(normalize('busybox', { shortNameDomain: 'docker.io' }), 'docker.io/library/busybox:latest');
  assert.equal(normalize('user/app:1', { shortNameDomain: 'docker.io' }), 'docker.io/user/app:1');
  assert.equal(normalize('foo', { shortNameDomain: 'localhost' }), 'localhost/foo:latest');
  assert.equal(normalize('quay.io/x', { shortNameDomain: 'localhost' }), 'quay.io/x:latest');
  throwsInvalid(() => normalize('a'.repeat(64), { shortNameDomain: 'docker.io' }), /cannot specify 64-byte hexadecimal strings/);
  // The limit applies to the normalised name (docker.io/library/ counts).
  throwsInvalid(() => normalize(`docker.io/${'a'.repeat(240)}`), /not be more than 255/);
  assert.deepEqual(parseNormalized('docker.io/busybox'), { domain: 'docker.io', path: 'library/busybox' });
});

test('isShortName', () => {
  const cases: [string, boolean][] = [
    ['busybox', true], ['busybox:1', true], ['library/busybox', true], [`busybox@${D}`, true], ['localhost', true],
    ['localhost/x', false], ['quay.io/x', false], ['docker.io/busybox', false], ['host:5000/x', false],
    ['Not Valid', false],
  ];
  for (const [input, want] of cases) assert.equal(isShortName(input), want, input);
});

test('familiar, repositoryOf, tagOf, digestOf, isValidTag', () => {
  assert.equal(familiar('docker.io/library/redis:7'), 'redis:7');
  assert.equal(familiar('docker.io/user/app'), 'user/app');
  assert.equal(familiar('index.docker.io/library/x'), 'x');
  assert.equal(familiar(`quay.io/a/b:t@${D}`), `quay.io/a/b:t@${D}`);
  assert.equal(repositoryOf('docker.io/busybox:1'), 'docker.io/library/busybox');
  assert.equal(repositoryOf(`quay.io/a/b:t@${D}`), 'quay.io/a/b');
  assert.equal(repositoryOf('busybox:1'), 'busybox');
  assert.equal(tagOf('quay.io/x'), 'latest');
  assert.equal(tagOf('quay.io/x:1'), '1');
  assert.equal(tagOf(`quay.io/x@${D}`), undefined);
  assert.equal(tagOf(`quay.io/x:1@${D}`), '1');
  assert.equal(digestOf(`quay.io/x:1@${D}`), D);
  assert.equal(digestOf('quay.io/x:1'), undefined);
  assert.ok(isValidTag('v1.0_rc-1'));
  assert.ok(!isValidTag('-v1'));
  assert.ok(!isValidTag('x'.repeat(129)));
});

test('localName: names given on this host', () => {
  assert.equal(localName('foo'), 'localhost/foo:latest');
  assert.equal(localName('foo:v2'), 'localhost/foo:v2');
  assert.equal(localName('a/b'), 'localhost/a/b:latest');
  assert.equal(localName('quay.io/x:1'), 'quay.io/x:1');
  assert.equal(localName('docker.io/busybox'), 'docker.io/library/busybox:latest');
  assert.equal(localName('localhost:5000/x'), 'localhost:5000/x:latest');
  throwsInvalid(() => localName(`foo@${D}`), /a digest cannot be used to name an image/);
  throwsInvalid(() => localName('Foo'), /invalid image name "Foo": repository name must be lowercase/);
  throwsInvalid(() => localName('a'.repeat(64)), /64-byte hexadecimal/);
});

test('splitName and nameMatches: stored names against what a user typed', () => {
  assert.deepEqual(splitName('localhost/foo:v2'), { repository: 'localhost/foo', tag: 'v2' });
  assert.deepEqual(splitName('localhost:5000/a/b'), { repository: 'localhost:5000/a/b', tag: 'latest' });
  assert.deepEqual(splitName(`quay.io/a@${D}`), { repository: 'quay.io/a', tag: '<none>' });
  const m = (stored: string, ref: string) => nameMatches(stored, parseNamed(ref));
  assert.ok(m('localhost/foo:latest', 'foo'));
  assert.ok(m('localhost/foo:v2', 'foo:v2'));
  assert.ok(!m('localhost/foo:v2', 'foo'));
  assert.ok(m('docker.io/library/busybox:latest', 'busybox'));
  assert.ok(m('docker.io/library/busybox:latest', 'docker.io/busybox'));
  assert.ok(m('docker.io/library/busybox:latest', 'index.docker.io/library/busybox:latest'));
  assert.ok(m('quay.io/a/b:1', 'a/b:1'));
  assert.ok(!m('quay.io/a/b:1', 'b:1'));
  assert.ok(!m('quay.io/a/b:1', 'example.com/a/b:1'));
});

test('isValidPath: repository paths for registry URLs', () => {
  assert.ok(isValidPath('library/busybox'));
  assert.ok(isValidPath('a__b/c--d/e.f'));
  for (const bad of ['../x', 'a/../b', 'a?b', 'A/b', '', 'a//b', 'x'.repeat(256)]) assert.ok(!isValidPath(bad), bad);
});
