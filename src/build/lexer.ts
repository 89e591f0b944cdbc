// BuildKit's shell-word lexer (frontend/dockerfile/shell/lex.go): what
// Dockerfile instructions do to their words before use — quote removal,
// escapes and `$VAR` / `${VAR...}` substitution. It is not a shell: no
// command substitution, no globbing; RUN/CMD/ENTRYPOINT never come here.
import { invalidArgument } from '../common/errors.ts';

export interface LexOptions {
  /** The escape character (`# escape=` directive). */
  escape?: string;
  /** Keep quote characters in the output (heredoc detection). */
  rawQuotes?: boolean;
  /** Keep escape characters in the output (heredoc detection). */
  rawEscapes?: boolean;
  /** Leave references to unset variables as written instead of expanding them to "". */
  skipUnsetEnv?: boolean;
  /** Quotes are ordinary characters (COPY heredoc bodies: `$VAR`s expand, quotes stay). */
  skipProcessQuotes?: boolean;
}

/** Looks a variable up; undefined = unset. */
export type Lookup = (name: string) => string | undefined;

const EOF = '';
const isSpace = (c: string) => c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\v' || c === '\f';
const isDigit = (c: string) => c >= '0' && c <= '9';
const isNameChar = (c: string) => /^[\p{L}\p{N}_]$/u.test(c);
const SPECIAL = new Set(['*', '#', '@', '!', '?', '-', '$']);
// Guards against pathological nesting (`${a:-${a:-${a:-...`) blowing the stack.
const MAX_DEPTH = 100;

/** Words as the shell splits them: unquoted whitespace (also from expansions) separates. */
class Words {
  word = '';
  words: string[] = [];
  inWord = false;
  addChar(c: string): void {
    if (isSpace(c)) {
      if (this.inWord && this.word.length) {
        this.words.push(this.word);
        this.word = '';
        this.inWord = false;
      }
    } else this.addRaw(c);
  }
  addRaw(s: string): void {
    this.word += s;
    this.inWord = true;
  }
  addString(s: string): void {
    for (const c of s) this.addChar(c);
  }
  done(): string[] {
    if (this.word.length) this.words.push(this.word);
    this.word = '';
    this.inWord = false;
    return this.words;
  }
}

class Scanner {
  private readonly chars: string[];
  private pos = 0;
  private depth = 0;
  private readonly lookup: Lookup;
  readonly opts: Required<LexOptions>;
  constructor(text: string, lookup: Lookup, opts: Required<LexOptions>) {
    this.chars = Array.from(text);
    this.lookup = lookup;
    this.opts = opts;
  }
  peek(): string {
    return this.chars[this.pos] ?? EOF;
  }
  next(): string {
    return this.chars[this.pos++] ?? EOF;
  }

  get(name: string): string | undefined {
    return this.lookup(name);
  }

  /** Reads until `stop` (consumed) or the end; returns the text and its words. */
  processStopOn(stop: string[], rawEscapes = this.opts.rawEscapes): [string, string[], string] {
    let result = '';
    const words = new Words();
    while (this.peek() !== EOF) {
      const c = this.peek();
      if (stop.includes(c)) {
        this.next();
        return [result, words.done(), c];
      }
      if (c === '$') {
        const v = this.processDollar();
        result += v;
        words.addString(v);
      } else if ((c === "'" || c === '"') && !this.opts.skipProcessQuotes) {
        const v = c === "'" ? this.processSingleQuote() : this.processDoubleQuote();
        result += v;
        words.addRaw(v);
      } else {
        let ch = this.next();
        if (ch === this.opts.escape) {
          if (rawEscapes) {
            words.addRaw(ch);
            result += ch;
          }
          ch = this.next();
          // An escape at the very end is dropped.
          if (ch === EOF) break;
          words.addRaw(ch);
        } else words.addChar(ch);
        result += ch;
      }
    }
    if (stop.length) throw invalidArgument(`unexpected end of statement while looking for matching ${stop[0]}`);
    return [result, words.done(), EOF];
  }

