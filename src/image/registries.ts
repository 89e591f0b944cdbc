// registries.conf (containers-registries.conf(5), v2; v1 converted) and
// short-name resolution, with the precedence and merge rules of Podman's
// containers/image:
// - Main file: $CONTAINERS_REGISTRIES_CONF (else legacy $REGISTRIES_CONFIG_PATH;
//   must exist), else $HOME/.config/containers/registries.conf if present,
//   else /etc/containers/registries.conf (missing = empty).
// - Drop-ins (*.conf, name order, v2 only): /etc/containers/registries.conf.d
//   then $HOME/.config/containers/registries.conf.d; a per-user
//   registries.conf drops the system directory (and so the distribution's
//   shortnames.conf aliases). The env override keeps both directories.
// - Merge: a drop-in replaces each top-level key it sets (an empty array
//   too), replaces a [[registry]] with the same prefix as a whole, adds the
//   others, and merges [aliases] per name ("" erases one).
// - Podman's machine-written short-name-aliases.conf (choices made at a
//   prompt) beats every registries.conf alias.
// Local images come first: the store matches a short name against local
// names (alias, localhost/NAME, each search registry) before a pull asks
// resolveShortName here.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'smol-toml';
import { invalidArgument, isErrno } from '../common/errors.ts';
import { DOMAIN_RE, formatRef, normalize, parseNamed, parseNormalized, withDefaultTag } from './reference.ts';

export type ShortNameMode = 'enforcing' | 'permissive' | 'disabled';
export type PullFromMirror = 'all' | 'digest-only' | 'tag-only';

export interface MirrorEntry { location: string; insecure: boolean; pullFromMirror?: PullFromMirror }

export interface RegistryEntry {
  prefix: string; // matched against image names; defaults to location; may be "*.example.com"
  location: string; // where the prefix's namespace really is; "" only for a wildcard prefix (no rewrite)
  insecure: boolean;
  blocked: boolean;
  mirror: MirrorEntry[];
  mirrorByDigestOnly: boolean;
}

export interface RegistriesConf {
  unqualifiedSearchRegistries: string[];
  unqualifiedSearchRegistriesOrigin: string; // the file that set them ("" when none did)
  shortNameMode: ShortNameMode; // Podman's default is permissive; distributions ship enforcing
  aliases: Record<string, string>; // short name (no tag) → fully-qualified, normalised repository
  aliasOrigins: Record<string, string>; // short name → the file its alias came from
  registries: RegistryEntry[]; // one per prefix, sorted by prefix
  credentialHelpers: string[];
  files: string[]; // files read, in order
  configPath: string; // main file and drop-in directory, as Podman names them in messages
  configDirPath: string;
  shortNameAliasesPath: string; // where Podman records prompted choices (read, never written here)
}

/** Overrides, like Podman's SystemContext fields (mainly for tests). */
export interface LoadOptions {
  confPath?: string; // main file, like $CONTAINERS_REGISTRIES_CONF: must exist
  confDirPath?: string; // the only drop-in directory to read
  root?: string; // prefix for the /etc paths (Podman's RootForImplicitAbsolutePaths)
  home?: string; // home of the per-user files (default $HOME)
  aliasesPath?: string; // Podman's short-name-aliases.conf
  euid?: number; // root's alias cache is in /var/cache, others' in ~/.cache
}

type Toml = Record<string, unknown>;
/** value undefined: erased by "" (hides aliases from earlier files). */
interface Alias { value: string | undefined; origin: string }
/** One file's settings; undefined means "not set here", which matters for merging. */
interface FileConf {
  registries: RegistryEntry[];
  search?: string[];
  credentialHelpers?: string[];
  mode?: ShortNameMode;
  aliases: Map<string, Alias>;
  origin: string;
}

