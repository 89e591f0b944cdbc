// Reading conmon's k8s-file logs: "TIME STREAM F|P TEXT" per line, where P
// marks a partial line continued by the next record.
import { createReadStream, existsSync, statSync, watch } from 'node:fs';
import { join } from 'node:path';
import type { EngineContext } from '../context.ts';
import { getContainer, syncState } from './lifecycle.ts';

export interface LogLine { time: string; stream: 'stdout' | 'stderr'; text: string }

export interface LogOptions {
  follow?: boolean;
  /** Only the last N lines (−1 or undefined: all). */
  tail?: number;
  since?: Date;
  until?: Date;
}

function parseRecords(text: string): LogLine[] {
  const out: LogLine[] = [];
  let partial: LogLine | undefined;
  for (const raw of text.split('\n')) {
    if (!raw) continue;
    const a = raw.indexOf(' ');
    const b = raw.indexOf(' ', a + 1);
    const c = raw.indexOf(' ', b + 1);
    if (a < 0 || b < 0) continue;
    const flag = c < 0 ? raw.slice(b + 1) : raw.slice(b + 1, c);
    const msg = c < 0 ? '' : raw.slice(c + 1);
    const stream = raw.slice(a + 1, b) === 'stderr' ? 'stderr' : 'stdout';
    if (partial) {
      partial.text += msg;
    } else partial = { time: raw.slice(0, a), stream, text: msg };
    if (flag !== 'P') {
      out.push(partial);
      partial = undefined;
    }
  }
  return out;
}

function keep(l: LogLine, o: LogOptions): boolean {
  const t = new Date(l.time);
  return (!o.since || t >= o.since) && (!o.until || t <= o.until);
}

/** Calls emit for each log line; with follow, keeps going until the container exits. */
export async function containerLogs(e: EngineContext, ref: string, o: LogOptions, emit: (l: LogLine) => void): Promise<void> {
  const c = getContainer(e, ref);
  const path = join(e.bundleDir(c.config.id), 'ctr.log');
  let offset = 0;
  let pending = '';
  const readMore = async (): Promise<LogLine[]> => {
    if (!existsSync(path)) return [];
    const size = statSync(path).size;
    if (size <= offset) return [];
    let chunk = '';
    for await (const d of createReadStream(path, { start: offset, end: size - 1, encoding: 'utf8' })) chunk += d;
    offset = size;
    const text = pending + chunk;
    const cut = text.lastIndexOf('\n') + 1;
    pending = text.slice(cut);
    return parseRecords(text.slice(0, cut)).filter((l) => keep(l, o));
  };
  let lines = await readMore();
  if (o.tail !== undefined && o.tail >= 0) lines = o.tail === 0 ? [] : lines.slice(-o.tail);
  lines.forEach(emit);
  if (!o.follow) return;
  await new Promise<void>((resolve) => {
    // Ticks come from both the watcher and the timer; one at a time, or two
    // reads of the same range would print lines twice.
    let busy = false;
    let again = false;
    let finished = false;
    const tick = async (): Promise<void> => {
      if (finished) return;
      if (busy) { again = true; return; }
      busy = true;
      try { await step(); } finally { busy = false; }
      if (again) { again = false; return tick(); }
    };
    const step = async () => {
      (await readMore()).forEach(emit);
      const s = syncState(e, e.db.get(c.config.id) ?? c);
      if (!e.db.get(c.config.id) || (s.state.status !== 'running' && s.state.status !== 'paused')) {
        (await readMore()).forEach(emit);
        finished = true;
        watcher?.close();
        clearInterval(timer);
        resolve();
      }
    };
    let watcher: ReturnType<typeof watch> | undefined;
    try { watcher = watch(e.bundleDir(c.config.id), () => void tick()); } catch {}
    const timer = setInterval(() => void tick(), 200);
  });
}
