// Executes a Containerfile through the engine interface: each stage from its
// base (a local or pulled image, `scratch`, an earlier stage), each step an
// image — config-only steps through images.derive, COPY/ADD as a layer
// written here, RUN in a real container (containers.run, the `husk run`
// path) then containers.commit. Each step is keyed by its parent image and
// its created_by (which holds the expanded instruction, the build args a RUN
// sees and the content digest of what a COPY reads); with --layers the key
// → image ID goes to the store's build cache, so an unchanged rebuild
// reuses every step and runs nothing. Output follows Podman's.
import { createHash } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { posix } from 'node:path';
import { Writable } from 'node:stream';
import { HuskError, invalidArgument } from '../common/errors.ts';
import type { Engine } from '../engine/api.ts';
import type { RegistryOptions } from '../engine/image/api.ts';
import type { ContainerSpec } from '../specgen/container.ts';
import type { CopyInstruction, Instruction, RunInstruction } from './ast.ts';
import { download, exclude, isArchive, placeSources, unpackArchives } from './copy.ts';
import { StageScope } from './expand.ts';
import { ContextFilter, loadIgnore, type ContextEntry } from './ignore.ts';
import { applyInstruction, DEFAULT_SHELL, type RuntimeConfig, type StageState } from './instructions.ts';
import { parseDockerfile, parseInstruction } from './parser.ts';
import { formatPlatform, hostPlatform, parsePlatform } from './platform.ts';
import { cleanLeftovers, OWNER_LABEL, builderToken, recordMount } from './leftovers.ts';
import { mountsKey, prepareMounts, type BuildSecret, type MountEnv } from './mounts.ts';
import { planStages, type Stage, type StagePlan } from './stages.ts';
import { contextSources, imageSources, sourcesDigest, type Source } from './sources.ts';
import { configCreatedBy, copyCreatedBy, runCreatedBy } from './steps.ts';
import { squashEntries } from './squash.ts';
import { tarStream } from './tar.ts';

export interface BuildOptions {
  /** The context directory (absolute). */
  contextDir: string;
  /** The Containerfile's text and the name used in messages. */
  containerfile: { text: string; file: string; path?: string };
  /** Further Containerfiles (several -f): their instructions follow the first's, as Buildah appends them. */
  moreContainerfiles?: { text: string; file: string }[];
  /** --cpp-flag: flags for cpp, which Containerfiles named *.in go through first (as Buildah's). */
  cppFlags?: string[];
  tags?: string[];
  buildArgs?: Record<string, string>;
  target?: string;
  /** Ignore the cache (default false). */
  noCache?: boolean;
  /** Record steps in the cache (Podman's --layers, default true). */
  layers?: boolean;
  pull?: 'always' | 'missing' | 'never' | 'newer';
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  /** Seconds since the epoch for every created time (--timestamp). */
  timestamp?: number;
  /** Stages built at the same time (default: the number of CPUs). */
  jobs?: number;
  /** Remove RUN containers after a successful step (default true). */
  rm?: boolean;
  /** Remove them after a failed one too (default true). */
  forceRm?: boolean;
  /** Step lines and RUN output; nothing is written when quiet. */
  output?: NodeJS.WritableStream;
  quiet?: boolean;
  /** --secret id=ID,src=FILE|env=VAR, resolved by the caller: what RUN --mount=type=secret mounts. */
  secrets?: Record<string, BuildSecret>;
  /** --build-context NAME=DIR|docker-image://REF: what FROM NAME, COPY --from=NAME and --mount from=NAME read (stage names come first). */
  buildContexts?: Record<string, { dir?: string; image?: string }>;
  /** `new` (--squash): the final stage's layers as one on its base; `all` (--squash-all): one layer in all. */
  squash?: 'new' | 'all';
  /** --platform: accepted when it is the host's (builds do not emulate). */
  platform?: string;
  /**
   * The final image's manifest and config format (--format, BUILDAH_FORMAT):
   * oci (the default) drops HEALTHCHECK, SHELL and ONBUILD with a warning;
   * docker stores a Docker v2 schema 2 manifest and keeps them.
   */
  format?: 'oci' | 'docker';
  /** Warnings (Buildah's: an instruction the OCI format drops); the CLI prints them as WARN lines. */
  warn?: (message: string) => void;
  /**
   * What every RUN container gets (build --network, --add-host, --no-hosts,
   * --dns*, --volume, --cap-*, --security-opt, --ulimit, --device, resources,
   * namespaces): ContainerSpec fields. A RUN's own --network wins. Not part
   * of the cache key, as in Buildah.
   */
  run?: Partial<ContainerSpec>;
  /** --env: set in each stage's environment after FROM (RUN sees it, a later ENV overrides it for the steps after), and again on the final image (where it wins, as Buildah sets it at commit). */
  env?: Record<string, string>;
  /** --unsetenv: removed from the final image's environment. */
  unsetEnv?: string[];
  /** --http-proxy: the host's proxy variables, given to RUN only (not in the image, its history or the cache key). */
  proxyEnv?: Record<string, string>;
  /** --output: the final stage's root filesystem as a directory (local) or a tar file (tar; dest `-`: the output stream). */
  exportTo?: { type: 'local' | 'tar'; dest: string };
  /** Where a tar output to `-` goes (default: output). */
  exportStream?: NodeJS.WritableStream;
  /** --manifest: the final image is added to this manifest list, created when missing. */
  manifest?: string;
  /** --ignorefile: instead of the context's .containerignore/.dockerignore. */
  ignoreFile?: string;
  /** --os/--arch/--variant/--os-version/--os-feature: the final image's platform fields; os/arch/variant also pick what is pulled and the TARGET* args. */
  imagePlatform?: { os?: string; architecture?: string; variant?: string; osVersion?: string; osFeatures?: string[] };
  /** --omit-history: the final image's config has no history. */
  omitHistory?: boolean;
  /** --identity-label (default true): Buildah's io.buildah.version label on the final image. */
  identityLabel?: boolean;
  /** --skip-unused-stages (default true): false builds every stage up to the target. */
  skipUnusedStages?: boolean;
  /** --from: replaces the image of the first FROM. */
  from?: string;
  /** --tls-verify, --authfile, --creds, --cert-dir for pulls; --retry times --retry-delay (ms) apart. */
  registry?: RegistryOptions & { retry?: number; retryDelay?: number };
  /** --stdin: RUN steps read this stream. */
  stdin?: NodeJS.ReadableStream;
  /** --cache-from: repositories whose `REPO:KEY` images stand for steps missing from the local cache. */
  cacheFrom?: string[];
  /** --cache-to: each step built here is pushed as `REPO:KEY`. */
  cacheTo?: string[];
  /** --all-platforms: one image per platform of the base images; RUN is not emulated, so refused unless nothing is pulled. */
  allPlatforms?: boolean;
  /** --cache-ttl (ms): cached steps older than this are rebuilt (0: none is used). */
  cacheTtl?: number;
  /** Aborting stops the build: a running RUN is killed, no further step starts, what the build holds is released. */
  signal?: AbortSignal;
}

