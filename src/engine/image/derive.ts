// Images made without a container: a parent's layers (or none, for
// `scratch`), optionally one more layer given as a tar stream, under a new
// config and one more history entry. Builds use it for their config-only
// steps (ENV, CMD, LABEL...) and for COPY/ADD, whose layer they write as a tar.
// Also the build cache's index: step key → image ID, one small JSON file
// in the store, read and written under the store's lock.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { withLock } from '../../common/lock.ts';
import { localName } from '../../image/reference.ts';
import { hostArch, MEDIA, type ImageConfig, type ImageRecord, type ImageRuntimeConfig, type Manifest } from '../../image/types.ts';
import type { EngineContext } from '../context.ts';
import type { ImageDeriveOptions } from './api.ts';
import { isoTime } from '../../common/isotime.ts';

/** An uncompressed Docker layer (containers/image's name for it); push compresses it. */
const DOCKER_LAYER = 'application/vnd.docker.image.rootfs.diff.tar';
const sha256 = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

export async function deriveImage(e: EngineContext, parent: string | undefined, o: ImageDeriveOptions): Promise<ImageRecord> {
  const base = parent ? e.images.resolve(parent) : undefined;
  const created = o.created ?? isoTime();
  const history = [...(base?.config.history ?? [])];
  const diffIDs = [...(base?.layers ?? [])];
  if (o.layer) diffIDs.push((await e.images.putLayer(o.layer, undefined, { keep: true })).diffID);
  if (o.createdBy !== undefined) history.push({ created, created_by: o.createdBy, comment: o.comment, ...(o.layer ? {} : { empty_layer: true }) });
  const config: ImageConfig = {
    ...(base ? structuredClone(base.config) : { architecture: hostArch(), os: 'linux' }),
    created, author: o.author ?? base?.config.author, config: structuredClone(o.config) as ImageRuntimeConfig,
    rootfs: { type: 'layers', diff_ids: diffIDs },
    history,
  };
  if (config.author === undefined) delete config.author;
  const p = o.platform;
  if (p?.os) config.os = p.os;
  if (p?.architecture) config.architecture = p.architecture;
  if (p?.variant) config.variant = p.variant;
  if (p?.osVersion) (config as ImageConfig & { 'os.version'?: string })['os.version'] = p.osVersion;
  if (p?.osFeatures?.length) (config as ImageConfig & { 'os.features'?: string[] })['os.features'] = p.osFeatures;
  if (o.omitHistory) delete config.history;
  const docker = o.format === 'docker';
  // Docker's config also records the config of the container the image came from, as Buildah's docker format does.
  if (docker) (config as ImageConfig & { container_config?: unknown }).container_config = structuredClone(o.config);
  const configBytes = Buffer.from(JSON.stringify(config));
  const manifest: Manifest = {
    schemaVersion: 2, mediaType: docker ? MEDIA.dockerManifest : MEDIA.ociManifest,
    config: { mediaType: docker ? MEDIA.dockerConfig : MEDIA.ociConfig, digest: sha256(configBytes), size: configBytes.length },
    layers: config.rootfs.diff_ids.map((d) => ({ mediaType: docker ? DOCKER_LAYER : MEDIA.ociLayer, digest: d, size: e.images.layerSize(d) ?? 0 })),
    ...(o.annotations && Object.keys(o.annotations).length ? { annotations: o.annotations } : {}),
  };
  return e.images.addImage(configBytes, manifest, sha256(Buffer.from(JSON.stringify(manifest))), (o.names ?? []).map(localName));
}

const cacheFile = (e: EngineContext) => join(e.config.root, 'build-cache.json');

function readCache(e: EngineContext): Record<string, string> {
  const f = cacheFile(e);
  if (!existsSync(f)) return {};
  try {
    return JSON.parse(readFileSync(f, 'utf8')) as Record<string, string>;
  } catch {
    return {}; // a damaged index only costs cache hits
  }
}

/** The image stored for a step key, if it still exists (a pruned image is a miss). */
export function cacheGet(e: EngineContext, key: string): string | undefined {
  const id = readCache(e)[key];
  return id && e.images.get(id) ? id : undefined;
}

export async function cachePut(e: EngineContext, key: string, id: string): Promise<void> {
  await withLock(join(e.config.root, 'build-cache.lock'), async () => {
    const index = readCache(e);
    // Entries whose images are gone are dropped as the index is rewritten.
    for (const [k, v] of Object.entries(index)) if (!e.images.get(v)) delete index[k];
    index[key] = id;
    const tmp = `${cacheFile(e)}.tmp`;
    writeFileSync(tmp, JSON.stringify(index));
    renameSync(tmp, cacheFile(e));
  });
}
