// Docker's POST /build (the docker CLI's legacy builder, docker-py's
// images.build, compose's build): the request body is the context as a tar,
// unpacked by the engine's hardened extractor (images.unpackContext), then
// the same builder `husk build` drives (src/build) runs with the query's
// options. Its output goes out as Docker's JSON progress stream:
// {"stream": ...} lines, {"aux": {"ID": ...}} with the image, and a failure
// as {"error", "errorDetail"} after the 200 (the stream had started).
import { realpathSync, readFileSync, rmSync } from 'node:fs';
import { posix, sep } from 'node:path';
import { Writable } from 'node:stream';
import { invalidArgument } from '../../common/errors.ts';
import type { Route, RouteContext } from '../router.ts';
import { HttpError, errorBody, qBool } from '../http.ts';

/** A JSON object of strings from a query value (buildargs, labels); null values are dropped (an unset ARG). */
function qStringMap(q: URLSearchParams, name: string): Record<string, string> {
  const raw = q.get(name);
  if (!raw) return {};
  let v: unknown;
  try { v = JSON.parse(raw); } catch { throw new HttpError(400, `invalid ${name}: ${raw}`); }
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new HttpError(400, `invalid ${name}: ${raw}`);
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) if (x !== null && x !== undefined) out[k] = String(x);
  return out;
}

/**
 * The Dockerfile named by `dockerfile` (context-relative; the docker CLI
 * puts one from outside the context into the tar): it must resolve, links
 * followed, to a file inside the context, so a symlink in the tar cannot
 * make the server read a host file.
 */
function readDockerfile(dir: string, name: string): { text: string; file: string; path: string } {
  const rel = posix.normalize(name.replace(/^\/+/, ''));
  if (rel === '..' || rel.startsWith('../')) throw invalidArgument(`dockerfile ${name} is outside the build context`);
  let real: string;
  try {
    real = realpathSync(`${dir}/${rel}`);
  } catch {
    throw invalidArgument(`Cannot locate specified Dockerfile: ${name}`);
  }
  if (!real.startsWith(realpathSync(dir) + sep)) throw invalidArgument(`dockerfile ${name} is outside the build context`);
  return { text: readFileSync(real, 'utf8'), file: name, path: real };
}

/**
 * The body with its last tar block completed: the docker CLI, when it adds a
 * Dockerfile from outside the context (and its .dockerignore entry), sends
 * the last entry's data without its padding or the end-of-archive blocks,
 * which Docker's daemon accepts. Zeros up to the next 512-byte boundary make
 * it a tar the extractor reads; a compressed body passes through as is.
 */
async function* blockAligned(source: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  let n = 0;
  let compressed: boolean | undefined;
  for await (const c of source) {
    compressed ??= (c[0] === 0x1f && c[1] === 0x8b) || (c.length >= 4 && c.readUInt32LE(0) === 0xfd2fb528);
    n += c.length;
    yield c;
  }
  if (!compressed && n % 512) yield Buffer.alloc(512 - (n % 512));
}

/** libpod's labels: a JSON list of "KEY=VALUE" (Docker's: an object). */
function qLabels(q: URLSearchParams): Record<string, string> {
  const raw = q.get('labels');
  if (!raw?.trim().startsWith('[')) return qStringMap(q, 'labels');
  let v: unknown;
  try { v = JSON.parse(raw); } catch { throw new HttpError(400, `invalid labels: ${raw}`); }
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) throw new HttpError(400, `invalid labels: ${raw}`);
  return Object.fromEntries(v.map((l: string) => { const i = l.indexOf('='); return i < 0 ? [l, ''] : [l.slice(0, i), l.slice(i + 1)]; }));
}

/** The Containerfiles' names: Docker's plain string, or podman-remote's JSON list (several -f, read in order). */
function qDockerfiles(q: URLSearchParams): string[] {
  const raw = q.get('dockerfile') || 'Dockerfile';
  if (!raw.startsWith('[')) return [raw];
  let v: unknown;
  try { v = JSON.parse(raw); } catch { throw new HttpError(400, `invalid dockerfile: ${raw}`); }
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string' && x)) throw new HttpError(400, `invalid dockerfile: ${raw}`);
  return v.length ? v as string[] : ['Dockerfile'];
}

