// The vfs driver's container layer: a full copy of the image's union (its
// layer dirs merged the way overlay would show them) in a plain directory,
// for hosts where overlay cannot mount. Layers stay stored as overlay lower
// dirs (whiteouts as 0:0 devices, opaque xattrs); only the container's copy
// differs. Its changes are found by comparing the copy with the union, as
// containers/storage's "naive diff" does: mode (with the type), owner and
// rdev always, size and mtime for non-directories, and file capabilities.
//
// The copy is made into a fresh directory, so every entry is created once
// with O_EXCL semantics and nothing is written through a symlink. The
// comparison reads the container's tree through O_NOFOLLOW directory fds,
// as the tar walker does, so a running container cannot point it at host files.
import * as fs from 'node:fs';
import { join } from 'node:path';
import { HuskError, isErrno } from '../common/errors.ts';
import { native } from '../common/native.ts';
import { overlayXattr } from '../common/userns.ts';
import type { Change } from './diff.ts';
import type { TarWriteEntry } from './tarwriter.ts';

const { O_RDONLY, O_DIRECTORY, O_NOFOLLOW } = fs.constants;

interface UnionEntry {
  /** The topmost layer's path of this entry. */
  path: string;
  st: fs.BigIntStats;
  /** For a directory: the layer dirs that make up its content, top first (cut below an opaque one). */
  dirs: string[];
}

const isWhiteout = (st: fs.BigIntStats) => st.isCharacterDevice() && st.rdev === 0n;
const isOpaque = (path: string) => native().lgetxattr(path, overlayXattr('opaque'))?.toString() === 'y';

/** Children of one directory of the union, given that directory's layer dirs top first. */
function unionChildren(dirs: string[]): Map<string, UnionEntry> {
  const out = new Map<string, UnionEntry>();
  const hidden = new Set<string>();
  for (let i = 0; i < dirs.length; i++) {
    for (const name of fs.readdirSync(dirs[i]!)) {
      if (out.has(name) || hidden.has(name)) continue;
      const path = join(dirs[i]!, name);
      const st = fs.lstatSync(path, { bigint: true });
      if (isWhiteout(st)) { hidden.add(name); continue; }
      const entry: UnionEntry = { path, st, dirs: [] };
      if (st.isDirectory()) {
        entry.dirs.push(path);
        // Lower layers merge in while they hold a directory here too; a
        // whiteout or a non-directory ends it, and so does an opaque one.
        for (let j = i + 1; j < dirs.length && !isOpaque(entry.dirs.at(-1)!); j++) {
          const lower = join(dirs[j]!, name);
          const lst = fs.lstatSync(lower, { bigint: true, throwIfNoEntry: false });
          if (!lst) continue;
          if (!lst.isDirectory()) break;
          entry.dirs.push(lower);
        }
      }
      out.set(name, entry);
    }
  }
  return out;
}

/** The root's layer dirs, top first: a layer listed twice counts once, and an opaque root hides what is below. */
function rootDirs(layersBottomFirst: string[]): string[] {
  const top = [...new Set(layersBottomFirst.slice().reverse())];
  const cut = top.findIndex(isOpaque);
  return cut < 0 ? top : top.slice(0, cut + 1);
}

/**
 * Copies the union of the layer dirs (bottom first, as an image lists
 * them) into `dest`, which must not exist. Hardlinks within a layer stay
 * hardlinks; overlay's own xattrs are not copied.
 */
export function copyUnion(layersBottomFirst: string[], dest: string, o: { ignoreChownErrors?: boolean } = {}): void {
  const dirs = rootDirs(layersBottomFirst);
  const links = new Map<string, string>();
  const dirMeta: [string, fs.BigIntStats][] = [];
  fs.mkdirSync(dest, 0o700);
  const rootSt = dirs.length ? fs.lstatSync(dirs[0]!, { bigint: true }) : undefined;
  if (rootSt) { copyMeta(dirs[0]!, dest, rootSt, o); dirMeta.push([dest, rootSt]); }
  const walk = (from: string[], to: string) => {
    for (const [name, e] of unionChildren(from)) {
      const target = join(to, name);
      const { st } = e;
      const key = `${st.dev}:${st.ino}`;
      if (!st.isDirectory() && st.nlink > 1n && links.has(key)) {
        fs.linkSync(links.get(key)!, target);
        continue;
      }
      if (st.isDirectory()) {
        fs.mkdirSync(target, 0o700);
        copyMeta(e.path, target, st, o);
        dirMeta.push([target, st]); // mode and times last: children change the mtime
        walk(e.dirs, target);
        continue;
      }
      if (st.isFile()) fs.copyFileSync(e.path, target, fs.constants.COPYFILE_EXCL | fs.constants.COPYFILE_FICLONE);
      else if (st.isSymbolicLink()) fs.symlinkSync(fs.readlinkSync(e.path), target);
      else if (st.isSocket()) continue;
      else {
        const r = st.rdev;
        native().mknod(target, Number(st.mode), Number(((r >> 8n) & 0xfffn) | ((r >> 32n) & ~0xfffn)), Number((r & 0xffn) | ((r >> 12n) & ~0xffn)));
      }
      copyMeta(e.path, target, st, o);
      if (!st.isSymbolicLink()) fs.chmodSync(target, Number(st.mode & 0o7777n)); // after chown, which clears setuid bits
      fs.lutimesSync(target, seconds(st.atimeNs), seconds(st.mtimeNs));
      if (st.nlink > 1n) links.set(key, target);
    }
  };
  if (dirs.length) walk(dirs, dest);
  for (const [d, st] of dirMeta.reverse()) {
    fs.chmodSync(d, Number(st.mode & 0o7777n));
    fs.utimesSync(d, seconds(st.atimeNs), seconds(st.mtimeNs));
  }
}

