// Request and response helpers shared by every route module: JSON bodies
// with a size cap, JSON replies and errors, query parsing, and the hijacked
// raw stream that attach and exec start use.
import type { Duplex } from 'node:stream';
import { HuskError, invalidArgument } from '../common/errors.ts';
import type { RouteContext } from './router.ts';

/** Bodies above this are refused with 413 (archives and images are streamed, not read here). */
export const MAX_JSON_BODY = 8 * 1024 * 1024;

export class HttpError extends Error {
  readonly status: number;
  constructor(status: number, message: string) { super(message); this.status = status; }
}

/** The whole request body, at most limit bytes (413 beyond). */
export async function readBody(ctx: RouteContext, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of ctx.req) {
    size += (c as Buffer).length;
    if (size > limit) throw new HttpError(413, `request body exceeds ${limit} bytes`);
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks);
}

/** The request body parsed as JSON; {} when empty. Malformed → 400, too large → 413. */
export async function readJson<T = Record<string, unknown>>(ctx: RouteContext, limit = MAX_JSON_BODY): Promise<T> {
  const body = ctx.upgrade ? await upgradeBody(ctx, limit) : await readBody(ctx, limit);
  const text = body.toString('utf8').trim();
  if (!text) return {} as T;
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new HttpError(400, `failed to decode request body: ${(e as Error).message}`);
  }
  // Every body Docker takes is an object; null decodes to an empty one, as Go's decoder does.
  if (v === null) return {} as T;
  if (typeof v !== 'object' || Array.isArray(v)) throw new HttpError(400, `failed to decode request body: expected a JSON object, got ${Array.isArray(v) ? 'an array' : typeof v}`);
  return v as T;
}

/**
 * The body of an upgrade request (exec start with `Upgrade: tcp`): node's
 * parser stops at the head, so its Content-Length bytes are the first ones
 * of `upgrade.head` (and, if the head was short, of the socket). What
 * follows is the client's stream (stdin) and stays in `upgrade.head`.
 */
async function upgradeBody(ctx: RouteContext, limit: number): Promise<Buffer> {
  const up = ctx.upgrade!;
  const len = Number(ctx.req.headers['content-length'] ?? 0);
  if (!Number.isSafeInteger(len) || len < 0) throw new HttpError(400, 'invalid Content-Length');
  if (len > limit) throw new HttpError(413, `request body exceeds ${limit} bytes`);
  let buf = up.head;
  if (buf.length < len) {
    const sock = up.socket;
    buf = await new Promise<Buffer>((resolve, reject) => {
      let acc = buf;
      const done = (err?: Error) => {
        sock.off('data', onData); sock.off('end', onEnd); sock.off('error', done);
        sock.pause();
        if (err) reject(err); else resolve(acc);
      };
      const onData = (d: Buffer) => { acc = Buffer.concat([acc, d]); if (acc.length >= len) done(); };
      const onEnd = () => done(new HttpError(400, 'request body ended early'));
      sock.on('data', onData); sock.once('end', onEnd); sock.once('error', done);
    });
  }
  up.head = buf.subarray(len);
  return buf.subarray(0, len);
}

/**
 * Whether the client has gone away, for a handler about to answer after
 * work that may have blocked the event loop (a create): two loop turns let
 * the server read a FIN that arrived meanwhile.
 */
export async function clientGone(ctx: RouteContext): Promise<boolean> {
  for (let i = 0; i < 2; i++) await new Promise((r) => setImmediate(r));
  const s = ctx.upgrade?.socket ?? ctx.req.socket;
  return ctx.signal.aborted || s.destroyed || s.readableEnded;
}

/**
 * Answers a create with the new object, or undoes the create when the client
 * is not there to learn of it: gone before the answer (clientGone), or gone
 * by the time the answer was written (the write failed: a local socket whose
 * peer has closed answers EPIPE). Otherwise the object would leak unseen.
 */
export async function answerCreated(ctx: RouteContext, status: number, body: unknown, undo: () => Promise<unknown>): Promise<void> {
  if (!(await clientGone(ctx))) {
    const written = await new Promise<boolean>((resolve) => {
      ctx.res.once('finish', () => resolve(true));
      ctx.res.once('close', () => resolve(ctx.res.writableFinished));
      sendJson(ctx, status, body);
    });
    if (written) return;
  }
  await undo().catch(() => {});
}

