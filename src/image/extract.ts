// Applies one OCI layer tarball to an empty directory that will serve as an
// overlayfs lowerdir. OCI whiteouts become overlay whiteouts (char 0:0 and
// trusted.overlay.opaque), so no layer ever has to be merged into another.
//
// Layers are untrusted. Nothing may be written outside dest: paths are
// normalised lexically, `..` that climbs above dest rejects the layer, and no
// write ever goes through a symlink (every parent is a directory this
// extraction created or lstat-verified). On any error the caller must delete
// dest: a half-applied layer is never usable.
//
// Sync fs calls on purpose: per-entry work is a handful of cheap syscalls, and
// the promise API would add a thread-pool round trip to each one.
import * as fs from 'node:fs';
import { resolve } from 'node:path';
import { badLayer, HuskError, isErrno } from '../common/errors.ts';
import { native, S_IFCHR } from '../common/native.ts';
import { overlayXattr, unmappedIdMessage } from '../common/userns.ts';
import { readTar, type TarHeader } from './tar.ts';

const { O_CREAT, O_EXCL, O_WRONLY, O_NOFOLLOW, S_IFBLK, S_IFIFO } = fs.constants;
const FILE_FLAGS = O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW;

export const MAX_ENTRIES = 1_000_000;
export const MAX_DEPTH = 512;

const WH = '.wh.';
const WH_META = '.wh..wh.';
const WH_OPAQUE = '.wh..wh..opq';

export interface ExtractOptions {
  /** Called with each entry's header before it is applied (progress, accounting). */
  onEntry?: (header: TarHeader) => void;
  /** A plain archive (volume import, cp), not a layer: `.wh.` names are ordinary files. */
  plain?: boolean;
}

/**
 * A directory known to be real (not a symlink) because this extraction
 * created or lstat-verified it. The tree mirrors dest, so replacing a
 * directory drops its whole subtree in O(1) and stale knowledge cannot
 * survive a replacement.
 */
interface Dir {
  kids?: Map<string, Dir>;
  /** Header times, applied at the end once children stopped touching mtime. */
  times?: [atime: number, mtime: number];
}

/**
 * Extracts the tar stream `source` (already decompressed) into `dest`.
 * Entries naming dest itself ("./") are ignored: dest's metadata is the caller's.
 * Times go through Node's fs (seconds as a double), so sub-microsecond
 * precision of PAX timestamps is lost.
 */
export async function extractLayer(source: AsyncIterable<Uint8Array>, dest: string, opts: ExtractOptions = {}): Promise<void> {
  const x = new Extractor(resolve(dest), !!opts.plain);
  let count = 0;
  for await (const { header, body } of readTar(source)) {
    if (++count > MAX_ENTRIES) throw badLayer(`layer has more than ${MAX_ENTRIES} entries`);
    opts.onEntry?.(header);
    try {
      await x.apply(header, body);
    } catch (e) {
      // An owner beyond a rootless user's subordinate ids: say so, and how to fix it.
      const unmapped = isErrno(e, 'EINVAL') && /chown/.test((e as NodeJS.ErrnoException).syscall ?? '') ? unmappedIdMessage(header.uid, header.gid) : undefined;
      if (unmapped) throw new HuskError('ROOTLESS', `layer entry "${header.path}": ${unmapped}`);
      // Keep system errors (ENOSPC, EIO...) as they are, but say which entry failed.
      if (e instanceof Error && !(e instanceof HuskError)) e.message = `layer entry "${header.path}": ${e.message}`;
      throw e;
    }
  }
  x.finish();
}

class Extractor {
  private readonly root: string;
  private readonly plain: boolean;
  private readonly tree: Dir = {};

  constructor(root: string, plain: boolean) {
    this.root = root;
    this.plain = plain;
  }

