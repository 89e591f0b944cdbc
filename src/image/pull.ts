// Pulling an image from a registry into the store. Every byte is verified:
// manifests by digest (in the client), config by the manifest's descriptor,
// each layer blob by its digest and again by its diff ID after decompression.
// Layers download concurrently and unpack as they arrive; layers already in
// the store are not fetched. A failure leaves no image and drops the layers
// this pull added (layers that made it before a kill are kept for reuse).
import { createWriteStream, rmSync } from 'node:fs';
import { HuskError, invalidArgument } from '../common/errors.ts';
import { decompress } from './import.ts';
import { parseNormalized } from './reference.ts';
import { RegistryClient } from './registry/client.ts';
import type { Credentials } from './registry/auth.ts';
import type { ImageStore } from './store.ts';
import { MEDIA, hostArch, type Descriptor, type ImageConfig, type ImageRecord, type Manifest } from './types.ts';

export interface Platform { os: string; arch: string; variant?: string }

export interface RemoteOptions {
  insecure?: boolean;
  certDir?: string;
  credentials?: Credentials;
}

export interface PullProgress {
  /** "manifest", "skip" (layer present), "blob" (downloading), "done" (blob stored), "config". */
  kind: 'manifest' | 'skip' | 'blob' | 'done' | 'config';
  digest: string;
  size?: number;
  bytes?: number;
}

export interface PullOptions extends RemoteOptions {
  /** Name to store the image under when pulling from a mirror or rewritten location. */
  name?: string;
  platform?: Partial<Platform>;
  onProgress?: (p: PullProgress) => void;
  /** Layers fetched at once. */
  concurrency?: number;
}

const ACCEPT = [MEDIA.ociManifest, MEDIA.dockerManifest, MEDIA.ociIndex, MEDIA.dockerList];

export function hostPlatform(p: Partial<Platform> = {}): Platform {
  return { os: p.os ?? 'linux', arch: p.arch ?? hostArch(), variant: p.variant };
}

function pickPlatform(index: { manifests?: Descriptor[] }, want: Platform, ref: string): Descriptor {
  const list = index.manifests ?? [];
  const hit = list.find((m) => m.platform?.os === want.os && m.platform?.architecture === want.arch && (!want.variant || m.platform?.variant === want.variant));
  if (!hit) {
    const have = list.map((m) => m.platform && `${m.platform.os}/${m.platform.architecture}${m.platform.variant ? `/${m.platform.variant}` : ''}`).filter(Boolean);
    throw new HuskError('NO_SUCH_IMAGE', `${ref}: no image found in manifest list for architecture ${want.arch}, variant "${want.variant ?? ''}", OS ${want.os} (available: ${have.join(', ') || 'none'})`);
  }
  return hit;
}

async function readSmallBlob(client: RegistryClient, repo: string, d: Descriptor): Promise<Buffer> {
  if (d.size > 4 << 20) throw new HuskError('REGISTRY', `config blob ${d.digest} is too large (${d.size} bytes)`);
  const parts: Buffer[] = [];
  for await (const c of client.blobStream(repo, d.digest, { size: d.size })) parts.push(c);
  return Buffer.concat(parts);
}