const q = (s: string) => JSON.stringify(s);
const isTable = (v: unknown): v is Toml => typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);
const wrongType = (key: string, what: string) => invalidArgument(`${key}: expected ${what}`);
/** A typed field, undefined when absent; a wrong type is a configuration error. */
function get<T>(t: Toml, key: string, ok: (v: unknown) => boolean, what: string): T | undefined {
  if (t[key] !== undefined && !ok(t[key])) throw wrongType(key, what);
  return t[key] as T | undefined;
}
const str = (t: Toml, k: string) => get<string>(t, k, (v) => typeof v === 'string', 'a string') ?? '';
const bool = (t: Toml, k: string) => get<boolean>(t, k, (v) => typeof v === 'boolean', 'true or false') ?? false;
const strings = (t: Toml, k: string) =>
  get<string[]>(t, k, (v) => Array.isArray(v) && v.every((x) => typeof x === 'string'), 'an array of strings');
const tables = (t: Toml, k: string) => get<Toml[]>(t, k, (v) => Array.isArray(v) && v.every(isTable), `[[${k}]] tables`) ?? [];

/** Trims trailing slashes; URLs are not locations. */
function parseLocation(s: string): string {
  const trimmed = s.replace(/\/+$/, '');
  if (/^https?:\/\//.test(trimmed)) throw invalidArgument(`invalid location '${s}': URI schemes are not supported`);
  return trimmed;
}

/** The parsed file, or undefined when it does not exist. */
function readToml(path: string): Toml | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if (isErrno(e, 'ENOENT')) return undefined;
    throw e;
  }
  try {
    return parse(text) as Toml;
  } catch (e) {
    throw invalidArgument((e as Error).message.split('\n')[0]);
  }
}

/** Checks an alias name (short, no tag/digest) or value (qualified, no tag/digest; returned normalised). */
function checkAliasPart(s: string, side: 'short name' | 'alias'): string {
  let r;
  try {
    r = parseNamed(s);
  } catch (e) {
    throw invalidArgument(`${side === 'alias' ? 'parsing alias' : 'cannot parse short name:'} ${q(s)}: ${(e as Error).message}`);
  }
  if (r.digest) throw invalidArgument(`invalid ${side} ${q(s)}: must not contain digest`);
  if (r.tag) throw invalidArgument(`invalid ${side} ${q(s)}: must not contain tag`);
  if (side === 'short name' && r.domain) throw invalidArgument(`invalid short name ${q(s)}: must not contain registry`);
  if (side === 'alias' && !r.domain) throw invalidArgument(`invalid alias ${q(s)}: must contain registry and repository`);
  return side === 'alias' ? formatRef(parseNormalized(s)) : s;
}

function parseAliases(t: unknown, origin: string): Map<string, Alias> {
  const out = new Map<string, Alias>();
  if (t === undefined) return out;
  if (!isTable(t)) throw wrongType('aliases', 'a table');
  const errs: string[] = []; // all bad entries at once, as Podman reports them
  for (const [name, value] of Object.entries(t)) {
    try {
      checkAliasPart(name, 'short name');
      if (typeof value !== 'string') throw wrongType(`aliases.${name}`, 'a string');
      out.set(name, { value: value === '' ? undefined : checkAliasPart(value, 'alias'), origin });
    } catch (e) {
      errs.push((e as Error).message);
    }
  }
  if (errs.length) throw invalidArgument(`validating short-name aliases: ${errs.join('\n: ')}`);
  return out;
}

