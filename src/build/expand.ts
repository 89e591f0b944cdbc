// Variable expansion with BuildKit's scoping rules:
// - ARGs before the first FROM (and the built-in platform ARGs) form the
//   global scope, usable only in FROM lines; a stage sees one only after
//   re-declaring it with `ARG NAME`.
// - In a stage, an ARG is visible from its declaration on; `--build-arg`
//   overrides its default; ENV (also the base image's) wins over an ARG of
//   the same name.
// - ADD COPY ENV EXPOSE FROM LABEL STOPSIGNAL USER VOLUME WORKDIR (and
//   RUN --mount values) are expanded here; RUN/CMD/ENTRYPOINT/SHELL/
//   HEALTHCHECK are left to the shell; ONBUILD triggers expand when they fire.
import { HuskError } from '../common/errors.ts';
import type { ArgInstruction, Dockerfile, FromInstruction, Instruction, KeyValue } from './ast.ts';
import { syntaxError } from './errors.ts';
import { processWord, processWords, type Lookup } from './lexer.ts';
import { hostPlatform, platformArgs, type Platform } from './platform.ts';
import { isHeredocSource } from './words.ts';

export interface ScopeOptions {
  /** `--build-arg NAME=VALUE`: overrides the default of a declared ARG. */
  buildArgs?: Record<string, string>;
  /** The target platform (TARGET* args); the host by default. */
  platform?: Platform;
  /** The platform building (BUILD* args); the host by default. */
  buildPlatform?: Platform;
}

/** Rewrites an expansion error to name the file, line and instruction. */
function located(i: Instruction, e: unknown): never {
  if (e instanceof HuskError && !e.message.startsWith(`${i.loc.file}:`)) throw syntaxError(i.loc.file, i.loc.start, `${i.kind}: ${e.message}`);
  throw e;
}

/** The scope before the first FROM: the meta ARGs and built-ins, for FROM lines. */
export class GlobalScope {
  readonly escape: string;
  readonly buildArgs: Record<string, string>;
  /** Build args some ARG declared (anything else was not consumed, as BuildKit warns). */
  readonly consumed = new Set<string>();
  private readonly values = new Map<string, string | undefined>();

  constructor(df: Dockerfile, opts: ScopeOptions = {}) {
    this.escape = df.directives.escape;
    this.buildArgs = opts.buildArgs ?? {};
    for (const [k, v] of Object.entries(platformArgs(opts.platform ?? hostPlatform(), opts.buildPlatform ?? hostPlatform()))) {
      this.values.set(k, this.buildArgs[k] ?? v);
    }
    for (const i of df.instructions) {
      if (i.kind === 'FROM') break;
      if (i.kind !== 'ARG') continue;
      try {
        for (const a of i.args) {
          const name = processWord(a.name, this.lookup, { escape: this.escape });
          this.consumed.add(name);
          const value = Object.hasOwn(this.buildArgs, name) ? this.buildArgs[name]
            : a.value !== undefined ? processWord(a.value, this.lookup, { escape: this.escape }) : undefined;
          this.values.set(name, value);
        }
      } catch (e) {
        located(i, e);
      }
    }
  }

  readonly lookup: Lookup = (name) => this.values.get(name);

  /** Whether the global scope declares `name` (a re-declared `ARG name` in a stage imports it). */
  has(name: string): boolean {
    return this.values.has(name);
  }

  get(name: string): string | undefined {
    return this.values.get(name);
  }

  /** FROM with its image and --platform expanded from the global scope (stage names are not expanded). */
  expandFrom(i: FromInstruction): FromInstruction {
    try {
      const image = processWord(i.image, this.lookup, { escape: this.escape });
      if (!image) throw syntaxError(i.loc.file, i.loc.start, `FROM: base name (${i.image}) should not be blank`);
      const platform = i.platform === undefined ? undefined : processWord(i.platform, this.lookup, { escape: this.escape });
      return { ...i, image, platform };
    } catch (e) {
      located(i, e);
    }
  }

  /** `--build-arg`s no ARG declared. */
  unusedBuildArgs(): string[] {
    return Object.keys(this.buildArgs).filter((k) => !this.consumed.has(k) && !(k in platformArgs(hostPlatform())));
  }
}

