// Streaming tar writer: ustar headers, with PAX records for whatever ustar
// cannot hold (long or non-ASCII names, big sizes and ids, fractional or
// negative times, xattrs as SCHILY.xattr.NAME with the raw value bytes), and a
// directory walker for commit, export and cp. src/image/tar.ts reads it back.
//
// The walker never follows a symlink below its root: each directory is opened
// O_NOFOLLOW and its children are reached through /proc/self/fd/N, so a running
// container swapping a directory for a symlink mid-walk cannot redirect us to
// host files. Entries must be consumed in order (a body before the next entry),
// as bodies are read through the directory descriptors the walk holds open.
import * as fs from 'node:fs';
import { HuskError, isErrno } from '../common/errors.ts';
import { overlayXattr } from '../common/userns.ts';
import { native } from '../common/native.ts';
import type { TarType } from './tar.ts';

const { O_RDONLY, O_DIRECTORY, O_NOFOLLOW, O_NONBLOCK } = fs.constants;
const BLOCK = 512;
/** Small headers and bodies are gathered into chunks of about this size. */
const COALESCE = 64 << 10;
const READ_CHUNK = 1 << 20;
const MAX_OCTAL_8 = 0o7777777;
const MAX_OCTAL_12 = 0o77777777777;
const FLAGS = { file: '0', hardlink: '1', symlink: '2', char: '3', block: '4', dir: '5', fifo: '6' } as const;

export type WritableType = Exclude<TarType, 'other'>;

export interface TarWriteEntry {
  /** Archive path; directories get a trailing "/". */
  name: string;
  type: WritableType;
  /** Permission bits (& 0o7777). */
  mode: number;
  uid: number;
  gid: number;
  /** Seconds since the epoch; a fraction or a value out of ustar's range is written as PAX. */
  mtime: number;
  /** File size; defaults to the body's length when the body is a Buffer. */
  size?: number;
  linkname?: string;
  devmajor?: number;
  devminor?: number;
  uname?: string;
  gname?: string;
  xattrs?: Map<string, Buffer>;
  /** Exactly `size` bytes are written: a short body is padded with zeros, a long one cut. */
  body?: Buffer | AsyncIterable<Buffer> | (() => AsyncIterable<Buffer>);
}

const isAscii = (s: string) => /^[\x01-\x7f]*$/.test(s);
const fits = (s: string, n: number) => isAscii(s) && s.length <= n;

/** "LEN key=value\n", where LEN counts its own digits too. */
function paxRecord(key: string, value: Buffer): Buffer {
  const rest = Buffer.byteLength(key) + value.length + 3;
  let len = rest + String(rest).length;
  if (String(len).length !== String(rest).length) len = rest + String(len).length;
  return Buffer.concat([Buffer.from(`${len} ${key}=`), value, Buffer.from('\n')]);
}

/** ustar's prefix/name split for an ASCII path of up to 256 bytes. */
function splitUstar(name: string): [string, string] | undefined {
  if (!isAscii(name) || name.length > 256) return undefined;
  for (let i = name.indexOf('/', Math.max(1, name.length - 101)); i > 0 && i <= 155; i = name.indexOf('/', i + 1)) {
    if (i < name.length - 1) return [name.slice(0, i), name.slice(i + 1)];
  }
  return undefined;
}

function formatTime(t: number): string {
  if (Number.isInteger(t)) return String(t);
  return t.toFixed(9).replace(/0+$/, '');
}

function block(fields: {
  name: string; mode: number; uid: number; gid: number; size: number; mtime: number; flag: string;
  linkname: string; uname: string; gname: string; devmajor: number; devminor: number; prefix: string;
}): Buffer {
  const b = Buffer.alloc(BLOCK);
  const str = (off: number, len: number, s: string) => b.write(s, off, len, 'utf8');
  const oct = (off: number, len: number, n: number) => str(off, len, `${n.toString(8).padStart(len - 1, '0')}\0`);
  str(0, 100, fields.name);
  oct(100, 8, fields.mode);
  oct(108, 8, fields.uid);
  oct(116, 8, fields.gid);
  oct(124, 12, fields.size);
  oct(136, 12, fields.mtime);
  b.write(fields.flag, 156, 1, 'latin1');
  str(157, 100, fields.linkname);
  b.write('ustar\x0000', 257, 8, 'latin1');
  str(265, 32, fields.uname);
  str(297, 32, fields.gname);
  oct(329, 8, fields.devmajor);
  oct(337, 8, fields.devminor);
  str(345, 155, fields.prefix);
  // The checksum is summed with its own field read as eight spaces.
  b.fill(0x20, 148, 156);
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += b[i]!;
  b.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8, 'latin1');
  return b;
}

