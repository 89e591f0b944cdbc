// The local implementation of the images domain. Each call loads the module
// it needs on first use, so `husk images` never loads the registry client,
// the tar code or the container lifecycle.
import { HuskError } from '../../common/errors.ts';
import type { ImageRecord } from '../../image/types.ts';
import type { ItemReport, PruneReport } from '../api.ts';
import type { EngineContext } from '../context.ts';
import { toReportError } from '../reports.ts';
import type {
  ManifestAddOptions, ManifestAnnotateOptions, ManifestList, ManifestPushOptions,
  HistoryEntry, ImageDeriveOptions, ImageInspect, ImageRemoveReport, ImagesAPI, ImageSummary, ImageTree, ImageImportOptions, ImageListOptions, LoginOptions,
  ImagePruneOptions, SignOptions, TrustSetOptions, TrustShowOptions, TrustShowReport, PullOptions, PushOptions, ImageRemoveOptions, SaveFormat, SearchOptions, SearchResult,
} from './api.ts';

export class LocalImages implements ImagesAPI {
  readonly #ctx: EngineContext;

  constructor(ctx: EngineContext) {
    this.#ctx = ctx;
  }

  async list(o?: ImageListOptions): Promise<ImageSummary[]> {
    const { listImages } = await import('./list.ts');
    return listImages(this.#ctx, o);
  }

  async get(ref: string): Promise<ImageRecord> {
    return this.#ctx.images.resolve(ref);
  }

  async exists(ref: string): Promise<boolean> {
    return this.#ctx.images.lookup(ref) !== undefined;
  }

  async inspect(ref: string): Promise<ImageInspect> {
    const { inspectImage } = await import('./inspect.ts');
    return inspectImage(this.#ctx, this.#ctx.images.resolve(ref));
  }

  async history(ref: string): Promise<HistoryEntry[]> {
    const { imageHistory } = await import('./inspect.ts');
    return imageHistory(this.#ctx, this.#ctx.images.resolve(ref));
  }

  async tree(ref: string, o?: { whatRequires?: boolean }): Promise<ImageTree> {
    const { imageTree } = await import('./inspect.ts');
    return imageTree(this.#ctx, this.#ctx.images.resolve(ref), o);
  }

  async pull(ref: string, o: PullOptions = {}): Promise<ImageRecord[]> {
    const { pullImages } = await import('./pull.ts');
    return pullImages(this.#ctx, ref, o);
  }

  async push(source: string, destination?: string, o: PushOptions = {}): Promise<string> {
    const { push } = await import('./pull.ts');
    return push(this.#ctx, source, destination, o);
  }

  async tag(ref: string, names: string[]): Promise<void> {
    const { tagImage } = await import('./images.ts');
    await tagImage(this.#ctx, ref, names);
  }

  async untag(ref: string, names: string[]): Promise<void> {
    const { untagImage } = await import('./images.ts');
    await untagImage(this.#ctx, ref, names);
  }

  async remove(refs: string[], o: ImageRemoveOptions = {}): Promise<ImageRemoveReport[]> {
    const { removeImage } = await import('./images.ts');
    if (o.all) refs = this.#ctx.images.list().map((i) => i.id);
    else if (!refs.length) throw new HuskError('INVALID_ARGUMENT', 'image name or ID must be specified');
    const reports: ImageRemoveReport[] = [];
    for (const r of refs) {
      try {
        const rep = await removeImage(this.#ctx, r, { force: o.force, noPrune: o.noPrune });
        reports.push({ id: rep.deleted ?? this.#ctx.images.lookup(r)?.id ?? r, rawInput: r, ...rep });
      } catch (err) {
        // Podman: with force an unknown image is nothing to do.
        if ((o.ignore || o.force || o.all) && err instanceof HuskError && err.code === 'NO_SUCH_IMAGE') continue;
        reports.push({ id: r, rawInput: r, untagged: [], error: toReportError(err) });
      }
    }
    return reports;
  }

  async prune(o?: ImagePruneOptions): Promise<PruneReport[]> {
    const { pruneImages } = await import('./images.ts');
    return pruneImages(this.#ctx, o);
  }

  async import(source: string | NodeJS.ReadableStream, o?: ImageImportOptions): Promise<ImageRecord> {
    const { importImage } = await import('./archive.ts');
    return importImage(this.#ctx, source, o);
  }

  async derive(parent: string | undefined, o: ImageDeriveOptions): Promise<ImageRecord> {
    const { deriveImage } = await import('./derive.ts');
    return deriveImage(this.#ctx, parent, o);
  }

  async cacheGet(key: string): Promise<string | undefined> {
    const { cacheGet } = await import('./derive.ts');
    return cacheGet(this.#ctx, key);
  }

  async cachePut(key: string, id: string): Promise<void> {
    const { cachePut } = await import('./derive.ts');
    await cachePut(this.#ctx, key, id);
  }

  async unpackContext(source: AsyncIterable<Uint8Array>): Promise<string> {
    const { unpackContext } = await import('./archive.ts');
    return unpackContext(this.#ctx, source);
  }

  async load(source: string | NodeJS.ReadableStream): Promise<ImageRecord[]> {
    const { loadImages } = await import('./archive.ts');
    return loadImages(this.#ctx, source);
  }

  async save(refs: string[], destination: string | NodeJS.WritableStream, o: { format?: SaveFormat; uncompressed?: boolean } = {}): Promise<void> {
    const { saveImages } = await import('./archive.ts');
    await saveImages(this.#ctx, refs, destination, o.format, { uncompressed: o.uncompressed });
  }

  async search(term: string, o?: SearchOptions): Promise<SearchResult[]> {
    const { search } = await import('./registry.ts');
    return search(term, o);
  }

  async mount(ref: string): Promise<string> {
    const { mountImage } = await import('./images.ts');
    return mountImage(this.#ctx, ref);
  }

  async unmount(ref: string): Promise<string> {
    const { unmountImage } = await import('./images.ts');
    return unmountImage(this.#ctx, ref);
  }

  async mounted(): Promise<{ id: string; names: string[]; digest: string; path: string }[]> {
    const { mountedImages } = await import('./images.ts');
    return mountedImages(this.#ctx);
  }

  async login(registry: string, o: LoginOptions): Promise<{ key: string; authfile: string }> {
    const { login } = await import('./registry.ts');
    return login(registry, o);
  }

  async loginUser(registry: string, o: { authfile?: string } = {}): Promise<string> {
    const { loginUser } = await import('./registry.ts');
    return loginUser(registry, o.authfile);
  }

  async logout(registry: string | undefined, o?: { authfile?: string; all?: boolean }): Promise<string | undefined> {
    const { logout } = await import('./registry.ts');
    return logout(registry, o);
  }

  async manifestCreate(name: string, images: string[], o: { amend?: boolean } = {}): Promise<string> {
    return (await import('./manifest.ts')).manifestCreate(this.#ctx, name, images, o);
  }

  async manifestAdd(list: string, image: string, o: ManifestAddOptions = {}): Promise<string> {
    return (await import('./manifest.ts')).manifestAdd(this.#ctx, list, image, o);
  }

  async manifestAnnotate(list: string, digest: string, o: ManifestAnnotateOptions): Promise<string> {
    return (await import('./manifest.ts')).manifestAnnotate(this.#ctx, list, digest, o);
  }

  async manifestRemoveEntry(list: string, digest: string): Promise<string> {
    return (await import('./manifest.ts')).manifestRemoveEntry(this.#ctx, list, digest);
  }

  async manifestInspect(list: string): Promise<ManifestList> {
    return (await import('./manifest.ts')).manifestInspect(this.#ctx, list);
  }

  async manifestExists(list: string): Promise<boolean> {
    return (await import('./manifest.ts')).manifestExists(this.#ctx, list);
  }

  async manifestDelete(lists: string[]): Promise<ItemReport[]> {
    const M = await import('./manifest.ts');
    const out: ItemReport[] = [];
    for (const l of lists) {
      try {
        out.push({ id: await M.manifestDelete(this.#ctx, l), rawInput: l });
      } catch (err) {
        out.push({ id: l, rawInput: l, error: toReportError(err) });
      }
    }
    return out;
  }

  async manifestPush(list: string, destination: string, o: ManifestPushOptions = {}): Promise<string> {
    return (await import('./manifest.ts')).manifestPush(this.#ctx, list, destination, o);
  }

  async trustShow(o: TrustShowOptions = {}): Promise<TrustShowReport> {
    return (await import('./trust.ts')).showTrust(o);
  }

  async trustSet(scope: string, o: TrustSetOptions = {}): Promise<void> {
    (await import('./trust.ts')).setTrust(scope, o);
  }

  async sign(refs: string[], o: SignOptions): Promise<ItemReport[]> {
    return (await import('./sign.ts')).signImages(refs, o);
  }
}
