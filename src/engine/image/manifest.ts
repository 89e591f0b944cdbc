// Manifest lists (Podman's `manifest` commands): an OCI image index kept
// under a name in the image store, whose entries point at local images by
// their manifest digest with a platform and annotations. push sends each
// entry's image to the destination repository by digest, then the index.
import { randomBytes } from '../../common/random.ts';
import { HuskError, invalidArgument } from '../../common/errors.ts';
import { localName, parseNormalized, normalize } from '../../image/reference.ts';
import { findRegistry, loadRegistriesConf } from '../../image/registries.ts';
import { MEDIA, type ImageRecord } from '../../image/types.ts';
import type { EngineContext } from '../context.ts';
import type { ManifestAddOptions, ManifestAnnotateOptions, ManifestList, ManifestPushOptions } from './api.ts';
import { checkSigning, credentials, push } from './pull.ts';

/** The index, and the local image of each entry (a later pull may change an image's recorded manifest digest). */
interface Stored { id: string; list: ManifestList; images: Record<string, string> }

const noList = (name: string) => new HuskError('NO_SUCH_IMAGE', `${name}: image not known`);

function load(e: EngineContext, name: string): Stored & { name: string } {
  for (const n of [name, safeLocal(name)]) {
    const row = n ? e.images.getList(n) : undefined;
    if (row) return { name: n!, id: row.id, ...(JSON.parse(row.data) as Omit<Stored, 'id'>) };
  }
  throw noList(name);
}

function safeLocal(name: string): string | undefined {
  try { return localName(name); } catch { return undefined; }
}

async function save(e: EngineContext, name: string, s: Stored): Promise<string> {
  const kept = Object.fromEntries(s.list.manifests.filter((m) => s.images[m.digest]).map((m) => [m.digest, s.images[m.digest]]));
  await e.images.putList(name, s.id, JSON.stringify({ list: s.list, images: kept }));
  return s.id;
}

/** An entry for a local image: its stored manifest's digest, size and media type, and its platform. */
function entryFor(e: EngineContext, img: ImageRecord, o: ManifestAddOptions = {}): ManifestList['manifests'][number] {
  const bytes = e.images.manifestBytes(img.id);
  const mediaType = (JSON.parse(bytes.toString('utf8')) as { mediaType?: string }).mediaType ?? MEDIA.ociManifest;
  const c = img.config as { architecture?: string; os?: string; variant?: string };
  const platform = {
    architecture: o.arch ?? c.architecture ?? 'amd64', os: o.os ?? c.os ?? 'linux',
    ...(o.variant ?? c.variant ? { variant: o.variant ?? c.variant } : {}),
    ...(o.osVersion ? { 'os.version': o.osVersion } : {}), ...(o.features?.length ? { 'os.features': o.features } : {}),
  };
  return { mediaType, digest: img.digest, size: bytes.length, platform, ...(o.annotations && Object.keys(o.annotations).length ? { annotations: o.annotations } : {}) };
}

export async function manifestCreate(e: EngineContext, name: string, images: string[], o: { amend?: boolean } = {}): Promise<string> {
  const full = localName(name);
  const existing = e.images.getList(full);
  if (existing && !o.amend) throw new HuskError('NAME_IN_USE', `creating manifest list ${full}: a manifest list with that name already exists (use --amend)`);
  if (!existing && e.images.lookup(full)) throw new HuskError('NAME_IN_USE', `creating manifest list ${full}: the name is in use by an image`);
  const s: Stored = existing ? { id: existing.id, ...(JSON.parse(existing.data) as Omit<Stored, 'id'>) }
    : { id: randomBytes(32).toString('hex'), list: { schemaVersion: 2, mediaType: MEDIA.ociIndex, manifests: [] }, images: {} };
  for (const ref of images) add(e, s, e.images.resolve(ref));
  return save(e, full, s);
}

/** Adds or replaces (same digest) the entry of a local image. */
function add(e: EngineContext, s: Stored, img: ImageRecord, o: ManifestAddOptions = {}): void {
  const entry = entryFor(e, img, o);
  const i = s.list.manifests.findIndex((m) => m.digest === entry.digest);
  if (i >= 0) s.list.manifests[i] = entry;
  else s.list.manifests.push(entry);
  s.images[entry.digest] = img.id;
}

export async function manifestAdd(e: EngineContext, name: string, image: string, o: ManifestAddOptions = {}): Promise<string> {
  const s = load(e, name);
  add(e, s, e.images.resolve(image.replace(/^(containers-storage|docker):(\/\/)?/, '')), o);
  return save(e, s.name, s);
}

function entry(s: Stored, digest: string): ManifestList['manifests'][number] {
  const m = s.list.manifests.find((x) => x.digest === digest || x.digest === `sha256:${digest}`);
  if (!m) throw invalidArgument(`no image with digest ${digest} in the manifest list`);
  return m;
}

