// Pushing an image from the store to a registry. Layer archives are pushed
// as they were received when their compression fits (so a pulled image
// pushes back with the same digests); plain tars are compressed first (gzip
// by default, zstd on request). Blobs the registry already has are skipped,
// and blobs it has in another repository are mounted instead of uploaded.
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, rmSync, statSync } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { createGzip, createZstdCompress, createGunzip, createZstdDecompress } from 'node:zlib';
import { HuskError, invalidArgument } from '../common/errors.ts';
import { parseNormalized } from './reference.ts';
import type { RemoteOptions } from './pull.ts';
import { runLimited } from './pull.ts';
import { RegistryClient } from './registry/client.ts';
import type { ImageStore, LayerBlob } from './store.ts';
import { MEDIA, type Manifest } from './types.ts';

export interface PushOptions extends RemoteOptions {
  compressionFormat?: 'gzip' | 'zstd';
  /** The manifest type to push (push --format): oci or v2s2; default the stored manifest's (Docker's for build --format docker). */
  manifestFormat?: 'oci' | 'v2s2';
  /** Recompress even layers already compressed another way. */
  forceCompression?: boolean;
  /** Repositories on the same registry that may already hold the blobs (cross-repo mount). */
  mountFrom?: string[];
  onProgress?: (p: { kind: 'exists' | 'mounted' | 'upload' | 'manifest'; digest: string; config?: boolean }) => void;
  /** Put the manifest under its digest instead of the destination's tag (an entry of a manifest list). */
  byDigest?: boolean;
  /** The manifest as pushed (a manifest list records its digest, size and media type). */
  onManifest?: (m: { digest: string; size: number; mediaType: string }) => void;
}

const COMPRESSED: Record<string, 'gzip' | 'zstd' | undefined> = {
  [MEDIA.ociLayerGzip]: 'gzip', [MEDIA.dockerLayerGzip]: 'gzip', [MEDIA.ociLayerZstd]: 'zstd',
};

/** A gzip layer's media type in the manifest format being pushed. */
function layerType(mediaType: string, docker: boolean): string {
  if (COMPRESSED[mediaType] !== 'gzip') return mediaType;
  return docker ? MEDIA.dockerLayerGzip : MEDIA.ociLayerGzip;
}

/** Recompresses a stored layer archive into `format` in a temp file; returns its blob. */
async function recompress(store: ImageStore, b: LayerBlob, format: 'gzip' | 'zstd'): Promise<LayerBlob & { path: string }> {
  const tmp = store.tmpBlobPath();
  const hash = createHash('sha256');
  const src = createReadStream(store.blobPath(b.digest));
  const stages: NodeJS.ReadWriteStream[] = [];
  const was = COMPRESSED[b.mediaType];
  if (was === 'gzip') stages.push(createGunzip());
  if (was === 'zstd') stages.push(createZstdDecompress());
  stages.push(format === 'gzip' ? createGzip({ level: 6 }) : createZstdCompress());
  await pipeline([src, ...stages, createWriteStream(tmp)]);
  for await (const c of createReadStream(tmp)) hash.update(c as Buffer);
  return { digest: `sha256:${hash.digest('hex')}`, mediaType: format === 'gzip' ? MEDIA.ociLayerGzip : MEDIA.ociLayerZstd, size: statSync(tmp).size, path: tmp };
}