function parseRegistry(t: Toml): RegistryEntry {
  const location = parseLocation(str(t, 'location'));
  let prefix = str(t, 'prefix');
  if (prefix === '') {
    if (location === '') throw invalidArgument('invalid condition: both location and prefix are unset');
    prefix = location;
  } else {
    prefix = parseLocation(prefix);
    if (!prefix.startsWith('*.') && location === '') {
      throw invalidArgument('invalid condition: location is unset and prefix is not in the format: *.example.com');
    }
  }
  if (prefix.startsWith('*.') && /[/@:]/.test(prefix)) {
    throw invalidArgument(`Wildcarded prefix should be in the format: *.example.com. Current prefix ${q(prefix)} is incorrectly formatted`);
  }
  if (str(t, 'pull-from-mirror')) throw invalidArgument(`pull-from-mirror must not be set for a non-mirror registry ${q(prefix)}`);
  const byDigestOnly = bool(t, 'mirror-by-digest-only');
  const mirror = tables(t, 'mirror').map((m): MirrorEntry => {
    const loc = parseLocation(str(m, 'location'));
    if (loc === '') throw invalidArgument('invalid condition: mirror location is unset');
    const pull = str(m, 'pull-from-mirror');
    if (pull && byDigestOnly) {
      throw invalidArgument(`cannot set mirror usage mirror-by-digest-only for the registry (${q(prefix)}) and pull-from-mirror for per-mirror (${q(loc)}) at the same time`);
    }
    if (pull && !['all', 'digest-only', 'tag-only'].includes(pull)) {
      throw invalidArgument(`unsupported pull-from-mirror value ${q(pull)} for mirror ${q(loc)}`);
    }
    return { location: loc, insecure: bool(m, 'insecure'), ...(pull && { pullFromMirror: pull as PullFromMirror }) };
  });
  return { prefix, location, insecure: bool(t, 'insecure'), blocked: bool(t, 'blocked'), mirror, mirrorByDigestOnly: byDigestOnly };
}

const V1_SECTIONS = ['search', 'insecure', 'block'] as const;
const V2_KEYS = ['registry', 'unqualified-search-registries', 'credential-helpers', 'short-name-mode', 'aliases',
  'additional-layer-store-auth-helper'];

/** v1's [registries.search|insecure|block] lists → the v2 keys. */
function convertV1(v1: Toml): Toml {
  const entries = new Map<string, Toml>();
  const entry = (s: string): Toml => {
    const location = parseLocation(s);
    if (!entries.has(location)) entries.set(location, { location });
    return entries.get(location)!;
  };
  const list = (k: string) => (isTable(v1[k]) ? strings(v1[k], 'registries') ?? [] : []);
  for (const r of list('search')) entry(r);
  for (const r of list('block')) entry(r).blocked = true;
  for (const r of list('insecure')) entry(r).insecure = true;
  return { registry: [...entries.values()], 'unqualified-search-registries': list('search') };
}

const sortByPrefix = (regs: RegistryEntry[]) => regs.sort((a, b) => (a.prefix < b.prefix ? -1 : a.prefix > b.prefix ? 1 : 0));

function parseFile(t: Toml, origin: string, dropIn: boolean): FileConf {
  if (isTable(t.registries) && V1_SECTIONS.some((k) => isTable((t.registries as Toml)[k]))) {
    if (dropIn) throw invalidArgument('registry must be in v2 format but is in v1');
    if (V2_KEYS.some((k) => k in t)) throw invalidArgument('mixing sysregistry v1/v2 is not supported');
    t = convertV1(t.registries as Toml);
  }
  const all = tables(t, 'registry').map(parseRegistry);
  // One registry may back several prefixes, never with different security settings.
  const byLocation = new Map<string, RegistryEntry>();
  for (const r of all) {
    const other = byLocation.get(r.location || r.prefix);
    if (!other) byLocation.set(r.location || r.prefix, r);
    else for (const f of ['insecure', 'blocked'] as const) {
      if (r[f] !== other[f]) throw invalidArgument(`registry '${r.location}' is defined multiple times with conflicting '${f}' setting`);
    }
  }
  // Within one file the first entry for a prefix wins; later ones are ignored.
  const unique = new Map<string, RegistryEntry>();
  for (const r of all) if (!unique.has(r.prefix)) unique.set(r.prefix, r);
  const search = strings(t, 'unqualified-search-registries')?.map((s) => {
    const reg = parseLocation(s);
    if (!DOMAIN_RE.test(reg)) throw invalidArgument(`Invalid unqualified-search-registries entry ${q(reg)}`);
    return reg;
  });
  const mode = str(t, 'short-name-mode');
  if (mode && !['enforcing', 'permissive', 'disabled'].includes(mode)) throw invalidArgument(`invalid short-name mode: ${q(mode)}`);
  return {
    registries: sortByPrefix([...unique.values()]),
    search,
    credentialHelpers: strings(t, 'credential-helpers'),
    mode: (mode || undefined) as ShortNameMode | undefined,
    aliases: parseAliases(t.aliases, origin),
    origin,
  };
}

