// The image store: content-addressed layers unpacked once under
// ROOT/overlay/<diffID hex>/diff and shared by every image and container
// that uses them, and image records (config, manifest, names) in sqlite.
//
// Contract: a layer directory exists only once its content was verified
// against its diff ID (it is unpacked in ROOT/tmp and renamed into place),
// so a crash or kill mid-import leaves no half layer behind. Image records
// reference only present layers; writers hold ROOT/storage.lock.
import { nodeCrypto, randomBytes } from '../common/random.ts';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { HuskError, invalidArgument, noSuchImage } from '../common/errors.ts';
import { withLock } from '../common/lock.ts';
import { processAlive } from '../common/process.ts';
import { openDatabase, transaction, type Database } from '../common/sqlite.ts';
import { nameMatches, parseNamed } from './reference.ts';
import type { ImageConfig, ImageRecord, Manifest } from './types.ts';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS layers (digest TEXT PRIMARY KEY, size INTEGER NOT NULL, created TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS images (
  id TEXT PRIMARY KEY, digest TEXT NOT NULL, config TEXT NOT NULL, manifest TEXT NOT NULL,
  layers TEXT NOT NULL, size INTEGER NOT NULL, created TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS image_names (name TEXT PRIMARY KEY, image_id TEXT NOT NULL REFERENCES images(id) ON DELETE CASCADE);
-- Every name an image has had (Podman's NamesHistory); a name given again moves to the end (newest).
CREATE TABLE IF NOT EXISTS image_name_history (image_id TEXT NOT NULL REFERENCES images(id) ON DELETE CASCADE, name TEXT NOT NULL,
  PRIMARY KEY (image_id, name));
CREATE TABLE IF NOT EXISTS manifest_lists (name TEXT PRIMARY KEY, id TEXT NOT NULL, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS layer_blobs (diff_id TEXT NOT NULL, digest TEXT NOT NULL, media_type TEXT NOT NULL, size INTEGER NOT NULL,
  PRIMARY KEY (diff_id, digest));
`;

/** A layer's archive as it was received (pulled, loaded or imported), kept so push and save reproduce it byte for byte. */
export interface LayerBlob { digest: string; mediaType: string; size: number }

interface ImageRow { id: string; digest: string; config: string; manifest: string; layers: string; size: number; created: string }

export class ImageStore {
  readonly root: string;
  private dbHandle: Database | undefined;

  constructor(root: string) {
    this.root = root;
  }

  private get db(): Database {
    return (this.dbHandle ??= openDatabase(join(this.root, 'storage.db'), SCHEMA, { durableOnExit: true }));
  }

  close(): void {
    this.dbHandle?.close();
    this.dbHandle = undefined;
  }

  private lock<T>(fn: () => Promise<T> | T): Promise<T> {
    return withLock(join(this.root, 'storage.lock'), fn);
  }

  layerDir(diffID: string): string {
    return join(this.root, 'overlay', hexOf(diffID), 'diff');
  }

  hasLayer(diffID: string): boolean {
    return this.db.prepare('SELECT 1 FROM layers WHERE digest = ?').get(diffID) !== undefined && existsSync(this.layerDir(diffID));
  }

  /** Uncompressed size of a stored layer. */
  layerSize(diffID: string): number | undefined {
    return (this.db.prepare('SELECT size FROM layers WHERE digest = ?').get(diffID) as { size: number } | undefined)?.size;
  }

  /** A manifest list (image index) kept under a name, with its ID; undefined when there is none. */
  getList(name: string): { id: string; data: string } | undefined {
    return this.db.prepare('SELECT id, data FROM manifest_lists WHERE name = ?').get(name) as { id: string; data: string } | undefined;
  }

  /** Creates or replaces a manifest list. */
  async putList(name: string, id: string, data: string): Promise<void> {
    await this.lock(() => { this.db.prepare('INSERT OR REPLACE INTO manifest_lists (name, id, data) VALUES (?, ?, ?)').run(name, id, data); });
  }

  async removeList(name: string): Promise<boolean> {
    return this.lock(() => this.db.prepare('DELETE FROM manifest_lists WHERE name = ?').run(name).changes > 0);
  }

  /** Every layer record, for consistency checks (system check). */
  layerRecords(): { digest: string; size: number; created: string }[] {
    return this.db.prepare('SELECT digest, size, created FROM layers').all() as { digest: string; size: number; created: string }[];
  }

  /** Runs fn under the store's writer lock (system check's repairs). */
  locked<T>(fn: () => Promise<T> | T): Promise<T> {
    return this.lock(fn);
  }

  /**
   * Unpacks an uncompressed layer stream, verifying its diff ID when one is
   * expected. Returns the diff ID; a layer already present is not unpacked
   * again (the stream is still drained so the caller's digest checks run).
   */
  async putLayer(source: AsyncIterable<Buffer>, expected?: string, o: { keep?: boolean } = {}): Promise<{ diffID: string; size: number; added: boolean }> {
    if (expected && this.hasLayer(expected)) {
      let size = 0;
      const hash = nodeCrypto().createHash('sha256');
      for await (const c of source) { hash.update(c); size += c.length; }
      verify(expected, `sha256:${hash.digest('hex')}`, 'layer');
      return { diffID: expected, size, added: false };
    }
    this.removeStaleStaging();
    const stage = join(this.root, 'tmp', `layer-${process.pid}-${randomBytes(8).toString('hex')}`);
    mkdirSync(join(stage, 'diff'), { recursive: true });
    let cleanup = () => {};
    try {
      const hash = nodeCrypto().createHash('sha256');
      let size = 0;
      // keep: the stream is also kept as the layer's (uncompressed) archive, so push and save have one.
      const kept = o.keep ? this.tmpBlobPath() : undefined;
      let fd = kept ? openSync(kept, 'w', 0o600) : undefined;
      cleanup = () => { if (fd !== undefined) closeSync(fd); if (kept) rmSync(kept, { force: true }); };
      async function* hashed(): AsyncGenerator<Buffer> {
        for await (const c of source) { hash.update(c); size += c.length; if (fd !== undefined) writeSync(fd, c); yield c; }
      }
      // The tar code loads only for writes: listings and lookups never need it.
      const { extractLayer } = await import('./extract.ts');
      await extractLayer(hashed(), join(stage, 'diff'));
      const diffID = `sha256:${hash.digest('hex')}`;
      if (expected) verify(expected, diffID, 'layer');
      if (fd !== undefined) {
        closeSync(fd);
        fd = undefined;
        await this.recordBlob(diffID, kept!, { digest: diffID, mediaType: 'application/vnd.oci.image.layer.v1.tar', size });
      }
      const added = await this.lock(() => {
        const final = join(this.root, 'overlay', hexOf(diffID));
        const fresh = !existsSync(final);
        if (fresh) {
          mkdirSync(join(this.root, 'overlay'), { recursive: true });
          renameSync(stage, final);
        }
        this.db.prepare('INSERT OR IGNORE INTO layers (digest, size, created) VALUES (?, ?, ?)').run(diffID, size, new Date().toISOString());
        return fresh;
      });
      return { diffID, size, added };
    } finally {
      cleanup();
      rmSync(stage, { recursive: true, force: true });
    }
  }

  /**
   * Staging dirs are named after their process; one whose process is gone
   * was left by a killed import or pull and is deleted.
   */
  private removeStaleStaging(): void {
    let entries: string[];
    try { entries = readdirSync(join(this.root, 'tmp')); } catch { return; }
    for (const name of entries) {
      const m = /^(?:layer|load|rm|save)-(\d+)-/.exec(name);
      if (!m || processAlive(Number(m[1]))) continue;
      rmSync(join(this.root, 'tmp', name), { recursive: true, force: true });
    }
  }

  blobPath(digest: string): string {
    return join(this.root, 'blobs', 'sha256', hexOf(digest));
  }

  hasBlob(diffID: string, digest: string): boolean {
    return this.db.prepare('SELECT 1 FROM layer_blobs WHERE diff_id = ? AND digest = ?').get(diffID, digest) !== undefined && existsSync(this.blobPath(digest));
  }

  /** The stored archive of a layer, if one was kept. */
  blobFor(diffID: string): LayerBlob | undefined {
    const rows = this.db.prepare('SELECT digest, media_type, size FROM layer_blobs WHERE diff_id = ?').all(diffID) as { digest: string; media_type: string; size: number }[];
    const r = rows.find((x) => existsSync(this.blobPath(x.digest)));
    return r && { digest: r.digest, mediaType: r.media_type, size: r.size };
  }

  /**
   * Files a verified layer archive (written by the caller to tmpFile, whose
   * digest the caller computed while writing) under its digest.
   */
  async recordBlob(diffID: string, tmpFile: string, blob: LayerBlob): Promise<void> {
    await this.lock(() => {
      const final = this.blobPath(blob.digest);
      if (!existsSync(final)) {
        mkdirSync(join(this.root, 'blobs', 'sha256'), { recursive: true });
        renameSync(tmpFile, final);
      } else rmSync(tmpFile, { force: true });
      this.db.prepare('INSERT OR IGNORE INTO layer_blobs (diff_id, digest, media_type, size) VALUES (?, ?, ?, ?)').run(diffID, blob.digest, blob.mediaType, blob.size);
    });
  }

  /** A fresh path under ROOT/tmp for a blob being written (cleaned if its process dies). */
  tmpBlobPath(): string {
    mkdirSync(join(this.root, 'tmp'), { recursive: true });
    return join(this.root, 'tmp', `layer-${process.pid}-${randomBytes(8).toString('hex')}.blob`);
  }

  /** Records an image whose layers are all present; adds names (moving them from other images). */
  async addImage(configBytes: Buffer, manifest: Manifest, manifestDigest: string, names: string[], manifestBytes?: Buffer): Promise<ImageRecord> {
    const id = nodeCrypto().createHash('sha256').update(configBytes).digest('hex');
    const config = JSON.parse(configBytes.toString('utf8')) as ImageConfig;
    const layers = config.rootfs?.diff_ids ?? [];
    return this.lock(() => {
      for (const l of layers) if (!this.hasLayer(l)) throw new HuskError('BAD_LAYER', `image ${id}: layer ${l} is not in the store`);
      const sizes = layers.map((l) => (this.db.prepare('SELECT size FROM layers WHERE digest = ?').get(l) as { size: number }).size);
      transaction(this.db, () => {
        // An image is its config; the manifest it last arrived with (and its digest) is the one kept.
        this.db.prepare(`INSERT INTO images (id, digest, config, manifest, layers, size, created) VALUES (?, ?, ?, ?, ?, ?, ?)
          ON CONFLICT(id) DO UPDATE SET digest = excluded.digest, manifest = excluded.manifest`)
          .run(id, manifestDigest, configBytes.toString('utf8'), manifestBytes ? manifestBytes.toString('utf8') : JSON.stringify(manifest), JSON.stringify(layers),
            sizes.reduce((a, b) => a + b, 0), config.created ?? new Date().toISOString());
        for (const n of names) this.addName(id, n);
        this.recordNames(id);
      });
      return this.get(id)!;
    });
  }

  /** The manifest as stored: the registry's own bytes for pulled images. */
  manifestBytes(id: string): Buffer {
    const row = this.db.prepare('SELECT manifest FROM images WHERE id = ?').get(id) as { manifest: string } | undefined;
    if (!row) throw noSuchImage(id);
    return Buffer.from(row.manifest, 'utf8');
  }

  /** The config blob exactly as stored (its sha256 is the image ID). */
  configBytes(id: string): string {
    const row = this.db.prepare('SELECT config FROM images WHERE id = ?').get(id) as { config: string } | undefined;
    if (!row) throw noSuchImage(id);
    return row.config;
  }

  get(id: string): ImageRecord | undefined {
    const row = this.db.prepare('SELECT * FROM images WHERE id = ?').get(id) as ImageRow | undefined;
    return row && this.fromRow(row, this.namesOf(row.id));
  }

  /** Gives the image a name (taking it from another image). */
  private addName(id: string, name: string): void {
    this.db.prepare('INSERT OR REPLACE INTO image_names (name, image_id) VALUES (?, ?)').run(name, id);
  }

  /**
   * After a change of the image's names, each current name (in order) becomes
   * the newest entry of its name history, as containers/storage's updateNames
   * does: a name removed stays behind the remaining ones.
   */
  private recordNames(id: string): void {
    for (const n of this.namesOf(id)) this.db.prepare('INSERT OR REPLACE INTO image_name_history (image_id, name) VALUES (?, ?)').run(id, n);
  }

  /** Per image ID, the names it has had, newest first (Podman's NamesHistory); names from before the history was kept come last. */
  namesHistory(): Map<string, string[]> {
    const out = new Map<string, string[]>();
    for (const r of this.db.prepare('SELECT image_id, name FROM image_name_history ORDER BY rowid DESC').all() as { image_id: string; name: string }[]) {
      const l = out.get(r.image_id) ?? [];
      l.push(r.name);
      out.set(r.image_id, l);
    }
    for (const r of this.db.prepare('SELECT image_id, name FROM image_names ORDER BY rowid').all() as { image_id: string; name: string }[]) {
      const l = out.get(r.image_id) ?? [];
      if (!l.includes(r.name)) l.push(r.name);
      out.set(r.image_id, l);
    }
    return out;
  }

  private namesOf(id: string): string[] {
    return (this.db.prepare('SELECT name FROM image_names WHERE image_id = ? ORDER BY rowid').all(id) as { name: string }[]).map((r) => r.name);
  }

  private fromRow(row: ImageRow, names: string[]): ImageRecord {
    return {
      id: row.id, digest: row.digest, names, created: row.created, size: row.size,
      config: JSON.parse(row.config), manifest: JSON.parse(row.manifest), layers: JSON.parse(row.layers),
    };
  }

  list(): ImageRecord[] {
    const names = new Map<string, string[]>();
    for (const r of this.db.prepare('SELECT name, image_id FROM image_names ORDER BY rowid').all() as { name: string; image_id: string }[]) {
      const l = names.get(r.image_id) ?? [];
      l.push(r.name);
      names.set(r.image_id, l);
    }
    const rows = this.db.prepare('SELECT * FROM images ORDER BY created DESC').all() as unknown as ImageRow[];
    return rows.map((r) => this.fromRow(r, names.get(r.id) ?? []));
  }

  /**
   * Finds an image by full or short name, full or abbreviated ID (≥ 3 hex
   * chars, unique), "sha256:" ID or manifest digest.
   */
  lookup(ref: string): ImageRecord | undefined {
    const hex = ref.startsWith('sha256:') ? ref.slice(7) : ref;
    if (/^[0-9a-f]{3,64}$/.test(hex)) {
      const rows = this.db.prepare('SELECT id FROM images WHERE id LIKE ?').all(`${hex}%`) as { id: string }[];
      if (rows.length === 1) return this.get(rows[0].id);
      if (rows.length > 1) throw invalidArgument(`short ID "${ref}" is ambiguous: it matches ${rows.length} images`);
    }
    if (ref.startsWith('sha256:')) {
      const row = this.db.prepare('SELECT id FROM images WHERE digest = ?').get(ref) as { id: string } | undefined;
      return row && this.get(row.id);
    }
    let parsed;
    try {
      parsed = parseNamed(ref);
    } catch {
      return undefined;
    }
    if (parsed.digest && !parsed.tag) {
      const rows = this.db.prepare('SELECT id FROM images WHERE digest = ?').all(parsed.digest) as { id: string }[];
      return rows.length ? this.get(rows[0].id) : undefined;
    }
    const rows = this.db.prepare('SELECT name, image_id FROM image_names').all() as { name: string; image_id: string }[];
    const exact = rows.find((r) => r.name === ref);
    if (exact) return this.get(exact.image_id);
    const hits = rows.filter((r) => nameMatches(r.name, parsed));
    // Prefer locally created images over remote ones with the same short name.
    hits.sort((a, b) => Number(b.name.startsWith('localhost/')) - Number(a.name.startsWith('localhost/')));
    return hits.length ? this.get(hits[0].image_id) : undefined;
  }

  resolve(ref: string): ImageRecord {
    const img = this.lookup(ref);
    if (!img) throw noSuchImage(ref);
    return img;
  }

  async tag(id: string, name: string): Promise<void> {
    await this.lock(() => transaction(this.db, () => { this.addName(id, name); this.recordNames(id); }));
  }

  async untag(id: string, name: string): Promise<boolean> {
    return this.lock(() => transaction(this.db, () => {
      const removed = Number(this.db.prepare('DELETE FROM image_names WHERE name = ? AND image_id = ?').run(name, id).changes) > 0;
      if (removed) this.recordNames(id);
      return removed;
    }));
  }

  /** Deletes an image record and every layer no other image uses. */
  async remove(id: string): Promise<void> {
    await this.lock(() => {
      const img = this.get(id);
      if (!img) throw noSuchImage(id);
      const orphans: string[] = [];
      transaction(this.db, () => {
        this.db.prepare('DELETE FROM images WHERE id = ?').run(id);
        const inUse = this.layersInUse();
        for (const l of img.layers) {
          if (!inUse.has(l) && !orphans.includes(l)) {
            orphans.push(l);
            this.db.prepare('DELETE FROM layers WHERE digest = ?').run(l);
          }
        }
      });
      this.deleteLayerDirs(orphans);
    });
  }

  /**
   * Drops layers no image references (a load that failed half-way adds
   * layers first and its image last); a layer an image uses is kept.
   */
  async removeUnreferenced(diffIDs: string[]): Promise<void> {
    if (!diffIDs.length) return;
    await this.lock(() => {
      const inUse = this.layersInUse();
      const orphans = diffIDs.filter((l) => !inUse.has(l));
      for (const l of orphans) this.db.prepare('DELETE FROM layers WHERE digest = ?').run(l);
      this.deleteLayerDirs(orphans);
    });
  }

  private layersInUse(): Set<string> {
    const inUse = new Set<string>();
    for (const r of this.db.prepare('SELECT layers FROM images').all() as { layers: string }[]) {
      for (const l of JSON.parse(r.layers) as string[]) inUse.add(l);
    }
    return inUse;
  }

  /** Renames first so a half-deleted tree is never mistaken for a layer. */
  private deleteLayerDirs(diffIDs: string[]): void {
    for (const l of diffIDs) {
      for (const b of this.db.prepare('SELECT digest FROM layer_blobs WHERE diff_id = ?').all(l) as { digest: string }[]) {
        this.db.prepare('DELETE FROM layer_blobs WHERE diff_id = ? AND digest = ?').run(l, b.digest);
        if (!this.db.prepare('SELECT 1 FROM layer_blobs WHERE digest = ?').get(b.digest)) rmSync(this.blobPath(b.digest), { force: true });
      }
      const dir = join(this.root, 'overlay', hexOf(l));
      const trash = join(this.root, 'tmp', `rm-${process.pid}-${randomBytes(8).toString('hex')}`);
      try {
        mkdirSync(join(this.root, 'tmp'), { recursive: true });
        renameSync(dir, trash);
      } catch { continue; }
      rmSync(trash, { recursive: true, force: true });
    }
  }
}

export function hexOf(digest: string): string {
  const m = /^sha256:([0-9a-f]{64})$/.exec(digest);
  if (!m) throw invalidArgument(`invalid digest "${digest}"`);
  return m[1];
}

function verify(expected: string, actual: string, what: string): void {
  if (expected !== actual) throw new HuskError('DIGEST_MISMATCH', `${what} digest mismatch: expected ${expected}, got ${actual}`);
}

