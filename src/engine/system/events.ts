// Event log: one JSON object per line in RUNROOT/events/events.log (the
// "file" events backend of Podman), appended with O_APPEND so concurrent
// writers never interleave within a line.
//
// Readers replay the file and, when streaming, follow it: an fs.watch
// (inotify) on the log's directory wakes the reader, which reads the bytes
// appended since its last offset. No polling; a stream ends when its signal
// aborts or its `until` time passes. The file is never rotated, so a reader
// with `since` bisects it for its first line instead of parsing all of it
// (a REST `wait` follows the log once per `docker run`).
import { appendFileSync, existsSync, mkdirSync, readFileSync, watch } from 'node:fs';
import { open } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { isErrno } from '../../common/errors.ts';
import { compileFilters, labelMatcher, type Matchers } from '../filters.ts';
import type { EventsOptions, HuskEvent } from './api.ts';
import { isoTime } from '../../common/isotime.ts';

export type { HuskEvent };

export class EventLog {
  readonly path: string;
  /** --events-backend=none: nothing is recorded. */
  readonly disabled: boolean;
  constructor(path: string, disabled = false) {
    this.path = path;
    this.disabled = disabled;
  }

  write(e: Omit<HuskEvent, 'Time' | 'timeNano'>): void {
    if (this.disabled) return;
    const ms = Date.now();
    const ev: HuskEvent = { ...e, Time: isoTime(new Date(ms)), timeNano: ms * 1e6 };
    try {
      mkdirSync(dirname(this.path), { recursive: true });
      appendFileSync(this.path, JSON.stringify(ev) + '\n');
    } catch {
      // Events are best effort: never fail a container operation over them.
    }
  }

  /** Events recorded so far, oldest first. */
  read(): HuskEvent[] {
    if (!existsSync(this.path)) return [];
    return parseLines(readFileSync(this.path, 'utf8'));
  }
}

function parseLines(text: string): HuskEvent[] {
  return text.split('\n').filter(Boolean).flatMap((l) => {
    try {
      return [JSON.parse(l) as HuskEvent];
    } catch {
      return [];
    }
  });
}

/** An event of `type` whose name is v or whose ID starts with v. */
const objectIs = (type: HuskEvent['Type']) => (v: string) => (ev: HuskEvent) => ev.Type === type && (ev.Name === v || ev.ID.startsWith(v));

/** Podman's event filters (libpod/events/filters.go). */
const MATCHERS: Matchers<HuskEvent> = {
  type: (v) => (ev) => ev.Type === v,
  event: (v) => (ev) => ev.Status === v,
  status: (v) => (ev) => ev.Status === v,
  container: objectIs('container'),
  pod: objectIs('pod'),
  volume: objectIs('volume'),
  network: objectIs('network'),
  // Container events name their image too.
  image: (v) => { const img = objectIs('image')(v); return (ev) => ev.Image === v || img(ev); },
  label: labelMatcher((ev: HuskEvent) => ev.Attributes),
};

/** The test an event must pass: filters and the since/until window. */
export function eventMatcher(o: EventsOptions): (ev: HuskEvent) => boolean {
  const match = compileFilters(o.filters, MATCHERS, 'event');
  const since = o.since ? o.since.getTime() * 1e6 : -Infinity;
  const until = o.until ? o.until.getTime() * 1e6 : Infinity;
  return (ev) => ev.timeNano >= since && ev.timeNano <= until && match(ev);
}

