// `cp` between a container and the host (or a tar stream on stdin/stdout),
// with Docker/Podman's rules for where a copy lands.
//
// A container path is untrusted: it is resolved with secureJoin (symlinks are
// followed but clamped to the container's root), then every directory on the
// way is opened again with O_NOFOLLOW from that root, and the copy goes
// through the resulting /proc/self/fd/N. A container that swaps a directory
// for a symlink between our check and our use makes the copy fail, never
// escape. Writes go through the hardened extractor, which refuses to write
// through symlinks below the destination.
import * as fs from 'node:fs';
import { basename, dirname, posix, resolve as resolveHost } from 'node:path';
import type { Writable } from 'node:stream';
import { HuskError, invalidArgument, isErrno } from '../../common/errors.ts';
import { secureJoin } from '../../common/securejoin.ts';
import { extractLayer } from '../../image/extract.ts';
import { decompress } from '../../image/import.ts';
import { readTar } from '../../image/tar.ts';
import { walkTree, writeTar, type TarWriteEntry } from '../../image/tarwriter.ts';
import { isLive, withRootfs, writeAll } from './containerfs.ts';
import type { EngineContext } from '../context.ts';
import type { Container } from '../types.ts';
import type { PathStat } from './api.ts';
import { resolveUser } from './user.ts';
import { getVolume } from '../volume/volumes.ts';
import { isoTime } from '../../common/isotime.ts';

const { O_RDONLY, O_DIRECTORY, O_NOFOLLOW } = fs.constants;

export interface CopyOptions {
  /** Chown what is copied into a container to its primary user and group (Podman's --archive, default true). */
  archive?: boolean;
  /** Allow a directory to replace a non-directory and the reverse. */
  overwrite?: boolean;
  /** The tar stream a "-" source reads (plain, gzip or zstd). */
  stdin?: AsyncIterable<Buffer>;
  /** Where a "-" destination's tar goes. */
  stdout?: Writable;
}

export interface CopyLocation {
  container?: string;
  path: string;
}

/** "CTR:PATH" names a container path; "-", or anything starting with "/" or ".", is local. */
export function parseCopyLocation(arg: string): CopyLocation {
  if (arg === '-' || arg.startsWith('/') || arg.startsWith('.')) return { path: arg };
  const i = arg.indexOf(':');
  return i < 0 ? { path: arg } : { container: arg.slice(0, i), path: arg.slice(i + 1) };
}

/** A path resolved on one side: the trusted directory it is under and the path itself. */
interface Resolved {
  /** Directory trusted as is (a rootfs, a volume, "/"); `abs` is at or below it. */
  root: string;
  abs: string;
  /** The path as the user sees it at `root` (for messages). */
  base: string;
  readOnly?: boolean;
}

interface Side {
  where: string;
  container?: Container;
  resolve(path: string, write: boolean): Resolved;
  /** Ownership of files copied to this side, if it imposes one. */
  owner?: () => { uid: number; gid: number };
}

const hostSide: Side = {
  where: 'the host',
  resolve: (path) => ({ root: '/', abs: secureJoin('/', resolveHost(path)), base: '/' }),
};

// The generated files are bind-mounted into a live container; a copy out of
// one reads the file the container sees (they keep their names on the host).
const GENERATED = ['/etc/hosts', '/etc/hostname', '/etc/resolv.conf', '/run/.containerenv'];

