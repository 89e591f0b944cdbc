// The journald log driver, read back. conmon sends each line to the journal
// with MESSAGE (the line and its newline), PRIORITY (6 = stdout, 3 = stderr),
// CONTAINER_ID, CONTAINER_ID_FULL, CONTAINER_NAME, SYSLOG_IDENTIFIER (tag,
// else name) and CONTAINER_PARTIAL_MESSAGE=true on a line cut short. Node has
// no sd-journal binding, so husk reads the entries through `journalctl -o
// json`, matched on CONTAINER_ID_FULL as Podman does.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import type { LogLine, LogOptions } from './api.ts';
import { LineJoiner } from './log-lines.ts';
import { isoTime } from '../../common/isotime.ts';

/** Where journald listens for native messages (sd_journal_sendv). */
export const JOURNAL_SOCKET = '/run/systemd/journal/socket';
const JOURNALCTL = '/usr/bin/journalctl';

/** Whether conmon's journald driver has a journal to write to on this host. */
export function journalAvailable(): boolean {
  return existsSync(JOURNAL_SOCKET) && existsSync(JOURNALCTL);
}

interface Entry {
  MESSAGE?: string | number[] | null;
  PRIORITY?: string;
  CONTAINER_PARTIAL_MESSAGE?: string;
  __REALTIME_TIMESTAMP: string;
  __CURSOR: string;
}

/** Microseconds since the epoch as RFC 3339 with nanoseconds (the k8s-file records' precision). */
function rfc3339(us: string): string {
  const n = BigInt(us);
  const iso = isoTime(new Date(Number(n / 1000n)));
  return `${iso.slice(0, 19)}.${String(n % 1_000_000n).padStart(6, '0')}000Z`;
}

/** Turns entries into lines, joining partial messages per stream; keeps what a later entry completes. */
class Assembler extends LineJoiner {
  cursor: string | undefined;

  push(json: string): LogLine | undefined {
    let e: Entry;
    try { e = JSON.parse(json) as Entry; } catch { return undefined; }
    this.cursor = e.__CURSOR;
    const stream = e.PRIORITY === '3' ? 'stderr' : 'stdout';
    // Binary or non-UTF-8 fields come as byte arrays.
    let text = Array.isArray(e.MESSAGE) ? Buffer.from(e.MESSAGE).toString('utf8') : e.MESSAGE ?? '';
    if (text.endsWith('\n')) text = text.slice(0, -1);
    return this.add(stream, rfc3339(e.__REALTIME_TIMESTAMP), text, e.CONTAINER_PARTIAL_MESSAGE === 'true');
  }
}

function journalArgs(id: string, cursor: string | undefined, follow: boolean): string[] {
  return ['--no-pager', '--all', '-o', 'json', ...(cursor ? [`--after-cursor=${cursor}`] : follow ? ['-n', 'all'] : []), ...(follow ? ['-f'] : []), `CONTAINER_ID_FULL=${id}`];
}

/** journald writes what it received lazily: a finished container's last lines may not be readable yet. Best effort (needs root). */
function syncJournal(): void {
  spawnSync(JOURNALCTL, ['--sync'], { stdio: 'ignore', timeout: 5000 });
}

async function readOnce(id: string, a: Assembler): Promise<LogLine[]> {
  const child = spawn(JOURNALCTL, journalArgs(id, a.cursor, false), { stdio: ['ignore', 'pipe', 'ignore'] });
  const out: LogLine[] = [];
  for await (const line of createInterface({ input: child.stdout })) {
    const l = a.push(line);
    if (l) out.push(l);
  }
  return out;
}

function keep(l: LogLine, o: LogOptions): boolean {
  const t = new Date(l.time);
  return (!o.since || t >= o.since) && (!o.until || t <= o.until);
}

/**
 * A container's journal lines, oldest first; with follow, until `live()`
 * says the container stopped (then what journald still held) or o.signal aborts.
 */
export async function* journalLines(id: string, name: string, o: LogOptions, live: () => boolean): AsyncGenerator<LogLine> {
  const a = new Assembler(id, name);
  if (!live()) syncJournal();
  const following = o.follow && live();
  let lines = (await readOnce(id, a)).concat(following ? [] : a.flush()).filter((l) => keep(l, o));
  if (o.tail !== undefined && o.tail >= 0) lines = o.tail === 0 ? [] : lines.slice(-o.tail);
  yield* lines;
  if (!following) return;
  const child = spawn(JOURNALCTL, journalArgs(id, a.cursor, true), { stdio: ['ignore', 'pipe', 'ignore'] });
  const queue: LogLine[] = [];
  let wake: (() => void) | undefined;
  let poked = false;
  const poke = () => { poked = true; wake?.(); };
  const rl = createInterface({ input: child.stdout });
  rl.on('line', (line) => {
    const l = a.push(line);
    if (l && keep(l, o)) queue.push(l);
    poke();
  });
  // The follower never ends by itself: the container's state decides.
  const timer = setInterval(poke, 200);
  o.signal?.addEventListener('abort', poke);
  try {
    while (!o.signal?.aborted) {
      yield* queue.splice(0);
      if (o.until && Date.now() > o.until.getTime()) return;
      if (!live()) {
        // Lines the follower has not passed on are read again after the cursor.
        rl.close();
        child.kill();
        syncJournal();
        yield* queue.splice(0);
        yield* (await readOnce(id, a)).concat(a.flush()).filter((l) => keep(l, o));
        return;
      }
      if (!poked) await new Promise<void>((r) => { wake = r; });
      wake = undefined;
      poked = false;
    }
  } finally {
    child.kill();
    rl.close();
    clearInterval(timer);
    o.signal?.removeEventListener('abort', poke);
  }
}
