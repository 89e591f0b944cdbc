// systemd unit-file syntax (systemd.syntax(7)), read and written back with
// comments, group order and key order kept, so a Quadlet file becomes a
// service unit by editing a copy. Groups of the same name are merged;
// every key remembers its line so errors can name file and line.
import { invalidArgument } from '../../common/errors.ts';
import { escapeWords, splitExec, splitStrv } from './split.ts';

interface Line {
  key: string;
  value: string;
  comment: boolean;
  /** 1-based line in the source file (0 for lines added in code). */
  line: number;
}

interface Group {
  name: string;
  /** Comments before the [Group] header. */
  comments: Line[];
  lines: Line[];
}

const TRUE = /^(1|yes|true|on)$/i;
const FALSE = /^(0|no|false|off)$/i;

export class UnitFile {
  private groups: Group[] = [];
  /** File name (web.container) and full path of the source, if any. */
  fileName: string;
  path: string;

  constructor(fileName = '', path = '') {
    this.fileName = fileName;
    this.path = path;
  }

  /** Parses unit-file text; syntax errors name file and line. */
  static parse(text: string, fileName = '', path = ''): UnitFile {
    const f = new UnitFile(fileName, path);
    f.merge(parseInto(text, fileName));
    return f;
  }

  /** The group of that name, created at the end if missing. */
  ensureGroup(name: string): Group {
    let g = this.groups.find((x) => x.name === name);
    if (!g) this.groups.push((g = { name, comments: [], lines: [] }));
    return g;
  }

  private group(name: string): Group | undefined {
    return this.groups.find((x) => x.name === name);
  }

  /** Appends the groups and lines of another file (drop-ins, copies). */
  merge(src: UnitFile): void {
    for (const g of src.groups) {
      const dst = this.ensureGroup(g.name);
      dst.comments.push(...g.comments.map((l) => ({ ...l })));
      dst.lines.push(...g.lines.map((l) => ({ ...l })));
    }
  }

  dup(fileName = this.fileName): UnitFile {
    const copy = new UnitFile(fileName, '');
    copy.merge(this);
    return copy;
  }

  hasGroup(name: string): boolean {
    return !!this.group(name);
  }

  listGroups(): string[] {
    return this.groups.map((g) => g.name);
  }

  /** The keys of a group with the line each first appears on. */
  listKeys(group: string): { key: string; line: number }[] {
    const seen = new Map<string, number>();
    for (const l of this.group(group)?.lines ?? []) if (!l.comment && !seen.has(l.key)) seen.set(l.key, l.line);
    return [...seen].map(([key, line]) => ({ key, line }));
  }

  renameGroup(from: string, to: string): void {
    const g = this.group(from);
    if (!g) return;
    const target = this.group(to);
    if (!target) { g.name = to; return; }
    target.comments.push(...g.comments);
    target.lines.push(...g.lines);
    this.groups = this.groups.filter((x) => x !== g);
  }

  /** The last value of a key, or undefined. */
  lookupLast(group: string, key: string): string | undefined {
    const lines = this.group(group)?.lines ?? [];
    for (let i = lines.length - 1; i >= 0; i--) if (!lines[i].comment && lines[i].key === key) return lines[i].value;
    return undefined;
  }

  /** The last value without trailing blanks and without one pair of surrounding double quotes. */
  lookup(group: string, key: string): string | undefined {
    let v = this.lookupLast(group, key);
    if (v === undefined) return undefined;
    v = v.trimEnd();
    if (v.length >= 2 && v.startsWith('"') && v.endsWith('"')) v = v.slice(1, -1);
    return v;
  }

  has(group: string, key: string): boolean {
    return this.lookupLast(group, key) !== undefined;
  }

  lookupBoolean(group: string, key: string): boolean | undefined {
    const v = this.lookup(group, key);
    return v === undefined ? undefined : TRUE.test(v);
  }

  lookupBooleanOr(group: string, key: string, dflt: boolean): boolean {
    return this.lookupBoolean(group, key) ?? dflt;
  }

  /** Checks a boolean's spelling, for keys where a typo would silently flip the meaning. */
  isBoolean(v: string): boolean {
    return TRUE.test(v) || FALSE.test(v);
  }

  /** Every value of a key; an empty assignment resets the list, as in systemd. */
  lookupAll(group: string, key: string): string[] {
    let out: string[] = [];
    for (const l of this.group(group)?.lines ?? []) {
      if (l.comment || l.key !== key) continue;
      if (l.value === '') out = [];
      else out.push(l.value);
    }
    return out;
  }

  /** Every value split as a systemd list (quotes group, backslashes kept). */
  lookupAllStrv(group: string, key: string): string[] {
    return this.lookupAll(group, key).flatMap(splitStrv);
  }

  /** Every value split as Exec arguments (quotes, C escapes). */
  lookupAllArgs(group: string, key: string): string[] {
    return this.lookupAll(group, key).flatMap(splitExec);
  }

