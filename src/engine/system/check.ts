// `system check`: the store's records against its directories. Problems are
// reported per object in Podman's words; repair removes damaged images and
// stray layers, and with force the containers that cannot work any more.
//
// Checked: overlay layer directories without a record ("layer in lower
// level storage driver not accounted for"), layer records without their
// directory, layers no image uses older than maxAge ("layer not
// referenced"), images whose layers are gone ("image layer is missing"),
// containers whose image ("image missing") or data directory is gone.
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { EngineContext } from '../context.ts';
import { removeContainer } from '../container/lifecycle.ts';
import { rootfsPaths } from '../container/rootfs.ts';
import type { SystemCheckOptions, SystemCheckReport } from './api.ts';

const DAY = 24 * 3600_000;

export async function systemCheck(e: EngineContext, o: SystemCheckOptions = {}): Promise<SystemCheckReport> {
  const r: SystemCheckReport = { errors: false, layers: {}, images: {}, containers: {}, removedLayers: [], removedImages: [], removedContainers: [] };
  const add = (kind: Record<string, string[]>, id: string, msg: string) => { (kind[id] ??= []).push(msg); r.errors = true; };
  const store = e.images;
  const maxAge = o.maxAge ?? DAY;
  const repair = !!(o.repair || o.force);

  // Layers: directories and records.
  const records = new Map(store.layerRecords().map((l) => [l.digest.replace(/^sha256:/, ''), l]));
  const overlay = join(store.root, 'overlay');
  let dirs: string[] = [];
  try { dirs = readdirSync(overlay); } catch {}
  const unaccounted = dirs.filter((d) => !records.has(d));
  for (const d of unaccounted) add(r.layers, d, 'layer in lower level storage driver not accounted for');
  const images = store.list();
  const used = new Set(images.flatMap((i) => i.layers));
  const unreferenced: string[] = [];
  for (const [hex, l] of records) {
    const gone = !existsSync(store.layerDir(l.digest));
    if (gone) add(r.layers, hex, 'layer directory is missing');
    if (gone && !used.has(l.digest)) unreferenced.push(l.digest);
    else if (!used.has(l.digest) && Date.now() - new Date(l.created).getTime() >= maxAge) {
      add(r.layers, hex, 'layer not referenced');
      unreferenced.push(l.digest);
    }
  }

  // Images whose layers are gone.
  const damagedImages = images.filter((img) => {
    const missing = img.layers.filter((l) => !store.hasLayer(l));
    for (const l of missing) add(r.images, img.id, `image layer is missing: ${l}`);
    return missing.length > 0;
  });

  // Containers whose image or own data is gone.
  const damagedContainers = new Set<string>();
  const users = new Map<string, string[]>();
  for (const c of e.db.list()) {
    const id = c.config.id;
    if (!c.config.intent.rootfs && !store.get(c.config.imageId)) { add(r.containers, id, `image missing: ${c.config.imageId}`); damagedContainers.add(id); }
    if (!existsSync(rootfsPaths(e.containerDir(id)).upper)) { add(r.containers, id, 'container layer is missing'); damagedContainers.add(id); }
    users.set(c.config.imageId, [...(users.get(c.config.imageId) ?? []), id]);
  }
  if (!repair) return r;

  // Repairs: containers first (with force), then images, then layers.
  if (o.force) {
    for (const img of damagedImages) for (const id of users.get(img.id) ?? []) damagedContainers.add(id);
    for (const id of damagedContainers) {
      await removeContainer(e, id, { force: true, infra: true }).then(() => r.removedContainers.push(id), () => {});
    }
  }
  for (const img of damagedImages) {
    if (!o.force && users.get(img.id)?.some((id) => e.db.get(id))) continue; // its containers would lose their image
    await store.remove(img.id).then(() => r.removedImages.push(img.id), () => {});
  }
  await store.removeUnreferenced(unreferenced);
  r.removedLayers.push(...unreferenced.filter((l) => !store.layerSize(l)).map((l) => l.replace(/^sha256:/, '')));
  await store.locked(() => {
    const known = new Set(store.layerRecords().map((l) => l.digest.replace(/^sha256:/, '')));
    for (const d of unaccounted) {
      if (known.has(d)) continue;
      rmSync(join(overlay, d), { recursive: true, force: true });
      r.removedLayers.push(d);
    }
  });
  return r;
}
