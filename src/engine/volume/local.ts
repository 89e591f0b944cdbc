// The local implementation of the volumes domain, over volumes.ts (records
// and mounts) and archive.ts (export/import), loaded on first call.
import { HuskError, invalidArgument } from '../../common/errors.ts';
import type { Filters, ItemReport, PruneReport } from '../api.ts';
import type { EngineContext } from '../context.ts';
import { toReportError } from '../reports.ts';
import type { Volume, VolumeCreateOptions, VolumeInspect, VolumeRemoveOptions, VolumesAPI } from './api.ts';

const volumes = () => import('./volumes.ts');

export class LocalVolumes implements VolumesAPI {
  readonly #e: EngineContext;

  constructor(ctx: EngineContext) {
    this.#e = ctx;
  }

  async create(o: VolumeCreateOptions = {}): Promise<Volume> {
    if (o.driver && o.driver !== 'local') throw invalidArgument(`volume driver "${o.driver}" is not supported (only local)`);
    return (await volumes()).createVolume(this.#e, o.name, { labels: o.labels, options: o.options, ignoreExisting: o.ignore });
  }

  async list(o: { filters?: Filters } = {}): Promise<Volume[]> {
    const [V, { volumeFilter }] = await Promise.all([volumes(), import('./filters.ts')]);
    const keep = volumeFilter(o.filters, (v) => V.volumeUsers(this.#e, v.Name).length > 0);
    return V.listVolumes(this.#e).filter(keep);
  }

  async inspect(name: string): Promise<VolumeInspect> {
    const V = await volumes();
    return { ...V.getVolume(this.#e, name), MountCount: V.volumeUsers(this.#e, name).length, NeedsChown: false };
  }

  async exists(name: string): Promise<boolean> {
    return (await volumes()).volumeExists(this.#e, name);
  }

  async remove(names: string[], o: VolumeRemoveOptions = {}): Promise<ItemReport[]> {
    const V = await volumes();
    // Podman: names or all, not both.
    if (!!o.all === names.length > 0) throw invalidArgument('choose either one or more volumes or all');
    const targets = o.all ? V.listVolumes(this.#e).map((v) => v.Name) : names;
    // force: the volume's containers go first, as `rm -f` would remove them.
    const removeUsers = async (id: string) => {
      const L = await import('../container/lifecycle.ts');
      // --time: the stop signal first and that long to exit, as Podman's RemoveContainer(force, timeout).
      if (o.timeout !== undefined) await L.stopContainer(this.#e, id, o.timeout).catch(() => {});
      return L.removeContainer(this.#e, id, { force: true });
    };
    const out: ItemReport[] = [];
    for (const n of targets) {
      try {
        await V.removeVolume(this.#e, n, { force: o.force, removeUsers });
        out.push({ id: n, rawInput: n });
      } catch (err) {
        // Podman: with force an unknown volume is nothing to do.
        if (o.force && err instanceof HuskError && err.code === 'NO_SUCH_VOLUME') continue;
        out.push({ id: n, rawInput: n, error: toReportError(err) });
      }
    }
    return out;
  }

  async prune(o: { filters?: Filters } = {}): Promise<PruneReport[]> {
    const V = await volumes();
    const out: PruneReport[] = [];
    for (const v of await this.list(o)) {
      if (V.volumeUsers(this.#e, v.Name).length) continue;
      try {
        await V.removeVolume(this.#e, v.Name);
        out.push({ id: v.Name });
      } catch (err) {
        out.push({ id: v.Name, error: toReportError(err) });
      }
    }
    return out;
  }

  async export(name: string, out: NodeJS.WritableStream): Promise<void> {
    await (await import('./archive.ts')).exportVolume(this.#e, name, out);
  }

  async import(name: string, source: AsyncIterable<Uint8Array>): Promise<void> {
    await (await import('./archive.ts')).importVolume(this.#e, name, source);
  }

  async mount(name: string): Promise<string> {
    const V = await volumes();
    const v = V.getVolume(this.#e, name);
    V.mountVolume(v);
    return v.Mountpoint;
  }

  async unmount(name: string): Promise<void> {
    const V = await volumes();
    const v = V.getVolume(this.#e, name);
    const running = V.volumeUsers(this.#e, name).some((id) => ['running', 'paused'].includes(this.#e.db.get(id)?.state.status ?? ''));
    if (!running) V.unmountVolume(v);
  }

  async reload(): Promise<{ added: string[]; removed: string[] }> {
    return { added: [], removed: [] };
  }
}
