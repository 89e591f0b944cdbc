// A minimal in-process REST server for tests: huskRoutes() on a Router over
// node:http on a unix socket, with the RouteContext the real `husk system
// service` gives (the signal aborts when the client goes away).
import { createServer, type Server } from 'node:http';
import { rmSync } from 'node:fs';
import type { Engine } from '../../src/engine/api.ts';
import { Router } from '../../src/api/router.ts';
import { huskRoutes } from '../../src/api/husk/index.ts';

export interface RunningServer {
  socket: string;
  url: string;
  close(): Promise<void>;
}

export async function serveHusk(engine: Engine, socket: string): Promise<RunningServer> {
  const router = new Router().add(huskRoutes());
  // No request timeout: framed calls (attach, exec) keep their request body open for the session.
  const server: Server = createServer({ requestTimeout: 0 }, (req, res) => {
    const url = new URL(req.url ?? '/', 'http://husk');
    const hit = router.match(req.method ?? 'GET', url.pathname);
    if (!('route' in hit)) {
      res.writeHead(hit.allowed.length ? 405 : 404, { 'content-type': 'application/json' }).end(JSON.stringify({ code: 'INVALID_ARGUMENT', message: `no route ${req.method} ${url.pathname}` }));
      return;
    }
    const ac = new AbortController();
    res.on('close', () => { if (!res.writableFinished) ac.abort(); });
    Promise.resolve(hit.route.handler({ engine, req, res, params: hit.params, query: url.searchParams, version: '', signal: ac.signal }))
      .catch((e: Error) => { if (!res.headersSent) res.writeHead(500).end(e.message); else res.destroy(); });
  });
  rmSync(socket, { force: true });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(socket, resolve));
  return {
    socket,
    url: `unix://${socket}`,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