export type { BuildSecret };

/** The Buildah version Podman 4.3.1 reports (`podman info` buildahVersion): its io.buildah.version label. */
export const BUILDAH_VERSION = '1.28.2';

/** Mount points the engine makes in every container (generated files): never part of a RUN's layer. */
const GENERATED_STUBS = ['/etc/hosts', '/etc/hostname', '/etc/resolv.conf', '/run/.containerenv'];

export interface BuildReport {
  /** The final image's ID. */
  id: string;
  /** The names it was tagged with. */
  names: string[];
}

const sha = (s: string) => createHash('sha256').update(s).digest('hex');
const isConfigOnly = (k: Instruction['kind']) => !['RUN', 'COPY', 'ADD', 'ARG', 'FROM'].includes(k);

class Build {
  readonly results = new Map<number, string>();
  /** Each stage's base image (after FROM), for --squash. */
  readonly bases = new Map<number, string | undefined>();
  private entries?: ContextEntry[];
  private readonly filter: ContextFilter;
  private readonly out: NodeJS.WritableStream;
  readonly created?: string;
  readonly engine: Engine;
  readonly o: BuildOptions;
  readonly plan: StagePlan;
  /** --env changes every step's config (and what RUN sees): part of each key. */
  readonly envKey: string;

  constructor(engine: Engine, o: BuildOptions, plan: StagePlan) {
    this.engine = engine;
    this.envKey = o.env && Object.keys(o.env).length ? `\n--env ${JSON.stringify(o.env)}` : '';
    // Each step's image carries the identity label (below): without it, a step is another image.
    if (o.identityLabel === false) this.envKey += '\n--identity-label=false';
    this.o = o;
    this.plan = plan;
    this.filter = loadIgnore(o.contextDir, { containerfile: o.containerfile.path, ignoreFile: o.ignoreFile });
    this.out = o.quiet || !o.output ? new Writable({ write: (_c, _e, cb) => cb() }) : o.output;
    // Go's RFC 3339 (no fraction for whole seconds), as Buildah writes it.
    this.created = o.timestamp !== undefined ? new Date(o.timestamp * 1000).toISOString().replace('.000Z', 'Z') : undefined;
  }

  private storePaths?: Promise<{ graphRoot: string; runRoot: string }>;

