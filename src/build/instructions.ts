// What the config-changing instructions do to an image's runtime config
// (CMD ENTRYPOINT ENV EXPOSE LABEL USER WORKDIR VOLUME STOPSIGNAL
// HEALTHCHECK SHELL ONBUILD). One module for `build`, `commit --change` and
// `import --change`, so the three cannot drift apart. Instructions come in
// already expanded (build: StageScope.apply; changes: quotes removed only,
// as Podman does not expand `$VAR` in --change).
import { HuskError, invalidArgument } from '../common/errors.ts';
import type { CommandForm, Instruction } from './ast.ts';
import { syntaxError } from './errors.ts';
import { processWord, processWords } from './lexer.ts';
import { parseInstruction } from './parser.ts';

export interface HealthConfig {
  /** ["NONE"], ["CMD", ...args] or ["CMD-SHELL", line]. */
  Test: string[];
  /** Nanoseconds; absent = the runtime default. */
  Interval?: number;
  Timeout?: number;
  StartPeriod?: number;
  StartInterval?: number;
  Retries?: number;
}

/** The OCI/Docker image config's `config` object (a superset of src/image's ImageRuntimeConfig). */
export interface RuntimeConfig {
  User?: string;
  ExposedPorts?: Record<string, object>;
  Env?: string[];
  Entrypoint?: string[] | null;
  Cmd?: string[] | null;
  Volumes?: Record<string, object>;
  WorkingDir?: string;
  Labels?: Record<string, string>;
  StopSignal?: string;
  Healthcheck?: HealthConfig;
  Shell?: string[];
  OnBuild?: string[] | null;
}

export const DEFAULT_SHELL = ['/bin/sh', '-c'];

/** Per-stage state a build keeps between instructions. */
export interface StageState {
  /** CMD was set in this stage: ENTRYPOINT then keeps it (else it clears the inherited one, as Docker does). */
  cmdSet?: boolean;
}

/** The argv of a CMD/ENTRYPOINT/HEALTHCHECK: exec form as is, shell form through SHELL. An empty shell form is []. */
export function commandArgs(cmd: CommandForm, shell: string[] = DEFAULT_SHELL): string[] {
  if (cmd.form === 'exec') return [...cmd.args];
  return cmd.line === '' ? [] : [...shell, cmd.line];
}

/** Sets NAME=value in an env list, in place if present (Docker keeps the order). */
export function setEnv(env: string[], name: string, value: string): string[] {
  const out = [...env];
  const i = out.findIndex((e) => e === name || e.startsWith(`${name}=`));
  if (i >= 0) out[i] = `${name}=${value}`;
  else out.push(`${name}=${value}`);
  return out;
}

/** EXPOSE words → "80/tcp" keys; ranges ("8000-8002/udp") expand as nat.ParsePortSpecs does. */
export function exposedPorts(words: string[]): string[] {
  const out: string[] = [];
  for (const w of words) {
    const m = /^(\d+)(?:-(\d+))?(?:\/([a-zA-Z]+))?$/.exec(w);
    if (!m) throw invalidArgument(`invalid containerPort: ${w}`);
    const proto = (m[3] ?? 'tcp').toLowerCase();
    if (!['tcp', 'udp', 'sctp'].includes(proto)) throw invalidArgument(`invalid proto: ${m[3]}`);
    const lo = Number(m[1]);
    const hi = m[2] === undefined ? lo : Number(m[2]);
    if (lo > 65535 || hi > 65535 || hi < lo) throw invalidArgument(`invalid port range: ${w}`);
    if (hi - lo > 65535) throw invalidArgument(`invalid port range: ${w}`);
    for (let p = lo; p <= hi; p++) out.push(`${p}/${proto}`);
  }
  return out;
}

/** A relative WORKDIR is taken from the current one; the result is a clean absolute path. */
export function joinWorkdir(current: string | undefined, dir: string): string {
  const path = dir.startsWith('/') ? dir : `${current || '/'}/${dir}`;
  const parts: string[] = [];
  for (const p of path.split('/')) {
    if (p === '' || p === '.') continue;
    if (p === '..') parts.pop();
    else parts.push(p);
  }
  return `/${parts.join('/')}`;
}

const SIGNAL = /^(?:\d+|(?:SIG)?[A-Z][A-Z0-9]*(?:[+-]\d+)?)$/i;

/**
 * Applies one expanded instruction to `cfg`. Returns false (and changes
 * nothing) for instructions that are not config changes (FROM RUN COPY ADD
 * ARG MAINTAINER): the builder handles those itself. Errors name the file,
 * line and instruction.
 */
export function applyInstruction(cfg: RuntimeConfig, i: Instruction, state?: StageState): boolean {
  try {
    return apply(cfg, i, state);
  } catch (e) {
    if (e instanceof HuskError) throw syntaxError(i.loc.file, i.loc.start, `${i.kind}: ${e.message}`);
    throw e;
  }
}