/** Pushes a local image to a fully qualified destination; returns the manifest digest. */
export async function pushImage(store: ImageStore, source: string, destination: string, opts: PushOptions = {}): Promise<string> {
  const img = store.resolve(source);
  const ref = parseNormalized(destination);
  if (!ref.domain) throw invalidArgument(`push needs a fully qualified destination, got "${destination}"`);
  if (ref.digest) throw invalidArgument(`cannot push to a digest reference "${destination}"`);
  const client = new RegistryClient({ registry: ref.domain, insecure: opts.insecure, certDir: opts.certDir, credentials: opts.credentials });
  const temps: string[] = [];
  try {
    const stored = store.manifestBytes(img.id);
    const storedManifest = JSON.parse(stored.toString('utf8')) as Manifest & { mediaType?: string };
    // An image stored as Docker v2 schema 2 (build --format docker, a pull) is pushed as one; its layers are gzip.
    const docker = opts.manifestFormat ? opts.manifestFormat === 'v2s2' : storedManifest.mediaType === MEDIA.dockerManifest;
    if (docker && opts.compressionFormat === 'zstd') throw invalidArgument('zstd compression is not supported by the docker manifest format');
    const want = opts.compressionFormat ?? 'gzip';
    const layers: (LayerBlob & { path: string })[] = [];
    const storedLayers = storedManifest.layers ?? [];
    for (const [i, diffID] of img.layers.entries()) {
      // The archive the stored manifest names, when kept; else any archive of the layer.
      const named = storedLayers[i] && store.hasBlob(diffID, storedLayers[i].digest) ? { digest: storedLayers[i].digest, mediaType: storedLayers[i].mediaType, size: storedLayers[i].size } : undefined;
      const b = named ?? store.blobFor(diffID);
      if (!b) throw new HuskError('ENGINE', `image ${img.id.slice(0, 12)}: the archive of layer ${diffID} was not kept; it cannot be pushed`);
      const have = COMPRESSED[b.mediaType];
      // Keep what was received unless it is uncompressed or a different format was asked for.
      if (have && (have === want || (!docker && !opts.forceCompression && !opts.compressionFormat))) layers.push({ ...b, path: store.blobPath(b.digest) });
      else {
        const r = await recompress(store, b, want);
        temps.push(r.path);
        layers.push(r);
      }
    }
    const configBytes = Buffer.from(store.configBytes(img.id));
    const configDigest = `sha256:${img.id}`;
    const upload = async (digest: string, size: number, open: () => AsyncIterable<Buffer> | Buffer, config?: true) => {
      if (await client.hasBlob(ref.path, digest)) return opts.onProgress?.({ kind: 'exists', digest, config });
      for (const from of opts.mountFrom ?? []) {
        if (from !== ref.path && (await client.mountBlob(ref.path, digest, from))) return opts.onProgress?.({ kind: 'mounted', digest, config });
      }
      opts.onProgress?.({ kind: 'upload', digest, config });
      await client.uploadBlob(ref.path, digest, open(), size);
    };
    await runLimited(layers.map((l) => () => upload(l.digest, l.size, () => createReadStream(l.path, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>)), 3);
    await upload(configDigest, configBytes.length, () => configBytes, true);
    // The stored manifest is reused byte for byte when it describes exactly these blobs.
    const same = (storedManifest.mediaType === MEDIA.dockerManifest) === docker && storedManifest.config?.digest === configDigest && storedManifest.layers?.length === layers.length &&
      storedManifest.layers.every((l, i) => l.digest === layers[i].digest);
    let bytes: Buffer;
    let mediaType: string;
    if (same) {
      bytes = stored;
      mediaType = storedManifest.mediaType ?? MEDIA.ociManifest;
    } else {
      mediaType = docker ? MEDIA.dockerManifest : MEDIA.ociManifest;
      const manifest: Manifest = {
        schemaVersion: 2, mediaType,
        config: { mediaType: docker ? MEDIA.dockerConfig : MEDIA.ociConfig, digest: configDigest, size: configBytes.length },
        layers: layers.map((l) => ({ mediaType: layerType(l.mediaType, docker), digest: l.digest, size: l.size })),
      };
      bytes = Buffer.from(JSON.stringify(manifest));
    }
    const target = opts.byDigest ? `sha256:${createHash('sha256').update(bytes).digest('hex')}` : ref.tag ?? 'latest';
    const digest = await client.putManifest(ref.path, target, bytes, mediaType);
    opts.onProgress?.({ kind: 'manifest', digest });
    opts.onManifest?.({ digest, size: bytes.length, mediaType });
    return digest;
  } finally {
    client.close();
    for (const t of temps) rmSync(t, { force: true });
  }
}