/** Pulls a fully qualified reference; returns the stored image (named by that reference). */
export async function pullImage(store: ImageStore, reference: string, opts: PullOptions = {}): Promise<ImageRecord> {
  const ref = parseNormalized(reference);
  if (!ref.domain) throw invalidArgument(`pull needs a fully qualified reference, got "${reference}"`);
  const name = `${ref.domain}/${ref.path}${ref.tag ? `:${ref.tag}` : ''}${ref.digest ? `@${ref.digest}` : ''}`;
  const client = new RegistryClient({ registry: ref.domain, insecure: opts.insecure, certDir: opts.certDir, credentials: opts.credentials });
  try {
    let m = await client.getManifest(ref.path, ref.digest ?? ref.tag ?? 'latest', ACCEPT);
    opts.onProgress?.({ kind: 'manifest', digest: m.digest });
    if (m.mediaType === MEDIA.ociIndex || m.mediaType === MEDIA.dockerList) {
      const pick = pickPlatform(JSON.parse(m.bytes.toString('utf8')), hostPlatform(opts.platform), reference);
      m = await client.getManifest(ref.path, pick.digest, ACCEPT);
    }
    if (m.mediaType !== MEDIA.ociManifest && m.mediaType !== MEDIA.dockerManifest) {
      throw new HuskError('REGISTRY', `${reference}: unsupported manifest type ${m.mediaType}`);
    }
    const manifest = JSON.parse(m.bytes.toString('utf8')) as Manifest;
    const storedName = ref.digest && !ref.tag ? [] : [(opts.name ?? name).replace(/@.*$/, '')];
    const existing = store.get(manifest.config.digest.replace(/^sha256:/, ''));
    if (existing && existing.digest === m.digest && existing.layers.every((l) => store.hasLayer(l))) {
      // Re-pull: the manifest was the only request.
      for (const n of storedName) await store.tag(existing.id, n);
      return store.get(existing.id)!;
    }
    // The config is the image: one already stored need not be fetched again.
    const configBytes = existing ? Buffer.from(store.configBytes(existing.id)) : await readSmallBlob(client, ref.path, manifest.config);
    if (!existing) opts.onProgress?.({ kind: 'config', digest: manifest.config.digest });
    const config = JSON.parse(configBytes.toString('utf8')) as ImageConfig;
    const diffIDs = config.rootfs?.diff_ids ?? [];
    if (diffIDs.length !== manifest.layers.length) throw new HuskError('BAD_LAYER', `${reference}: config lists ${diffIDs.length} layers, manifest ${manifest.layers.length}`);
    const added: string[] = [];
    const fetchLayer = async (i: number) => {
      const d = manifest.layers[i];
      if (store.hasLayer(diffIDs[i]) && store.hasBlob(diffIDs[i], d.digest)) {
        opts.onProgress?.({ kind: 'skip', digest: d.digest, size: d.size });
        return;
      }
      const tmp = store.tmpBlobPath();
      const out = createWriteStream(tmp);
      let writeError: Error | undefined;
      // Reported where it matters (end() below); a write racing destroy() is not an error.
      out.on('error', (e) => { writeError ??= e; });
      let bytes = 0;
      // Keep the archive as received (for push/save) while it unpacks.
      async function* tee(): AsyncGenerator<Buffer> {
        for await (const c of client.blobStream(ref.path, d.digest, { size: d.size })) {
          bytes += c.length;
          opts.onProgress?.({ kind: 'blob', digest: d.digest, size: d.size, bytes });
          if (!out.write(c)) await new Promise<void>((r) => out.once('drain', () => r()));
          yield c;
        }
      }
      try {
        const r = await store.putLayer(decompress(tee()), diffIDs[i]);
        if (r.added) added.push(r.diffID);
        await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err || writeError ? reject(err ?? writeError) : resolve())));
        await store.recordBlob(diffIDs[i], tmp, { digest: d.digest, mediaType: d.mediaType, size: bytes });
        opts.onProgress?.({ kind: 'done', digest: d.digest, size: d.size });
      } finally {
        out.destroy();
        rmSync(tmp, { force: true });
      }
    };
    try {
      await runLimited(manifest.layers.map((_, i) => () => fetchLayer(i)), opts.concurrency ?? 3);
    } catch (e) {
      await store.removeUnreferenced(added);
      throw e;
    }
    return await store.addImage(configBytes, manifest, m.digest, storedName, m.bytes);
  } finally {
    client.close();
  }
}

/** Runs tasks with at most `limit` in flight; the first failure rejects after the others settle. */
export async function runLimited(tasks: (() => Promise<void>)[], limit: number): Promise<void> {
  let next = 0;
  let failure: unknown;
  const worker = async () => {
    while (next < tasks.length && failure === undefined) {
      const t = tasks[next++];
      try {
        await t();
      } catch (e) {
        failure ??= e;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
  if (failure !== undefined) throw failure;
}
