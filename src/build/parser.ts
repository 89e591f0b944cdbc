// The Containerfile parser: BuildKit's grammar (frontend/dockerfile/parser and
// instructions) into husk's typed AST. Parsing is pure and total: any input
// gives either a Dockerfile or a HuskError('INVALID_ARGUMENT') that names the
// file, the line and the instruction. Words keep their quotes and `$VAR`s;
// expand.ts resolves them per stage.
import { HuskError, invalidArgument } from '../common/errors.ts';
import type {
  CommandForm, CopyInstruction, Dockerfile, Flag, Heredoc, Instruction, InstructionKind, KeyValue, Location,
} from './ast.ts';
import { parseDuration } from './duration.ts';
import { at, syntaxError } from './errors.ts';
import { checkFlags, checkNetwork, checkSecurity, parseMount, type FlagValues } from './flags.ts';
import { LineReader } from './lines.ts';
import { extractFlags, fields, heredocsIn, isHeredocSource, parseJsonArray, splitWords } from './words.ts';

export interface ParseOptions {
  /** The name errors use ("Containerfile", "Dockerfile", a path). */
  file?: string;
}

const KINDS: InstructionKind[] = [
  'FROM', 'RUN', 'CMD', 'ENTRYPOINT', 'SHELL', 'LABEL', 'ENV', 'EXPOSE', 'VOLUME', 'USER', 'WORKDIR',
  'STOPSIGNAL', 'MAINTAINER', 'ARG', 'COPY', 'ADD', 'HEALTHCHECK', 'ONBUILD',
];
const KIND_SET = new Set<string>(KINDS);
const HEREDOC_KINDS = new Set(['RUN', 'COPY', 'ADD']);

/** What an instruction parser gets: the words after the flags, and the context around them. */
interface Request {
  kind: InstructionKind;
  args: string;
  flags: Flag[];
  original: string;
  loc: Location;
  escape: string;
  heredocs: Heredoc[];
}

/** Parses a whole Containerfile. */
export function parseDockerfile(text: string, opts: ParseOptions = {}): Dockerfile {
  const file = opts.file ?? 'Containerfile';
  const reader = new LineReader(text, file);
  const instructions: Instruction[] = [];
  for (let line = reader.next(); line; line = reader.next()) {
    const { text: lineText, start } = line;
    const [word] = splitCommand(lineText);
    const kind = word.toUpperCase();
    // Heredoc bodies follow the line that opens them (ONBUILD RUN <<EOF too).
    const heredocs: Heredoc[] = [];
    const inner = kind === 'ONBUILD' ? splitCommand(splitCommand(lineText)[1])[0].toUpperCase() : kind;
    if (HEREDOC_KINDS.has(inner) && lineText.includes('<<')) {
      let starts;
      try {
        starts = heredocsIn(lineText);
      } catch (e) {
        at(file, start, e);
      }
      for (const h of starts) heredocs.push({ ...h, content: reader.heredoc(h.name, h.chomp, start) });
    }
    const loc = { file, start, end: reader.line };
    instructions.push(parseLine(lineText, loc, reader.directives.escape, heredocs));
  }
  return { file, directives: reader.directives, instructions, warnings: reader.warnings };
}

/** Parses one instruction line (no continuations, no heredoc bodies): `--change` values, tests. */
export function parseInstruction(line: string, opts: ParseOptions & { escape?: '\\' | '`' } = {}): Instruction {
  return parseLine(line, { file: opts.file ?? 'Containerfile', start: 1, end: 1 }, opts.escape ?? '\\', []);
}

/** The instruction word and the rest, as BuildKit's splitCommand. */
function splitCommand(line: string): [string, string] {
  const m = /^(\S*)\s*([\s\S]*)$/.exec(line.trim())!;
  return [m[1], m[2]];
}

function parseLine(text: string, loc: Location, escape: string, heredocs: Heredoc[]): Instruction {
  const [word, rest] = splitCommand(text);
  const kind = word.toUpperCase();
  if (!KIND_SET.has(kind)) {
    const hint = suggest(kind);
    throw syntaxError(loc.file, loc.start, `unknown instruction: ${word}${hint ? ` (did you mean ${hint}?)` : ''}`);
  }
  try {
    const { flags, rest: args } = extractFlags(rest);
    return build({ kind: kind as InstructionKind, args, flags, original: text.trim(), loc, escape, heredocs });
  } catch (e) {
    if (!(e instanceof HuskError) || e.message.startsWith(`${loc.file}:`)) throw e;
    // Messages from helpers get the instruction named in front.
    const msg = e.message.startsWith(kind) ? e.message : `${kind}: ${e.message}`;
    throw syntaxError(loc.file, loc.start, msg);
  }
}

