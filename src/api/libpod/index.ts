// Podman's libpod API (`/vX.Y.Z/libpod/...`; the server strips the version,
// any is accepted) for what podman-remote 4 and 5 need for ps, run, images,
// pull and pods: system (_ping with Libpod-API-Version, version, info),
// containers (containers.ts), images and pods here. Handlers call the engine
// interface; where libpod's wire format is Docker's, the compat handler serves.
import { HuskError, invalidArgument } from '../../common/errors.ts';
import type { Pod } from '../../engine/pod/api.ts';
import type { Route, RouteContext } from '../router.ts';
import { answerCreated, errorBody, qBool, qFilters, qInt, qTime, readJson, sendJson, sendNoContent } from '../http.ts';
import { eventToDocker } from '../compat/system.ts';
import { compatRoutes } from '../compat/index.ts';
import { libpodContainerRoutes } from './containers.ts';
import { POD_SPECGEN_KEYS, podFromSpecGenerator } from '../../specgen/libpod-pod.ts';
import { checkShape } from '../shape.ts';
import { libpodSecretRoutes } from './secrets.ts';
import { libpodResourceRoutes } from './resources.ts';
import { libpodKubeRoutes } from './kube.ts';
import { libpodBuild } from '../compat/build.ts';
import { registryCreds } from '../compat/images.ts';
import { pushLine } from '../../common/pushline.ts';

/* eslint-disable @typescript-eslint/no-explicit-any */
type Json = Record<string, any>;

/** The libpod API version served: podman-remote requires at least its minimal one (4.0.0). */
export const LIBPOD_API_VERSION = '4.3.1';

async function ping(ctx: RouteContext): Promise<void> {
  ctx.res.setHeader('Libpod-API-Version', LIBPOD_API_VERSION);
  ctx.res.setHeader('Libpod-Buildah-Version', '');
  return compatRoutes.find((r) => r.method === 'GET' && r.path === '/_ping')!.handler(ctx);
}

async function info(ctx: RouteContext): Promise<void> {
  sendJson(ctx, 200, await ctx.engine.system.info());
}

async function version(ctx: RouteContext): Promise<void> {
  const v = await ctx.engine.system.version();
  const details = { APIVersion: LIBPOD_API_VERSION, MinAPIVersion: '4.0.0', Os: 'linux', Arch: process.arch === 'x64' ? 'amd64' : process.arch, GoVersion: process.version, GitCommit: '', BuildTime: '', KernelVersion: '', Experimental: 'false' };
  sendJson(ctx, 200, {
    Platform: { Name: 'linux/husk' },
    Components: [{ Name: 'Podman Engine', Version: LIBPOD_API_VERSION, Details: details }],
    Version: LIBPOD_API_VERSION, ApiVersion: LIBPOD_API_VERSION, MinAPIVersion: '4.0.0', Os: 'linux', Arch: details.Arch, GoVersion: process.version, HuskVersion: v.Version,
  });
}

const unix = (iso: string | undefined) => (iso ? Math.floor(new Date(iso).getTime() / 1000) : 0);

async function imageList(ctx: RouteContext): Promise<void> {
  const images = await ctx.engine.images.list({ all: qBool(ctx.query, 'all'), filters: qFilters(ctx.query) });
  sendJson(ctx, 200, images.map((i) => ({
    Id: i.Id, ParentId: '', RepoTags: i.RepoTags, RepoDigests: i.RepoDigests, Created: unix(i.Created), Size: i.Size, SharedSize: 0,
    VirtualSize: i.Size, Labels: i.Labels ?? {}, Containers: i.Containers, ReadOnly: false, Dangling: i.Dangling, Names: i.RepoTags, Digest: i.Digest, History: i.History ?? [],
  })));
}

async function imageExists(ctx: RouteContext): Promise<void> {
  if (!(await ctx.engine.images.exists(ctx.params.name))) throw new HuskError('NO_SUCH_IMAGE', `${ctx.params.name}: image not known`);
  sendNoContent(ctx);
}

async function imageInspect(ctx: RouteContext): Promise<void> {
  sendJson(ctx, 200, await ctx.engine.images.inspect(ctx.params.name));
}

