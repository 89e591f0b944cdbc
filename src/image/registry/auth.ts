// Registry credentials kept in containers-auth.json(5) files, found where
// Podman looks for them:
//   1. --authfile, else $REGISTRY_AUTH_FILE. Either one, being the user's
//      explicit choice, is the only file searched (current containers/image
//      semantics: a chosen file does not silently fall back to others).
//   2. otherwise the per-session read/write file: /run/containers/0/auth.json
//      for root, ${XDG_RUNTIME_DIR}/containers/auth.json for other users
//      (/run/containers/<uid>/auth.json when XDG_RUNTIME_DIR is unset),
//   3. then, read-only: ${XDG_CONFIG_HOME:-~/.config}/containers/auth.json,
//      ${DOCKER_CONFIG:-~/.docker}/config.json and the legacy ~/.dockercfg.
// Keys are a registry ("host[:port]") or a namespace under it
// ("quay.io/org/repo"); the most specific key wins. Credential helpers
// (credHelpers/credsStore) are not run; their entries are left untouched.
import { randomBytes } from 'node:crypto';
import { chmodSync, closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { HuskError, invalidArgument, isErrno } from '../../common/errors.ts';

export interface Credentials {
  username: string;
  password: string;
  /** An OAuth2 refresh token stored by `docker login` for some registries (not used by the token flow yet). */
  identityToken?: string;
}

/** Process facts the file locations depend on; injectable so tests need not touch the real home. */
export interface AuthContext {
  env?: NodeJS.ProcessEnv;
  uid?: number;
  home?: string;
}

interface AuthPath { path: string; legacy: boolean }
interface AuthEntry { auth?: string; identitytoken?: string }
interface AuthFile { auths?: Record<string, AuthEntry>; [k: string]: unknown }

function facts(ctx: AuthContext = {}) {
  const env = ctx.env ?? process.env;
  return { env, uid: ctx.uid ?? process.getuid?.() ?? 0, home: ctx.home ?? env.HOME ?? homedir() };
}

/** The file `login` writes and `logout` edits, and whether the user chose it. */
export function primaryAuthFile(authfile?: string, ctx?: AuthContext): { path: string; explicit: boolean } {
  const { env, uid } = facts(ctx);
  if (authfile) return { path: authfile, explicit: true };
  if (env.REGISTRY_AUTH_FILE) return { path: env.REGISTRY_AUTH_FILE, explicit: true };
  if (uid !== 0 && env.XDG_RUNTIME_DIR) return { path: join(env.XDG_RUNTIME_DIR, 'containers/auth.json'), explicit: false };
  return { path: `/run/containers/${uid}/auth.json`, explicit: false };
}

/** Every file searched for credentials, in order. */
export function authFilePaths(authfile?: string, ctx?: AuthContext): AuthPath[] {
  const { env, home } = facts(ctx);
  const primary = primaryAuthFile(authfile, ctx);
  const paths: AuthPath[] = [{ path: primary.path, legacy: false }];
  if (primary.explicit) return paths;
  paths.push({ path: join(env.XDG_CONFIG_HOME || join(home, '.config'), 'containers/auth.json'), legacy: false });
  paths.push({ path: join(env.DOCKER_CONFIG || join(home, '.docker'), 'config.json'), legacy: false });
  paths.push({ path: join(home, '.dockercfg'), legacy: true });
  return paths;
}

/**
 * The key a user-typed registry maps to: no trailing slash, Docker Hub's
 * host aliases folded into "docker.io" (what Podman stores), and for the
 * URL form Docker writes ("https://index.docker.io/v1/") the host alone.
 */
export function registryKey(input: string): string {
  const trimmed = input.trim();
  const url = /^https?:\/\//.test(trimmed);
  let key = trimmed.replace(/^https?:\/\//, '').replace(/\/+$/, '');
  if (url) key = key.split('/')[0];
  const slash = key.indexOf('/');
  const host = slash < 0 ? key : key.slice(0, slash);
  if (host === 'index.docker.io' || host === 'registry-1.docker.io') key = 'docker.io' + (slash < 0 ? '' : key.slice(slash));
  return key;
}

/** Rejects keys that are not a registry or a repository path under one. */
function validateKey(key: string): string {
  // A colon is allowed only in the host part (a port): "host/repo:tag" is rejected.
  const slash = key.indexOf('/');
  const path = slash < 0 ? '' : key.slice(slash + 1);
  if (!key || /^[a-z]+:\/\//i.test(key) || key.includes('@') || path.includes(':')) {
    throw invalidArgument(`invalid registry key "${key}": expected a registry, namespace or repository without tag or digest`);
  }
  return key;
}

/** Normalises a key read from a file; ~/.dockercfg keys name hosts only. */
function fileKey(raw: string, legacy: boolean): string {
  const key = registryKey(raw);
  return legacy ? key.split('/')[0] : key;
}

function readAuthFile(p: AuthPath): AuthFile | undefined {
  let text: string;
  try {
    text = readFileSync(p.path, 'utf8');
  } catch (e) {
    if (isErrno(e, 'ENOENT') || isErrno(e, 'ENOTDIR')) return undefined;
    throw new HuskError('INVALID_ARGUMENT', `reading auth file ${p.path}: ${(e as Error).message}`, { cause: e });
  }
  if (!text.trim()) return { auths: {} };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new HuskError('INVALID_ARGUMENT', `reading JSON file "${p.path}": ${(e as Error).message}`, { cause: e });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw invalidArgument(`reading JSON file "${p.path}": not a JSON object`);
  }
  // ~/.dockercfg has no "auths" wrapper: the registries are top-level keys.
  if (p.legacy) return { auths: parsed as Record<string, AuthEntry> };
  return parsed as AuthFile;
}

function decodeEntry(entry: AuthEntry, key: string, path: string): Credentials | undefined {
  if (!entry.auth && !entry.identitytoken) return undefined;
  const decoded = Buffer.from(entry.auth ?? '', 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (entry.auth && colon < 0) throw invalidArgument(`invalid auth configuration for "${key}" in ${path}: "auth" is not base64 of user:password`);
  const creds: Credentials = { username: colon < 0 ? '' : decoded.slice(0, colon), password: colon < 0 ? '' : decoded.slice(colon + 1) };
  if (entry.identitytoken) creds.identityToken = entry.identitytoken;
  return creds;
}

/** "reg/a/b/c" → ["reg/a/b/c", "reg/a/b", "reg/a", "reg"]. */
function keyHierarchy(key: string): string[] {
  const out: string[] = [];
  for (let k = key; ; k = k.slice(0, k.lastIndexOf('/'))) {
    out.push(k);
    if (!k.includes('/')) return out;
  }
}

/**
 * Credentials for a registry ("host[:port]") or a repository under it
 * ("host/ns/repo", matched most specific first), or undefined.
 */
export function credentialsFor(registry: string, authfile?: string, ctx?: AuthContext): Credentials | undefined {
  const key = registryKey(registry);
  const candidates = keyHierarchy(key);
  for (const p of authFilePaths(authfile, ctx)) {
    const file = readAuthFile(p);
    if (!file?.auths || typeof file.auths !== 'object') continue;
    const byKey = new Map<string, AuthEntry>();
    for (const [raw, entry] of Object.entries(file.auths)) {
      if (entry && typeof entry === 'object') byKey.set(fileKey(raw, p.legacy), entry);
    }
    for (const c of candidates) {
      const entry = byKey.get(c);
      const creds = entry && decodeEntry(entry, c, p.path);
      if (creds) return creds;
    }
  }
  return undefined;
}

/** Writes JSON via a temp file and rename, so readers never see half a file; mode 0600 (it holds passwords). */
function writeAtomic(path: string, data: AuthFile): void {
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const tmp = join(dir, `.${randomBytes(6).toString('hex')}.tmp`);
  const fd = openSync(tmp, 'wx', 0o600);
  try {
    writeSync(fd, JSON.stringify(data, null, '\t') + '\n');
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    chmodSync(tmp, 0o600); // the umask cannot widen it, but be explicit
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

function editPrimary(authfile: string | undefined, ctx: AuthContext | undefined, edit: (auths: Record<string, AuthEntry>) => boolean): { path: string; changed: boolean } {
  const { path } = primaryAuthFile(authfile, ctx);
  const file = readAuthFile({ path, legacy: false }) ?? {};
  const auths = (file.auths && typeof file.auths === 'object' ? file.auths : {}) as Record<string, AuthEntry>;
  const changed = edit(auths);
  if (changed) writeAtomic(path, { ...file, auths });
  return { path, changed };
}

/** Stores user:password for a registry (or namespace) in the read/write file; returns its path. */
export function saveCredentials(registry: string, username: string, password: string, authfile?: string, ctx?: AuthContext): string {
  const key = validateKey(registryKey(registry));
  if (!username) throw invalidArgument('username can\'t be empty');
  return editPrimary(authfile, ctx, (auths) => {
    auths[key] = { auth: Buffer.from(`${username}:${password}`).toString('base64') };
    return true;
  }).path;
}

/**
 * Removes one key's credentials (exact key, as `logout` does), or every
 * entry with `{ all: true }`. Returns whether anything was removed; other
 * top-level fields of the file are kept.
 */
export function removeCredentials(target: string | { all: true }, authfile?: string, ctx?: AuthContext): boolean {
  if (typeof target !== 'string') {
    return editPrimary(authfile, ctx, (auths) => {
      const had = Object.keys(auths).length > 0;
      for (const k of Object.keys(auths)) delete auths[k];
      return had;
    }).changed;
  }
  const key = validateKey(registryKey(target));
  return editPrimary(authfile, ctx, (auths) => {
    let removed = false;
    for (const raw of Object.keys(auths)) {
      if (fileKey(raw, false) === key) { delete auths[raw]; removed = true; }
    }
    return removed;
  }).changed;
}

/**
 * Parses `--creds USER[:PASSWORD]`. A missing password is undefined so the
 * CLI can prompt for it, as Podman does.
 */
export function parseCreds(creds: string): { username: string; password: string | undefined } {
  if (!creds) throw invalidArgument('credentials can\'t be empty');
  const colon = creds.indexOf(':');
  const username = colon < 0 ? creds : creds.slice(0, colon);
  if (!username) throw invalidArgument('username can\'t be empty');
  return { username, password: colon < 0 ? undefined : creds.slice(colon + 1) };
}
