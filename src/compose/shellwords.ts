// Splitting a command string into words the way Compose does (go-shellwords,
// without variable expansion): whitespace separates words, 'single quotes'
// are literal, "double quotes" group, a backslash outside single quotes
// escapes the next character. No globbing, no $VAR: the container's shell
// (or none) sees the words as written.

/** Throws an Error on an unterminated quote. */
export function shellSplit(s: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '\\' && quote !== "'") {
      if (i + 1 < s.length) word += s[++i];
      inWord = true;
      continue;
    }
    if (quote) {
      if (c === quote) quote = undefined;
      else word += c;
      continue;
    }
    if (c === '"' || c === "'") {
      quote = c;
      inWord = true;
      continue;
    }
    if (/\s/.test(c)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
      continue;
    }
    word += c;
    inWord = true;
  }
  if (quote) throw new Error(`invalid command line string: unterminated ${quote === '"' ? 'double' : 'single'} quote`);
  if (inWord) words.push(word);
  return words;
}
