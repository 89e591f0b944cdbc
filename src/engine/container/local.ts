// The local implementation of the containers domain: the API's calls mapped
// onto the lifecycle, query and filesystem modules of this folder. Each
// method loads what it needs on first use, so a CLI command pays only for
// its own code (`ps` does not load attach, stats or copy; conmon's
// `container cleanup` loads the lifecycle alone).
import type { ItemReport, PruneReport, SessionIO, TerminalSize } from '../api.ts';
import type { EngineContext } from '../context.ts';
import { toReportError } from '../reports.ts';
import { HuskError, invalidArgument } from '../../common/errors.ts';
import type { Filters } from '../../specgen/filters.ts';
import type { EnginePullOptions } from '../image/pull.ts';
import type {
  AttachReport, CheckpointOptions, CleanupOptions, CheckpointReport, CloneOptions, RestoreOptions, RestoreReport, CommitOptions, Container, ContainerInspect, ContainerListItem, ContainerSpec, ContainersAPI, ContainerStats,
  CopyOptions, CreateOptions, DiffOptions, FileChange, HealthcheckReport, KillOptions, ListOptions, LogLine, LogOptions, RemoveOptions,
  PathStat, ResourceUpdate, RunOptions, RunReport, Selection, StatsOptions, StopOptions, WaitOptions,
} from './api.ts';

const lifecycle = () => import('./lifecycle.ts');
const select = () => import('./select.ts');
const live = (c: Container) => c.state.status === 'running' || c.state.status === 'paused';

export class LocalContainers implements ContainersAPI {
  readonly #e: EngineContext;

  constructor(ctx: EngineContext) {
    this.#e = ctx;
  }

