// Reading and editing a stored create command (Podman's CreateCommand) for
// `generate systemd --new`. Podman parses it with a pflag set that knows only
// the few flags it cares about, tolerates every other flag, and stops at the
// first positional word (the image); unknown flags written as `--flag value`
// swallow the next word if it does not start with "-". The same rules here
// give the same split between flags and the image plus its command.

/** The flags Podman looks for, with whether each takes a value. */
const KNOWN: Record<string, { short?: string; bool: boolean }> = {
  detach: { short: 'd', bool: true },
  name: { bool: false },
  replace: { bool: true },
  env: { short: 'e', bool: false },
  sdnotify: { bool: false },
  restart: { bool: false },
  // Podman declares -h so that `-h hostname` is not taken for --help.
  help: { short: 'h', bool: false },
};
const SHORT = new Map(Object.entries(KNOWN).flatMap(([k, v]) => (v.short ? [[v.short, k] as const] : [])));

export interface ScannedFlags {
  /** Values of the known flags, in order; bools as "true"/"false". */
  values: Map<string, string[]>;
  /** Number of trailing positional words (the image and its command): never edited. */
  nArg: number;
}

/** Drops the value of an unknown flag the way pflag's stripUnknownFlagValue does. */
function stripUnknownValue(rest: string[]): string[] {
  if (rest.length === 0 || rest[0].startsWith('-')) return rest;
  return rest.slice(1);
}

export function scanFlags(args: string[]): ScannedFlags {
  const values = new Map<string, string[]>();
  const set = (name: string, v: string) => values.set(name, [...(values.get(name) ?? []), v]);
  let rest = [...args];
  while (rest.length > 0) {
    const a = rest[0];
    if (a === '--') { rest = rest.slice(1); break; }
    if (!a.startsWith('-') || a === '-') break;
    rest = rest.slice(1);
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const name = eq < 0 ? a.slice(2) : a.slice(2, eq);
      const def = KNOWN[name];
      if (!def) {
        if (eq < 0) rest = stripUnknownValue(rest);
        continue;
      }
      if (eq >= 0) set(name, a.slice(eq + 1));
      else if (def.bool) set(name, 'true');
      else if (rest.length > 0) { set(name, rest[0]); rest = rest.slice(1); }
      continue;
    }
    // A group of shorthands: -dit, -e FOO, -eFOO, -d=false.
    let shorts = a.slice(1);
    while (shorts.length > 0) {
      const c = shorts[0];
      const name = SHORT.get(c);
      if (!name) {
        if (shorts.length > 2 && shorts[1] === '=') break;
        rest = stripUnknownValue(rest);
        shorts = shorts.slice(1);
        continue;
      }
      const def = KNOWN[name];
      if (shorts.length > 2 && shorts[1] === '=') { set(name, shorts.slice(2)); break; }
      if (def.bool) { set(name, 'true'); shorts = shorts.slice(1); continue; }
      if (shorts.length > 1) set(name, shorts.slice(1));
      else if (rest.length > 0) { set(name, rest[0]); rest = rest.slice(1); }
      break;
    }
  }
  return { values, nArg: rest.length };
}

const isTrue = (v: string | undefined) => v !== undefined && /^(1|t|true)$/i.test(v);

export const flagBool = (f: ScannedFlags, name: string) => isTrue(f.values.get(name)?.at(-1));
export const flagChanged = (f: ScannedFlags, name: string) => f.values.has(name);
export const flagString = (f: ScannedFlags, name: string) => f.values.get(name)?.at(-1);

/** Edits only the flag part of args, leaving the last `nArg` words alone. */
function editFlags(args: string[], nArg: number, fn: (flags: string[]) => string[]): string[] {
  const cut = args.length - nArg;
  return [...fn(args.slice(0, cut)), ...args.slice(cut)];
}

/** Removes flags, with their separate value where `withValue` names them. */
function dropFlags(flags: string[], bare: string[], withValue: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < flags.length; i++) {
    const s = flags[i];
    if (bare.includes(s)) continue;
    if (withValue.includes(s)) { i++; continue; }
    if ([...bare, ...withValue].some((f) => f.startsWith('--') && s.startsWith(f + '='))) continue;
    out.push(s);
  }
  return out;
}

/** Podman's filterCommonContainerFlags: --rm, --cgroups, --cidfile and --restart go; the unit sets its own. */
export const filterCommonContainerFlags = (args: string[], nArg: number) =>
  editFlags(args, nArg, (f) => dropFlags(f, ['--rm'], ['--cgroups', '--cidfile', '--restart']));

/** Podman's filterPodFlags: the pod is named by the pod unit's --pod-id-file instead. */
export const filterPodFlags = (args: string[], nArg: number) =>
  editFlags(args, nArg, (f) => dropFlags(f, [], ['--pod', '--pod-id-file', '--infra-conmon-pidfile']));

export const removeSdNotify = (args: string[], nArg: number) =>
  editFlags(args, nArg, (f) => dropFlags(f, [], ['--sdnotify']));

export const removeDetachFalse = (args: string[], nArg: number) =>
  editFlags(args, nArg, (f) => f.filter((s) => s !== '-d=false' && s !== '--detach=false'));

export const removeReplaceFalse = (args: string[], nArg: number) =>
  editFlags(args, nArg, (f) => f.filter((s) => s !== '--replace=false'));