function containerSide(e: EngineContext, c: Container, rootfs: string, archive: boolean): Side {
  const live = isLive(c);
  const mounts = (c.config.mounts ?? []).slice().sort((a, b) => b.destination.length - a.destination.length);
  return {
    where: `container ${c.config.name}`,
    container: c,
    resolve(path, write) {
      const p = posix.normalize(`/${path}`).replace(/(.)\/+$/, '$1');
      if (live && !write && GENERATED.includes(p)) {
        const dir = e.runDir(c.config.id);
        return { root: dir, abs: `${dir}/${basename(p)}`, base: dirname(p) };
      }
      // Bind mounts and volumes live outside the overlay: a path under one is
      // resolved in its host directory, as the container would see it.
      for (const m of mounts) {
        if (p !== m.destination && !p.startsWith(`${m.destination}/`)) continue;
        if (m.type === 'tmpfs' || m.type === 'image') {
          if (!live) break; // nothing is mounted there: the path is in the overlay
          // Mounted only in the container's mount namespace: reached through its process's root
          // (symlinks resolve as the container sees them), with the same clamping and pinned opens.
          const root = `/proc/${c.state.pid}/root`;
          return { root, abs: secureJoin(root, p), base: '/', readOnly: m.type === 'image' || m.options.includes('ro') };
        }
        const root = resolveHost(m.type === 'volume' ? getVolume(e, m.source!).Mountpoint : m.source!);
        return { root, abs: secureJoin(root, p.slice(m.destination.length)), base: m.destination, readOnly: m.options.includes('ro') };
      }
      return { root: rootfs, abs: secureJoin(rootfs, path), base: '/' };
    },
    owner: archive ? () => {
      const img = e.images.get(c.config.imageId);
      try {
        const u = resolveUser(rootfs, c.config.intent.user ?? img?.config.config?.User);
        return { uid: u.uid, gid: u.gid };
      } catch (err) {
        throw new HuskError('ENGINE', `copying to container ${c.config.name}: ${(err as Error).message}`);
      }
    } : undefined,
  };
}

/** lstat, or undefined when nothing is there (also when a parent is no directory). */
function lstatMaybe(p: string): fs.Stats | undefined {
  try {
    return fs.lstatSync(p);
  } catch (err) {
    if (isErrno(err, 'ENOENT') || isErrno(err, 'ENOTDIR')) return undefined;
    throw err;
  }
}

const shown = (r: Resolved, abs: string) => posix.join(r.base, abs.slice(r.root.length)) || '/';

function notFound(path: string, where: string, why = 'no such file or directory'): HuskError {
  return new HuskError('NO_SUCH_PATH', `"${path}" could not be found on ${where}: ${why}`);
}