/** Applies a drop-in on top of what was loaded so far. */
function merge(base: FileConf, upd: FileConf, state: { searchOrigin: string }): void {
  const byPrefix = new Map(base.registries.map((r) => [r.prefix, r]));
  for (const r of upd.registries) byPrefix.set(r.prefix, r);
  base.registries = sortByPrefix([...byPrefix.values()]);
  if (upd.search !== undefined) [base.search, state.searchOrigin] = [upd.search, upd.origin];
  if (upd.credentialHelpers !== undefined) base.credentialHelpers = upd.credentialHelpers;
  if (upd.mode !== undefined) base.mode = upd.mode;
  for (const [k, v] of upd.aliases) base.aliases.set(k, v);
}

function dropInFiles(dir: string): string[] {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch (e) {
    if (isErrno(e, 'ENOENT') || isErrno(e, 'ENOTDIR')) return [];
    throw invalidArgument(`reading registries.conf.d: ${(e as Error).message}`);
  }
  return entries.filter((e) => !e.isDirectory() && e.name.endsWith('.conf')).map((e) => join(dir, e.name)).sort();
}

/** Reads one file (undefined if missing), naming it in any error. */
function load<T>(path: string, what: string, fn: (t: Toml) => T): T | undefined {
  try {
    const t = readToml(path);
    return t && fn(t);
  } catch (e) {
    throw invalidArgument(`${what} ${q(path)}: ${(e as Error).message}`);
  }
}

export function loadRegistriesConf(opts: LoadOptions = {}): RegistriesConf {
  const home = opts.home ?? (process.env.HOME || homedir());
  const userFile = join(home, '.config/containers/registries.conf');
  const userDir = join(home, '.config/containers/registries.conf.d');
  // As Go's LookupEnv: a set-but-empty CONTAINERS_REGISTRIES_CONF means the default.
  const env = 'CONTAINERS_REGISTRIES_CONF' in process.env ? process.env.CONTAINERS_REGISTRIES_CONF : process.env.REGISTRIES_CONFIG_PATH;
  const explicit = opts.confPath || env || undefined;
  const userOnly = !explicit && existsSync(userFile);
  const root = opts.root ?? '/';
  const configPath = explicit ?? (userOnly ? userFile : join(root, 'etc/containers/registries.conf'));
  const dirs = opts.confDirPath ? [opts.confDirPath] : userOnly ? [userDir] : [join(root, 'etc/containers/registries.conf.d'), userDir];

  const files: string[] = [];
  const main = load(configPath, 'loading registries configuration', (t) => parseFile(t, configPath, false));
  if (main) files.push(configPath);
  else if (explicit) throw invalidArgument(`loading registries configuration ${q(configPath)}: no such file or directory`);
  const conf: FileConf = main ?? { registries: [], aliases: new Map(), origin: '' };
  const state = { searchOrigin: conf.origin };
  for (const f of dirs.flatMap(dropInFiles)) {
    const d = load(f, 'loading drop-in registries configuration', (t) => parseFile(t, f, true));
    if (!d) continue; // removed since the listing
    files.push(f);
    merge(conf, d, state);
  }

  const euid = opts.euid ?? process.geteuid?.() ?? 0;
  const cacheHome = euid === 0 ? '/var/cache' : process.env.XDG_CACHE_HOME || join(home, '.cache');
  const shortNameAliasesPath = opts.aliasesPath ?? join(cacheHome, 'containers/short-name-aliases.conf');
  const cached = load(shortNameAliasesPath, 'loading short-name aliases config file', (t) => parseAliases(t.aliases, shortNameAliasesPath));
  if (cached) {
    files.push(shortNameAliasesPath);
    for (const [k, v] of cached) conf.aliases.set(k, v);
  }
  const aliases: Record<string, string> = {};
  const aliasOrigins: Record<string, string> = {};
  for (const [k, { value, origin }] of conf.aliases) if (value !== undefined) [aliases[k], aliasOrigins[k]] = [value, origin];

  return {
    unqualifiedSearchRegistries: conf.search ?? [],
    unqualifiedSearchRegistriesOrigin: state.searchOrigin,
    shortNameMode: conf.mode ?? 'permissive',
    aliases,
    aliasOrigins,
    registries: conf.registries,
    credentialHelpers: conf.credentialHelpers?.length ? conf.credentialHelpers : ['containers-auth.json'],
    files,
    configPath,
    configDirPath: dirs.at(-1)!,
    shortNameAliasesPath,
  };
}