  processSingleQuote(): string {
    // Nothing is special inside single quotes, not even the escape character.
    let out = this.opts.rawQuotes ? "'" : '';
    this.next();
    for (;;) {
      const c = this.next();
      if (c === EOF) throw invalidArgument('unexpected end of statement while looking for matching single-quote');
      if (c === "'") return this.opts.rawQuotes ? out + c : out;
      out += c;
    }
  }

  processDoubleQuote(): string {
    let out = this.opts.rawQuotes ? '"' : '';
    this.next();
    for (;;) {
      const c = this.peek();
      if (c === EOF) throw invalidArgument('unexpected end of statement while looking for matching double-quote');
      if (c === '"') {
        this.next();
        return this.opts.rawQuotes ? out + c : out;
      }
      if (c === '$') {
        out += this.processDollar();
        continue;
      }
      let ch = this.next();
      if (ch === this.opts.escape) {
        if (this.opts.rawEscapes) out += ch;
        const n = this.peek();
        if (n === EOF) continue;
        // Only " $ and the escape itself can be escaped; other escapes stay as written.
        if (n === '"' || n === '$' || n === this.opts.escape) ch = this.next();
      }
      out += ch;
    }
  }

  processName(): string {
    let name = '';
    while (this.peek() !== EOF) {
      const c = this.peek();
      if (!name && isDigit(c)) {
        while (isDigit(this.peek())) name += this.next();
        return name;
      }
      if (!name && SPECIAL.has(c)) return this.next();
      if (!isNameChar(c)) break;
      name += this.next();
    }
    return name;
  }

  processDollar(): string {
    if (++this.depth > MAX_DEPTH) throw invalidArgument('variable substitution nested too deeply');
    try {
      return this.dollar();
    } finally {
      this.depth--;
    }
  }

  private dollar(): string {
    this.next();
    if (this.peek() !== '{') {
      const name = this.processName();
      if (!name) return '$';
      const v = this.get(name);
      if (v === undefined && this.opts.skipUnsetEnv) return `$${name}`;
      return v ?? '';
    }
    this.next();
    const first = this.peek();
    if (first === EOF) throw invalidArgument("syntax error: missing '}'");
    if (first === '{' || first === '}' || first === ':') throw invalidArgument('syntax error: bad substitution');
    const name = this.processName();
    const op = this.next();
    const value = this.get(name);
    const keep = (rest: string) => `\${${name}${rest}}`;
    switch (op) {
      case '}':
        if (value === undefined && this.opts.skipUnsetEnv) return keep('');
        return value ?? '';
      case ':':
      case '-':
      case '+':
      case '?': {
        // `${V:-w}` tests for empty, `${V-w}` only for unset.
        const colon = op === ':';
        const mod = colon ? this.next() : op;
        const word = this.wordUntilBrace();
        if (value === undefined && this.opts.skipUnsetEnv) return keep(`${colon ? ':' : ''}${mod}${word}`);
        const missing = colon ? !value : value === undefined;
        switch (mod) {
          case '-': return missing ? word : value!;
          case '+': return missing ? '' : word;
          case '?':
            if (missing) throw invalidArgument(`${name}: ${word || 'is not allowed to be unset'}`);
            return value!;
          default:
            throw invalidArgument(`unsupported modifier (${mod}) in substitution`);
        }
      }
      case '#':
      case '%': {
        const greedy = this.peek() === op && !!this.next();
        const [pattern] = this.processStopOn(['}'], true);
        if (value === undefined && this.opts.skipUnsetEnv) return keep(`${op}${greedy ? op : ''}${pattern}`);
        return trimPattern(value ?? '', pattern, op === '#', greedy, this.opts.escape);
      }
      case '/': {
        const all = this.peek() === '/' && !!this.next();
        const [pattern, , stoppedAt] = this.processStopOn(['/', '}'], true);
        const replacement = stoppedAt === '/' ? this.processStopOn(['}'])[0] : '';
        if (value === undefined && this.opts.skipUnsetEnv) return keep(`/${all ? '/' : ''}${pattern}/${replacement}`);
        return replacePattern(value ?? '', pattern, replacement, all, this.opts.escape);
      }
      case EOF:
        throw invalidArgument("syntax error: missing '}'");
      default:
        throw invalidArgument(`unsupported modifier (${op}) in substitution`);
    }
  }