export function sendJson(ctx: RouteContext, status: number, body: unknown): void {
  const data = body === undefined ? '' : `${JSON.stringify(body)}\n`;
  ctx.res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(data) });
  ctx.res.end(ctx.req.method === 'HEAD' ? undefined : data);
}

export function sendNoContent(ctx: RouteContext, status = 204): void {
  ctx.res.writeHead(status);
  ctx.res.end();
}

/** The status and message an error is reported with (Docker's `{"message"}` body, plus husk's code). */
export function errorBody(e: unknown): { status: number; body: { message: string; code?: string } } {
  if (e instanceof HttpError) return { status: e.status, body: { message: e.message } };
  if (e instanceof HuskError) return { status: e.httpStatus, body: { message: e.message, code: e.code } };
  return { status: 500, body: { message: e instanceof Error ? e.message : String(e) } };
}

/** Docker's boolean query values: 1/true/True; absent → dflt. */
export function qBool(q: URLSearchParams, name: string, dflt = false): boolean {
  const v = q.get(name);
  if (v === null || v === '') return dflt;
  return v === '1' || v.toLowerCase() === 'true';
}

export function qInt(q: URLSearchParams, name: string): number | undefined {
  const v = q.get(name);
  if (v === null || v === '') return undefined;
  if (!/^-?\d+$/.test(v)) throw invalidArgument(`invalid value for ${name}: ${v}`);
  return Number(v);
}

/** Docker's `filters` query: JSON of {key: [values]} or the older {key: {value: true}}. */
export function qFilters(q: URLSearchParams): Record<string, string[]> | undefined {
  const raw = q.get('filters');
  if (!raw) return undefined;
  let parsed: unknown;
  try { parsed = JSON.parse(raw); } catch { throw new HttpError(400, `invalid filters: ${raw}`); }
  if (!parsed || typeof parsed !== 'object') throw new HttpError(400, `invalid filters: ${raw}`);
  const out: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(parsed as Record<string, unknown>)) {
    out[k] = Array.isArray(v) ? v.map(String) : v && typeof v === 'object' ? Object.keys(v).filter((x) => (v as Record<string, unknown>)[x]) : [String(v)];
  }
  return out;
}

/** Docker timestamps in queries: unix seconds (with fraction) or RFC 3339. */
export function qTime(q: URLSearchParams, name: string): Date | undefined {
  const v = q.get(name);
  if (!v) return undefined;
  if (/^\d+(\.\d+)?$/.test(v)) return new Date(Number(v) * 1000);
  const d = new Date(v);
  if (Number.isNaN(d.getTime())) throw invalidArgument(`invalid time for ${name}: ${v}`);
  return d;
}

/**
 * Takes a connection away from node's HTTP parser, as node itself does for
 * an upgrade: podman-remote 4 starts exec and attach sessions with a plain
 * POST (no `Upgrade:` header) and then writes stdin on the same connection,
 * which the parser would read as the next request (a 400 "Invalid method"
 * written into the session). node has no public call for this; these are
 * the steps of its own upgrade path (_http_server.js: unconsume, then drop
 * the server's socket listeners).
 */
function releaseFromParser(socket: Duplex): void {
  /* eslint-disable @typescript-eslint/no-explicit-any */
  const s = socket as any;
  const parser = s.parser;
  if (parser?._consumed) {
    parser.unconsume();
    parser._consumed = false;
  }
  for (const ev of ['data', 'end', 'pause', 'resume', 'drain']) s.removeAllListeners(ev);
  /* eslint-enable @typescript-eslint/no-explicit-any */
}

/**
 * Takes over the connection for a raw stream (attach, exec start): 101
 * UPGRADED when the client asked to upgrade, else 200 with the stream as the
 * body. Returns the socket; the HTTP layer no longer touches it.
 */
export function hijack(ctx: RouteContext, contentType = 'application/vnd.docker.raw-stream'): Duplex {
  const socket = ctx.upgrade?.socket ?? ctx.res.socket;
  if (!socket) throw new HttpError(500, 'connection already closed');
  if (!ctx.upgrade) {
    ctx.res.detachSocket(socket as import('node:net').Socket);
    releaseFromParser(socket);
  }
  const head = ctx.upgrade
    ? `HTTP/1.1 101 UPGRADED\r\nContent-Type: ${contentType}\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n`
    : `HTTP/1.1 200 OK\r\nContent-Type: ${contentType}\r\nConnection: close\r\n\r\n`;
  socket.write(head);
  ctx.hijacked = true;
  return socket;
}