const POLICIES = ['always', 'missing', 'never', 'newer'];

/**
 * POST /build, and libpod's POST /libpod/build (podman-remote): the same
 * build; libpod's stream has no aux line and ends with the image ID as a
 * stream line, which podman-remote takes as the result. A client that
 * leaves aborts the build (the builder kills a running RUN and removes its
 * container) and the image is not tagged.
 */
const build = (libpod: boolean) => async (ctx: RouteContext): Promise<void> => {
  const q = ctx.query;
  if (q.get('remote')) throw new HttpError(501, 'remote build contexts (a git or tarball URL) are not supported: send the context as the request body');
  const buildArgs = qStringMap(q, 'buildargs');
  const labels = qLabels(q);
  const tags = q.getAll('t').filter(Boolean);
  const quiet = qBool(q, 'q') || qBool(q, 'quiet');
  const pullParam = q.get('pullpolicy') || q.get('pull');
  if (q.get('pullpolicy') && !POLICIES.includes(q.get('pullpolicy')!)) throw new HttpError(400, `invalid pullpolicy ${q.get('pullpolicy')}: always, missing, never or newer`);
  // Docker's pull is a boolean ("pull even if present"); Podman's API takes a policy word.
  const pull = !pullParam ? 'missing' : POLICIES.includes(pullParam) ? pullParam as 'always' : qBool(q, 'pull') ? 'always' : 'missing';
  const dockerfiles = qDockerfiles(q);

  const dir = await ctx.engine.images.unpackContext(blockAligned(ctx.req));
  try {
    const [containerfile, ...moreContainerfiles] = dockerfiles.map((f) => readDockerfile(dir, f));
    ctx.res.writeHead(200, { 'Content-Type': 'application/json' });
    ctx.res.flushHeaders();
    const send = (o: unknown) => { if (!ctx.res.destroyed) ctx.res.write(`${JSON.stringify(o)}\n`); };
    const output = new Writable({ write(chunk: Buffer, _enc, cb) { send({ stream: chunk.toString('utf8') }); cb(); } });
    try {
      const { build: run } = await import('../../build/builder.ts');
      const r = await run(ctx.engine, {
        contextDir: dir, containerfile, moreContainerfiles, tags, buildArgs, labels, target: q.get('target') || undefined,
        noCache: qBool(q, 'nocache'), pull, quiet, output, signal: ctx.signal,
        ...(libpod && q.has('layers') ? { layers: qBool(q, 'layers') } : {}),
        // Docker's builder keeps HEALTHCHECK, SHELL and ONBUILD: its clients get Docker's format, as from Podman's compat API;
        // libpod's build takes outputformat (default OCI, as Podman's).
        format: libpod && !/docker/.test(q.get('outputformat') ?? '') ? 'oci' : 'docker',
        // Docker's rm (default on) removes step containers after success; forcerm
        // also after a failure. husk removes them either way unless rm=0, so a failed build leaves no container.
        rm: qBool(q, 'rm', true), forceRm: qBool(q, 'forcerm', qBool(q, 'rm', true)),
      });
      if (libpod) send({ stream: `${r.id}\n` });
      else {
        send({ aux: { ID: `sha256:${r.id}` } });
        if (quiet) send({ stream: `sha256:${r.id}\n` });
        else send({ stream: `Successfully built ${r.id.slice(0, 12)}\n` });
      }
    } catch (e) {
      const { body } = errorBody(e);
      send({ errorDetail: { message: body.message }, error: body.message });
    }
    ctx.res.end();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};

/** POST /libpod/build (registered with the libpod routes). */
export const libpodBuild = build(true);

export const buildRoutes: Route[] = [
  { method: 'POST', path: '/build', handler: build(false) },
];
