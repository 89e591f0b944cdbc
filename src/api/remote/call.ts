// One remote engine call (the client half of src/api/husk/routes.ts):
// arguments out as JSON (or frames when they carry streams), the answer back
// as a result, a stream of items, callback calls, or a typed HuskError
// rebuilt from {code, message}.
import type { ClientRequest as Req, IncomingMessage } from 'node:http';
import { HuskError } from '../../common/errors.ts';
import { AsyncQueue } from '../husk/queue.ts';
import { PREFIX, SINK_ARGS } from '../husk/methods.ts';
import { DATA, END, FRAMES_TYPE, FrameReader, LineReader, MSG, extract, frame, revive, stringify, type Extracted, type ServerMessage } from '../husk/wire.ts';
import type { Transport } from './transport.ts';

type Event = ServerMessage | { lost: Error };

/** Runs DOMAIN.METHOD remotely and returns its result. */
export async function remoteCall(t: Transport, domain: string, method: string, args: unknown[]): Promise<unknown> {
  const x = extract(args, new Set(SINK_ARGS[`${domain}.${method}`]));
  const framed = x.inputs.size + x.iters.size + x.outputs.size + x.signals.length > 0;
  const s = await open(t, domain, method, x, framed);
  try {
    for await (const m of s.messages) {
      if ('lost' in m) throw t.unreachable(m.lost);
      if ('callback' in m) { x.fns.get(m.callback)?.(...m.args); continue; }
      if ('error' in m) throw HuskError.from(m.error);
      if ('item' in m) continue;
      await s.flushed();
      return m.result;
    }
    throw new HuskError('ENGINE', `the connection to ${t.url} closed before ${domain} ${method} answered`);
  } finally {
    s.close();
  }
}

/** Runs an AsyncIterable-returning DOMAIN.METHOD remotely; aborting or leaving the loop closes the request. */
export async function* remoteIter(t: Transport, domain: string, method: string, args: unknown[]): AsyncGenerator<unknown> {
  const x = extract(args, new Set());
  const s = await open(t, domain, method, x, x.inputs.size + x.iters.size + x.outputs.size > 0);
  try {
    for await (const m of s.messages) {
      if ('lost' in m) {
        if (x.signals.some((sig) => sig.aborted)) return;
        throw t.unreachable(m.lost);
      }
      if ('error' in m) throw HuskError.from(m.error);
      if ('item' in m) yield m.item;
      else if ('callback' in m) x.fns.get(m.callback)?.(...m.args);
      else return;
    }
    if (!x.signals.some((sig) => sig.aborted)) throw new HuskError('ENGINE', `the connection to ${t.url} closed during ${domain} ${method}`);
  } finally {
    s.close();
  }
}

interface Session {
  messages: AsyncQueue<Event>;
  /** Resolves when the outputs the server ended have flushed. */
  flushed(): Promise<void>;
  close(): void;
}

