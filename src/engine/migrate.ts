// Migrations of the data in state.db, run by StateDB when it opens the
// database. The schema_version table records, per part, the version the
// store's records have; a part behind is migrated once, in one transaction
// (so concurrent husk processes migrate it once, and a crash leaves it as
// it was).
//
// container-spec 1 → 2: container configs stored before the spec was
// structured carry flag strings in their intent (volumes, mounts, tmpfs,
// volumesFrom, publish, ulimits, devices, userns, uidmap, gidmap, addHost).
// They are parsed with the CLI's parsers into the ContainerSpec fields. What
// create resolved (config.mounts, config.ports, config.idmap) was already
// structured and stays as it is.
import type { Database } from '../common/sqlite.ts';
import { HuskError } from '../common/errors.ts';
import { transaction } from '../common/sqlite.ts';
import { SPEC_VERSION, type ContainerSpec, type MountSpec } from '../specgen/container.ts';
import {
  parseAddHost, parseDevice, parseIdMapping, parseMountFlag, parsePublish, parseTmpfsFlag, parseUlimit, parseUserns,
  parseVolumeFlag, parseVolumesFrom,
} from '../specgen/flags.ts';

const PART = 'container-spec';

function versionOf(db: Database): number {
  const row = db.prepare('SELECT version FROM schema_version WHERE part = ?').get(PART) as { version: number } | undefined;
  return row?.version ?? 1;
}

/** Brings the store's records to this husk's versions; returns the database. */
export function migrateStore(db: Database): Database {
  db.exec('CREATE TABLE IF NOT EXISTS schema_version (part TEXT PRIMARY KEY, version INTEGER NOT NULL)');
  const v = versionOf(db);
  if (v > SPEC_VERSION) throw new HuskError('ENGINE', `this store's container configs have version ${v}, newer than this husk understands (${SPEC_VERSION}): use a newer husk`);
  if (v === SPEC_VERSION) return db;
  transaction(db, () => {
    if (versionOf(db) >= SPEC_VERSION) return; // another process did it meanwhile
    const update = db.prepare('UPDATE containers SET config = ? WHERE id = ?');
    for (const row of db.prepare('SELECT id, config FROM containers').all() as { id: string; config: string }[]) {
      const cfg = JSON.parse(row.config) as { intent: Record<string, unknown>; specVersion?: number };
      if ((cfg.specVersion ?? 1) >= SPEC_VERSION) continue;
      cfg.intent = specFromV1(cfg.intent) as unknown as Record<string, unknown>;
      cfg.specVersion = SPEC_VERSION;
      update.run(JSON.stringify(cfg), row.id);
    }
    db.prepare('INSERT OR REPLACE INTO schema_version (part, version) VALUES (?, ?)').run(PART, SPEC_VERSION);
  });
  return db;
}

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

/**
 * Each value parsed; one old husk accepted but that does not parse now is
 * dropped (or kept as `fallback` gives it) rather than making the store
 * unreadable.
 */
function each<T>(v: unknown, parse: (s: string) => T, fallback?: (s: string) => T): T[] | undefined {
  const out: T[] = [];
  for (const s of strings(v)) {
    try {
      out.push(parse(s));
    } catch {
      if (fallback) out.push(fallback(s));
    }
  }
  return out.length ? out : undefined;
}

/** A version-1 intent (flag strings) as a ContainerSpec. */
export function specFromV1(old: Record<string, unknown>): ContainerSpec {
  const { volumes, mounts, tmpfs, volumesFrom, publish, ulimits, devices, userns, uidmap, gidmap, addHost, ...rest } = old;
  const spec = rest as unknown as ContainerSpec;
  const all: MountSpec[] = [...each(volumes, parseVolumeFlag) ?? [], ...each(mounts, parseMountFlag) ?? [], ...each(tmpfs, parseTmpfsFlag) ?? []];
  const set = <K extends keyof ContainerSpec>(k: K, v: ContainerSpec[K] | undefined) => { if (v !== undefined) spec[k] = v; };
  set('mounts', all.length ? all : undefined);
  set('volumesFrom', each(volumesFrom, parseVolumesFrom));
  set('portMappings', each(publish, parsePublish));
  set('ulimits', each(ulimits, parseUlimit));
  // Old husk checked devices only at start: one that never parsed keeps failing there.
  set('devices', each(devices, parseDevice, (s) => ({ path: s })));
  set('uidMap', each(uidmap, parseIdMapping));
  set('gidMap', each(gidmap, parseIdMapping));
  set('extraHosts', each(addHost, parseAddHost));
  if (typeof userns === 'string') {
    try { spec.userns = parseUserns(userns); } catch {}
  }
  return spec;
}
