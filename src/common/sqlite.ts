// Opening a store's sqlite database: WAL so readers never block the writer,
// a busy timeout so concurrent husk processes queue instead of failing, and
// IMMEDIATE transactions so a read-then-write never deadlocks on upgrade.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { DatabaseSync as DB } from 'node:sqlite';

export type Database = DB;

/** Databases opened with durableOnExit, checkpointed by checkpointOnExit(). */
const durable = new Set<DB>();

export function openDatabase(path: string, schema: string, o: { durableOnExit?: boolean } = {}): DB {
  mkdirSync(dirname(path), { recursive: true });
  // node:sqlite is fetched at run time so its experimental-feature warning can be
  // silenced by the launcher and commands that never touch state do not load it.
  const { DatabaseSync } = process.getBuiltinModule('node:sqlite') as typeof import('node:sqlite');
  const db = new DatabaseSync(path, { timeout: 30_000 });
  db.exec('PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;');
  db.exec(schema);
  if (o.durableOnExit) durable.add(db);
  return db;
}

/**
 * For a CLI process about to exit without closing its databases (closing
 * checkpoints, deletes the WAL, and the next process re-creates it with a
 * file and a directory fsync). Crash safety does not depend on the close:
 * committed transactions live in the WAL, which the next opener recovers,
 * exactly as after a kill. What a skipped close changes is power-loss
 * durability, which synchronous=NORMAL only gives at checkpoints. Databases
 * opened with durableOnExit that this process changed are checkpointed here,
 * so their commits are on disk when the command returns, as before.
 */
export function checkpointOnExit(): void {
  for (const db of durable) {
    try {
      if (!db.isOpen) continue;
      const { n } = db.prepare('SELECT total_changes() AS n').get() as { n: number };
      if (n > 0) db.exec('PRAGMA wal_checkpoint(PASSIVE)');
    } catch {}
  }
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
