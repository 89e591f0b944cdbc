// Joining a log's partial records into lines, for both log drivers. conmon
// cuts a line it has not seen the end of (longer than its buffer, or not yet
// finished) into partial records, and stdout's and stderr's records
// interleave, so each stream keeps its own unfinished line; one that a later
// read completes carries over to it.
import type { LogLine } from './api.ts';
import { compareText } from '../../common/order.ts';

type Open = { time: string; text: string };

export class LineJoiner {
  private open: Partial<Record<'stdout' | 'stderr', Open>> = {};
  private readonly id: string;
  private readonly name: string;
  constructor(id: string, name: string) {
    this.id = id;
    this.name = name;
  }

  /** Adds one record; returns the line it completes, if any. */
  add(stream: 'stdout' | 'stderr', time: string, text: string, partial: boolean): LogLine | undefined {
    const p = this.open[stream] ?? { time, text: '' };
    p.text += text;
    if (partial) {
      this.open[stream] = p;
      return undefined;
    }
    this.open[stream] = undefined;
    return { id: this.id, name: this.name, stream, time: p.time, text: p.text };
  }

  /** The partial lines nothing completed (a last line without its newline), as lines of their own. */
  flush(): LogLine[] {
    const out: LogLine[] = [];
    for (const stream of ['stdout', 'stderr'] as const) {
      const p = this.open[stream];
      if (p) out.push({ id: this.id, name: this.name, stream, time: p.time, text: p.text });
      this.open[stream] = undefined;
    }
    return out.sort((x, y) => compareText(x.time, y.time));
  }
}
