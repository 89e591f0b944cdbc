// Minimal ustar + PAX tar writer, for tests only: it lets tests craft exactly
// the archives they need, hostile ones included, with no dependency.

export interface CraftEntry {
  path: string;
  type?: 'file' | 'dir' | 'symlink' | 'hardlink' | 'char' | 'block' | 'fifo';
  /** Raw typeflag overriding `type`, e.g. 'L' for a GNU long name header. */
  typeflag?: string;
  body?: Buffer | string;
  linkname?: string;
  mode?: number;
  uid?: number;
  gid?: number;
  mtime?: number;
  devmajor?: number;
  devminor?: number;
  xattrs?: Record<string, Buffer>;
  /** Extra PAX records, written verbatim. */
  pax?: Record<string, Buffer | string>;
}

const FLAGS = { file: '0', dir: '5', symlink: '2', hardlink: '1', char: '3', block: '4', fifo: '6' } as const;

export function craftTar(entries: CraftEntry[]): Buffer {
  const out: Buffer[] = [];
  for (const e of entries) {
    const body = typeof e.body === 'string' ? Buffer.from(e.body) : (e.body ?? Buffer.alloc(0));
    const pax: [string, Buffer][] = [];
    for (const [k, v] of Object.entries(e.xattrs ?? {})) pax.push([`SCHILY.xattr.${k}`, v]);
    for (const [k, v] of Object.entries(e.pax ?? {})) pax.push([k, Buffer.from(v)]);
    const mtime = e.mtime ?? 1700000000;
    if (!Number.isInteger(mtime)) pax.push(['mtime', Buffer.from(String(mtime))]);
    let name = e.path;
    if (Buffer.byteLength(name) > 100) {
      pax.push(['path', Buffer.from(name)]);
      name = name.slice(0, 99);
    }
    let linkname = e.linkname ?? '';
    if (Buffer.byteLength(linkname) > 100) {
      pax.push(['linkpath', Buffer.from(linkname)]);
      linkname = linkname.slice(0, 99);
    }
    if (pax.length) {
      const data = Buffer.concat(pax.map(([k, v]) => paxRecord(k, v)));
      out.push(header({ name: 'PaxHeader', flag: 'x', size: data.length, mode: 0o644 }), pad(data));
    }
    out.push(
      header({
        name,
        flag: e.typeflag ?? FLAGS[e.type ?? 'file'],
        size: body.length,
        mode: e.mode ?? (e.type === 'dir' ? 0o755 : 0o644),
        uid: e.uid,
        gid: e.gid,
        mtime: Math.floor(mtime),
        linkname,
        devmajor: e.devmajor,
        devminor: e.devminor,
      }),
      pad(body),
    );
  }
  out.push(Buffer.alloc(1024));
  return Buffer.concat(out);
}

/** A "LEN key=value\n" record; LEN counts itself, hence the fixed point. */
function paxRecord(key: string, value: Buffer): Buffer {
  const rest = Buffer.byteLength(key) + value.length + 3; // ' ', '=', '\n'
  let len = rest + String(rest).length;
  if (String(len).length !== String(rest).length) len = rest + String(len).length;
  return Buffer.concat([Buffer.from(`${len} ${key}=`), value, Buffer.from('\n')]);
}

function pad(b: Buffer): Buffer {
  const rem = b.length % 512;
  return rem ? Buffer.concat([b, Buffer.alloc(512 - rem)]) : b;
}

interface Fields {
  name: string; flag: string; size: number; mode: number;
  uid?: number; gid?: number; mtime?: number; linkname?: string; devmajor?: number; devminor?: number;
}

function header(f: Fields): Buffer {
  const b = Buffer.alloc(512);
  const str = (off: number, len: number, s: string) => b.write(s, off, len, 'utf8');
  const oct = (off: number, len: number, n: number) => str(off, len, n.toString(8).padStart(len - 1, '0') + '\0');
  str(0, 100, f.name);
  oct(100, 8, f.mode);
  oct(108, 8, f.uid ?? 0);
  oct(116, 8, f.gid ?? 0);
  oct(124, 12, f.size);
  oct(136, 12, f.mtime ?? 0);
  b.write(f.flag, 156, 1, 'latin1');
  str(157, 100, f.linkname ?? '');
  str(257, 8, 'ustar\x0000');
  str(265, 32, 'root');
  str(297, 32, 'root');
  oct(329, 8, f.devmajor ?? 0);
  oct(337, 8, f.devminor ?? 0);
  return setChecksum(b);
}

/** Recomputes a header block's checksum, for tests that patch raw fields. */
export function setChecksum(b: Buffer): Buffer {
  b.fill(0x20, 148, 156);
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += b[i]!;
  b.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 8, 'latin1');
  return b;
}