/** Recorded events, then (with `stream`) new ones as they are written. */
export async function* readEvents(log: EventLog, o: EventsOptions = {}): AsyncGenerator<HuskEvent> {
  const match = eventMatcher(o);
  if (!o.stream) {
    if (!o.since) {
      for (const ev of log.read()) if (match(ev)) yield ev;
      return;
    }
    const { bytes } = await readFrom(log.path, await offsetOf(log.path, o.since));
    for (const ev of parseLines(bytes.toString('utf8'))) if (match(ev)) yield ev;
    return;
  }
  if (o.signal?.aborted) return;
  // Watch before the first read, so nothing written in between is missed.
  let pending = true;
  let wake: (() => void) | undefined;
  const notify = () => { pending = true; wake?.(); };
  mkdirSync(dirname(log.path), { recursive: true });
  const file = basename(log.path);
  const watcher = watch(dirname(log.path), (_type, name) => { if (!name || name === file) notify(); });
  o.signal?.addEventListener('abort', notify, { once: true });
  const untilMs = o.until?.getTime();
  // setTimeout caps at ~24.8 days; a later `until` just wakes once early.
  const timer = untilMs === undefined ? undefined : setTimeout(notify, Math.min(Math.max(0, untilMs - Date.now() + 1), 2 ** 31 - 1));
  let offset = o.since ? await offsetOf(log.path, o.since) : 0;
  try {
    for (;;) {
      if (!pending) await new Promise<void>((r) => { wake = r; });
      wake = undefined;
      pending = false;
      if (o.signal?.aborted) return;
      const { bytes, start } = await readFrom(log.path, offset);
      // A line is complete once its newline is there; the rest is read again next time.
      const cut = bytes.lastIndexOf(0x0a) + 1;
      offset = start + cut;
      for (const ev of parseLines(bytes.subarray(0, cut).toString('utf8'))) if (match(ev)) yield ev;
      if (untilMs !== undefined && Date.now() > untilMs) return;
    }
  } finally {
    watcher.close();
    clearTimeout(timer);
    o.signal?.removeEventListener('abort', notify);
  }
}

/** The bytes of path from offset (from 0 if it shrank) to its current end; none if it does not exist yet. */
async function readFrom(path: string, offset: number): Promise<{ bytes: Buffer; start: number }> {
  let fh;
  try {
    fh = await open(path, 'r');
  } catch (e) {
    if (isErrno(e, 'ENOENT')) return { bytes: Buffer.alloc(0), start: 0 };
    throw e;
  }
  try {
    const { size } = await fh.stat();
    const start = size < offset ? 0 : offset;
    const buf = Buffer.alloc(size - start);
    const { bytesRead } = await fh.read(buf, 0, buf.length, start);
    return { bytes: buf.subarray(0, bytesRead), start };
  } finally {
    await fh.close();
  }
}

/** Events are appended in about time order; writers racing for the file may swap lines this far apart. */
const DISORDER_NS = 60e9;
/** Below this many bytes the rest is simply parsed. */
const BISECT_MIN = 64 * 1024;

/**
 * A line start at or before the first event at `since` (less DISORDER_NS):
 * bisection over the file's offsets, each probe parsing the first whole line
 * after it. 0 when the file is small, missing or a probe finds no line.
 */
async function offsetOf(path: string, since: Date): Promise<number> {
  const target = since.getTime() * 1e6 - DISORDER_NS;
  let fh;
  try {
    fh = await open(path, 'r');
  } catch {
    return 0;
  }
  try {
    let lo = 0;
    let hi = (await fh.stat()).size;
    const buf = Buffer.alloc(16 * 1024);
    while (hi - lo > BISECT_MIN) {
      const mid = lo + Math.floor((hi - lo) / 2);
      const { bytesRead } = await fh.read(buf, 0, buf.length, mid);
      const chunk = buf.subarray(0, bytesRead);
      const nl = chunk.indexOf(0x0a);
      const end = nl < 0 ? -1 : chunk.indexOf(0x0a, nl + 1);
      if (end < 0) break; // a line longer than the probe: parse from lo
      let t: number;
      try {
        t = (JSON.parse(chunk.subarray(nl + 1, end).toString('utf8')) as HuskEvent).timeNano;
      } catch {
        break;
      }
      if (typeof t !== 'number') break;
      if (t < target) lo = mid + nl + 1;
      else hi = mid;
    }
    return lo;
  } finally {
    await fh.close();
  }
}
