// libpod's secret endpoints (`podman --remote secret ...`): create takes the
// raw data as the body and name/driver/labels as query values; list,
// inspect (showsecret), exists and delete answer in Podman's shapes, which
// are the engine's (SecretInfoReport).
import { HuskError, invalidArgument } from '../../common/errors.ts';
import type { Route, RouteContext } from '../router.ts';
import { HttpError, errorBody, qBool, qFilters, sendJson, sendNoContent } from '../http.ts';
import { MAX_SECRET_SIZE } from '../../engine/secret/api.ts';

/** The raw body, refused above Podman's secret size limit. */
async function readRaw(ctx: RouteContext): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of ctx.req) {
    size += (c as Buffer).length;
    if (size > MAX_SECRET_SIZE) throw new HttpError(413, `secret data must be larger than 0 and less than ${MAX_SECRET_SIZE} bytes`);
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks);
}

/** A JSON object of strings in a query value (labels, driveropts), as the bindings send it. */
function qMap(ctx: RouteContext, name: string): Record<string, string> | undefined {
  const raw = ctx.query.get(name);
  if (!raw) return undefined;
  let v: unknown;
  try { v = JSON.parse(raw); } catch { throw invalidArgument(`invalid ${name}: ${raw}`); }
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw invalidArgument(`invalid ${name}: ${raw}`);
  return Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, String(x)]));
}

async function create(ctx: RouteContext): Promise<void> {
  const name = ctx.query.get('name');
  if (!name) throw invalidArgument('a secret name is required');
  const data = await readRaw(ctx);
  const { id } = await ctx.engine.secrets.create(name, {
    data: data.toString('base64'), driver: ctx.query.get('driver') || undefined, driverOptions: qMap(ctx, 'driveropts'),
    labels: qMap(ctx, 'labels'), replace: qBool(ctx.query, 'replace'), ignore: qBool(ctx.query, 'ignore'),
  });
  sendJson(ctx, 200, { ID: id });
}

async function list(ctx: RouteContext): Promise<void> {
  sendJson(ctx, 200, await ctx.engine.secrets.list({ filters: qFilters(ctx.query) }));
}

async function inspect(ctx: RouteContext): Promise<void> {
  sendJson(ctx, 200, await ctx.engine.secrets.inspect(ctx.params.name, { showSecret: qBool(ctx.query, 'showsecret') }));
}

async function exists(ctx: RouteContext): Promise<void> {
  if (!(await ctx.engine.secrets.exists(ctx.params.name))) throw new HttpError(404, `no secret with name or id ${JSON.stringify(ctx.params.name)}: no such secret`);
  sendNoContent(ctx);
}

async function remove(ctx: RouteContext): Promise<void> {
  const all = qBool(ctx.query, 'all');
  const [r] = await ctx.engine.secrets.remove(all ? [] : [ctx.params.name], { all });
  if (r?.error) throw HuskError.from(r.error);
  sendNoContent(ctx);
}

/**
 * Errors in libpod's model ({cause, message, response}): podman-remote reads
 * the status from `response` to tell "no such secret" (404) from a failure.
 */
function podmanErrors(h: (ctx: RouteContext) => Promise<void>): (ctx: RouteContext) => Promise<void> {
  return async (ctx) => {
    try {
      await h(ctx);
    } catch (e) {
      if (ctx.res.headersSent) throw e;
      const { status, body } = errorBody(e);
      const cause = body.message.includes(': ') ? body.message.slice(body.message.lastIndexOf(': ') + 2) : body.message;
      sendJson(ctx, status, { cause, message: body.message, response: status, ...(body.code ? { code: body.code } : {}) });
    }
  };
}

export const libpodSecretRoutes: Route[] = [
  { method: 'POST', path: '/libpod/secrets/create', handler: podmanErrors(create) },
  { method: 'GET', path: '/libpod/secrets/json', handler: podmanErrors(list) },
  { method: 'GET', path: '/libpod/secrets/:name/json', handler: podmanErrors(inspect) },
  { method: 'GET', path: '/libpod/secrets/:name/exists', handler: podmanErrors(exists) },
  { method: 'DELETE', path: '/libpod/secrets/:name', handler: podmanErrors(remove) },
];