/**
 * One stage's scope while its instructions are processed in order: `apply`
 * returns each instruction with its words expanded and records ARG/ENV.
 */
export class StageScope {
  private readonly global: GlobalScope;
  /** ENV in effect: the base image's, then the stage's ENV instructions. */
  readonly env = new Map<string, string>();
  /** ARGs declared in this stage; undefined = declared without a value. */
  readonly args = new Map<string, string | undefined>();

  constructor(global: GlobalScope, baseEnv: string[] = []) {
    this.global = global;
    for (const kv of baseEnv) {
      const eq = kv.indexOf('=');
      if (eq > 0) this.env.set(kv.slice(0, eq), kv.slice(eq + 1));
      else if (kv) this.env.set(kv, '');
    }
  }

  /** ENV wins over ARG of the same name. */
  readonly lookup: Lookup = (name) => this.env.get(name) ?? this.args.get(name);

  word(text: string): string {
    return processWord(text, this.lookup, { escape: this.global.escape });
  }

  words(text: string): string[] {
    return processWords(text, this.lookup, { escape: this.global.escape });
  }

  /** The environment RUN sees: declared ARGs with a value, overridden by ENV. */
  runEnv(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [k, v] of this.args) if (v !== undefined) out[k] = v;
    for (const [k, v] of this.env) out[k] = v;
    return out;
  }

  private declareArgs(i: ArgInstruction): ArgInstruction {
    const args = i.args.map((a) => {
      const name = this.word(a.name);
      this.global.consumed.add(name);
      let value: string | undefined;
      if (Object.hasOwn(this.global.buildArgs, name)) value = this.global.buildArgs[name];
      else if (a.value !== undefined) value = this.word(a.value);
      else if (this.global.has(name)) value = this.global.get(name);
      this.args.set(name, value);
      return value === undefined ? { name } : { name, value };
    });
    return { ...i, args };
  }

  /** `instr` with its words expanded; ARG and ENV also update the scope. */
  apply<T extends Instruction>(instr: T): T {
    try {
      return this.expand(instr) as T;
    } catch (e) {
      located(instr, e);
    }
  }

  private expand(i: Instruction): Instruction {
    const w = (s: string) => this.word(s);
    const opt = (s: string | undefined) => (s === undefined ? undefined : w(s));
    switch (i.kind) {
      case 'FROM':
        return this.global.expandFrom(i);
      case 'ARG':
        return this.declareArgs(i);
      case 'ENV': {
        // Every word of one ENV sees the environment from before it.
        const pairs = i.pairs.map((p) => this.pair(p));
        for (const p of pairs) this.env.set(p.key, p.value);
        return { ...i, pairs };
      }
      case 'LABEL':
        return { ...i, pairs: i.pairs.map((p) => this.pair(p)) };
      case 'EXPOSE':
        return { ...i, ports: i.ports.flatMap((p) => this.words(p)) };
      case 'VOLUME': {
        const paths = i.paths.map(w);
        if (paths.some((p) => !p.trim())) throw syntaxError(i.loc.file, i.loc.start, 'VOLUME specified can not be an empty string');
        return { ...i, paths };
      }
      case 'USER':
      case 'WORKDIR':
      case 'STOPSIGNAL':
        return { ...i, value: w(i.value) };
      case 'COPY':
      case 'ADD':
        return {
          ...i,
          sources: i.sources.map((s) => (!i.json && isHeredocSource(s) ? s : w(s))),
          dest: w(i.dest), from: opt(i.from), chown: opt(i.chown), chmod: opt(i.chmod), checksum: opt(i.checksum),
          excludes: i.excludes.map(w),
          // Heredoc bodies expand `$VAR`s but keep their quotes (BuildKit's ExpandRaw).
          heredocs: i.heredocs.map((h) => (h.expand ? { ...h, content: processWord(h.content, this.lookup, { skipProcessQuotes: true }) } : h)),
        };
      case 'RUN':
        return { ...i, mounts: i.mounts.map((m) => Object.fromEntries(Object.entries(m).map(([k, v]) => [k, w(v)]))) };
      default:
        return i;
    }
  }

  private pair(p: KeyValue): KeyValue {
    const key = this.word(p.key);
    if (!key) throw new HuskError('INVALID_ARGUMENT', 'names can not be blank');
    return { key, value: this.word(p.value) };
  }
}