/** libpod's pull stream: {"stream"} lines, then {"images": [IDs], "id"}; a failure as {"error"}. */
async function imagePull(ctx: RouteContext): Promise<void> {
  const ref = ctx.query.get('reference');
  if (!ref) throw invalidArgument('reference is required');
  const policy = ctx.query.get('policy') || 'always';
  if (!['always', 'missing', 'never', 'newer'].includes(policy)) throw invalidArgument(`invalid pull policy ${policy}`);
  ctx.res.writeHead(200, { 'Content-Type': 'application/json' });
  ctx.res.flushHeaders();
  const send = (o: unknown) => { if (!ctx.res.destroyed) ctx.res.write(`${JSON.stringify(o)}\n`); };
  try {
    let ids: string[];
    if (policy !== 'always' && (await ctx.engine.images.exists(ref))) ids = [(await ctx.engine.images.get(ref)).id];
    else if (policy === 'never') throw new HuskError('NO_SUCH_IMAGE', `${ref}: image not known`);
    else {
      const quiet = qBool(ctx.query, 'quiet');
      const imgs = await ctx.engine.images.pull(ref, { allTags: qBool(ctx.query, 'allTags'), onMessage: (l) => { if (!quiet) send({ stream: l.endsWith('\n') ? l : `${l}\n` }); } });
      ids = imgs.map((i) => i.id);
    }
    send({ images: ids, id: ids[0] ?? '' });
  } catch (e) {
    send({ error: errorBody(e).body.message });
  }
  ctx.res.end();
}

/** One entry of `GET /libpod/pods/json` (entities.ListPodsReport). */
function podToLibpod(p: Pod): Json {
  const infra = p.containers.find((c) => c.isInfra);
  return {
    Cgroup: '', Containers: p.containers.map((c) => ({ Id: c.id, Names: c.name, Status: c.status === 'stopped' ? 'exited' : c.status, RestartCount: c.restartCount })),
    Created: p.config.created, Id: p.config.id, InfraId: infra?.id ?? '', Name: p.config.name, Namespace: '', Networks: p.networks, Status: p.status, Labels: p.config.labels ?? {},
  };
}

/**
 * podman-remote's push: `{"stream"}` lines as Podman's push prints them,
 * a failure as `{"error"}` (quiet=true: an empty 200, or the error's
 * status). Credentials from X-Registry-Auth or the username/password query;
 * the `authfile` query names a file on the client's machine and is ignored.
 */
async function imagePush(ctx: RouteContext): Promise<void> {
  const q = ctx.query;
  const source = ctx.params.name;
  await ctx.engine.images.get(source);
  const destination = q.get('destination') || undefined;
  const user = q.get('username');
  const creds = registryCreds(ctx) ?? (user ? `${user}:${q.get('password') ?? ''}` : undefined);
  const compression = q.get('compressionFormat') || q.get('compressionformat') || undefined;
  if (compression && compression !== 'gzip' && compression !== 'zstd') throw invalidArgument(`unsupported compression format ${compression}: gzip or zstd`);
  const quiet = qBool(q, 'quiet', true);
  const lines: string[] = [];
  let said = false;
  const say = (l: string) => { if (!quiet && !ctx.res.destroyed) ctx.res.write(`${JSON.stringify({ stream: `${l}\n` })}\n`); else lines.push(l); };
  const push = () => ctx.engine.images.push(source, destination, {
    creds, tlsVerify: q.has('tlsVerify') ? qBool(q, 'tlsVerify') : undefined, compressionFormat: compression as 'gzip' | undefined,
    onProgress: (p) => {
      if (!said) { said = true; say('Getting image source signatures'); }
      if (p.kind === 'manifest') return say('Writing manifest to image destination');
      say(pushLine(p));
    },
  });
  if (quiet) {
    await push();
    return sendJson(ctx, 200, '');
  }
  ctx.res.writeHead(200, { 'Content-Type': 'application/json' });
  ctx.res.flushHeaders();
  try {
    await push();
  } catch (e) {
    if (!ctx.res.destroyed) ctx.res.write(`${JSON.stringify({ error: errorBody(e).body.message })}\n`);
  }
  ctx.res.end();
}

async function podList(ctx: RouteContext): Promise<void> {
  sendJson(ctx, 200, (await ctx.engine.pods.list({ filters: qFilters(ctx.query) })).map(podToLibpod));
}

/** Podman's PodSpecGenerator (podman-remote's pod create, `husk generate spec POD`) as a PodSpec: src/specgen/libpod-pod.ts's mapping. */
async function podCreate(ctx: RouteContext): Promise<void> {
  const b = await readJson(ctx) as Json;
  checkShape(b, POD_SPECGEN_KEYS, '');
  const pod = await ctx.engine.pods.create(podFromSpecGenerator(b));
  await answerCreated(ctx, 201, { Id: pod.id }, () => ctx.engine.pods.remove([pod.id], { force: true }));
}

