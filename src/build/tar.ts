// A minimal tar writer for the layers COPY/ADD produce: ustar headers, with
// a PAX record for names or link targets too long for them. The builder
// cannot use the engine's tar code (it talks to the engine through its
// interface only), and a COPY layer needs nothing more than this.

export interface TarEntry {
  /** Relative, `/`-separated, no leading `/`. */
  path: string;
  type: 'file' | 'dir' | 'symlink' | 'hardlink';
  mode: number;
  uid: number;
  gid: number;
  /** Seconds since the epoch. */
  mtime: number;
  linkTarget?: string;
  /** File contents (read when the entry is written). */
  body?: () => Promise<Buffer> | Buffer;
}

function octal(n: number, width: number): string {
  return n.toString(8).padStart(width - 1, '0') + '\0';
}

function header(name: string, type: string, size: number, e: Pick<TarEntry, 'mode' | 'uid' | 'gid' | 'mtime'>, link = ''): Buffer {
  const h = Buffer.alloc(512);
  h.write(name.slice(0, 100), 0, 'utf8');
  h.write(octal(e.mode & 0o7777, 8), 100);
  h.write(octal(e.uid, 8), 108);
  h.write(octal(e.gid, 8), 116);
  h.write(octal(size, 12), 124);
  h.write(octal(Math.max(0, Math.floor(e.mtime)), 12), 136);
  h.write(type, 156);
  h.write(link.slice(0, 100), 157, 'utf8');
  h.write('ustar\0' + '00', 257);
  h.fill(' ', 148, 156);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(octal(sum, 7) + ' ', 148);
  return h;
}

const pad = (n: number) => Buffer.alloc((512 - (n % 512)) % 512);

function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  let len = Buffer.byteLength(body) + 1;
  while (String(len).length + Buffer.byteLength(body) !== len) len = String(len).length + Buffer.byteLength(body);
  return `${len}${body}`;
}

/** The entries as one tar stream, ending with the two zero blocks. */
export async function* tarStream(entries: Iterable<TarEntry>): AsyncGenerator<Buffer> {
  for (const e of entries) {
    const name = e.type === 'dir' ? `${e.path}/` : e.path;
    const link = e.linkTarget ?? '';
    let pax = '';
    if (Buffer.byteLength(name) > 100) pax += paxRecord('path', name);
    if (Buffer.byteLength(link) > 100) pax += paxRecord('linkpath', link);
    if (pax) {
      const b = Buffer.from(pax);
      yield header('PaxHeader', 'x', b.length, e);
      yield Buffer.concat([b, pad(b.length)]);
    }
    if (e.type === 'file') {
      const body = (await e.body?.()) ?? Buffer.alloc(0);
      yield header(name, '0', body.length, e);
      yield Buffer.concat([body, pad(body.length)]);
    } else {
      yield header(name, e.type === 'dir' ? '5' : e.type === 'hardlink' ? '1' : '2', 0, e, link);
    }
  }
  yield Buffer.alloc(1024);
}

export interface ReadEntry {
  path: string;
  type: 'file' | 'dir' | 'symlink' | 'hardlink' | 'other';
  mode: number;
  uid: number;
  gid: number;
  mtime: number;
  linkTarget?: string;
  body?: Buffer;
}

const field = (b: Buffer, off: number, len: number) => {
  const end = b.indexOf(0, off);
  return b.toString('utf8', off, end < 0 || end > off + len ? off + len : end);
};
const num = (b: Buffer, off: number, len: number) => {
  if (b[off]! & 0x80) return Number(b.readBigUInt64BE(off + len - 8)); // base-256
  return parseInt(field(b, off, len).trim() || '0', 8);
};

/** Whether a buffer starts with a tar header (ustar magic, or a valid checksum of an old tar). */
export function looksLikeTar(b: Buffer): boolean {
  if (b.length < 512) return false;
  if (b.toString('latin1', 257, 262) === 'ustar') return true;
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 32 : b[i]!;
  return sum === num(b, 148, 8) && b[0] !== 0;
}

/** The entries of an uncompressed tar (ustar, PAX path/linkpath/size/mtime, GNU long names). */
export function readTar(b: Buffer): ReadEntry[] {
  const out: ReadEntry[] = [];
  let off = 0;
  let pax: Record<string, string> = {};
  let longName: string | undefined;
  let longLink: string | undefined;
  while (off + 512 <= b.length) {
    const h = b.subarray(off, off + 512);
    if (h.every((x) => x === 0)) break;
    const flag = String.fromCharCode(h[156]!) || '0';
    let size = num(h, 124, 12);
    if (pax.size) size = Number(pax.size);
    const body = b.subarray(off + 512, off + 512 + size);
    off += 512 + Math.ceil(size / 512) * 512;
    if (flag === 'x' || flag === 'g') {
      if (flag === 'g') continue;
      const text = body.toString('utf8');
      for (let i = 0; i < text.length;) {
        const sp = text.indexOf(' ', i);
        const len = parseInt(text.slice(i, sp), 10);
        if (!(len > 0)) break;
        const rec = text.slice(sp + 1, i + len - 1);
        const eq = rec.indexOf('=');
        pax[rec.slice(0, eq)] = rec.slice(eq + 1);
        i += len;
      }
      continue;
    }
    if (flag === 'L') { longName = body.toString('utf8').replace(/\0+$/, ''); continue; }
    if (flag === 'K') { longLink = body.toString('utf8').replace(/\0+$/, ''); continue; }
    const prefix = h.toString('latin1', 257, 262) === 'ustar' ? field(h, 345, 155) : '';
    const name = pax.path ?? longName ?? (prefix ? `${prefix}/${field(h, 0, 100)}` : field(h, 0, 100));
    const type = flag === '0' || flag === '\0' || flag === '7' ? 'file' : flag === '5' ? 'dir' : flag === '2' ? 'symlink' : flag === '1' ? 'hardlink' : 'other';
    out.push({
      path: name, type, mode: num(h, 100, 8) & 0o7777, uid: Number(pax.uid ?? num(h, 108, 8)), gid: Number(pax.gid ?? num(h, 116, 8)),
      mtime: Math.floor(Number(pax.mtime ?? num(h, 136, 12))), linkTarget: pax.linkpath ?? longLink ?? (field(h, 157, 100) || undefined),
      body: type === 'file' ? Buffer.from(body) : undefined,
    });
    pax = {};
    longName = longLink = undefined;
  }
  return out;
}
