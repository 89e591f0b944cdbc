// `system prune`: every domain's prune in an order that lets each free what
// the one before released (containers before the images and volumes they
// used), and the bytes that went.
import type { PruneReport } from '../api.ts';
import type { EngineContext } from '../context.ts';
import { LocalContainers } from '../container/local.ts';
import { syncState } from '../container/lifecycle.ts';
import { rootfsPaths } from '../container/rootfs.ts';
import { LocalImages } from '../image/local.ts';
import { LocalNetworks } from '../network/local.ts';
import { LocalPods } from '../pod/local.ts';
import { LocalVolumes } from '../volume/local.ts';
import { listVolumes } from '../volume/volumes.ts';
import type { SystemPruneOptions, SystemPruneReport } from './api.ts';
import { du } from './du.ts';

const ok = (r: PruneReport[]) => r.filter((x) => !x.error);

export async function systemPrune(e: EngineContext, o: SystemPruneOptions = {}): Promise<SystemPruneReport> {
  const filters = o.filters;
  // Sizes are taken before the data goes; only what was then removed counts.
  const pods = await new LocalPods(e).prune();
  // Only what a container prune may remove is measured (not running, paused or initialized ones).
  const stopped = e.db.list().map((c) => syncState(e, c)).filter((c) => c.state.status === 'exited' || c.state.status === 'stopped' || (c.state.status === 'created' && !c.state.pid));
  const containerSizes = new Map(stopped.map((c) => [c.config.id, du(rootfsPaths(e.containerDir(c.config.id)).upper)]));
  const containers = await new LocalContainers(e).prune({ filters });
  for (const r of containers) if (!r.error) r.size ??= containerSizes.get(r.id) ?? 0;
  const networks = await new LocalNetworks(e).prune({ filters });
  let volumes: PruneReport[] = [];
  if (o.volumes) {
    const sizes = new Map(listVolumes(e).map((v) => [v.Name, du(v.Mountpoint)]));
    volumes = await new LocalVolumes(e).prune({ filters });
    for (const r of volumes) if (!r.error) r.size ??= sizes.get(r.id) ?? 0;
  }
  const images = await new LocalImages(e).prune({ all: o.all, filters });
  const reclaimedSpace = [...ok(containers), ...ok(volumes), ...ok(images)].reduce((n, r) => n + (r.size ?? 0), 0);
  return { containers, pods, volumes, images, networks, reclaimedSpace };
}
