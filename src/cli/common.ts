// Helpers shared by command modules: opening the engine from global flags,
// flag parsers, and Podman's human-readable times.
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { humanDuration } from '../common/duration.ts';
import { HuskError, invalidArgument, type ErrorCode } from '../common/errors.ts';

export { humanDuration };
import type { Engine, ItemReport } from '../engine/api.ts';
import { connect } from '../connect.ts';

/** Whether the global flags or the environment ask for a remote engine. */
export function isRemote(cmd: Command): boolean {
  let root: Command = cmd;
  while (root.parent) root = root.parent;
  const g = root.opts() as { remote?: boolean; url?: string; connection?: string };
  return !!(g.remote || g.url || g.connection || process.env.CONTAINER_HOST || process.env.CONTAINER_CONNECTION);
}

/** The engine the global flags ask for: local (--root, --runroot, --runtime) or remote (--remote, --url, --connection, CONTAINER_HOST); ownSockets: systemd's sockets are the caller's own, not for containers. */
export async function connectFor(cmd: Command, o: { ownSockets?: boolean } = {}): Promise<Engine> {
  let root: Command = cmd;
  while (root.parent) root = root.parent;
  const g = root.opts() as {
    root?: string; runroot?: string; runtime?: string; remote?: boolean; url?: string; connection?: string;
    runtimeFlag?: string[]; eventsBackend?: string; module?: string[]; storageDriver?: string; storageOpt?: string[];
    networkConfigDir?: string; cniConfigDir?: string; imagestore?: string;
  };
  const url = isRemote(cmd) ? (await import('./connection.ts')).remoteURL(g) : undefined;
  if (url) return connect({ url });
  return connect({
    root: g.root, runroot: g.runroot, runtime: g.runtime,
    // Podman's --runtime-flag takes the flag without its dashes (debug, log=FILE).
    runtimeFlags: g.runtimeFlag?.map((f) => (f.startsWith('-') ? f : f.length === 1 ? `-${f}` : `--${f}`)),
    eventsBackend: g.eventsBackend as 'file' | 'none' | undefined, modules: g.module, storageDriver: g.storageDriver, storageOpts: g.storageOpt,
    networkConfigDir: g.networkConfigDir ?? g.cniConfigDir, imageStore: g.imagestore,
    // A service serves the activation socket itself; its containers must not inherit it.
    socketActivation: o.ownSockets ? undefined : socketActivation(process.env),
    // A server's own fds (its listening sockets) never go to a container a client asks for.
    inheritedFds: o.ownSockets ? 0 : inheritedFds(),
    // A service stays up: its monitors' pipes must not hold threadpool threads (ConnectOptions.oneShot).
    oneShot: !o.ownSockets,
  });
}

/** How many fds from 3 on the launcher found open (it counts them when --preserve-fds is on the line); undefined: not counted. */
function inheritedFds(): number | undefined {
  const n = process.env.HUSK_INHERITED_FDS;
  return n === undefined || !/^\d+$/.test(n) ? undefined : Number(n);
}

/**
 * --preserve-fds N (run, exec): fds 3..3+N-1 must be the caller's, as
 * Podman checks. Without the launcher's count (Node started directly)
 * nothing is checked: such a caller vouches for its fds 3.. itself.
 */
export function checkPreservedFds(n: number | undefined): void {
  const have = inheritedFds();
  if (!n || have === undefined || n <= have) return;
  throw invalidArgument(`file descriptor ${3 + have} is not available - the preserve-fds option requires that file descriptors must be passed`);
}

/** The sockets systemd handed this process (a container started by it inherits them, as under Podman). */
function socketActivation(env: NodeJS.ProcessEnv): { fds: number; names?: string } | undefined {
  const fds = Number(env.LISTEN_FDS);
  return Number.isInteger(fds) && fds > 0 ? { fds, names: env.LISTEN_FDNAMES } : undefined;
}

/** -l/--latest, one definition for every container command that has it. */
export function addLatestFlag(cmd: Command): Command {
  return cmd.option('-l, --latest', 'Act on the latest container husk is aware of', false);
}

/**
 * Podman's CheckAllLatestAndCIDFile (cmd/podman/validate): --all, --latest,
 * --cidfile and names exclude one another, and one of them is needed
 * (`ignoreArgLen`: names may come with --latest, the command decides).
 */
export function checkAllLatest(names: string[], o: { all?: boolean; latest?: boolean; cidfile?: string[] }, ignoreArgLen = false): void {
  const cidfile = !!o.cidfile?.length;
  if (cidfile && (o.all || o.latest)) throw invalidArgument('--all, --latest, and --cidfile cannot be used together');
  if (o.all && o.latest) throw invalidArgument('--all and --latest cannot be used together');
  if (names.length && o.all) throw invalidArgument('no arguments are needed with --all');
  if (ignoreArgLen) return;
  if (names.length && o.latest) throw invalidArgument('--latest and containers cannot be used together');
  if (names.length && cidfile) throw invalidArgument('no arguments are needed with --latest or --cidfile');
  if (!names.length && !o.all && !o.latest && !cidfile) throw invalidArgument('you must provide at least one name or id');
}

/** The ID of the most recently created container; Podman's bare "no such container" when there is none. */
export async function latestContainer(engine: Engine): Promise<string> {
  const [c] = await engine.containers.list({ latest: true });
  if (!c) throw new HuskError('NO_SUCH_CONTAINER', 'no such container');
  return c.config.id;
}

/** Collector for repeatable flags (-e A -e B). */
export const collect = (v: string, prev: string[] = []) => [...prev, v];

