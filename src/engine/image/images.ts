// Image operations that need engine knowledge (which containers use an
// image) and record events: rmi, tag/untag, prune, read-only mounts.
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { HuskError } from '../../common/errors.ts';
import { native, MNT_DETACH, MS_BIND, MS_RDONLY, MS_REC, MS_REMOUNT } from '../../common/native.ts';
import { isMounted, mountImageCopy } from '../container/rootfs.ts';
import { localName, nameMatches, parseNamed } from '../../image/reference.ts';
import type { ImageRecord } from '../../image/types.ts';
import type { PruneReport } from '../api.ts';
import type { EngineContext } from '../context.ts';
import { removeContainer } from '../container/lifecycle.ts';
import type { ImagePruneOptions } from './api.ts';
import { toReportError } from '../reports.ts';
import { parentFinder, pruneMatcher } from './list.ts';

export interface RemoveImageReport { untagged: string[]; deleted?: string; pruned?: string[] }

/**
 * rmi: a name untags (and deletes the image when it was the last name);
 * an ID deletes the image. Images used by containers need force, which
 * removes those containers first, as Podman does.
 */
export async function removeImage(e: EngineContext, ref: string, opts: { force?: boolean; noPrune?: boolean } = {}): Promise<RemoveImageReport> {
  const img = e.images.resolve(ref);
  const byName = nameOf(img, ref);
  const report: RemoveImageReport = { untagged: [] };
  // By one of several names, rmi (with or without force) only takes that name
  // away, as Podman's libimage does; force never deletes the other names.
  if (byName && img.names.length > 1) {
    await e.images.untag(img.id, byName);
    e.events.write({ ID: img.id, Name: byName, Status: 'untag', Type: 'image' });
    report.untagged.push(byName);
    return report;
  }
  if (!byName && img.names.length > 1 && !opts.force) {
    throw new HuskError('IMAGE_IN_USE', `unable to delete image "${img.id}" by ID with more than one tag (${img.names.join(', ')}): please force removal`);
  }
  const users = e.db.imageInUse(img.id);
  if (users.length) {
    if (!opts.force) {
      throw new HuskError('IMAGE_IN_USE', `image used by ${users[0]}: image is in use by a container: consider listing external containers and force-removing image`);
    }
    for (const id of users) await removeContainer(e, id, { force: true });
  }
  report.untagged.push(...img.names);
  const parentOf = opts.noPrune ? undefined : parentFinder(e.images.list());
  await e.images.remove(img.id);
  report.deleted = img.id;
  e.events.write({ ID: img.id, Name: img.names[0] ?? '', Status: 'remove', Type: 'image' });
  if (parentOf) report.pruned = await pruneParents(e, img, parentOf);
  return report;
}

/**
 * As Podman's rmi without --no-prune: the deleted image's parents (build
 * steps' intermediate images) go too, up the chain, while they are
 * untagged, used by no container and the parent of no other image.
 */
async function pruneParents(e: EngineContext, img: ImageRecord, parentOf: (i: ImageRecord) => string | undefined): Promise<string[]> {
  const pruned: string[] = [];
  for (let id = parentOf(img); id !== undefined;) {
    const parent = e.images.get(id);
    if (!parent || parent.names.length || e.db.imageInUse(id).length) break;
    const rest = e.images.list();
    const siblings = parentFinder(rest);
    if (rest.some((i) => i.id !== id && siblings(i) === id)) break;
    await e.images.remove(id);
    e.events.write({ ID: id, Name: '', Status: 'remove', Type: 'image' });
    pruned.push(id);
    id = parentOf(parent);
  }
  return pruned;
}

/** The image's stored name a user reference means, if it is one of its names. */
function nameOf(img: ImageRecord, ref: string): string | undefined {
  const exact = img.names.find((n) => n === ref);
  if (exact) return exact;
  try {
    const r = parseNamed(ref);
    return img.names.find((n) => nameMatches(n, r));
  } catch {
    return undefined; // not a reference (an ID): no name
  }
}

export async function tagImage(e: EngineContext, ref: string, names: string[]): Promise<ImageRecord> {
  const img = e.images.resolve(ref);
  const full = names.map(localName); // all valid before any is added
  for (const n of full) await e.images.tag(img.id, n);
  e.events.write({ ID: img.id, Name: names[0], Status: 'tag', Type: 'image' });
  return e.images.get(img.id)!;
}

/** Removes names from an image (all when none are given); a name it does not have is NO_SUCH_IMAGE. */
export async function untagImage(e: EngineContext, ref: string, names: string[]): Promise<void> {
  const img = e.images.resolve(ref);
  for (const n of names.length ? names : img.names) {
    const full = nameOf(img, n);
    if (!full || !(await e.images.untag(img.id, full))) throw new HuskError('NO_SUCH_IMAGE', `${n}: tag not known`);
    e.events.write({ ID: img.id, Name: full, Status: 'untag', Type: 'image' });
  }
}

/** image prune: dangling images (or with all, every image) no container uses, matching the filters. */
export async function pruneImages(e: EngineContext, o: ImagePruneOptions = {}): Promise<PruneReport[]> {
  const match = pruneMatcher(e, o.filters);
  const used = new Set(e.db.list().map((c) => c.config.imageId));
  const reports: PruneReport[] = [];
  for (const img of e.images.list()) {
    if (used.has(img.id) || (!o.all && img.names.length) || !match(img)) continue;
    try {
      await e.images.remove(img.id);
      e.events.write({ ID: img.id, Name: img.names[0] ?? '', Status: 'remove', Type: 'image' });
      reports.push({ id: img.id, size: img.size });
    } catch (err) {
      reports.push({ id: img.id, error: toReportError(err) });
    }
  }
  return reports;
}

function imageMountDir(e: EngineContext, id: string): string {
  return join(e.config.root, 'image-mounts', id);
}

/** image mount: the image's layers as a read-only overlay (or bind for one layer); returns the path. */
export function mountImage(e: EngineContext, ref: string): string {
  const img = e.images.resolve(ref);
  const dir = imageMountDir(e, img.id);
  if (isMounted(dir)) return dir;
  mkdirSync(dir, { recursive: true });
  if (e.vfs) {
    mountImageCopy(img.layers.map((l) => e.images.layerDir(l)), dir);
    return dir;
  }
  const lower = [...new Set(img.layers.slice().reverse().map((l) => e.images.layerDir(l)))]; // a repeated layer once (overlay: ELOOP), see rootfs.ts
  if (lower.length === 1) native().mount(lower[0], dir, null, MS_BIND | MS_REC, null);
  else native().mount('overlay', dir, 'overlay', MS_RDONLY, `lowerdir=${lower.join(':')}`);
  if (lower.length === 1) native().mount(null, dir, null, MS_BIND | MS_REMOUNT | MS_RDONLY, null);
  return dir;
}

export function unmountImage(e: EngineContext, ref: string): string {
  const img = e.images.resolve(ref);
  const dir = imageMountDir(e, img.id);
  if (isMounted(dir)) native().umount2(dir, MNT_DETACH);
  rmSync(dir, { recursive: true, force: true });
  rmSync(`${dir}.vfs`, { recursive: true, force: true });
  return img.id;
}

export function mountedImages(e: EngineContext): { id: string; names: string[]; digest: string; path: string }[] {
  return e.images.list().filter((i) => isMounted(imageMountDir(e, i.id))).map((i) => ({ id: i.id, names: i.names, digest: i.digest, path: imageMountDir(e, i.id) }));
}
