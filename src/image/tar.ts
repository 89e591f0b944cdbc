// Streaming tar reader, written by hand because the common libraries lose
// data layers need: tar-stream decodes PAX values as UTF-8 (corrupting binary
// xattrs such as security.capability) and node-tar drops xattrs entirely.
// Handles ustar, GNU ('L'/'K' long names, base-256 numbers) and PAX ('x'/'g').
import { badLayer } from '../common/errors.ts';

export type TarType = 'file' | 'dir' | 'symlink' | 'hardlink' | 'char' | 'block' | 'fifo' | 'other';

export interface TarHeader {
  path: string;
  type: TarType;
  /** Permission bits only (& 0o7777). */
  mode: number;
  uid: number;
  gid: number;
  /** Body size; 0 for header-only types (dirs, links, devices). */
  size: number;
  /** Seconds since the epoch; fractional when PAX gave it. */
  mtime: number;
  atime?: number;
  linkname: string;
  devmajor: number;
  devminor: number;
  uname: string;
  gname: string;
  /** Raw xattr bytes, never decoded as text. */
  xattrs: Map<string, Buffer>;
}

export interface TarEntry {
  header: TarHeader;
  /** Must be consumed or abandoned before asking for the next entry. */
  body: AsyncIterable<Buffer>;
}

const BLOCK = 512;
const ZERO_BLOCK = Buffer.alloc(BLOCK);
/** Bound on metadata we hold in memory (PAX records, GNU long names). */
export const MAX_META = 1 << 20;
export const MAX_PATH = 4096;

/**
 * Pull-based view over a chunk stream: hands out zero-copy slices of the
 * source chunks, so file bodies stream without being buffered whole.
 */
class ByteReader {
  private readonly it: AsyncIterator<Uint8Array>;
  private buf: Buffer = Buffer.alloc(0);
  private off = 0;
  private done = false;
  /** Bytes consumed so far, for error messages. */
  pos = 0;

  constructor(source: AsyncIterable<Uint8Array>) {
    this.it = source[Symbol.asyncIterator]();
  }

  /** Ensures unread bytes are buffered; false at end of input. */
  private async fill(): Promise<boolean> {
    while (this.off >= this.buf.length) {
      if (this.done) return false;
      const r = await this.it.next();
      if (r.done) {
        this.done = true;
        return false;
      }
      const v = r.value;
      this.buf = Buffer.isBuffer(v) ? v : Buffer.from(v.buffer, v.byteOffset, v.byteLength);
      this.off = 0;
    }
    return true;
  }

  /** Up to `max` bytes (at least one), or null at end of input. */
  async chunk(max: number): Promise<Buffer | null> {
    if (this.off >= this.buf.length && !(await this.fill())) return null;
    const n = Math.min(max, this.buf.length - this.off);
    const out = this.buf.subarray(this.off, this.off + n);
    this.off += n;
    this.pos += n;
    return out;
  }

  /** Exactly n bytes; null if input ended before the first byte; throws if it ended mid-way. */
  async exact(n: number): Promise<Buffer | null> {
    if (n === 0) return Buffer.alloc(0);
    const first = await this.chunk(n);
    if (!first) return null;
    if (first.length === n) return first;
    const out = Buffer.allocUnsafe(n);
    first.copy(out, 0);
    let got = first.length;
    while (got < n) {
      const c = await this.chunk(n - got);
      if (!c) throw truncated(this.pos);
      c.copy(out, got);
      got += c.length;
    }
    return out;
  }

  async skip(n: number): Promise<void> {
    while (n > 0) {
      const c = await this.chunk(n);
      if (!c) throw truncated(this.pos);
      n -= c.length;
    }
  }

  /** Reads to the end so upstream consumers (e.g. a digest check) see every byte. */
  async drain(): Promise<void> {
    while (await this.fill()) {
      this.pos += this.buf.length - this.off;
      this.off = this.buf.length;
    }
  }

