// The secret store (Podman's file driver): ROOT/secrets/secrets.json holds
// every secret's metadata, ROOT/secrets/filedriver/ID its bytes. Both
// directories are 0700 and the files 0600, so only the store's owner (root,
// or the rootless user) reads them. Every change runs under
// ROOT/secrets/secrets.lock and replaces files by rename, so a reader sees
// the old or the new state, never half of one.
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HuskError, invalidArgument } from '../../common/errors.ts';
import { withLock } from '../../common/lock.ts';
import { randomBytes } from '../../common/random.ts';
import type { EngineContext } from '../context.ts';
import { MAX_SECRET_SIZE, type Secret } from './api.ts';
import { isoTime } from '../../common/isotime.ts';
import { compareText } from '../../common/order.ts';
const ID_LENGTH = 25;

interface SecretRecord {
  id: string;
  name: string;
  createdAt: string;
  updatedAt: string;
  driver: string;
  driverOptions: Record<string, string>;
  labels: Record<string, string>;
}

interface Db { secrets: Record<string, SecretRecord> }

export function secretsDir(e: EngineContext): string {
  return join(e.config.root, 'secrets');
}

const dataDir = (e: EngineContext) => join(secretsDir(e), 'filedriver');
const dbPath = (e: EngineContext) => join(secretsDir(e), 'secrets.json');

export const noSuchSecret = (ref: string) => new HuskError('NO_SUCH_SECRET', `no secret with name or id ${JSON.stringify(ref)}: no such secret`);

/** Podman 5's rule: 1 to 253 characters, none of = / , or NUL. */
export function validateSecretName(name: string): void {
  if (!name || name.length > 253 || /[=/,\0]/.test(name)) {
    throw invalidArgument(`secret name ${JSON.stringify(name)} can not include '=', '/', ',', or the '\\0' (NULL) and be between 1 and 253 characters: invalid secret name`);
  }
}

function ensureDirs(e: EngineContext): void {
  for (const d of [secretsDir(e), dataDir(e)]) {
    if (!existsSync(d)) mkdirSync(d, { recursive: true, mode: 0o700 });
    chmodSync(d, 0o700);
  }
}

function readDb(e: EngineContext): Db {
  try {
    return JSON.parse(readFileSync(dbPath(e), 'utf8')) as Db;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { secrets: {} };
    throw err;
  }
}

/** Writes FILE.tmp (0600) and renames it over FILE. */
function writeAtomic(path: string, data: string | Buffer): void {
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, data, { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, path);
}

function lookup(db: Db, ref: string): SecretRecord {
  const all = Object.values(db.secrets);
  const exact = all.find((s) => s.name === ref) ?? db.secrets[ref];
  if (exact) return exact;
  if (/^[0-9a-f]+$/.test(ref)) {
    const hits = all.filter((s) => s.id.startsWith(ref));
    if (hits.length > 1) throw new HuskError('INVALID_ARGUMENT', `more than one result secret with prefix ${ref}: secret is ambiguous`);
    if (hits.length === 1) return hits[0];
  }
  throw noSuchSecret(ref);
}

function view(e: EngineContext, r: SecretRecord): Secret {
  return {
    ID: r.id, CreatedAt: r.createdAt, UpdatedAt: r.updatedAt,
    Spec: { Name: r.name, Driver: { Name: r.driver, Options: { ...r.driverOptions, path: dataDir(e) } }, Labels: r.labels },
  };
}

const lockPath = (e: EngineContext) => join(secretsDir(e), 'secrets.lock');

/** Runs fn on the database under the store's lock; a returned db is written back. */
async function locked<T>(e: EngineContext, fn: (db: Db) => { result: T; write?: boolean }): Promise<T> {
  ensureDirs(e);
  return withLock(lockPath(e), () => {
    const db = readDb(e);
    const { result, write } = fn(db);
    if (write) writeAtomic(dbPath(e), JSON.stringify(db));
    return result;
  });
}