/** The closest instruction name (edits incl. transpositions: 1 for short words, else 2), for "did you mean". */
function suggest(word: string): string | undefined {
  if (word.length > 20) return undefined;
  const dist = (a: string, b: string) => {
    const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
    for (let i = 1; i <= a.length; i++) {
      for (let j = 1; j <= b.length; j++) {
        d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
        if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
    return d[a.length][b.length];
  };
  const limit = word.length <= 4 ? 1 : 2;
  let best: [string, number] | undefined;
  for (const k of KINDS) {
    const n = dist(word, k);
    if (n <= limit && (!best || n < best[1])) best = [k, n];
  }
  return best?.[0];
}

const atLeastOne = (kind: string) => invalidArgument(`${kind} requires at least one argument`);
const exactlyOne = (kind: string) => invalidArgument(`${kind} requires exactly one argument`);

/** Exec form if the text is a JSON array of strings, else shell form. */
function commandForm(args: string): CommandForm {
  const json = parseJsonArray(args);
  return json ? { form: 'exec', args: json } : { form: 'shell', line: args };
}

function build(req: Request): Instruction {
  const { kind, args, loc, original } = req;
  const common = { loc, original, flags: req.flags };
  const flags = checkFlags(kind, kind === 'HEALTHCHECK' && /^none\b/i.test(args) ? [] : req.flags);
  switch (kind) {
    case 'FROM': {
      const words = fields(args);
      if (!words.length) throw atLeastOne('FROM');
      let name: string | undefined;
      if (words.length === 3 && words[1].toLowerCase() === 'as') {
        name = words[2].toLowerCase();
        if (!/^[a-z][a-z0-9-_.]*$/.test(name)) throw invalidArgument(`invalid name for build stage: "${words[2]}", name can't start with a number or contain symbols`);
      } else if (words.length !== 1) throw invalidArgument('FROM requires either one or three arguments');
      return { kind, ...common, image: words[0], name, platform: flags.get('platform') as string | undefined };
    }
    case 'RUN': {
      if (!args && !req.heredocs.length) throw atLeastOne('RUN');
      const network = flags.get('network') as string | undefined;
      const security = flags.get('security') as string | undefined;
      return {
        kind, ...common, command: commandForm(args), heredocs: req.heredocs,
        mounts: ((flags.get('mount') as string[] | undefined) ?? []).map(parseMount),
        network: network === undefined ? undefined : checkNetwork(network),
        security: security === undefined ? undefined : checkSecurity(security),
      };
    }
    case 'CMD':
    case 'ENTRYPOINT':
      return { kind, ...common, command: commandForm(args) };
    case 'SHELL': {
      const json = parseJsonArray(args);
      if (!json) throw invalidArgument('SHELL requires the arguments to be in JSON form');
      if (!json.length) throw atLeastOne('SHELL');
      return { kind, ...common, args: json };
    }
    case 'LABEL':
    case 'ENV':
      return { kind, ...common, pairs: nameValues(kind, args, req.escape) };
    case 'EXPOSE': {
      const ports = fields(args);
      if (!ports.length) throw atLeastOne('EXPOSE');
      return { kind, ...common, ports };
    }
    case 'VOLUME': {
      const paths = parseJsonArray(args) ?? fields(args);
      if (!paths.length) throw atLeastOne('VOLUME');
      if (paths.some((p) => !p.trim())) throw invalidArgument('VOLUME specified can not be an empty string');
      return { kind, ...common, paths };
    }
    case 'USER':
    case 'WORKDIR':
    case 'STOPSIGNAL':
      if (!args) throw exactlyOne(kind);
      return { kind, ...common, value: args };
    case 'MAINTAINER':
      if (!args) throw atLeastOne(kind);
      return { kind, ...common, value: args };
    case 'ARG': {
      const words = splitWords(args, req.escape);
      if (!words.length) throw atLeastOne('ARG');
      return {
        kind, ...common,
        args: words.map((w) => {
          const eq = w.indexOf('=');
          const name = eq < 0 ? w : w.slice(0, eq);
          if (!name) throw invalidArgument('ARG names can not be blank');
          return eq < 0 ? { name } : { name, value: w.slice(eq + 1) };
        }),
      };
    }
    case 'COPY':
    case 'ADD':
      return copyLike(req, flags);
    case 'HEALTHCHECK':
      return healthcheck(req, flags);
    case 'ONBUILD': {
      if (!args) throw atLeastOne('ONBUILD');
      const [word] = splitCommand(args);
      const inner = word.toUpperCase();
      if (inner === 'ONBUILD') throw invalidArgument('Chaining ONBUILD via `ONBUILD ONBUILD` isn\'t allowed');
      if (inner === 'FROM' || inner === 'MAINTAINER') throw invalidArgument(`${inner} isn't allowed as an ONBUILD trigger`);
      const expression = original.replace(/^\s*ONBUILD\s*/i, '');
      return { kind, ...common, expression, trigger: parseLine(args, loc, req.escape, req.heredocs) };
    }
  }
}

/** ENV/LABEL: `k=v k2="v 2"`, or the old `KEY value` form where the value is the rest of the line. */
function nameValues(kind: string, args: string, escape: string): KeyValue[] {
  const words = splitWords(args, escape);
  if (!words.length) throw atLeastOne(kind);
  if (!words[0].includes('=')) {
    const m = /^(\S+)[\t\v\f\r ]+([\s\S]+)$/.exec(args);
    if (!m) throw invalidArgument(`${kind} must have two arguments`);
    return [{ key: m[1], value: m[2] }];
  }
  return words.map((w) => {
    const eq = w.indexOf('=');
    if (eq < 0) throw invalidArgument(`Syntax error - can't find = in "${w}". Must be of the form: name=value`);
    if (eq === 0) throw invalidArgument(`${kind} names can not be blank`);
    return { key: w.slice(0, eq), value: w.slice(eq + 1) };
  });
}

function copyLike(req: Request, flags: FlagValues): CopyInstruction {
  const kind = req.kind as 'COPY' | 'ADD';
  const json = parseJsonArray(req.args);
  const words = json ?? fields(req.args);
  if (words.length < 2) {
    throw invalidArgument(`${kind} requires at least two arguments, but only ${words.length ? 'one was' : 'none were'} provided. Destination could not be determined.`);
  }
  const sources = words.slice(0, -1);
  if (!json && req.heredocs.length && sources.filter(isHeredocSource).length !== req.heredocs.length) {
    throw invalidArgument(`${kind}: heredocs must be sources (before the destination)`);
  }
  const str = (n: string) => flags.get(n) as string | undefined;
  const bool = (n: string) => flags.get(n) as boolean | undefined;
  return {
    kind, loc: req.loc, original: req.original, flags: req.flags,
    sources, dest: words[words.length - 1], json: !!json,
    from: str('from'), chown: str('chown'), chmod: str('chmod'), link: bool('link') ?? false, parents: bool('parents') ?? false,
    excludes: (flags.get('exclude') as string[] | undefined) ?? [],
    checksum: str('checksum'), keepGitDir: bool('keep-git-dir'), unpack: bool('unpack'),
    heredocs: req.heredocs,
  };
}

function healthcheck(req: Request, flags: FlagValues): Instruction {
  const common = { kind: 'HEALTHCHECK' as const, loc: req.loc, original: req.original, flags: req.flags };
  const [word, rest] = splitCommand(req.args);
  if (!word) throw atLeastOne('HEALTHCHECK');
  const type = word.toUpperCase();
  if (type === 'NONE') {
    if (rest) throw invalidArgument('HEALTHCHECK NONE takes no arguments');
    return { ...common, none: true };
  }
  if (type !== 'CMD') throw invalidArgument(`Unknown type "${word}" in HEALTHCHECK (try CMD)`);
  const command = commandForm(rest);
  if (command.form === 'exec' ? !command.args.length : !command.line) throw invalidArgument('Missing command after HEALTHCHECK CMD');
  const interval = (name: string): number | undefined => {
    const v = flags.get(name) as string | undefined;
    if (!v) return undefined;
    const ns = parseDuration(v);
    if (ns < 0) throw invalidArgument(`Interval "${name}" cannot be negative`);
    if (ns > 0 && ns < 1e6) throw invalidArgument(`Interval "${name}" cannot be less than 1ms`);
    return ns || undefined;
  };
  let retries: number | undefined;
  const r = flags.get('retries') as string | undefined;
  if (r) {
    if (!/^[-+]?\d+$/.test(r) || Math.abs(Number(r)) > 2 ** 31 - 1) throw invalidArgument(`strconv.ParseInt: parsing "${r}": invalid syntax`);
    retries = Number(r);
    if (retries < 0) throw invalidArgument(`--retries cannot be negative (${retries})`);
  }
  return {
    ...common, none: false, command,
    interval: interval('interval'), timeout: interval('timeout'), startPeriod: interval('start-period'),
    startInterval: interval('start-interval'), retries: retries || undefined,
  };
}
