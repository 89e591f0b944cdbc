// Instruction flags (`COPY --from=build`, `RUN --mount=type=cache,...`): which
// instruction takes which flag, and the checks BuildKit's BFlags makes.
import { invalidArgument } from '../common/errors.ts';
import type { Flag } from './ast.ts';

type FlagKind = 'string' | 'bool' | 'list';

const SPECS: Record<string, Record<string, FlagKind>> = {
  FROM: { platform: 'string' },
  RUN: { mount: 'list', network: 'string', security: 'string' },
  COPY: { from: 'string', chown: 'string', chmod: 'string', link: 'bool', parents: 'bool', exclude: 'list' },
  ADD: {
    chown: 'string', chmod: 'string', link: 'bool', checksum: 'string', 'keep-git-dir': 'bool',
    exclude: 'list', unpack: 'bool',
  },
  HEALTHCHECK: { interval: 'string', timeout: 'string', 'start-period': 'string', 'start-interval': 'string', retries: 'string' },
};

export type FlagValues = Map<string, string | boolean | string[]>;

/** Checks `flags` against what `instruction` accepts; returns them by name. */
export function checkFlags(instruction: string, flags: Flag[]): FlagValues {
  const spec = SPECS[instruction] ?? {};
  const out: FlagValues = new Map();
  for (const { name, value } of flags) {
    const kind = spec[name];
    if (!kind) throw invalidArgument(`unknown flag: ${name}`);
    if (kind === 'bool') {
      if (value !== undefined && !/^(true|false)$/i.test(value)) throw invalidArgument(`expecting boolean value for flag ${name}, not: ${value}`);
      if (out.has(name)) throw invalidArgument(`duplicate flag specified: ${name}`);
      out.set(name, value === undefined || value.toLowerCase() === 'true');
      continue;
    }
    if (value === undefined) throw invalidArgument(`missing a value on flag: ${name}`);
    if (kind === 'list') {
      const list = (out.get(name) as string[] | undefined) ?? [];
      list.push(value);
      out.set(name, list);
    } else {
      if (out.has(name)) throw invalidArgument(`duplicate flag specified: ${name}`);
      out.set(name, value);
    }
  }
  return out;
}

const MOUNT_TYPES = new Set(['bind', 'cache', 'tmpfs', 'secret', 'ssh']);
const MOUNT_KEYS: Record<string, string> = {
  type: 'type', from: 'from', source: 'source', src: 'source', target: 'target', dst: 'target',
  destination: 'target', readonly: 'readonly', ro: 'readonly', readwrite: 'readwrite', rw: 'readwrite',
  id: 'id', sharing: 'sharing', mode: 'mode', uid: 'uid', gid: 'gid', required: 'required', size: 'size', env: 'env',
};

/** CSV fields with `"`-quoting, as Go's encoding/csv reads the --mount value. */
function csvFields(s: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (quoted) {
      if (c === '"' && s[i + 1] === '"') cur += s[++i];
      else if (c === '"') quoted = false;
      else cur += c;
    } else if (c === '"' && cur === '') quoted = true;
    else if (c === ',') {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  if (quoted) throw invalidArgument(`extraneous or missing " in quoted-field`);
  out.push(cur);
  return out;
}

/**
 * One `--mount=` value as key/value pairs with BuildKit's aliases folded
 * (src→source, dst→target, ro→readonly=true). Values still hold `$VAR`s;
 * checks that depend on a value are skipped when it has one.
 */
export function parseMount(spec: string): Record<string, string> {
  const m: Record<string, string> = {};
  for (const field of csvFields(spec)) {
    const eq = field.indexOf('=');
    const rawKey = (eq < 0 ? field : field.slice(0, eq)).trim().toLowerCase();
    const key = MOUNT_KEYS[rawKey];
    if (!key) throw invalidArgument(`unexpected key '${rawKey}' in '${field}'`);
    let value = eq < 0 ? 'true' : field.slice(eq + 1);
    if (key === 'readwrite') {
      m.readonly = /^true$/i.test(value) ? 'false' : 'true';
      continue;
    }
    if (key === 'readonly' || key === 'required') value = value.toLowerCase();
    m[key] = value;
  }
  const type = (m.type ??= 'bind');
  if (type.includes('$')) return m;
  if (!MOUNT_TYPES.has(type)) throw invalidArgument(`unsupported mount type "${type}"`);
  if ((type === 'bind' || type === 'cache' || type === 'tmpfs') && !m.target) throw invalidArgument(`mount type ${type} requires a target`);
  if (m.sharing && !m.sharing.includes('$') && !/^(shared|private|locked)$/.test(m.sharing)) throw invalidArgument(`unsupported sharing value "${m.sharing}"`);
  return m;
}

const NETWORKS = new Set(['none', 'host', 'default']);

export function checkNetwork(value: string): string {
  if (!value.includes('$') && !NETWORKS.has(value)) throw invalidArgument(`unsupported network mode "${value}"`);
  return value;
}

export function checkSecurity(value: string): string {
  if (!value.includes('$') && value !== 'sandbox' && value !== 'insecure') throw invalidArgument(`unsupported security mode "${value}"`);
  return value;
}
