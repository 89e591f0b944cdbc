// RegistryClient against a real docker-registry 2.8: uploads (monolithic and
// chunked), HEAD, mounts, manifests by tag and digest, listings, error
// wording, and both auth flavours (htpasswd Basic, and Bearer tokens the
// registry verifies).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { RegistryClient } from '../../../src/image/registry/client.ts';
import { HuskError, type ErrorCode } from '../../../src/common/errors.ts';
import { MEDIA } from '../../../src/image/types.ts';
import { startRegistry, type RunningRegistry } from '../../registry-server.ts';
import { chunks, collect, sha256, startTokenServer, tinyImage, type TinyImage, type TokenServer } from './fixtures.ts';

const isCode = (code: ErrorCode, re?: RegExp) => (e: unknown) => {
  assert.ok(e instanceof HuskError, `not a HuskError: ${e}`);
  assert.equal(e.code, code, e.message);
  if (re) assert.match(e.message, re);
  return true;
};

/** Pushes an image: config monolithic from a Buffer, the layer chunked from a stream. */
async function push(c: RegistryClient, repo: string, img: TinyImage, tag: string): Promise<string> {
  await c.uploadBlob(repo, img.config.digest, img.config.bytes);
  await c.uploadBlob(repo, img.layer.digest, chunks(img.layer.bytes, 7000), img.layer.bytes.length, { chunked: true, chunkSize: 64 * 1024 });
  return c.putManifest(repo, tag, img.manifest, MEDIA.ociManifest);
}