  async apply(h: TarHeader, body: AsyncIterable<Buffer>): Promise<void> {
    if (h.type === 'other') return; // volume labels, sparse files: nothing we can apply
    const parts = splitPath(h.path, h.path);
    if (parts.length === 0) return;
    const name = parts[parts.length - 1]!;
    // Children of a whiteout-named directory (aufs's .wh..wh.plnk hardlink
    // store, mostly) are layer-tool bookkeeping, not image content.
    if (!this.plain) for (let i = 0; i < parts.length - 1; i++) if (parts[i]!.startsWith(WH)) return;
    const parent = this.walk(parts, parts.length - 1, true, h.path);
    const abs = `${this.root}/${parts.join('/')}`;

    if (!this.plain && name.startsWith(WH)) {
      if (name === WH_OPAQUE) {
        // Overlay hides the lower layers' contents of an opaque directory.
        native().lsetxattr(abs.slice(0, -WH_OPAQUE.length - 1), overlayXattr('opaque'), Buffer.from('y'));
      } else if (!name.startsWith(WH_META)) {
        const target = name.slice(WH.length);
        if (target === '' || target === '.' || target === '..') throw badLayer(`layer entry "${h.path}": invalid whiteout`);
        const tabs = abs.slice(0, -name.length) + target;
        // Overlay's whiteout is a 0:0 character device with the hidden name.
        this.create(parent, target, tabs, () => native().mknod(tabs, S_IFCHR, 0, 0));
      }
      return; // other .wh..wh.* entries are aufs bookkeeping
    }

    switch (h.type) {
      case 'dir':
        return this.dir(parent, name, abs, h);
      case 'file':
        return this.file(parent, name, abs, h, body);
      case 'symlink':
        if (h.linkname === '') throw badLayer(`layer entry "${h.path}": empty symlink target`);
        // The target is stored verbatim: it only means something inside the
        // container, and we never resolve it during extraction.
        this.create(parent, name, abs, () => fs.symlinkSync(h.linkname, abs));
        fs.lchownSync(abs, h.uid, h.gid);
        this.xattrs(abs, h, true);
        fs.lutimesSync(abs, h.atime ?? h.mtime, h.mtime);
        return;
      case 'hardlink':
        return this.hardlink(parent, name, abs, parts, h);
      case 'char':
      case 'block':
      case 'fifo': {
        const kind = h.type === 'fifo' ? S_IFIFO : h.type === 'block' ? S_IFBLK : S_IFCHR;
        this.create(parent, name, abs, () => native().mknod(abs, kind | h.mode, h.devmajor, h.devminor));
        this.meta(abs, h);
        fs.lutimesSync(abs, h.atime ?? h.mtime, h.mtime);
        return;
      }
    }
  }

  /** Applies directory times last: creating children would have reset them. */
  finish(): void {
    const stack: [Dir, string][] = [[this.tree, this.root]];
    while (stack.length) {
      const [d, abs] = stack.pop()!;
      if (d.times) fs.lutimesSync(abs, d.times[0], d.times[1]);
      if (d.kids) for (const [n, k] of d.kids) stack.push([k, `${abs}/${n}`]);
    }
  }

  private dir(parent: Dir, name: string, abs: string, h: TarHeader): void {
    let node = parent.kids?.get(name);
    if (!node) {
      // A directory over a directory merges; over anything else it replaces.
      try {
        fs.mkdirSync(abs, 0o700);
      } catch (e) {
        if (!isErrno(e, 'EEXIST')) throw e;
        if (!fs.lstatSync(abs).isDirectory()) {
          fs.unlinkSync(abs);
          fs.mkdirSync(abs, 0o700);
        }
      }
      node = {};
      (parent.kids ??= new Map()).set(name, node);
    }
    this.meta(abs, h);
    node.times = [h.atime ?? h.mtime, h.mtime];
  }

  private async file(parent: Dir, name: string, abs: string, h: TarHeader, body: AsyncIterable<Buffer>): Promise<void> {
    // O_EXCL|O_NOFOLLOW: never open through whatever may already sit at abs.
    const fd = this.create(parent, name, abs, () => fs.openSync(abs, FILE_FLAGS, 0o600));
    try {
      if (h.size > 0) {
        for await (const chunk of body) {
          for (let off = 0; off < chunk.length; ) off += fs.writeSync(fd, chunk, off);
        }
      }
      // Order matters: writing and chown both clear setuid bits and
      // security.capability, so they come before xattrs and chmod.
      fs.fchownSync(fd, h.uid, h.gid);
      this.xattrs(abs, h, false);
      fs.fchmodSync(fd, h.mode);
      fs.futimesSync(fd, h.atime ?? h.mtime, h.mtime);
    } finally {
      fs.closeSync(fd);
    }
  }

