// COPY/ADD as a layer: where each source lands (Docker's rules), with
// --chown/--chmod applied, written as tar entries. `exists` answers from the
// parent image's root filesystem (a read-only mount), so a destination that
// is already a directory receives the file under its own name and existing
// parent directories keep their metadata.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { gunzipSync, zstdDecompressSync } from 'node:zlib';
import { HuskError } from '../common/errors.ts';
import { ContextFilter } from './ignore.ts';
import { looksLikeTar, readTar } from './tar.ts';
import { posix } from 'node:path';
import { invalidArgument } from '../common/errors.ts';
import { secureJoin } from '../common/securejoin.ts';
import { normalizeSource, readSource, type Source, type SourceFile } from './sources.ts';
import type { TarEntry } from './tar.ts';
import { statSync } from 'node:fs';

export interface Placement {
  /** Absolute destination, WORKDIR applied. */
  dest: string;
  chown?: string;
  chmod?: string;
  /** The parent image's mounted root, if it has layers. */
  parentRoot?: string;
  /** Seconds; the sources' mtimes are clamped to it (--timestamp, SOURCE_DATE_EPOCH). */
  mtime?: number;
}

function isDirIn(root: string | undefined, path: string): boolean {
  if (!root) return false;
  try {
    return statSync(secureJoin(root, path)).isDirectory();
  } catch {
    return false;
  }
}

function lookupId(root: string | undefined, file: string, name: string): number {
  if (/^\d+$/.test(name)) return Number(name);
  const line = root ? (() => { try { return readFileSync(secureJoin(root, file), 'utf8'); } catch { return ''; } })() : '';
  const row = line.split('\n').map((l) => l.split(':')).find((f) => f[0] === name);
  if (!row) throw invalidArgument(`--chown: no ${file === '/etc/passwd' ? 'user' : 'group'} "${name}" in the image`);
  return Number(row[2]);
}

function owner(spec: string | undefined, root: string | undefined): { uid: number; gid: number } {
  if (!spec) return { uid: 0, gid: 0 };
  const [u, g] = spec.split(':');
  const uid = lookupId(root, '/etc/passwd', u);
  if (g !== undefined) return { uid, gid: lookupId(root, '/etc/group', g) };
  // A user alone: its primary group (a number alone: the same number).
  if (/^\d+$/.test(u)) return { uid, gid: uid };
  const row = root ? readFileSync(secureJoin(root, '/etc/passwd'), 'utf8').split('\n').map((l) => l.split(':')).find((f) => f[0] === u) : undefined;
  return { uid, gid: Number(row?.[3] ?? 0) };
}

/** The tar entries of one COPY/ADD layer. */
export function placeSources(sources: Source[], p: Placement): TarEntry[] {
  const { uid, gid } = owner(p.chown, p.parentRoot);
  const chmod = p.chmod === undefined ? undefined : parseInt(p.chmod, 8);
  if (p.chmod !== undefined && (!/^[0-7]{3,4}$/.test(p.chmod))) throw invalidArgument(`invalid --chmod value "${p.chmod}"`);
  const many = sources.length > 1 || sources.some((s) => s.isDir);
  const intoDir = many || p.dest.endsWith('/') || isDirIn(p.parentRoot, p.dest);
  if (sources.length > 1 && !p.dest.endsWith('/')) throw invalidArgument(`when using COPY with more than one source file, the destination must be a directory and end with a /`);
  const destDir = intoDir ? posix.normalize(p.dest) : posix.dirname(posix.normalize(p.dest));
  const out = new Map<string, TarEntry>();
  // Missing parents of the destination are created (0755), existing ones left alone.
  const parts = destDir.split('/').filter(Boolean);
  for (let i = 1; i <= parts.length; i++) {
    const dir = parts.slice(0, i).join('/');
    if (isDirIn(p.parentRoot, dir)) continue;
    out.set(dir, { path: dir, type: 'dir', mode: 0o755, uid, gid, mtime: p.mtime ?? 0 });
  }
  const rel = (...xs: string[]) => posix.join(...xs).replace(/^\/+/, '');
  for (const s of sources) {
    for (const f of s.files) {
      const path = s.isDir ? rel(destDir, f.name) : intoDir ? rel(destDir, s.base) : rel(p.dest);
      if (!path) continue;
      const mode = f.type === 'symlink' ? 0o777 : chmod ?? f.mode;
      out.set(path, {
        path, type: f.type, mode, uid, gid, mtime: p.mtime !== undefined ? Math.min(p.mtime, f.mtime) : f.mtime, linkTarget: f.linkTarget,
        body: f.type === 'file' ? () => readSource(f) : undefined,
      });
    }
  }
  return [...out.values()];
}

