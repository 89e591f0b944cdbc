// Pull and push progress on stderr, shaped like Podman's. Off a terminal it
// is one plain line per blob once its fate is known, which is what scripts
// and logs want. On a terminal each blob gets a row that is redrawn in place
// (cursor-up + clear-to-end, as Podman's progress library does): a bar with
// bytes done / total and the speed while it downloads, its final state after.
import type { PullProgress, PushProgress } from '../engine/image/api.ts';
import { pushLine } from '../common/pushline.ts';

export type { PushProgress };

export interface Progress {
  /** A message line (e.g. "Trying to pull ..."), printed above any live rows. */
  line(s: string): void;
  pull(p: PullProgress): void;
  push(p: PushProgress): void;
  /** Draws the final state now; call once the transfer ends, also on failure. */
  finish(): void;
}

export interface ProgressOptions {
  quiet?: boolean;
  out?: { write(s: string): unknown; isTTY?: boolean; columns?: number };
  /** Force terminal (true) or plain (false) output; by default a TTY that is not TERM=dumb. */
  terminal?: boolean;
  /** Digest of the pushed image's config, so its row reads "config" like Podman's. */
  pushConfig?: string;
  /** Clock in ms (tests). */
  now?: () => number;
}

const REDRAW_MS = 100; // ~10 redraws a second: smooth enough, cheap on a fast pull

const short = (digest: string, n = 12) => digest.slice(digest.indexOf(':') + 1).slice(0, n);

export function createProgress(o: ProgressOptions = {}): Progress {
  const out = o.out ?? process.stderr;
  if (o.quiet) return { line() {}, pull() {}, push() {}, finish() {} };
  // Cursor movement means nothing to a dumb terminal: it gets the plain lines.
  const terminal = o.terminal ?? (!!out.isTTY && process.env.TERM !== 'dumb');
  return terminal ? terminalProgress(out, o) : plainProgress(out);
}

/** One line per blob, printed once (the pull reports a blob's end only once, but be safe). */
function plainProgress(out: { write(s: string): unknown }): Progress {
  const said = new Set<string>();
  const line = (s: string) => { out.write(`${s}\n`); };
  return {
    line,
    pull(p) {
      if (p.kind === 'manifest' && !said.has('sig')) { said.add('sig'); line('Getting image source signatures'); }
      if ((p.kind === 'skip' || p.kind === 'done') && !said.has(p.digest)) {
        said.add(p.digest);
        line(`Copying blob ${short(p.digest)} ${p.kind === 'skip' ? 'skipped: already exists' : 'done'}`);
      }
      if (p.kind === 'config') line(`Copying config ${short(p.digest)} done`);
    },
    push(p) {
      if (!said.has('sig')) { said.add('sig'); line('Getting image source signatures'); }
      if (p.kind === 'manifest') return line('Writing manifest to image destination');
      line(pushLine(p));
    },
    finish() {},
  };
}

interface Row {
  prefix: string;
  /** Fixed text instead of a bar ("skipped: already exists", "uploading", "done"). */
  text?: string;
  size: number;
  bytes: number;
  final: boolean;
  start?: number;
  end?: number;
  /** Recent (time, bytes) points for the current speed; at the end the average is shown. */
  samples: [number, number][];
}

