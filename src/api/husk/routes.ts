// husk's own REST routes: the whole Engine interface, generically. One route
// serves every allow-listed DOMAIN.METHOD (methods.ts), so the remote client
// is the same interface over HTTP with no per-method code to drift:
//
//   POST /husk/v1/:domain/:method, body = JSON array of arguments
//   - a plain call answers JSON {"result": R} (200), or {"code","message"}
//     with the error's HTTP status (ERROR_TABLE);
//   - a call returning an AsyncIterable, or passing callbacks, answers NDJSON
//     messages: {"callback"}, {"item"}..., then {"result"} or {"error"};
//   - a call passing streams (SessionIO, copy, import/load sources,
//     export/save sinks) is sent as Content-Type application/x-husk-frames:
//     request and response bodies are both framed (wire.ts) and flow at the
//     same time over one HTTP/1.1 exchange, which needs no connection
//     hijacking from the server that mounts these routes.
import { PassThrough, Writable } from 'node:stream';
import type { Engine } from '../../engine/api.ts';
import { HuskError } from '../../common/errors.ts';
import type { Route, RouteContext } from '../router.ts';
import { PREFIX, methodKind } from './methods.ts';
import { AsyncQueue } from './queue.ts';
import { DATA, END, FRAMES_TYPE, FrameReader, frame as frameOf, MSG, NDJSON_TYPE, inject, revive, stringify, type ClientMessage, type ServerMessage, type Tag } from './wire.ts';

/** The routes to mount on the REST server (see docs/remote.md). */
export function huskRoutes(): Route[] {
  return [
    { method: 'POST', path: `${PREFIX}/:domain/:method`, handler: call },
    { method: 'GET', path: `${PREFIX}/_ping`, handler: ({ res }) => { res.writeHead(200, { 'content-type': 'text/plain' }).end('OK'); } },
  ];
}

export function wireError(e: unknown): { code: string; message: string } {
  return e instanceof HuskError ? e.toJSON() : { code: 'ENGINE', message: (e as Error)?.message ?? String(e) };
}

function status(e: unknown): number {
  return e instanceof HuskError ? e.httpStatus : 500;
}

function fail(ctx: RouteContext, e: HuskError): void {
  ctx.res.writeHead(e.httpStatus, { 'content-type': 'application/json' }).end(JSON.stringify(e.toJSON()));
}

