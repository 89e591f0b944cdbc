// Docker's image endpoints: list, inspect, history, tag, delete, prune,
// create (pull, with Docker's JSON progress stream; fromSrc import), push
// (X-Registry-Auth), get/load (docker-archive tarballs).
import type { ImageRecord } from '../../engine/image/api.ts';
import { HuskError, invalidArgument } from '../../common/errors.ts';
import type { Route, RouteContext } from '../router.ts';
import { errorBody, qBool, qFilters, sendJson } from '../http.ts';

const unix = (iso: string | undefined) => (iso ? Math.floor(new Date(iso).getTime() / 1000) : 0);

async function list(ctx: RouteContext): Promise<void> {
  const f = qFilters(ctx.query);
  const images = await ctx.engine.images.list({ all: qBool(ctx.query, 'all'), filters: f });
  sendJson(ctx, 200, images.map((i) => ({
    Id: `sha256:${i.Id}`, ParentId: '', RepoTags: i.RepoTags.length ? i.RepoTags : null, RepoDigests: i.RepoDigests,
    Created: unix(i.Created), Size: i.Size, SharedSize: -1, VirtualSize: i.Size, Labels: i.Labels ?? {}, Containers: i.Containers,
  })));
}

/** Docker's image inspect document from the stored record. */
function inspectDoc(img: ImageRecord, driver: string): Record<string, unknown> {
  const c = img.config.config ?? {};
  const repo = (n: string) => n.replace(/(:[^/:]+)?$/, '');
  const config = {
    Hostname: '', Domainname: '', User: c.User ?? '', AttachStdin: false, AttachStdout: false, AttachStderr: false,
    ExposedPorts: c.ExposedPorts ?? null, Tty: false, OpenStdin: false, StdinOnce: false, Env: c.Env ?? null, Cmd: c.Cmd ?? null,
    Image: '', Volumes: c.Volumes ?? null, WorkingDir: c.WorkingDir ?? '', Entrypoint: c.Entrypoint ?? null, OnBuild: null,
    Labels: c.Labels ?? null, StopSignal: c.StopSignal,
  };
  return {
    Id: `sha256:${img.id}`, RepoTags: img.names, RepoDigests: [...new Set(img.names.map((n) => `${repo(n)}@${img.digest}`))],
    Parent: '', Comment: img.config.history?.at(-1)?.comment ?? '', Created: img.config.created ?? img.created,
    DockerVersion: '', Author: img.config.author ?? '',
    // ContainerConfig was dropped in API 1.45, but docker-compose v1 reads it when it recreates a container.
    Config: config, Container: '', ContainerConfig: config,
    Architecture: img.config.architecture, Os: img.config.os, ...(img.config.variant ? { Variant: img.config.variant } : {}),
    Size: img.size, VirtualSize: img.size, GraphDriver: { Name: driver, Data: null },
    RootFS: { Type: 'layers', Layers: img.config.rootfs.diff_ids }, Metadata: { LastTagTime: '0001-01-01T00:00:00Z' },
  };
}

async function inspect(ctx: RouteContext): Promise<void> {
  const [img, store] = await Promise.all([ctx.engine.images.get(ctx.params.name), ctx.engine.system.storePaths()]);
  sendJson(ctx, 200, inspectDoc(img, store.graphDriver));
}

async function history(ctx: RouteContext): Promise<void> {
  const rows = await ctx.engine.images.history(ctx.params.name);
  sendJson(ctx, 200, rows.map((r) => ({
    Id: r.id === '<missing>' ? '<missing>' : `sha256:${r.id}`, Created: unix(r.created), CreatedBy: r.createdBy, Tags: r.tags.length ? r.tags : null, Size: r.size, Comment: r.comment,
  })));
}

async function tag(ctx: RouteContext): Promise<void> {
  const repo = ctx.query.get('repo');
  if (!repo) throw invalidArgument('repo is required');
  const t = ctx.query.get('tag');
  await ctx.engine.images.tag(ctx.params.name, [t ? `${repo}:${t}` : repo]);
  sendJson(ctx, 201, undefined);
}

async function remove(ctx: RouteContext): Promise<void> {
  const [r] = await ctx.engine.images.remove([ctx.params.name], { force: qBool(ctx.query, 'force'), noPrune: qBool(ctx.query, 'noprune') });
  if (r?.error) throw HuskError.from(r.error);
  const deleted = [...(r?.deleted ? [r.deleted] : []), ...(r?.pruned ?? [])];
  sendJson(ctx, 200, [...(r?.untagged ?? []).map((u) => ({ Untagged: u })), ...deleted.map((d) => ({ Deleted: `sha256:${d}` }))]);
}

async function prune(ctx: RouteContext): Promise<void> {
  const f = qFilters(ctx.query);
  const all = f?.dangling?.[0] === 'false' || f?.dangling?.[0] === '0';
  if (f) delete f.dangling;
  const reports = await ctx.engine.images.prune({ all, filters: f });
  const ok = reports.filter((r) => !r.error);
  sendJson(ctx, 200, { ImagesDeleted: ok.map((r) => ({ Deleted: `sha256:${r.id}` })), SpaceReclaimed: ok.reduce((n, r) => n + (r.size ?? 0), 0) });
}

