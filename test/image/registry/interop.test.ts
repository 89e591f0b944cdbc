// Interoperability with containers/image (skopeo 1.9) through a real
// docker-registry: what husk pushes skopeo reads byte for byte, and what
// skopeo pushes husk reads and verifies.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RegistryClient } from '../../../src/image/registry/client.ts';
import { MEDIA } from '../../../src/image/types.ts';
import { startRegistry, type RunningRegistry } from '../../registry-server.ts';
import { chunks, collect, sha256, tinyImage, writeOciLayout } from './fixtures.ts';

function skopeo(args: string[]): Buffer {
  return execFileSync('skopeo', args, { maxBuffer: 64 << 20, stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000 });
}

describe('skopeo interop', () => {
  let reg: RunningRegistry;
  let c: RegistryClient;
  let work: string;
  before(async () => {
    reg = await startRegistry();
    c = new RegistryClient({ registry: reg.host, insecure: true });
    work = mkdtempSync(join(tmpdir(), 'husk-interop-'));
  });
  after(async () => {
    c.close();
    await reg.stop();
    rmSync(work, { recursive: true, force: true });
  });

  test('husk pushes, skopeo inspects and copies the same bytes', async () => {
    const img = tinyImage('husk-pushed');
    await c.uploadBlob('interop/husk', img.config.digest, img.config.bytes);
    await c.uploadBlob('interop/husk', img.layer.digest, chunks(img.layer.bytes, 4096), img.layer.bytes.length, { chunked: true, chunkSize: 32 * 1024 });
    const digest = await c.putManifest('interop/husk', 'v1', img.manifest, MEDIA.ociManifest);

    const ref = `docker://${reg.host}/interop/husk:v1`;
    const info = JSON.parse(skopeo(['inspect', '--tls-verify=false', ref]).toString());
    assert.equal(info.Digest, digest);
    assert.deepEqual(info.Layers, [img.layer.digest]);
    assert.equal(info.Labels.tag, 'husk-pushed');
    assert.ok(skopeo(['inspect', '--tls-verify=false', '--raw', ref]).equals(img.manifest));
    assert.ok(skopeo(['inspect', '--tls-verify=false', '--config', '--raw', ref]).equals(img.config.bytes));

    // A full copy makes skopeo fetch and verify every blob.
    const out = join(work, 'dir-out');
    skopeo(['copy', '--src-tls-verify=false', ref, `dir:${out}`]);
    assert.ok(readFileSync(join(out, 'manifest.json')).equals(img.manifest));
    assert.ok(readFileSync(join(out, img.layer.digest.slice(7))).equals(img.layer.bytes));
  });

  test('skopeo pushes an OCI layout, husk reads it back and verifies every digest', async () => {
    const img = tinyImage('skopeo-pushed');
    const layout = join(work, 'layout');
    writeOciLayout(layout, img, 'v2');
    skopeo(['copy', '--dest-tls-verify=false', `oci:${layout}:v2`, `docker://${reg.host}/interop/skopeo:v2`]);

    const m = await c.getManifest('interop/skopeo', 'v2', [MEDIA.ociManifest, MEDIA.dockerManifest]);
    assert.equal(m.digest, img.manifestDigest, 'skopeo kept the manifest as is');
    assert.equal(m.mediaType, MEDIA.ociManifest);
    const manifest = JSON.parse(m.bytes.toString()) as { config: { digest: string; size: number }; layers: { digest: string; size: number }[] };
    for (const d of [manifest.config, ...manifest.layers]) {
      const bytes = await collect(c.blobStream('interop/skopeo', d.digest, { size: d.size }));
      assert.equal(sha256(bytes), d.digest);
      const file = readdirSync(join(layout, 'blobs/sha256')).find((f) => `sha256:${f}` === d.digest);
      assert.ok(file && readFileSync(join(layout, 'blobs/sha256', file)).equals(bytes));
    }
    assert.deepEqual(await c.tags('interop/skopeo'), ['v2']);
    const byDigest = await c.getManifest('interop/skopeo', m.digest, [MEDIA.ociManifest]);
    assert.ok(byDigest.bytes.equals(m.bytes));
    assert.deepEqual((await c.catalog()).sort(), ['interop/husk', 'interop/skopeo']);
  });
});