async function call(ctx: RouteContext): Promise<void> {
  const { domain, method } = ctx.params;
  const kind = methodKind(domain, method);
  if (!kind) return fail(ctx, new HuskError('INVALID_ARGUMENT', `unknown engine method ${domain}.${method}`));
  const framed = ctx.req.headers['content-type'] === FRAMES_TYPE;
  const { res } = ctx;

  // Outgoing messages, written in order; writes wait for the socket (backpressure).
  const write = (chunk: string | Buffer): Promise<void> | void => {
    if (res.destroyed || res.writableEnded) return;
    if (!res.write(chunk)) return new Promise((r) => { res.once('drain', r); res.once('close', r); });
  };
  const send = (m: ServerMessage) => write(framed ? frameOf(MSG, 0, stringify(m)) : `${stringify(m)}\n`);

  const inputs = new Map<number, PassThrough>();
  const iters = new Map<number, AsyncQueue<unknown>>();
  let callbacks = 0;
  // The caller's AbortSignal: the client going away, or (framed calls) an
  // {"abort"} message, so an aborted attach still answers its report.
  const abort = new AbortController();
  const onGone = () => abort.abort();
  ctx.signal.addEventListener('abort', onGone, { once: true });
  const make = (t: Tag): unknown => {
    switch (t.$husk) {
      case 'signal': return abort.signal;
      case 'fn': callbacks++; return (...args: unknown[]) => { void send({ callback: t.id, args }); };
      case 'in': { const p = new PassThrough(); inputs.set(t.id, p); return p; }
      case 'iter': { const q = new AsyncQueue<unknown>(); iters.set(t.id, q); return q; }
      case 'out': return new Writable({
        write: (chunk: Buffer, _enc, cb) => { void Promise.resolve(write(frameOf(DATA, t.id, chunk))).then(() => cb()); },
        final: (cb) => { void Promise.resolve(write(frameOf(END, t.id))).then(() => cb()); },
      });
      default: throw new HuskError('INVALID_ARGUMENT', 'unknown placeholder in the arguments');
    }
  };

  let args: unknown[];
  try {
    const raw = framed ? await readFramed(ctx, inputs, iters, abort) : JSON.parse((await body(ctx)) || '[]', revive);
    if (!Array.isArray(raw)) throw new HuskError('INVALID_ARGUMENT', 'the request body must be a JSON array of arguments');
    args = raw.map((a) => inject(a, make)) as unknown[];
    if (!framed && (inputs.size || iters.size)) throw new HuskError('INVALID_ARGUMENT', `streams need Content-Type ${FRAMES_TYPE}`);
  } catch (e) {
    return fail(ctx, e instanceof HuskError ? e : new HuskError('INVALID_ARGUMENT', `bad request: ${(e as Error).message}`));
  }
  const api = (ctx.engine as unknown as Record<string, Record<string, (...a: unknown[]) => unknown>>)[domain as keyof Engine];
  const stop = () => { for (const p of inputs.values()) p.destroy(); for (const q of iters.values()) q.end(); };
  ctx.signal.addEventListener('abort', stop, { once: true });

  if (!framed && kind === 'call' && callbacks === 0) {
    // The plain form: one JSON answer with the error's own HTTP status.
    try {
      const result = await api[method](...args);
      res.writeHead(200, { 'content-type': 'application/json' }).end(stringify({ result }));
    } catch (e) {
      res.writeHead(status(e), { 'content-type': 'application/json' }).end(JSON.stringify(wireError(e)));
    } finally {
      ctx.signal.removeEventListener('abort', onGone);
    }
    return;
  }
  res.writeHead(200, { 'content-type': framed ? FRAMES_TYPE : NDJSON_TYPE });
  res.flushHeaders();
  try {
    if (kind === 'iter') {
      const it = (api[method](...args) as AsyncIterable<unknown>)[Symbol.asyncIterator]();
      abort.signal.addEventListener('abort', () => { void it.return?.(); }, { once: true });
      for (let r = await it.next(); !r.done && !abort.signal.aborted; r = await it.next()) await send({ item: r.value });
      await send({});
    } else {
      await send({ result: await api[method](...args) });
    }
  } catch (e) {
    await send({ error: wireError(e) });
  } finally {
    ctx.signal.removeEventListener('abort', stop);
    ctx.signal.removeEventListener('abort', onGone);
    stop();
    res.end();
  }
}

function body(ctx: RouteContext): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    ctx.req.on('data', (c: Buffer) => chunks.push(c)).on('end', () => resolve(Buffer.concat(chunks).toString())).on('error', reject);
  });
}

/**
 * Reads the framed request body: resolves with the arguments (the first
 * message), then keeps feeding stream bytes and iterable values to the
 * placeholders `inject` creates while the call runs.
 */
function readFramed(ctx: RouteContext, inputs: Map<number, PassThrough>, iters: Map<number, AsyncQueue<unknown>>, abort: AbortController): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const reader = new FrameReader();
    let started = false;
    ctx.req.on('data', (chunk: Buffer) => {
      for (const f of reader.push(chunk)) {
        if (f.type === MSG) {
          const m = JSON.parse(f.payload.toString(), revive) as ClientMessage;
          if ('args' in m) { started = true; resolve(m.args); continue; }
          if ('abort' in m) { abort.abort(); continue; }
          const q = iters.get(m.iter);
          if (m.done) q?.end(); else q?.push(m.value);
        } else {
          const target = inputs.get(f.id) ?? iters.get(f.id);
          if (f.type === DATA) target?.write(Buffer.from(f.payload));
          else if (f.type === END) target?.end();
        }
      }
    });
    ctx.req.on('end', () => {
      if (!started) reject(new HuskError('INVALID_ARGUMENT', 'framed call without arguments'));
      for (const p of inputs.values()) if (!p.writableEnded) p.end();
      for (const q of iters.values()) q.end();
    });
    ctx.req.on('error', reject);
  });
}
