// Event log: one JSON object per line in RUNROOT/events/events.log (the
// "file" events backend of Podman), appended with O_APPEND so concurrent
// writers never interleave within a line.
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';

export interface HuskEvent {
  ID: string;
  Image?: string;
  Name?: string;
  Status: string;
  Type: 'container' | 'image' | 'pod' | 'volume' | 'network' | 'system';
  /** RFC 3339 with nanoseconds. */
  Time: string;
  /** Unix time in nanoseconds, for --since/--until filtering. */
  timeNano: number;
  ContainerExitCode?: number;
  Attributes?: Record<string, string>;
}

export class EventLog {
  readonly path: string;
  constructor(path: string) {
    this.path = path;
  }

  write(e: Omit<HuskEvent, 'Time' | 'timeNano'>): void {
    const ms = Date.now();
    const ev: HuskEvent = { ...e, Time: new Date(ms).toISOString(), timeNano: ms * 1e6 };
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
    return readFileSync(this.path, 'utf8').split('\n').filter(Boolean).flatMap((l) => {
      try {
        return [JSON.parse(l) as HuskEvent];
      } catch {
        return [];
      }
    });
  }
}
