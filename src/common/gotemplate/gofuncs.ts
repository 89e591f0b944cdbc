// Go's fmt value formatting, printf and the template builtin functions
// (text/template's plus Podman's report.DefaultFuncs), for template.ts.
import { ArgError } from './errors.ts';

// ---- Go value formatting (fmt %v) -------------------------------------------

export function goType(v: unknown): string {
  if (v === undefined || v === null) return '<nil>';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float64';
  if (typeof v === 'bigint') return 'int64';
  if (typeof v === 'string' || typeof v === 'boolean') return typeof v === 'string' ? 'string' : 'bool';
  if (Array.isArray(v)) return '[]interface {}';
  if (v instanceof Date) return 'time.Time';
  const proto = Object.getPrototypeOf(v);
  return proto && proto !== Object.prototype && proto.constructor?.name ? proto.constructor.name : 'map[string]interface {}';
}

/** Go's %g with strconv's rule: exponent form when exp < -4 or exp >= precision (6 if shortest). */
function fmtG(n: number, prec: number): string {
  const [m, e] = (prec < 0 ? n.toExponential() : n.toExponential(Math.max(prec, 1) - 1)).split('e');
  let digits = m.replace(/[-.]/g, '');
  if (prec >= 0) digits = digits.replace(/(?<=.)0+$/, '');
  const exp = Number(e), sign = n < 0 ? '-' : '';
  if (exp < -4 || exp >= (prec < 0 ? 6 : Math.max(prec, 1))) {
    const mant = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    return `${sign}${mant}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  const dp = exp + 1;
  if (dp <= 0) return `${sign}0.${'0'.repeat(-dp)}${digits}`;
  if (dp >= digits.length) return sign + digits + '0'.repeat(dp - digits.length);
  return `${sign}${digits.slice(0, dp)}.${digits.slice(dp)}`;
}

function fmtNum(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (!Number.isFinite(n)) return n > 0 ? '+Inf' : '-Inf';
  // Integral JS numbers stand in for Go ints, which print without exponent.
  if (Number.isInteger(n) && Math.abs(n) < 1e21) return String(n === 0 ? 0 : n);
  return fmtG(n, -1);
}

/** %v formatting. `top` marks a value printed by an action, where a missing one reads <no value>. */
export function fmtV(v: unknown, top = false): string {
  if (v === undefined) return top ? '<no value>' : '<nil>';
  if (v === null) return '<nil>';
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return fmtNum(v);
  if (typeof v !== 'object') return typeof v === 'function' ? '<func>' : String(v);
  if (Array.isArray(v)) return `[${v.map((x) => fmtV(x)).join(' ')}]`;
  if (v instanceof Date) return v.toISOString().replace('T', ' ').replace(/\.?0*Z$/, ' +0000 UTC');
  if (v instanceof Map) return fmtMap([...v.entries()]);
  // A class with its own toString plays the role of a Go fmt.Stringer.
  if (typeof (v as { toString?: unknown }).toString === 'function' && v.toString !== Object.prototype.toString) return String(v);
  return fmtMap(Object.entries(v));
}

function fmtMap(entries: [unknown, unknown][]): string {
  const sorted = entries.map(([k, x]) => [fmtV(k), fmtV(x)]).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `map[${sorted.map(([k, x]) => `${k}:${x}`).join(' ')}]`;
}

export function truth(v: unknown): boolean {
  if (v === undefined || v === null) return false;
  if (Array.isArray(v)) return v.length > 0;
  if (v instanceof Map) return v.size > 0;
  if (typeof v === 'object') return Object.getPrototypeOf(v) !== Object.prototype || Object.keys(v).length > 0;
  return Boolean(v);
}

function goQuote(s: string): string {
  const esc: Record<string, string> = { '\x07': '\\a', '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\v': '\\v', '"': '\\"', '\\': '\\\\' };
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (esc[ch]) out += esc[ch];
    else if (c < 0x20 || c === 0x7f) out += '\\x' + c.toString(16).padStart(2, '0');
    else if (c < 0x7f || /[\p{L}\p{M}\p{N}\p{P}\p{S}]/u.test(ch)) out += ch; // Go's strconv.IsPrint
    else out += c < 0x10000 ? '\\u' + c.toString(16).padStart(4, '0') : '\\U' + c.toString(16).padStart(8, '0');
  }
  return out + '"';
}

// ---- printf -----------------------------------------------------------------

function fmtInt(n: bigint, verb: string, fl: string, prec: number): string {
  if (verb === 'c') return String.fromCodePoint(Number(n));
  const a = n < 0n ? -n : n;
  if (verb === 'U') return 'U+' + a.toString(16).toUpperCase().padStart(4, '0');
  const radix = ({ d: 10, b: 2, o: 8, O: 8 } as Record<string, number>)[verb] ?? 16;
  let s = a.toString(radix);
  if (verb === 'X') s = s.toUpperCase();
  if (prec >= 0) s = s.padStart(prec, '0');
  if (fl.includes('#') || verb === 'O') s = (({ b: '0b', o: '0', O: '0o', x: '0x', X: '0X' } as Record<string, string>)[verb] ?? '') + s;
  return (n < 0n ? '-' : '') + s;
}

function fmtFloat(n: number, verb: string, prec: number): string {
  if (!Number.isFinite(n)) return fmtNum(n);
  const v = verb.toLowerCase();
  const s = v === 'e' ? n.toExponential(prec < 0 ? 6 : prec).replace(/e([+-])(\d)$/, 'e$10$2')
    : v === 'f' ? n.toFixed(prec < 0 ? 6 : prec) : fmtG(n, prec);
  return verb === 'E' || verb === 'G' ? s.toUpperCase() : s;
}

function fmtVerb(v: unknown, verb: string, fl: string, width: number, prec: number): string {
  const bad = () => (v == null ? `%!${verb}(<nil>)` : `%!${verb}(${goType(v)}=${fmtV(v)})`);
  const cut = (s: string) => (prec >= 0 ? [...s].slice(0, prec).join('') : s);
  const isInt = (typeof v === 'number' && Number.isInteger(v)) || typeof v === 'bigint';
  let s: string;
  let num = false;
  if (verb === 'v') { s = typeof v === 'string' ? cut(v) : fmtV(v); num = typeof v === 'number'; }
  else if (verb === 's') {
    if (v == null || typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return bad();
    s = typeof v === 'string' ? cut(v) : fmtV(v);
  } else if (verb === 'q') {
    if (typeof v === 'string') s = goQuote(cut(v));
    else if (isInt) s = `'${goQuote(String.fromCodePoint(Number(v))).slice(1, -1).replace(/\\"/g, '"')}'`;
    else return bad();
  } else if (verb === 't') { if (typeof v !== 'boolean') return bad(); s = String(v); }
  else if (verb === 'T') s = goType(v);
  else if ('dboOxXcU'.includes(verb)) {
    if (typeof v === 'string' && (verb === 'x' || verb === 'X')) {
      s = Buffer.from(v).toString('hex');
      if (verb === 'X') s = s.toUpperCase();
    } else if (isInt) { s = fmtInt(BigInt(v as number | bigint), verb, fl, prec); num = verb !== 'c' && verb !== 'U'; }
    else return bad();
  } else if ('eEfFgG'.includes(verb)) {
    if (typeof v !== 'number' && typeof v !== 'bigint') return bad();
    s = fmtFloat(Number(v), verb, prec);
    num = true;
  } else return bad();
  if (num && !/^[-+]/.test(s)) s = fl.includes('+') ? '+' + s : fl.includes(' ') ? ' ' + s : s;
  const fill = width - [...s].length;
  if (fill <= 0) return s;
  if (fl.includes('-')) return s + ' '.repeat(fill);
  if (fl.includes('0')) { const sign = num && /^[-+ ]/.test(s) ? s[0] : ''; return sign + '0'.repeat(fill) + s.slice(sign.length); }
  return ' '.repeat(fill) + s;
}