  /** The engine's store paths (cache mounts live there, secrets in the run root). */
  stores(): Promise<{ graphRoot: string; runRoot: string }> {
    return (this.storePaths ??= this.engine.system.storePaths());
  }

  /** A stage's result (by name or index) or an image, as COPY --from and --mount from= name them. */
  async fromImage(from: string): Promise<string> {
    const byName = this.plan.stages.find((s) => s.name === from.toLowerCase() || String(s.index) === from);
    if (byName) return this.results.get(byName.index)!;
    const named = this.o.buildContexts?.[from];
    if (named?.dir !== undefined) throw invalidArgument(`the build context "${from}" is a directory, not an image`);
    return this.baseImage(named?.image ?? from);
  }

  /** The directory of a `--build-context NAME=DIR` that `from` names (and no stage does). */
  contextDirFor(from: string): string | undefined {
    if (this.plan.stages.some((s) => s.name === from.toLowerCase() || String(s.index) === from)) return undefined;
    return this.o.buildContexts?.[from]?.dir;
  }

  async mountEnv(): Promise<MountEnv> {
    const { graphRoot, runRoot } = await this.stores();
    return {
      graphRoot, runRoot, contextDir: this.o.contextDir, filter: this.filter, entries: () => this.contextEntries(), secrets: this.o.secrets ?? {},
      imageId: async (from) => {
        const dir = this.contextDirFor(from);
        return dir !== undefined ? `dir:${sourcesDigest(contextSources(dir, new ContextFilter(dir, []).walk(), '.'))}` : this.fromImage(from);
      },
      image: async (from) => {
        const dir = this.contextDirFor(from);
        return dir !== undefined ? { root: dir, release: async () => {} } : this.mountImage(await this.fromImage(from));
      },
    };
  }

  private readonly mounts = new Map<string, { users: number; root: Promise<string> }>();
  private readonly forget = new Map<string, () => void>();

  /**
   * Mounts an image read-only for a step; stages running at the same time
   * share one mount of the same image, unmounted when the last lets go.
   */
  async mountImage(id: string): Promise<{ root: string; release: () => Promise<void> }> {
    let m = this.mounts.get(id);
    if (!m) {
      // Recorded before mounting, so a kill in between still leaves a trace for cleanLeftovers.
      const mount = this.stores().then(({ runRoot }) => {
        this.forget.set(id, recordMount(runRoot, id));
        return this.engine.images.mount(id);
      });
      this.mounts.set(id, (m = { users: 0, root: mount }));
    }
    m.users++;
    const entry = m;
    const release = async () => {
      if (--entry.users > 0) return;
      this.mounts.delete(id);
      await this.engine.images.unmount(id);
      this.forget.get(id)?.();
      this.forget.delete(id);
    };
    try {
      return { root: await entry.root, release };
    } catch (e) {
      if (--entry.users === 0) this.mounts.delete(id);
      throw e;
    }
  }

  checkAborted(): void {
    if (this.o.signal?.aborted) throw new HuskError('ENGINE', 'build interrupted');
  }

  print(line: string): void {
    this.out.write(`${line}\n`);
  }

  contextEntries(): ContextEntry[] {
    return (this.entries ??= this.filter.walk());
  }

  async baseImage(ref: string): Promise<string> {
    const policy = this.o.pull ?? 'missing';
    if (policy !== 'always' && (await this.engine.images.exists(ref))) return (await this.engine.images.get(ref)).id;
    if (policy === 'never') throw new HuskError('NO_SUCH_IMAGE', `${ref}: image not known (pull policy never)`);
    const host = hostPlatform();
    const want = this.o.imagePlatform;
    const platform = { os: want?.os ?? host.os, arch: want?.architecture ?? host.architecture, variant: want?.variant ?? (want?.architecture ? undefined : host.variant) };
    const { retry = 3, retryDelay = 2000, ...registry } = this.o.registry ?? {};
    for (let attempt = 0; ; attempt++) {
      try {
        const [img] = await this.engine.images.pull(ref, { ...registry, onMessage: (l) => this.print(l), platform });
        return img.id;
      } catch (e) {
        // Only what a retry can fix: a missing image or bad credentials fail at once.
        if (attempt >= retry || (e instanceof HuskError && ['UNAUTHORIZED', 'MANIFEST_UNKNOWN', 'NO_SUCH_IMAGE', 'INVALID_ARGUMENT'].includes(e.code))) throw e;
        this.o.warn?.(`Failed, retrying in ${retryDelay < 1000 ? `${retryDelay}ms` : `${retryDelay / 1000}s`} ... (${attempt + 1}/${retry}). Error: ${(e as Error).message}`);
        await new Promise((r) => setTimeout(r, retryDelay));
      }
    }
  }

