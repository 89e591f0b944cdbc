// --squash and --squash-all: one layer made by comparing two read-only image
// mounts. --squash-all walks the whole final image; --squash walks it
// against the final stage's base: an entry whose type, mode, owner, size,
// mtime or link target differs (or that the base lacks) is written, and
// what the base has and the image lacks becomes an OCI whiteout
// (`.wh.NAME`). Nothing is followed: entries are lstat'ed, and paths in the
// base are resolved with secureJoin (symlinks clamped to its root).
import { lstatSync, readdirSync, readFileSync, readlinkSync, type Stats } from 'node:fs';
import { secureJoin } from '../common/securejoin.ts';
import type { TarEntry } from './tar.ts';

function stat(path: string): Stats | undefined {
  try {
    return lstatSync(path);
  } catch {
    return undefined;
  }
}

const kind = (st: Stats) => (st.isDirectory() ? 'dir' : st.isFile() ? 'file' : st.isSymbolicLink() ? 'symlink' : 'other');

function same(a: Stats, b: Stats, ap: string, bp: string): boolean {
  if (kind(a) !== kind(b) || (a.mode & 0o7777) !== (b.mode & 0o7777) || a.uid !== b.uid || a.gid !== b.gid) return false;
  if (a.isSymbolicLink()) return readlinkSync(ap) === readlinkSync(bp);
  if (a.isFile()) return a.size === b.size && Math.floor(a.mtimeMs / 1000) === Math.floor(b.mtimeMs / 1000);
  return true; // directories: their entries are compared one by one
}

/** The entries of one layer taking `base` (undefined: nothing) to `top`; mtimes clamped to `clamp`. */
export function squashEntries(top: string, base: string | undefined, clamp?: number): TarEntry[] {
  const out: TarEntry[] = [];
  const mtime = (st: Stats) => (clamp !== undefined ? Math.min(clamp, Math.floor(st.mtimeMs / 1000)) : Math.floor(st.mtimeMs / 1000));
  const visit = (rel: string) => {
    const names = readdirSync(rel ? `${top}/${rel}` : top).sort();
    for (const n of names) {
      const r = rel ? `${rel}/${n}` : n;
      const tp = `${top}/${r}`;
      const st = lstatSync(tp);
      const k = kind(st);
      if (k === 'other') continue; // devices, fifos and sockets are not carried over
      const bp = base ? secureJoin(base, r) : undefined;
      const bst = bp ? stat(bp) : undefined;
      if (!bst || !same(st, bst, tp, bp!)) {
        out.push({
          path: r, type: k, mode: st.mode & 0o7777, uid: st.uid, gid: st.gid, mtime: mtime(st),
          linkTarget: k === 'symlink' ? readlinkSync(tp) : undefined, body: k === 'file' ? () => readFileSync(tp) : undefined,
        });
      }
      if (k === 'dir') visit(r);
    }
    if (!base) return;
    // What the base has here and the image does not: whiteouts.
    const bdir = secureJoin(base, rel);
    if (!stat(bdir)?.isDirectory()) return;
    for (const n of readdirSync(bdir).sort()) {
      if (names.includes(n)) continue;
      out.push({ path: rel ? `${rel}/.wh.${n}` : `.wh.${n}`, type: 'file', mode: 0o600, uid: 0, gid: 0, mtime: clamp ?? 0, body: () => Buffer.alloc(0) });
    }
  };
  visit('');
  return out;
}
