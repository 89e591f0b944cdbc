// Go's time.ParseDuration and Duration.String, for HEALTHCHECK
// --interval/--timeout/... and run/create's --health-* flags: image configs
// and the spec store those durations as nanoseconds.
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

/** Nanoseconds as Go prints a time.Duration: "30s", "1m30s", "1h0m0s", "250ms", "1.5s", "0s". */
export function formatDuration(ns: number): string {
  if (ns === 0) return '0s';
  const sign = ns < 0 ? '-' : '';
  const n = Math.abs(ns);
  if (n < 1e3) return `${sign}${n}ns`;
  if (n < 1e6) return `${sign}${trim(n / 1e3)}µs`;
  if (n < 1e9) return `${sign}${trim(n / 1e6)}ms`;
  const h = Math.floor(n / 3600e9);
  const m = Math.floor((n % 3600e9) / 60e9);
  const s = trim((n % 60e9) / 1e9);
  return `${sign}${h ? `${h}h${m}m` : m ? `${m}m` : ''}${s}s`;
}

const trim = (v: number) => String(Number(v.toFixed(9)));
