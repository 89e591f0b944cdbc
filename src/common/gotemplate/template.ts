// A hand-written interpreter for the subset of Go's text/template that users put
// in Podman's --format and --log-opt tag=. Semantics follow the Go text/template and fmt docs; the
// extra functions are Podman's (containers/common report.DefaultFuncs) plus a few
// string helpers. JS data model: a plain object is a struct when every key looks
// like an exported Go field (so a missing field is an error) and a map otherwise
// (a missing key yields <no value>); a JS Map is always a map.
import { ArgError } from './errors.ts';
import { FUNCS, fmtV, goType, truth } from './gofuncs.ts';

export { sprintf, toGoJSON, goType, fmtV } from './gofuncs.ts';

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


const NONE = Symbol('no piped value');
const BREAK = Symbol('break');
const CONTINUE = Symbol('continue');

// ---- lexer ------------------------------------------------------------------

const isSp = (c: string | undefined): boolean => c === ' ' || c === '\t' || c === '\r' || c === '\n';
// Built on first use: V8 parses a regexp literal when the module runs.
let lexRe: ReturnType<typeof lexRegExps> | undefined;
const lexRegExps = () => ({
  str: /"(?:[^"\\\n]|\\[^\n])*"/y,
  raw: /`[^`]*`/y,
  chr: /'(?:[^'\\\n]|\\[^\n])+'/y,
  num: /[+-]?(?:0[xX][\da-fA-F_]+|0[bB][01_]+|0[oO][0-7_]+|(?:\d[\d_]*(?:\.[\d_]*)?|\.\d[\d_]*)(?:[eE][+-]?\d+)?)/y,
});

// Go's letters and digits (unicode.IsLetter, IsDigit, IsUpper, IsLower).
// Each regexp with a \p{...} class makes V8 build ICU sets when it is
// compiled (~0.4 M instructions each, ~5 M for a `ps`), and names are
// ASCII nearly always: the regexps are for the rest, built on first need.
let uni: { letter: RegExp; digit: RegExp; upper: RegExp; lower: RegExp } | undefined;
const U = () => (uni ??= { letter: /^\p{L}$/u, digit: /^\p{Nd}$/u, upper: /^\p{Lu}$/u, lower: /^\p{Ll}$/u });
const ascii = (c: string, lo: number, hi: number): boolean => { const n = c.charCodeAt(0); return n >= lo && n <= hi; };
export const isLetter = (c: string): boolean => (c.charCodeAt(0) < 0x80 ? ascii(c, 65, 90) || ascii(c, 97, 122) : U().letter.test(c));
export const isDigit = (c: string): boolean => (c.charCodeAt(0) < 0x80 ? ascii(c, 48, 57) : U().digit.test(c));
export const isUpper = (c: string): boolean => (c.charCodeAt(0) < 0x80 ? ascii(c, 65, 90) : U().upper.test(c));
export const isLower = (c: string): boolean => (c.charCodeAt(0) < 0x80 ? ascii(c, 97, 122) : U().lower.test(c));
const isWordChar = (c: string): boolean => c === '_' || isLetter(c) || isDigit(c);

/** Go's identifier at i (a letter or _, then letters, digits, _), or with digitFirst any run of those; '' if none. */
function wordAt(s: string, i: number, digitFirst = false): string {
  let j = i;
  while (j < s.length) {
    const ch = String.fromCodePoint(s.codePointAt(j)!);
    if (!(ch === '_' || isLetter(ch) || ((digitFirst || j > i) && isDigit(ch)))) break;
    j += ch.length;
  }
  return s.slice(i, j);
}
const at = (re: RegExp, s: string, i: number): string | null => { re.lastIndex = i; return re.exec(s)?.[0] ?? null; };

function lex(src: string, fail: Fail): Tok[] {
  const RE = (lexRe ??= lexRegExps());
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
        const after = src[k + v.length] ?? '';
        if (!v || after === '.' || (after && isWordChar(after))) fail(k, `bad number syntax: "${src.slice(k).match(/^[^\s})|]*/)![0]}"`);
      } else if (c === '$') { t = 'var'; v = '$' + wordAt(src, k + 1, true); }
      else if (c === '.') { const w = wordAt(src, k + 1); if (w) { t = 'field'; v = '.' + w; } }
      else if (c === '_' || isLetter(c)) { t = 'ident'; v = wordAt(src, k); }
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
  return keys.length === 0 || keys.some((k) => !k || !isUpper(String.fromCodePoint(k.codePointAt(0)!)));
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