async function open(t: Transport, domain: string, method: string, x: Extracted, framed: boolean): Promise<Session> {
  const messages = new AsyncQueue<Event>();
  const cleanups: (() => void)[] = [];
  const finishing: Promise<void>[] = [];
  let done = false, answered = false, req!: Req;
  const close = () => {
    if (done) return;
    done = true;
    for (const c of cleanups) c();
    // Answered: end the request so the connection is reused; else (a loop left early) drop it.
    if (!answered) req.destroy();
    else if (framed && !req.writableEnded) req.end();
    messages.end();
  };

  // A plain body is sent again when a kept-alive connection turned out closed
  // (Node's documented race); framed calls take a connection of their own.
  const start = async (): Promise<void> => {
    req = await t.request('POST', `${PREFIX}/${domain}/${method}`, { 'content-type': framed ? FRAMES_TYPE : 'application/json' }, framed);
    let responded = false;
    const r = req;
    r.on('error', (e: NodeJS.ErrnoException) => {
      if (!responded && !done && r.reusedSocket && e.code === 'ECONNRESET') { void start(); return; }
      if (!done) messages.push({ lost: e });
      messages.end();
    });
    r.on('response', (res: IncomingMessage) => { responded = true; receive(res); });
    if (!framed) r.end(stringify(x.args));
  };

  const receive = (res: IncomingMessage) => {
    const type = String(res.headers['content-type'] ?? '');
    if (type.startsWith(FRAMES_TYPE)) {
      const reader = new FrameReader();
      res.on('data', (c: Buffer) => {
        for (const f of reader.push(c)) {
          const out = x.outputs.get(f.id);
          if (f.type === MSG) messages.push(JSON.parse(f.payload.toString(), revive) as ServerMessage);
          else if (f.type === DATA) out?.write(Buffer.from(f.payload));
          else if (f.type === END && out) {
            finishing.push(new Promise((r) => { (out as NodeJS.WritableStream & { once(e: string, f: () => void): void }).once('finish', r); }));
            out.end();
          }
        }
      });
    } else if (type.startsWith('application/x-ndjson')) {
      const reader = new LineReader();
      res.setEncoding('utf8');
      res.on('data', (c: string) => { for (const m of reader.push(c)) messages.push(m as ServerMessage); });
    } else {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => { text += c; });
      res.on('end', () => {
        try {
          const body = JSON.parse(text, revive) as ServerMessage & { code?: string; message?: string };
          messages.push(res.statusCode === 200 ? body : { error: { code: body.code ?? 'ENGINE', message: body.message ?? text } });
        } catch {
          messages.push({ error: { code: 'ENGINE', message: `unexpected answer from ${t.url} (HTTP ${res.statusCode}): ${text.slice(0, 200)}` } });
        }
      });
    }
    res.on('end', () => { answered = true; messages.end(); });
    res.on('error', (e) => { if (!done) messages.push({ lost: e }); messages.end(); });
  };

  await start();
  // The caller's signal: for streams, the request goes away; for framed calls, the server aborts and still answers.
  for (const sig of x.signals) {
    const onAbort = () => (framed ? req.write(frame(MSG, 0, stringify({ abort: true }))) : req.destroy());
    if (sig.aborted) queueMicrotask(onAbort);
    else { sig.addEventListener('abort', onAbort, { once: true }); cleanups.push(() => sig.removeEventListener('abort', onAbort)); }
  }
  if (framed) {
    req.flushHeaders();
    req.write(frame(MSG, 0, stringify({ args: x.args })));
    for (const [id, input] of x.inputs) cleanups.push(pumpStream(req, id, input));
    for (const [id, it] of x.iters) cleanups.push(pumpIter(req, id, it));
  }
  return { messages, flushed: () => Promise.all(finishing).then(() => undefined), close };
}

/** Sends a readable's bytes as frames until it ends or the call is over (then it is paused, not consumed further). */
function pumpStream(req: Req, id: number, input: NodeJS.ReadableStream): () => void {
  const onData = (c: Buffer | string) => {
    if (!req.write(frame(DATA, id, typeof c === 'string' ? Buffer.from(c) : c))) {
      input.pause();
      req.once('drain', () => input.resume());
    }
  };
  const onEnd = () => { if (!req.writableEnded) req.write(frame(END, id)); };
  input.on('data', onData);
  input.on('end', onEnd);
  return () => {
    input.removeListener('data', onData);
    input.removeListener('end', onEnd);
    input.pause();
  };
}

/** Sends an iterable's values (bytes as data frames, anything else as JSON) until it ends or the call is over. */
function pumpIter(req: Req, id: number, it: AsyncIterable<unknown>): () => void {
  const iterator = it[Symbol.asyncIterator]();
  let stopped = false;
  void (async () => {
    try {
      for (let r = await iterator.next(); !r.done && !stopped; r = await iterator.next()) {
        if (req.writableEnded) return;
        req.write(r.value instanceof Uint8Array ? frame(DATA, id, r.value) : frame(MSG, 0, stringify({ iter: id, value: r.value })));
      }
      if (!stopped && !req.writableEnded) req.write(frame(MSG, 0, stringify({ iter: id, done: true })));
    } catch { /* the caller's source failed: the call goes on without it */ }
  })();
  return () => { stopped = true; void iterator.return?.(); };
}
