// Docker's attach: the hijacked raw stream between a client and a
// container's stdio. Non-tty output is multiplexed in Docker's 8-byte-header
// frames; tty output is raw. `docker run` attaches *before* it starts the
// container, so an attach to a created container is parked here and the
// start request starts it attached (engine.containers.startAttach), which is
// how no first byte of output is lost.
import { PassThrough, Writable, type Duplex } from 'node:stream';
import type { Engine, SessionIO } from '../../engine/api.ts';
import type { Route, RouteContext } from '../router.ts';
import { hijack, qBool } from '../http.ts';

/** A writable that wraps each chunk in Docker's stream frame (1 stdout, 2 stderr). */
export function frameWriter(out: Duplex, stream: 1 | 2): Writable {
  return new Writable({
    write(chunk: Buffer, _enc, cb) {
      if (out.destroyed || !out.writable) return cb();
      const head = Buffer.alloc(8);
      head[0] = stream;
      head.writeUInt32BE(chunk.length, 4);
      out.write(Buffer.concat([head, chunk]), () => cb());
    },
  });
}

/** Output streams for a session: framed when not a tty, the raw socket when it is. */
export function sessionOutput(sock: Duplex, tty: boolean, stdout: boolean, stderr: boolean): Pick<SessionIO, 'stdout' | 'stderr'> {
  const raw = () => new Writable({ write(c: Buffer, _e, cb) { if (sock.destroyed || !sock.writable) return cb(); sock.write(c, () => cb()); } });
  return {
    stdout: stdout ? (tty ? raw() : frameWriter(sock, 1)) : undefined,
    stderr: stderr ? (tty ? raw() : frameWriter(sock, 2)) : undefined,
  };
}

/** The client's input: bytes the HTTP parser already read past the head, then the socket. */
export function sessionInput(sock: Duplex, head?: Buffer): NodeJS.ReadableStream {
  const pt = new PassThrough();
  if (head?.length) pt.write(head);
  sock.pipe(pt);
  return pt;
}

interface Pending { io: SessionIO; done: (err?: unknown) => void }
/** Attaches waiting for their container's start, by container ID. */
const pending = new Map<string, Pending>();

/**
 * Starts a container with the attach parked for it, if any; resolves true
 * once it runs (its "start" event, or "died"/"remove" for one that was
 * quicker than us), while the attach itself goes on until the container exits.
 */
export async function startPending(engine: Engine, id: string): Promise<boolean> {
  const p = pending.get(id);
  if (!p) return false;
  pending.delete(id);
  const ac = new AbortController();
  // Followed before the start begins; the replay from `since` covers the gap.
  const events = engine.system.events({ since: new Date(), stream: true, filters: { container: [id], event: ['start', 'died', 'remove'] }, signal: ac.signal });
  // An event stream that fails leaves the attach's end as the answer.
  const started = (async () => { for await (const _ of events) return; })().catch(() => new Promise<void>(() => {}));
  const attached = engine.containers.startAttach(id, p.io);
  attached.then(() => p.done(), (err) => p.done(err));
  try {
    // A start that fails rejects here; once the start event is in, the attach's outcome is the attach's business.
    await Promise.race([attached, started]);
  } finally {
    ac.abort();
  }
  return true;
}

async function attach(ctx: RouteContext): Promise<void> {
  const c = await ctx.engine.containers.get(ctx.params.id);
  const tty = !!c.config.intent.tty;
  const q = ctx.query;
  const streamOut = qBool(q, 'stream') || qBool(q, 'logs');
  const sock = hijack(ctx);
  const io: SessionIO = {
    ...sessionOutput(sock, tty, streamOut && qBool(q, 'stdout'), streamOut && qBool(q, 'stderr')),
    stdin: qBool(q, 'stdin') ? sessionInput(sock, ctx.upgrade?.head) : undefined,
    detachKeys: q.get('detachKeys') ?? undefined,
    signal: ctx.signal,
  };
  if (c.state.status === 'created') {
    await new Promise<void>((resolve) => {
      const id = c.config.id;
      pending.set(id, { io, done: () => resolve() });
      // A client that leaves before the start takes its parked attach with it.
      ctx.signal.addEventListener('abort', () => {
        if (pending.get(id)?.io === io) { pending.delete(id); resolve(); }
      }, { once: true });
    });
    return;
  }
  if (c.state.status !== 'running' && c.state.status !== 'paused') return;
  await ctx.engine.containers.attach(c.config.id, io).catch(() => {});
}

export const attachRoutes: Route[] = [
  { method: 'POST', path: '/containers/:id/attach', handler: attach },
];
