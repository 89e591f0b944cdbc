// The state database: container configs (immutable) and states (mutable) in
// separate tables of ROOT/state.db. All multi-step changes run in one
// IMMEDIATE transaction, so concurrent husk processes never see half a change.
import { join } from 'node:path';
import { HuskError, noSuchContainer, invalidArgument } from '../common/errors.ts';
import { openDatabase, transaction, type Database } from '../common/sqlite.ts';
import type { Container, ContainerConfig, ContainerState, PodConfig } from './types.ts';
import { migrateStore } from './migrate.ts';
import type { ExecCreateOptions } from './container/api.ts';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS containers (
  id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, config TEXT NOT NULL, created TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS container_state (
  id TEXT PRIMARY KEY REFERENCES containers(id) ON DELETE CASCADE, state TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS pods (
  id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, config TEXT NOT NULL, created TEXT NOT NULL);
`;

export class StateDB {
  private readonly path: string;
  private handle: Database | undefined;

  constructor(root: string) {
    this.path = join(root, 'state.db');
  }

  get db(): Database {
    // Not durableOnExit (see checkpointOnExit): a command's commits reach the
    // disk at the next WAL checkpoint, not when it returns. A power loss may
    // roll back the last ones, never half of one; after a reboot no container
    // runs anyway, and a lost create or remove leaves at most a container
    // directory without a record, or a record that `rm` clears.
    // Stores written by an older husk are migrated once, when first opened.
    return (this.handle ??= migrateStore(openDatabase(this.path, SCHEMA)));
  }

  close(): void {
    this.handle?.close();
    this.handle = undefined;
  }

  add(config: ContainerConfig, state: ContainerState): void {
    transaction(this.db, () => {
      const clash = this.db.prepare('SELECT id FROM containers WHERE name = ?').get(config.name) as { id: string } | undefined;
      if (clash) {
        throw new HuskError('NAME_IN_USE', `creating container storage: the container name "${config.name}" is already in use by ${clash.id}. You have to remove that container to be able to reuse that name: that name is already in use`);
      }
      this.db.prepare('INSERT INTO containers (id, name, config, created) VALUES (?, ?, ?, ?)').run(config.id, config.name, JSON.stringify(config), config.created);
      this.db.prepare('INSERT INTO container_state (id, state) VALUES (?, ?)').run(config.id, JSON.stringify(state));
    });
  }

  get(id: string): Container | undefined {
    const row = this.db.prepare('SELECT c.config, s.state FROM containers c JOIN container_state s ON s.id = c.id WHERE c.id = ?').get(id) as
      { config: string; state: string } | undefined;
    return row && { config: JSON.parse(row.config), state: JSON.parse(row.state) };
  }

  /** Full ID, unique ID prefix, or name. */
  lookupId(ref: string): string {
    const id = this.lookup('containers', 'container', ref);
    if (!id) throw noSuchContainer(ref);
    return id;
  }

  /** Full ID, unique ID prefix, or name, in the containers or the pods table. */
  private lookup(table: 'containers' | 'pods', kind: string, ref: string): string | undefined {
    if (!ref) throw invalidArgument(`${kind} name or ID must not be empty`);
    const byName = this.db.prepare(`SELECT id FROM ${table} WHERE name = ?`).get(ref) as { id: string } | undefined;
    if (byName) return byName.id;
    if (!/^[0-9a-f]+$/.test(ref)) return undefined;
    const rows = this.db.prepare(`SELECT id FROM ${table} WHERE id LIKE ? LIMIT 2`).all(`${ref}%`) as { id: string }[];
    if (rows.length > 1) throw invalidArgument(`more than one result for ${kind} "${ref}": ${kind} already exists`);
    return rows[0]?.id;
  }

  list(): Container[] {
    const rows = this.db.prepare('SELECT c.config, s.state FROM containers c JOIN container_state s ON s.id = c.id ORDER BY c.created').all() as
      { config: string; state: string }[];
    return rows.map((r) => ({ config: JSON.parse(r.config), state: JSON.parse(r.state) }));
  }

  /**
   * The containers whose intent may name another container: a
   * `container:NAME` namespace mode or --requires. SQLite's text match picks
   * them (a superset: any "container:… string matches), so rm checks its
   * dependents without parsing every container's record (~20 ms for 400).
   */
  mayReferOthers(): Container[] {
    const rows = this.db.prepare(`SELECT c.config, s.state FROM containers c JOIN container_state s ON s.id = c.id
      WHERE c.config LIKE '%"container:%' OR c.config LIKE '%"requires":["%' ORDER BY c.created`).all() as { config: string; state: string }[];
    return rows.map((r) => ({ config: JSON.parse(r.config), state: JSON.parse(r.state) }));
  }

  /** Read-modify-write of a state in one transaction; returns the new state. */
  updateState(id: string, fn: (s: ContainerState) => void): ContainerState {
    return transaction(this.db, () => {
      const row = this.db.prepare('SELECT state FROM container_state WHERE id = ?').get(id) as { state: string } | undefined;
      if (!row) throw noSuchContainer(id);
      const s = JSON.parse(row.state) as ContainerState;
      fn(s);
      this.db.prepare('UPDATE container_state SET state = ? WHERE id = ?').run(JSON.stringify(s), id);
      return s;
    });
  }

  rename(id: string, name: string): void {
    transaction(this.db, () => {
      const clash = this.db.prepare('SELECT id FROM containers WHERE name = ?').get(name) as { id: string } | undefined;
      if (clash) throw new HuskError('NAME_IN_USE', `the container name "${name}" is already in use by ${clash.id}: that name is already in use`);
      const row = this.db.prepare('SELECT config FROM containers WHERE id = ?').get(id) as { config: string } | undefined;
      if (!row) throw noSuchContainer(id);
      const cfg = JSON.parse(row.config) as ContainerConfig;
      cfg.name = name;
      this.db.prepare('UPDATE containers SET name = ?, config = ? WHERE id = ?').run(name, JSON.stringify(cfg), id);
    });
  }

  /** Rewrites a container's config (only `update` changes it after create). */
  updateConfig(id: string, fn: (c: ContainerConfig) => void): ContainerConfig {
    return transaction(this.db, () => {
      const row = this.db.prepare('SELECT config FROM containers WHERE id = ?').get(id) as { config: string } | undefined;
      if (!row) throw noSuchContainer(id);
      const cfg = JSON.parse(row.config) as ContainerConfig;
      fn(cfg);
      this.db.prepare('UPDATE containers SET config = ? WHERE id = ?').run(JSON.stringify(cfg), id);
      return cfg;
    });
  }

  remove(id: string): void {
    this.db.prepare('DELETE FROM containers WHERE id = ?').run(id);
  }

  addPod(pod: PodConfig): void {
    transaction(this.db, () => {
      const clash = this.db.prepare('SELECT id FROM pods WHERE name = ?').get(pod.name) as { id: string } | undefined;
      if (clash) throw new HuskError('NAME_IN_USE', `the pod name "${pod.name}" is already in use by ${clash.id}: that name is already in use`);
      this.db.prepare('INSERT INTO pods (id, name, config, created) VALUES (?, ?, ?, ?)').run(pod.id, pod.name, JSON.stringify(pod), pod.created);
    });
  }

  getPod(id: string): PodConfig | undefined {
    const row = this.db.prepare('SELECT config FROM pods WHERE id = ?').get(id) as { config: string } | undefined;
    return row && JSON.parse(row.config);
  }

  /** Full ID, unique ID prefix, or name. */
  lookupPod(ref: string): string {
    const id = this.lookup('pods', 'pod', ref);
    if (!id) throw new HuskError('NO_SUCH_POD', `no pod with name or ID ${ref} found: no such pod`);
    return id;
  }

  listPods(): PodConfig[] {
    return (this.db.prepare('SELECT config FROM pods ORDER BY created').all() as { config: string }[]).map((r) => JSON.parse(r.config));
  }

  updatePod(id: string, fn: (p: PodConfig) => void): PodConfig {
    return transaction(this.db, () => {
      const p = this.getPod(id);
      if (!p) throw new HuskError('NO_SUCH_POD', `no pod with name or ID ${id} found: no such pod`);
      fn(p);
      this.db.prepare('UPDATE pods SET config = ? WHERE id = ?').run(JSON.stringify(p), id);
      return p;
    });
  }

  removePod(id: string): void {
    this.db.prepare('DELETE FROM pods WHERE id = ?').run(id);
  }

  /** Containers of a pod, infra included, oldest first. */
  podContainers(podId: string): Container[] {
    return this.list().filter((c) => c.config.pod === podId);
  }

  imageInUse(imageId: string): string[] {
    return this.list().filter((c) => c.config.imageId === imageId).map((c) => c.config.id);
  }

  // ---- Exec sessions (see ExecSession below) ----

  addExecSession(s: ExecSession): void {
    this.execDb().prepare('INSERT INTO exec_sessions (id, container, session) VALUES (?, ?, ?)').run(s.id, s.containerId, JSON.stringify(s));
  }

  getExecSession(id: string): ExecSession | undefined {
    const row = this.execDb().prepare('SELECT session FROM exec_sessions WHERE id = ?').get(id) as { session: string } | undefined;
    return row && JSON.parse(row.session);
  }

  /** Full ID or unique prefix; undefined if none. */
  lookupExecSession(ref: string): string | undefined {
    if (!/^[0-9a-f]+$/.test(ref)) return undefined;
    const rows = this.execDb().prepare('SELECT id FROM exec_sessions WHERE id LIKE ? LIMIT 2').all(`${ref}%`) as { id: string }[];
    if (rows.length > 1) throw invalidArgument(`more than one result for exec session "${ref}"`);
    return rows[0]?.id;
  }

  /** Read-modify-write in one transaction; undefined when the session is gone. */
  updateExecSession(id: string, fn: (s: ExecSession) => void): ExecSession | undefined {
    const db = this.execDb();
    return transaction(db, () => {
      const s = this.getExecSession(id);
      if (!s) return undefined;
      fn(s);
      db.prepare('UPDATE exec_sessions SET session = ? WHERE id = ?').run(JSON.stringify(s), id);
      return s;
    });
  }

  removeExecSession(id: string): void {
    this.execDb().prepare('DELETE FROM exec_sessions WHERE id = ?').run(id);
  }

  /** A container's sessions, oldest first. */
  execSessionIds(containerId: string): string[] {
    return (this.execDb().prepare('SELECT id FROM exec_sessions WHERE container = ? ORDER BY rowid').all(containerId) as { id: string }[]).map((r) => r.id);
  }

  removeExecSessions(containerId: string): void {
    this.execDb().prepare('DELETE FROM exec_sessions WHERE container = ?').run(containerId);
  }

  /** The database with the exec_sessions table, created on first use. */
  private execDb(): Database {
    const db = this.db;
    if (!execReady.has(db)) {
      db.exec(EXEC_SCHEMA);
      execReady.add(db);
    }
    return db;
  }
}

// ---- Exec sessions ---------------------------------------------------------
// One row per exec session (container/exec.ts), dropped with its container
// (ON DELETE CASCADE) and when the container stops (cleanup). The table is
// created on first use, so this block and the methods above stay
// independent of the container schema.

export interface ExecSession {
  /** 64 hex characters. */
  id: string;
  containerId: string;
  /** What it runs, as given to ExecAPI.create. */
  process: ExecCreateOptions;
  state: 'created' | 'running' | 'stopped';
  /** Host pid of the process while it runs (0 before). */
  pid: number;
  exitCode?: number;
  createdAt: string;
  startedAt?: string;
  finishedAt?: string;
}

const EXEC_SCHEMA = `
CREATE TABLE IF NOT EXISTS exec_sessions (
  id TEXT PRIMARY KEY, container TEXT NOT NULL REFERENCES containers(id) ON DELETE CASCADE, session TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS exec_sessions_container ON exec_sessions(container);
`;

const execReady = new WeakSet<Database>();
