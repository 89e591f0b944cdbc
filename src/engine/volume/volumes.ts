// Named volumes (local driver): a directory ROOT/volumes/NAME/_data, or, with
// options (type/device/o), a filesystem mounted there while in use. Records
// live in state.db; a volume is in use while any container config names it.
import { execFileSync } from 'node:child_process';
import { randomBytes } from '../../common/random.ts';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { HuskError, invalidArgument } from '../../common/errors.ts';
import { native, MNT_DETACH } from '../../common/native.ts';
import { transaction } from '../../common/sqlite.ts';
import type { EngineContext } from '../context.ts';
import type { Volume } from './api.ts';
import type { ContainerConfig } from '../types.ts';
import { isoTime } from '../../common/isotime.ts';

export type { Volume };

const NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;
const SCHEMA = 'CREATE TABLE IF NOT EXISTS volumes (name TEXT PRIMARY KEY, data TEXT NOT NULL)';

function table(e: EngineContext) {
  e.db.db.exec(SCHEMA);
  return e.db.db;
}

export function volumeDir(e: EngineContext, name: string): string {
  return join(e.config.root, 'volumes', name);
}

export interface CreateVolumeOptions {
  labels?: Record<string, string>;
  /** type, device, o (mount options), as for `mount -t TYPE -o O DEVICE`. */
  options?: Record<string, string>;
  anonymous?: boolean;
  /** Return the existing volume instead of failing when the name is taken. */
  ignoreExisting?: boolean;
}

export function createVolume(e: EngineContext, name: string | undefined, o: CreateVolumeOptions = {}): Volume {
  const n = name ?? randomBytes(32).toString('hex');
  if (!NAME.test(n)) throw invalidArgument(`volume name "${n}" must match [a-zA-Z0-9][a-zA-Z0-9_.-]*: invalid argument`);
  for (const k of Object.keys(o.options ?? {})) {
    if (!['type', 'device', 'o', 'size', 'uid', 'gid'].includes(k)) throw invalidArgument(`invalid mount option ${k} for driver local: invalid argument`);
  }
  const opts = { ...o.options };
  if (opts.type && !opts.device) throw invalidArgument('volume option "type" requires "device"');
  const db = table(e);
  const vol: Volume = {
    Name: n, Driver: 'local', Mountpoint: join(volumeDir(e, n), '_data'), CreatedAt: isoTime(),
    Labels: o.labels ?? {}, Scope: 'local', Options: opts, Anonymous: !!o.anonymous, NeedsCopyUp: !opts.type,
  };
  return transaction(db, () => {
    const row = db.prepare('SELECT data FROM volumes WHERE name = ?').get(n) as { data: string } | undefined;
    if (row) {
      if (o.ignoreExisting) return JSON.parse(row.data) as Volume;
      throw new HuskError('NAME_IN_USE', `volume with name ${n} already exists: volume already exists`);
    }
    mkdirSync(vol.Mountpoint, { recursive: true });
    db.prepare('INSERT INTO volumes (name, data) VALUES (?, ?)').run(n, JSON.stringify(vol));
    e.events.write({ ID: n, Name: n, Status: 'create', Type: 'volume' });
    return vol;
  });
}

export function getVolume(e: EngineContext, name: string): Volume {
  const row = table(e).prepare('SELECT data FROM volumes WHERE name = ?').get(name) as { data: string } | undefined;
  if (!row) throw new HuskError('NO_SUCH_VOLUME', `no volume with name "${name}" found: no such volume`);
  return JSON.parse(row.data) as Volume;
}

export function volumeExists(e: EngineContext, name: string): boolean {
  return table(e).prepare('SELECT 1 FROM volumes WHERE name = ?').get(name) !== undefined;
}

export function listVolumes(e: EngineContext): Volume[] {
  return (table(e).prepare('SELECT data FROM volumes ORDER BY name').all() as { data: string }[]).map((r) => JSON.parse(r.data) as Volume);
}

export function markCopiedUp(e: EngineContext, name: string): void {
  const v = getVolume(e, name);
  table(e).prepare('UPDATE volumes SET data = ? WHERE name = ?').run(JSON.stringify({ ...v, NeedsCopyUp: false }), name);
}

/** IDs of containers whose config mounts the volume. */
export function volumeUsers(e: EngineContext, name: string): string[] {
  return e.db.list().filter((c) => (c.config.volumes ?? []).includes(name)).map((c) => c.config.id);
}

function mounted(path: string): boolean {
  return readFileSync('/proc/mounts', 'utf8').split('\n').some((l) => l.split(' ')[1] === path);
}

/** Mounts a volume with options (tmpfs, a device, a bind) on its _data dir, once. */
export function mountVolume(v: Volume): void {
  if (!v.Options.type || mounted(v.Mountpoint)) return;
  const o = v.Options.o ?? '';
  const flags = o.split(',').includes('bind') ? 4096 : 0; // MS_BIND
  const data = o.split(',').filter((x) => x && x !== 'bind').join(',');
  native().mount(v.Options.device, v.Mountpoint, flags ? null : v.Options.type, flags, data || null);
}

export function unmountVolume(v: Volume): void {
  if (v.Options.type && mounted(v.Mountpoint)) native().umount2(v.Mountpoint, MNT_DETACH);
}

export function removeVolume(e: EngineContext, name: string, opts: { force?: boolean; removeUsers?: (id: string) => Promise<unknown> } = {}): Promise<void> {
  return (async () => {
    const v = getVolume(e, name);
    const users = volumeUsers(e, name);
    if (users.length) {
      if (!opts.force || !opts.removeUsers) {
        throw new HuskError('VOLUME_IN_USE', `volume ${name} is being used by the following container(s): ${users.join(', ')}: volume is being used`);
      }
      for (const id of users) await opts.removeUsers(id);
    }
    unmountVolume(v);
    table(e).prepare('DELETE FROM volumes WHERE name = ?').run(name);
    rmSync(volumeDir(e, name), { recursive: true, force: true });
    e.events.write({ ID: name, Name: name, Status: 'remove', Type: 'volume' });
  })();
}

/** Copies an image directory's content into a fresh volume (Podman's copy-up). */
export function copyUp(from: string, to: string): void {
  if (!existsSync(from) || readdirSync(to).length) return;
  execFileSync('cp', ['-a', '--', `${from}/.`, to], { stdio: 'ignore' });
}

/** The anonymous volumes a container created (a failed create, `rm -v`), best effort. */
export async function removeAnonymousVolumes(e: EngineContext, config: ContainerConfig): Promise<void> {
  for (const m of config.mounts ?? []) {
    if (m.type === 'volume' && m.anonymous && m.source) await removeVolume(e, m.source).catch(() => {});
  }
}