export async function manifestAnnotate(e: EngineContext, name: string, digest: string, o: ManifestAnnotateOptions): Promise<string> {
  const s = load(e, name);
  if (o.index) {
    s.list.annotations = { ...s.list.annotations, ...o.annotations };
    return save(e, s.name, s);
  }
  const m = entry(s, digest);
  if (o.annotations && Object.keys(o.annotations).length) m.annotations = { ...m.annotations, ...o.annotations };
  m.platform = {
    architecture: m.platform?.architecture ?? 'amd64', os: m.platform?.os ?? 'linux', ...m.platform, ...(o.arch ? { architecture: o.arch } : {}), ...(o.os ? { os: o.os } : {}), ...(o.variant ? { variant: o.variant } : {}),
    ...(o.osVersion ? { 'os.version': o.osVersion } : {}), ...(o.features?.length ? { 'os.features': o.features } : {}),
    ...(o.osFeatures?.length ? { 'os.features': o.osFeatures } : {}),
  };
  return save(e, s.name, s);
}

export async function manifestRemoveEntry(e: EngineContext, name: string, digest: string): Promise<string> {
  const s = load(e, name);
  const m = entry(s, digest);
  s.list.manifests = s.list.manifests.filter((x) => x !== m);
  return save(e, s.name, s);
}

export function manifestInspect(e: EngineContext, name: string): ManifestList {
  return load(e, name).list;
}

export function manifestExists(e: EngineContext, name: string): boolean {
  try {
    load(e, name);
    return true;
  } catch (err) {
    if (err instanceof HuskError && err.code === 'NO_SUCH_IMAGE') return false;
    throw err;
  }
}

export async function manifestDelete(e: EngineContext, name: string): Promise<string> {
  const s = load(e, name);
  await e.images.removeList(s.name);
  return s.id;
}

/**
 * Pushes every entry's image to the destination repository by digest (an
 * entry whose image is not local is an error unless it is already there:
 * husk keeps only local images in lists), rewrites the entries with the
 * manifests as pushed, then puts the index under the destination's tag.
 */
export async function manifestPush(e: EngineContext, name: string, destination: string, o: ManifestPushOptions = {}): Promise<string> {
  const s = load(e, name);
  const full = normalize(destination.replace(/^docker:\/\//, ''));
  const ref = parseNormalized(full);
  if (!ref.domain) throw invalidArgument(`push needs a fully qualified destination, got "${destination}"`);
  const repo = `${ref.domain}/${ref.path}`;
  const { signBy, signPassphrase, signBySigstorePrivateKey, ...entryOpts } = o;
  checkSigning(o);
  // --format: the list's type, and its entries pushed as manifests of the matching kind.
  const mediaType = o.manifestFormat === 'v2s2' ? MEDIA.dockerList : o.manifestFormat === 'oci' ? MEDIA.ociIndex : s.list.mediaType;
  const list: ManifestList = { ...s.list, ...(mediaType ? { mediaType } : {}), manifests: [] };
  for (const m of s.list.manifests) {
    const img = (s.images[m.digest] ? e.images.get(s.images[m.digest]) : undefined) ?? e.images.list().find((i) => i.digest === m.digest);
    if (!img) throw new HuskError('NO_SUCH_IMAGE', `manifest list ${s.name}: the image ${m.digest} is not in local storage`);
    let pushed = { digest: m.digest, size: m.size, mediaType: m.mediaType };
    await push(e, img.id, `${repo}:latest`, { ...entryOpts, forceCompression: !!o.compressionFormat, byDigest: true, onManifest: (x) => { pushed = x; } });
    list.manifests.push({ ...m, ...pushed });
  }
  // As containers/image's copy of a list: each instance is signed, and the list, all under the list's name.
  const sign = signBy ? (await import('./sign.ts')).signPushed : undefined;
  for (const m of sign ? list.manifests : []) sign!(full, m.digest, { signBy: signBy!, passphrase: signPassphrase, rootless: !!e.config.rootless });
  const bytes = Buffer.from(JSON.stringify(list));
  const reg = findRegistry(loadRegistriesConf(), full);
  const { RegistryClient } = await import('../../image/registry/client.ts');
  const client = new RegistryClient({
    registry: ref.domain, insecure: o.tlsVerify === false || (o.tlsVerify === undefined && !!reg?.insecure), certDir: o.certDir, credentials: credentials(ref.domain, o),
  });
  let digest: string;
  try {
    digest = await client.putManifest(ref.path, ref.tag ?? 'latest', bytes, list.mediaType ?? MEDIA.ociIndex);
  } finally {
    client.close();
  }
  e.events.write({ ID: s.id, Name: full, Status: 'push', Type: 'image' });
  sign?.(full, digest, { signBy: signBy!, passphrase: signPassphrase, rootless: !!e.config.rootless });
  if (o.rm) await e.images.removeList(s.name);
  return digest;
}
