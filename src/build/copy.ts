// COPY/ADD as a layer: where each source lands (Docker's rules), with
// --chown/--chmod applied, written as tar entries. `exists` answers from the
// parent image's root filesystem (a read-only mount), so a destination that
// is already a directory receives the file under its own name and existing
// parent directories keep their metadata.
import { readFileSync } from 'node:fs';
import { posix } from 'node:path';
import { invalidArgument } from '../common/errors.ts';
import { secureJoin } from '../common/securejoin.ts';
import { readSource, type Source } from './sources.ts';
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
