// Which files make a project and what it is called: `-f` files, else
// COMPOSE_FILE, else compose.yaml (or its older spellings) found in the
// working directory or the nearest parent, plus its override file; the
// project name from -p, COMPOSE_PROJECT_NAME, the files' `name:`, else the
// project directory's name normalised.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { invalidArgument, isErrno } from '../common/errors.ts';
import { Where } from './check.ts';
import { parseEnvFile } from './envfile.ts';

export const DEFAULT_FILES = ['compose.yaml', 'compose.yml', 'docker-compose.yaml', 'docker-compose.yml'];
export const OVERRIDE_FILES = ['compose.override.yaml', 'compose.override.yml', 'docker-compose.override.yaml', 'docker-compose.override.yml'];

/** The default files of `dir` or its nearest parent that has one: [main, override?]. */
export function findComposeFiles(dir: string): string[] {
  for (let d = resolve(dir); ; d = dirname(d)) {
    const main = DEFAULT_FILES.map((f) => join(d, f)).find((f) => existsSync(f));
    if (main) {
      const override = OVERRIDE_FILES.map((f) => join(d, f)).find((f) => existsSync(f));
      return override ? [main, override] : [main];
    }
    if (dirname(d) === d) return [];
  }
}

/** The files of a project, absolute, in merge order. */
export function composeFiles(files: string[] | undefined, cwd: string, env: Record<string, string>): string[] {
  if (files?.length) return files.map((f) => resolve(cwd, f));
  if (env.COMPOSE_FILE) {
    return env.COMPOSE_FILE.split(env.COMPOSE_PATH_SEPARATOR || ':').filter(Boolean).map((f) => resolve(cwd, f));
  }
  const found = findComposeFiles(cwd);
  if (!found.length) {
    throw invalidArgument(`no configuration file provided: not found (looked for ${DEFAULT_FILES.join(', ')} in ${cwd} and its parents)`);
  }
  return found;
}

/** Lowercase, only [a-z0-9_-], starting with a letter or digit (Compose's rule). */
export function normaliseProjectName(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9_-]/g, '').replace(/^[_-]+/, '');
}

/** A name the user chose (-p, COMPOSE_PROJECT_NAME, `name:`) must already be normalised. */
export function checkProjectName(name: string, from: string): string {
  if (!name || normaliseProjectName(name) !== name) {
    throw invalidArgument(
      `${from}: "${name}" is not a valid project name: it must contain only lowercase letters, digits, dashes and underscores, and start with a letter or digit`,
    );
  }
  return name;
}

/** Reads an env file (`.env`, --env-file) for interpolation; values may refer to `env` and earlier keys. */
export function readDotEnv(path: string, display: string, env: Record<string, string>): Record<string, string> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if (isErrno(e, 'ENOENT')) throw invalidArgument(`${display}: env file not found`);
    throw invalidArgument(`${display}: ${(e as Error).message}`);
  }
  let entries: Record<string, string | null>;
  try {
    entries = parseEnvFile(text, (k) => env[k]);
  } catch (e) {
    return new Where(display).fail((e as Error).message);
  }
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(entries)) {
    const value = v ?? env[k];
    if (value !== undefined) out[k] = value;
  }
  return out;
}
