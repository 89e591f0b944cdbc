// Physical lines to logical lines, as BuildKit's parser.Parse reads them:
// parser directives at the very top, comments, escape-char continuations
// (comment and blank lines inside a continuation are skipped), and heredoc
// bodies read on demand after the line that opened them.
import type { Directives } from './ast.ts';
import { syntaxError } from './errors.ts';

export interface LogicalLine {
  text: string;
  /** 1-based first and last physical line. */
  start: number;
  end: number;
}

const DIRECTIVE = /^#[ \t]*([a-zA-Z][a-zA-Z0-9]*)[ \t]*=[ \t]*(.+?)[ \t]*$/;
const KNOWN_DIRECTIVES = new Set(['syntax', 'escape', 'check']);
const isComment = (l: string) => /^[ \t\r\n\v\f]*#/.test(l);
const trimLeft = (l: string) => l.replace(/^[ \t\r\n\v\f]+/, '');
const trimNewline = (l: string) => l.replace(/[\r\n]+$/, '');

export class LineReader {
  private readonly lines: string[];
  /** Lines consumed so far (= the 1-based number of the last one read). */
  private pos = 0;
  private directivesDone = false;
  private readonly seen = new Set<string>();
  private continuation = /\\[ \t]*$/;
  readonly directives: Directives = { escape: '\\' };
  readonly warnings: { line: number; message: string }[] = [];

  private readonly file: string;
  private readonly finalNewline: boolean;

  constructor(text: string, file: string) {
    this.file = file;
    const lines = text.replace(/^\uFEFF/, '').split('\n');
    // "a\n" is one line, not two: a final newline ends the last line.
    this.finalNewline = lines.length > 1 && lines[lines.length - 1] === '';
    if (this.finalNewline) lines.pop();
    this.lines = lines;
  }

  get line(): number {
    return this.pos;
  }

  /** Directives are only recognised until the first line that is not one. */
  private directive(line: string): void {
    if (this.directivesDone) return;
    const m = DIRECTIVE.exec(line);
    const key = m?.[1].toLowerCase();
    if (!m || !key || !KNOWN_DIRECTIVES.has(key)) {
      this.directivesDone = true;
      return;
    }
    if (this.seen.has(key)) throw syntaxError(this.file, this.pos, `only one ${key} parser directive can be used`);
    this.seen.add(key);
    if (key === 'escape') {
      if (m[2] !== '\\' && m[2] !== '`') throw syntaxError(this.file, this.pos, `invalid escape token '${m[2]}' does not match \` or \\`);
      this.directives.escape = m[2];
      this.continuation = m[2] === '`' ? /`[ \t]*$/ : /\\[ \t]*$/;
    } else this.directives[key as 'syntax' | 'check'] = m[2];
  }

  /** Drops a trailing continuation escape; true when the line continues. */
  private continues(line: string): [string, boolean] {
    const m = this.continuation.exec(line);
    return m ? [line.slice(0, m.index), true] : [line, false];
  }

  /** The next instruction line with its continuations, or undefined at the end. */
  next(): LogicalLine | undefined {
    while (this.pos < this.lines.length) {
      const raw = trimNewline(this.lines[this.pos++]);
      const first = trimLeft(raw);
      this.directive(first);
      if (isComment(first)) continue;
      const start = this.pos;
      let [text, more] = this.continues(first);
      if (!more && text === '') continue;
      let blank = false;
      while (more && this.pos < this.lines.length) {
        const cont = trimNewline(this.lines[this.pos++]);
        this.directive(cont);
        if (isComment(cont)) continue;
        if (trimLeft(cont) === '') {
          blank = true;
          continue;
        }
        let piece: string;
        [piece, more] = this.continues(cont);
        text += piece;
      }
      if (blank) this.warnings.push({ line: start, message: `Empty continuation line found in: ${text}` });
      return { text, start, end: this.pos };
    }
    return undefined;
  }

  /** Reads a heredoc body up to its delimiter line (tabs stripped first for `<<-`). */
  heredoc(delimiter: string, chomp: boolean, start: number): string {
    let content = '';
    while (this.pos < this.lines.length) {
      const i = this.pos++;
      const raw = this.lines[i];
      let candidate = trimNewline(raw);
      if (chomp) candidate = candidate.replace(/^\t+/, '');
      if (candidate === delimiter) return content;
      content += (chomp ? raw.replace(/^\t+/, '') : raw) + (i < this.lines.length - 1 || this.finalNewline ? '\n' : '');
    }
    throw syntaxError(this.file, start, `unterminated heredoc ${delimiter}`, this.pos);
  }
}