/** The header blocks of one entry: a PAX 'x' header when needed, then the ustar header. */
export function encodeHeader(e: TarWriteEntry, size: number): Buffer {
  const pax: Buffer[] = [];
  const add = (k: string, v: string | Buffer) => pax.push(paxRecord(k, Buffer.isBuffer(v) ? v : Buffer.from(v)));
  let name = e.type === 'dir' && !e.name.endsWith('/') ? `${e.name}/` : e.name;
  let prefix = '';
  if (!fits(name, 100)) {
    const split = splitUstar(name);
    if (split) [prefix, name] = split;
    else {
      add('path', name);
      name = name.replace(/[^\x01-\x7f]/g, '_').slice(0, 100);
    }
  }
  let linkname = e.linkname ?? '';
  if (!fits(linkname, 100)) {
    add('linkpath', linkname);
    linkname = linkname.replace(/[^\x01-\x7f]/g, '_').slice(0, 100);
  }
  const id = (k: 'uid' | 'gid', v: number) => {
    if (v >= 0 && v <= MAX_OCTAL_8) return v;
    add(k, String(v));
    return 0;
  };
  const uid = id('uid', e.uid);
  const gid = id('gid', e.gid);
  if (size > MAX_OCTAL_12) add('size', String(size));
  let mtime = e.mtime;
  if (!Number.isInteger(mtime) || mtime < 0 || mtime > MAX_OCTAL_12) {
    add('mtime', formatTime(mtime));
    mtime = Math.min(Math.max(Math.floor(mtime), 0), MAX_OCTAL_12);
  }
  const owner = (k: 'uname' | 'gname', v = '') => {
    if (fits(v, 32)) return v;
    add(k, v);
    return '';
  };
  const uname = owner('uname', e.uname);
  const gname = owner('gname', e.gname);
  for (const [k, v] of e.xattrs ?? []) {
    // A PAX key ends at the first "=", so such a name could not be read back.
    if (!k.includes('=')) add(`SCHILY.xattr.${k}`, v);
  }
  const ustar = block({
    name, prefix, mode: e.mode & 0o7777, uid, gid, size: size > MAX_OCTAL_12 ? 0 : size, mtime, flag: FLAGS[e.type],
    linkname, uname, gname,
    devmajor: Math.min(e.devmajor ?? 0, MAX_OCTAL_8), devminor: Math.min(e.devminor ?? 0, MAX_OCTAL_8),
  });
  if (!pax.length) return ustar;
  const data = Buffer.concat(pax);
  const base = (e.name.replace(/\/+$/, '').split('/').pop() ?? '').replace(/[^\x01-\x7f]/g, '_').slice(0, 80);
  const head = block({
    name: `PaxHeaders.0/${base}`, prefix: '', mode: 0o644, uid: 0, gid: 0, size: data.length, mtime, flag: 'x',
    linkname: '', uname: '', gname: '', devmajor: 0, devminor: 0,
  });
  return Buffer.concat([head, data, Buffer.alloc(padding(data.length)), ustar]);
}

const padding = (n: number) => (BLOCK - (n % BLOCK)) % BLOCK;

/** Encodes entries as a tar stream, ending with the two zero blocks unless `end` is false. */
export async function* writeTar(
  entries: AsyncIterable<TarWriteEntry> | Iterable<TarWriteEntry>, opts: { end?: boolean } = {},
): AsyncGenerator<Buffer> {
  let pending: Buffer[] = [];
  let bytes = 0;
  const push = (b: Buffer) => { pending.push(b); bytes += b.length; };
  const flush = () => {
    const out = pending.length === 1 ? pending[0]! : Buffer.concat(pending, bytes);
    pending = [];
    bytes = 0;
    return out;
  };
  for await (const e of entries) {
    const body = typeof e.body === 'function' ? e.body() : e.body;
    const size = e.type === 'file' ? (e.size ?? (Buffer.isBuffer(body) ? body.length : 0)) : 0;
    push(encodeHeader(e, size));
    if (size > 0) {
      let written = 0;
      if (body) {
        for await (const chunk of Buffer.isBuffer(body) ? [body] : body) {
          const part = written + chunk.length > size ? chunk.subarray(0, size - written) : chunk;
          written += part.length;
          if (part.length >= COALESCE) {
            if (bytes) yield flush();
            yield part;
          } else {
            push(part);
            if (bytes >= COALESCE) yield flush();
          }
          if (written >= size) break;
        }
      }
      // A file that shrank while it was read: keep the archive well-formed.
      for (let left = size - written; left > 0; left -= READ_CHUNK) push(Buffer.alloc(Math.min(left, READ_CHUNK)));
      push(Buffer.alloc(padding(size)));
    }
    if (bytes >= COALESCE) yield flush();
  }
  if (opts.end !== false) push(Buffer.alloc(2 * BLOCK));
  if (bytes) yield flush();
}

