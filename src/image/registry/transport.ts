// HTTP(S) requests for the registry client, on node:http/node:https rather
// than the global fetch: per-client TLS settings (extra CAs, client
// certificates, skipping verification) need an Agent, which fetch (undici)
// only takes through a dispatcher Node does not export; and node:http gives
// the socket events a connect timeout needs. Bodies stream both ways.
// The idle timeout (no bytes from the server for idleMs) is a socket
// timeout until the headers arrive, then a per-read timer in body().
import { once } from 'node:events';
import * as http from 'node:http';
import * as https from 'node:https';
import { getCACertificates } from 'node:tls';

export interface TlsConfig {
  /** PEM CA certificates trusted in addition to (not instead of) Node's defaults. */
  ca?: string[];
  /** PEM client certificate and key (certs.d client.cert / client.key). */
  cert?: string;
  key?: string;
  /** false = tls-verify=false: accept any server certificate. */
  verify: boolean;
}

export interface Timeouts {
  /** From starting a request to the connection (and TLS handshake) being up. */
  connectMs: number;
  /** Longest silence on an open connection, waiting for headers or body bytes. */
  idleMs: number;
}

export type Body = Buffer | AsyncIterable<Buffer>;

export interface RequestInit {
  method: string;
  headers?: Record<string, string>;
  body?: Body;
  /** Follow 30x (GET/HEAD only). Authorization is dropped when the origin changes. */
  followRedirects?: boolean;
}

export interface Response {
  method: string;
  status: number;
  /** The URL that answered, after redirects. */
  url: URL;
  raw: http.IncomingMessage;
  /**
   * The body, chunk by chunk. The idle timeout counts only time spent
   * waiting for the server: a consumer that is slow between chunks (a
   * layer extraction writing a large file) does not trip it.
   */
  body(): AsyncGenerator<Buffer>;
  header(name: string): string | undefined;
  /** Every value of a header that may repeat (WWW-Authenticate). */
  headerValues(name: string): string[];
}

/** A network-level failure (no HTTP answer), kept apart from HTTP errors. */
export class TransportError extends Error {
  readonly kind: 'connect-timeout' | 'idle-timeout' | 'network';
  constructor(kind: TransportError['kind'], message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TransportError';
    this.kind = kind;
  }
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 10;

export class Transport {
  private readonly httpAgent: http.Agent;
  private readonly httpsAgent: https.Agent;
  readonly timeouts: Timeouts;

  constructor(tlsConfig: TlsConfig, timeouts: Timeouts) {
    this.timeouts = timeouts;
    this.httpAgent = new http.Agent({ keepAlive: true });
    this.httpsAgent = new https.Agent({
      keepAlive: true,
      rejectUnauthorized: tlsConfig.verify,
      // Passing `ca` replaces Node's trust store, so extend the default set
      // (which includes the system store under --use-system-ca).
      ca: tlsConfig.ca?.length ? [...getCACertificates('default'), ...tlsConfig.ca] : undefined,
      cert: tlsConfig.cert,
      key: tlsConfig.key,
    });
  }

  close(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }

  async request(url: URL, init: RequestInit): Promise<Response> {
    let current = url;
    const headers = { ...init.headers };
    for (let hops = 0; ; hops++) {
      const res = await this.once(current, init.method, headers, init.body);
      const location = res.header('location');
      if (!init.followRedirects || !REDIRECTS.has(res.status) || !location || (init.method !== 'GET' && init.method !== 'HEAD')) return res;
      res.raw.resume();
      if (hops >= MAX_REDIRECTS) throw new TransportError('network', `${init.method} "${url}": stopped after ${MAX_REDIRECTS} redirects`);
      const next = new URL(location, current);
      // Distribution redirects blobs to storage (S3, a CDN) that must not
      // see the registry's credentials.
      if (next.origin !== current.origin) {
        for (const k of Object.keys(headers)) if (k.toLowerCase() === 'authorization') delete headers[k];
      }
      current = next;
    }
  }

