// Image references: the one grammar husk parses names with, docker/
// distribution's (reference/regexp.go: domain/path-component/...:tag@digest)
// as Podman's containers/image fork applies it, plus the normalisations
// husk uses:
// - parseNamed: the name as written. A domain is present only when the first
//   of several components contains '.' or ':' or is "localhost"; anything else
//   ("busybox", "library/busybox") is a short name, resolved through
//   registries.conf (see registries.ts), never silently sent to Docker Hub.
// - parseNormalized / normalize: fully-qualified names, with docker.io's
//   implicit "library/" namespace made explicit.
// - localName: names given on this host (import, tag, commit, load) get
//   "localhost/" when short, as Podman does (`foo` → `localhost/foo:latest`).
// - splitName / nameMatches: stored (fully-qualified) names against what a
//   user typed, for lookups in the local store.
import { invalidArgument } from '../common/errors.ts';

export interface NamedRef {
  /** Registry host[:port]; undefined for a short name. */
  domain: string | undefined;
  /** Repository path below the domain ("library/busybox"). */
  path: string;
  tag?: string;
  digest?: string;
}

export const DOCKER_HUB = 'docker.io';
const LEGACY_DOCKER_HUB = 'index.docker.io';
export const DEFAULT_TAG = 'latest';
/** Limit on the whole name (domain included), as containers/image checks it. */
export const NAME_MAX = 255;

// The grammar, written as regex sources so the pieces compose. Lower-case
// only in paths; domains may use upper case (DNS is case-insensitive).
const PATH_COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const REMOTE_NAME = `${PATH_COMPONENT}(?:/${PATH_COMPONENT})*`;
const DOMAIN_LABEL = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const HOST = `(?:${DOMAIN_LABEL}(?:\\.${DOMAIN_LABEL})*|\\[[a-fA-F0-9:]+\\])`;
const DOMAIN = `${HOST}(?::[0-9]+)?`;
const TAG = '[\\w][\\w.-]{0,127}';
const DIGEST = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}';

const REFERENCE_RE = new RegExp(`^((?:${DOMAIN}/)?${REMOTE_NAME})(?::(${TAG}))?(?:@(${DIGEST}))?$`);
const NAME_RE = new RegExp(`^(?:(${DOMAIN})/)?(${REMOTE_NAME})$`);
export const DOMAIN_RE = new RegExp(`^${DOMAIN}$`);
const TAG_RE = new RegExp(`^${TAG}$`);
const PATH_RE = new RegExp(`^${REMOTE_NAME}$`);
/** A bare 64-hex string is an image ID, never a name. */
const IDENTIFIER_RE = /^[a-f0-9]{64}$/;

// go-digest's view of digests: the reference grammar above is looser
// (upper-case hex, any algorithm), the digest itself is then checked here.
const DIGEST_SIZES: Record<string, number> = { sha256: 64, sha384: 96, sha512: 128 };
const GO_DIGEST_RE = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;

/** Validates "algorithm:hex" with go-digest's rules and messages. */
export function validateDigest(d: string): void {
  const colon = d.indexOf(':');
  if (colon <= 0 || colon + 1 === d.length) throw invalidArgument('invalid checksum digest format');
  const size = DIGEST_SIZES[d.slice(0, colon)];
  if (size === undefined) {
    throw invalidArgument(GO_DIGEST_RE.test(d) ? 'unsupported digest algorithm' : 'invalid checksum digest format');
  }
  const hex = d.slice(colon + 1);
  if (hex.length !== size) throw invalidArgument('invalid checksum digest length');
  if (!/^[a-f0-9]+$/.test(hex)) throw invalidArgument('invalid checksum digest format');
}

/** Whether a first path component names a registry (Podman's rule). */
function looksLikeDomain(component: string): boolean {
  return component.includes('.') || component.includes(':') || component === 'localhost';
}

/**
 * Parses a reference as written, without normalisation. Errors carry the
 * wording Podman prints ("invalid reference format", "... must be lowercase").
 */
export function parseNamed(s: string): NamedRef {
  if (s === '') throw invalidArgument('repository name must have at least one component');
  const m = REFERENCE_RE.exec(s);
  if (!m) {
    // Lower-casing fixes it: the only problem is an upper-case path.
    if (s.toLowerCase() !== s && REFERENCE_RE.test(s.toLowerCase())) {
      throw invalidArgument('repository name must be lowercase');
    }
    throw invalidArgument('invalid reference format');
  }
  const [, name, tag, digest] = m;
  if (name.length > NAME_MAX) throw invalidArgument(`repository name must not be more than ${NAME_MAX} characters`);
  // The grammar accepts any host-shaped first component ("Foo/bar" parses
  // with domain "Foo"); Podman only treats it as a registry by the rule
  // above, so anything else stays part of the path and must be lower-case.
  const nm = NAME_RE.exec(name)!;
  let domain: string | undefined = nm[1];
  let path = nm[2];
  if (domain !== undefined && !looksLikeDomain(domain)) {
    path = name;
    domain = undefined;
  }
  // A host-shaped component that is not a domain is a single label, so once
  // lower-case it is also a valid path component: checking case suffices.
  if (path.toLowerCase() !== path) throw invalidArgument('repository name must be lowercase');
  if (digest !== undefined) validateDigest(digest);
  return { domain, path, ...(tag !== undefined && { tag }), ...(digest !== undefined && { digest }) };
}

export interface NormalizeOptions {
  /**
   * Domain given to short names. Without it a short name is an error: short
   * names are resolved through registries.conf, not assumed to be on a
   * registry. "docker.io" gives Docker's behaviour (compat API), "localhost"
   * names images created on this host (import, tag, build).
   */
  shortNameDomain?: string;
}

