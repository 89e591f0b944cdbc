// Blob transfer for RegistryClient: verified download streams and
// monolithic or chunked uploads.
import type { Hash } from 'node:crypto';
import { HuskError, invalidArgument } from '../../common/errors.ts';
import { repoScope } from './challenge.ts';
import type { RegistryClient } from './client.ts';
import { httpError } from './errors.ts';
import { checkRepo, hasherFor, parseDigest } from './names.ts';
import { bodyError, drain, type Response } from './transport.ts';

export interface BlobStreamOptions {
  /**
   * Resume from this byte (Range request). Requires `hash`: the caller's
   * hash of bytes [0, offset), which the stream continues so the digest of
   * the whole blob can still be verified.
   */
  offset?: number;
  hash?: Hash;
  /** The blob's size from its descriptor: more or fewer bytes is an error. */
  size?: number;
}

export interface UploadOptions {
  chunked?: boolean;
  /** Bytes per PATCH when chunked; default 16 MiB. */
  chunkSize?: number;
}

const DEFAULT_CHUNK = 16 * 1024 * 1024;

export function checkRepoBlobArgs(repo: string, digest: string, opts: BlobStreamOptions): void {
  checkRepo(repo);
  parseDigest(digest);
  const offset = opts.offset ?? 0;
  if (!Number.isSafeInteger(offset) || offset < 0) throw invalidArgument(`invalid blob offset ${opts.offset}`);
  if (offset > 0 && !opts.hash) throw invalidArgument('resuming a blob download needs the hash of the bytes already received');
  if (opts.size !== undefined && (!Number.isSafeInteger(opts.size) || opts.size < 0 || offset > opts.size)) {
    throw invalidArgument(`invalid blob size ${opts.size}`);
  }
}

function mismatch(digest: string, what: string): HuskError {
  return new HuskError('DIGEST_MISMATCH', `blob ${digest}: ${what}`);
}

export async function* streamBlob(client: RegistryClient, repo: string, digest: string, opts: BlobStreamOptions): AsyncGenerator<Buffer> {
  const offset = opts.offset ?? 0;
  const context = `reading blob ${digest} from ${client.registry}/${repo}`;
  const res = await client.send(`/v2/${repo}/blobs/${digest}`, {
    method: 'GET', headers: offset ? { Range: `bytes=${offset}-` } : {}, scopes: [repoScope(repo, 'pull')], context, followRedirects: true,
  });
  if (res.status !== 200 && res.status !== 206) throw httpError(res.status, await drain(res), context, 'blob');
  let skip = 0;
  if (offset && res.status === 206) {
    const start = /^bytes (\d+)-/.exec(res.header('content-range') ?? '');
    if (!start || Number(start[1]) !== offset) {
      res.raw.destroy();
      throw new HuskError('REGISTRY', `${context}: the server answered a range request for byte ${offset} with "${res.header('content-range')}"`);
    }
  } else if (offset) {
    skip = offset; // the server ignored Range and sends it all: drop what the caller has
  }
  const declared = Number(res.header('content-length') ?? NaN);
  const hash = opts.hash ?? hasherFor(digest);
  let position = offset; // bytes of the blob accounted for, including the caller's prefix
  let received = 0; // bytes read off this response
  try {
    // body() closes the connection if this loop ends early (consumer
    // break, size overrun) or fails.
    for await (const chunk of res.body()) {
      received += chunk.length;
      let c = chunk;
      if (skip) {
        const n = Math.min(skip, c.length);
        skip -= n;
        c = c.subarray(n);
        if (!c.length) continue;
      }
      position += c.length;
      if (opts.size !== undefined && position > opts.size) throw mismatch(digest, `more data than the expected ${opts.size} bytes`);
      hash.update(c);
      yield c;
    }
  } catch (e) {
    if (e instanceof HuskError) throw e;
    throw client.fail(bodyError(e, 'reading the body'), context);
  }
  if (Number.isFinite(declared) && received !== declared) {
    throw new HuskError('REGISTRY', `${context}: connection closed after ${received} of ${declared} bytes`);
  }
  if (skip) throw new HuskError('REGISTRY', `${context}: the body ended before byte ${offset}`);
  if (opts.size !== undefined && position !== opts.size) throw mismatch(digest, `expected ${opts.size} bytes, got ${position}`);
  const got = `${parseDigest(digest).algorithm}:${hash.digest('hex')}`;
  if (got !== digest) throw mismatch(digest, `digest mismatch (content hashes to ${got})`);
}

/** Hashes and counts a source as it is consumed; enforces the declared size. */
class Meter {
  readonly hash: Hash;
  bytes = 0;
  private readonly digest: string;
  private readonly size: number | undefined;
  constructor(digest: string, size: number | undefined) {
    this.hash = hasherFor(digest);
    this.digest = digest;
    this.size = size;
  }

  async *wrap(source: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
    for await (const c of source) {
      this.bytes += c.length;
      if (this.size !== undefined && this.bytes > this.size) throw mismatch(this.digest, `source has more than the declared ${this.size} bytes`);
      this.hash.update(c);
      yield c;
    }
    this.check();
  }

