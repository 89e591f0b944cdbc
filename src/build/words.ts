// Splitting an instruction's text the way BuildKit's line parsers do
// (frontend/dockerfile/parser/line_parsers.go): the leading `--flags`, words
// that keep their quotes for the later expansion step, JSON (exec) form, and
// the `<<EOF` words that open heredocs.
import { invalidArgument } from '../common/errors.ts';
import type { Flag } from './ast.ts';
import { processWords } from './lexer.ts';

const isSpace = (c: string) => /^\s$/.test(c);

/**
 * Pulls `--name[=value]` words off the front of the arguments (quotes and
 * backslashes inside them are resolved; `--` alone ends the flags).
 */
export function extractFlags(line: string): { flags: Flag[]; rest: string } {
  const words: string[] = [];
  let i = 0;
  for (;;) {
    while (i < line.length && isSpace(line[i])) i++;
    if (!line.startsWith('--', i)) break;
    let word = '';
    let quote = '';
    let quoted = false;
    for (; i < line.length; i++) {
      const c = line[i];
      if (quote) {
        if (c === quote) quote = '';
        else if (c === '\\' && i + 1 < line.length) word += line[++i];
        else if (c !== '\\') word += c;
        continue;
      }
      if (isSpace(c)) break;
      if (c === '"' || c === "'") {
        quote = c;
        quoted = true;
      } else if (c === '\\') {
        if (i + 1 < line.length) word += line[++i];
      } else word += c;
    }
    if (word === '--') break;
    if (word || quoted) words.push(word);
  }
  const flags = words.map((w) => {
    const eq = w.indexOf('=');
    return eq < 0 ? { name: w.slice(2), value: undefined } : { name: w.slice(2, eq), value: w.slice(eq + 1) };
  });
  return { flags, rest: line.slice(i).trim() };
}

/**
 * Words split on unquoted whitespace, quotes and escapes kept as written
 * (ENV/LABEL/ARG pairs, expanded later). Unterminated quotes run to the end.
 */
export function splitWords(text: string, escape: string): string[] {
  const words: string[] = [];
  let word = '';
  let quote = '';
  let inWord = false;
  const cs = Array.from(text);
  for (let i = 0; i < cs.length; i++) {
    const c = cs[i];
    if (!quote && isSpace(c)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
      continue;
    }
    inWord = true;
    if (quote) {
      if (c === quote) quote = '';
      // Nothing escapes inside single quotes.
      else if (c === escape && quote !== "'") {
        if (i + 1 === cs.length) continue;
        word += c + cs[++i];
        continue;
      }
    } else if (c === '"' || c === "'") quote = c;
    else if (c === escape) {
      if (i + 1 === cs.length) continue;
      word += c + cs[++i];
      continue;
    }
    word += c;
  }
  if (inWord) words.push(word);
  return words;
}

/** Plain whitespace split (FROM, EXPOSE and the non-JSON COPY/ADD/VOLUME). */
export const fields = (text: string): string[] => text.split(/[\t\v\f\r ]+/).filter(Boolean);

/**
 * The JSON (exec) form: a JSON array of strings. Returns undefined when the
 * text is not JSON at all (then it is shell form); a JSON array holding
 * anything but strings is an error, as in BuildKit.
 */
export function parseJsonArray(text: string): string[] | undefined {
  const t = text.trimStart();
  if (!t.startsWith('[')) return undefined;
  let v: unknown;
  try {
    v = JSON.parse(t);
  } catch {
    return undefined;
  }
  if (!Array.isArray(v)) return undefined;
  if (!v.every((x) => typeof x === 'string')) throw invalidArgument('when using JSON array syntax, arrays must be comprised of strings only');
  return v as string[];
}

export interface HeredocStart {
  name: string;
  expand: boolean;
  chomp: boolean;
  fd: number;
}

const HEREDOC = /^(\d*)<<(-?)([^<]*)$/;

/**
 * The heredocs a line opens, in order: each word of the form `[n]<<[-]WORD`.
 * A delimiter with any quoted part (`<<"EOF"`, `<<E'O'F`) turns expansion
 * of its body off, as in the shell.
 */
export function heredocsIn(line: string): HeredocStart[] {
  let words: string[];
  try {
    words = processWords(line, () => undefined, { rawQuotes: true, rawEscapes: true });
  } catch {
    return []; // BuildKit ignores lexing errors here; the instruction parser reports them.
  }
  const out: HeredocStart[] = [];
  for (const w of words) {
    const m = HEREDOC.exec(w);
    if (!m || !m[3]) continue;
    let cooked: string[];
    let raw: string[];
    try {
      cooked = processWords(m[3], () => undefined, { skipUnsetEnv: true });
      raw = processWords(m[3], () => undefined, { skipUnsetEnv: true, rawQuotes: true });
    } catch (e) {
      throw invalidArgument(`invalid heredoc delimiter ${m[3]}: ${(e as Error).message}`);
    }
    if (cooked.length !== 1 || raw.length !== 1) continue;
    const quotes = (s: string) => (s.match(/["']/g) ?? []).length;
    out.push({ name: cooked[0], expand: quotes(cooked[0]) === quotes(raw[0]), chomp: m[2] === '-', fd: m[1] ? Number(m[1]) : 0 });
  }
  return out;
}

/** Whether a COPY/ADD source word is a heredoc (`<<EOF`, `<<-"EOF"`): its body is in `heredocs`, in order. */
export const isHeredocSource = (word: string): boolean => /^\d*<<-?[^<]+$/.test(word);