  private once(url: URL, method: string, headers: Record<string, string>, body: Body | undefined): Promise<Response> {
    const secure = url.protocol === 'https:';
    if (!secure && url.protocol !== 'http:') return Promise.reject(new TransportError('network', `unsupported URL scheme in "${url}"`));
    const hdrs: Record<string, string> = { 'User-Agent': 'husk', ...headers };
    if (Buffer.isBuffer(body)) hdrs['Content-Length'] = String(body.length);
    else if (!body && method !== 'GET' && method !== 'HEAD' && method !== 'DELETE') hdrs['Content-Length'] = '0';
    const { connectMs, idleMs } = this.timeouts;
    return new Promise<Response>((resolve, reject) => {
      const req = (secure ? https : http).request(url, { method, headers: hdrs, agent: secure ? this.httpsAgent : this.httpAgent });
      let response: http.IncomingMessage | undefined;
      const fail = (e: Error) => (response ? response.destroy(e) : req.destroy(e));
      const connectTimer = setTimeout(
        () => fail(new TransportError('connect-timeout', `${method} "${url}": no connection within ${connectMs / 1000} s`)),
        connectMs,
      );
      req.on('socket', (socket) => {
        if (!socket.connecting) clearTimeout(connectTimer); // a kept-alive connection
        else socket.once(secure ? 'secureConnect' : 'connect', () => clearTimeout(connectTimer));
      });
      // Silence while sending the body or waiting for the headers.
      req.setTimeout(idleMs, () => fail(new TransportError('idle-timeout', `${method} "${url}": no data received for ${idleMs / 1000} s`)));
      let sourceError: Error | undefined;
      req.on('error', (e) => {
        clearTimeout(connectTimer);
        // The caller's own body source failing is its error, passed through as is.
        if (e === sourceError || e instanceof TransportError) reject(e);
        else reject(new TransportError('network', `${method} "${url}": ${networkMessage(e)}`, { cause: e }));
      });
      req.on('response', (res) => {
        clearTimeout(connectTimer);
        // From here the idle timer runs per read in body(), so time the
        // consumer spends between chunks is not counted as silence.
        req.setTimeout(0);
        response = res;
        const what = `${method} "${url}"`;
        resolve({
          method,
          status: res.statusCode ?? 0,
          url,
          raw: res,
          body: () => readBody(res, idleMs, what),
          header: (name) => {
            const v = res.headers[name.toLowerCase()];
            return Array.isArray(v) ? v.join(', ') : v;
          },
          headerValues: (name) => res.headersDistinct[name.toLowerCase()] ?? [],
        });
      });
      if (!body || Buffer.isBuffer(body)) {
        req.end(body);
        return;
      }
      writeStream(req, body).catch((e) => {
        sourceError = e instanceof Error ? e : new Error(String(e));
        req.destroy(sourceError);
      });
    });
  }
}

/**
 * One line for a socket/TLS error. OpenSSL's messages carry source paths
 * and newlines, and Node's certificate hint names a Node flag; keep the
 * reason, worded like Go's crypto/tls (what Podman users see).
 */
function networkMessage(e: Error & { code?: string }): string {
  if (/^(?:CERT_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_|ERR_TLS_CERT_ALTNAME_INVALID)/.test(e.code ?? '')) {
    return `tls: failed to verify certificate: ${e.message.split(';')[0]}`;
  }
  const ssl = /error:[0-9A-F]+:SSL routines:[^:]*:([^:]+)/.exec(e.message);
  if (ssl) return `tls: ${ssl[1]}${ssl[1] === 'wrong version number' ? ' (the server does not speak TLS on this port)' : ''}`;
  return e.message.split('\n')[0].trim();
}

/** Writes an async source into a request with backpressure, then ends it. */
async function writeStream(req: http.ClientRequest, body: AsyncIterable<Buffer>): Promise<void> {
  for await (const chunk of body) {
    if (req.destroyed) return;
    if (!req.write(chunk)) await once(req, 'drain');
  }
  req.end();
}

async function* readBody(res: http.IncomingMessage, idleMs: number, what: string): AsyncGenerator<Buffer> {
  const it = (res as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
  let finished = false;
  try {
    for (;;) {
      let timer: NodeJS.Timeout | undefined;
      const silence = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new TransportError('idle-timeout', `${what}: no data received for ${idleMs / 1000} s`)), idleMs);
      });
      let r: IteratorResult<Buffer>;
      try {
        r = await Promise.race([it.next(), silence]);
      } finally {
        clearTimeout(timer);
      }
      if (r.done) {
        finished = true;
        return;
      }
      yield r.value;
    }
  } finally {
    if (!finished) res.destroy(); // stopped early, failed or timed out: drop the connection
  }
}

/** Maps a failure while reading a response body to a TransportError with context. */
export function bodyError(e: unknown, what: string): TransportError {
  if (e instanceof TransportError) return e;
  const msg = (e as Error)?.message ?? String(e);
  return new TransportError('network', `${what}: ${msg === 'aborted' ? 'connection closed before the body was complete' : msg}`, { cause: e });
}

/**
 * Reads a whole body of at most `limit` bytes. A larger declared length is
 * refused before reading anything; a body that grows past the limit is cut
 * off there (the connection is destroyed).
 */
export async function readLimited(res: Response, limit: number, what: string): Promise<Buffer> {
  if (res.method === 'HEAD' || res.status === 204 || res.status === 304) {
    // No body, whatever Content-Length says (a HEAD reports the blob's size).
    res.raw.resume();
    return Buffer.alloc(0);
  }
  const declared = Number(res.header('content-length') ?? NaN);
  if (declared > limit) {
    res.raw.destroy();
    throw new RangeError(`${what}: ${declared} bytes exceeds the ${limit}-byte limit`);
  }
  const parts: Buffer[] = [];
  let size = 0;
  try {
    for await (const c of res.body()) {
      size += c.length;
      if (size > limit) {
        throw new RangeError(`${what}: body exceeds the ${limit}-byte limit`);
      }
      parts.push(c);
    }
  } catch (e) {
    if (e instanceof RangeError) throw e;
    throw bodyError(e, what);
  }
  const buf = Buffer.concat(parts);
  if (Number.isFinite(declared) && buf.length !== declared) throw bodyError(new Error('aborted'), what);
  return buf;
}

/** Reads a small (error) body, giving up quietly past 64 KiB so the connection is not held. */
export async function drain(res: Response): Promise<Buffer> {
  try {
    return await readLimited(res, 64 * 1024, 'error body');
  } catch {
    return Buffer.alloc(0);
  }
}
