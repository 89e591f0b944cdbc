// Images in and out of tarballs: import (a root filesystem), load
// (docker-archive, oci-archive, OCI layout) and save, with the events they
// record; and build contexts sent as tarballs, unpacked for the builder. Streams are spooled to ROOT/tmp first: archives are read twice
// (outer tar, then blobs), and a file there is cleaned up if husk dies.
import { createWriteStream, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { HuskError } from '../../common/errors.ts';
import { randomBytes } from '../../common/random.ts';
import type { ImageRecord } from '../../image/types.ts';
import type { EngineContext } from '../context.ts';
import type { ImageImportOptions, SaveFormat } from './api.ts';

/** Runs fn on a path: the given one, or a spooled copy of the stream (deleted afterwards). */
async function withPath<T>(ctx: EngineContext, source: string | NodeJS.ReadableStream, fn: (path: string) => Promise<T>): Promise<T> {
  if (typeof source === 'string') return fn(source);
  mkdirSync(join(ctx.config.root, 'tmp'), { recursive: true });
  // "load-PID-" names are swept by the store when this process is gone.
  const tmp = join(ctx.config.root, 'tmp', `load-${process.pid}-${randomBytes(8).toString('hex')}.tar`);
  try {
    await pipeline(source, createWriteStream(tmp));
    return await fn(tmp);
  } finally {
    rmSync(tmp, { force: true });
  }
}

async function download(url: string): Promise<NodeJS.ReadableStream> {
  const { HuskError } = await import('../../common/errors.ts');
  let res: Response;
  try {
    res = await fetch(url);
  } catch (err) {
    throw new HuskError('ENGINE', `downloading ${url}: ${(err as Error & { cause?: Error }).cause?.message ?? (err as Error).message}`);
  }
  if (!res.ok || !res.body) throw new HuskError('ENGINE', `downloading ${url}: invalid status code ${res.status} (${res.statusText})`);
  const { Readable } = await import('node:stream');
  return Readable.fromWeb(res.body as import('node:stream/web').ReadableStream);
}

export async function importImage(ctx: EngineContext, source: string | NodeJS.ReadableStream, o: ImageImportOptions = {}): Promise<ImageRecord> {
  const { importTarball } = await import('../../image/import.ts');
  // Podman imports from an http(s) URL too: the download is spooled like a stream.
  if (typeof source === 'string' && /^https?:\/\//i.test(source)) source = await download(source);
  const img = await withPath(ctx, source, (path) => importTarball(ctx.images, path, o.reference, { changes: o.changes, message: o.message, arch: o.arch, os: o.os, variant: o.variant }));
  ctx.events.write({ ID: img.id, Name: img.names[0] ?? '', Status: 'import', Type: 'image' });
  return img;
}

export async function loadImages(ctx: EngineContext, source: string | NodeJS.ReadableStream): Promise<ImageRecord[]> {
  const { loadArchive } = await import('../../image/import.ts');
  const imgs = await withPath(ctx, source, async (path) => {
    try {
      return await loadArchive(ctx.images, path);
    } catch (err) {
      // Podman's words (120-load.bats "redirect corrupt payload") for what is no image archive at all.
      if (err instanceof HuskError && (err.code === 'BAD_LAYER' || /not an OCI layout or docker-archive/.test(err.message))) {
        throw new HuskError('INVALID_ARGUMENT', `payload does not match any of the supported image formats:\n * oci-archive: ${err.message}\n * docker-archive: ${err.message}`);
      }
      throw err;
    }
  });
  for (const img of imgs) ctx.events.write({ ID: img.id, Name: img.names[0] ?? '', Status: 'loadfromarchive', Type: 'image' });
  return imgs;
}

export async function saveImages(ctx: EngineContext, refs: string[], destination: string | NodeJS.WritableStream, format: SaveFormat = 'docker-archive', o: { uncompressed?: boolean } = {}): Promise<void> {
  const { saveImages: save } = await import('../../image/save.ts');
  await save(ctx.images, refs, format, destination, o);
  for (const r of refs) {
    const img = ctx.images.lookup(r);
    if (img) ctx.events.write({ ID: img.id, Name: r, Status: 'save', Type: 'image' });
  }
}

/**
 * A build context tarball (plain, gzip or zstd; untrusted: it comes from a
 * REST client) unpacked by the hardened extractor in plain mode into a new
 * directory under ROOT/tmp, which is returned. Nothing is left on error.
 */
export async function unpackContext(ctx: EngineContext, source: AsyncIterable<Uint8Array>): Promise<string> {
  const [{ extractLayer }, { decompress }] = await Promise.all([import('../../image/extract.ts'), import('../../image/import.ts')]);
  // "load-PID-" names are swept by the store when this process is gone.
  const dir = join(ctx.config.root, 'tmp', `load-${process.pid}-context-${randomBytes(8).toString('hex')}`);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  try {
    await extractLayer(decompress(source as AsyncIterable<Buffer>), dir, { plain: true });
    return dir;
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    if (err instanceof HuskError) throw new HuskError(err.code, `build context: ${err.message}`, { cause: err });
    throw err;
  }
}