  /** Selection + one call per container → reports; fn returns the container's full ID. */
  async #batch(refs: string[], o: Selection, applies: (c: Container) => boolean, fn: (ref: string, warnings: string[]) => Promise<string>): Promise<ItemReport[]> {
    const S = await select();
    return S.eachRef(S.selectRefs(this.#e, refs, o, applies), fn, o.ignore);
  }

  async create(spec: ContainerSpec, o: CreateOptions = {}): Promise<Container> {
    const { createContainer } = await import('./create.ts');
    return createContainer(this.#e, spec, { pull: o.pull as EnginePullOptions | undefined, onWarning: o.onWarning });
  }

  async run(spec: ContainerSpec, o: RunOptions = {}): Promise<RunReport> {
    const { runContainer } = await import('./attach.ts');
    const r = await runContainer(this.#e, spec, { ...o, pull: o.pull as EnginePullOptions | undefined });
    return { id: r.container.config.id, name: r.container.config.name, exitCode: r.exitCode, detached: r.detached };
  }

  async start(refs: string[], o: Selection = {}): Promise<ItemReport[]> {
    const L = await lifecycle();
    // Podman (045-start.bats): --all with names is a contradiction, unless filters narrow the names.
    if (o.all && refs.length && !o.filters) throw invalidArgument('either start all containers or the container(s) provided in the arguments');
    return this.#batch(refs, o, (c) => c.state.status !== 'running', async (r) => (await L.startContainer(this.#e, r)).config.id);
  }

  async init(refs: string[], o: Selection = {}): Promise<ItemReport[]> {
    const L = await lifecycle();
    return this.#batch(refs, o, (c) => c.state.status === 'created' && !c.state.pid, async (r) => (await L.initContainer(this.#e, r)).config.id);
  }

  async clone(ref: string, o: CloneOptions = {}): Promise<Container> {
    return (await import('./clone.ts')).cloneContainer(this.#e, ref, o);
  }

  async startAttach(ref: string, io: SessionIO): Promise<AttachReport> {
    const { startAndAttach } = await import('./attach.ts');
    const r = await startAndAttach(this.#e, ref, io);
    return { exitCode: r.exitCode, detached: r.detached };
  }

  async attach(ref: string, io: SessionIO): Promise<AttachReport> {
    const { attachContainer } = await import('./attach.ts');
    const r = await attachContainer(this.#e, ref, io);
    return { exitCode: r.exitCode, detached: r.detached };
  }

  async stop(refs: string[], o: StopOptions = {}): Promise<ItemReport[]> {
    const L = await lifecycle();
    return this.#batch(refs, o, live, async (r, warnings) => (await L.stopContainer(this.#e, r, o.timeout, warnings)).config.id);
  }

  async kill(refs: string[], o: KillOptions = {}): Promise<ItemReport[]> {
    const L = await lifecycle();
    const { parseSignal } = await import('../../specgen/container.ts');
    parseSignal(o.signal ?? 'SIGKILL'); // a bad signal makes the whole request invalid
    return this.#batch(refs, o, (c) => c.state.status === 'running', async (r) => (await L.killContainer(this.#e, r, o.signal)).config.id);
  }

  async restart(refs: string[], o: StopOptions = {}): Promise<ItemReport[]> {
    const L = await lifecycle();
    return this.#batch(refs, o, () => true, async (r, warnings) => (await L.restartContainer(this.#e, r, o.timeout, warnings)).config.id);
  }

  async pause(refs: string[], o: Selection = {}): Promise<ItemReport[]> {
    const L = await lifecycle();
    return this.#batch(refs, o, (c) => c.state.status === 'running', async (r) => (await L.pauseContainer(this.#e, r, true)).config.id);
  }

  async unpause(refs: string[], o: Selection = {}): Promise<ItemReport[]> {
    const L = await lifecycle();
    return this.#batch(refs, o, (c) => c.state.status === 'paused', async (r) => (await L.pauseContainer(this.#e, r, false)).config.id);
  }

  async remove(refs: string[], o: RemoveOptions = {}): Promise<ItemReport[]> {
    const L = await lifecycle();
    // Podman: with force a missing container is nothing to do (055-rm.bats "rm --force bogus").
    const sel = { ...o, ignore: o.ignore || o.force };
    const rm = (r: string) => L.removeContainer(this.#e, r, { force: o.force, volumes: o.volumes });
    if (!o.depend && !o.all) return this.#batch(refs, sel, (c) => !c.config.isInfra, rm);
    // --depend (and --all, so that it can remove every container): each container's dependents first (depth first), every one reported by its ID.
    const S = await select();
    const order: string[] = [];
    const visit = (ref: string) => {
      let id: string;
      try { id = this.#e.db.lookupId(ref); } catch { order.push(ref); return; }
      if (order.includes(id)) return;
      for (const d of L.dependentsOf(this.#e, id)) visit(d.config.id);
      order.push(id);
    };
    for (const r of S.selectRefs(this.#e, refs, sel, (c) => !c.config.isInfra)) visit(r);
    return S.eachRef(order, rm, sel.ignore);
  }

  async prune(o: { filters?: Filters } = {}): Promise<PruneReport[]> {
    const [L, S] = await Promise.all([lifecycle(), select()]);
    const match = S.containerFilter(this.#e, o.filters);
    const out: PruneReport[] = [];
    for (const c of S.allContainers(this.#e).filter((c) => !live(c) && !c.config.isInfra && match(c))) {
      try {
        out.push({ id: await L.removeContainer(this.#e, c.config.id) });
      } catch (err) {
        out.push({ id: c.config.id, error: toReportError(err) });
      }
    }
    return out;
  }

  async cleanup(ref: string, o: CleanupOptions = {}): Promise<string | undefined> {
    const L = await lifecycle();
    if (!o.remove && !o.removeImage && !o.exec) {
      const folded = await L.cleanupContainer(this.#e, ref);
      // conmon's exit command: this process saw the exit, so it applies the restart policy.
      if (folded) await (await import('./restart.ts')).restartByPolicy(this.#e, ref);
      if (!folded && !(await import('node:fs')).existsSync(`${this.#e.config.root}/state.db`)) return undefined; // the store went meanwhile
      try { return this.#e.db.lookupId(ref); } catch { return undefined; }
    }
    const c = L.getContainer(this.#e, ref);
    const { id, imageId } = c.config;
    if (o.exec) {
      const X = await import('./exec.ts');
      if (X.inspectExec(this.#e, o.exec).ContainerID !== id) throw new HuskError('NO_SUCH_EXEC', `no exec session with ID ${o.exec} found in container ${id}: no such exec session`);
      if (o.remove) await X.removeExec(this.#e, o.exec);
      return id;
    }
    if (await L.cleanupContainer(this.#e, id)) await (await import('./restart.ts')).restartByPolicy(this.#e, id);
    // Podman: a container its restart policy brought back stays.
    if (o.remove && !live(L.syncState(this.#e, L.getContainer(this.#e, id)))) await L.removeContainer(this.#e, id);
    if (o.removeImage) await (await import('../image/images.ts')).removeImage(this.#e, imageId);
    return id;
  }

  async healthcheck(ref: string): Promise<HealthcheckReport> {
    return (await import('./healthcheck.ts')).runHealthcheck(this.#e, ref);
  }

  async list(o: ListOptions = {}): Promise<ContainerListItem[]> {
    const S = await select();
    const pods = S.podNames(this.#e);
    const list = S.listSelected(this.#e, o, pods);
    const ns = o.namespaces ? (await import('./namespaces.ts')).namespaceInodes : undefined;
    const size = o.size ? await this.#sizes() : undefined;
    return list.map((c) => ({
      ...c,
      ...(size ? { size: size(c) } : {}),
      ...(c.config.pod ? { podName: pods.get(c.config.pod) ?? '' } : {}),
      ...(ns ? { namespaces: c.state.pid ? ns(c.state.pid) : {} } : {}),
    }));
  }

  /** ps --size: a container's rw layer (its upper dir) and that plus its image's layers. */
  async #sizes(): Promise<(c: Container) => { rootFsSize: number; rwSize: number }> {
    const [{ du }, { rootfsPaths }] = await Promise.all([import('../system/du.ts'), import('./rootfs.ts')]);
    return (c) => {
      const rwSize = du(rootfsPaths(this.#e.containerDir(c.config.id)).upper);
      return { rootFsSize: rwSize + (this.#e.images.get(c.config.imageId)?.size ?? 0), rwSize };
    };
  }

  async get(ref: string): Promise<Container> {
    const L = await lifecycle();
    return L.syncState(this.#e, L.getContainer(this.#e, ref));
  }

  async exists(ref: string): Promise<boolean> {
    try {
      await this.get(ref);
      return true;
    } catch (err) {
      if (err instanceof HuskError && err.code === 'NO_SUCH_CONTAINER') return false;
      throw err;
    }
  }

  async inspect(ref: string): Promise<ContainerInspect> {
    return (await import('./query.ts')).inspectContainer(this.#e, ref);
  }

  async top(ref: string, descriptors: string[] = []): Promise<string[][]> {
    return (await import('./query.ts')).topContainer(this.#e, ref, descriptors);
  }

  async *logs(ref: string, o: LogOptions = {}): AsyncIterable<LogLine> {
    yield* (await import('./logs.ts')).logLines(this.#e, ref, o);
  }

  async wait(ref: string, o: WaitOptions = {}): Promise<number> {
    return (await import('./wait.ts')).waitContainer(this.#e, ref, o);
  }

  async *stats(refs: string[], o: StatsOptions = {}): AsyncIterable<ContainerStats[]> {
    const S = await import('./stats.ts');
    S.statsTargets(this.#e, refs, o.all); // unknown or stopped containers fail before the first batch
    yield* S.statsStream(this.#e, () => S.statsTargets(this.#e, refs, o.all), o);
  }

  async rename(ref: string, name: string): Promise<void> {
    (await lifecycle()).renameContainer(this.#e, ref, name);
  }

  async update(ref: string, resources: ResourceUpdate): Promise<Container> {
    return (await lifecycle()).updateContainer(this.#e, ref, resources);
  }

  async resize(ref: string, size: TerminalSize): Promise<void> {
    const c = await this.get(ref);
    if (!c.config.intent.tty) return;
    const [{ resizeTerminal }, { join }] = await Promise.all([import('../../runtime/attach.ts'), import('node:path')]);
    resizeTerminal(join(this.#e.bundleDir(c.config.id), 'ctl'), size.rows, size.cols);
  }

  async mount(ref: string): Promise<string> {
    return (await import('./containerfs.ts')).mountContainer(this.#e, ref);
  }

  async unmount(ref: string): Promise<string> {
    return (await import('./containerfs.ts')).unmountContainer(this.#e, ref);
  }

  async mounted(): Promise<{ id: string; name: string; path: string }[]> {
    return (await import('./containerfs.ts')).mountedContainers(this.#e);
  }

  async diff(ref: string, o: DiffOptions = {}): Promise<FileChange[]> {
    const F = await import('./containerfs.ts');
    if (o.imageOnly) {
      this.#e.images.resolve(ref); // NO_SUCH_IMAGE for a name that is no image
      return F.imageDiff(this.#e, ref);
    }
    try {
      return F.containerDiff(this.#e, ref);
    } catch (err) {
      if (!o.images || !(err instanceof HuskError && err.code === 'NO_SUCH_CONTAINER') || !this.#e.images.lookup(ref)) throw err;
      return F.imageDiff(this.#e, ref);
    }
  }

  async export(ref: string, out: NodeJS.WritableStream): Promise<void> {
    await (await import('./containerfs.ts')).exportContainer(this.#e, ref, out as import('node:stream').Writable);
  }

  async copy(source: string, destination: string, o: CopyOptions = {}): Promise<void> {
    const { copy } = await import('./copy.ts');
    await copy(this.#e, source, destination, {
      archive: o.archive, overwrite: o.overwrite,
      stdin: o.stdin as AsyncIterable<Buffer> | undefined, stdout: o.stdout as import('node:stream').Writable | undefined,
    });
  }

  async stat(ref: string, path: string): Promise<PathStat> {
    return (await import('./copy.ts')).statPath(this.#e, ref, path);
  }

  async commit(ref: string, o: CommitOptions = {}): Promise<string> {
    const { commitContainer } = await import('./commit.ts');
    const img = await commitContainer(this.#e, ref, o);
    return img.id;
  }

  async checkpoint(refs: string[], o: CheckpointOptions = {}): Promise<CheckpointReport[]> {
    return (await import('./checkpoint.ts')).checkpointContainers(this.#e, refs, o);
  }

  async restore(refs: string[], o: RestoreOptions = {}): Promise<RestoreReport[]> {
    return (await import('./checkpoint.ts')).restoreContainers(this.#e, refs, o);
  }
}
