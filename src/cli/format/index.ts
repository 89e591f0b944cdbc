// Podman's --format handling (containers/common pkg/report): `json`, plain Go
// templates (one rendering per row), and `table ...` templates, which get a
// header row and go through the tabwriter.
import { compileTemplate, isDigit, isLower, isUpper, toGoJSON } from '../../common/gotemplate/template.ts';
import { tabulate } from './table.ts';

export type ListDefaults = {
  /** Column titles by field name, e.g. { ID: 'CONTAINER ID' }; other fields get their camel-case-split name. */
  headers: Record<string, string>;
  /** Used when --format is absent or just "table"; Podman's defaults start with "table ". */
  defaultFormat: string;
};
export type RenderOptions = {
  /** --noheading */
  noHeading?: boolean;
  /** Indent of `--format json`: Podman's ps uses 2, images and inspect use 4. */
  jsonIndent?: number;
};

// report.IsJSON: `json`, `{{json}}`, `{{json .}}`, `{{ json . }}`.
const JSON_FORMAT = /^\s*(json|\{\{\s*json *\.?\s*\}\})\s*$/;
export const isJSONFormat = (f: string): boolean => JSON_FORMAT.test(f);
export const hasTable = (f: string): boolean => f.startsWith('table ');

/**
 * report.NormalizeFormat: the two-character escapes `\t` and `\n` typed in a
 * shell become real ones; in a table format the `table ` keyword goes and every
 * space becomes a tab (a column break). The result always ends with a newline.
 */
export function normalizeFormat(format: string): string {
  const swap: Record<string, string> = { 'table ': '', '\\t': '\t', '\\n': '\n', ' ': '\t' };
  const f = format.replace(hasTable(format) ? /table |\\t|\\n| /g : /\\t|\\n/g, (m) => swap[m]);
  return f.endsWith('\n') ? f : f + '\n';
}

// report.EnforceRange: a template without its own `{{range .}}` runs once per row.
const RANGE = /\{\{\s*range\s*\.\s*\}\}.*\{\{\s*end\s*-?\s*\}\}/;
const enforceRange = (f: string) => (RANGE.test(f) ? f : `{{range .}}${f}{{end -}}`);

/** Like Podman: if the normalized text does not parse (say `\n` inside a string literal), use the text as typed. */
function compile(normalized: string, typed: string): (data: unknown) => string {
  try {
    return compileTemplate(normalized);
  } catch {
    return compileTemplate(typed);
  }
}

/** json.MarshalIndent output: Go escapes <, > and & (HTML-safe) unlike JSON.stringify. */
const prettyJSON = (v: unknown, indent: number) =>
  toGoJSON(v, indent).replace(/[<>&]/g, (c) => `\\u00${c.charCodeAt(0).toString(16)}`);

/** Splits at case changes like containers/common's camelcase.Split: "CreatedAt" → "Created At", "ImageID" → "Image ID". */
function splitCamel(name: string): string {
  const cls = (c: string) => (isUpper(c) ? 1 : isLower(c) ? 2 : isDigit(c) ? 3 : 4);
  const runs: string[][] = [];
  for (const c of name) {
    const last = runs.at(-1);
    if (last && cls(last[0]) === cls(c)) last.push(c);
    else runs.push([c]);
  }
  // In "HTTPServer" the last capital of "HTTPS" starts the word "Server".
  for (let i = 0; i < runs.length - 1; i++) {
    if (cls(runs[i][0]) === 1 && cls(runs[i + 1][0]) === 2) runs[i + 1].unshift(runs[i].pop()!);
  }
  return runs.filter((r) => r.length).map((r) => r.join('')).join(' ');
}

function title(headers: Record<string, string>, field: string): string {
  const keys = Object.keys(headers);
  const hit = keys.find((k) => k === field) ?? keys.find((k) => k.toLowerCase() === field.toLowerCase());
  return (hit === undefined ? splitCamel(field) : headers[hit]).toUpperCase();
}

/**
 * Podman prints the header by running the row template on a map of field name
 * to title. This object answers every field with its title, so the header
 * follows the template's own layout (and its functions, as in Podman).
 */
function headerRow(headers: Record<string, string>): object {
  return new Proxy({}, {
    has: (_t, k) => typeof k === 'string',
    get: (_t, k) => (typeof k === 'string' ? title(headers, k) : undefined),
  });
}

/**
 * For templates that cannot run on titles (`.Config.Image` asks a string for a
 * field): one title per action that prints a field, named after its last field.
 */
function headerFallback(format: string, headers: Record<string, string>): string {
  return normalizeFormat(format).replace(/\{\{(.*?)\}\}/gs, (_m, inner: string) => {
    const body = inner.replace(/^-(?=\s)/, '').replace(/(?<=\s)-$/, '').trim();
    if (/^(?:(?:if|else|end|range|with|break|continue)\b|\/\*|\$\w*\s*:?=)/.test(body)) return '';
    const f = /(?:^|[\s(|])\.([\p{L}_][\p{L}\p{Nd}_]*(?:\.[\p{L}_][\p{L}\p{Nd}_]*)*)/u.exec(body);
    return f ? title(headers, f[1].split('.').pop()!) : '';
  });
}

/** Runs text through the tabwriter, keeping whether it ended with a newline. */
function tabulateText(text: string): string {
  const lines = text.split('\n');
  const trailing = lines.at(-1) === '';
  if (trailing) lines.pop();
  const out = tabulate(lines);
  return trailing ? out : out.slice(0, -1);
}

/**
 * Renders a list command's output (ps, images, volume ls ...), newline-terminated.
 * - `json` / `{{json .}}`: the rows as an indented JSON array.
 * - `table ...` (and the default format): header row + rows, aligned in columns.
 * - any other template: one rendering per row, no header, no alignment.
 */
export function renderList(format: string | undefined, rows: readonly object[], defaults: ListDefaults, opts: RenderOptions = {}): string {
  const user = format !== undefined && format !== '' && format.trim() !== 'table'; // bare "table" means the default, as in Docker
  const f = user ? format : defaults.defaultFormat;
  if (isJSONFormat(f)) return prettyJSON(rows, opts.jsonIndent ?? 4) + '\n';
  const table = hasTable(f);
  const tpl = table
    ? compile(`{{range .}}${normalizeFormat(f)}{{end -}}`, `{{range .}}${f.slice(6)}{{end -}}`)
    : compile(enforceRange(normalizeFormat(f)), enforceRange(f));
  // Podman sends user templates without `table` straight out; its own formats
  // and `table` ones get the tabwriter and, unless --noheading, a header row.
  if (user && !table) return tpl(rows);
  let head = '';
  if (!opts.noHeading) {
    try {
      head = tpl([headerRow(defaults.headers)]);
    } catch {
      head = headerFallback(f, defaults.headers);
    }
  }
  return tabulateText(head + tpl(rows));
}

/**
 * Renders one object (inspect, info, version ...): the JSON document by default
 * or for `json`, otherwise the template once with the object as dot. Returns the
 * text without Podman's final newline; callers print it as a line.
 */
export function renderOne(format: string | undefined, obj: unknown, opts: Pick<RenderOptions, 'jsonIndent'> = {}): string {
  if (!format || isJSONFormat(format)) return prettyJSON(obj, opts.jsonIndent ?? 4);
  const table = hasTable(format);
  const out = compile(normalizeFormat(format), table ? format.slice(6) : format)(obj);
  const text = table ? tabulateText(out) : out;
  return text.endsWith('\n') ? text.slice(0, -1) : text;
}
