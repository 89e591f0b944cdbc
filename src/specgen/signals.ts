// Signal names and numbers (Linux x86/arm), for stop signals and kill.
import { invalidArgument } from '../common/errors.ts';

export const SIGNALS: Record<string, number> = {
  HUP: 1, INT: 2, QUIT: 3, ILL: 4, TRAP: 5, ABRT: 6, IOT: 6, BUS: 7, FPE: 8, KILL: 9, USR1: 10, SEGV: 11, USR2: 12,
  PIPE: 13, ALRM: 14, TERM: 15, STKFLT: 16, CHLD: 17, CONT: 18, STOP: 19, TSTP: 20, TTIN: 21, TTOU: 22, URG: 23,
  XCPU: 24, XFSZ: 25, VTALRM: 26, PROF: 27, WINCH: 28, IO: 29, PWR: 30, SYS: 31,
};

/**
 * Parses "SIGTERM", "TERM", "15" (a leading dash is allowed: `kill -s -HUP`)
 * into a signal number, with Podman's errors (130-kill.bats): "invalid signal: X"
 * for 0 and unknown names (without the dash), "valid signals are 1 through 64"
 * for numbers out of range.
 */
export function parseSignal(s: string): number {
  const raw = s.startsWith('-') ? s.slice(1) : s;
  const t = raw.trim().toUpperCase();
  if (/^\d+$/.test(t)) {
    const n = Number(t);
    if (n === 0) throw invalidArgument(`invalid signal: ${raw}`);
    if (n > 64) throw invalidArgument('valid signals are 1 through 64');
    return n;
  }
  const name = t.startsWith('SIG') ? t.slice(3) : t;
  if (name in SIGNALS) return SIGNALS[name];
  const rt = /^RTMIN(?:\+(\d+))?$/.exec(name);
  if (rt && 34 + Number(rt[1] ?? 0) <= 64) return 34 + Number(rt[1] ?? 0);
  throw invalidArgument(`invalid signal: ${raw}`);
}