  private hardlink(parent: Dir, name: string, abs: string, parts: string[], h: TarHeader): void {
    const target = splitPath(h.linkname, h.path);
    if (target.length === 0) throw badLayer(`layer entry "${h.path}": hardlink to the layer root`);
    if (target.join('/') === parts.join('/')) return; // a link to itself changes nothing
    // link(2) follows symlinks in the target's parents, so those must be real
    // directories of this layer too; the final component is never followed.
    this.walk(target, target.length - 1, false, h.path);
    const tabs = `${this.root}/${target.join('/')}`;
    const st = fs.lstatSync(tabs, { throwIfNoEntry: false });
    if (!st) throw badLayer(`layer entry "${h.path}": hardlink target "${h.linkname}" not found in layer`);
    if (st.isDirectory()) throw badLayer(`layer entry "${h.path}": hardlink to directory "${h.linkname}"`);
    // The inode already carries its metadata from the entry that created it.
    this.create(parent, name, abs, () => fs.linkSync(tabs, abs));
  }

  /** Ownership, xattrs, then mode: chown clears setuid/setgid and capabilities. */
  private meta(abs: string, h: TarHeader): void {
    fs.lchownSync(abs, h.uid, h.gid);
    this.xattrs(abs, h, false);
    fs.chmodSync(abs, h.mode); // abs is never a symlink here
  }

  private xattrs(abs: string, h: TarHeader, symlink: boolean): void {
    for (const [name, value] of h.xattrs) {
      // A layer must not forge overlayfs state (redirects, metacopy, opacity).
      if (name === '' || name.startsWith('trusted.overlay.') || name.startsWith('user.overlay.')) continue;
      try {
        native().lsetxattr(abs, name, value);
      } catch (e) {
        // Filesystems without the namespace, and user.* on symlinks (always
        // EPERM), are skipped like other engines do; anything else is fatal.
        if (isErrno(e, 'ENOTSUP') || (symlink && isErrno(e, 'EPERM'))) continue;
        throw e;
      }
    }
  }

  /** Runs make(); if something already exists at abs, removes it and retries once. */
  private create<T>(parent: Dir, name: string, abs: string, make: () => T): T {
    try {
      return make();
    } catch (e) {
      if (!isErrno(e, 'EEXIST')) throw e;
    }
    // A later entry replaces an earlier one. rmSync does not follow symlinks.
    if (fs.lstatSync(abs).isDirectory()) {
      fs.rmSync(abs, { recursive: true, force: true });
      parent.kids?.delete(name);
    } else {
      fs.unlinkSync(abs);
    }
    return make();
  }

  /**
   * Returns the node for the first n components of parts, creating missing
   * directories when create is set. Any component that exists but is not a
   * real directory (notably a symlink) rejects the layer.
   */
  private walk(parts: string[], n: number, create: boolean, entry: string): Dir {
    let node = this.tree;
    for (let i = 0; i < n; i++) {
      let kid = node.kids?.get(parts[i]!);
      if (!kid) {
        const rel = parts.slice(0, i + 1).join('/');
        const abs = `${this.root}/${rel}`;
        const st = fs.lstatSync(abs, { throwIfNoEntry: false });
        if (!st) {
          if (!create) throw badLayer(`layer entry "${entry}": "${rel}" does not exist`);
          fs.mkdirSync(abs, 0o755); // implicit parent, as other engines create it
        } else if (!st.isDirectory()) {
          const what = st.isSymbolicLink() ? 'a symlink' : 'not a directory';
          throw badLayer(`layer entry "${entry}": refusing to write through "${rel}", which is ${what}`);
        }
        kid = {};
        (node.kids ??= new Map()).set(parts[i]!, kid);
      }
      node = kid;
    }
    return node;
  }
}

/**
 * Lexical normalisation: drops leading "/", "." and empty components and
 * resolves "..". A ".." that would climb above the root rejects the layer
 * (rather than clamping as filepath.Clean does), since no honest layer has one.
 */
function splitPath(p: string, entry: string): string[] {
  const out: string[] = [];
  for (const c of p.split('/')) {
    if (c === '' || c === '.') continue;
    if (c === '..') {
      if (out.length === 0) throw badLayer(`layer entry "${entry}": path "${p}" escapes the layer root`);
      out.pop();
    } else {
      out.push(c);
    }
  }
  if (out.length > MAX_DEPTH) throw badLayer(`layer entry "${entry}": deeper than ${MAX_DEPTH} levels`);
  return out;
}
