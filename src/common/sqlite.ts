// Opening a store's sqlite database: WAL so readers never block the writer,
// a busy timeout so concurrent husk processes queue instead of failing, and
// IMMEDIATE transactions so a read-then-write never deadlocks on upgrade.
import { mkdirSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import type { DatabaseSync as DB } from 'node:sqlite';

export type Database = DB;

/** Databases opened with durableOnExit, checkpointed by checkpointOnExit(). */
const durable = new Set<DB>();
/** Every database this process opened, with its path: checkpointOnExit() bounds their WALs. */
const opened = new Map<DB, string>();

/**
 * A WAL longer than this is checkpointed and truncated by the process that
 * wrote to it, at exit. Each husk process is its database's first opener,
 * and SQLite's first opener rebuilds the WAL's index by reading every frame
 * (one pread each) and starts with none of them counted as copied back: so
 * a WAL was never restarted across processes and grew past the
 * autocheckpoint size, where every write then copied the whole WAL back
 * into the database again (measured: 5.5 MB, 1,400 reads in each command).
 */
const WAL_LIMIT = 256 * 1024;

export function openDatabase(path: string, schema: string, o: { durableOnExit?: boolean } = {}): DB {
  mkdirSync(dirname(path), { recursive: true });
  // node:sqlite is fetched at run time so its experimental-feature warning can be
  // silenced by the launcher and commands that never touch state do not load it.
  const { DatabaseSync } = process.getBuiltinModule('node:sqlite') as typeof import('node:sqlite');
  const db = new DatabaseSync(path, { timeout: 30_000 });
  db.exec('PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;');
  db.exec(schema);
  if (o.durableOnExit) durable.add(db);
  opened.set(db, path);
  return db;
}

/**
 * For a CLI process about to exit without closing its databases (closing
 * checkpoints, deletes the WAL, and the next husk re-creates it with a
 * file and a directory fsync). Crash safety does not depend on the close:
 * committed transactions live in the WAL, which the next opener recovers,
 * exactly as after a kill. What a skipped close changes is power-loss
 * durability, which synchronous=NORMAL only gives at checkpoints. Databases
 * opened with durableOnExit that this process changed are checkpointed here,
 * so their commits are on disk when the command returns, as before. A
 * database whose WAL passed WAL_LIMIT is checkpointed and its WAL truncated,
 * unless another process is reading it at that moment (no waiting: the
 * next writer does it).
 */
export function checkpointOnExit(): void {
  for (const [db, path] of opened) {
    try {
      if (!db.isOpen) continue;
      const { n } = db.prepare('SELECT total_changes() AS n').get() as { n: number };
      if (n === 0) continue;
      let size = 0;
      try { size = statSync(`${path}-wal`).size; } catch {}
      if (size > WAL_LIMIT) {
        db.exec('PRAGMA busy_timeout=0');
        const r = db.prepare('PRAGMA wal_checkpoint(TRUNCATE)').get() as { busy: number };
        if (r.busy === 0) continue;
      }
      if (durable.has(db)) db.exec('PRAGMA wal_checkpoint(PASSIVE)');
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
