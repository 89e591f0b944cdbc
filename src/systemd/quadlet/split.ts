// Splitting and quoting of words the way systemd does for Exec= lines and
// list values (extract_first_word in systemd's src/basic/extract-word.c):
// blanks separate words, "..." and '...' group them, C escapes (\n, \t,
// \x41, \101, \u00e9, \s) are decoded where the caller asks for it.

export interface SplitFlags {
  /** Tolerate an unbalanced quote or a trailing backslash. */
  relax?: boolean;
  /** Decode C escapes. */
  cUnescape?: boolean;
  /** Remove the quotes (they always group). */
  unquote?: boolean;
  /** A backslash is an ordinary character (systemd's strv values). */
  retainEscape?: boolean;
}

const WHITESPACE = ' \t\n\r';
const SIMPLE: Record<string, string> = {
  a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\', '"': '"', "'": "'", s: ' ',
};

/** Decodes one C escape at s[i..] (after the backslash): [decoded, length] or undefined. */
function cUnescapeOne(s: string, i: number): [string, number] | undefined {
  const c = s[i];
  if (c in SIMPLE) return [SIMPLE[c], 1];
  const hex = (from: number, n: number) => {
    const h = s.slice(from, from + n);
    return h.length === n && /^[0-9a-fA-F]+$/.test(h) ? parseInt(h, 16) : -1;
  };
  if (c === 'x') {
    const v = hex(i + 1, 2);
    return v > 0 ? [String.fromCharCode(v), 3] : undefined;
  }
  if (c === 'u' || c === 'U') {
    const n = c === 'u' ? 4 : 8;
    const v = hex(i + 1, n);
    return v > 0 && v <= 0x10ffff ? [String.fromCodePoint(v), n + 1] : undefined;
  }
  if (c >= '0' && c <= '7') {
    const o = s.slice(i, i + 3);
    if (!/^[0-7]{3}$/.test(o)) return undefined;
    const v = parseInt(o, 8);
    return v > 0 && v <= 255 ? [String.fromCharCode(v), 3] : undefined;
  }
  return undefined;
}

/** Splits s into words; throws on unbalanced quotes or bad escapes unless relaxed. */
export function splitWords(s: string, flags: SplitFlags = {}): string[] {
  const words: string[] = [];
  let i = 0;
  const n = s.length;
  for (;;) {
    while (i < n && WHITESPACE.includes(s[i])) i++;
    if (i >= n) return words;
    let word = '';
    let quote = '';
    for (; i < n; i++) {
      const c = s[i];
      if (c === '\\' && !flags.retainEscape) {
        if (i + 1 >= n) {
          if (flags.relax) break;
          throw new Error('unbalanced escape');
        }
        i++;
        if (flags.cUnescape) {
          const dec = cUnescapeOne(s, i);
          if (!dec) {
            if (flags.relax) { word += '\\' + s[i]; continue; }
            throw new Error(`unsupported escape \\${s[i]}`);
          }
          word += dec[0];
          i += dec[1] - 1;
        } else {
          word += s[i];
        }
        continue;
      }
      if (quote) {
        if (c === quote) { quote = ''; if (!flags.unquote) word += c; continue; }
        word += c;
        continue;
      }
      if (c === '"' || c === "'") { quote = c; if (!flags.unquote) word += c; continue; }
      if (WHITESPACE.includes(c)) break;
      word += c;
    }
    if (quote && !flags.relax) throw new Error('unbalanced quotes');
    words.push(word);
  }
}

/** The Exec-style split Quadlet uses for Exec=, PodmanArgs=, Environment= and the like. */
export const splitExec = (s: string) => splitWords(s, { relax: true, unquote: true, cUnescape: true });

/** The list split of systemd's strv keys (After=, WantedBy=, DropCapability=). */
export const splitStrv = (s: string) => splitWords(s, { unquote: true, retainEscape: true, relax: true });

function needsEscape(c: string): boolean {
  const code = c.codePointAt(0)!;
  if (code > 128) return false;
  return /\s/.test(c) || code < 0x20 || code === 0x7f || c === '"' || c === "'" || c === '\\';
}

const ESCAPES: Record<string, string> = {
  '\x07': '\\a', '\b': '\\b', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\v': '\\v', '\f': '\\f',
  '\\': '\\\\', ' ': ' ', '"': '\\"', "'": "'",
};

/** One word for an Exec line: as is, or double-quoted with C escapes when it holds blanks, quotes or controls. */
export function escapeWord(word: string): string {
  if (![...word].some(needsEscape)) return word;
  let out = '"';
  for (const c of word) {
    if (!needsEscape(c)) out += c;
    else out += ESCAPES[c] ?? '\\x' + c.codePointAt(0)!.toString(16).padStart(2, '0');
  }
  return out + '"';
}

export const escapeWords = (words: string[]) => words.map(escapeWord).join(' ');
