// A hand-written interpreter for the subset of Go's text/template that users put
// in Podman's --format. Semantics follow the Go text/template and fmt docs; the
// extra functions are Podman's (containers/common report.DefaultFuncs) plus a few
// string helpers. JS data model: a plain object is a struct when every key looks
// like an exported Go field (so a missing field is an error) and a map otherwise
// (a missing key yields <no value>); a JS Map is always a map.

type Fail = (pos: number, msg: string) => never;
type Tok = { t: string; v: string; pos: number };
type Span = { pos: number; end: number };
type Arg = Span & (
  | { k: 'field'; chain: string[] } // `.` is a field chain of length 0
  | { k: 'var'; name: string; chain: string[] }
  | { k: 'pipe'; pipe: Pipe; chain: string[] }
  | { k: 'fn'; name: string }
  | { k: 'lit'; value: unknown; nil: boolean });
type Cmd = Span & { args: Arg[] };
type Pipe = { decl: string[]; assign: boolean; cmds: Cmd[] };
type Node =
  | { k: 'text'; text: string }
  | { k: 'action'; pipe: Pipe }
  | Ctl
  | { k: 'break' }
  | { k: 'continue' };
type Ctl = { k: 'if' | 'with' | 'range'; pipe: Pipe; body: Node[]; alt: Node[] | null };

/** Thrown by builtins for argument type errors, reported without "error calling". */
class ArgError extends Error {}

const NONE = Symbol('no piped value');
const BREAK = Symbol('break');
const CONTINUE = Symbol('continue');

// ---- Go value formatting (fmt %v) -------------------------------------------

function goType(v: unknown): string {
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
function fmtV(v: unknown, top = false): string {
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

function truth(v: unknown): boolean {
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
const FUNCS: Record<string, Fn> = {
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

// ---- lexer ------------------------------------------------------------------

const isSp = (c: string | undefined): boolean => c === ' ' || c === '\t' || c === '\r' || c === '\n';
const RE = {
  str: /"(?:[^"\\\n]|\\[^\n])*"/y,
  raw: /`[^`]*`/y,
  chr: /'(?:[^'\\\n]|\\[^\n])+'/y,
  num: /[+-]?(?:0[xX][\da-fA-F_]+|0[bB][01_]+|0[oO][0-7_]+|(?:\d[\d_]*(?:\.[\d_]*)?|\.\d[\d_]*)(?:[eE][+-]?\d+)?)/y,
  word: /[\p{L}_][\p{L}\p{Nd}_]*/uy,
  varname: /[\p{L}\p{Nd}_]*/uy,
};
const at = (re: RegExp, s: string, i: number): string | null => { re.lastIndex = i; return re.exec(s)?.[0] ?? null; };

function lex(src: string, fail: Fail): Tok[] {
  const toks: Tok[] = [];
  // `}}`, or ` -}}` which also trims the whitespace after the action.
  const close = (k: number) => (src.startsWith('}}', k) ? 2 : isSp(src[k]) && src.startsWith('-}}', k + 1) ? 4 : 0);
  let i = 0, trimNext = false;
  for (;;) {
    const open = src.indexOf('{{', i);
    let text = src.slice(i, open < 0 ? src.length : open);
    if (trimNext) text = text.replace(/^[ \t\r\n]+/, '');
    let k = open + 2;
    if (open >= 0 && src[k] === '-' && isSp(src[k + 1])) { text = text.replace(/[ \t\r\n]+$/, ''); k += 2; }
    if (text) toks.push({ t: 'text', v: text, pos: i });
    if (open < 0) break;
    if (src.startsWith('/*', k)) { // comments must hug the delimiters, as in Go
      const e = src.indexOf('*/', k + 2);
      if (e < 0) fail(open, 'unclosed comment');
      const n = close(e + 2);
      if (!n) fail(open, 'comment ends before closing delimiter');
      i = e + 2 + n; trimNext = n === 4;
      continue;
    }
    toks.push({ t: '{{', v: '{{', pos: open });
    for (;;) {
      const n = close(k);
      if (n) { toks.push({ t: '}}', v: '}}', pos: k }); i = k + n; trimNext = n === 4; break; }
      const c = src[k], nx = src[k + 1] ?? '';
      let t = c, v = c;
      if (c === undefined) fail(open, 'unclosed action');
      else if (isSp(c)) { // stop before a space that starts ` -}}`
        let j = k;
        while (isSp(src[j]) && !(src[j + 1] === '-' && src.startsWith('}}', j + 2))) j++;
        t = 'sp'; v = src.slice(k, j);
      } else if (c === '"') { t = 'str'; v = at(RE.str, src, k) ?? fail(k, 'unterminated quoted string'); }
      else if (c === '`') { t = 'raw'; v = at(RE.raw, src, k) ?? fail(k, 'unterminated raw quoted string'); }
      else if (c === "'") { t = 'chr'; v = at(RE.chr, src, k) ?? fail(k, 'unterminated character constant'); }
      else if (/\d/.test(c) || (c === '.' && /\d/.test(nx)) || ((c === '+' || c === '-') && /[\d.]/.test(nx))) {
        t = 'num'; v = at(RE.num, src, k) ?? '';
        if (!v || /[\p{L}\p{Nd}_.]/u.test(src[k + v.length] ?? '')) fail(k, `bad number syntax: "${src.slice(k).match(/^[^\s})|]*/)![0]}"`);
      } else if (c === '$') { t = 'var'; v = '$' + at(RE.varname, src, k + 1); }
      else if (c === '.') { const w = at(RE.word, src, k + 1); if (w) { t = 'field'; v = '.' + w; } }
      else if (/[\p{L}_]/u.test(c)) { t = 'ident'; v = at(RE.word, src, k)!; }
      else if (c === ':' && nx === '=') { t = v = ':='; }
      else if (!'|(),='.includes(c)) {
        fail(k, `unrecognized character in action: U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')} '${c}'`);
      }
      toks.push({ t, v, pos: k });
      k += v.length;
    }
  }
  toks.push({ t: 'eof', v: '', pos: src.length });
  return toks;
}

