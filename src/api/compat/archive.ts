// Docker's archive endpoints (docker cp): HEAD a container path's stat, GET
// it as a tar, PUT a tar into a container directory. The stat
// (X-Docker-Container-Path-Stat, on HEAD and GET) comes from
// engine.containers.stat; the tars go through engine.containers.copy, which
// resolves container paths with the same escape safety as `husk cp`.
import { invalidArgument } from '../../common/errors.ts';
import type { PathStat } from '../../engine/container/api.ts';
import type { Route, RouteContext } from '../router.ts';
import { qBool } from '../http.ts';

/** st_mode's file type bits → Go's os.FileMode bits, which the docker CLI decodes. */
const S_IFMT = 0o170000;
const GO_TYPE: Record<number, number> = {
  0o040000: 2 ** 31, // ModeDir
  0o120000: 2 ** 27, // ModeSymlink
  0o010000: 2 ** 25, // ModeNamedPipe
  0o140000: 2 ** 24, // ModeSocket
  0o060000: 2 ** 26, // ModeDevice
  0o020000: 2 ** 26 + 2 ** 21, // ModeDevice | ModeCharDevice
};

export function goFileMode(mode: number): number {
  let m = (mode & 0o777) + (GO_TYPE[mode & S_IFMT] ?? 0);
  if (mode & 0o4000) m += 2 ** 23; // ModeSetuid
  if (mode & 0o2000) m += 2 ** 22; // ModeSetgid
  if (mode & 0o1000) m += 2 ** 20; // ModeSticky
  return m;
}

/** The X-Docker-Container-Path-Stat header: base64 of Docker's ContainerPathStat JSON. */
export function statHeader(st: PathStat): string {
  const doc = { name: st.name, size: st.size, mode: goFileMode(st.mode), mtime: st.mtime, linkTarget: st.linkTarget };
  return Buffer.from(JSON.stringify(doc)).toString('base64');
}

/** The path query: required, and no NUL (which no file name holds). */
function pathParam(ctx: RouteContext): string {
  const path = ctx.query.get('path');
  if (!path) throw invalidArgument('path is required');
  if (path.includes('\0')) throw invalidArgument('path contains a NUL byte');
  return path;
}

async function get(ctx: RouteContext): Promise<void> {
  const path = pathParam(ctx);
  const c = await ctx.engine.containers.get(ctx.params.id);
  const st = await ctx.engine.containers.stat(c.config.id, path);
  ctx.res.writeHead(200, { 'Content-Type': 'application/x-tar', 'X-Docker-Container-Path-Stat': statHeader(st) });
  if (ctx.req.method === 'HEAD') return void ctx.res.end();
  // A failure after the headers (or a client gone) ends in a cut connection, which clients report.
  await ctx.engine.containers.copy(`${c.config.id}:${path}`, '-', { stdout: ctx.res });
  ctx.res.end();
}

async function put(ctx: RouteContext): Promise<void> {
  const path = pathParam(ctx);
  const c = await ctx.engine.containers.get(ctx.params.id);
  await ctx.engine.containers.copy('-', `${c.config.id}:${path}`, {
    stdin: ctx.req,
    // The docker CLI sends noOverwriteDirNonDir=true: a directory never replaces a file, nor the reverse.
    overwrite: !qBool(ctx.query, 'noOverwriteDirNonDir'),
    // Docker keeps the tar's owners unless copyUIDGID (cp -a) asks for the container user's.
    archive: qBool(ctx.query, 'copyUIDGID'),
  });
  ctx.res.writeHead(200);
  ctx.res.end();
}

export const archiveRoutes: Route[] = [
  { method: 'GET', path: '/containers/:id/archive', handler: get },
  { method: 'HEAD', path: '/containers/:id/archive', handler: get },
  { method: 'PUT', path: '/containers/:id/archive', handler: put },
];
