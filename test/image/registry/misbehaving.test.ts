// The client against a registry that lies or stalls: a small Node HTTP
// server whose handler each test replaces. These are failure modes a real
// registry will not produce on demand.
import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { RegistryClient, MAX_MANIFEST_BYTES } from '../../../src/image/registry/client.ts';
import { HuskError, type ErrorCode } from '../../../src/common/errors.ts';
import { MEDIA } from '../../../src/image/types.ts';
import { chunks, collect, sha256 } from './fixtures.ts';

type Handler = (req: IncomingMessage, res: ServerResponse, body: Buffer) => void;

async function listen(handler: () => Handler): Promise<{ server: Server; host: string }> {
  const server = createServer(async (req, res) => {
    const parts: Buffer[] = [];
    for await (const c of req) parts.push(c as Buffer);
    handler()(req, res, Buffer.concat(parts));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, host: `127.0.0.1:${(server.address() as { port: number }).port}` };
}

const rejectsWith = (code: ErrorCode, re?: RegExp) => (e: unknown) => {
  assert.ok(e instanceof HuskError, `not a HuskError: ${e}`);
  assert.equal(e.code, code, e.message);
  if (re) assert.match(e.message, re);
  return true;
};

const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
  res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
};

describe('misbehaving registry', () => {
  let srv: { server: Server; host: string };
  let storage: { server: Server; host: string };
  let handler: Handler;
  let storageHeaders: IncomingHttpHeaders[] = [];
  let client: RegistryClient;
  const blob = Buffer.from('the real blob content '.repeat(1000));
  const digest = sha256(blob);

  before(async () => {
    srv = await listen(() => handler);
    storage = await listen(() => (req, res) => {
      storageHeaders.push(req.headers);
      res.writeHead(200, { 'Content-Length': blob.length });
      res.end(blob);
    });
  });
  after(() => {
    for (const s of [srv, storage]) {
      s.server.closeAllConnections();
      s.server.close();
    }
  });
  beforeEach(() => {
    storageHeaders = [];
    client?.close();
    client = new RegistryClient({ registry: srv.host, insecure: true, idleTimeoutMs: 300 });
  });

  /** Answers /v2/ with 200 and everything else with `rest`. */
  const serve = (rest: Handler) => {
    handler = (req, res, body) => (req.url === '/v2/' ? json(res, 200, {}) : rest(req, res, body));
  };

  test('a blob whose bytes do not match its digest: the stream throws DIGEST_MISMATCH instead of ending', async () => {
    serve((_req, res) => {
      const wrong = Buffer.from(blob);
      wrong[10] ^= 1;
      res.writeHead(200, { 'Content-Length': wrong.length });
      res.end(wrong);
    });
    let seen = 0;
    await assert.rejects(async () => {
      for await (const c of client.blobStream('r/x', digest)) seen += c.length;
    }, rejectsWith('DIGEST_MISMATCH', /content hashes to/));
    assert.equal(seen, blob.length, 'every byte was delivered before the verdict');
  });

  test('a truncated blob (Content-Length larger than what is sent) is an error', async () => {
    serve((_req, res) => {
      res.writeHead(200, { 'Content-Length': blob.length * 2 });
      res.write(blob, () => res.destroy());
    });
    await assert.rejects(collect(client.blobStream('r/x', digest)), rejectsWith('REGISTRY', /reading blob .*(connection closed|aborted)/));
  });

  test('more bytes than the descriptor size stops the stream early', async () => {
    serve((_req, res) => {
      res.writeHead(200);
      res.end(Buffer.concat([blob, blob]));
    });
    await assert.rejects(collect(client.blobStream('r/x', digest, { size: blob.length })), rejectsWith('DIGEST_MISMATCH', /more data than/));
  });

  test('resuming from a server that ignores Range still yields only the rest, verified', async () => {
    serve((req, res) => {
      assert.equal(req.headers.range, 'bytes=1000-');
      res.writeHead(200, { 'Content-Length': blob.length });
      res.end(blob);
    });
    const hash = createHash('sha256').update(blob.subarray(0, 1000));
    assert.ok((await collect(client.blobStream('r/x', digest, { offset: 1000, hash }))).equals(blob.subarray(1000)));
    const badPrefix = createHash('sha256').update(Buffer.alloc(1000));
    await assert.rejects(collect(client.blobStream('r/x', digest, { offset: 1000, hash: badPrefix })), rejectsWith('DIGEST_MISMATCH'));
    assert.throws(() => client.blobStream('r/x', digest, { offset: 1000 }), rejectsWith('INVALID_ARGUMENT'));
  });

  test('a manifest over 4 MiB is refused without reading it all', async () => {
    let written = 0;
    let closed: Promise<unknown> = Promise.resolve();
    serve((_req, res) => {
      // Declared too large: refused on the headers.
      res.writeHead(200, { 'Content-Type': MEDIA.ociManifest, 'Content-Length': MAX_MANIFEST_BYTES + 1 });
      closed = once(res, 'close');
      res.write(Buffer.alloc(64 * 1024, ' '), () => (written += 64 * 1024));
    });
    await assert.rejects(client.getManifest('r/x', 'big', [MEDIA.ociManifest]), rejectsWith('REGISTRY', /larger than the 4 MiB limit/));
    await closed;
    assert.ok(written <= 64 * 1024);

    // Undeclared (chunked) and endless: cut off just past the limit.
    let sent = 0;
    serve(async (_req, res) => {
      res.writeHead(200, { 'Content-Type': MEDIA.ociManifest });
      const piece = Buffer.alloc(256 * 1024, ' ');
      while (!res.destroyed && sent < 256 * 1024 * 1024) {
        sent += piece.length;
        if (!res.write(piece)) {
          await new Promise<void>((resolve) => {
            const done = () => { res.off('drain', done); res.off('close', done); resolve(); };
            res.on('drain', done).on('close', done);
          });
        }
      }
      res.end();
    });
    await assert.rejects(client.getManifest('r/x', 'endless', [MEDIA.ociManifest]), rejectsWith('REGISTRY', /larger than the 4 MiB limit/));
    assert.ok(sent < 64 * 1024 * 1024, `server sent ${sent} bytes`);
  });

  test('manifest digests are verified, by digest and against Docker-Content-Digest', async () => {
    const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MEDIA.ociManifest, config: {}, layers: [] }));
    serve((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json', 'Docker-Content-Digest': sha256('something else') });
      res.end(manifest);
    });
    await assert.rejects(client.getManifest('r/x', 'v1', [MEDIA.ociManifest]), rejectsWith('DIGEST_MISMATCH', /Docker-Content-Digest/));
    await assert.rejects(client.getManifest('r/x', sha256('other'), [MEDIA.ociManifest]), rejectsWith('DIGEST_MISMATCH'));
    serve((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8' });
      res.end(manifest);
    });
    // A generic Content-Type: the media type comes from the manifest itself.
    assert.deepEqual((await client.getManifest('r/x', sha256(manifest), [MEDIA.ociManifest])).mediaType, MEDIA.ociManifest);
  });

  test('endless 401 with a bearer challenge: UNAUTHORIZED after two tries', async () => {
    let resourceHits = 0;
    let tokenHits = 0;
    handler = (req, res) => {
      if (req.url?.startsWith('/token')) {
        tokenHits++;
        return json(res, 200, { token: `t${tokenHits}` });
      }
      if (req.url !== '/v2/') resourceHits++;
      json(res, 401, { errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] },
        { 'WWW-Authenticate': `Bearer realm="http://${srv.host}/token",service="svc"` });
    };
    await assert.rejects(client.getManifest('r/x', 'v1', [MEDIA.ociManifest]), rejectsWith('UNAUTHORIZED', /unauthorized: authentication required/));
    assert.equal(resourceHits, 2);
    assert.equal(tokenHits, 2, 'one token, then one fresh token for the retry');
  });

  test('redirects are followed; Authorization is not sent to another host', async () => {
    const seen: IncomingHttpHeaders[] = [];
    handler = (req, res) => {
      if (req.url === '/v2/' && !req.headers.authorization) return json(res, 401, {}, { 'WWW-Authenticate': 'Basic realm="r"' });
      seen.push(req.headers);
      if (req.url === '/v2/') return json(res, 200, {});
      res.writeHead(307, { Location: `http://${storage.host}/bucket/blob?sig=1` });
      res.end();
    };
    client.close();
    client = new RegistryClient({ registry: srv.host, insecure: true, credentials: { username: 'u', password: 'p' } });
    assert.ok((await collect(client.blobStream('r/x', digest))).equals(blob));
    assert.match(seen.at(-1)?.authorization ?? '', /^Basic /);
    assert.equal(storageHeaders.length, 1);
    assert.equal(storageHeaders[0].authorization, undefined);
  });

  test('no data for longer than the idle timeout: before the headers and mid-body', async () => {
    serve(() => { /* never answers */ });
    await assert.rejects(client.hasBlob('r/x', digest), rejectsWith('REGISTRY', /no data received for 0.3 s/));
    serve((_req, res) => {
      res.writeHead(200, { 'Content-Length': blob.length });
      res.write(blob.subarray(0, 100)); // then silence
    });
    const started = Date.now();
    await assert.rejects(collect(client.blobStream('r/x', digest)), rejectsWith('REGISTRY', /no data received for 0.3 s/));
    assert.ok(Date.now() - started < 5000);
  });

  test('a consumer pausing longer than the idle timeout is not the server being silent', async () => {
    const big = Buffer.alloc(16 * 1024 * 1024, 'z'); // more than the socket buffers hold
    serve((_req, res) => {
      res.writeHead(200, { 'Content-Length': big.length });
      res.end(big);
    });
    let n = 0;
    for await (const c of client.blobStream('r/x', sha256(big))) {
      if (n === 0) await new Promise((r) => setTimeout(r, 800));
      n += c.length;
    }
    assert.equal(n, big.length);
  });

  test('chunked upload sends consecutive Content-Ranges and follows each Location; mount 202 is cancelled', async () => {
    const log: string[] = [];
    let stored = Buffer.alloc(0);
    serve((req, res, body) => {
      const url = new URL(req.url!, 'http://x');
      log.push(`${req.method} ${url.pathname}${req.headers['content-range'] ? ` ${req.headers['content-range']}` : ''}${url.searchParams.get('digest') ? ' digest' : ''}`);
      if (req.method === 'POST') return json(res, 202, {}, { Location: '/upload/1?_state=a%2Bb' });
      if (req.method === 'DELETE') return json(res, 204, {});
      if (req.method === 'PATCH') {
        stored = Buffer.concat([stored, body]);
        const n = Number(url.pathname.split('/').pop()) + 1;
        return json(res, 202, {}, { Location: `http://${srv.host}/upload/${n}`, Range: `0-${stored.length - 1}` });
      }
      assert.equal(url.searchParams.get('digest'), digest);
      json(res, 201, {}, { 'Docker-Content-Digest': sha256(stored) });
    });
    await client.uploadBlob('r/x', digest, chunks(blob, 3000), blob.length, { chunked: true, chunkSize: 10_000 });
    assert.ok(stored.equals(blob));
    assert.deepEqual(log, [
      'POST /v2/r/x/blobs/uploads/', 'PATCH /upload/1 0-9999', 'PATCH /upload/2 10000-19999', 'PATCH /upload/3 20000-21999', 'PUT /upload/4 digest',
    ]);
    log.length = 0;
    assert.equal(await client.mountBlob('r/x', digest, 'r/y'), false);
    assert.deepEqual(log, ['POST /v2/r/x/blobs/uploads/', 'DELETE /upload/1']);
  });

  test('5xx and refused connections are REGISTRY errors naming the registry', async () => {
    serve((_req, res) => json(res, 503, { errors: [{ code: 'UNAVAILABLE', message: 'try later' }] }));
    await assert.rejects(client.tags('r/x'), rejectsWith('REGISTRY', new RegExp(`listing tags of ${srv.host}/r/x: unavailable: try later`)));
    serve((_req, res) => { res.writeHead(502); res.end('<html>bad gateway</html>'); });
    await assert.rejects(client.hasBlob('r/x', digest), rejectsWith('REGISTRY', /received unexpected HTTP status: 502 Bad Gateway/));
    const dead = new RegistryClient({ registry: '127.0.0.1:1', insecure: true });
    await assert.rejects(dead.ping(), rejectsWith('REGISTRY', /pinging container registry 127.0.0.1:1: .*ECONNREFUSED/));
    dead.close();
  });
});
