// Opening a store's sqlite database: WAL so readers never block the writer,
// a busy timeout so concurrent husk processes queue instead of failing, and
// IMMEDIATE transactions so a read-then-write never deadlocks on upgrade.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { DatabaseSync as DB } from 'node:sqlite';

export type Database = DB;

export function openDatabase(path: string, schema: string): DB {
  mkdirSync(dirname(path), { recursive: true });
  // node:sqlite is fetched at run time so its experimental-feature warning can be
  // silenced by the launcher and commands that never touch state do not load it.
  const { DatabaseSync } = process.getBuiltinModule('node:sqlite') as typeof import('node:sqlite');
  const db = new DatabaseSync(path, { timeout: 30_000 });
  db.exec('PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;');
  db.exec(schema);
  return db;
}

/** Runs fn in one IMMEDIATE transaction; rolls back if it throws. */
export function transaction<T>(db: DB, fn: () => T): T {
  db.exec('BEGIN IMMEDIATE');
  try {
    const out = fn();
    db.exec('COMMIT');
    return out;
  } catch (e) {
    db.exec('ROLLBACK');
    throw e;
  }
}
