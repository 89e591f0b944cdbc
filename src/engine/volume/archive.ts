// Volume export and import as tar streams. Export walks the volume with the
// project's tar writer, which never follows a symlink below the root (a
// container may be changing the volume meanwhile). Import goes through the
// hardened layer extractor in plain mode: an archive is untrusted, so `..`,
// absolute paths and writes through symlinks cannot reach outside the volume.
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { HuskError } from '../../common/errors.ts';
import { extractLayer } from '../../image/extract.ts';
import { tarDirectory } from '../../image/tarwriter.ts';
import type { EngineContext } from '../context.ts';
import { getVolume } from './volumes.ts';

export async function exportVolume(e: EngineContext, name: string, out: NodeJS.WritableStream): Promise<void> {
  const v = getVolume(e, name);
  // end: false — the caller owns `out` (it may be stdout).
  await pipeline(Readable.from(tarDirectory(v.Mountpoint)), out, { end: false });
}

export async function importVolume(e: EngineContext, name: string, source: AsyncIterable<Uint8Array>): Promise<void> {
  const v = getVolume(e, name);
  try {
    await extractLayer(source, v.Mountpoint, { plain: true });
  } catch (err) {
    if (err instanceof HuskError) throw new HuskError(err.code, `importing into volume ${name}: ${err.message}`, { cause: err });
    throw err;
  }
}