describe('plain registry', () => {
  let reg: RunningRegistry;
  let c: RegistryClient;
  const img = tinyImage('plain');
  before(async () => {
    reg = await startRegistry();
    c = new RegistryClient({ registry: reg.host, insecure: true });
  });
  after(async () => {
    c.close();
    await reg.stop();
  });

  test('insecure falls back to http; a verifying client refuses plain http', async () => {
    assert.equal(await c.endpoint(), `http://${reg.host}`);
    await c.ping();
    const strict = new RegistryClient({ registry: reg.host });
    try {
      await assert.rejects(strict.ping(), isCode('REGISTRY', new RegExp(`pinging container registry ${reg.host}: GET "https://${reg.host}/v2/"`)));
    } finally {
      strict.close();
    }
  });

  test('blobs: monolithic and chunked upload, HEAD, verified download, resume', async () => {
    assert.equal(await c.hasBlob('husk/app', img.layer.digest), false);
    assert.equal(await c.uploadBlob('husk/app', img.config.digest, img.config.bytes), img.config.digest);
    // Monolithic from a stream of unknown length, too.
    assert.equal(await c.uploadBlob('husk/mono', img.layer.digest, chunks(img.layer.bytes)), img.layer.digest);
    assert.equal(await c.uploadBlob('husk/app', img.layer.digest, chunks(img.layer.bytes, 5000), img.layer.bytes.length, { chunked: true, chunkSize: 50_000 }), img.layer.digest);
    assert.equal(await c.hasBlob('husk/app', img.config.digest), true);
    assert.equal(await c.hasBlob('husk/app', img.layer.digest), true);
    assert.equal(await c.hasBlob('husk/mono', img.layer.digest), true);
    const got = await collect(c.blobStream('husk/app', img.layer.digest, { size: img.layer.bytes.length }));
    assert.ok(got.equals(img.layer.bytes));
    // Resume from byte 1000 with the caller's hash of the first 1000 bytes.
    const hash = createHash('sha256').update(img.layer.bytes.subarray(0, 1000));
    const rest = await collect(c.blobStream('husk/app', img.layer.digest, { offset: 1000, hash, size: img.layer.bytes.length }));
    assert.ok(rest.equals(img.layer.bytes.subarray(1000)));
    // A size that disagrees with the descriptor fails the stream.
    await assert.rejects(collect(c.blobStream('husk/app', img.config.digest, { size: img.config.bytes.length + 1 })), isCode('DIGEST_MISMATCH', /expected \d+ bytes/));
    await assert.rejects(collect(c.blobStream('husk/app', sha256('absent'))), isCode('BLOB_UNKNOWN', /blob unknown/));
  });

  test('uploads with a wrong digest or size are refused and leave nothing', async () => {
    const data = Buffer.from('some bytes');
    const wrong = sha256('other bytes');
    await assert.rejects(c.uploadBlob('husk/bad', wrong, data), isCode('DIGEST_MISMATCH', /digest invalid/));
    await assert.rejects(c.uploadBlob('husk/bad', wrong, chunks(data, 3), undefined, { chunked: true, chunkSize: 4 }), isCode('DIGEST_MISMATCH', /content hashes to/));
    await assert.rejects(c.uploadBlob('husk/bad', sha256(data), chunks(data, 3), 5), isCode('DIGEST_MISMATCH', /more than the declared 5 bytes/));
    assert.equal(await c.hasBlob('husk/bad', wrong), false);
    assert.equal(await c.hasBlob('husk/bad', sha256(data)), false);
  });

  test('cross-repository mount: 201 mounts, 202 is cancelled and reported', async () => {
    await c.uploadBlob('husk/src', img.config.digest, img.config.bytes);
    assert.equal(await c.mountBlob('husk/dst', img.config.digest, 'husk/src'), true);
    assert.equal(await c.hasBlob('husk/dst', img.config.digest), true);
    assert.equal(await c.mountBlob('husk/dst2', sha256('not anywhere'), 'husk/src'), false);
  });

  test('manifests: put by tag, get by tag and by digest, byte-identical', async () => {
    const digest = await push(c, 'husk/img', img, 'v1');
    assert.equal(digest, img.manifestDigest);
    const byTag = await c.getManifest('husk/img', 'v1', [MEDIA.ociManifest, MEDIA.dockerManifest]);
    assert.deepEqual({ ...byTag, bytes: undefined }, { bytes: undefined, mediaType: MEDIA.ociManifest, digest });
    assert.ok(byTag.bytes.equals(img.manifest));
    const byDigest = await c.getManifest('husk/img', digest, [MEDIA.ociManifest]);
    assert.ok(byDigest.bytes.equals(img.manifest));
    assert.equal(byDigest.digest, digest);
    assert.equal(await c.putManifest('husk/img', digest, img.manifest, MEDIA.ociManifest), digest);
    await assert.rejects(c.putManifest('husk/img', sha256('x'), img.manifest, MEDIA.ociManifest), isCode('DIGEST_MISMATCH'));
    await assert.rejects(c.getManifest('husk/img', 'nope', [MEDIA.ociManifest]),
      isCode('MANIFEST_UNKNOWN', new RegExp(`^reading manifest nope in ${reg.host}/husk/img: manifest unknown$`)));
    await assert.rejects(c.getManifest('husk/never', 'v1', [MEDIA.ociManifest]), isCode('MANIFEST_UNKNOWN'));
    await assert.rejects(c.getManifest('husk/img', '../x', [MEDIA.ociManifest]), isCode('INVALID_ARGUMENT'));
  });

  test('tags and catalog', async () => {
    await c.putManifest('husk/img', 'v2', img.manifest, MEDIA.ociManifest);
    assert.deepEqual((await c.tags('husk/img')).sort(), ['v1', 'v2']);
    const repos = await c.catalog();
    for (const r of ['husk/app', 'husk/img', 'husk/dst']) assert.ok(repos.includes(r), `${r} in ${repos}`);
    await assert.rejects(c.tags('husk/none'), isCode('MANIFEST_UNKNOWN', /name unknown/));
  });
});