  private wordUntilBrace(): string {
    try {
      return this.processStopOn(['}'])[0];
    } catch (e) {
      if (this.peek() === EOF) throw invalidArgument("syntax error: missing '}'");
      throw e;
    }
  }
}

/** A shell glob (`*`, `?`, `[...]`, escapes) as a regular expression body. */
function globToRegExp(pattern: string, escape: string): string {
  let out = '';
  const cs = Array.from(pattern);
  for (let i = 0; i < cs.length; i++) {
    const c = cs[i];
    if (c === escape && i + 1 < cs.length) out += escapeRe(cs[++i]);
    else if (c === '*') out += '[\\s\\S]*';
    else if (c === '?') out += '[\\s\\S]';
    else if (c === '[') {
      const end = cs.indexOf(']', i + 2);
      if (end < 0) out += '\\[';
      else {
        let body = cs.slice(i + 1, end).join('');
        if (body.startsWith('!')) body = `^${body.slice(1)}`;
        out += `[${body.replace(/[\\\]]/g, '\\$&')}]`;
        i = end;
      }
    } else out += escapeRe(c);
  }
  return out;
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

function compile(body: string): RegExp {
  try {
    return new RegExp(body, 'u');
  } catch {
    throw invalidArgument('invalid pattern in substitution');
  }
}

function trimPattern(value: string, pattern: string, prefix: boolean, greedy: boolean, escape: string): string {
  const whole = compile(`^(?:${globToRegExp(pattern, escape)})$`);
  // Try every candidate length; the shortest or the longest match wins.
  const cands: string[] = [];
  for (let n = 0; n <= value.length; n++) {
    const part = prefix ? value.slice(0, n) : value.slice(value.length - n);
    if (whole.test(part)) cands.push(part);
  }
  if (!cands.length) return value;
  const cut = greedy ? cands[cands.length - 1] : cands[0];
  return prefix ? value.slice(cut.length) : value.slice(0, value.length - cut.length);
}

function replacePattern(value: string, pattern: string, repl: string, all: boolean, escape: string): string {
  if (!pattern) return value;
  const re = compile(globToRegExp(pattern, escape));
  return value.replace(new RegExp(re.source, all ? 'gu' : 'u'), () => repl);
}

function scanner(text: string, lookup: Lookup, opts: LexOptions): Scanner {
  return new Scanner(text, lookup, {
    escape: opts.escape ?? '\\',
    rawQuotes: opts.rawQuotes ?? false,
    rawEscapes: opts.rawEscapes ?? false,
    skipUnsetEnv: opts.skipUnsetEnv ?? false,
    skipProcessQuotes: opts.skipProcessQuotes ?? false,
  });
}

/** One word: quotes removed, variables substituted, whitespace kept (ENV values, paths). */
export function processWord(text: string, lookup: Lookup, opts: LexOptions = {}): string {
  return scanner(text, lookup, opts).processStopOn([])[0];
}

/** Several words: like processWord, then split on unquoted whitespace (also inside expansions). */
export function processWords(text: string, lookup: Lookup, opts: LexOptions = {}): string[] {
  return scanner(text, lookup, opts).processStopOn([])[1];
}

/** An environment as a Lookup. */
export const lookupIn = (env: Record<string, string>): Lookup => (name) => (Object.hasOwn(env, name) ? env[name] : undefined);