/** Opens dir `abs` below `root` one component at a time, never following a symlink. */
function openPinned(root: string, abs: string, path: string, where: string): number {
  if (abs !== root && !abs.startsWith(root === '/' ? '/' : `${root}/`)) throw new HuskError('ENGINE', `internal error: ${abs} is not below ${root}`);
  let fd = fs.openSync(root, O_RDONLY | O_DIRECTORY);
  try {
    for (const part of abs.slice(root.length).split('/').filter(Boolean)) {
      const next = fs.openSync(`/proc/self/fd/${fd}/${part}`, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
      fs.closeSync(fd);
      fd = next;
    }
    return fd;
  } catch (err) {
    fs.closeSync(fd);
    if (isErrno(err, 'ENOENT')) throw notFound(path, where);
    if (isErrno(err, 'ELOOP') || isErrno(err, 'ENOTDIR')) throw new HuskError('ENGINE', `"${path}" on ${where} changed while it was being copied`);
    throw err;
  }
}

/** Refuses, unless overwrite is allowed, to replace a directory by a non-directory or the reverse. */
async function* guard(entries: AsyncIterable<TarWriteEntry>, target: string, r: Resolved, dir: string, overwrite: boolean): AsyncGenerator<TarWriteEntry> {
  for await (const entry of entries) {
    const rel = posix.normalize(entry.name).replace(/\/+$/, '');
    if (!overwrite && rel && rel !== '.' && !rel.startsWith('../')) {
      const st = lstatMaybe(`${target}/${rel}`);
      const isDir = entry.type === 'dir';
      if (st && st.isDirectory() !== isDir) {
        const p = posix.join(shown(r, dir), rel);
        throw new HuskError('INVALID_ARGUMENT', isDir ? `cannot overwrite non-directory "${p}" with directory` : `cannot overwrite directory "${p}" with non-directory`);
      }
    }
    yield entry;
  }
}

/** Re-encodes a tar stream's entries, so ownership can be replaced and each entry guarded. */
async function* tarEntries(source: AsyncIterable<Buffer>, owner?: { uid: number; gid: number }): AsyncGenerator<TarWriteEntry> {
  for await (const { header: h, body } of readTar(source)) {
    if (h.type === 'other') continue;
    yield {
      name: h.path, type: h.type, mode: h.mode, uid: owner?.uid ?? h.uid, gid: owner?.gid ?? h.gid, mtime: h.mtime,
      size: h.size, linkname: h.linkname, devmajor: h.devmajor, devminor: h.devminor, xattrs: h.xattrs, body,
    };
  }
}

/**
 * The stdin stream, checked to start as a tar archive (ustar magic at 257)
 * or a compressed one (gzip, bzip2, xz, zstd), as Podman checks it before
 * copying anything.
 */
async function requireArchive(input: AsyncIterable<Buffer>): Promise<AsyncIterable<Buffer>> {
  const it = input[Symbol.asyncIterator]();
  const head: Buffer[] = [];
  let size = 0;
  let done = false;
  while (size < 512) {
    const r = await it.next();
    if (r.done) { done = true; break; }
    head.push(r.value);
    size += r.value.length;
  }
  const b = Buffer.concat(head);
  const magic = (m: number[]) => m.every((x, k) => b[k] === x);
  const isTar = b.length >= 262 && b.subarray(257, 262).toString('latin1') === 'ustar';
  const compressed = magic([0x1f, 0x8b]) || magic([0x42, 0x5a, 0x68]) || magic([0xfd, 0x37, 0x7a, 0x58, 0x5a]) || magic([0x28, 0xb5, 0x2f, 0xfd]);
  if (!isTar && !compressed) throw invalidArgument('source must be a (compressed) tar archive when copying from stdin');
  return (async function* () {
    if (b.length) yield b;
    if (done) return;
    for (;;) {
      const r = await it.next();
      if (r.done) return;
      yield r.value;
    }
  })();
}

async function copyBetween(S: Side, sp: string, D: Side, dp: string, opts: CopyOptions): Promise<void> {
  const overwrite = !!opts.overwrite;
  if (sp === '-') {
    const d = D.resolve(dp, true);
    if (d.readOnly) throw invalidArgument(`"${dp}" is on a read-only mount of ${D.where}`);
    const dst = lstatMaybe(d.abs);
    // Podman's words for both a file and a missing path (065-cp.bats "cp from stdin to container").
    if (!dst || !dst.isDirectory()) throw invalidArgument('destination must be a directory when copying from stdin');
    if (!opts.stdin) throw invalidArgument('no tar stream to copy from');
    const stdin = await requireArchive(opts.stdin);
    const fd = openPinned(d.root, d.abs, dp, D.where);
    try {
      const target = `/proc/self/fd/${fd}`;
      const entries = guard(tarEntries(decompress(stdin), D.owner?.()), target, d, d.abs, overwrite);
      await extractLayer(writeTar(entries), target, { plain: true });
    } finally {
      fs.closeSync(fd);
    }
    return;
  }

  // Source: followed to what it names (Podman copies a symlink's target,
  // under the target's name); "DIR/." means the directory's contents.
  const contents = /(^|\/)\.$/.test(sp);
  const s = S.resolve(sp, false);
  const sst = lstatMaybe(s.abs);
  if (!sst) throw notFound(sp, S.where);
  if (contents && !sst.isDirectory()) throw notFound(sp, S.where, 'not a directory');
  const atRoot = s.abs === s.root;
  const srcName = atRoot ? basename(s.base) : basename(s.abs);
  const sfd = atRoot ? undefined : openPinned(s.root, dirname(s.abs), sp, S.where);
  const srcPath = sfd === undefined ? s.abs : `/proc/self/fd/${sfd}/${basename(s.abs)}`;
  try {
    if (dp === '-') {
      const name = contents ? '' : srcName;
      const out = opts.stdout;
      if (!out) throw invalidArgument('no output stream to copy to');
      await writeAll(writeTar(walkTree(srcPath, { rename: (rel) => join2(name, rel), preciseTimes: true })), out);
      return;
    }
    // Destination: an existing directory receives the source under its own
    // name (or its contents for "DIR/."); otherwise DEST is the new name, and
    // its parent must exist.
    const trailing = dp.endsWith('/') || /(^|\/)\.$/.test(dp);
    const d = D.resolve(dp, true);
    if (d.readOnly) throw invalidArgument(`"${dp}" is on a read-only mount of ${D.where}`);
    const dst = lstatMaybe(d.abs);
    let dir: string;
    let name: string;
    if (dst?.isDirectory()) {
      dir = d.abs;
      name = contents ? '' : srcName;
    } else {
      if (dst && sst.isDirectory()) throw invalidArgument('destination must be a directory when copying a directory');
      if (trailing) throw notFound(dp, D.where, dst ? 'not a directory' : 'no such file or directory');
      if (!lstatMaybe(dirname(d.abs))?.isDirectory()) throw notFound(dp, D.where);
      dir = dirname(d.abs);
      name = basename(d.abs);
    }
    const dfd = openPinned(d.root, dir, dp, D.where);
    try {
      const target = `/proc/self/fd/${dfd}`;
      const walk = walkTree(srcPath, { rename: (rel) => join2(name, rel), owner: D.owner?.(), skipDevices: !D.container, preciseTimes: true });
      await extractLayer(writeTar(guard(walk, target, d, dir, overwrite)), target, { plain: true });
    } finally {
      fs.closeSync(dfd);
    }
  } finally {
    if (sfd !== undefined) fs.closeSync(sfd);
  }
}

const join2 = (name: string, rel: string) => (name ? (rel ? `${name}/${rel}` : name) : rel);

/** The side a location is on; a container's rootfs is available (mounted) while fn runs. */
function withSide<T>(e: EngineContext, loc: CopyLocation, opts: CopyOptions, fn: (side: Side) => Promise<T>): Promise<T> {
  if (!loc.container) return fn(hostSide);
  return withRootfs(e, loc.container, (rootfs, c) => fn(containerSide(e, c, rootfs, opts.archive !== false)));
}

/**
 * `cp SRC DEST`: one side is a container ("CTR:PATH"), the other the host or
 * "-" (a tar on stdin or stdout). Copies between two containers work too.
 */
export async function copy(e: EngineContext, src: string, dest: string, opts: CopyOptions = {}): Promise<void> {
  const s = parseCopyLocation(src);
  const d = parseCopyLocation(dest);
  if (!s.container && !d.container) throw invalidArgument(`invalid arguments ${src}, ${dest} you must use just one container`);
  if (!s.path || !d.path) throw invalidArgument(`invalid arguments ${src}, ${dest}: a path is required`);
  if (s.path === '-' && d.path === '-') throw invalidArgument('"-" cannot be both the source and the destination');
  if (!s.container || !d.container) return withSide(e, s, opts, (S) => withSide(e, d, opts, (D) => copyBetween(S, s.path, D, d.path, opts)));
  const [sid, did] = [e.db.lookupId(s.container), e.db.lookupId(d.container)];
  if (sid === did) {
    return withRootfs(e, sid, (rootfs, c) => copyBetween(containerSide(e, c, rootfs, false), s.path, containerSide(e, c, rootfs, opts.archive !== false), d.path, opts));
  }
  // Two stopped containers are locked in ID order, so crossed copies cannot deadlock.
  const [first, second] = sid < did ? [s, d] : [d, s];
  return withSide(e, first, opts, (A) => withSide(e, second, opts, (B) => {
    const [S, D] = first === s ? [A, B] : [B, A];
    return copyBetween(S, s.path, D, d.path, opts);
  }));
}

/**
 * `stat` of a container path (ContainersAPI.stat): the parent is resolved as
 * copy resolves a path and opened component by component without following
 * symlinks; the last component is lstat'ed through that fd. A mount point or
 * a generated file (a path resolved on another tree than its parent) is
 * stat'ed where it is resolved. A symlink's linkTarget is its full, clamped
 * resolution, shown as a container path.
 */
export function statPath(e: EngineContext, ref: string, path: string): Promise<PathStat> {
  return withRootfs(e, ref, async (rootfs, c) => {
    const S = containerSide(e, c, rootfs, false);
    const p = posix.normalize(`/${path}`).replace(/(.)\/+$/, '$1');
    const full = S.resolve(p, false);
    const parent = S.resolve(posix.dirname(p), false);
    const name = posix.basename(p) || '/';
    let st: fs.Stats | undefined;
    if (p === '/' || full.root !== parent.root) st = lstatMaybe(full.abs);
    else {
      if (!lstatMaybe(parent.abs)?.isDirectory()) throw notFound(path, S.where);
      const fd = openPinned(parent.root, parent.abs, path, S.where);
      try {
        st = lstatMaybe(`/proc/self/fd/${fd}/${name}`);
      } finally {
        fs.closeSync(fd);
      }
    }
    if (!st) throw notFound(path, S.where);
    return { name, size: st.size, mode: st.mode, mtime: isoTime(st.mtime), linkTarget: st.isSymbolicLink() ? shown(full, full.abs) : '' };
  });
}