  /** The last value split as Exec arguments. */
  lookupLastArgs(group: string, key: string): string[] | undefined {
    const v = this.lookupLast(group, key);
    return v === undefined ? undefined : splitExec(v);
  }

  /** Environment=-style KEY=VALUE words of every value; a bare KEY maps to undefined. */
  lookupAllKeyVal(group: string, key: string): Map<string, string | undefined> {
    const out = new Map<string, string | undefined>();
    for (const word of this.lookupAllArgs(group, key)) {
      const eq = word.indexOf('=');
      if (eq < 0) out.set(word, undefined);
      else out.set(word.slice(0, eq), word.slice(eq + 1));
    }
    return out;
  }

  add(group: string, key: string, value: string): void {
    this.ensureGroup(group).lines.push({ key, value, comment: false, line: 0 });
  }

  /** Sets the last instance of a key, or adds it. */
  set(group: string, key: string, value: string): void {
    const lines = this.ensureGroup(group).lines;
    for (let i = lines.length - 1; i >= 0; i--) {
      if (!lines[i].comment && lines[i].key === key) { lines[i].value = value; return; }
    }
    lines.push({ key, value, comment: false, line: 0 });
  }

  unset(group: string, key: string): void {
    const g = this.group(group);
    if (g) g.lines = g.lines.filter((l) => l.comment || l.key !== key);
  }

  prepend(group: string, key: string, value: string): void {
    this.ensureGroup(group).lines.unshift({ key, value, comment: false, line: 0 });
  }

  /** Adds an Exec-style line from argv, quoting words as systemd reads them back. */
  addCmdline(group: string, key: string, argv: string[]): void {
    this.add(group, key, escapeWords(argv));
  }

  /** Comment lines at the very top of the file. */
  prependComments(...comments: string[]): void {
    const first = this.groups[0] ?? this.ensureGroup('');
    first.comments.unshift(...comments.map((c) => ({ key: '', value: `# ${c}`, comment: true, line: 0 })));
  }

  toString(): string {
    let out = '';
    this.groups.forEach((g, i) => {
      // One blank line between groups; the parser drops one to keep round trips stable.
      if (i > 0) out += '\n';
      for (const c of g.comments) out += c.value + '\n';
      if (g.name === '') return;
      out += `[${g.name}]\n`;
      for (const l of g.lines) out += l.comment ? l.value + '\n' : `${l.key}=${l.value}\n`;
    });
    return out;
  }
}

function parseInto(text: string, fileName: string): UnitFile {
  const f = new UnitFile();
  const where = (n: number) => `${fileName || '<unit>'}:${n}`;
  const g = (name: string) => f.ensureGroup(name);
  let current: Group | undefined;
  let pending: Line[] = [];
  let cont: { text: string; line: number } | undefined;
  const raw = text.replace(/\n$/, '').split('\n');
  raw.forEach((rawLine, idx) => {
    const n = idx + 1;
    let line = rawLine.trim();
    const isComment = line === '' || line.startsWith('#') || line.startsWith(';');
    // Comments inside a continued value are skipped, as systemd does.
    if (isComment && cont) return;
    if (!isComment) {
      if (line.endsWith('\\') && idx !== raw.length - 1) {
        // systemd replaces the backslash of a continued line by a space.
        cont = { text: (cont?.text ?? '') + line.slice(0, -1) + ' ', line: cont?.line ?? n };
        return;
      }
      if (line.endsWith('\\')) line = line.slice(0, -1);
      if (cont) { line = cont.text + line; }
    }
    const lineNo = cont?.line ?? n;
    cont = undefined;
    if (isComment) { pending.push({ key: '', value: line, comment: true, line: lineNo }); return; }
    if (line.startsWith('[')) {
      const end = line.indexOf(']');
      if (end < 0 || line.slice(end + 1).trim() !== '') throw invalidArgument(`${where(lineNo)}: invalid group header "${line}"`);
      const name = line.slice(1, end);
      if (!name || /[[\]\x00-\x1f\x7f]/.test(name)) throw invalidArgument(`${where(lineNo)}: invalid group name "${name}"`);
      current = g(name);
      if (pending.length && pending[0].value === '') pending = pending.slice(1);
      current.comments.push(...pending);
      pending = [];
      return;
    }
    const eq = line.indexOf('=');
    if (eq <= 0) throw invalidArgument(`${where(lineNo)}: "${line}" is not a key-value pair, group, or comment`);
    if (!current) throw invalidArgument(`${where(lineNo)}: key file does not start with a group`);
    const key = line.slice(0, eq).trimEnd();
    current.lines.push(...pending, { key, value: line.slice(eq + 1).trimStart(), comment: false, line: lineNo });
    pending = [];
  });
  (current ?? g('')).lines.push(...pending);
  return f;
}
