// The REST server's routing table: METHOD + a path pattern with :params.
// Route modules (Docker compat, libpod, husk's own RPC) each export a list
// of routes; the server strips the API version prefix (/v1.41, /v4.0.0)
// before matching. Handlers own the response, including hijacked streams.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Engine } from '../engine/api.ts';

export interface RouteContext {
  engine: Engine;
  req: IncomingMessage;
  res: ServerResponse;
  /** :params of the pattern, URI-decoded. */
  params: Record<string, string>;
  /** The query string. */
  query: URLSearchParams;
  /** The API version the client asked for ('' when unversioned). */
  version: string;
  /** Aborted when the client goes away: pass it to every stream the handler reads. */
  signal: AbortSignal;
  /** Set when the client sent `Upgrade:` (attach, exec start): the raw socket and bytes read past the head. */
  upgrade?: { socket: Duplex; head: Buffer };
  /** Set by a handler that took over the connection (see api/http.ts hijack). */
  hijacked?: boolean;
}

export interface Route {
  method: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'DELETE';
  /** e.g. /containers/:id/json */
  path: string;
  handler: (ctx: RouteContext) => Promise<void> | void;
}

interface Compiled { route: Route; re: RegExp; names: string[] }

export class Router {
  #routes: Compiled[] = [];

  add(routes: Route[]): this {
    for (const route of routes) {
      const names: string[] = [];
      // A trailing :name* matches the rest of the path (archive paths, image names with slashes).
      const src = route.path.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/:(\w+)(\*)?/g, (_m, n: string, star?: string) => {
        names.push(n);
        return star ? '(.+)' : '([^/]+)';
      });
      this.#routes.push({ route, re: new RegExp(`^${src}/?$`), names });
    }
    return this;
  }

  /** The route for METHOD PATH (HEAD falls back to GET), or whether the path exists under another method. */
  match(method: string, path: string): { route: Route; params: Record<string, string> } | { allowed: string[] } {
    const allowed: string[] = [];
    for (const m of [method, ...(method === 'HEAD' ? ['GET'] : [])]) {
      for (const c of this.#routes) {
        const hit = c.re.exec(path);
        if (!hit) continue;
        if (c.route.method !== m) { allowed.push(c.route.method); continue; }
        const params: Record<string, string> = {};
        c.names.forEach((n, i) => { params[n] = decodeURIComponent(hit[i + 1]); });
        return { route: c.route, params };
      }
    }
    return { allowed };
  }
}
