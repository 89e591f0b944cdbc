// Image operations that need engine knowledge (which containers use an image).
import { HuskError } from '../common/errors.ts';
import { localName } from '../image/reference.ts';
import type { ImageRecord } from '../image/types.ts';
import type { Engine } from './engine.ts';
import { removeContainer } from './lifecycle.ts';

export interface RemoveImageReport { untagged: string[]; deleted?: string }

/**
 * rmi: a name untags (and deletes the image when it was the last name);
 * an ID deletes the image. Images used by containers need force, which
 * removes those containers first, as Podman does.
 */
export async function removeImage(e: Engine, ref: string, opts: { force?: boolean } = {}): Promise<RemoveImageReport> {
  const img = e.images.resolve(ref);
  const byName = img.names.find((n) => n === ref) ?? img.names.find((n) => {
    try { return n === localName(ref) || n.endsWith(`/${ref}`) || n.endsWith(`/${ref}:latest`); } catch { return false; }
  });
  const report: RemoveImageReport = { untagged: [] };
  if (byName && img.names.length > 1 && !opts.force) {
    await e.images.untag(img.id, byName);
    report.untagged.push(byName);
    return report;
  }
  const users = e.db.imageInUse(img.id);
  if (users.length) {
    if (!opts.force) {
      throw new HuskError('IMAGE_IN_USE', `image used by ${users[0]}: image is in use by a container: consider listing external containers and force-removing image`);
    }
    for (const id of users) await removeContainer(e, id, { force: true });
  }
  report.untagged.push(...img.names);
  await e.images.remove(img.id);
  report.deleted = img.id;
  e.events.write({ ID: img.id, Name: img.names[0] ?? '', Status: 'remove', Type: 'image' });
  return report;
}

export async function tagImage(e: Engine, ref: string, names: string[]): Promise<ImageRecord> {
  const img = e.images.resolve(ref);
  for (const n of names) await e.images.tag(img.id, localName(n));
  e.events.write({ ID: img.id, Name: names[0], Status: 'tag', Type: 'image' });
  return e.images.get(img.id)!;
}
