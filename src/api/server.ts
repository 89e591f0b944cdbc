// The REST server (`husk system service`): node:http over a unix socket, a
// TCP port (optionally TLS) or a socket systemd passed us. It strips the API
// version prefix, routes through Router, turns every failure into a JSON
// error, and never lets one request take the process down. Handlers call
// the engine interface only.
import { chmodSync, mkdirSync, unlinkSync, lstatSync, readFileSync } from 'node:fs';
import { createServer as createHttpServer, ServerResponse, type IncomingMessage, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Socket } from 'node:net';
import { dirname } from 'node:path';
import type { Duplex } from 'node:stream';
import type { Engine } from '../engine/api.ts';
import { invalidArgument } from '../common/errors.ts';
import { errorBody } from './http.ts';
import { Router, type Route, type RouteContext } from './router.ts';
import { compatRoutes } from './compat/index.ts';
import { libpodRoutes } from './libpod/index.ts';

export interface ApiServerOptions {
  /** unix:///path or tcp://host:port (default: /run/husk/husk.sock as root). */
  uri?: string;
  /** Exit after this many idle seconds (no request in flight, no open stream); 0: never. */
  idleSeconds?: number;
  /** PEM paths; both needed for TLS on tcp://. */
  tlsCert?: string;
  tlsKey?: string;
  /** Client certificates signed by this CA are required. */
  tlsClientCa?: string;
  /** Serve this already-listening fd (systemd socket activation) instead of the URI. */
  listenFd?: number;
  /** More routes (husk's own RPC, libpod); matched before the Docker ones. */
  routes?: Route[];
  /** Warnings (TCP without TLS); default stderr. */
  warn?: (msg: string) => void;
  /** Called when the idle timer fires (the server is closed first). */
  onIdle?: () => void;
  /** `service --cors`: the Access-Control-Allow-Origin of every routed answer (with Podman's allowed headers and methods). */
  cors?: string;
}

export interface ApiServer {
  server: Server;
  /** Where it listens (unix path, host:port or fd:N). */
  address: string;
  close(): Promise<void>;
}

const extra: Route[] = [];
/** Routes other modules (src/api/husk, libpod) add to every server created afterwards. */
export function extraRoutes(routes: Route[]): void {
  extra.push(...routes);
}

export function defaultSocketPath(): string {
  if (process.getuid?.() === 0) return '/run/husk/husk.sock';
  return `${process.env.XDG_RUNTIME_DIR || `/run/user/${process.getuid?.()}`}/husk/husk.sock`;
}

/** Docker's /v1.41, and libpod's /v4.0.0/libpod (the /libpod part is kept for libpod routes). */
const VERSION_PREFIX = /^\/v(\d+\.\d+(?:\.\d+)?)(?=\/|$)/;

