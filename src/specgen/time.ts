// Podman's --since/--until and until= filter values: RFC 3339, a date, a
// Unix timestamp or a Go duration ago ("10m"). Shared by the CLI's flags and
// the engine's filters.
import { invalidArgument } from '../common/errors.ts';

export function parseTime(v: string): Date {
  if (/^\d+(\.\d+)?$/.test(v)) return new Date(Number(v) * 1000);
  const dur = /^(\d+(?:\.\d+)?)(ns|us|ms|s|m|h)$/.exec(v);
  if (dur) {
    const mult: Record<string, number> = { ns: 1e-6, us: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
    return new Date(Date.now() - Number(dur[1]) * mult[dur[2]]);
  }
  const d = new Date(v);
  if (Number.isNaN(d.getTime())) throw invalidArgument(`invalid time "${v}": expected RFC 3339, a Unix timestamp or a duration like 10m`);
  return d;
}