function apply(cfg: RuntimeConfig, i: Instruction, state?: StageState): boolean {
  switch (i.kind) {
    case 'CMD':
      cfg.Cmd = commandArgs(i.command, cfg.Shell ?? DEFAULT_SHELL);
      if (state) state.cmdSet = true;
      return true;
    case 'ENTRYPOINT':
      cfg.Entrypoint = commandArgs(i.command, cfg.Shell ?? DEFAULT_SHELL);
      // A new ENTRYPOINT drops a CMD inherited from the base image.
      if (state && !state.cmdSet) cfg.Cmd = null;
      return true;
    case 'ENV': {
      let env = cfg.Env ?? [];
      for (const p of i.pairs) env = setEnv(env, p.key, p.value);
      cfg.Env = env;
      return true;
    }
    case 'LABEL':
      cfg.Labels = { ...cfg.Labels };
      for (const p of i.pairs) cfg.Labels[p.key] = p.value;
      return true;
    case 'EXPOSE':
      cfg.ExposedPorts = { ...cfg.ExposedPorts };
      for (const p of exposedPorts(i.ports)) cfg.ExposedPorts[p] = {};
      return true;
    case 'VOLUME':
      cfg.Volumes = { ...cfg.Volumes };
      for (const v of i.paths) {
        if (!v.trim()) throw invalidArgument('VOLUME specified can not be an empty string');
        cfg.Volumes[v] = {};
      }
      return true;
    case 'USER':
      cfg.User = i.value;
      return true;
    case 'WORKDIR':
      cfg.WorkingDir = joinWorkdir(cfg.WorkingDir, i.value);
      return true;
    case 'STOPSIGNAL':
      if (!SIGNAL.test(i.value)) throw invalidArgument(`Invalid signal: ${i.value}`);
      cfg.StopSignal = i.value;
      return true;
    case 'SHELL':
      cfg.Shell = [...i.args];
      return true;
    case 'ONBUILD':
      cfg.OnBuild = [...(cfg.OnBuild ?? []), i.expression];
      return true;
    case 'HEALTHCHECK': {
      if (i.none || !i.command) {
        cfg.Healthcheck = { Test: ['NONE'] };
        return true;
      }
      const test = i.command.form === 'exec' ? ['CMD', ...i.command.args] : ['CMD-SHELL', i.command.line];
      const h: HealthConfig = { Test: test };
      if (i.interval) h.Interval = i.interval;
      if (i.timeout) h.Timeout = i.timeout;
      if (i.startPeriod) h.StartPeriod = i.startPeriod;
      if (i.startInterval) h.StartInterval = i.startInterval;
      if (i.retries) h.Retries = i.retries;
      cfg.Healthcheck = h;
      return true;
    }
    default:
      return false;
  }
}

/** What `--change` accepts: Podman's list plus SHELL and HEALTHCHECK. */
export const CHANGE_INSTRUCTIONS = new Set([
  'CMD', 'ENTRYPOINT', 'ENV', 'EXPOSE', 'LABEL', 'ONBUILD', 'STOPSIGNAL', 'USER', 'VOLUME', 'WORKDIR', 'SHELL', 'HEALTHCHECK',
]);

/**
 * Parses one `--change` value: `INSTRUCTION VALUE` or Podman's
 * `INSTRUCTION=VALUE`. Words get their quotes removed but `$VAR`s stay as
 * written. `what` names the command in errors ("import", "commit").
 */
export function parseChange(change: string, what = 'import'): Instruction {
  const m = /^\s*(\w+)[\s=]\s*([\s\S]*)$/.exec(change);
  if (!m) throw invalidArgument(`invalid change "${change}": expected INSTRUCTION VALUE`);
  const word = m[1].toUpperCase();
  const value = m[2].trim();
  if (!CHANGE_INSTRUCTIONS.has(word)) throw invalidArgument(`invalid change "${change}": ${m[1]} is not a valid instruction for ${what}`);
  let instr: Instruction;
  try {
    instr = literal(parseInstruction(`${word} ${value}`, { file: 'change' }));
  } catch (e) {
    if (!(e instanceof HuskError)) throw e;
    // Podman's --change takes `ENV k=v with spaces` and `LABEL k="v"` literally: keep accepting them.
    const pair = podmanPair(word, value);
    if (!pair) throw invalidArgument(`invalid change "${change}": ${e.message.replace(/^change:\d+: /, '')}`);
    instr = pair;
  }
  return instr;
}

/** Applies `--change` values to a runtime config (import, commit). */
export function applyChanges(cfg: RuntimeConfig, changes: string[], what = 'import'): void {
  for (const change of changes) {
    try {
      apply(cfg, parseChange(change, what));
    } catch (e) {
      if (e instanceof HuskError && !e.message.startsWith('invalid change')) throw invalidArgument(`invalid change "${change}": ${e.message}`);
      throw e;
    }
  }
}

/** ENV/LABEL `key=value with spaces` as Podman reads it: split at the first `=`, one pair of quotes stripped. */
function podmanPair(word: string, value: string): Instruction | undefined {
  if (word !== 'ENV' && word !== 'LABEL') return undefined;
  const eq = value.indexOf('=');
  if (eq <= 0) return undefined;
  const unquote = (s: string) => (s.length >= 2 && s.startsWith('"') && s.endsWith('"') ? s.slice(1, -1) : s);
  const key = unquote(value.slice(0, eq));
  if (!key) return undefined;
  return {
    kind: word, loc: { file: 'change', start: 1, end: 1 }, original: `${word} ${value}`, flags: [],
    pairs: [{ key, value: unquote(value.slice(eq + 1)) }],
  };
}

/** Quote removal without variable expansion. */
function literal(i: Instruction): Instruction {
  const w = (s: string) => processWord(s, () => undefined, { skipUnsetEnv: true });
  switch (i.kind) {
    case 'ENV':
    case 'LABEL':
      return { ...i, pairs: i.pairs.map((p) => ({ key: w(p.key), value: w(p.value) })) };
    case 'EXPOSE':
      return { ...i, ports: i.ports.flatMap((p) => processWords(p, () => undefined, { skipUnsetEnv: true })) };
    case 'VOLUME':
      return { ...i, paths: i.paths.map(w) };
    case 'USER':
    case 'WORKDIR':
    case 'STOPSIGNAL':
      return { ...i, value: w(i.value) };
    default:
      return i;
  }
}