  /** Releases the source (destroys a file stream) when we stop early. */
  async close(): Promise<void> {
    if (!this.done) {
      this.done = true;
      await this.it.return?.();
    }
  }
}

const truncated = (pos: number) => badLayer(`tar archive is truncated at byte ${pos}`);

/** Yields the entries of a tar stream. Metadata-only headers are folded into the entry they describe. */
export async function* readTar(source: AsyncIterable<Uint8Array>): AsyncGenerator<TarEntry, void, undefined> {
  const r = new ByteReader(source);
  const global = new Map<string, Buffer>();
  let globalBytes = 0;
  let local: Map<string, Buffer> | null = null;
  let metaBytes = 0;
  let longName: string | null = null;
  let longLink: string | null = null;
  try {
    for (;;) {
      const at = r.pos;
      const block = await r.exact(BLOCK);
      if (!block) {
        // End of input at a block boundary without the two zero blocks: Go's
        // archive/tar accepts this too; only a dangling metadata header is an error.
        if (local || longName !== null || longLink !== null) throw truncated(r.pos);
        break;
      }
      if (block.equals(ZERO_BLOCK)) {
        const next = await r.exact(BLOCK);
        if (!next || next.equals(ZERO_BLOCK)) break;
        throw badLayer(`invalid tar header at byte ${at + BLOCK}: lone zero block`);
      }
      verifyChecksum(block, at);
      const flag = String.fromCharCode(block[156]!);
      const size = parseNumber(block, 124, 12, 'size', at);
      if (flag === 'x' || flag === 'g' || flag === 'L' || flag === 'K') {
        metaBytes += size;
        if (size > MAX_META || metaBytes > MAX_META) {
          throw badLayer(`tar metadata header at byte ${at} is larger than ${MAX_META} bytes`);
        }
        const data = await r.exact(size);
        if (!data) throw truncated(r.pos);
        await r.skip(padding(size));
        if (flag === 'L' || flag === 'K') {
          const s = cString(data, 0, data.length);
          if (flag === 'L') longName = s;
          else longLink = s;
        } else if (flag === 'x') {
          local ??= new Map();
          parsePax(data, local, at);
        } else {
          const g = new Map<string, Buffer>();
          parsePax(data, g, at);
          for (const [k, v] of g) {
            globalBytes += k.length + v.length;
            // An empty value in a global header deletes the keyword (POSIX pax).
            if (v.length === 0 && !isXattrKey(k)) global.delete(k);
            else global.set(k, v);
          }
          if (globalBytes > MAX_META) throw badLayer(`tar global headers exceed ${MAX_META} bytes`);
        }
        continue;
      }
      // Old GNU sparse files chain extension blocks of sparse map before the
      // data; they are not counted in size, so step over them to stay aligned.
      if (flag === 'S' && block[482]) {
        for (let ext = await r.exact(BLOCK); ext?.[504]; ext = await r.exact(BLOCK));
      }
      const header = buildHeader(block, flag, at, global, local, longName, longLink);
      local = null;
      longName = longLink = null;
      metaBytes = 0;
      const state = { remaining: header.size };
      yield { header, body: readBody(r, state) };
      await r.skip(state.remaining + padding(header.size));
    }
    await r.drain();
  } finally {
    await r.close();
  }
}

async function* readBody(r: ByteReader, state: { remaining: number }): AsyncGenerator<Buffer> {
  while (state.remaining > 0) {
    const c = await r.chunk(state.remaining);
    if (!c) throw truncated(r.pos);
    // Decrement before yielding so an abandoned body leaves an exact count to skip.
    state.remaining -= c.length;
    yield c;
  }
}

const padding = (n: number) => (BLOCK - (n % BLOCK)) % BLOCK;

