// Docker's container logs: multiplexed frames (1 stdout, 2 stderr) unless
// the container has a tty, then raw bytes; follow, since, until, tail,
// timestamps. A client that goes away aborts the follow.
import type { Route, RouteContext } from '../router.ts';
import { qBool, qInt, qTime } from '../http.ts';

function frame(stream: 1 | 2, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head[0] = stream;
  head.writeUInt32BE(data.length, 4);
  return Buffer.concat([head, data]);
}

async function logs(ctx: RouteContext): Promise<void> {
  const q = ctx.query;
  const c = await ctx.engine.containers.get(ctx.params.id);
  const tty = !!c.config.intent.tty;
  const wantOut = qBool(q, 'stdout');
  const wantErr = qBool(q, 'stderr');
  const tailRaw = q.get('tail');
  const tail = !tailRaw || tailRaw === 'all' ? undefined : qInt(q, 'tail');
  const stamps = qBool(q, 'timestamps');
  const lines = ctx.engine.containers.logs(c.config.id, {
    follow: qBool(q, 'follow'), tail, since: qTime(q, 'since'), until: qTime(q, 'until'), signal: ctx.signal,
  });
  ctx.res.writeHead(200, { 'Content-Type': tty ? 'application/vnd.docker.raw-stream' : 'application/vnd.docker.multiplexed-stream' });
  ctx.res.flushHeaders();
  try {
    for await (const l of lines) {
      if (l.stream === 'stdout' ? !wantOut : !wantErr) continue;
      const data = Buffer.from(`${stamps ? `${l.time} ` : ''}${l.text}\n`);
      const ok = ctx.res.write(tty ? data : frame(l.stream === 'stdout' ? 1 : 2, data));
      if (!ok) await new Promise((r) => { ctx.res.once('drain', r); ctx.res.once('close', r); });
      if (ctx.signal.aborted) break;
    }
  } catch (e) {
    if (!ctx.signal.aborted) throw e;
  }
  ctx.res.end();
}

export const logRoutes: Route[] = [
  { method: 'GET', path: '/containers/:id/logs', handler: logs },
];