export interface StoreOptions {
  driver?: string;
  driverOptions?: Record<string, string>;
  labels?: Record<string, string>;
  replace?: boolean;
  ignore?: boolean;
}

/** Stores a secret and returns its ID (the existing one with replace or ignore). */
export async function storeSecret(e: EngineContext, name: string, data: Buffer, o: StoreOptions = {}): Promise<string> {
  validateSecretName(name);
  const driver = o.driver || 'file';
  if (driver !== 'file') throw invalidArgument(`secret driver "${driver}" is not supported (husk has only the file driver): invalid driver`);
  if (o.replace && o.ignore) throw invalidArgument('cannot ignore and replace at the same time');
  if (!(data.length > 0 && data.length < MAX_SECRET_SIZE)) throw invalidArgument(`secret data must be larger than 0 and less than ${MAX_SECRET_SIZE} bytes`);
  const { path: _path, ...driverOptions } = o.driverOptions ?? {};
  const id = await locked(e, (db) => {
    const existing = Object.values(db.secrets).find((s) => s.name === name);
    if (existing && o.ignore) return { result: existing.id };
    if (existing && !o.replace) throw new HuskError('NAME_IN_USE', `${name}: secret name in use`);
    const now = isoTime();
    let rec: SecretRecord;
    if (existing) {
      rec = { ...existing, updatedAt: now, driver, driverOptions, labels: o.labels ?? {} };
    } else {
      let nid: string;
      do nid = randomBytes(32).toString('hex').slice(0, ID_LENGTH); while (db.secrets[nid]);
      rec = { id: nid, name, createdAt: now, updatedAt: now, driver, driverOptions, labels: o.labels ?? {} };
    }
    // The data first: metadata never names a secret whose bytes are missing.
    writeAtomic(join(dataDir(e), rec.id), data);
    db.secrets[rec.id] = rec;
    return { result: rec.id, write: true };
  });
  e.events.write({ ID: id, Name: name, Status: 'create', Type: 'secret' });
  return id;
}

export async function listSecrets(e: EngineContext): Promise<Secret[]> {
  const db = readDb(e);
  return Object.values(db.secrets).sort((a, b) => compareText(a.name, b.name)).map((r) => view(e, r));
}

export async function inspectSecret(e: EngineContext, ref: string, showSecret = false): Promise<Secret> {
  if (!showSecret) return view(e, lookup(readDb(e), ref));
  const { secret, data } = await secretData(e, ref);
  return { ...secret, SecretData: data.toString('utf8') };
}

/** The secret and its bytes (for containers and kube play). */
export async function secretData(e: EngineContext, ref: string): Promise<{ secret: Secret; data: Buffer }> {
  return locked(e, (db) => {
    const r = lookup(db, ref);
    let data: Buffer;
    try {
      data = readFileSync(join(dataDir(e), r.id));
    } catch {
      throw new HuskError('ENGINE', `reading the data of secret ${r.name}: ${join(dataDir(e), r.id)} is missing`);
    }
    return { result: { secret: view(e, r), data } };
  });
}

/** The secret's ID, or "" when it is gone (container inspect). */
export function secretIdOf(e: EngineContext, ref: string): string {
  try {
    return lookup(readDb(e), ref).id;
  } catch {
    return '';
  }
}

export function secretExists(e: EngineContext, ref: string): boolean {
  try {
    lookup(readDb(e), ref);
    return true;
  } catch (err) {
    if (err instanceof HuskError && err.code === 'NO_SUCH_SECRET') return false;
    throw err;
  }
}

/** Removes one secret; returns its ID. */
export async function removeSecret(e: EngineContext, ref: string): Promise<{ id: string; name: string }> {
  const r = await locked(e, (db) => {
    const rec = lookup(db, ref);
    delete db.secrets[rec.id];
    return { result: rec, write: true };
  });
  // The metadata went first: a crash in between leaves an orphaned file, never a secret without data.
  rmSync(join(dataDir(e), r.id), { force: true });
  e.events.write({ ID: r.id, Name: r.name, Status: 'remove', Type: 'secret' });
  return { id: r.id, name: r.name };
}
