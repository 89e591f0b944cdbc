// `save`: images out of the store as docker-archive, oci-archive or an OCI
// layout directory, built from the layer archives kept in ROOT/blobs so every
// digest is the one the image was pulled, loaded or imported with.
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, linkSync, mkdirSync, copyFileSync, renameSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createZstdDecompress } from 'node:zlib';
import { HuskError, invalidArgument } from '../common/errors.ts';
import { splitName } from './reference.ts';
import type { ImageStore } from './store.ts';
import { MEDIA, type ImageRecord, type Manifest } from './types.ts';

export type SaveFormat = 'docker-archive' | 'oci-archive' | 'oci-dir';

function sha256(b: Buffer): string {
  return `sha256:${createHash('sha256').update(b).digest('hex')}`;
}

/** Hard-links a stored blob into the layout (same filesystem), copying if that fails. */
function placeBlob(src: string, dst: string): void {
  if (existsSync(dst)) return;
  try {
    linkSync(src, dst);
  } catch {
    copyFileSync(src, dst);
  }
}

function layerBlobs(store: ImageStore, img: ImageRecord) {
  return img.layers.map((diffID) => {
    const b = store.blobFor(diffID);
    if (!b) throw new HuskError('ENGINE', `image ${img.id.slice(0, 12)}: the archive of layer ${diffID} was not kept; it cannot be saved`);
    return { diffID, ...b, path: store.blobPath(b.digest) };
  });
}

/** Writes a kept layer archive decompressed to dst (a plain tar: its digest is the layer's diff ID). */
async function writePlainLayer(l: { path: string; mediaType: string }, dst: string): Promise<void> {
  if (existsSync(dst)) return;
  if (l.mediaType.endsWith('gzip')) await pipeline(createReadStream(l.path), createGunzip(), createWriteStream(dst));
  else if (l.mediaType.endsWith('zstd')) await pipeline(createReadStream(l.path), createZstdDecompress(), createWriteStream(dst));
  else placeBlob(l.path, dst);
}

/**
 * Writes an OCI image layout into dir (created); one manifest per image,
 * ref.name annotation per name. Layers go as kept, or with uncompressed
 * (save --uncompressed) as plain tars named by their diff IDs.
 */
async function writeOciLayout(store: ImageStore, images: ImageRecord[], names: Map<string, string[]>, dir: string, uncompressed = false): Promise<void> {
  mkdirSync(join(dir, 'blobs', 'sha256'), { recursive: true });
  writeFileSync(join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  const manifests = [];
  for (const img of images) {
    const configBytes = Buffer.from(store.configBytes(img.id));
    writeFileSync(join(dir, 'blobs', 'sha256', img.id), configBytes);
    const layers = [];
    for (const l of layerBlobs(store, img)) {
      if (!uncompressed) {
        placeBlob(l.path, join(dir, 'blobs', 'sha256', l.digest.slice(7)));
        layers.push({ mediaType: toOciMedia(l.mediaType), digest: l.digest, size: l.size });
        continue;
      }
      const dst = join(dir, 'blobs', 'sha256', l.diffID.slice(7));
      await writePlainLayer(l, dst);
      layers.push({ mediaType: MEDIA.ociLayer, digest: l.diffID, size: statSync(dst).size });
    }
    const manifest: Manifest = {
      schemaVersion: 2, mediaType: MEDIA.ociManifest,
      config: { mediaType: MEDIA.ociConfig, digest: `sha256:${img.id}`, size: configBytes.length },
      layers,
    };
    const mb = Buffer.from(JSON.stringify(manifest));
    const md = sha256(mb);
    writeFileSync(join(dir, 'blobs', 'sha256', md.slice(7)), mb);
    const refs = names.get(img.id) ?? [];
    if (!refs.length) manifests.push({ mediaType: MEDIA.ociManifest, digest: md, size: mb.length });
    for (const r of refs) manifests.push({ mediaType: MEDIA.ociManifest, digest: md, size: mb.length, annotations: { 'org.opencontainers.image.ref.name': r } });
  }
  writeFileSync(join(dir, 'index.json'), JSON.stringify({ schemaVersion: 2, mediaType: MEDIA.ociIndex, manifests }));
}

function toOciMedia(m: string): string {
  if (m === MEDIA.dockerLayerGzip) return MEDIA.ociLayerGzip;
  if (m === 'application/vnd.docker.image.rootfs.diff.tar') return MEDIA.ociLayer;
  return m;
}

/** docker-archive: uncompressed layer tars named by diff ID, manifest.json with RepoTags. */
async function writeDockerArchiveDir(store: ImageStore, images: ImageRecord[], names: Map<string, string[]>, dir: string): Promise<void> {
  const entries = [];
  for (const img of images) {
    writeFileSync(join(dir, `${img.id}.json`), store.configBytes(img.id));
    const layerFiles: string[] = [];
    for (const l of layerBlobs(store, img)) {
      const rel = `${l.diffID.slice(7)}.tar`;
      layerFiles.push(rel);
      await writePlainLayer(l, join(dir, rel));
    }
    entries.push({ Config: `${img.id}.json`, RepoTags: names.get(img.id) ?? [], Layers: layerFiles });
  }
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(entries));
  const repos: Record<string, Record<string, string>> = {};
  for (const img of images) {
    for (const n of names.get(img.id) ?? []) {
      const { repository, tag } = splitName(n);
      (repos[repository] ??= {})[tag] = images.length ? img.layers.at(-1)!.slice(7) : '';
    }
  }
  writeFileSync(join(dir, 'repositories'), JSON.stringify(repos));
}