// ---- Lookup ----

/**
 * Length of the matched prefix, or -1. A prefix matches whole components:
 * the end, '/', ':' or '@' must follow (so "example.com" also matches
 * "example.com:5000/x", as in Podman). "*.example.com" matches subdomains
 * at any depth, within the host part only.
 */
function matchPrefix(ref: string, prefix: string): number {
  let end: number;
  if (prefix.startsWith('*.')) {
    const i = ref.indexOf(prefix.slice(1));
    if (i === -1 || ref.slice(0, i).includes('/')) return -1;
    end = i + prefix.length - 1;
  } else {
    if (!ref.startsWith(prefix)) return -1;
    end = prefix.length;
  }
  return end === ref.length || '/:@'.includes(ref[end]) ? end : -1;
}

/** Normalises docker.io forms of a reference; bare host[:port] is kept. */
function forMatching(ref: string): string {
  if (!ref.includes('/')) return ref === 'index.docker.io' ? 'docker.io' : ref;
  try {
    return formatRef(parseNormalized(ref));
  } catch {
    return ref;
  }
}

/**
 * The [[registry]] entry for a fully-qualified name or reference (or a bare
 * host): the longest matching prefix wins.
 */
export function findRegistry(conf: RegistriesConf, ref: string): RegistryEntry | undefined {
  const s = forMatching(ref);
  let best: RegistryEntry | undefined;
  for (const r of conf.registries) {
    if (matchPrefix(s, r.prefix) !== -1 && r.prefix.length > (best?.prefix.length ?? 0)) best = r;
  }
  return best;
}

/** Replaces the matched prefix by the endpoint's location. */
function rewrite(ref: string, prefix: string, location: string): string {
  const n = matchPrefix(ref, prefix);
  if (n === -1) throw invalidArgument(`invalid prefix '${prefix}' for reference '${ref}'`);
  if (location === '') return ref; // wildcard prefix: settings only, no rewrite
  const out = location + ref.slice(n);
  let canonical: string;
  try {
    canonical = formatRef(parseNormalized(out));
  } catch (e) {
    throw invalidArgument(`rewriting reference: ${(e as Error).message}`);
  }
  if (canonical !== out) throw invalidArgument('rewriting reference: repository name must be canonical');
  return out;
}

export interface PullSource { ref: string; insecure: boolean; mirror: boolean }

/**
 * Where to pull a fully-qualified reference from, in order: the usable
 * mirrors, then the primary location (the rewritten reference). Like Podman,
 * a source is unusable when its own (rewritten) name falls under a blocked
 * entry, so mirrors of a blocked registry are still tried; with none left
 * the error names the blocked prefix.
 */