function unquote(q: string): string | null {
  const simple: Record<string, string> = { a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\', '"': '"', "'": "'" };
  let ok = true;
  const s = q.slice(1, -1).replace(/\\(x[\da-fA-F]{2}|u[\da-fA-F]{4}|U[\da-fA-F]{8}|[0-7]{3}|.)/g, (_m, e: string) => {
    if (e.length > 1) return String.fromCodePoint(parseInt(e[0] <= '7' ? e : e.slice(1), e[0] <= '7' ? 8 : 16));
    if (e in simple) return simple[e];
    ok = false;
    return '';
  });
  return ok ? s : null;
}

// ---- parser -----------------------------------------------------------------

function parse(src: string, toks: Tok[], fail: Fail): Node[] {
  let p = 0, rangeDepth = 0;
  const vars = ['$'];
  const skipSp = () => { while (toks[p].t === 'sp') p++; return toks[p]; };
  const unexpected = (t: Tok, ctx: string): never => fail(t.pos, t.t === 'eof' ? 'unexpected EOF' : `unexpected ${JSON.stringify(t.v)} in ${ctx}`);
  const expect = (t: string, ctx: string) => { const tok = skipSp(); if (tok.t !== t) unexpected(tok, ctx); p++; return tok; };

  function list(): { nodes: Node[]; stop: string } {
    const nodes: Node[] = [];
    for (;;) {
      const tok = toks[p++];
      if (tok.t === 'eof') return { nodes, stop: 'eof' };
      if (tok.t === 'text') { nodes.push({ k: 'text', text: tok.v }); continue; }
      const kw = skipSp(), word = kw.t === 'ident' ? kw.v : '';
      if (word === 'end' || word === 'else') {
        p++;
        if (word === 'end') expect('}}', 'end');
        return { nodes, stop: word };
      }
      if (word === 'if' || word === 'with' || word === 'range') { p++; nodes.push(control(word)); }
      else if (word === 'break' || word === 'continue') {
        p++;
        if (!rangeDepth) fail(kw.pos, `{{${word}}} outside {{range}}`);
        expect('}}', word);
        nodes.push({ k: word });
      } else if (['define', 'template', 'block'].includes(word)) fail(kw.pos, `{{${word}}} is not supported`);
      else nodes.push({ k: 'action', pipe: pipeline('command', '}}') });
    }
  }

  function control(kind: 'if' | 'with' | 'range'): Node {
    const mark = vars.length; // variables live until the control's {{end}}
    const pipe = pipeline(kind, '}}');
    rangeDepth += kind === 'range' ? 1 : 0;
    const body = list();
    rangeDepth -= kind === 'range' ? 1 : 0;
    let alt: Node[] | null = null;
    if (body.stop === 'else') {
      const t = skipSp();
      if (kind !== 'range' && t.t === 'ident' && t.v === kind) { p++; alt = [control(kind)]; } // `else if` shares the {{end}}
      else {
        expect('}}', 'else');
        const e = list();
        if (e.stop !== 'end') fail(toks[p - 1].pos, e.stop === 'eof' ? 'unexpected EOF' : `expected end; found {{${e.stop}}}`);
        alt = e.nodes;
      }
    } else if (body.stop === 'eof') fail(toks[p - 1].pos, 'unexpected EOF');
    vars.length = mark;
    return { k: kind, pipe, body: body.nodes, alt };
  }

  function pipeline(ctx: string, end: string): Pipe {
    const decl: string[] = [];
    let assign = false;
    const first = skipSp(), save = p;
    if (first.t === 'var') {
      p++;
      let op = skipSp();
      if (op.t === ',' && ctx === 'range') { p++; decl.push(first.v, expect('var', 'range').v); op = skipSp(); }
      else decl.push(first.v);
      if (op.t === ':=' || op.t === '=') { p++; assign = op.t === '='; }
      else { decl.length = 0; p = save; }
    }
    for (const d of decl) {
      if (!assign) vars.push(d);
      else if (!vars.includes(d)) fail(first.pos, `undefined variable "${d}"`);
    }
    const cmds: Cmd[] = [];
    for (;;) {
      cmds.push(command(ctx));
      const n = skipSp();
      p++;
      if (n.t === end) break;
      if (n.t !== '|') unexpected(n, ctx);
    }
    cmds.slice(1).forEach((c, i) => {
      const a = c.args[0];
      if (a.k === 'lit' || (a.k === 'field' && !a.chain.length)) fail(a.pos, `non executable command in pipeline stage ${i + 2}`);
    });
    return { decl, assign, cmds };
  }

  function command(ctx: string): Cmd {
    const args: Arg[] = [];
    const pos = skipSp().pos;
    while (!['}}', ')', '|'].includes(skipSp().t)) {
      args.push(operand());
      if (!['sp', '}}', ')', '|'].includes(toks[p].t)) unexpected(toks[p], 'operand');
    }
    if (!args.length) fail(pos, `missing value for ${ctx}`);
    return { args, pos, end: args[args.length - 1].end };
  }

  function operand(): Arg {
    const t = toks[p++], span = { pos: t.pos, end: t.pos + t.v.length };
    const lit = (value: unknown, nil = false): Arg => ({ k: 'lit', value, nil, ...span });
    let a: Arg;
    if (t.t === 'field' || t.t === '.') a = { k: 'field', chain: t.t === '.' ? [] : [t.v.slice(1)], ...span };
    else if (t.t === 'var') {
      if (!vars.includes(t.v)) fail(t.pos, `undefined variable "${t.v}"`);
      a = { k: 'var', name: t.v, chain: [], ...span };
    } else if (t.t === '(') a = { k: 'pipe', pipe: pipeline('parenthesized pipeline', ')'), chain: [], pos: t.pos, end: toks[p - 1].pos + 1 };
    else if (t.t === 'str' || t.t === 'chr') {
      const s = unquote(t.v) ?? fail(t.pos, `invalid syntax: ${t.v}`);
      if (t.t === 'chr' && [...s].length !== 1) fail(t.pos, `malformed character constant: ${t.v}`);
      a = lit(t.t === 'str' ? s : s.codePointAt(0));
    } else if (t.t === 'raw') a = lit(t.v.slice(1, -1).replace(/\r/g, ''));
    else if (t.t === 'num') {
      const s = t.v.replace(/_/g, ''), body = s.replace(/^[+-]/, '');
      const n = (s[0] === '-' ? -1 : 1) * (/^0[0-7]+$/.test(body) ? parseInt(body, 8) : Number(body));
      a = lit(Number.isNaN(n) ? fail(t.pos, `bad number syntax: "${t.v}"`) : n);
    } else if (t.t === 'ident' && (t.v === 'true' || t.v === 'false')) a = lit(t.v === 'true');
    else if (t.t === 'ident' && t.v === 'nil') a = lit(null, true);
    else if (t.t === 'ident') {
      if (!Object.hasOwn(FUNCS, t.v)) fail(t.pos, `function "${t.v}" not defined`);
      a = { k: 'fn', name: t.v, ...span };
    } else return unexpected(t, 'operand');
    for (; toks[p].t === 'field'; p++) { // `.A.B`, `$x.A`, `(pipe).A`
      if (!('chain' in a)) fail(toks[p].pos, `unexpected . after term "${src.slice(a.pos, a.end)}"`);
      a.chain.push(toks[p].v.slice(1));
      a.end = toks[p].pos + toks[p].v.length;
    }
    return a;
  }

  const root = list();
  if (root.stop !== 'eof') fail(toks[p - 1].pos, `unexpected {{${root.stop}}}`);
  return root.nodes;
}

// ---- executor ---------------------------------------------------------------

const lineOf = (src: string, pos: number) => src.slice(0, pos).split('\n').length;
const colOf = (src: string, pos: number) => pos - src.lastIndexOf('\n', pos - 1) - 1;

/** Plain objects are Go structs when all keys look exported; otherwise maps (see header). */
function mapLike(o: object): boolean {
  if (Object.getPrototypeOf(o) !== Object.prototype && Object.getPrototypeOf(o) !== null) return false;
  const keys = Object.keys(o);
  return keys.length === 0 || keys.some((k) => !/^\p{Lu}/u.test(k));
}

/** Exact name (own, or from a class such as a getter), then a case-insensitive match. */
function findKey(o: object, name: string): string | undefined {
  if (Object.hasOwn(o, name) || (name in o && !(name in Object.prototype))) return name;
  const lower = name.toLowerCase();
  for (let q: object | null = o; q && q !== Object.prototype; q = Object.getPrototypeOf(q)) {
    const hit = Object.getOwnPropertyNames(q).find((k) => k !== 'constructor' && k.toLowerCase() === lower);
    if (hit) return hit;
  }
  return undefined;
}

function execute(src: string, name: string, tree: Node[], root: unknown): string {
  let out = '';
  const vars: { n: string; v: unknown }[] = [{ n: '$', v: root }];
  const getVar = (n: string) => vars.findLast((x) => x.n === n)!;
  function fail(s: Span, msg: string): never {
    const ctx = src.slice(s.pos, s.end);
    throw new Error(`template: ${name}:${lineOf(src, s.pos)}:${colOf(src, s.pos)}: executing "${name}" at <${ctx.length > 20 ? ctx.slice(0, 20) + '...' : ctx}>: ${msg}`);
  }
  const errText = (e: unknown) => (e instanceof Error ? e.message : String(e));

  function walk(dot: unknown, nodes: Node[]): void {
    for (const n of nodes) {
      if (n.k === 'text') out += n.text;
      else if (n.k === 'action') { const v = pipe(dot, n.pipe); if (!n.pipe.decl.length) out += fmtV(v, true); }
      else if (n.k === 'break' || n.k === 'continue') throw n.k === 'break' ? BREAK : CONTINUE;
      else if (n.k === 'range') range(dot, n);
      else {
        const mark = vars.length;
        const v = pipe(dot, n.pipe);
        if (truth(v)) walk(n.k === 'with' ? v : dot, n.body);
        else if (n.alt) walk(dot, n.alt);
        vars.length = mark;
      }
    }
  }

  function range(dot: unknown, n: Ctl): void {
    const mark = vars.length;
    const v = pipe(dot, n.pipe, true);
    let items: [unknown, unknown][];
    if (v == null) items = [];
    else if (Array.isArray(v)) items = v.map((e, i) => [i, e]);
    else if (typeof v === 'number' && Number.isInteger(v)) items = Array.from({ length: Math.max(0, v) }, (_x, i) => [i, i]);
    else if (v instanceof Map) items = [...v.entries()].sort(([a], [b]) => (fmtV(a) < fmtV(b) ? -1 : 1));
    else if (typeof v === 'object' && !(v instanceof Date)) items = Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1)); // Go ranges maps in key order
    else return fail(n.pipe.cmds[0], `range can't iterate over ${fmtV(v)}`);
    const set = (name: string | undefined, x: unknown) => {
      if (name === undefined) return;
      if (n.pipe.assign) getVar(name).v = x; else vars.push({ n: name, v: x });
    };
    for (const [key, elem] of items) {
      if (n.pipe.decl.length === 2) { set(n.pipe.decl[0], key); set(n.pipe.decl[1], elem); } else set(n.pipe.decl[0], elem);
      try { walk(elem, n.body); } catch (e) { if (e === BREAK) break; if (e !== CONTINUE) throw e; } finally { vars.length = mark; }
    }
    if (!items.length && n.alt) walk(dot, n.alt);
    vars.length = mark;
  }

  function pipe(dot: unknown, p: Pipe, forRange = false): unknown {
    let v: unknown = NONE;
    for (const c of p.cmds) v = command(dot, c, v);
    if (!forRange) for (const d of p.decl) { if (p.assign) getVar(d).v = v; else vars.push({ n: d, v }); }
    return v;
  }

  function command(dot: unknown, c: Cmd, final: unknown): unknown {
    const [first, ...rest] = c.args;
    if (first.k === 'fn') return call(dot, first.name, rest, final, c);
    if (first.k !== 'lit') return chain(dot, first, rest, final);
    if (first.nil) fail(first, 'nil is not a command');
    if (rest.length || final !== NONE) fail(first, `can't give argument to non-function ${src.slice(first.pos, first.end)}`);
    return first.value;
  }

  /** Evaluates a field/variable/paren operand, calling the last link with args if it is a method. */
  function chain(dot: unknown, a: Extract<Arg, { chain: string[] }>, args: Arg[], final: unknown): unknown {
    let v = a.k === 'field' ? dot : a.k === 'var' ? getVar(a.name).v : pipe(dot, a.pipe);
    if (!a.chain.length && (args.length || final !== NONE)) fail(a, `can't give argument to non-function ${src.slice(a.pos, a.end)}`);
    a.chain.forEach((f, i) => {
      const last = i === a.chain.length - 1;
      v = field(dot, v, f, a, last ? args : [], last ? final : NONE);
    });
    return v;
  }

  function field(dot: unknown, recv: unknown, name: string, at: Span, args: Arg[], final: unknown): unknown {
    const hasArgs = args.length > 0 || final !== NONE;
    if (recv === undefined) return undefined; // a missing map entry chains on as <no value>, like Go
    if (recv === null) fail(at, `nil pointer evaluating interface {}.${name}`);
    if (recv instanceof Map) { if (hasArgs) fail(at, `${name} is not a method but has arguments`); return recv.get(name); }
    if (typeof recv === 'object' && !Array.isArray(recv) && !(recv instanceof Date)) {
      const key = findKey(recv, name);
      if (key !== undefined) {
        const v: unknown = (recv as Record<string, unknown>)[key];
        if (typeof v !== 'function') { if (hasArgs) fail(at, `${name} has arguments but cannot be invoked as function`); return v; }
        const a = args.map((x) => arg(dot, x));
        if (final !== NONE) a.push(final);
        try { return v.apply(recv, a); } catch (e) { return fail(at, `error calling ${name}: ${errText(e)}`); }
      }
      if (mapLike(recv)) { if (hasArgs) fail(at, `${name} is not a method but has arguments`); return undefined; }
    }
    const plain = typeof recv === 'object' && Object.getPrototypeOf(recv) === Object.prototype;
    return fail(at, `can't evaluate field ${name} in type ${plain ? 'struct' : goType(recv)}`);
  }

  function call(dot: unknown, name: string, argNodes: Arg[], final: unknown, at: Span): unknown {
    const f = FUNCS[name];
    const count = argNodes.length + (final === NONE ? 0 : 1);
    if (count < f.min || count > f.max) {
      fail(at, `wrong number of args for ${name}: want ${f.min === f.max ? f.min : `at least ${f.min}`} got ${count}`);
    }
    if (name === 'and' || name === 'or') { // short-circuit: stop at the first falsy (and) / truthy (or) operand
      let v: unknown;
      for (const x of argNodes) { v = arg(dot, x); if (truth(v) === (name === 'or')) return v; }
      return final === NONE ? v : final;
    }
    const a = argNodes.map((x) => arg(dot, x));
    if (final !== NONE) a.push(final);
    try { return f.f(...a); } catch (e) { return fail(at, e instanceof ArgError ? e.message : `error calling ${name}: ${errText(e)}`); }
  }

  function arg(dot: unknown, a: Arg): unknown {
    if (a.k === 'fn') return call(dot, a.name, [], NONE, a);
    return a.k === 'lit' ? a.value : chain(dot, a, [], NONE);
  }

  walk(root, tree);
  return out;
}

/**
 * Parses a Go template once and returns a renderer. Parse errors throw
 * immediately; execution errors throw from the renderer. Both read like Go's,
 * e.g. `template: output:1:2: executing "output" at <.Foo>: can't evaluate field Foo in type ...`.
 */
export function compileTemplate(src: string, name = 'output'): (data: unknown) => string {
  const fail: Fail = (pos, msg) => { throw new Error(`template: ${name}:${lineOf(src, pos)}: ${msg}`); };
  const tree = parse(src, lex(src, fail), fail);
  return (data) => execute(src, name, tree, data);
}
