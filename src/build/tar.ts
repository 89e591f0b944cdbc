// A minimal tar writer for the layers COPY/ADD produce: ustar headers, with
// a PAX record for names or link targets too long for them. The builder
// cannot use the engine's tar code (it talks to the engine through its
// interface only), and a COPY layer needs nothing more than this.

export interface TarEntry {
  /** Relative, `/`-separated, no leading `/`. */
  path: string;
  type: 'file' | 'dir' | 'symlink';
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
      yield header(name, e.type === 'dir' ? '5' : '2', 0, e, link);
    }
  }
  yield Buffer.alloc(1024);
}
