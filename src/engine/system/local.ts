// The local implementation of the system domain: host facts, the event
// log, and the rootless namespace. Heavy modules load on first use.
import type { EngineContext } from '../context.ts';
import type {
  StorePaths,
  AutoUpdateOptions, AutoUpdateReport, EventsOptions, HuskEvent, SystemAPI, SystemCheckOptions, SystemCheckReport, SystemDfReport, SystemInfo, SystemPruneOptions, SystemPruneReport, VersionReport,
} from './api.ts';

export class LocalSystem implements SystemAPI {
  readonly #ctx: EngineContext;

  constructor(ctx: EngineContext) {
    this.#ctx = ctx;
  }

  async info(): Promise<SystemInfo> {
    const { systemInfo } = await import('./info.ts');
    return systemInfo(this.#ctx);
  }

  async storePaths(): Promise<StorePaths> {
    const c = this.#ctx.config;
    return { graphRoot: c.root, runRoot: c.runroot, graphDriver: c.storageDriver, ...(c.imageStore ? { imageStore: c.imageStore } : {}) };
  }

  async version(): Promise<VersionReport> {
    const { versionReport } = await import('./info.ts');
    return versionReport();
  }

  async *events(o?: EventsOptions): AsyncGenerator<HuskEvent> {
    const { readEvents } = await import('./events.ts');
    yield* readEvents(this.#ctx.events, o);
  }

  async unshare(argv: string[], o: { stdio?: 'inherit' | 'ignore'; rootlessNetns?: boolean } = {}): Promise<number> {
    const { unshare } = await import('./userns.ts');
    return unshare(this.#ctx, argv, o.stdio ?? 'ignore', { rootlessNetns: o.rootlessNetns });
  }

  async migrate(o?: { newRuntime?: string }): Promise<number | undefined> {
    const { migrate } = await import('./userns.ts');
    return migrate(this.#ctx, o);
  }

  async autoUpdate(o?: AutoUpdateOptions): Promise<AutoUpdateReport[]> {
    const { autoUpdate } = await import('./autoupdate.ts');
    return autoUpdate(this.#ctx, o);
  }

  async df(): Promise<SystemDfReport> {
    return (await import('./df.ts')).systemDf(this.#ctx);
  }

  async prune(o: SystemPruneOptions = {}): Promise<SystemPruneReport> {
    return (await import('./prune.ts')).systemPrune(this.#ctx, o);
  }

  async reset(): Promise<void> {
    await (await import('./reset.ts')).systemReset(this.#ctx);
  }

  async check(o: SystemCheckOptions = {}): Promise<SystemCheckReport> {
    return (await import('./check.ts')).systemCheck(this.#ctx, o);
  }

  async renumber(): Promise<void> {}
}