/** Parses and normalises to a fully-qualified reference (no default tag added). */
export function parseNormalized(s: string, opts: NormalizeOptions = {}): NamedRef {
  if (IDENTIFIER_RE.test(s)) {
    throw invalidArgument(`invalid repository name (${s}), cannot specify 64-byte hexadecimal strings`);
  }
  const r = parseNamed(s);
  let domain = r.domain ?? opts.shortNameDomain;
  if (domain === undefined) throw invalidArgument(`"${s}" is a short name and must be resolved to a registry first`);
  if (domain === LEGACY_DOCKER_HUB) domain = DOCKER_HUB;
  // Docker Hub's official images live in "library/"; the explicit form is
  // the canonical one (registries.conf prefixes must use it too).
  const path = domain === DOCKER_HUB && !r.path.includes('/') ? `library/${r.path}` : r.path;
  const name = `${domain}/${path}`;
  if (name.length > NAME_MAX) throw invalidArgument(`repository name must not be more than ${NAME_MAX} characters`);
  if (!DOMAIN_RE.test(domain)) throw invalidArgument('invalid reference format');
  return { ...r, domain, path };
}

/** Adds ":latest" when a reference has neither tag nor digest. */
export function withDefaultTag(r: NamedRef): NamedRef {
  return r.tag === undefined && r.digest === undefined ? { ...r, tag: DEFAULT_TAG } : r;
}

/**
 * The canonical string of a fully-qualified reference:
 * `docker.io/busybox` → `docker.io/library/busybox:latest`; a digest is kept,
 * and `name:tag@digest` keeps both.
 */
export function normalize(s: string, opts: NormalizeOptions = {}): string {
  return formatRef(withDefaultTag(parseNormalized(s, opts)));
}

/** True when the name has no registry domain (and so needs resolving). */
export function isShortName(s: string): boolean {
  try {
    return parseNamed(s).domain === undefined;
  } catch {
    return false;
  }
}

export function formatRef(r: NamedRef): string {
  let out = r.domain === undefined ? r.path : `${r.domain}/${r.path}`;
  if (r.tag !== undefined) out += `:${r.tag}`;
  if (r.digest !== undefined) out += `@${r.digest}`;
  return out;
}

/** Docker's short display form: `docker.io/library/redis:7` → `redis:7`. */
export function familiar(s: string): string {
  const r = parseNamed(s);
  if (r.domain !== DOCKER_HUB && r.domain !== LEGACY_DOCKER_HUB) return formatRef(r);
  const path = r.path.startsWith('library/') ? r.path.slice('library/'.length) : r.path;
  return formatRef({ ...r, domain: undefined, path });
}

/** `domain/path` without tag or digest (docker.io forms normalised; short names kept short). */
export function repositoryOf(s: string): string {
  const r = isShortName(s) ? parseNamed(s) : parseNormalized(s);
  return formatRef({ domain: r.domain, path: r.path });
}

/** The tag, "latest" when neither tag nor digest is given, undefined for a digest-only reference. */
export function tagOf(s: string): string | undefined {
  return withDefaultTag(parseNamed(s)).tag;
}

export function digestOf(s: string): string | undefined {
  return parseNamed(s).digest;
}

/** Whether a tag alone is valid (for `tag` commands that take one separately). */
export function isValidTag(tag: string): boolean {
  return TAG_RE.test(tag);
}

/** Whether a repository path ("library/busybox") is valid, e.g. before it goes into a registry URL. */
export function isValidPath(path: string): boolean {
  return path.length <= NAME_MAX && PATH_RE.test(path);
}

/**
 * The name given to an image created on this host (import, tag, commit,
 * load): fully qualified, short names under "localhost/", ":latest" added.
 * A digest cannot name an image.
 */
export function localName(s: string): string {
  let r: NamedRef;
  try {
    r = parseNormalized(s, { shortNameDomain: 'localhost' });
  } catch (e) {
    throw invalidArgument(`invalid image name "${s}": ${(e as Error).message}`);
  }
  if (r.digest) throw invalidArgument(`invalid image name "${s}": a digest cannot be used to name an image`);
  return formatRef(withDefaultTag(r));
}

/**
 * Splits a stored full name into repository and tag ("<none>" for a name
 * pinned by digest only).
 */
export function splitName(name: string): { repository: string; tag: string } {
  try {
    const r = parseNamed(name);
    return { repository: formatRef({ domain: r.domain, path: r.path }), tag: r.tag ?? (r.digest ? '<none>' : DEFAULT_TAG) };
  } catch {
    return { repository: name, tag: DEFAULT_TAG };
  }
}

/**
 * Whether a stored full name is what a user reference means: the same
 * repository (a fully-qualified reference, normalised) or, for a short
 * name, the same path below any domain, also through Docker Hub's implicit
 * "library/" namespace; and the same tag ("latest" when none is given).
 */
export function nameMatches(stored: string, ref: NamedRef): boolean {
  const { repository, tag } = splitName(stored);
  if ((ref.tag ?? DEFAULT_TAG) !== tag) return false;
  if (ref.domain) {
    const full = ref.domain === DOCKER_HUB || ref.domain === LEGACY_DOCKER_HUB ? parseNormalized(formatRef({ domain: ref.domain, path: ref.path })) : ref;
    return repository === `${full.domain}/${full.path}`;
  }
  const slash = repository.indexOf('/');
  const path = slash >= 0 ? repository.slice(slash + 1) : repository;
  return path === ref.path || path === `library/${ref.path}`;
}
