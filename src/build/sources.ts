// What a COPY/ADD reads: sources in the filtered build context or in
// another image's root filesystem, resolved without ever leaving them.
// Context sources come from ContextFilter.walk() (ignored files are not
// there, symlinks are links); `..` past the root is refused. In an image,
// parent directories are resolved with secureJoin (symlinks clamped to the
// image's root) and the named entry itself is never followed.
import { createHash } from 'node:crypto';
import { lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { posix } from 'node:path';
import { invalidArgument } from '../common/errors.ts';
import { secureJoin } from '../common/securejoin.ts';
import type { ContextEntry } from './ignore.ts';

export interface SourceFile {
  /** Path under what the source copies to (`` for the source itself). */
  name: string;
  type: 'file' | 'dir' | 'symlink';
  /** Host path to read from. */
  abs: string;
  mode: number;
  mtime: number;
  linkTarget?: string;
  /** Heredoc sources: the content itself. */
  content?: Buffer;
}

/** One matched source: its base name and its files (one for a file, the tree below for a directory). */
export interface Source {
  base: string;
  isDir: boolean;
  files: SourceFile[];
  /** ADD of a URL (never unpacked). */
  downloaded?: boolean;
}

export interface SourceOptions {
  /** COPY --parents: keep the source's path (from the root) under the destination. */
  parents?: boolean;
}

/** --parents: the source named by its whole path, a directory's files under it. */
function withParents(src: Source, rel: string, dirFile: SourceFile | undefined): Source {
  if (!rel) return src;
  if (!src.isDir) return { ...src, base: rel };
  return { base: rel, isDir: true, files: [...(dirFile ? [{ ...dirFile, name: rel }] : []), ...src.files.map((f) => ({ ...f, name: `${rel}/${f.name}` }))] };
}

const GLOB = /[*?[]/;

function globRegex(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = glob.indexOf(']', i + 1);
      if (end < 0) re += '\\[';
      else {
        re += `[${glob.slice(i + 1, end).replace(/^!/, '^').replace(/\\/g, '\\\\')}]`;
        i = end;
      }
    } else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/** `a/../b`, `/b`, `./b` → `b`; refuses what leaves the root (`../x`). */
export function normalizeSource(src: string, what = 'build context'): string {
  const parts: string[] = [];
  for (const p of src.split('/')) {
    if (p === '' || p === '.') continue;
    if (p === '..') {
      if (!parts.length) throw invalidArgument(`forbidden path outside the ${what}: ${src}`);
      parts.pop();
    } else parts.push(p);
  }
  return parts.join('/');
}

function statFile(abs: string, name: string): SourceFile | undefined {
  const st = lstatSync(abs);
  const mtime = Math.floor(st.mtimeMs / 1000);
  if (st.isSymbolicLink()) return { name, type: 'symlink', abs, mode: 0o777, mtime, linkTarget: readlinkSync(abs) };
  if (st.isDirectory()) return { name, type: 'dir', abs, mode: st.mode & 0o7777, mtime };
  if (st.isFile()) return { name, type: 'file', abs, mode: st.mode & 0o7777, mtime };
  return undefined; // devices, sockets and fifos are not copied
}

/** Sources in the build context: `entries` is the filter's walk (excluded paths are absent). */
export function contextSources(root: string, entries: ContextEntry[], src: string, o: SourceOptions = {}): Source[] {
  const rel = normalizeSource(src);
  const matches = GLOB.test(rel) ? entries.filter((e) => globRegex(rel).test(e.path)).map((e) => e.path)
    : rel === '' || entries.some((e) => e.path === rel) ? [rel] : [];
  if (!matches.length) throw invalidArgument(`${src}: no such file or directory in the build context (or excluded by the ignore file)`);
  return matches.map((m) => {
    const entry = entries.find((e) => e.path === m);
    const isDir = m === '' || entry?.type === 'dir';
    const abs = m === '' ? root : `${root}/${m}`;
    if (!isDir) {
      const f = statFile(abs, '');
      const one = { base: posix.basename(m), isDir, files: f ? [f] : [] };
      return o.parents ? withParents(one, m, undefined) : one;
    }
    const prefix = m === '' ? '' : `${m}/`;
    const files = entries.filter((e) => e.path.startsWith(prefix) && e.path !== m)
      .map((e) => statFile(`${root}/${e.path}`, e.path.slice(prefix.length))).filter((f): f is SourceFile => !!f);
    const dir = { base: posix.basename(m), isDir, files };
    return o.parents ? withParents(dir, m, statFile(abs, m)) : dir;
  });
}

function walkImage(abs: string, prefix: string, out: SourceFile[]): void {
  for (const name of readdirSync(abs).sort()) {
    const f = statFile(`${abs}/${name}`, prefix ? `${prefix}/${name}` : name);
    if (!f) continue;
    out.push(f);
    if (f.type === 'dir') walkImage(f.abs, f.name, out);
  }
}

/** Sources in a mounted image's root filesystem (COPY --from). */
export function imageSources(root: string, src: string, o: SourceOptions = {}): Source[] {
  const rel = normalizeSource(src, 'image root');
  const dir = secureJoin(root, posix.dirname(rel) === '.' ? '' : posix.dirname(rel));
  const base = posix.basename(rel);
  let names: string[];
  if (rel === '') names = [''];
  else if (GLOB.test(base)) {
    const re = globRegex(base);
    names = readdirSync(dir).filter((n) => re.test(n)).sort();
  } else names = [base];
  const out: Source[] = [];
  for (const n of names) {
    const abs = n ? `${dir}/${n}` : root;
    let f: SourceFile | undefined;
    try {
      f = statFile(abs, '');
    } catch {
      f = undefined;
    }
    if (!f) continue;
    const path = posix.join(posix.dirname(rel) === '.' ? '' : posix.dirname(rel), n);
    let one: Source;
    if (f.type !== 'dir') one = { base: n, isDir: false, files: [f] };
    else {
      const files: SourceFile[] = [];
      walkImage(abs, '', files);
      one = { base: n, isDir: true, files };
    }
    out.push(o.parents ? withParents(one, path, f.type === 'dir' ? { ...f } : undefined) : one);
  }
  if (!out.length) throw invalidArgument(`${src}: no such file or directory`);
  return out;
}

export function readSource(f: SourceFile): Buffer {
  return f.content ?? readFileSync(f.abs);
}

/** The content digest of what a COPY reads: names, types, modes, link targets and file contents; never mtimes. */
export function sourcesDigest(sources: Source[]): string {
  const h = createHash('sha256');
  for (const s of sources) {
    h.update(`${s.base}\0${s.isDir}\n`);
    for (const f of s.files) {
      h.update(`${f.name}\0${f.type}\0${f.mode.toString(8)}\0${f.linkTarget ?? ''}\0`);
      if (f.type === 'file') h.update(createHash('sha256').update(readSource(f)).digest('hex'));
      h.update('\n');
    }
  }
  return h.digest('hex');
}