  /**
   * The final image in the output format: docker keeps HEALTHCHECK, SHELL
   * and ONBUILD in a Docker v2 schema 2 manifest and config; oci (Podman's
   * default) has no place for them and drops them, as Buildah does.
   */
  async finalize(id: string): Promise<string> {
    const img = await this.engine.images.get(id);
    const config = structuredClone(img.config.config ?? {}) as RuntimeConfig & Record<string, unknown>;
    if (this.o.format === 'docker') {
      return (await this.engine.images.derive(id, { config, format: 'docker', created: this.created ?? img.config.created })).id;
    }
    if (config.Healthcheck === undefined && config.Shell === undefined && !config.OnBuild?.length) return id;
    delete config.Healthcheck;
    delete config.Shell;
    delete config.OnBuild;
    return (await this.engine.images.derive(id, { config, created: this.created ?? img.config.created })).id;
  }

  /** Buildah's warning for an instruction the OCI format cannot keep. */
  warnOci(i: { kind: string }, cfg: RuntimeConfig): void {
    if (this.o.format === 'docker' || !this.o.warn) return;
    if (i.kind === 'HEALTHCHECK') this.o.warn('HEALTHCHECK is not supported for OCI image format and will be ignored. Must use `docker` format');
    if (i.kind === 'SHELL') this.o.warn(`SHELL is not supported for OCI image format, [${(cfg.Shell ?? []).join(' ')}] will be ignored. Must use \`docker\` format`);
    if (i.kind === 'ONBUILD') this.o.warn(`ONBUILD is not supported for OCI image format, ${cfg.OnBuild?.at(-1) ?? ''} will be ignored. Must use \`docker\` format`);
  }

  /** --cache-from: the step's image pulled as REPO:KEY from the first repository that has it (recorded in the local cache). */
  async remoteCacheGet(key: string): Promise<string | undefined> {
    const { retry: _r, retryDelay: _d, ...registry } = this.o.registry ?? {};
    for (const repo of this.o.cacheFrom ?? []) {
      try {
        const [img] = await this.engine.images.pull(`${repo}:${key}`, registry);
        await this.engine.images.untag(img.id, [`${repo}:${key}`]).catch(() => {});
        await this.engine.images.cachePut(key, img.id);
        return img.id;
      } catch {
        // Not there (or unreachable): the step is built.
      }
    }
    return undefined;
  }

  /** --cache-to: the step's image pushed as REPO:KEY to each repository. */
  async remoteCachePut(key: string, id: string): Promise<void> {
    const { retry: _r, retryDelay: _d, ...registry } = this.o.registry ?? {};
    for (const repo of this.o.cacheTo ?? []) await this.engine.images.push(id, `${repo}:${key}`, registry);
  }

  /** A cached image for the key, or make() recorded under it. */
  async step(parent: string | undefined, createdBy: string, last: boolean, make: () => Promise<string>, extraKey = ''): Promise<string> {
    const key = sha(`${parent ?? 'scratch'}\n${createdBy}${extraKey ? `\n${extraKey}` : ''}${this.envKey}`);
    const useCache = this.o.layers !== false && !this.o.noCache;
    let hit = useCache && this.o.cacheTtl !== 0 ? await this.engine.images.cacheGet(key) : undefined;
    if (hit && this.o.cacheTtl !== undefined) {
      const created = Date.parse((await this.engine.images.get(hit)).config.created ?? '');
      if (!(created >= Date.now() - this.o.cacheTtl)) hit = undefined;
    }
    if (!hit && useCache && this.o.cacheFrom?.length) hit = await this.remoteCacheGet(key);
    if (hit) this.print(`--> Using cache ${hit}`);
    let id = hit ?? (await make());
    if (!hit && this.o.layers !== false) await this.engine.images.cachePut(key, id);
    if (!hit) await this.remoteCachePut(key, id);
    // The cache keeps each step's image whole; the final one is cast in the output format.
    if (last) id = await this.finalize(id);
    if (last && this.o.tags?.length) this.print(`COMMIT ${this.o.tags[0]}`);
    this.print(`--> ${id.slice(0, 12)}`);
    return id;
  }

