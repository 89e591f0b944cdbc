// The env file grammar of Compose (`.env`, env_file): KEY=VALUE lines, an
// optional `export ` prefix, # comments (inline only after whitespace in
// unquoted values), 'single quotes' taken literally, "double quotes" with
// \n \r \t \\ \" \$ escapes, both quotes spanning lines. Unquoted and
// double-quoted values are interpolated against the environment and the
// keys defined above them. A bare KEY passes the variable through.
import { interpolate, type Lookup } from './interpolate.ts';

/** Parsed entries in file order; null marks a bare KEY (pass-through). */
export type EnvEntries = Record<string, string | null>;

const KEY = /^[A-Za-z_][A-Za-z0-9_.-]*$/;
const ESCAPES: Record<string, string> = { n: '\n', r: '\r', t: '\t', '\\': '\\', '"': '"', $: '$$' };

/** Throws an Error naming the line; callers prefix the file name. */
export function parseEnvFile(text: string, lookup: Lookup = () => undefined): EnvEntries {
  const out: EnvEntries = {};
  const resolve: Lookup = (name) => (out[name] ?? undefined) ?? lookup(name);
  let i = 0;
  const lineAt = (at: number) => text.slice(0, at).split('\n').length;
  const fail = (at: number, msg: string): never => {
    throw new Error(`line ${lineAt(at)}: ${msg}`);
  };
  const eol = (from: number) => {
    const n = text.indexOf('\n', from);
    return n < 0 ? text.length : n;
  };

  while (i < text.length) {
    const end = eol(i);
    const raw = text.slice(i, end).replace(/\r$/, '');
    let line = raw;
    const start = i;
    i = end + 1;
    line = line.trimStart();
    if (!line || line.startsWith('#')) continue;
    if (/^export\s/.test(line)) line = line.slice(6).trimStart();
    const eq = line.indexOf('=');
    if (eq < 0) {
      const key = line.replace(/\s+#.*$/, '').trim();
      if (!KEY.test(key)) fail(start, `invalid variable name "${key}"`);
      out[key] = null;
      continue;
    }
    const key = line.slice(0, eq).trim();
    if (!KEY.test(key)) fail(start, `invalid variable name "${key}"`);
    const rest = line.slice(eq + 1).trimStart();
    const q = rest[0];
    if (q === "'" || q === '"') {
      // The value may run past this line: scan the raw text from the quote.
      const from = start + raw.length - rest.length + 1;
      let j = from;
      let value = '';
      for (; j < text.length && text[j] !== q; j++) {
        if (text[j] === '\\' && j + 1 < text.length) {
          const c = text[j + 1];
          if (q === "'" && c === "'") value += "'";
          else if (q === '"' && c in ESCAPES) value += ESCAPES[c];
          else value += `\\${c}`;
          j++;
        } else if (q === '"' && text[j] === '$') {
          value += '$';
        } else {
          value += text[j];
        }
      }
      if (j >= text.length) fail(start, `unterminated quoted value for ${key}`);
      const after = text.slice(j + 1, eol(j + 1)).trim();
      if (after && !after.startsWith('#')) fail(start, `unexpected characters after the quoted value of ${key}`);
      i = eol(j + 1) + 1;
      out[key] = q === '"' ? interpolate(value, resolve) : value;
      continue;
    }
    const value = rest.replace(/\s+#.*$/, '').trim();
    out[key] = interpolate(value, resolve);
  }
  return out;
}