/** Go's fmt.Sprintf for the common verbs, flags, width and precision (including `*`). */
export function sprintf(format: string, args: unknown[]): string {
  let out = '', i = 0, ai = 0;
  const spec = /([-+# 0]*)(\*|\d+)?(?:\.(\*|\d*))?/y;
  const star = (t: string | undefined, dflt: number): number => {
    if (t === undefined) return dflt;
    if (t !== '*') return t === '' ? 0 : Number(t);
    const a = args[ai++];
    return typeof a === 'number' && Number.isInteger(a) ? a : NaN;
  };
  while (i < format.length) {
    const pc = format.indexOf('%', i);
    if (pc < 0) { out += format.slice(i); break; }
    out += format.slice(i, pc);
    spec.lastIndex = pc + 1;
    const m = spec.exec(format)!;
    const verb = String.fromCodePoint(format.codePointAt(spec.lastIndex) ?? 0);
    if (spec.lastIndex >= format.length) { out += '%!(NOVERB)'; break; }
    i = spec.lastIndex + verb.length;
    if (verb === '%') { out += '%'; continue; }
    let fl = m[1];
    let width = star(m[2], 0);
    const prec = star(m[3], -1);
    if (Number.isNaN(width) || Number.isNaN(prec)) { out += Number.isNaN(width) ? '%!(BADWIDTH)' : '%!(BADPREC)'; width = 0; }
    if (width < 0) { fl += '-'; width = -width; }
    out += ai < args.length ? fmtVerb(args[ai++], verb, fl, width, Number.isNaN(prec) ? -1 : prec) : `%!${verb}(MISSING)`;
  }
  if (ai < args.length) out += `%!(EXTRA ${args.slice(ai).map((a) => (a == null ? '<nil>' : `${goType(a)}=${fmtV(a)}`)).join(', ')})`;
  return out;
}

// ---- builtin functions ------------------------------------------------------

const str = (v: unknown): string => {
  if (typeof v === 'string') return v;
  throw new ArgError(v === undefined ? 'invalid value; expected string' : `wrong type for value; expected string; got ${goType(v)}`);
};
const int = (v: unknown): number => {
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  throw new ArgError(`wrong type for value; expected int; got ${goType(v)}`);
};
const kind = (v: unknown): string =>
  v == null ? 'nil' : typeof v === 'bigint' ? 'number' : ['string', 'number', 'boolean'].includes(typeof v) ? typeof v : 'other';

function equal(a: unknown, b: unknown): boolean {
  const ka = kind(a), kb = kind(b);
  if (ka === 'nil' || kb === 'nil') return ka === kb; // Go: comparing with nil is false, not an error
  if (ka !== kb) throw new Error('incompatible types for comparison');
  if (ka === 'other') throw new Error('invalid type for comparison');
  return a == b; // loose on purpose: number and bigint are both Go integers
}

function less(a: unknown, b: unknown): boolean {
  const ka = kind(a);
  if (ka !== 'string' && ka !== 'number') throw new Error('invalid type for comparison');
  if (ka !== kind(b)) throw new Error('incompatible types for comparison');
  return ka === 'string' ? (a as string) < (b as string) : (a as number) < (b as number);
}

function indexOne(item: unknown, idx: unknown): unknown {
  if (item == null) throw new Error('index of untyped nil');
  if (typeof item === 'string' || Array.isArray(item)) {
    if (typeof idx !== 'number' || !Number.isInteger(idx)) throw new Error(`cannot index slice/array with type ${goType(idx)}`);
    const bytes = typeof item === 'string' ? Buffer.from(item) : item;
    if (idx < 0 || idx >= bytes.length) throw new Error(`index out of range: ${idx}`);
    return bytes[idx];
  }
  // A missing key gives the element type's zero value: "" for string maps such as labels.
  const zero = (vals: unknown[]) => (vals.every((x) => typeof x === 'string') ? '' : null);
  if (item instanceof Map) return item.has(idx) ? item.get(idx) : zero([...item.values()]);
  if (typeof item === 'object') {
    const o = item as Record<string, unknown>;
    return Object.hasOwn(o, String(idx)) ? o[String(idx)] : zero(Object.values(o));
  }
  throw new Error(`can't index item of type ${goType(item)}`);
}

function goReplace(s: string, old: string, nw: string, n: number): string {
  const limit = n < 0 ? Infinity : n;
  let out = '', i = 0, done = 0;
  if (old === '') { // Go inserts before every UTF-8 sequence and at the end
    const cs = [...s];
    for (let j = 0; j <= cs.length; j++) { if (done++ < limit) out += nw; out += cs[j] ?? ''; }
    return out;
  }
  for (let j = s.indexOf(old); j >= 0 && done < limit; j = s.indexOf(old, i), done++) { out += s.slice(i, j) + nw; i = j + old.length; }
  return out + s.slice(i);
}

/** Compact JSON like Go's json.Encoder with SetEscapeHTML(false), as Podman's `json` func uses. */
export function toGoJSON(v: unknown, indent?: number): string {
  const s = JSON.stringify(v ?? null, (_k, x: unknown) => (x instanceof Map ? Object.fromEntries(x) : typeof x === 'bigint' ? Number(x) : x), indent);
  return (s ?? 'null').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

// strings.Title: ASCII letters, digits and '_' join words; beyond ASCII only spaces separate.
const isSep = (c: string) => (c <= '\x7f' ? !/[A-Za-z0-9_]/.test(c) : /\s/u.test(c));
function goTitle(s: string): string {
  let prev = ' ', out = '';
  for (const c of s) { out += isSep(prev) ? c.toUpperCase() : c; prev = c; }
  return out;
}

type Fn = { min: number; max: number; f: (...a: unknown[]) => unknown };
const fn = (min: number, max: number, f: (...a: never[]) => unknown): Fn => ({ min, max, f: f as Fn['f'] });
export const FUNCS: Record<string, Fn> = {
  and: fn(1, Infinity, () => undefined), or: fn(1, Infinity, () => undefined), // evaluated lazily in call()
  not: fn(1, 1, (v: unknown) => !truth(v)),
  len: fn(1, 1, (v: unknown) => {
    if (typeof v === 'string') return Buffer.byteLength(v); // Go counts bytes
    if (Array.isArray(v)) return v.length;
    if (v instanceof Map) return v.size;
    if (v && typeof v === 'object') return Object.keys(v).length;
    throw new Error(`len of type ${goType(v)}`);
  }),
  index: fn(1, Infinity, (item: unknown, ...ix: unknown[]) => ix.reduce(indexOne, item)),
  slice: fn(1, 3, (item: unknown, ...ix: unknown[]) => {
    if (typeof item !== 'string' && !Array.isArray(item)) throw new Error(`can't slice item of type ${goType(item)}`);
    const [i = 0, j = item.length] = ix.map(int);
    if (i < 0 || j < i || j > item.length) throw new Error(`index out of range: ${j > item.length ? j : i}`);
    return item.slice(i, j);
  }),
  eq: fn(1, Infinity, (a: unknown, ...bs: unknown[]) => {
    if (!bs.length) throw new Error('missing argument for comparison');
    return bs.some((b) => equal(a, b));
  }),
  ne: fn(2, 2, (a: unknown, b: unknown) => !equal(a, b)),
  lt: fn(2, 2, less),
  le: fn(2, 2, (a: unknown, b: unknown) => less(a, b) || equal(a, b)),
  gt: fn(2, 2, (a: unknown, b: unknown) => !less(a, b) && !equal(a, b)),
  ge: fn(2, 2, (a: unknown, b: unknown) => !less(a, b)),
  // Go's Sprint puts a space between operands when neither side is a string.
  print: fn(0, Infinity, (...a: unknown[]) =>
    a.map((x, i) => (i > 0 && typeof x !== 'string' && typeof a[i - 1] !== 'string' ? ' ' : '') + fmtV(x)).join('')),
  println: fn(0, Infinity, (...a: unknown[]) => a.map((x) => fmtV(x)).join(' ') + '\n'),
  printf: fn(1, Infinity, (f: unknown, ...a: unknown[]) => sprintf(str(f), a)),
  json: fn(1, 1, (v: unknown) => toGoJSON(v)),
  join: fn(2, 2, (l: unknown, sep: unknown) => {
    if (!Array.isArray(l)) throw new ArgError(`wrong type for value; expected []string; got ${goType(l)}`);
    return l.map((x) => fmtV(x)).join(str(sep));
  }),
  split: fn(2, 2, (s: unknown, sep: unknown) => (str(sep) === '' ? [...str(s)] : str(s).split(str(sep)))),
  upper: fn(1, 1, (s: unknown) => str(s).toUpperCase()),
  lower: fn(1, 1, (s: unknown) => str(s).toLowerCase()),
  title: fn(1, 1, (s: unknown) => goTitle(str(s))),
  truncate: fn(2, 2, (s: unknown, n: unknown) => [...str(s)].slice(0, Math.max(0, int(n))).join('')),
  pad: fn(3, 3, (s: unknown, a: unknown, b: unknown) => (str(s) === '' ? '' : ' '.repeat(int(a)) + str(s) + ' '.repeat(int(b)))),
  contains: fn(2, 2, (s: unknown, sub: unknown) => str(s).includes(str(sub))),
  replace: fn(3, 4, (s: unknown, o: unknown, nw: unknown, n: unknown = -1) => goReplace(str(s), str(o), str(nw), int(n))),
};

