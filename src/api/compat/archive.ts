// Docker's archive endpoints (docker cp): GET a tar of a container path,
// HEAD its stat, PUT a tar into a container directory. Everything goes
// through engine.containers.copy, which resolves container paths safely;
// the X-Docker-Container-Path-Stat header is read off the tar's first entry.
import { PassThrough } from 'node:stream';
import { posix } from 'node:path';
import { invalidArgument } from '../../common/errors.ts';
import type { Route, RouteContext } from '../router.ts';
import { qBool } from '../http.ts';

/** Go's os.FileMode type bits, which the docker CLI decodes. */
const MODE_DIR = 0x80000000;
const MODE_SYMLINK = 0x08000000;

function statOf(header: Buffer, path: string): string {
  const field = (o: number, n: number) => header.subarray(o, o + n).toString('latin1').replace(/\0.*$/s, '').trim();
  const perm = parseInt(field(100, 8) || '0', 8) & 0o7777;
  const type = field(156, 1);
  // A directory's tar may start with one of its entries rather than itself: only an entry named like the path is the path.
  const name = field(0, 100).replace(/^\.\//, '');
  const isDir = type === '5' || name !== posix.basename(path); // an empty tar (no entry) is an empty directory
  const mode = (isDir ? 0o755 : perm) | (isDir ? MODE_DIR : type === '2' ? MODE_SYMLINK : 0);
  const mtime = new Date(parseInt(field(136, 12) || '0', 8) * 1000).toISOString();
  const stat = { name: posix.basename(path) || '/', size: parseInt(field(124, 12) || '0', 8), mode, mtime, linkTarget: type === '2' ? field(157, 100) : '' };
  return Buffer.from(JSON.stringify(stat)).toString('base64');
}

async function get(ctx: RouteContext): Promise<void> {
  const path = ctx.query.get('path');
  if (!path) throw invalidArgument('path is required');
  const c = await ctx.engine.containers.get(ctx.params.id);
  const tar = new PassThrough();
  const copying = ctx.engine.containers.copy(`${c.config.id}:${path}`, '-', { stdout: tar }).then(() => tar.end(), (e) => { tar.destroy(e); throw e; });
  // The first tar header (or the copy's error, which becomes the JSON reply).
  let first = Buffer.alloc(0);
  const it = tar[Symbol.asyncIterator]();
  try {
    while (first.length < 512) {
      const r = await Promise.race([it.next(), copying.then(() => ({ done: true, value: undefined }))]);
      if (r.done) break;
      first = Buffer.concat([first, r.value as Buffer]);
    }
  } catch (e) {
    await copying.catch(() => {});
    throw e;
  }
  await Promise.race([copying, Promise.resolve()]);
  ctx.res.writeHead(200, { 'Content-Type': 'application/x-tar', 'X-Docker-Container-Path-Stat': statOf(first, path) });
  if (ctx.req.method === 'HEAD') {
    tar.destroy();
    copying.catch(() => {});
    return void ctx.res.end();
  }
  ctx.res.write(first);
  for (;;) {
    const r = await it.next();
    if (r.done) break;
    if (!ctx.res.write(r.value)) await new Promise((res) => { ctx.res.once('drain', res); ctx.res.once('close', res); });
    if (ctx.signal.aborted) { tar.destroy(); break; }
  }
  await copying.catch(() => {});
  ctx.res.end();
}

async function put(ctx: RouteContext): Promise<void> {
  const path = ctx.query.get('path');
  if (!path) throw invalidArgument('path is required');
  const c = await ctx.engine.containers.get(ctx.params.id);
  void qBool(ctx.query, 'noOverwriteDirNonDir');
  await ctx.engine.containers.copy('-', `${c.config.id}:${path}`, { stdin: ctx.req, overwrite: true });
  ctx.res.writeHead(200);
  ctx.res.end();
}

export const archiveRoutes: Route[] = [
  { method: 'GET', path: '/containers/:id/archive', handler: get },
  { method: 'HEAD', path: '/containers/:id/archive', handler: get },
  { method: 'PUT', path: '/containers/:id/archive', handler: put },
];