/** pflag's StringSlice: repeatable, and each value split on commas. */
export const collectSlice = (v: string, prev: string[] = []) => [...prev, ...v.split(',').filter(Boolean)];

export function parseIntFlag(name: string) {
  return (v: string): number => {
    if (!/^-?\d+$/.test(v)) throw invalidArgument(`invalid argument "${v}" for "${name}" flag: strconv.ParseInt: parsing "${v}": invalid syntax`);
    return Number(v);
  };
}

/** A uint flag (Podman's UintVarP): `flag` as cobra names it in the error, e.g. "-t, --time". */
export function parseUintFlag(flag: string) {
  return (v: string): number => {
    if (!/^\+?\d+$/.test(v)) throw invalidArgument(`invalid argument "${v}" for "${flag}" flag: strconv.ParseUint: parsing "${v}": invalid syntax`);
    return Number(v);
  };
}

/** -e NAME=VALUE, -e NAME (from the caller's environment), -e 'PREFIX*'. */
export function parseEnv(items: string[], into: Record<string, string> = {}): Record<string, string> {
  for (const item of items) {
    const eq = item.indexOf('=');
    if (eq === 0) throw invalidArgument(`invalid environment variable: "${item}"`);
    if (eq > 0) into[item.slice(0, eq)] = item.slice(eq + 1);
    else if (item.endsWith('*')) {
      const prefix = item.slice(0, -1);
      for (const [k, v] of Object.entries(process.env)) if (k.startsWith(prefix) && v !== undefined) into[k] = v;
    } else if (process.env[item] !== undefined) into[item] = process.env[item]!;
  }
  return into;
}

/** The trimmed lines of a --env-file/--label-file, without blanks and # comments; Podman's open error. */
export function readFlagFileLines(f: string): string[] {
  let text: string;
  try {
    text = readFileSync(f, 'utf8');
  } catch (e) {
    throw invalidArgument(`open ${f}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : (e as Error).message}`);
  }
  return text.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
}

export function parseEnvFiles(files: string[], into: Record<string, string> = {}): Record<string, string> {
  for (const f of files) parseEnv(readFlagFileLines(f), into);
  return into;
}

export function parseLabels(items: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const l of items) {
    const eq = l.indexOf('=');
    if (eq === 0) throw invalidArgument(`invalid label "${l}"`);
    if (eq < 0) out[l] = '';
    else out[l.slice(0, eq)] = l.slice(eq + 1);
  }
  return out;
}

export function ago(iso: string): string {
  return `${humanDuration(Date.now() - new Date(iso).getTime())} ago`;
}

export { parseTime } from '../specgen/time.ts';

export function humanSize(bytes: number): string {
  // Podman uses decimal units with 3 significant digits (go-units HumanSize).
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let v = bytes;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) { v /= 1000; i++; }
  return `${Number(v.toPrecision(3))} ${units[i]}`;
}

export function print(s: string): void {
  process.stdout.write(s.endsWith('\n') ? s : `${s}\n`);
}

/**
 * Runs fn for each name, going on after failures: every error but the last
 * is printed, the last is thrown (exit 125) — or, for codes listed in
 * `exitCodes` (Podman's rm commands: 1 unknown, 2 in use), printed with that
 * exit code instead.
 */
export async function each(names: string[], fn: (n: string) => Promise<void>, exitCodes: Partial<Record<ErrorCode, number>> = {}): Promise<void> {
  let failed: Error | undefined;
  for (const n of names) {
    try {
      await fn(n);
    } catch (err) {
      if (failed) process.stderr.write(`Error: ${failed.message}\n`);
      failed = err as Error;
    }
  }
  if (!failed) return;
  const code = failed instanceof HuskError ? exitCodes[failed.code] : undefined;
  if (code === undefined) throw failed;
  process.stderr.write(`Error: ${failed.message}\n`);
  process.exitCode = code;
}

/**
 * Prints a batch verb's reports as Podman does: each success as `line(r)`
 * (default: the name or ID as given), each error but the last on stderr,
 * the last thrown (exit 125) — or, for codes listed in `exitCodes` (Podman's
 * rm commands: 1 unknown, 2 in use), printed with that exit code instead.
 */
let warningsShown = true;

/** --log-level=error, fatal or panic: warnings are not printed (main.ts calls this). */
export function hideWarnings(): void {
  warningsShown = false;
}

/**
 * A warning on stderr as Podman's logrus prints it: `WARN[0001] msg` on a
 * terminal (seconds since start), else `time="…" level=warning msg="…"`.
 */
export function warn(msg: string): void {
  if (!warningsShown) return;
  if (process.stderr.isTTY) {
    const secs = Math.floor(process.uptime());
    process.stderr.write(`WARN[${String(secs).padStart(4, '0')}] ${msg}\n`);
  } else {
    const t = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    process.stderr.write(`time="${t}" level=warning msg=${JSON.stringify(msg)}\n`);
  }
}

export function printReports(reports: ItemReport[], o: { line?: (r: ItemReport) => string | undefined; exitCodes?: Partial<Record<ErrorCode, number>> } = {}): void {
  let failed: HuskError | undefined;
  for (const r of reports) {
    for (const w of r.warnings ?? []) warn(w);
    if (r.error) {
      if (failed) process.stderr.write(`Error: ${failed.message}\n`);
      failed = HuskError.from(r.error);
      continue;
    }
    const text = o.line ? o.line(r) : r.rawInput;
    if (text !== undefined) print(text);
  }
  if (!failed) return;
  const code = o.exitCodes?.[failed.code];
  if (code === undefined) throw failed;
  process.stderr.write(`Error: ${failed.message}\n`);
  process.exitCode = code;
}
