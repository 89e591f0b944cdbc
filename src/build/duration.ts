// Go's time.ParseDuration, for HEALTHCHECK --interval/--timeout/...: the
// image config stores those durations as nanoseconds.
import { invalidArgument } from '../common/errors.ts';

const UNITS: Record<string, number> = { ns: 1, us: 1e3, 'µs': 1e3, 'μs': 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };

/** "1m30s", "1.5h", "250ms" → nanoseconds (an integer). */
export function parseDuration(s: string): number {
  const bad = () => invalidArgument(`time: invalid duration "${s}"`);
  let rest = s;
  let sign = 1;
  if (rest.startsWith('-') || rest.startsWith('+')) {
    sign = rest[0] === '-' ? -1 : 1;
    rest = rest.slice(1);
  }
  if (rest === '0') return 0;
  if (!rest) throw bad();
  let total = 0;
  while (rest) {
    const m = /^(\d*(?:\.\d*)?)([^\d.]+)/.exec(rest);
    if (!m || m[1] === '' || m[1] === '.') throw bad();
    const unit = UNITS[m[2]];
    if (unit === undefined) throw invalidArgument(`time: unknown unit "${m[2]}" in duration "${s}"`);
    total += Number(m[1]) * unit;
    rest = rest.slice(m[0].length);
  }
  if (!Number.isSafeInteger(Math.round(total))) throw invalidArgument(`time: invalid duration "${s}"`);
  return sign * Math.round(total);
}