  check(): void {
    if (this.size !== undefined && this.bytes !== this.size) throw mismatch(this.digest, `source has ${this.bytes} bytes, declared ${this.size}`);
  }

  verify(): void {
    const got = `${parseDigest(this.digest).algorithm}:${this.hash.digest('hex')}`;
    if (got !== this.digest) throw mismatch(this.digest, `content hashes to ${got}`);
  }
}

/** Regroups a stream into pieces of exactly `size` bytes (the last may be shorter). */
async function* rechunk(source: AsyncIterable<Buffer>, size: number): AsyncGenerator<Buffer> {
  let parts: Buffer[] = [];
  let have = 0;
  for await (let c of source) {
    while (have + c.length >= size) {
      const take = size - have;
      parts.push(c.subarray(0, take));
      yield Buffer.concat(parts);
      parts = [];
      have = 0;
      c = c.subarray(take);
    }
    if (c.length) {
      parts.push(c);
      have += c.length;
    }
  }
  if (have) yield Buffer.concat(parts);
}

/** The next upload URL from a response's Location header (relative to the request). */
function nextLocation(res: Response, current: URL): URL {
  const loc = res.header('location');
  return loc ? new URL(loc, res.url) : current;
}

function withDigest(url: URL, digest: string): URL {
  // Appended by hand: re-serialising through searchParams could re-encode
  // the registry's opaque upload state.
  const u = new URL(url);
  u.search = (u.search ? `${u.search}&` : '?') + `digest=${encodeURIComponent(digest)}`;
  return u;
}

async function* once(buf: Buffer): AsyncGenerator<Buffer> {
  yield buf;
}

export async function uploadBlob(
  client: RegistryClient, repo: string, digest: string, source: AsyncIterable<Buffer> | Buffer, size: number | undefined, opts: UploadOptions,
): Promise<string> {
  checkRepo(repo);
  parseDigest(digest);
  if (Buffer.isBuffer(source)) {
    if (size !== undefined && size !== source.length) throw invalidArgument(`blob ${digest}: size ${size} given for ${source.length} bytes`);
    size = source.length;
  }
  if (size !== undefined && (!Number.isSafeInteger(size) || size < 0)) throw invalidArgument(`invalid blob size ${size}`);
  const chunkSize = opts.chunkSize ?? DEFAULT_CHUNK;
  if (!Number.isSafeInteger(chunkSize) || chunkSize < 1) throw invalidArgument(`invalid chunk size ${opts.chunkSize}`);
  const context = `writing blob ${digest} to ${client.registry}/${repo}`;
  const scopes = [repoScope(repo, 'pull,push')];

  const start = await client.send(`/v2/${repo}/blobs/uploads/`, { method: 'POST', scopes, context });
  const startBody = await drain(start);
  if (start.status !== 202) throw httpError(start.status, startBody, `${context}: initiating upload`);
  let location = nextLocation(start, start.url);
  if (!start.header('location')) throw new HuskError('REGISTRY', `${context}: the registry started an upload without a Location`);

  const meter = new Meter(digest, size);
  const input = Buffer.isBuffer(source) ? once(source) : source;
  try {
    let final: Response;
    if (opts.chunked) {
      let offset = 0;
      for await (const chunk of rechunk(meter.wrap(input), chunkSize)) {
        const res = await client.send(location, {
          method: 'PATCH', scopes, context, body: chunk,
          headers: { 'Content-Type': 'application/octet-stream', 'Content-Range': `${offset}-${offset + chunk.length - 1}` },
        });
        const body = await drain(res);
        if (res.status !== 202) throw httpError(res.status, body, `${context}: uploading chunk at ${offset}`);
        offset += chunk.length;
        const range = /^(?:bytes=)?0-(\d+)$/.exec(res.header('range') ?? '');
        if (range && Number(range[1]) !== offset - 1) throw new HuskError('REGISTRY', `${context}: the registry has ${Number(range[1]) + 1} bytes after ${offset} were sent`);
        location = nextLocation(res, location);
      }
      meter.verify(); // before committing: a wrong digest is never finalised
      final = await client.send(withDigest(location, digest), { method: 'PUT', scopes, context });
    } else {
      const headers: Record<string, string> = { 'Content-Type': 'application/octet-stream' };
      if (size !== undefined) headers['Content-Length'] = String(size);
      // The registry verifies ?digest= against what it received; the meter
      // checks the source too (and stops a source longer than `size`).
      final = await client.send(withDigest(location, digest), { method: 'PUT', scopes, context, headers, body: Buffer.isBuffer(source) ? source : meter.wrap(input) });
      if (Buffer.isBuffer(source)) meter.hash.update(source);
      else meter.check();
      if (final.status === 201) meter.verify();
    }
    const body = await drain(final);
    if (final.status !== 201 && final.status !== 204) throw httpError(final.status, body, `${context}: completing upload`, 'blob');
    const claimed = final.header('docker-content-digest');
    if (claimed && claimed !== digest) throw mismatch(digest, `the registry stored it as ${claimed}`);
    return digest;
  } catch (e) {
    await client.cancelUpload(location, scopes, context);
    throw e;
  }
}
