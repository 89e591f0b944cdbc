// Reading conmon's k8s-file logs: "TIME STREAM F|P TEXT" per line, where P
// marks a partial line continued by the next record. Following is driven by
// fs.watch on the bundle directory with a slow timer as a safety net, and
// ends once the container is no longer running (or the caller aborts).
import { createReadStream, existsSync, statSync, watch } from 'node:fs';
import { dirname } from 'node:path';
import { invalidArgument } from '../../common/errors.ts';
import type { EngineContext } from '../context.ts';
import type { LogLine, LogOptions } from './api.ts';
import { getContainer, logPathOf, syncState } from './lifecycle.ts';
import { LineJoiner } from './log-lines.ts';

export type { LogLine, LogOptions };

/** The lines that records complete; a partial record's line stays open in `j`, per stream. */
function parseRecords(text: string, j: LineJoiner): LogLine[] {
  const out: LogLine[] = [];
  for (const raw of text.split('\n')) {
    if (!raw) continue;
    const a = raw.indexOf(' ');
    const b = raw.indexOf(' ', a + 1);
    const c = raw.indexOf(' ', b + 1);
    if (a < 0 || b < 0) continue;
    const flag = c < 0 ? raw.slice(b + 1) : raw.slice(b + 1, c);
    const msg = c < 0 ? '' : raw.slice(c + 1);
    const line = j.add(raw.slice(a + 1, b) === 'stderr' ? 'stderr' : 'stdout', raw.slice(0, a), msg, flag === 'P');
    if (line) out.push(line);
  }
  return out;
}

function keep(l: LogLine, o: LogOptions): boolean {
  const t = new Date(l.time);
  return (!o.since || t >= o.since) && (!o.until || t <= o.until);
}

/** A container's log lines, oldest first; with follow, until the container stops or o.signal aborts. */
export async function* logLines(e: EngineContext, ref: string, o: LogOptions = {}): AsyncGenerator<LogLine> {
  const c = getContainer(e, ref);
  const { id, name } = c.config;
  const driver = c.config.intent.logDriver;
  // Podman's words for a container that logs nothing.
  if (driver === 'none' || driver === 'passthrough') throw invalidArgument(`this container is using the '${driver}' log driver, cannot read logs: this container is not logging output`);
  const live = () => {
    const now = e.db.get(id);
    const s = now && syncState(e, now);
    return !!s && (s.state.status === 'running' || s.state.status === 'paused');
  };
  if (driver === 'journald') {
    yield* (await import('./journal.ts')).journalLines(id, name, o, live);
    return;
  }
  const path = logPathOf(e, c.config);
  let offset = 0;
  let pending = '';
  const joiner = new LineJoiner(id, name);
  // last: nothing more will be written, so lines left open end here.
  const readMore = async (last = false): Promise<LogLine[]> => {
    const size = existsSync(path) ? statSync(path).size : 0;
    let lines: LogLine[] = [];
    if (size > offset) {
      let chunk = '';
      for await (const d of createReadStream(path, { start: offset, end: size - 1, encoding: 'utf8' })) chunk += d;
      offset = size;
      const text = pending + chunk;
      const cut = text.lastIndexOf('\n') + 1;
      pending = text.slice(cut);
      lines = parseRecords(text.slice(0, cut), joiner);
    }
    return (last ? lines.concat(joiner.flush()) : lines).filter((l) => keep(l, o));
  };
  let lines = await readMore(!o.follow);
  if (o.tail !== undefined && o.tail >= 0) lines = o.tail === 0 ? [] : lines.slice(-o.tail);
  yield* lines;
  if (!o.follow) return;
  // One wake-up at a time: reads happen only here, so no range is read twice.
  let wake: (() => void) | undefined;
  let poked = false;
  const poke = () => { poked = true; wake?.(); };
  let watcher: ReturnType<typeof watch> | undefined;
  try { watcher = watch(dirname(path), poke); } catch {}
  const timer = setInterval(poke, 200);
  o.signal?.addEventListener('abort', poke);
  try {
    while (!o.signal?.aborted) {
      yield* await readMore();
      if (!live()) {
        yield* await readMore(true);
        return;
      }
      if (!poked) await new Promise<void>((r) => { wake = r; });
      wake = undefined;
      poked = false;
    }
  } finally {
    watcher?.close();
    clearInterval(timer);
    o.signal?.removeEventListener('abort', poke);
  }
}
