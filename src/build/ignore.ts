// Which files of a build context a build may read: `.containerignore`, else
// `.dockerignore`, matched with Docker's semantics (@balena/dockerignore, a
// port of moby's fileutils: `**`, `!` exceptions that can re-include files
// under an excluded directory, a leading `/` means the context root). As
// the docker CLI does, the Containerfile and the ignore file stay in the
// context whatever the patterns say. The walk never follows a symlink: links
// are reported as links, so nothing outside the context can be reached.
import ignoreFactory, { type Ignore } from '@balena/dockerignore';
import { readdirSync, readFileSync, readlinkSync, realpathSync } from 'node:fs';
import { isAbsolute, join, relative, sep } from 'node:path';
import { invalidArgument, isErrno } from '../common/errors.ts';

// The package is CommonJS (module.exports = factory) but its typings say
// `export default`, so under nodenext TypeScript sees the namespace object.
const loaded = ignoreFactory as unknown as (() => Ignore) & { default?: () => Ignore };
const makeIgnore: () => Ignore = loaded.default ?? loaded;

export const IGNORE_FILES = ['.containerignore', '.dockerignore'];

export interface ContextEntry {
  /** Relative to the context root, `/`-separated. */
  path: string;
  type: 'file' | 'dir' | 'symlink' | 'other';
  /** For symlinks: the target as stored (never resolved). */
  linkTarget?: string;
}

export interface IgnoreOptions {
  /** The Containerfile's path (absolute or relative to the context); kept if it lies inside. */
  containerfile?: string;
  /** --ignorefile: use this file instead of looking for the default ones. */
  ignoreFile?: string;
}

export class ContextFilter {
  /** The ignore file used, relative to the context (or as given), if any. */
  readonly source: string | undefined;
  /** The patterns as read, after the keep-exceptions were appended. */
  readonly patterns: string[];
  private readonly matcher: Ignore;
  private readonly hasExceptions: boolean;
  readonly root: string;

  constructor(root: string, patterns: string[], source?: string) {
    this.root = root;
    this.source = source;
    this.patterns = patterns;
    this.matcher = makeIgnore().add(patterns);
    this.hasExceptions = patterns.some((p) => p.trim().startsWith('!'));
  }

  /** Whether a context-relative path (`a/b`, `./a/b`) is part of the context. */
  includes(rel: string): boolean {
    const p = normalize(rel);
    if (p === '') return true;
    return !this.matcher.ignores(p);
  }

  /**
   * Every included entry under the context, sorted by path. An excluded
   * directory is still descended into when `!` patterns might re-include
   * something below it (the directory itself is then not listed).
   */
  walk(): ContextEntry[] {
    const out: ContextEntry[] = [];
    const visit = (dirRel: string) => {
      const abs = dirRel ? join(this.root, dirRel) : this.root;
      let entries;
      try {
        entries = readdirSync(abs, { withFileTypes: true });
      } catch (e) {
        if (isErrno(e, 'ENOENT')) return;
        throw e;
      }
      entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      for (const d of entries) {
        const rel = dirRel ? `${dirRel}/${d.name}` : d.name;
        const included = !this.matcher.ignores(rel);
        if (d.isSymbolicLink()) {
          if (included) out.push({ path: rel, type: 'symlink', linkTarget: readlinkSync(join(abs, d.name)) });
        } else if (d.isDirectory()) {
          if (included) out.push({ path: rel, type: 'dir' });
          if (included || this.hasExceptions) visit(rel);
        } else if (included) out.push({ path: rel, type: d.isFile() ? 'file' : 'other' });
      }
    };
    visit('');
    return out;
  }
}

/** `./a//b/` → `a/b`; refuses paths that leave the context. */
function normalize(rel: string): string {
  const parts: string[] = [];
  for (const part of rel.split(/\/+/)) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (!parts.length) throw invalidArgument(`path "${rel}" is outside the build context`);
      parts.pop();
    } else parts.push(part);
  }
  return parts.join('/');
}

/** Reads the context's ignore file and returns the filter for it. */
export function loadIgnore(contextDir: string, opts: IgnoreOptions = {}): ContextFilter {
  const root = realpathSync(contextDir);
  let source: string | undefined;
  let text = '';
  if (opts.ignoreFile) {
    source = opts.ignoreFile;
    try {
      text = readFileSync(isAbsolute(source) ? source : join(root, source), 'utf8');
    } catch (e) {
      throw invalidArgument(`cannot read ignore file ${source}: ${(e as Error).message}`);
    }
  } else {
    for (const name of IGNORE_FILES) {
      try {
        text = readFileSync(join(root, name), 'utf8');
        source = name;
        break;
      } catch (e) {
        if (!isErrno(e, 'ENOENT')) throw e;
      }
    }
  }
  const patterns = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  // Docker's TrimBuildFilesFromExcludes: the build files are always sent.
  const keep = [source && !isAbsolute(source) ? source : undefined, containerfileIn(root, opts.containerfile)];
  for (const k of keep) if (k) patterns.push(`!${normalize(k)}`);
  return new ContextFilter(root, patterns, source);
}

function containerfileIn(root: string, file: string | undefined): string | undefined {
  if (!file) return undefined;
  let abs = isAbsolute(file) ? file : join(root, file);
  try {
    abs = realpathSync(abs);
  } catch {
    // A Containerfile that does not exist (yet) keeps its literal path.
  }
  const rel = relative(root, abs);
  if (!rel || rel.startsWith('..') || isAbsolute(rel)) return undefined;
  return rel.split(sep).join('/');
}