/** Tars dir into a file (out) or a stream, which is left open for the caller. */
function tarDir(dir: string, out: string | NodeJS.WritableStream): Promise<void> {
  return new Promise((resolve, reject) => {
    const args = ['--sort=name', '--owner=0', '--group=0', '--numeric-owner', '--mtime=@0', '-C', dir, '-cf', typeof out === 'string' ? out : '-', '.'];
    const t = spawn('tar', args, { stdio: ['ignore', typeof out === 'string' ? 'ignore' : 'pipe', 'pipe'] });
    let err = '';
    t.stderr!.on('data', (d) => (err += d));
    if (typeof out !== 'string') t.stdout!.pipe(out as NodeJS.WritableStream, { end: false });
    t.on('error', reject);
    t.on('close', (code) => (code === 0 ? resolve() : reject(new HuskError('ENGINE', `writing the archive: tar exited ${code}${err ? `: ${err.trim()}` : ''}`))));
  });
}

const FORMATS: SaveFormat[] = ['docker-archive', 'oci-archive', 'oci-dir'];

/**
 * Saves images (with the names they were asked for by) to output: a file,
 * a directory for oci-dir, or a stream (archives only). Every image is
 * resolved before anything is written.
 */
export async function saveImages(store: ImageStore, refs: string[], format: SaveFormat, output: string | NodeJS.WritableStream, o: { uncompressed?: boolean } = {}): Promise<void> {
  if (!FORMATS.includes(format)) throw invalidArgument(`unsupported format "${format}" for save: use docker-archive, oci-archive or oci-dir`);
  if (!refs.length) throw invalidArgument('need at least 1 argument: an image to save');
  const images: ImageRecord[] = [];
  const names = new Map<string, string[]>();
  for (const r of refs) {
    const img = store.resolve(r);
    if (!images.some((i) => i.id === img.id)) images.push(img);
    const full = img.names.find((n) => n === r) ?? img.names.find((n) => n.endsWith(`/${r}`) || n.endsWith(`/${r}:latest`) || n.endsWith(`/library/${r}:latest`));
    if (full) names.set(img.id, [...(names.get(img.id) ?? []), full]);
  }
  if (format === 'oci-dir') {
    if (typeof output !== 'string') throw invalidArgument('oci-dir needs an output directory');
    await writeOciLayout(store, images, names, output, o.uncompressed);
    return;
  }
  const tmp = join(store.root, 'tmp', `save-${process.pid}-${randomBytes(8).toString('hex')}`);
  mkdirSync(tmp, { recursive: true });
  try {
    if (format === 'oci-archive') await writeOciLayout(store, images, names, tmp, o.uncompressed);
    else await writeDockerArchiveDir(store, images, names, tmp);
    if (typeof output !== 'string') return await tarDir(tmp, output);
    // Write beside the target and rename, so an interrupted save leaves no half archive.
    const part = `${output}.husk-part-${randomBytes(4).toString('hex')}`;
    await tarDir(tmp, part);
    renameSync(part, output);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
