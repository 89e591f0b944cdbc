// What crosses husk's RPC besides JSON: values that JSON cannot carry are
// replaced by tagged placeholders ({"$husk": KIND, id}) on the way out and
// rebuilt on the other side (a Date as a Date, a callback as a function that
// sends a message back, a stream as a stream fed by frames). Both ends share
// this file so the encoding has one definition.

/** Placeholder kinds: date, fn (callback), signal (AbortSignal), in (byte source), iter (value source), out (byte sink). */
export type Tag =
  | { $husk: 'date'; iso: string }
  | { $husk: 'fn' | 'in' | 'iter' | 'out'; id: number }
  | { $husk: 'signal' };

/** Messages from the server: a callback's call, an iterable's item, the result, the error. */
export type ServerMessage =
  | { callback: number; args: unknown[] }
  | { item: unknown }
  | { result?: unknown }
  | { error: { code: string; message: string } };

/** Messages from the client in a framed call: the arguments first, then value-iterable items. */
export type ClientMessage = { args: unknown[] } | { abort: true } | { iter: number; value?: unknown; done?: boolean };

export const FRAMES_TYPE = 'application/x-husk-frames';
export const NDJSON_TYPE = 'application/x-ndjson';

/** Frame types of the framed (duplex) transport: a JSON message, a chunk of stream ID's bytes, stream ID's end. */
export const MSG = 0, DATA = 1, END = 2;

export function frame(type: number, id: number, payload: Uint8Array | string = Buffer.alloc(0)): Buffer {
  const body = typeof payload === 'string' ? Buffer.from(payload) : payload;
  const head = Buffer.alloc(9);
  head.writeUInt8(type, 0);
  head.writeUInt32BE(id, 1);
  head.writeUInt32BE(body.length, 5);
  return Buffer.concat([head, body]);
}

/** Splits a byte stream into frames; `push` returns the complete frames seen so far. */
export class FrameReader {
  #buf: Buffer = Buffer.alloc(0);
  push(chunk: Buffer): { type: number; id: number; payload: Buffer }[] {
    this.#buf = this.#buf.length ? Buffer.concat([this.#buf, chunk]) : chunk;
    const out: { type: number; id: number; payload: Buffer }[] = [];
    while (this.#buf.length >= 9) {
      const len = this.#buf.readUInt32BE(5);
      if (this.#buf.length < 9 + len) break;
      out.push({ type: this.#buf[0], id: this.#buf.readUInt32BE(1), payload: this.#buf.subarray(9, 9 + len) });
      this.#buf = this.#buf.subarray(9 + len);
    }
    return out;
  }
}

/** Splits NDJSON into parsed lines. */
export class LineReader {
  #rest = '';
  push(chunk: string): unknown[] {
    const lines = (this.#rest + chunk).split('\n');
    this.#rest = lines.pop()!;
    return lines.filter((l) => l.trim()).map((l) => JSON.parse(l, revive));
  }
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;
export const isReadable = (v: unknown): v is NodeJS.ReadableStream => isObj(v) && typeof v.pipe === 'function' && typeof v.read === 'function';
export const isWritable = (v: unknown): v is NodeJS.WritableStream => isObj(v) && typeof v.write === 'function' && typeof v.end === 'function';
export const isAsyncIterable = (v: unknown): v is AsyncIterable<unknown> => isObj(v) && typeof (v as Record<symbol, unknown>)[Symbol.asyncIterator] === 'function';
export const isSignal = (v: unknown): v is AbortSignal => isObj(v) && typeof v.aborted === 'boolean' && typeof v.addEventListener === 'function';

/** JSON with Dates kept (results are plain data; Dates in arguments such as `since` are not). */
export function stringify(v: unknown): string {
  return JSON.stringify(v, function (this: Record<string, unknown>, k, val) {
    const orig = this[k];
    return orig instanceof Date ? { $husk: 'date', iso: orig.toISOString() } : val;
  });
}

export function revive(_k: string, v: unknown): unknown {
  return isObj(v) && v.$husk === 'date' ? new Date(v.iso as string) : v;
}

/** Streams, callbacks and signals found in a call's arguments, by placeholder ID. */
export interface Extracted {
  args: unknown[];
  fns: Map<number, (...a: unknown[]) => unknown>;
  inputs: Map<number, NodeJS.ReadableStream>;
  iters: Map<number, AsyncIterable<unknown>>;
  outputs: Map<number, NodeJS.WritableStream>;
  signals: AbortSignal[];
}

/**
 * Replaces what JSON cannot carry by placeholders. A Duplex (a PassThrough
 * given as `save`'s destination or `load`'s source) is ambiguous; `outAt`
 * names the argument positions that are sinks, and under SessionIO's keys
 * stdout/stderr are sinks; any other stream is a source.
 */
export function extract(args: unknown[], outAt: ReadonlySet<number> = new Set()): Extracted {
  const x: Extracted = { args: [], fns: new Map(), inputs: new Map(), iters: new Map(), outputs: new Map(), signals: [] };
  let next = 1;
  const walk = (v: unknown, sink: boolean): unknown => {
    if (typeof v === 'function') { x.fns.set(next, v as (...a: unknown[]) => unknown); return { $husk: 'fn', id: next++ }; }
    if (!isObj(v) || v instanceof Date) return v;
    if (isSignal(v)) { x.signals.push(v); return { $husk: 'signal' }; }
    const readable = isReadable(v), writable = isWritable(v);
    if (writable && (sink || !readable)) { x.outputs.set(next, v); return { $husk: 'out', id: next++ }; }
    // An object-mode stream carries values (resize sizes), not bytes.
    if (readable && !(v as { readableObjectMode?: boolean }).readableObjectMode) { x.inputs.set(next, v); return { $husk: 'in', id: next++ }; }
    if (isAsyncIterable(v)) { x.iters.set(next, v); return { $husk: 'iter', id: next++ }; }
    if (Array.isArray(v)) return v.map((e) => walk(e, false));
    const o: Record<string, unknown> = {};
    for (const [k, e] of Object.entries(v)) if (e !== undefined) o[k] = walk(e, k === 'stdout' || k === 'stderr');
    return o;
  };
  x.args = args.map((a, i) => walk(a, outAt.has(i)));
  return x;
}

/** Whether a call needs the framed transport (it passes streams). */
export const needsFrames = (x: Extracted): boolean => x.inputs.size + x.iters.size + x.outputs.size > 0;

/** Rebuilds placeholders on the server with the given factories. */
export function inject(v: unknown, make: (t: Tag) => unknown): unknown {
  if (Array.isArray(v)) return v.map((e) => inject(e, make));
  if (!isObj(v) || v instanceof Date) return v;
  if (typeof v.$husk === 'string') return make(v as Tag);
  const o: Record<string, unknown> = {};
  for (const [k, e] of Object.entries(v)) o[k] = inject(e, make);
  return o;
}