export function pullSources(conf: RegistriesConf, fullRef: string): PullSource[] {
  const parsed = withDefaultTag(parseNormalized(fullRef));
  const ref = formatRef(parsed);
  const reg = findRegistry(conf, repositoryName(ref));
  const digested = parsed.digest !== undefined;
  const usesMirror = (m: MirrorEntry) =>
    reg!.mirrorByDigestOnly || m.pullFromMirror === 'digest-only' ? digested : m.pullFromMirror !== 'tag-only' || !digested;
  const sources: PullSource[] = !reg ? [{ ref, insecure: false, mirror: false }] : [
    ...reg.mirror.filter(usesMirror).map((m) => ({ ref: rewrite(ref, reg.prefix, m.location), insecure: m.insecure, mirror: true })),
    { ref: rewrite(ref, reg.prefix, reg.location), insecure: reg.insecure, mirror: false },
  ];
  const blockedBy = (s: PullSource) => [findRegistry(conf, repositoryName(s.ref))].find((r) => r?.blocked);
  const usable = sources.filter((s) => !blockedBy(s));
  // Nothing usable means the primary (last) is blocked too.
  if (!usable.length) throw invalidArgument(`registry ${blockedBy(sources.at(-1)!)!.prefix} is blocked in ${conf.configPath} or ${conf.configDirPath}`);
  return usable;
}

function repositoryName(ref: string): string {
  const r = parseNamed(ref);
  return formatRef({ domain: r.domain, path: r.path });
}

// ---- Short names ----

export interface ShortNameResolution {
  candidates: string[]; // fully-qualified references to try in order (":latest" if neither tag nor digest)
  alias?: string; // the alias value (a repository) when an alias decided
  // Several candidates, a terminal and enforcing/permissive mode: Podman has
  // the user pick one, pulls only that, and records it in shortNameAliasesPath.
  prompt: boolean;
  description: string; // Podman's line before pulling ("Resolved ... as an alias (file)"), or ""
}

/**
 * Podman's short-name resolution: an alias (looked up without tag/digest,
 * which are then applied to the alias) decides alone; otherwise each
 * unqualified-search registry gives a candidate, subject to short-name-mode.
 * `terminal` means stdin and stdout are both TTYs.
 */
export function resolveShortName(conf: RegistriesConf, shortName: string, opts: { terminal: boolean }): ShortNameResolution {
  const r = parseNamed(shortName);
  if (r.domain !== undefined) return { candidates: [normalize(shortName)], prompt: false, description: '' };
  const alias = conf.aliases[r.path];
  if (alias !== undefined) {
    const candidate = formatRef(withDefaultTag({ ...parseNormalized(alias), tag: r.tag, digest: r.digest }));
    const description = `Resolved ${q(r.path)} as an alias (${conf.aliasOrigins[r.path]})`;
    return { candidates: [candidate], alias, prompt: false, description };
  }
  const search = conf.unqualifiedSearchRegistries;
  if (!search.length) {
    const where = conf.unqualifiedSearchRegistriesOrigin;
    throw invalidArgument(where
      ? `short-name ${q(shortName)} did not resolve to an alias and no unqualified-search registries are defined in ${q(where)}`
      : `short-name ${q(shortName)} did not resolve to an alias and no containers-registries.conf(5) was found`);
  }
  const candidates = search.map((reg) => {
    try {
      return normalize(`${reg}/${shortName}`);
    } catch (e) {
      throw invalidArgument(`creating reference with unqualified-search registry ${q(reg)}: ${(e as Error).message}`);
    }
  });
  const description = `Resolving ${q(r.path)} using unqualified-search registries (${conf.unqualifiedSearchRegistriesOrigin})`;
  const result = { candidates, prompt: false, description };
  if (conf.shortNameMode === 'disabled' || candidates.length === 1) return result;
  if (opts.terminal) return { ...result, prompt: true };
  if (conf.shortNameMode === 'permissive') return result;
  throw invalidArgument('short-name resolution enforced but cannot prompt without a TTY');
}
