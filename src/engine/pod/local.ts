// The local implementation of the pods domain, over pods.ts (lifecycle and
// status rules) in this process. Heavy modules load on first call, so a CLI
// command pays only for what it uses.
import { HuskError, invalidArgument } from '../../common/errors.ts';
import type { Filters, ItemReport, PruneReport } from '../api.ts';
import type { EngineContext } from '../context.ts';
import type { LogLine } from '../container/api.ts';
import { toReportError } from '../reports.ts';
import type { Pod as PodRecord } from './pods.ts';
import type {
  PodCloneOptions,
  Pod, PodConfig, PodContainerStats, PodInspect, PodLogOptions, PodRemoveOptions, PodSelection, PodsAPI, PodSpec, PodStatsOptions,
} from './api.ts';
import { compareText } from '../../common/order.ts';

const pods = () => import('./pods.ts');

/** The API's view of a loaded pod: members summarised, the pod's networks from its infra container. */
function view(p: PodRecord): Pod {
  const infra = p.containers.find((c) => c.config.isInfra);
  return {
    config: p.config, status: p.status, networks: Object.keys(infra?.config.networks ?? {}),
    containers: p.containers.map((c) => ({
      id: c.config.id, name: c.config.name, status: c.state.status, isInfra: !!c.config.isInfra, restartCount: c.state.restartCount ?? 0,
    })),
  };
}

export class LocalPods implements PodsAPI {
  readonly #e: EngineContext;

  constructor(ctx: EngineContext) {
    this.#e = ctx;
  }

  async create(spec: PodSpec): Promise<PodConfig> {
    return (await pods()).createPod(this.#e, spec);
  }

  async clone(ref: string, o: PodCloneOptions = {}): Promise<PodConfig> {
    return (await import('./clone.ts')).clonePod(this.#e, ref, o);
  }

  /** The refs a selection names: all pods, the newest, or the given ones (at least one). */
  async #targets(refs: string[], o: PodSelection): Promise<string[]> {
    const configs = () => this.#e.db.listPods();
    if (o.all) return configs().map((p) => p.id);
    if (o.latest) return configs().sort((a, b) => compareText(b.created, a.created)).slice(0, 1).map((p) => p.id);
    if (!refs.length) throw invalidArgument('you must provide at least one pod name or ID');
    return refs;
  }

  /** One report per pod, in order; a missing pod is left out with `ignore`. */
  async #each(refs: string[], o: PodSelection, fn: (id: string) => Promise<unknown>): Promise<ItemReport[]> {
    const P = await pods();
    const out: ItemReport[] = [];
    for (const ref of await this.#targets(refs, o)) {
      let id: string;
      try {
        id = P.getPod(this.#e, ref).id;
      } catch (err) {
        if (!(o.ignore && err instanceof HuskError && err.code === 'NO_SUCH_POD')) out.push({ id: ref, rawInput: ref, error: toReportError(err) });
        continue;
      }
      try {
        await fn(id);
        out.push({ id, rawInput: ref });
      } catch (err) {
        out.push({ id, rawInput: ref, error: toReportError(err) });
      }
    }
    return out;
  }

  async start(refs: string[], o: PodSelection = {}): Promise<ItemReport[]> {
    const P = await pods();
    return this.#each(refs, o, (id) => P.startPod(this.#e, id));
  }

  async stop(refs: string[], o: PodSelection & { timeout?: number } = {}): Promise<ItemReport[]> {
    const P = await pods();
    return this.#each(refs, o, (id) => P.stopPod(this.#e, id, o.timeout));
  }

  async restart(refs: string[], o: PodSelection & { timeout?: number } = {}): Promise<ItemReport[]> {
    const P = await pods();
    return this.#each(refs, o, (id) => P.restartPod(this.#e, id, o.timeout));
  }

  async kill(refs: string[], o: PodSelection & { signal?: string } = {}): Promise<ItemReport[]> {
    const P = await pods();
    const { parseSignal } = await import('../../specgen/container.ts');
    if (o.signal) parseSignal(o.signal); // a bad signal makes the whole request invalid, before any lookup
    return this.#each(refs, o, (id) => P.killPod(this.#e, id, o.signal));
  }

  async pause(refs: string[], o: PodSelection = {}): Promise<ItemReport[]> {
    const P = await pods();
    return this.#each(refs, o, (id) => P.pausePod(this.#e, id, true));
  }

  async unpause(refs: string[], o: PodSelection = {}): Promise<ItemReport[]> {
    const P = await pods();
    return this.#each(refs, o, (id) => P.pausePod(this.#e, id, false));
  }

  async remove(refs: string[], o: PodRemoveOptions = {}): Promise<ItemReport[]> {
    const P = await pods();
    // Podman (200-pod.bats "pod rm --force bogus"): with force a missing pod is nothing to do.
    return this.#each(refs, { ...o, ignore: o.ignore || o.force }, (id) => P.removePod(this.#e, id, { force: o.force, timeout: o.timeout }));
  }

  async prune(): Promise<PruneReport[]> {
    const P = await pods();
    const out: PruneReport[] = [];
    // Podman prunes pods whose containers all stopped (Exited or Stopped).
    for (const p of P.listPods(this.#e)) {
      if (p.status !== 'Exited' && p.status !== 'Stopped') continue;
      try {
        out.push({ id: await P.removePod(this.#e, p.config.id) });
      } catch (err) {
        out.push({ id: p.config.id, error: toReportError(err) });
      }
    }
    return out;
  }

  async list(o: { filters?: Filters } = {}): Promise<Pod[]> {
    const [P, { podFilter }] = await Promise.all([pods(), import('./filters.ts')]);
    const keep = podFilter(o.filters);
    return P.listPods(this.#e).map(view).filter(keep);
  }

  async get(ref: string): Promise<Pod> {
    return view((await pods()).loadPod(this.#e, ref));
  }

  async exists(ref: string): Promise<boolean> {
    try {
      this.#e.db.lookupPod(ref);
      return true;
    } catch (err) {
      if (err instanceof HuskError && err.code === 'NO_SUCH_POD') return false;
      throw err;
    }
  }

  async inspect(ref: string): Promise<PodInspect> {
    return (await pods()).inspectPod(this.#e, ref);
  }

  async top(ref: string, descriptors: string[] = []): Promise<string[][]> {
    const [P, { topContainer }] = await Promise.all([pods(), import('../container/query.ts')]);
    const running = P.loadPod(this.#e, ref).containers.filter((c) => c.state.status === 'running');
    if (!running.length) throw new HuskError('POD_STATE', `pod ${ref} has no running containers`);
    const out: string[][] = [];
    for (const c of running) {
      const rows = await topContainer(this.#e, c.config.id, descriptors);
      out.push(...(out.length ? rows.slice(1) : rows));
    }
    return out;
  }

  async *logs(ref: string, o: PodLogOptions = {}): AsyncGenerator<LogLine> {
    const { podLogs } = await import('./streams.ts');
    yield* podLogs(this.#e, ref, o);
  }

  async *stats(refs: string[], o: PodStatsOptions = {}): AsyncGenerator<PodContainerStats[]> {
    const [P, { podStats }] = await Promise.all([pods(), import('./streams.ts')]);
    const ids = refs.length || o.latest ? await this.#targets(refs, { latest: o.latest }) : this.#e.db.listPods().map((p) => p.id);
    yield* podStats(this.#e, ids.map((r) => P.getPod(this.#e, r).id), o);
  }
}
