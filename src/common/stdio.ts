// process.stdout and process.stderr are built on first access, and building
// one loads Node's stream modules (~10 M instructions, more than all of the
// work `husk stop` does). Most commands print a line or two, so until
// something needs more than write() the two getters hand out a stand-in
// whose write() goes straight to the fd (and isTTY asks isatty). Any other property (pipe, on,
// isTTY, columns...) builds the real stream, which from then on is what the
// getter returns; writes stay in order because Node writes stdio to files,
// pipes and terminals synchronously on Linux.
import { writeSync } from 'node:fs';
import { native } from './native.ts';

type Name = 'stdout' | 'stderr';
const real: Partial<Record<Name, NodeJS.WriteStream>> = {};

/** Installs the stand-ins; onStream runs once for each real stream built. */
export function lazyStdio(onStream: (name: Name, s: NodeJS.WriteStream) => void): void {
  for (const [name, fd] of [['stdout', 1], ['stderr', 2]] as const) {
    const desc = Object.getOwnPropertyDescriptor(process, name);
    if (!desc?.get || !desc.configurable) continue;
    const build = (): NodeJS.WriteStream => {
      let s = real[name];
      if (!s) {
        s = real[name] = desc.get!.call(process) as NodeJS.WriteStream;
        Object.defineProperty(process, name, { ...desc, get: () => s });
        onStream(name, s);
      }
      return s;
    };
    const write = (chunk: string | Uint8Array, enc?: unknown, cb?: unknown): boolean => {
      if (real[name]) return real[name]!.write(chunk as string, enc as BufferEncoding, cb as () => void);
      const done = typeof enc === 'function' ? enc : cb;
      let buf = typeof chunk === 'string' ? Buffer.from(chunk, typeof enc === 'string' ? enc as BufferEncoding : 'utf8') : chunk;
      try {
        while (buf.length) buf = buf.subarray(writeSync(fd, buf));
      } catch (e) {
        // A non-blocking fd that is full (EAGAIN) or a reader gone (EPIPE): the real stream
        // queues the rest or reports the error as it always does.
        return build().write(buf, done as () => void);
      }
      if (typeof done === 'function') process.nextTick(done as () => void);
      return true;
    };
    const stand = new Proxy({} as NodeJS.WriteStream, {
      get: (_t, k) => {
        if (!real[name]) {
          if (k === 'write') return write;
          // Commands ask before printing progress or tables.
          if (k === 'isTTY') return native().isatty(fd) || undefined;
        }
        const s = build();
        const v = Reflect.get(s, k);
        return typeof v === 'function' ? v.bind(s) : v;
      },
      set: (_t, k, v) => Reflect.set(build(), k, v),
      has: (_t, k) => Reflect.has(build(), k),
    });
    Object.defineProperty(process, name, { ...desc, get: () => real[name] ?? stand });
  }
}

/** Resolves once the real streams built so far have handed everything to the kernel. */
export async function drained(): Promise<void> {
  for (const s of Object.values(real)) {
    while (s.writableLength > 0 && !s.destroyed) await new Promise((r) => setTimeout(r, 1));
  }
}