  async runStage(stage: Stage): Promise<string> {
    const many = this.plan.needed.length > 1;
    const pos = many ? `[${this.plan.needed.indexOf(stage.index) + 1}/${this.plan.needed.length}] ` : '';
    const isFinal = stage.index === this.plan.target;
    let parent: string | undefined;
    checkPlatform(stage.from.platform, `FROM --platform=${stage.from.platform}`);
    if (stage.base.kind === 'image') {
      const named = this.o.buildContexts?.[stage.base.ref];
      if (named?.dir !== undefined) throw invalidArgument(`FROM ${stage.base.ref}: the build context "${stage.base.ref}" is a directory, not an image`);
      parent = await this.baseImage(named?.image ?? stage.base.ref);
    } else if (stage.base.kind === 'stage') parent = this.results.get(stage.base.index);
    this.bases.set(stage.index, parent);
    let cfg: RuntimeConfig = parent ? structuredClone(((await this.engine.images.get(parent)).config.config ?? {}) as RuntimeConfig) : {};
    // The base image's ONBUILD triggers run first, as if written after FROM; the new image does not keep them.
    const triggers = (cfg.OnBuild ?? []).map((t) => {
      try {
        return parseInstruction(t, { file: `ONBUILD of ${stage.from.image}` });
      } catch (e) {
        throw new HuskError('INVALID_ARGUMENT', `building at STEP "FROM ${stage.from.image}": ONBUILD trigger "${t}": ${(e as Error).message}`);
      }
    });
    if (triggers.length) delete cfg.OnBuild;
    if (this.o.env && Object.keys(this.o.env).length) cfg.Env = setEnv(cfg.Env ?? [], this.o.env);
    // Buildah's builder carries its identity label from FROM on, so every step's image has it and the last
    // step is the final image (no extra image for the label alone, as `images -a` shows in Podman).
    if (this.o.identityLabel !== false) cfg.Labels = { ...cfg.Labels, 'io.buildah.version': BUILDAH_VERSION };
    const instructions = [...triggers, ...stage.instructions];
    const total = instructions.length + 1;
    this.print(`${pos}STEP 1/${total}: FROM ${stage.from.image}${stage.name ? ` AS ${stage.name}` : ''}`);
    const scope = new StageScope(this.plan.global, cfg.Env ?? []);
    const state: StageState = {};
    const onlyFrom = instructions.length === 0;
    for (const [n, raw] of instructions.entries()) {
      this.checkAborted();
      const last = n === instructions.length - 1 && isFinal;
      this.print(`${pos}STEP ${n + 2}/${total}: ${n < triggers.length ? 'ONBUILD ' : ''}${raw.original.trim()}`);
      const i = scope.apply(raw);
      try {
        if (i.kind === 'ARG') continue;
        if (isConfigOnly(i.kind)) {
          const next = structuredClone(cfg);
          if (i.kind !== 'MAINTAINER') applyInstruction(next, i, state);
          this.warnOci(i, next);
          const createdBy = configCreatedBy(i);
          const author = i.kind === 'MAINTAINER' ? i.value : undefined;
          parent = await this.step(parent, createdBy, last, async () =>
            (await this.engine.images.derive(parent, { config: next as Record<string, unknown>, createdBy, author, created: this.created })).id);
          cfg = next;
        } else if (i.kind === 'RUN') {
          parent = await this.run(i, scope, cfg, parent, last);
        } else if (i.kind === 'COPY' || i.kind === 'ADD') {
          parent = await this.copy(i, cfg, parent, last);
        }
      } catch (e) {
        if (e instanceof HuskError && !e.message.startsWith('building at STEP')) {
          throw new HuskError(e.code, `building at STEP "${raw.original.trim()}": ${e.message}`);
        }
        throw e;
      }
    }
    if (onlyFrom || !parent) {
      // A stage that is only FROM (or FROM scratch alone) still yields an image.
      parent = await this.step(parent, '', isFinal, async () => (await this.engine.images.derive(parent, { config: cfg as Record<string, unknown>, created: this.created })).id);
    }
    return parent;
  }