/** A JSON message stream (pull, push, load): headers now, one object per line, errors as Docker's errorDetail. */
async function jsonStream(ctx: RouteContext, work: (send: (o: unknown) => void) => Promise<void>): Promise<void> {
  ctx.res.writeHead(200, { 'Content-Type': 'application/json' });
  ctx.res.flushHeaders();
  const send = (o: unknown) => { if (!ctx.res.destroyed) ctx.res.write(`${JSON.stringify(o)}\n`); };
  try {
    await work(send);
  } catch (e) {
    const { body } = errorBody(e);
    send({ errorDetail: { message: body.message }, error: body.message });
  }
  ctx.res.end();
}

/** X-Registry-Auth: base64url JSON {username, password, serveraddress} as USER:PASSWORD. */
export function registryCreds(ctx: RouteContext): string | undefined {
  const h = ctx.req.headers['x-registry-auth'];
  if (!h || Array.isArray(h)) return undefined;
  try {
    const a = JSON.parse(Buffer.from(h.replace(/-/g, '+').replace(/_/g, '/'), 'base64').toString('utf8')) as { username?: string; password?: string };
    return a.username ? `${a.username}:${a.password ?? ''}` : undefined;
  } catch {
    return undefined;
  }
}

async function create(ctx: RouteContext): Promise<void> {
  const q = ctx.query;
  const from = q.get('fromImage');
  const src = q.get('fromSrc');
  if (src) {
    if (src !== '-') throw invalidArgument('fromSrc: only "-" (the request body) is supported');
    const repo = q.get('repo');
    const t = q.get('tag');
    return jsonStream(ctx, async (send) => {
      const img = await ctx.engine.images.import(ctx.req, { reference: repo ? (t ? `${repo}:${t}` : repo) : undefined, changes: q.getAll('changes'), message: q.get('message') ?? undefined });
      send({ status: `sha256:${img.id}` });
    });
  }
  if (!from) throw invalidArgument('fromImage or fromSrc is required');
  const t = q.get('tag');
  const ref = t && !from.includes('@') ? (t.startsWith('sha256:') ? `${from}@${t}` : `${from}:${t}`) : from;
  const platform = q.get('platform')?.split('/');
  await jsonStream(ctx, async (send) => {
    const imgs = await ctx.engine.images.pull(ref, {
      creds: registryCreds(ctx), allTags: false,
      platform: platform ? { os: platform[0], arch: platform[1], variant: platform[2] } : undefined,
      onMessage: (line) => send({ status: line.trim() }),
      onProgress: (p) => {
        const id = p.digest.replace(/^sha256:/, '').slice(0, 12);
        if (p.kind === 'skip') send({ status: 'Already exists', progressDetail: {}, id });
        else if (p.kind === 'blob') send({ status: 'Downloading', progressDetail: { current: p.bytes ?? 0, total: p.size ?? 0 }, id });
        else if (p.kind === 'done') send({ status: 'Pull complete', progressDetail: {}, id });
      },
    });
    for (const img of imgs) send({ status: `Digest: ${img.digest}` });
    send({ status: `Status: Downloaded newer image for ${ref}` });
  });
}

async function push(ctx: RouteContext): Promise<void> {
  const t = ctx.query.get('tag');
  const ref = t ? `${ctx.params.name}:${t}` : ctx.params.name;
  await ctx.engine.images.get(ref);
  await jsonStream(ctx, async (send) => {
    send({ status: `The push refers to repository [${ctx.params.name}]` });
    const digest = await ctx.engine.images.push(ref, undefined, {
      creds: registryCreds(ctx),
      onProgress: (p) => {
        if (p.config) return; // Docker's stream has no line for the config
        const id = p.digest.replace(/^sha256:/, '').slice(0, 12);
        if (p.kind === 'exists') send({ status: 'Layer already exists', progressDetail: {}, id });
        else if (p.kind === 'mounted') send({ status: 'Mounted from another repository', progressDetail: {}, id });
        else if (p.kind === 'upload') send({ status: 'Pushed', progressDetail: {}, id });
      },
    });
    send({ status: `${t || 'latest'}: digest: ${digest}` });
    send({ progressDetail: {}, aux: { Tag: t || 'latest', Digest: digest } });
  });
}

async function save(ctx: RouteContext): Promise<void> {
  const names = ctx.params.name ? [ctx.params.name] : ctx.query.getAll('names');
  if (!names.length) throw invalidArgument('no image names given');
  for (const n of names) await ctx.engine.images.get(n);
  ctx.res.writeHead(200, { 'Content-Type': 'application/x-tar' });
  await ctx.engine.images.save(names, ctx.res, { format: 'docker-archive' });
  ctx.res.end();
}

async function load(ctx: RouteContext): Promise<void> {
  await jsonStream(ctx, async (send) => {
    const imgs = await ctx.engine.images.load(ctx.req);
    for (const i of imgs) send({ stream: `Loaded image: ${i.names[0] ?? `sha256:${i.id}`}\n` });
  });
}

export const imageRoutes: Route[] = [
  { method: 'GET', path: '/images/json', handler: list },
  { method: 'POST', path: '/images/create', handler: create },
  { method: 'POST', path: '/images/prune', handler: prune },
  { method: 'POST', path: '/images/load', handler: load },
  { method: 'GET', path: '/images/get', handler: save },
  { method: 'GET', path: '/images/:name*/json', handler: inspect },
  { method: 'GET', path: '/images/:name*/history', handler: history },
  { method: 'GET', path: '/images/:name*/get', handler: save },
  { method: 'POST', path: '/images/:name*/tag', handler: tag },
  { method: 'POST', path: '/images/:name*/push', handler: push },
  { method: 'DELETE', path: '/images/:name*', handler: remove },
];