export interface ScanItem {
  /** Path relative to the root, "" for the root itself. */
  rel: string;
  /** A path for l* calls and O_NOFOLLOW opens: its last component is never followed. */
  path: string;
  st: fs.BigIntStats;
}

/**
 * Pre-order walk in byte order of names, without following symlinks. A
 * filter returning false leaves out an entry and, for a directory, its subtree.
 */
export function* scanTree(root: string, filter?: (rel: string, st: fs.BigIntStats) => boolean): Generator<ScanItem> {
  const st = fs.lstatSync(root, { bigint: true });
  if (filter && !filter('', st)) return;
  yield { rel: '', path: root, st };
  if (st.isDirectory()) yield* scanDir(root, '', st, filter);
}

function* scanDir(path: string, rel: string, st: fs.BigIntStats, filter?: (rel: string, st: fs.BigIntStats) => boolean): Generator<ScanItem> {
  let fd: number;
  try {
    fd = fs.openSync(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return; // removed since its lstat
    // No longer a directory: most likely swapped for a symlink.
    if (isErrno(err, 'ENOTDIR') || isErrno(err, 'ELOOP')) throw changed(rel);
    throw err;
  }
  try {
    const now = fs.fstatSync(fd, { bigint: true });
    if (now.ino !== st.ino || now.dev !== st.dev) throw changed(rel);
    const dir = `/proc/self/fd/${fd}`;
    for (const raw of fs.readdirSync(dir, { encoding: 'buffer' }).sort(Buffer.compare)) {
      const name = raw.toString('utf8');
      if (!Buffer.from(name).equals(raw)) throw new HuskError('ENGINE', `${rel || '/'}: file name ${JSON.stringify(name)} is not valid UTF-8`);
      const r = rel ? `${rel}/${name}` : name;
      const p = `${dir}/${name}`;
      const cst = fs.lstatSync(p, { bigint: true, throwIfNoEntry: false });
      if (!cst || (filter && !filter(r, cst))) continue; // vanished meanwhile, or left out
      yield { rel: r, path: p, st: cst };
      if (cst.isDirectory()) yield* scanDir(p, r, cst, filter);
    }
  } finally {
    fs.closeSync(fd);
  }
}

const changed = (rel: string) => new HuskError('ENGINE', `"/${rel}" changed while it was being read`);

export interface WalkOptions {
  /** Leaves out an entry (and a directory's subtree) when it returns false. */
  filter?: (rel: string, st: fs.BigIntStats) => boolean;
  /** Archive name for a relative path ("" is the root, left out unless renamed). */
  rename?: (rel: string) => string;
  /** Overlay upper dir → OCI layer: whiteout devices become .wh. files, opaque dirs get .wh..wh..opq. */
  whiteouts?: 'oci';
  /** Keep sub-second mtimes (as PAX); layers use whole seconds like other engines. */
  preciseTimes?: boolean;
  /** Ownership to record instead of the files' own (cp into a container). */
  owner?: { uid: number; gid: number };
  /** Leave out character and block devices (copies to the host). */
  skipDevices?: boolean;
}

/** Tar entries for a directory tree (or a single non-directory root). */
export async function* walkTree(root: string, opts: WalkOptions = {}): AsyncGenerator<TarWriteEntry> {
  const rename = opts.rename ?? ((rel: string) => rel);
  const oci = opts.whiteouts === 'oci';
  const links = new Map<string, string>();
  for (const { rel, path, st } of scanTree(root, opts.filter)) {
    const name = rename(rel);
    if (!name) continue;
    const meta = {
      name, mode: Number(st.mode & 0o7777n),
      uid: opts.owner?.uid ?? Number(st.uid), gid: opts.owner?.gid ?? Number(st.gid),
      mtime: opts.preciseTimes ? Number(st.mtimeNs) / 1e9 : Number(st.mtimeNs / 1_000_000_000n),
    };
    if (st.isCharacterDevice() && st.rdev === 0n && oci) {
      // Checked before hardlinks: the kernel may link all whiteouts to one inode.
      const slash = name.lastIndexOf('/');
      yield { ...meta, name: `${name.slice(0, slash + 1)}.wh.${name.slice(slash + 1)}`, type: 'file', mode: 0o600, size: 0 };
      continue;
    }
    if (st.isSocket() || ((st.isCharacterDevice() || st.isBlockDevice()) && opts.skipDevices)) continue;
    const xattrs = readXattrs(path, rel, oci);
    if (!st.isDirectory() && st.nlink > 1n) {
      const key = `${st.dev}:${st.ino}`;
      const first = links.get(key);
      if (first !== undefined) {
        yield { ...meta, type: 'hardlink', linkname: first };
        continue;
      }
      links.set(key, name);
    }
    if (st.isDirectory()) {
      yield { ...meta, type: 'dir', xattrs };
      if (oci && native().lgetxattr(path, overlayXattr('opaque'))?.toString() === 'y') {
        yield { ...meta, name: `${name.replace(/\/+$/, '')}/.wh..wh..opq`, type: 'file', mode: 0o600, size: 0 };
      }
    } else if (st.isFile()) {
      yield { ...meta, type: 'file', xattrs, size: Number(st.size), body: () => fileBody(path, rel, st) };
    } else if (st.isSymbolicLink()) {
      yield { ...meta, type: 'symlink', xattrs, linkname: fs.readlinkSync(path) };
    } else if (st.isFIFO()) {
      yield { ...meta, type: 'fifo', xattrs };
    } else {
      const r = st.rdev;
      // Linux's dev_t: 12+20 bits of major, 8+24 of minor, interleaved.
      const devmajor = Number(((r >> 8n) & 0xfffn) | ((r >> 32n) & ~0xfffn));
      const devminor = Number((r & 0xffn) | ((r >> 12n) & ~0xffn));
      yield { ...meta, type: st.isBlockDevice() ? 'block' : 'char', xattrs, devmajor, devminor };
    }
  }
}

/** Tar stream of a tree: walkTree's entries through writeTar. */
export function tarDirectory(root: string, opts: WalkOptions = {}): AsyncGenerator<Buffer> {
  return writeTar(walkTree(root, opts));
}

function readXattrs(path: string, rel: string, layer: boolean): Map<string, Buffer> | undefined {
  let names: string[];
  try {
    names = native().llistxattr(path);
  } catch {
    return undefined;
  }
  let out: Map<string, Buffer> | undefined;
  for (const n of names) {
    const m = layer ? /^(?:trusted|user)\.overlay\.(redirect|metacopy)$/.exec(n) : null;
    if (m) {
      // The content lives in a lower layer; an upper dir like this is no layer by itself.
      throw new HuskError('ENGINE', `"/${rel}" uses overlay ${m[1]}, which husk cannot turn into a layer`);
    }
    // Overlay bookkeeping means nothing in an archive, and the host's
    // SELinux label is no property of the file's content.
    if (n.startsWith('trusted.overlay.') || n.startsWith('user.overlay.') || n === 'security.selinux') continue;
    const v = native().lgetxattr(path, n);
    if (v) (out ??= new Map()).set(n, v);
  }
  return out;
}

async function* fileBody(path: string, rel: string, st: fs.BigIntStats): AsyncGenerator<Buffer> {
  // O_NONBLOCK: should the file have been swapped for a FIFO, open must not hang.
  const fd = fs.openSync(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK);
  try {
    const now = fs.fstatSync(fd, { bigint: true });
    if (!now.isFile() || now.ino !== st.ino || now.dev !== st.dev) throw changed(rel);
    for (let left = Number(st.size); left > 0;) {
      const buf = Buffer.allocUnsafe(Math.min(left, READ_CHUNK));
      const n = fs.readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      left -= n;
      yield n === buf.length ? buf : buf.subarray(0, n);
    }
  } finally {
    fs.closeSync(fd);
  }
}
