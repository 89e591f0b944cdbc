// Client for conmon's attach socket (SOCK_SEQPACKET). Each packet from conmon
// is one stream byte (2 stdout, 3 stderr) followed by up to 8192 bytes of
// output; what we write is raw stdin, and shutting down our write side
// signals EOF. Node cannot open seqpacket sockets, so the fd comes from the
// native addon and is read with fs.read on the thread pool (one packet per read).
import { closeSync, read, write, openSync, writeSync, constants } from 'node:fs';
import { native } from '../common/native.ts';

export interface AttachStreams {
  stdin?: NodeJS.ReadableStream;
  stdout?: NodeJS.WritableStream;
  stderr?: NodeJS.WritableStream;
  /** Byte sequence that detaches the client instead of going to the container. */
  detachKeys?: Buffer;
}

export interface AttachSession {
  /** Resolves when the container side closed (exited) or the client detached. */
  done: Promise<'eof' | 'detached'>;
  close(): void;
}

const SHUT_WR = 1, SHUT_RDWR = 2;

/** Connects to the attach socket at path (must fit sun_path; callers go through /proc/self/fd). */
export function attachSocket(path: string, io: AttachStreams): AttachSession {
  const fd = native().seqpacketConnect(path);
  let closed = false;
  let resolveDone!: (v: 'eof' | 'detached') => void;
  const done = new Promise<'eof' | 'detached'>((r) => (resolveDone = r));
  let pendingWrites = 0;
  let readerDone = false;
  const finish = (why: 'eof' | 'detached') => {
    if (closed) return;
    closed = true;
    try { native().shutdown(fd, SHUT_RDWR); } catch {}
    io.stdin?.removeListener('data', onData);
    io.stdin?.removeListener('end', onEnd);
    const tryClose = () => {
      if (readerDone && pendingWrites === 0) closeSync(fd);
      else setTimeout(tryClose, 5);
    };
    tryClose();
    resolveDone(why);
  };

  const buf = Buffer.allocUnsafe(8193);
  const pump = () => {
    read(fd, buf, 0, buf.length, null, (err, n) => {
      if (err || n === 0 || closed) {
        readerDone = true;
        return finish('eof');
      }
      const stream = buf[0] === 3 ? io.stderr : io.stdout;
      const chunk = Buffer.from(buf.subarray(1, n));
      if (stream && !stream.write(chunk)) stream.once('drain', pump);
      else pump();
    });
  };
  pump();

  let detachMatched = 0;
  const onData = (d: Buffer | string) => {
    let data = typeof d === 'string' ? Buffer.from(d) : d;
    const keys = io.detachKeys;
    if (keys?.length) {
      for (let i = 0; i < data.length; i++) {
        if (data[i] === keys[detachMatched]) {
          if (++detachMatched === keys.length) return finish('detached');
        } else detachMatched = data[i] === keys[0] ? 1 : 0;
      }
    }
    if (closed || !data.length) return;
    pendingWrites++;
    write(fd, data, (err) => {
      pendingWrites--;
      if (err) data = Buffer.alloc(0);
    });
  };
  const onEnd = () => {
    const shut = () => {
      if (pendingWrites > 0) return setTimeout(shut, 2);
      if (!closed) try { native().shutdown(fd, SHUT_WR); } catch {}
    };
    shut();
  };
  if (io.stdin) {
    io.stdin.on('data', onData);
    io.stdin.on('end', onEnd);
  }
  return { done, close: () => { readerDone = true; finish('detached'); } };
}

/** Tells conmon the terminal size through the bundle's ctl FIFO. */
export function resizeTerminal(ctlPath: string, rows: number, cols: number): void {
  try {
    const fd = openSync(ctlPath, constants.O_WRONLY | constants.O_NONBLOCK);
    try { writeSync(fd, `1 ${rows} ${cols}\n`); } finally { closeSync(fd); }
  } catch {}
}