export async function createApiServer(engine: Engine, opts: ApiServerOptions = {}): Promise<ApiServer> {
  const router = new Router().add(opts.routes ?? []).add(extra).add(libpodRoutes).add(compatRoutes);
  const warn = opts.warn ?? ((m: string) => process.stderr.write(`${m}\n`));
  const uri = opts.uri || `unix://${defaultSocketPath()}`;
  const tcp = opts.listenFd === undefined && uri.startsWith('tcp://');
  const tls = tcp && opts.tlsCert && opts.tlsKey;
  if (tcp && !tls) warn(`WARNING: ${uri} is served without TLS: anyone who can reach it controls the host's containers as root`);
  const server: Server = tls
    ? createHttpsServer({
      cert: readFileSync(opts.tlsCert!), key: readFileSync(opts.tlsKey!),
      ...(opts.tlsClientCa ? { ca: readFileSync(opts.tlsClientCa), requestCert: true, rejectUnauthorized: true } : {}),
    })
    : createHttpServer();
  server.requestTimeout = 0; // streams (logs -f, events, attach) last as long as the client wants
  server.headersTimeout = 60_000;

  // Idle accounting: requests in flight and hijacked streams both count.
  let busy = 0;
  let idleTimer: NodeJS.Timeout | undefined;
  const idleMs = (opts.idleSeconds ?? 0) * 1000;
  const armIdle = () => {
    if (!idleMs || busy > 0) return;
    clearTimeout(idleTimer);
    idleTimer = setTimeout(() => { void close().then(() => opts.onIdle?.()); }, idleMs);
    idleTimer.unref?.();
  };
  const enter = () => { busy++; clearTimeout(idleTimer); };
  const leave = () => { busy--; armIdle(); };

  const dispatch = async (req: IncomingMessage, res: ServerResponse, upgrade?: { socket: Duplex; head: Buffer }) => {
    enter();
    const ac = new AbortController();
    const sock = upgrade?.socket ?? req.socket;
    const onClose = () => ac.abort(new Error('client disconnected'));
    sock.once('close', onClose);
    res.once('close', () => { if (!res.writableFinished) onClose(); });
    let ctx: RouteContext | undefined;
    try {
      const url = new URL(req.url ?? '/', 'http://husk');
      let path = url.pathname.replace(/\/{2,}/g, '/');
      let version = '';
      const m = VERSION_PREFIX.exec(path);
      if (m) { version = m[1]; path = path.slice(m[0].length) || '/'; }
      const found = router.match(req.method ?? 'GET', path);
      ctx = { engine, req, res, params: {}, query: url.searchParams, version, signal: ac.signal, upgrade };
      if ('allowed' in found) {
        // Docker's wording, which clients show as is.
        const status = found.allowed.length ? 405 : 404;
        const { body } = errorBody(new Error(found.allowed.length ? `method ${req.method} not allowed for ${path}` : `page not found`));
        return reply(res, status, body, req.method === 'HEAD');
      }
      ctx.params = found.params;
      if (opts.cors) {
        // Podman's APIHandler sets these on every routed answer (not on a 404 for an unknown path).
        res.setHeader('Access-Control-Allow-Origin', opts.cors);
        res.setHeader('Access-Control-Allow-Headers', 'Origin, X-Requested-With, Content-Type, Accept, X-Registry-Auth, Connection, Upgrade, X-Registry-Config');
        res.setHeader('Access-Control-Allow-Methods', 'HEAD, GET, POST, DELETE, PUT, OPTIONS');
      }
      await found.route.handler(ctx);
    } catch (e) {
      if (ctx?.hijacked) { (upgrade?.socket ?? req.socket).destroy(); return; }
      const { status, body } = errorBody(e instanceof URIError ? invalidArgument(e.message) : e);
      if (!res.headersSent && !res.destroyed) reply(res, status, body, req.method === 'HEAD');
      else res.destroy();
    } finally {
      sock.off('close', onClose);
      if (ctx?.hijacked) {
        const s = upgrade?.socket ?? req.socket;
        if (!s.destroyed) s.end();
      }
      leave();
    }
  };

  server.on('request', (req, res) => { void dispatch(req, res); });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    // A response bound to the raw socket, for errors before the handler hijacks it.
    const res = new ServerResponse(req);
    res.assignSocket(socket as Socket);
    res.shouldKeepAlive = false;
    socket.on('error', () => {});
    void dispatch(req, res, { socket, head });
  });
  server.on('clientError', (err, socket) => {
    if (socket.writable) socket.end(`HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n${JSON.stringify({ message: err.message })}\n`);
    else socket.destroy();
  });

  // Hijacked streams (attach, exec, websockets) leave node's connection list,
  // so closeAllConnections misses them; close() ends them too.
  const sockets = new Set<Duplex>();
  server.on('connection', (s: Socket) => { sockets.add(s); s.once('close', () => sockets.delete(s)); });

  const address = await listen(server, uri, opts.listenFd);
  // A server outlives its requests: it cleans up after the containers it starts (no husk process per exit).
  engine.monitorExits?.();
  armIdle();

  let closing: Promise<void> | undefined;
  function close(): Promise<void> {
    closing ??= new Promise<void>((resolve) => {
      clearTimeout(idleTimer);
      server.close(() => resolve());
      server.closeAllConnections?.();
      for (const s of sockets) s.destroy();
      if (address.startsWith('/')) try { unlinkSync(address); } catch {}
    });
    return closing;
  }
  return { server, address, close };
}

function reply(res: ServerResponse, status: number, body: unknown, head: boolean): void {
  const data = `${JSON.stringify(body)}\n`;
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(data) });
  res.end(head ? undefined : data);
}

async function listen(server: Server, uri: string, fd?: number): Promise<string> {
  const ready = (target: unknown) => new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(target as never, () => { server.off('error', reject); resolve(); });
  });
  if (fd !== undefined) {
    await ready({ fd });
    return `fd:${fd}`;
  }
  if (uri.startsWith('unix://')) {
    const path = uri.slice('unix://'.length);
    if (!path.startsWith('/')) throw invalidArgument(`unix socket path must be absolute: ${uri}`);
    mkdirSync(dirname(path), { recursive: true, mode: 0o755 });
    // A socket left by a server that died is replaced; any other file is not ours to delete.
    try {
      if (lstatSync(path).isSocket()) unlinkSync(path);
    } catch {}
    await ready(path);
    chmodSync(path, process.getuid?.() === 0 ? 0o660 : 0o600);
    return path;
  }
  if (uri.startsWith('tcp://')) {
    const u = new URL(uri.replace(/^tcp:/, 'http:'));
    if (!u.port) throw invalidArgument(`tcp URI needs a port: ${uri}`);
    await ready({ host: u.hostname.replace(/^\[|\]$/g, ''), port: Number(u.port) });
    const a = server.address();
    return a && typeof a === 'object' ? `${a.address}:${a.port}` : uri;
  }
  throw invalidArgument(`unsupported URI ${uri}: use unix://PATH or tcp://HOST:PORT`);
}

/** systemd socket activation: the fd to serve when LISTEN_FDS/LISTEN_PID name this process. */
export function activationFd(env: NodeJS.ProcessEnv = process.env): number | undefined {
  if (env.LISTEN_PID !== String(process.pid) || Number(env.LISTEN_FDS) < 1) return undefined;
  return 3;
}