/** COPY/ADD --exclude: sources, and files below a directory source, that match a pattern (.dockerignore syntax) are left out. */
export function exclude(sources: Source[], patterns: string[]): Source[] {
  if (!patterns.length) return sources;
  const f = new ContextFilter('/', patterns);
  return sources.filter((s) => !s.base || f.includes(s.base)).map((s) => (s.isDir ? { ...s, files: s.files.filter((x) => f.includes(x.name)) } : s));
}

/** ADD URL: the body, checked against --checksum (sha256/384/512:HEX) before anything is written. */
export async function download(url: string, checksum?: string): Promise<Source> {
  const want = checksum === undefined ? undefined : /^(sha256|sha384|sha512):([0-9a-f]+)$/.exec(checksum);
  if (checksum !== undefined && !want) throw invalidArgument(`invalid --checksum "${checksum}": expected sha256:HEX`);
  const name = posix.basename(new URL(url).pathname);
  if (!name) throw invalidArgument(`ADD ${url}: cannot determine a file name from the URL; give a destination file name`);
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(300_000), redirect: 'follow' });
  } catch (e) {
    throw new HuskError('INVALID_ARGUMENT', `ADD ${url}: ${(e as Error).cause instanceof Error ? ((e as Error).cause as Error).message : (e as Error).message}`);
  }
  if (!res.ok) throw new HuskError('INVALID_ARGUMENT', `ADD ${url}: HTTP ${res.status} ${res.statusText}`);
  const content = Buffer.from(await res.arrayBuffer());
  if (want) {
    const got = createHash(want[1]!).update(content).digest('hex');
    if (got !== want[2]) throw new HuskError('INVALID_ARGUMENT', `ADD ${url}: checksum mismatch: expected ${checksum}, got ${want[1]}:${got}`);
  }
  const modified = Date.parse(res.headers.get('last-modified') ?? '');
  const file: SourceFile = { name: '', type: 'file', abs: '', mode: 0o600, mtime: Number.isNaN(modified) ? 0 : Math.floor(modified / 1000), content };
  return { base: name, isDir: false, files: [file], downloaded: true };
}

/** The tar inside a (possibly compressed) file, or undefined when it is not a tar archive. */
function tarOf(f: SourceFile): Buffer | undefined {
  const raw = readSource(f);
  let data: Buffer | undefined = raw;
  try {
    if (raw[0] === 0x1f && raw[1] === 0x8b) data = gunzipSync(raw);
    else if (raw.readUInt32LE(0) === 0xfd2fb528) data = zstdDecompressSync(raw);
    else if (raw.toString('latin1', 0, 3) === 'BZh' || raw.subarray(0, 6).equals(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]))) {
      const r = spawnSync(raw[0] === 0x42 ? 'bzip2' : 'xz', ['-dc'], { input: raw, maxBuffer: 1 << 30 });
      data = r.status === 0 ? r.stdout : undefined;
    }
  } catch {
    data = undefined;
  }
  return data && looksLikeTar(data) ? data : undefined;
}

export function isArchive(f: SourceFile): boolean {
  return f.type === 'file' && tarOf(f) !== undefined;
}

/**
 * ADD of local archives: their entries placed under DEST (a directory), as
 * one more part of the layer, which the engine unpacks with its hardened
 * extractor. Names leaving DEST, whiteouts and device files are refused or
 * skipped here already; ownership comes from the archive unless --chown.
 */
export async function unpackArchives(archives: Source[], p: Omit<Placement, 'chmod'>): Promise<TarEntry[]> {
  if (!archives.length) return [];
  const destDir = posix.normalize(p.dest);
  const out: TarEntry[] = placeSources([], { ...p, dest: `${destDir}/` });
  const chown = p.chown ? owner(p.chown, p.parentRoot) : undefined;
  const under = (name: string) => posix.join(destDir, normalizeSource(name, 'archive')).replace(/^\/+/, '');
  for (const a of archives) {
    for (const e of readTar(tarOf(a.files[0]!)!)) {
      if (e.type === 'other') continue;
      const path = under(e.path);
      if (path === destDir.replace(/^\/+/, '') && e.type === 'dir') continue;
      if (/(^|\/)\.wh\./.test(path)) throw invalidArgument(`ADD ${a.base}: the archive holds a whiteout entry "${e.path}"`);
      const mtime = p.mtime !== undefined ? Math.min(p.mtime, e.mtime) : e.mtime;
      out.push({
        path, type: e.type, mode: e.mode, uid: chown?.uid ?? e.uid, gid: chown?.gid ?? e.gid, mtime,
        linkTarget: e.type === 'hardlink' ? under(e.linkTarget ?? '') : e.linkTarget, body: e.body ? () => e.body! : undefined,
      });
    }
  }
  return out;
}