  async run(i: RunInstruction, scope: StageScope, cfg: RuntimeConfig, parent: string | undefined, last: boolean): Promise<string> {
    if (!parent) throw invalidArgument('RUN needs a base image with a shell (the stage is FROM scratch with nothing in it)');
    const shell = cfg.Shell?.length ? cfg.Shell : DEFAULT_SHELL;
    let argv: string[];
    if (i.command.form === 'exec') argv = i.command.args;
    else if (i.heredocs.length === 1 && /^\s*\d*<<-?\S+\s*$/.test(i.command.line)) argv = [...shell, i.heredocs[0].content]; // RUN <<EOF: the body is the script
    else argv = [...shell, [i.command.line, ...i.heredocs.map((h) => `${h.content}${h.name}`)].join('\n')]; // the shell reads its own heredocs
    const args: Record<string, string> = {};
    for (const [k, v] of scope.args) if (v !== undefined && !scope.env.has(k)) args[k] = v;
    const network = i.network === 'none' || i.network === 'host' ? i.network : undefined;
    const settings = this.o.run ?? {};
    const createdBy = runCreatedBy(argv, args) + (network ? ` #network=${network}` : '');
    const menv = i.mounts.length ? await this.mountEnv() : undefined;
    const mkey = menv ? await mountsKey(i.mounts, menv) : '';
    return this.step(parent, createdBy, last, async () => {
      const mounts = menv ? await prepareMounts(i.mounts, menv) : undefined;
      try {
        return await (mounts?.locked ?? ((f: () => Promise<string>) => f()))(async () => {
          const env = { ...this.o.proxyEnv, ...scope.runEnv(), ...mounts?.env };
          const ctr = await this.engine.containers.create({
            ...settings, image: parent, command: argv, entrypoint: [], env, network: network ?? settings.network, interactive: this.o.stdin ? true : undefined,
            labels: { 'io.husk.build': 'true', [OWNER_LABEL]: builderToken() }, mounts: [...(settings.mounts ?? []), ...(mounts?.mounts ?? [])],
          });
          const id = ctr.config.id;
          let ok = false;
          let done = false;
          // An abort while startAttach is still starting the container finds nothing to kill yet: retry until it runs or the step ends.
          const kill = () => void (async () => {
            for (let n = 0; n < 300 && !done; n++) {
              const [r] = await this.engine.containers.kill([id], { signal: 'KILL' }).catch(() => [undefined]);
              if (r && !r.error) return;
              await new Promise((res) => setTimeout(res, 100));
            }
          })();
          this.o.signal?.addEventListener('abort', kill);
          try {
            this.checkAborted();
            const r = await this.engine.containers.startAttach(id, { stdin: this.o.stdin, stdout: this.out, stderr: this.out });
            const code = r.exitCode ?? (await this.engine.containers.wait(id));
            this.checkAborted();
            if (code !== 0) throw new HuskError('RUNTIME', `building at STEP "RUN ${i.command.form === 'exec' ? JSON.stringify(i.command.args) : i.command.line}": while running runtime: exit status ${code}`);
            const img = await this.engine.containers.commit(id, {
              config: cfg as Record<string, unknown>, createdBy, created: this.created, pause: false,
              omitStubs: [...GENERATED_STUBS, ...(mounts?.stubs ?? []), ...(settings.mounts ?? []).map((m) => m.destination)], timestamp: this.o.timestamp,
            });
            ok = true;
            return img;
          } finally {
            done = true;
            this.o.signal?.removeEventListener('abort', kill);
            // An interrupted build removes its container whatever --force-rm says.
            if (ok ? this.o.rm !== false : this.o.forceRm !== false || this.o.signal?.aborted) await this.engine.containers.remove([id], { force: true });
          }
        });
      } finally {
        await mounts?.release();
      }
    }, mkey);
  }

