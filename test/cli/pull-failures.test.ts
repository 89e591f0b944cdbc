// Pulls that go wrong must leave the store as it was: a registry serving a
// corrupt layer, and a pull killed with SIGKILL in the middle of a download
// (the next pull then completes and nothing stale is left in ROOT/tmp).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { FIXTURES, HUSK, Store } from '../helpers.ts';

const sha = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const s = new Store();
let server: Server;
let host = '';
/** How /blobs/ for the big layer behaves: serve it all, corrupt it, or stall half-way. */
let mode: 'good' | 'corrupt' | 'stall' = 'good';

const rootfs = readFileSync(join(FIXTURES, 'busybox-rootfs.tar'));
const layer = gzipSync(rootfs);
const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', config: { Cmd: ['sh'] }, rootfs: { type: 'layers', diff_ids: [sha(rootfs)] } }));
const manifest = Buffer.from(JSON.stringify({
  schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json',
  config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha(config), size: config.length },
  layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: sha(layer), size: layer.length }],
}));

before(async () => {
  server = createServer((req, res) => {
    const url = req.url ?? '';
    if (url === '/v2/') return res.end('{}');
    if (url.endsWith('/manifests/v1')) {
      res.writeHead(200, { 'Content-Type': 'application/vnd.oci.image.manifest.v1+json', 'Docker-Content-Digest': sha(manifest) });
      return res.end(manifest);
    }
    if (url.endsWith(`/blobs/${sha(config)}`)) return res.end(config);
    if (url.endsWith(`/blobs/${sha(layer)}`)) {
      res.writeHead(200, { 'Content-Length': layer.length });
      if (mode === 'good') return res.end(layer);
      if (mode === 'corrupt') {
        const bad = Buffer.from(layer);
        bad[bad.length - 100] ^= 0xff;
        return res.end(bad);
      }
      res.write(layer.subarray(0, layer.length >> 1)); // then nothing: the client is killed meanwhile
      return;
    }
    res.writeHead(404, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ errors: [{ code: 'NAME_UNKNOWN', message: 'repository name not known to registry' }] }));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  host = `127.0.0.1:${(server.address() as { port: number }).port}`;
});
after(() => {
  server.closeAllConnections();
  server.close();
  s.destroy();
});

const listing = (d: string) => (existsSync(join(s.root, d)) ? readdirSync(join(s.root, d)).sort() : []);

test('a layer whose bytes do not match its digest: clear error, store unchanged', async () => {
  mode = 'corrupt';
  const before = { overlay: listing('overlay'), blobs: listing('blobs/sha256') };
  // Async: the registry runs in this process, so a blocking spawn would starve it.
  const r = await s.huskAsync(['pull', '--tls-verify=false', `${host}/bad/img:v1`]);
  assert.equal(r.code, 125);
  assert.match(r.stderr, /digest mismatch/i);
  assert.equal(s.ok(['images', '-q']), '');
  assert.deepEqual({ overlay: listing('overlay'), blobs: listing('blobs/sha256') }, before);
  assert.deepEqual(listing('tmp'), []);
});

test('a pull killed mid-download leaves no image; the next pull completes and cleans up', async () => {
  mode = 'stall';
  const child = spawn(HUSK, [...s.globals, 'pull', '--tls-verify=false', `${host}/slow/img:v1`], { stdio: 'ignore' });
  // Wait until the download is under way (its staging files exist), then kill it.
  for (let i = 0; i < 100 && !listing('tmp').length; i++) await new Promise((r) => setTimeout(r, 50));
  assert.ok(listing('tmp').length > 0, 'the pull started staging');
  child.kill('SIGKILL');
  await once(child, 'close');
  assert.equal(s.ok(['images', '-q']), '');
  mode = 'good';
  const pulled = await s.huskAsync(['pull', '-q', '--tls-verify=false', `${host}/slow/img:v1`]);
  assert.equal(pulled.code, 0, pulled.stderr);
  assert.equal(`sha256:${pulled.stdout.trim()}`, sha(config));
  assert.deepEqual(listing('tmp'), []);
  assert.equal(s.ok(['run', '--rm', `${host}/slow/img:v1`, 'echo', 'complete']), 'complete');
});