/** start/stop/restart/kill/pause/unpause: Podman's {Errs, Id} report, 304 when nothing changed is not distinguished. */
function podVerb(verb: 'start' | 'stop' | 'restart' | 'kill' | 'pause' | 'unpause') {
  return async (ctx: RouteContext): Promise<void> => {
    const pod = await ctx.engine.pods.get(ctx.params.name);
    const o: Json = {};
    if (verb === 'stop' || verb === 'restart') o.timeout = qInt(ctx.query, 't') ?? qInt(ctx.query, 'timeout');
    if (verb === 'kill') o.signal = ctx.query.get('signal') || undefined;
    const [r] = await (ctx.engine.pods[verb] as (refs: string[], o: Json) => Promise<{ error?: { code: string; message: string } }[]>)([pod.config.id], o);
    if (r?.error) throw HuskError.from(r.error);
    sendJson(ctx, 200, { Errs: null, Id: pod.config.id });
  };
}

async function podRemove(ctx: RouteContext): Promise<void> {
  const pod = await ctx.engine.pods.get(ctx.params.name);
  const [r] = await ctx.engine.pods.remove([pod.config.id], { force: qBool(ctx.query, 'force'), timeout: qInt(ctx.query, 'timeout') });
  if (r?.error) throw HuskError.from(r.error);
  sendJson(ctx, 200, { Err: null, Id: pod.config.id, RemovedCtrs: Object.fromEntries(pod.containers.map((c) => [c.id, null])) });
}

async function podInspect(ctx: RouteContext): Promise<void> {
  sendJson(ctx, 200, await ctx.engine.pods.inspect(ctx.params.name));
}

async function podExists(ctx: RouteContext): Promise<void> {
  if (!(await ctx.engine.pods.exists(ctx.params.name))) throw new HuskError('NO_SUCH_POD', `no pod with name or ID ${ctx.params.name} found: no such pod`);
  sendNoContent(ctx);
}

/** libpod's events: Docker's message shape with Podman's status words and its containerExitCode attribute. */
async function events(ctx: RouteContext): Promise<void> {
  const until = qTime(ctx.query, 'until');
  const stream = qBool(ctx.query, 'stream', true);
  const since = qTime(ctx.query, 'since') ?? (until || !stream ? undefined : new Date());
  const it = ctx.engine.system.events({ since, until: until ?? (stream ? undefined : new Date()), filters: qFilters(ctx.query), stream, signal: ctx.signal });
  ctx.res.writeHead(200, { 'Content-Type': 'application/json' });
  ctx.res.flushHeaders();
  try {
    for await (const ev of it) {
      const d = eventToDocker(ev) as Json;
      d.status = d.Action = ev.Status;
      if (ev.ContainerExitCode !== undefined) d.Actor.Attributes.containerExitCode = String(ev.ContainerExitCode);
      ctx.res.write(`${JSON.stringify(d)}\n`);
    }
  } catch (e) {
    if (!ctx.signal.aborted) throw e;
  }
  ctx.res.end();
}

export const libpodRoutes: Route[] = [
  { method: 'GET', path: '/libpod/events', handler: events },
  { method: 'GET', path: '/libpod/_ping', handler: ping },
  { method: 'HEAD', path: '/libpod/_ping', handler: ping },
  { method: 'GET', path: '/libpod/info', handler: info },
  { method: 'GET', path: '/libpod/version', handler: version },
  ...libpodContainerRoutes,
  ...libpodResourceRoutes,
  ...libpodKubeRoutes,
  { method: 'GET', path: '/libpod/images/json', handler: imageList },
  { method: 'POST', path: '/libpod/images/pull', handler: imagePull },
  { method: 'GET', path: '/libpod/images/:name*/exists', handler: imageExists },
  { method: 'GET', path: '/libpod/images/:name*/json', handler: imageInspect },
  { method: 'POST', path: '/libpod/images/:name*/push', handler: imagePush },
  { method: 'POST', path: '/libpod/build', handler: libpodBuild },
  { method: 'GET', path: '/libpod/pods/json', handler: podList },
  { method: 'POST', path: '/libpod/pods/create', handler: podCreate },
  { method: 'GET', path: '/libpod/pods/:name/json', handler: podInspect },
  { method: 'GET', path: '/libpod/pods/:name/exists', handler: podExists },
  { method: 'POST', path: '/libpod/pods/:name/start', handler: podVerb('start') },
  { method: 'POST', path: '/libpod/pods/:name/stop', handler: podVerb('stop') },
  { method: 'POST', path: '/libpod/pods/:name/restart', handler: podVerb('restart') },
  { method: 'POST', path: '/libpod/pods/:name/kill', handler: podVerb('kill') },
  { method: 'POST', path: '/libpod/pods/:name/pause', handler: podVerb('pause') },
  { method: 'POST', path: '/libpod/pods/:name/unpause', handler: podVerb('unpause') },
  { method: 'DELETE', path: '/libpod/pods/:name', handler: podRemove },
  ...libpodSecretRoutes,
];
