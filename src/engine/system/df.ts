// `system df`: what images, containers and volumes take on disk, in
// Podman's SystemDfReport shape (sizes in bytes; the CLI formats them).
import type { EngineContext } from '../context.ts';
import { syncState } from '../container/lifecycle.ts';
import { rootfsPaths } from '../container/rootfs.ts';
import { listVolumes, volumeUsers } from '../volume/volumes.ts';
import type { SystemDfReport } from './api.ts';
import { du } from './du.ts';

function repoTag(name: string): { repository: string; tag: string } {
  const base = name.split('@')[0];
  const colon = base.lastIndexOf(':');
  if (colon > base.lastIndexOf('/')) return { repository: base.slice(0, colon), tag: base.slice(colon + 1) };
  return { repository: base, tag: name.includes('@') ? '<none>' : 'latest' };
}

export function systemDf(e: EngineContext): SystemDfReport {
  const images = e.images.list();
  const containers = e.db.list().map((c) => syncState(e, c));
  // How many images use each layer: a layer of several is shared, its size counted once overall.
  const users = new Map<string, number>();
  for (const img of images) for (const l of new Set(img.layers)) users.set(l, (users.get(l) ?? 0) + 1);
  const layerSize = (l: string) => e.images.layerSize(l) ?? 0;
  let imagesSize = 0;
  for (const l of users.keys()) imagesSize += layerSize(l);
  const imageRows = images.flatMap((img) => {
    const shared = [...new Set(img.layers)].filter((l) => (users.get(l) ?? 0) > 1).reduce((n, l) => n + layerSize(l), 0);
    const row = {
      ImageID: img.id, Created: img.created, Size: img.size, SharedSize: shared, UniqueSize: img.size - shared,
      Containers: containers.filter((c) => c.config.imageId === img.id).length,
    };
    // One row per name, as Podman lists them; a dangling image is <none>.
    const names = img.names.length ? img.names.map(repoTag) : [{ repository: '<none>', tag: '<none>' }];
    return names.map((n) => ({ Repository: n.repository, Tag: n.tag, ...row }));
  });
  const containerRows = containers.map((c) => {
    const rw = du(rootfsPaths(e.containerDir(c.config.id)).upper);
    return {
      ContainerID: c.config.id, Image: c.config.imageId, Command: c.config.args, Names: c.config.name,
      LocalVolumes: (c.config.volumes ?? []).length, Size: rw, RWSize: rw, Created: c.config.created,
      Status: c.state.status === 'created' && c.state.pid ? 'initialized' : c.state.status,
    };
  });
  // Podman: Links counts the running containers using a volume; one any container uses is not reclaimable.
  const running = new Set(containers.filter((c) => c.state.status === 'running' || c.state.status === 'paused').map((c) => c.config.id));
  const volumeRows = listVolumes(e).map((v) => {
    const users = volumeUsers(e, v.Name);
    const size = du(v.Mountpoint);
    return { VolumeName: v.Name, Links: users.filter((id) => running.has(id)).length, Size: size, ReclaimableSize: users.length ? 0 : size };
  });
  return { ImagesSize: imagesSize, Images: imageRows, Containers: containerRows, Volumes: volumeRows };
}