/** Podman's sizes: one decimal, binary units, "b" for bytes. */
export function formatBytes(n: number, sep = ''): string {
  const units = ['b', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
  return `${n.toFixed(1)}${sep}${units[i]}`;
}

function terminalProgress(out: NonNullable<ProgressOptions['out']>, o: ProgressOptions): Progress {
  const now = o.now ?? (() => performance.now());
  const rows = new Map<string, Row>();
  // Rows still on screen below everything else; rows above the first
  // unfinished one never change again and leave the redraw region.
  let live: Row[] = [];
  let drawn = 0; // screen lines the live region occupies (the cursor sits below them)
  let lastDraw = -Infinity;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let signed = false;

  const speed = (r: Row): number => {
    if (r.start === undefined) return 0;
    if (r.final && r.end !== undefined) return r.end > r.start ? r.bytes / ((r.end - r.start) / 1000) : 0;
    const [t0, b0] = r.samples[0] ?? [r.start, 0];
    const dt = now() - t0;
    return dt > 0 ? (r.bytes - b0) / (dt / 1000) : 0;
  };

  const render = (r: Row, width: number): string => {
    if (r.text !== undefined) return `${r.prefix} ${r.text}`.slice(0, width);
    const counters = r.size > 0 ? `${formatBytes(r.bytes)} / ${formatBytes(r.size)}` : formatBytes(r.bytes);
    const tail = ` ${counters} | ${formatBytes(speed(r), ' ')}/s`;
    // The bar takes what the terminal leaves, within reason; none if too narrow.
    const barWidth = Math.min(40, width - r.prefix.length - tail.length - 3);
    if (r.size <= 0 || barWidth < 5) return `${r.prefix}${tail}`.slice(0, width);
    const filled = Math.min(barWidth, Math.floor((barWidth * r.bytes) / r.size));
    const bar = filled >= barWidth ? '='.repeat(barWidth) : `${'='.repeat(Math.max(0, filled - 1))}>${'-'.repeat(barWidth - Math.max(1, filled))}`;
    return `${r.prefix} [${bar}]${tail}`;
  };

  /** Repaints the live region, with `above` printed first; freezes rows that are done. */
  const draw = (above: string[] = []) => {
    if (timer) { clearTimeout(timer); timer = undefined; }
    lastDraw = now();
    // Keep one column spare: a line that fills the width would wrap on some
    // terminals and throw the cursor-up count off.
    const width = Math.max(20, (out.columns ?? 80) - 1);
    const lines = [...above, ...live.map((r) => render(r, width))];
    // Speed is measured over the last ~2 s of frames (since the start at first).
    for (const r of live) {
      if (r.final || r.start === undefined) continue;
      r.samples.push([lastDraw, r.bytes]);
      while (r.samples.length > 1 && lastDraw - r.samples[0][0] > 2000) r.samples.shift();
    }
    const up = drawn ? `\x1b[${drawn}A\r\x1b[J` : '';
    out.write(`${up}${lines.map((l) => `${l}\n`).join('')}`);
    while (live.length && live[0].final) live.shift();
    drawn = live.length;
  };

  const schedule = () => {
    if (timer) return;
    timer = setTimeout(() => { timer = undefined; draw(); }, Math.max(0, lastDraw + REDRAW_MS - now()));
    // A pending redraw must not keep a failed command alive.
    timer.unref();
  };

  const row = (key: string, prefix: string): Row => {
    let r = rows.get(key);
    if (!r) {
      r = { prefix, size: 0, bytes: 0, final: false, samples: [] };
      rows.set(key, r);
      live.push(r);
    }
    return r;
  };
  // Podman cuts "Copying <kind> <digest>" to the length of a blob's prefix
  // with 12 hex digits, so a config shows 10.
  const prefix = (kind: 'blob' | 'config', digest: string) => `Copying ${kind} ${short(digest, 64)}`.slice(0, 'Copying blob '.length + 12);
  const settle = (r: Row, text?: string) => {
    r.final = true;
    r.text = text;
    r.end ??= now();
    if (r.size > 0) r.bytes = r.size; // the last throttled frame may have missed the tail
    schedule();
  };
  const signatures = () => {
    if (signed) return;
    signed = true;
    draw(['Getting image source signatures']);
  };

  return {
    line: (s) => draw([s]),
    pull(p) {
      switch (p.kind) {
        case 'manifest': return signatures();
        case 'config': return settle(row(p.digest, prefix('config', p.digest)), 'done');
        case 'skip': return settle(row(p.digest, prefix('blob', p.digest)), 'skipped: already exists');
        case 'blob': {
          const r = row(p.digest, prefix('blob', p.digest));
          r.start ??= now();
          r.size = p.size ?? r.size;
          r.bytes = p.bytes ?? r.bytes;
          return schedule();
        }
        case 'done': {
          const r = row(p.digest, prefix('blob', p.digest));
          r.size = p.size ?? r.size;
          r.start ??= now();
          return settle(r);
        }
      }
    },
    push(p) {
      signatures();
      if (p.kind === 'manifest') {
        // The manifest goes up only after every blob did: all uploads are done.
        for (const r of rows.values()) if (!r.final) settle(r, 'done');
        draw();
        return draw(['Writing manifest to image destination']);
      }
      const r = row(p.digest, prefix(p.digest === o.pushConfig ? 'config' : 'blob', p.digest));
      // No byte counts for uploads: the row says what is happening, then how it ended.
      if (p.kind === 'upload') { r.text = 'uploading'; return schedule(); }
      settle(r, p.kind === 'exists' ? 'skipped: already exists' : 'mounted');
    },
    finish() {
      if (live.length || timer) draw();
      // Whatever did not finish stays as last drawn; later output goes below it.
      live = [];
      drawn = 0;
    },
  };
}