function verifyChecksum(b: Buffer, at: number): void {
  const want = parseNumber(b, 148, 8, 'checksum', at);
  // The checksum field itself counts as eight spaces. Some old writers summed
  // signed chars, so accept either interpretation, as GNU tar does.
  let unsigned = 8 * 0x20;
  let signed = 8 * 0x20;
  for (let i = 0; i < BLOCK; i++) {
    if (i === 148) i = 156;
    const c = b[i]!;
    unsigned += c;
    signed += c > 127 ? c - 256 : c;
  }
  if (want !== unsigned && want !== signed) throw badLayer(`invalid tar header checksum at byte ${at}`);
}

/** Octal (NUL/space terminated) or GNU base-256 when the high bit is set. */
function parseNumber(b: Buffer, off: number, len: number, what: string, at: number): number {
  const first = b[off]!;
  if (first & 0x80) {
    let v = BigInt(first === 0xff ? 0xff : first & 0x7f);
    for (let i = 1; i < len; i++) v = (v << 8n) | BigInt(b[off + i]!);
    if (first === 0xff) v -= 1n << BigInt(8 * len); // two's complement
    if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER)) {
      throw badLayer(`tar header at byte ${at}: ${what} out of range`);
    }
    return Number(v);
  }
  let i = off;
  const end = off + len;
  while (i < end && b[i] === 0x20) i++; // leading spaces
  let v = 0;
  for (; i < end; i++) {
    const c = b[i]!;
    if (c === 0 || c === 0x20) break;
    if (c < 0x30 || c > 0x37) throw badLayer(`tar header at byte ${at}: invalid ${what} field`);
    v = v * 8 + (c - 0x30);
  }
  return v;
}

function cString(b: Buffer, off: number, len: number): string {
  const nul = b.indexOf(0, off);
  const end = nul < 0 || nul > off + len ? off + len : nul;
  return b.toString('utf8', off, end);
}

const isXattrKey = (k: string) => k.startsWith('SCHILY.xattr.') || k.startsWith('LIBARCHIVE.xattr.');

/** Parses "LEN KEY=VALUE\n" records; values stay raw bytes. */
function parsePax(data: Buffer, into: Map<string, Buffer>, at: number): void {
  const bad = () => badLayer(`invalid PAX header at byte ${at}`);
  let pos = 0;
  while (pos < data.length) {
    if (data[pos] === 0) break; // some writers pad the block with NULs
    const sp = data.indexOf(0x20, pos);
    if (sp < 0 || sp === pos || sp - pos > 8) throw bad();
    let len = 0;
    for (let i = pos; i < sp; i++) {
      const c = data[i]!;
      if (c < 0x30 || c > 0x39) throw bad();
      len = len * 10 + (c - 0x30);
    }
    const end = pos + len;
    if (end > data.length || end <= sp + 1 || data[end - 1] !== 0x0a) throw bad();
    const eq = data.indexOf(0x3d, sp + 1);
    if (eq < 0 || eq >= end - 1 || eq === sp + 1) throw bad();
    // Copy: a slice would pin the whole source chunk for as long as the value lives.
    into.set(data.toString('utf8', sp + 1, eq), Buffer.from(data.subarray(eq + 1, end - 1)));
    pos = end;
  }
}

const TYPES: Record<string, TarType> = {
  '0': 'file', '\0': 'file', '7': 'file', '1': 'hardlink', '2': 'symlink',
  '3': 'char', '4': 'block', '5': 'dir', '6': 'fifo',
};

