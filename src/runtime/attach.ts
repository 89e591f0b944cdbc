// Client for conmon's attach socket (SOCK_SEQPACKET). Each packet from conmon
// is one stream byte (2 stdout, 3 stderr) followed by the output; what we
// write is raw stdin, and shutting down our write side signals EOF. Node
// cannot wrap seqpacket sockets, so the native addon connects it and watches
// it on Node's own event loop (epoll), with non-blocking reads and writes:
// no thread-pool thread waits on it, however many clients are attached.
import { closeSync, openSync, writeSync, constants } from 'node:fs';
import { EAGAIN, FD_READABLE, FD_WRITABLE, native } from '../common/native.ts';

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
/** Stdin packet size: conmon reads 32 KiB per packet (CONN_SOCK_BUF_SIZE) and truncates longer ones. */
const STDIN_PACKET = 8192;
/** Read buffer: a seqpacket read truncates a packet longer than it, so well above conmon's 8 KiB + 1. */
const READ_BUF = 64 * 1024;
/** Packets read per readable event before others get the loop. */
const READS_PER_EVENT = 32;

/** Connects to the attach socket at path (must fit sun_path; callers go through /proc/self/fd). */
export function attachSocket(path: string, io: AttachStreams): AttachSession {
  const n = native();
  const fd = n.seqpacketConnect(path);
  let closed = false;
  let resolveDone!: (v: 'eof' | 'detached') => void;
  const done = new Promise<'eof' | 'detached'>((r) => (resolveDone = r));
  const queue: Buffer[] = [];
  let readPaused = false;
  let stdinEnded = false;

  const watch = n.fdWatch(fd, (events) => {
    // Nothing a client stream throws may escape to the loop: in the API server it would end the process.
    try {
      if (events & FD_WRITABLE) flush();
      if (events & FD_READABLE) pump();
      update();
    } catch {
      finish('eof');
    }
  });
  const update = () => {
    if (!closed) n.fdWatchSet(watch, (readPaused ? 0 : FD_READABLE) | (queue.length ? FD_WRITABLE : 0));
  };
  const finish = (why: 'eof' | 'detached') => {
    if (closed) return;
    closed = true;
    queue.length = 0;
    io.stdin?.removeListener('data', onData);
    io.stdin?.removeListener('end', onEnd);
    n.fdWatchClose(watch);
    try { n.shutdown(fd, SHUT_RDWR); } catch {}
    closeSync(fd);
    resolveDone(why);
  };

  const buf = Buffer.allocUnsafe(READ_BUF);
  const pump = () => {
    for (let i = 0; i < READS_PER_EVENT && !closed && !readPaused; i++) {
      const got = n.fdRead(fd, buf);
      if (got === -EAGAIN) return;
      if (got <= 0) return finish('eof');
      const stream = buf[0] === 3 ? io.stderr : io.stdout;
      if (stream && !stream.write(Buffer.from(buf.subarray(1, got)))) {
        // The client is slower than the container: stop reading until it catches up.
        readPaused = true;
        stream.once('drain', () => { readPaused = false; update(); });
      }
    }
  };

  // In order, one packet per write, each at most what conmon reads at once
  // (a bigger seqpacket write fails with EMSGSIZE or is truncated on its side).
  const flush = () => {
    while (queue.length && !closed) {
      const w = n.fdWrite(fd, queue[0]);
      if (w === -EAGAIN) return;
      if (w < 0) { queue.length = 0; break; }
      queue.shift();
    }
    if (!queue.length && stdinEnded && !closed) try { n.shutdown(fd, SHUT_WR); } catch {}
  };

  let detachMatched = 0;
  const onData = (d: Buffer | string) => {
    const data = typeof d === 'string' ? Buffer.from(d) : d;
    const keys = io.detachKeys;
    if (keys?.length) {
      for (let i = 0; i < data.length; i++) {
        if (data[i] === keys[detachMatched]) {
          if (++detachMatched === keys.length) return finish('detached');
        } else detachMatched = data[i] === keys[0] ? 1 : 0;
      }
    }
    if (closed || !data.length) return;
    for (let i = 0; i < data.length; i += STDIN_PACKET) queue.push(data.subarray(i, i + STDIN_PACKET));
    flush();
    update();
  };
  const onEnd = () => {
    stdinEnded = true;
    flush();
  };
  if (io.stdin) {
    io.stdin.on('data', onData);
    io.stdin.on('end', onEnd);
  }
  update();
  return { done, close: () => finish('detached') };
}

/** Tells conmon the terminal size through the bundle's ctl FIFO. */
export function resizeTerminal(ctlPath: string, rows: number, cols: number): void {
  try {
    const fd = openSync(ctlPath, constants.O_WRONLY | constants.O_NONBLOCK);
    try { writeSync(fd, `1 ${rows} ${cols}\n`); } finally { closeSync(fd); }
  } catch {}
}
