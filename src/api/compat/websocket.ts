// Docker's GET /containers/{id}/attach/ws: a container's stdio over a
// websocket (what browser consoles and Portainer-style UIs use). The
// handshake and RFC 6455 framing (masking, fragmentation, ping/pong, close,
// the 16 MiB frame cap) are the `ws` package's; this file maps Docker's
// semantics onto it, as moby's postContainersAttachWebsocket does:
// - output is never multiplexed: stdout and stderr bytes go out as they come,
//   as binary messages from API 1.28 on (text before);
// - before API 1.42 stdin, stdout and stderr are always attached; from 1.42
//   each follows its query flag (default off), like `stream` and `logs`;
// - every message the client sends (text or binary) is stdin;
// - the client closing ends the attach, not the container's stdin; the
//   container's output ending closes the socket with 1000.
import { PassThrough, Writable } from 'node:stream';
import { invalidArgument } from '../../common/errors.ts';
import type { Route, RouteContext } from '../router.ts';
import { qBool } from '../http.ts';

/** Largest message a client may send (ws's maxPayload: bigger closes with 1009). */
const MAX_MESSAGE = 16 * 1024 * 1024;

/** `a` >= `b` for Docker API versions ('' = the newest). */
function atLeast(version: string, b: string): boolean {
  if (!version) return true;
  const [x1, y1] = version.split('.').map(Number);
  const [x2, y2] = b.split('.').map(Number);
  return x1 !== x2 ? x1 > x2 : (y1 ?? 0) >= y2;
}

async function attachWs(ctx: RouteContext): Promise<void> {
  const { req } = ctx;
  if (!ctx.upgrade || String(req.headers.upgrade).toLowerCase() !== 'websocket' || typeof req.headers['sec-websocket-key'] !== 'string') {
    throw invalidArgument('this endpoint needs a websocket upgrade (Upgrade: websocket)');
  }
  // Unknown containers get their 404 as a plain HTTP answer, before the handshake.
  const c = await ctx.engine.containers.get(ctx.params.id);
  const q = ctx.query;
  const modern = atLeast(ctx.version, '1.42');
  const wantIn = modern ? qBool(q, 'stdin') : true;
  const wantOut = modern ? qBool(q, 'stdout') : true;
  const wantErr = modern ? qBool(q, 'stderr') : true;
  const binary = atLeast(ctx.version, '1.28');

  const { WebSocketServer } = await import('ws');
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE, perMessageDeflate: false });
  const { socket, head } = ctx.upgrade;
  ctx.hijacked = true;
  const ws = await new Promise<import('ws').WebSocket>((resolve, reject) => {
    // ws answers a bad handshake (version, key) itself with a 400 and destroys the socket.
    const refused = () => reject(new Error('websocket handshake refused'));
    socket.once('close', refused);
    wss.handleUpgrade(req, socket, head, (w) => { socket.off('close', refused); resolve(w); });
  });
  ctx.upgrade.head = Buffer.alloc(0);

  const ac = new AbortController();
  const end = () => ac.abort();
  ctx.signal.addEventListener('abort', end, { once: true });
  ws.once('close', end);
  ws.on('error', end);
  const stdin = wantIn ? new PassThrough() : undefined;
  ws.on('message', (data: Buffer | ArrayBuffer | Buffer[]) => {
    stdin?.write(Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as Buffer));
  });
  // One writable per stream, each message sent in order; the callback is ws's flush, so a slow client slows the container's output.
  const out = () => new Writable({
    write(chunk: Buffer, _e, cb) {
      if (ws.readyState !== ws.OPEN) return cb();
      ws.send(chunk, { binary }, () => cb());
    },
  });
  try {
    if (qBool(q, 'logs')) {
      for await (const l of ctx.engine.containers.logs(c.config.id, { signal: ac.signal })) {
        if (l.stream === 'stdout' ? !wantOut : !wantErr) continue;
        if (ws.readyState !== ws.OPEN) break;
        await new Promise<void>((res) => ws.send(Buffer.from(`${l.text}\n`), { binary }, () => res()));
      }
    }
    const live = c.state.status === 'running' || c.state.status === 'paused';
    if (qBool(q, 'stream') && live && !ac.signal.aborted) {
      await ctx.engine.containers.attach(c.config.id, {
        stdout: wantOut ? out() : undefined, stderr: wantErr ? out() : undefined,
        stdin, detachKeys: q.get('detachKeys') ?? undefined, signal: ac.signal,
      }).catch(() => {});
    }
  } finally {
    ctx.signal.removeEventListener('abort', end);
    if (ws.readyState === ws.OPEN) {
      ws.close(1000);
      // The client's close answer, or give up after a moment.
      await new Promise<void>((res) => { const t = setTimeout(res, 2000); ws.once('close', () => { clearTimeout(t); res(); }); });
    }
    ws.terminate();
    wss.close();
  }
}

export const websocketRoutes: Route[] = [
  { method: 'GET', path: '/containers/:id/attach/ws', handler: attachWs },
];