function buildHeader(
  b: Buffer, flag: string, at: number, global: Map<string, Buffer>, local: Map<string, Buffer> | null,
  longName: string | null, longLink: string | null,
): TarHeader {
  const magic = b.toString('latin1', 257, 265);
  const ustar = magic.startsWith('ustar\0');
  let path = cString(b, 0, 100);
  // The prefix field exists only in POSIX ustar; GNU keeps atime/ctime there.
  if (ustar && b[345] !== 0) path = `${cString(b, 345, 155)}/${path}`;
  let type: TarType = TYPES[flag] ?? 'other';
  if (flag === '\0' && path.endsWith('/')) type = 'dir'; // pre-POSIX directories
  const h: TarHeader = {
    path,
    type,
    mode: parseNumber(b, 100, 8, 'mode', at) & 0o7777,
    uid: parseNumber(b, 108, 8, 'uid', at),
    gid: parseNumber(b, 116, 8, 'gid', at),
    size: parseNumber(b, 124, 12, 'size', at),
    mtime: parseNumber(b, 136, 12, 'mtime', at),
    linkname: cString(b, 157, 100),
    devmajor: 0,
    devminor: 0,
    uname: '',
    gname: '',
    xattrs: new Map(),
  };
  if (ustar || magic === 'ustar  \0') {
    h.uname = cString(b, 265, 32);
    h.gname = cString(b, 297, 32);
    h.devmajor = parseNumber(b, 329, 8, 'devmajor', at);
    h.devminor = parseNumber(b, 337, 8, 'devminor', at);
    if (!ustar) {
      const atime = parseNumber(b, 345, 12, 'atime', at);
      if (atime) h.atime = atime;
    }
  }
  if (global.size || local) applyPax(h, global, local, at);
  // GNU long names win over PAX, matching Go's archive/tar.
  if (longName !== null) h.path = longName;
  if (longLink !== null) h.linkname = longLink;
  if (h.type !== 'file' && h.type !== 'other') h.size = 0; // header-only types carry no body
  if (h.path.length > MAX_PATH || h.linkname.length > MAX_PATH) {
    throw badLayer(`tar entry at byte ${at}: path longer than ${MAX_PATH}`);
  }
  if (h.path.includes('\0') || h.linkname.includes('\0')) throw badLayer(`tar entry at byte ${at}: NUL in path`);
  return h;
}

function applyPax(h: TarHeader, global: Map<string, Buffer>, local: Map<string, Buffer> | null, at: number): void {
  const bad = (k: string) => badLayer(`tar entry at byte ${at}: invalid PAX ${k}`);
  const int = (k: string, v: Buffer) => {
    const s = v.toString('latin1');
    if (!/^\d{1,16}$/.test(s)) throw bad(k);
    const n = Number(s);
    if (!Number.isSafeInteger(n)) throw bad(k);
    return n;
  };
  const time = (k: string, v: Buffer) => {
    const s = v.toString('latin1');
    if (!/^-?\d{1,16}(\.\d*)?$/.test(s)) throw bad(k);
    return Number(s);
  };
  const apply = (k: string, v: Buffer) => {
    if (k.startsWith('SCHILY.xattr.')) {
      h.xattrs.set(k.slice(13), v);
      return;
    }
    if (k.startsWith('LIBARCHIVE.xattr.')) {
      // libarchive URL-encodes the name and base64-encodes the value.
      let name: string;
      try {
        name = decodeURIComponent(k.slice(17));
      } catch {
        throw bad(k);
      }
      if (!h.xattrs.has(name)) h.xattrs.set(name, Buffer.from(v.toString('latin1'), 'base64'));
      return;
    }
    if (v.length === 0) return; // empty value: fall back to the ustar field
    switch (k) {
      case 'path': h.path = v.toString('utf8'); break;
      case 'linkpath': h.linkname = v.toString('utf8'); break;
      case 'size': h.size = int(k, v); break;
      case 'uid': h.uid = int(k, v); break;
      case 'gid': h.gid = int(k, v); break;
      case 'mtime': h.mtime = time(k, v); break;
      case 'atime': h.atime = time(k, v); break;
      case 'uname': h.uname = v.toString('utf8'); break;
      case 'gname': h.gname = v.toString('utf8'); break;
      default:
        // Sparse files are not reconstructed; flag them so callers can decide.
        if (k.startsWith('GNU.sparse.')) h.type = 'other';
    }
  };
  for (const [k, v] of global) if (!local?.has(k)) apply(k, v);
  if (local) for (const [k, v] of local) apply(k, v);
}