  async sources(i: CopyInstruction): Promise<{ sources: Source[]; release?: () => Promise<void> }> {
    const heredocs = new Map(i.heredocs.map((h) => [h.name, h]));
    const named = i.from !== undefined ? this.contextDirFor(i.from) : undefined;
    if (i.from === undefined || named !== undefined) {
      const root = named ?? this.o.contextDir;
      const entries = named !== undefined ? new ContextFilter(named, []).walk() : this.contextEntries();
      const sources: Source[] = [];
      for (const s of i.sources) {
        const h = heredocs.get(s.replace(/^\d*<<-?/, '').replace(/["']/g, ''));
        if (h && /^\d*<<-?/.test(s)) sources.push({ base: h.name, isDir: false, files: [{ name: '', type: 'file' as const, abs: '', mode: 0o644, mtime: 0, content: Buffer.from(h.content) }] });
        else if (i.kind === 'ADD' && /^https?:\/\//.test(s)) sources.push(await download(s, i.checksum));
        else sources.push(...contextSources(root, entries, s, { parents: i.parents }));
      }
      if (i.checksum !== undefined && !i.sources.every((s) => /^https?:\/\//.test(s))) throw invalidArgument('--checksum is only supported for ADD of an http(s) URL');
      return { sources: exclude(sources, i.excludes) };
    }
    const image = await this.fromImage(i.from);
    const { root, release } = await this.mountImage(image);
    try {
      return { sources: exclude(i.sources.flatMap((s) => imageSources(root, s, { parents: i.parents })), i.excludes), release };
    } catch (e) {
      await release();
      throw e;
    }
  }

  async copy(i: CopyInstruction, cfg: RuntimeConfig, parent: string | undefined, last: boolean): Promise<string> {
    const dest = i.dest.startsWith('/') ? i.dest : posix.join(cfg.WorkingDir || '/', i.dest) + (i.dest.endsWith('/') ? '/' : '');
    const { sources, release } = await this.sources(i);
    try {
      // ADD unpacks local tar archives (not downloaded files, not with --unpack=false).
      const unpack = i.kind === 'ADD' && i.unpack !== false && i.from === undefined;
      const archives = unpack ? sources.filter((s) => !s.isDir && s.files[0]?.type === 'file' && !s.downloaded && isArchive(s.files[0])) : [];
      const digest = sourcesDigest(sources);
      const kind = sources.length > 1 ? 'multi' : sources[0]?.isDir ? 'dir' : 'file';
      const createdBy = copyCreatedBy(i, kind, digest, dest);
      return await this.step(parent, createdBy, last, async () => {
        // --link: the layer does not depend on what the parent holds at the destination.
        const hasLayers = parent && !i.link ? (await this.engine.images.get(parent)).layers.length > 0 : false;
        const parentMount = hasLayers ? await this.mountImage(parent!) : undefined;
        const parentRoot = parentMount?.root;
        try {
          const plain = sources.filter((s) => !archives.includes(s));
          const entries = [
            ...(plain.length || !archives.length ? placeSources(plain, { dest: archives.length ? dest.replace(/\/?$/, '/') : dest, chown: i.chown, chmod: i.chmod, parentRoot, mtime: this.o.timestamp }) : []),
            ...(await unpackArchives(archives, { dest, chown: i.chown, parentRoot, mtime: this.o.timestamp })),
          ];
          const img = await this.engine.images.derive(parent, { config: cfg as Record<string, unknown>, createdBy, created: this.created, layer: tarStream(entries) });
          return img.id;
        } finally {
          await parentMount?.release();
        }
      });
    } finally {
      await release?.();
    }
  }
}

/**
 * Runs the needed stages, each as soon as the stages it depends on are done,
 * at most `jobs` at a time. The first failure stops new stages from starting
 * and is thrown once the running ones have ended.
 */
async function runStages(plan: StagePlan, jobs: number, run: (n: number) => Promise<void>): Promise<void> {
  const done = new Set<number>();
  const started = new Set<number>();
  const running = new Map<number, Promise<void>>();
  let failure: unknown;
  while (done.size < plan.needed.length && failure === undefined) {
    for (const n of plan.order) {
      if (running.size >= jobs) break;
      if (started.has(n) || !plan.stages[n].deps.every((d) => done.has(d) || !plan.needed.includes(d))) continue;
      started.add(n);
      running.set(n, run(n).then(() => void done.add(n), (e) => void (failure ??= e)).finally(() => running.delete(n)));
    }
    if (!running.size) break;
    await Promise.race(running.values());
  }
  await Promise.all(running.values());
  if (failure !== undefined) throw failure;
}

/**
 * Builds run RUN natively, with no emulation: a --platform (of FROM or of the
 * build) must name the host's platform.
 */
function checkPlatform(p: string | undefined, what: string): void {
  if (p === undefined || p === '') return;
  const want = formatPlatform(parsePlatform(p));
  const host = formatPlatform(hostPlatform());
  if (want !== host) throw invalidArgument(`${what}: only the host's platform (${host}) can be built here`);
}

/** The image as one layer on `base` (none: on nothing), with the same config. */
async function squash(b: Build, id: string, base: string | undefined): Promise<string> {
  const img = await b.engine.images.get(id);
  const top = await b.mountImage(id);
  const bottom = base ? await b.mountImage(base) : undefined;
  try {
    const entries = squashEntries(top.root, bottom?.root, b.o.timestamp);
    const createdBy = `/bin/sh -c #(nop) squashed ${base ? 'the new layers' : 'all layers'} of ${id.slice(0, 12)}`;
    return (await b.engine.images.derive(base, { config: img.config.config as Record<string, unknown>, createdBy, created: b.created, layer: tarStream(entries), format: b.o.format })).id;
  } finally {
    await bottom?.release();
    await top.release();
  }
}

/** NAME=VALUE entries with `vars` set: an existing name replaced in place, new ones appended. */
function setEnv(env: string[], vars: Record<string, string>): string[] {
  const out = [...env];
  for (const [k, v] of Object.entries(vars)) {
    const at = out.findIndex((kv) => kv.split('=')[0] === k);
    if (at >= 0) out[at] = `${k}=${v}`;
    else out.push(`${k}=${v}`);
  }
  return out;
}

/** Builds the Containerfile's target stage; returns the final image. */
export async function build(engine: Engine, o: BuildOptions): Promise<BuildReport> {
  const inputs = [o.containerfile, ...(o.moreContainerfiles ?? [])];
  if (inputs.some((f) => f.file.endsWith('.in'))) {
    const { preprocess } = await import('./cpp.ts');
    for (const f of inputs) if (f.file.endsWith('.in')) f.text = preprocess(f.text, f.file, o.contextDir, o.cppFlags ?? []);
  }
  const df = parseDockerfile(o.containerfile.text, { file: o.containerfile.file });
  for (const more of o.moreContainerfiles ?? []) {
    // Each keeps its own name and lines in messages; the first file's parser directives rule.
    const m = parseDockerfile(more.text, { file: more.file });
    df.instructions.push(...m.instructions);
    df.warnings.push(...m.warnings);
  }
  checkPlatform(o.platform, `--platform ${o.platform}`);
  if (o.from !== undefined) {
    const first = df.instructions.find((i) => i.kind === 'FROM');
    if (first?.kind === 'FROM') first.image = o.from;
  }
  const ip = o.imagePlatform;
  const platform = ip?.os || ip?.architecture ? { ...hostPlatform(), ...(ip.os ? { os: ip.os } : {}), ...(ip.architecture ? { architecture: ip.architecture, variant: ip.variant } : {}) } : undefined;
  const plan = planStages(df, { target: o.target, buildArgs: o.buildArgs, platform, skipUnused: o.skipUnusedStages });
  if (o.allPlatforms) {
    // Podman's (Buildah's) message, Go's %w of a nil error included.
    if (plan.needed.every((n) => plan.stages[n].base.kind !== 'image')) throw invalidArgument('build uses no non-scratch base images: %!w(<nil>)');
    throw invalidArgument(`--all-platforms: only the host's platform (${formatPlatform(hostPlatform())}) can be built here (RUN is not emulated)`);
  }
  const b = new Build(engine, o, plan);
  // What killed builds left (containers, image mounts, scratch dirs) goes first.
  await cleanLeftovers(engine, (await b.stores()).runRoot);
  await runStages(plan, Math.max(1, o.jobs ?? availableParallelism()), (n) => b.runStage(plan.stages[n]).then((id) => void b.results.set(n, id)));
  let id = b.results.get(plan.target)!;
  const identity: Record<string, string> = o.identityLabel !== false ? { 'io.buildah.version': BUILDAH_VERSION } : {};
  // The identity label alone needs a new image only where no step carried it (a FROM-only build).
  const unlabelled = Object.keys(identity).length > 0 && (await engine.images.get(id)).config.config?.Labels?.['io.buildah.version'] !== BUILDAH_VERSION;
  if (Object.keys(o.labels ?? {}).length || Object.keys(o.annotations ?? {}).length || o.unsetEnv?.length || unlabelled || Object.keys(o.env ?? {}).length) {
    const img = await engine.images.get(id);
    const config = structuredClone(img.config.config ?? {}) as RuntimeConfig;
    config.Labels = { ...config.Labels, ...identity, ...o.labels };
    if (!Object.keys(config.Labels).length) delete config.Labels;
    // Buildah sets --env again when it commits, so it wins over the Containerfile's ENV of the same name (Podman 4.3.1 does so).
    if (o.env && Object.keys(o.env).length) config.Env = setEnv(config.Env ?? [], o.env);
    if (o.unsetEnv?.length && config.Env) config.Env = config.Env.filter((kv) => !o.unsetEnv!.includes(kv.split('=')[0]));
    // The final image's own created time: an unchanged rebuild gives the same ID.
    id = (await engine.images.derive(id, { config: config as Record<string, unknown>, annotations: o.annotations, created: b.created ?? img.config.created, format: o.format })).id;
  }
  if (o.squash) id = await squash(b, id, o.squash === 'new' ? b.bases.get(plan.target) : undefined);
  if (ip?.os || ip?.architecture || ip?.variant || ip?.osVersion || ip?.osFeatures?.length || o.omitHistory) {
    const img = await engine.images.get(id);
    id = (await engine.images.derive(id, { config: img.config.config as Record<string, unknown>, created: b.created ?? img.config.created, format: o.format, platform: ip, omitHistory: o.omitHistory })).id;
  }
  const names: string[] = [];
  if (o.tags?.length) {
    await engine.images.tag(id, o.tags);
    names.push(...(await engine.images.get(id)).names.filter((n) => o.tags!.some((t) => n === t || n.startsWith(`localhost/${t}`) || n.endsWith(`/${t}`) || n.includes(t))));
    for (const n of names) b.print(`Successfully tagged ${n}`);
  }
  if (o.manifest) {
    if (await engine.images.manifestExists(o.manifest)) await engine.images.manifestAdd(o.manifest, id);
    else await engine.images.manifestCreate(o.manifest, [id]);
  }
  if (o.exportTo) {
    const { exportRootfs } = await import('./output.ts');
    const { root, release } = await b.mountImage(id);
    try {
      await exportRootfs(root, o.exportTo, o.exportStream ?? o.output);
    } finally {
      await release();
    }
  }
  return { id, names };
}
