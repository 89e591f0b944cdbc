// Quoting of command words in generated Exec lines, the way Podman's
// `generate systemd` writes them: `$` and `%` doubled so systemd neither
// expands variables nor specifiers in user arguments, words with blanks or
// quotes in Go's double-quoted form, lone backslashes doubled.

const GO_ESCAPES: Record<string, string> = {
  '\x07': '\\a', '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\v': '\\v',
  '\\': '\\\\', '"': '\\"',
};

/** Go's strconv.Quote: what Podman uses, and a form systemd's Exec parser reads back. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const code = ch.codePointAt(0)!;
    if (GO_ESCAPES[ch]) out += GO_ESCAPES[ch];
    else if (code < 0x20 || code === 0x7f) out += '\\x' + code.toString(16).padStart(2, '0');
    else out += ch;
  }
  return out + '"';
}

/** One argument as Podman's escapeSystemdArg writes it. */
export function escapeSystemdArg(arg: string): string {
  arg = arg.replaceAll('$', () => '$$').replaceAll('%', '%%'); // a function: '$$' in a replacement string means one '$'
  if (/[ \t"]/.test(arg)) return goQuote(arg);
  return arg.replaceAll('\\', '\\\\');
}

export const escapeSystemdArgs = (args: string[]) => args.map(escapeSystemdArg);

/**
 * Podman's formatOptions: words joined by spaces, a line continuation before
 * every word that starts with "-". Podman splits its templates on single
 * spaces, so an empty word (two spaces in the template) survives as a
 * double space before the continuation; callers reproduce that by passing "".
 */
export function formatOptions(words: string[]): string {
  if (words.length === 0) return '';
  let out = words[0];
  for (const w of words.slice(1)) out += w.startsWith('-') ? ` \\\n\t${w}` : ` ${w}`;
  return out;
}
