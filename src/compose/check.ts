// Typed reads of the YAML tree with errors that name the file and key path
// (`compose.yaml: services.web.ports[1]: invalid port "80:abc"`). Values may
// arrive as strings after interpolation, so booleans and numbers accept their
// string spellings, as Compose does after casting interpolated values.
import { HuskError } from '../common/errors.ts';

export type Raw = Record<string, unknown>;

/** Where a value came from: the file (as shown to the user) and its key path. */
export class Where {
  readonly file: string;
  readonly path: string;
  constructor(file: string, path = '') {
    this.file = file;
    this.path = path;
  }

  /** The child at a mapping key or sequence index. */
  at(key: string | number): Where {
    const p = typeof key === 'number' ? `${this.path}[${key}]` : this.path ? `${this.path}.${key}` : key;
    return new Where(this.file, p);
  }

  fail(msg: string): never {
    throw new HuskError('INVALID_ARGUMENT', this.path ? `${this.file}: ${this.path}: ${msg}` : `${this.file}: ${msg}`);
  }
}

/** A plain mapping (not a list, not a !reset/!override wrapper). */
export const isMap = (v: unknown): v is Raw =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && [Object.prototype, null].includes(Object.getPrototypeOf(v));

const show = (v: unknown) => JSON.stringify(v) ?? String(v);

export function map(v: unknown, w: Where): Raw {
  if (v === null || v === undefined) return {};
  if (!isMap(v)) w.fail(`must be a mapping, got ${show(v)}`);
  return v;
}

export function list(v: unknown, w: Where): unknown[] {
  if (v === null || v === undefined) return [];
  if (!Array.isArray(v)) w.fail(`must be a list, got ${show(v)}`);
  return v;
}

export function str(v: unknown, w: Where): string {
  if (typeof v === 'string') return v;
  // YAML scalars like `image: 1.0` or `user: 1000` are strings in intent.
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return w.fail(`must be a string, got ${show(v)}`);
}

export function optStr(v: unknown, w: Where): string | undefined {
  return v === null || v === undefined ? undefined : str(v, w);
}

export function bool(v: unknown, w: Where): boolean {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string') {
    const s = v.toLowerCase();
    if (s === 'true' || s === 'yes' || s === 'y' || s === 'on' || s === '1') return true;
    if (s === 'false' || s === 'no' || s === 'n' || s === 'off' || s === '0' || s === '') return false;
  }
  return w.fail(`must be a boolean, got ${show(v)}`);
}

export function optBool(v: unknown, w: Where): boolean | undefined {
  return v === null || v === undefined ? undefined : bool(v, w);
}

export function num(v: unknown, w: Where): number {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  return w.fail(`must be a number, got ${show(v)}`);
}

export function int(v: unknown, w: Where): number {
  const n = num(v, w);
  if (!Number.isInteger(n)) w.fail(`must be an integer, got ${show(v)}`);
  return n;
}

export function optInt(v: unknown, w: Where): number | undefined {
  return v === null || v === undefined ? undefined : int(v, w);
}

/** A string or a list of strings (dns, tmpfs, profiles ...). */
export function strings(v: unknown, w: Where): string[] {
  if (v === null || v === undefined) return [];
  if (!Array.isArray(v)) return [str(v, w)];
  return v.map((x, i) => str(x, w.at(i)));
}

/**
 * A mapping or a list of "KEY=VALUE" (environment, labels, args, sysctls).
 * A key without a value is null: for environments it passes the variable
 * through from the project environment.
 */
export function dict(v: unknown, w: Where, sep = '='): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  if (v === null || v === undefined) return out;
  if (Array.isArray(v)) {
    v.forEach((item, i) => {
      const s = str(item, w.at(i));
      const at = s.indexOf(sep);
      if (at === 0) w.at(i).fail(`invalid entry ${show(s)}: empty key`);
      if (at < 0) out[s] = null;
      else out[s.slice(0, at)] = s.slice(at + 1);
    });
    return out;
  }
  for (const [k, val] of Object.entries(map(v, w))) {
    out[k] = val === null || val === undefined ? null : str(val, w.at(k));
  }
  return out;
}

/** dict() with pass-through keys kept as empty strings (labels, args). */
export function strDict(v: unknown, w: Where): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(dict(v, w))) out[k] = val ?? '';
  return out;
}

/** Rejects keys outside `known` (x-* extensions are always allowed). */
export function checkKeys(m: Raw, known: ReadonlySet<string>, w: Where, what: string): void {
  for (const k of Object.keys(m)) {
    if (!known.has(k) && !k.startsWith('x-')) w.at(k).fail(`unknown ${what} key "${k}"`);
  }
}

/** The x-* entries of a mapping. */
export function extensionsOf(m: Raw): Record<string, unknown> {
  return Object.fromEntries(Object.entries(m).filter(([k]) => k.startsWith('x-')));
}