describe('htpasswd (Basic) registry', () => {
  let reg: RunningRegistry;
  const img = tinyImage('basic');
  before(async () => {
    reg = await startRegistry({ auth: { user: 'alice', pass: 's3cret' } });
  });
  after(() => reg.stop());

  test('no credentials: UNAUTHORIZED with Podman wording', async () => {
    const c = new RegistryClient({ registry: reg.host, insecure: true });
    try {
      await assert.rejects(c.ping(), isCode('UNAUTHORIZED', /unauthorized: authentication required/));
      await assert.rejects(c.getManifest('husk/x', 'latest', [MEDIA.ociManifest]), isCode('UNAUTHORIZED', /^reading manifest latest in .*: unauthorized: authentication required$/));
      await assert.rejects(c.hasBlob('husk/x', img.layer.digest), isCode('UNAUTHORIZED'));
    } finally {
      c.close();
    }
  });

  test('wrong password: UNAUTHORIZED', async () => {
    const c = new RegistryClient({ registry: reg.host, insecure: true, credentials: { username: 'alice', password: 'nope' } });
    try {
      await assert.rejects(c.ping(), isCode('UNAUTHORIZED'));
      await assert.rejects(c.uploadBlob('husk/x', img.config.digest, img.config.bytes), isCode('UNAUTHORIZED'));
    } finally {
      c.close();
    }
  });

  test('with credentials: push and pull work', async () => {
    const c = new RegistryClient({ registry: reg.host, insecure: true, credentials: { username: 'alice', password: 's3cret' } });
    try {
      await c.ping();
      const digest = await push(c, 'husk/x', img, 'latest');
      const m = await c.getManifest('husk/x', 'latest', [MEDIA.ociManifest]);
      assert.equal(m.digest, digest);
      assert.ok((await collect(c.blobStream('husk/x', img.layer.digest))).equals(img.layer.bytes));
      assert.deepEqual(await c.tags('husk/x'), ['latest']);
    } finally {
      c.close();
    }
  });
});

describe('token (Bearer) registry', () => {
  let reg: RunningRegistry;
  let tokens: TokenServer;
  const img = tinyImage('token');
  before(async () => {
    tokens = await startTokenServer('bob', 'hunter2');
    reg = await startRegistry({ token: tokens });
  });
  after(async () => {
    await reg.stop();
    await tokens.close();
  });

  test('push with credentials; tokens are cached per scope', async () => {
    const c = new RegistryClient({ registry: reg.host, insecure: true, credentials: { username: 'bob', password: 'hunter2' } });
    try {
      const before = tokens.requests.length;
      const digest = await push(c, 'team/app', img, '1.0');
      assert.equal(digest, img.manifestDigest);
      const pushTokens = tokens.requests.slice(before);
      assert.equal(pushTokens.length, 1, JSON.stringify(pushTokens));
      assert.deepEqual(pushTokens[0], { user: 'bob', scopes: ['repository:team/app:pull,push'] });
      await c.getManifest('team/app', '1.0', [MEDIA.ociManifest]);
      await c.getManifest('team/app', digest, [MEDIA.ociManifest]);
      assert.equal(tokens.requests.length - before, 2, 'one more token, for the pull scope, reused');
    } finally {
      c.close();
    }
  });

  test('anonymous pull works, anonymous push is UNAUTHORIZED, a wrong password fails at the token server', async () => {
    const anon = new RegistryClient({ registry: reg.host, insecure: true });
    try {
      const m = await anon.getManifest('team/app', '1.0', [MEDIA.ociManifest]);
      assert.equal(m.digest, img.manifestDigest);
      assert.ok((await collect(anon.blobStream('team/app', img.config.digest))).equals(img.config.bytes));
      assert.equal(tokens.requests.at(-1)?.user, undefined);
      await assert.rejects(anon.uploadBlob('team/app', img.config.digest, img.config.bytes), isCode('UNAUTHORIZED', /authentication required|insufficient/));
    } finally {
      anon.close();
    }
    const bad = new RegistryClient({ registry: reg.host, insecure: true, credentials: { username: 'bob', password: 'wrong' } });
    try {
      await assert.rejects(bad.getManifest('team/app', '1.0', [MEDIA.ociManifest]),
        isCode('UNAUTHORIZED', /unable to retrieve auth token: invalid username\/password: unauthorized: invalid credentials/));
    } finally {
      bad.close();
    }
  });
});