const seconds = (ns: bigint) => Number(ns) / 1e9;

/** Owner, then xattrs (chown clears capabilities); overlay's xattrs describe the layer, not the file. */
function copyMeta(from: string, to: string, st: fs.BigIntStats, o: { ignoreChownErrors?: boolean }): void {
  try {
    fs.lchownSync(to, Number(st.uid), Number(st.gid));
  } catch (err) {
    if (!o.ignoreChownErrors || !(isErrno(err, 'EPERM') || isErrno(err, 'EINVAL'))) throw err;
  }
  if (st.isSymbolicLink()) return; // user.* xattrs cannot be set on symlinks
  let names: string[];
  try { names = native().llistxattr(from); } catch { return; }
  for (const n of names) {
    if (/^(trusted|user)\.overlay\./.test(n)) continue;
    const v = native().lgetxattr(from, n);
    if (v) native().lsetxattr(to, n, v);
  }
}

/** containers/storage's statDifferent, plus file capabilities. */
function differs(a: fs.BigIntStats, aPath: string, b: fs.BigIntStats, bPath: string): boolean {
  if (a.mode !== b.mode || a.uid !== b.uid || a.gid !== b.gid || a.rdev !== b.rdev) return true;
  if (a.isDirectory()) return false; // a directory's size and mtime say nothing
  // The copy's times went through a double (sub-microsecond noise).
  const dt = a.mtimeNs - b.mtimeNs;
  if (a.size !== b.size || dt > 2000n || dt < -2000n) return true;
  if (!a.isFile()) return false;
  const cap = (p: string) => native().lgetxattr(p, 'security.capability');
  const ca = cap(aPath), cb = cap(bPath);
  return !(ca === cb || (ca && cb && ca.equals(cb)));
}

function withDirFd<T>(path: string, rel: string, st: fs.BigIntStats, fn: (dir: string) => T): T | undefined {
  let fd: number;
  try {
    fd = fs.openSync(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return undefined;
    if (isErrno(err, 'ENOTDIR') || isErrno(err, 'ELOOP')) throw new HuskError('ENGINE', `"/${rel}" changed while it was being read`);
    throw err;
  }
  try {
    const now = fs.fstatSync(fd, { bigint: true });
    if (now.ino !== st.ino || now.dev !== st.dev) throw new HuskError('ENGINE', `"/${rel}" changed while it was being read`);
    return fn(`/proc/self/fd/${fd}`);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * What the copy at `rootfs` added (A), changed (C) and deleted (D)
 * relative to the union of the layers, sorted by path. A directory that
 * holds changes is listed changed; a deleted directory is listed alone.
 */
export function vfsChanges(rootfs: string, layersBottomFirst: string[]): Change[] {
  const out: Change[] = [];
  const walk = (dir: string, rel: string, image: Map<string, UnionEntry> | undefined): boolean => {
    let any = false;
    const seen = new Set<string>();
    for (const name of fs.readdirSync(dir)) {
      const r = rel ? `${rel}/${name}` : name;
      const p = `${dir}/${name}`;
      const st = fs.lstatSync(p, { bigint: true, throwIfNoEntry: false });
      if (!st) continue;
      seen.add(name);
      const old = image?.get(name);
      let listed = false;
      if (!old) { out.push({ kind: 'A', path: `/${r}` }); listed = true; }
      else if (differs(old.st, old.path, st, p)) { out.push({ kind: 'C', path: `/${r}` }); listed = true; }
      if (st.isDirectory()) {
        const below = old?.st.isDirectory() ? unionChildren(old.dirs) : undefined;
        const inner = withDirFd(p, r, st, (d) => walk(d, r, below));
        if (inner && !listed) { out.push({ kind: 'C', path: `/${r}` }); listed = true; }
      }
      any ||= listed;
    }
    for (const name of image?.keys() ?? []) {
      if (!seen.has(name)) { out.push({ kind: 'D', path: `/${rel ? `${rel}/` : ''}${name}` }); any = true; }
    }
    return any;
  };
  const st = fs.lstatSync(rootfs, { bigint: true });
  withDirFd(rootfs, '', st, (d) => walk(d, '', unionChildren(rootDirs(layersBottomFirst))));
  return out.sort((a, b) => Buffer.compare(Buffer.from(a.path), Buffer.from(b.path)));
}

/**
 * The layer (tar entries) of a vfs copy's changes: added and changed
 * entries from the copy, deletions as `.wh.` entries. `omit` leaves out
 * paths (relative, no leading slash), as commit does for mount stubs.
 */
export async function* vfsLayerEntries(rootfs: string, layersBottomFirst: string[], omit?: Set<string>): AsyncGenerator<TarWriteEntry> {
  const changes = vfsChanges(rootfs, layersBottomFirst);
  // The tar writer loads here: a container's rootfs (copyUnion) is on every create's path, its commit is not.
  const { walkTree } = await import('./tarwriter.ts');
  const keep = new Set(changes.filter((c) => c.kind !== 'D').map((c) => c.path.slice(1)));
  yield* walkTree(rootfs, { filter: (rel) => rel === '' || (keep.has(rel) && !omit?.has(rel)) });
  for (const c of changes) {
    if (c.kind !== 'D') continue;
    const slash = c.path.lastIndexOf('/');
    yield { name: `${c.path.slice(1, slash + 1)}.wh.${c.path.slice(slash + 1)}`, type: 'file', mode: 0o600, uid: 0, gid: 0, mtime: 0, size: 0 };
  }
}
