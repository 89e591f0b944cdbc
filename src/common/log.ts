// husk's own log lines (--log-level), in logrus's text format as Podman
// prints them: `DEBU[0003] msg` on a terminal, `time="…" level=debug msg="…"`
// otherwise. Any layer may log; nothing is written until a front end gives
// a sink (the CLI: stderr), so library users and the default level (warn)
// pay one comparison per call. main.ts loads it only when it is to print.

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'warning' | 'error' | 'fatal' | 'panic';

const RANK: Record<LogLevel, number> = { panic: 0, fatal: 1, error: 2, warn: 3, warning: 3, info: 4, debug: 5, trace: 6 };
const LABEL = ['PANI', 'FATA', 'ERRO', 'WARN', 'INFO', 'DEBU', 'TRAC'];
const NAME = ['panic', 'fatal', 'error', 'warning', 'info', 'debug', 'trace'];

let threshold = RANK.warn;
let sink: ((line: string) => void) | undefined;
let terminal: (() => boolean) | undefined;

/** Sets the level and where lines go; `isTerminal` is asked once per line (the format follows it, as logrus's). */
export function configureLog(level: LogLevel, write: (line: string) => void, isTerminal: () => boolean): void {
  threshold = RANK[level];
  sink = write;
  terminal = isTerminal;
}

/** Whether a line at `level` would be written (to skip building costly messages). */
export function logEnabled(level: LogLevel): boolean {
  return sink !== undefined && RANK[level] <= threshold;
}

/**
 * conmon's --log-level (and --syslog at debug), as Podman passes its own
 * level on: logrus's name for the level set, `warning` by default.
 */
export function conmonLogArgs(): string[] {
  const name = NAME[threshold]!;
  return ['--log-level', name, ...(threshold >= 5 ? ['--syslog'] : [])];
}

export type LogFields = Record<string, string | number | boolean>;

export function logDebug(msg: string, fields?: LogFields): void {
  if (threshold >= 5) emit(5, msg, fields);
}
export function logInfo(msg: string, fields?: LogFields): void {
  if (threshold >= 4) emit(4, msg, fields);
}
export function logWarn(msg: string, fields?: LogFields): void {
  if (threshold >= 3) emit(3, msg, fields);
}

function emit(rank: number, msg: string, fields?: LogFields): void {
  if (sink) sink(formatLogLine(rank, msg, fields, terminal?.() ?? false));
}

// logrus quotes a value unless it is made only of these.
const BARE = /^[A-Za-z0-9\-._/@^+]+$/;
const quote = (v: string) => (BARE.test(v) ? v : JSON.stringify(v));

/** RFC 3339 in local time, seconds precision (logrus's default timestamp). */
function rfc3339(d: Date): string {
  const off = -d.getTimezoneOffset();
  const p = (n: number) => String(Math.trunc(Math.abs(n))).padStart(2, '0');
  const zone = off === 0 ? 'Z' : `${off < 0 ? '-' : '+'}${p(off / 60)}:${p(off % 60)}`;
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}${zone}`;
}

/** One line: logrus's TextFormatter, without colours on a terminal (as husk's other warnings). */
export function formatLogLine(rank: number, msg: string, fields: LogFields | undefined, onTerminal: boolean, now = new Date()): string {
  const extra = Object.entries(fields ?? {}).map(([k, v]) => `${k}=${quote(String(v))}`);
  if (onTerminal) {
    const secs = String(Math.trunc(process.uptime())).padStart(4, '0');
    return `${LABEL[rank]}[${secs}] ${msg}${extra.length ? ` ${extra.join(' ')}` : ''}\n`;
  }
  return `time=${quote(rfc3339(now))} level=${NAME[rank]} msg=${quote(msg)}${extra.map((e) => ` ${e}`).join('')}\n`;
}
