// `commit`: a container's image plus one new layer made from its overlay
// upper dir (whiteouts become OCI .wh. entries), or under vfs from its copy's
// differences with the image (src/image/vfs.ts), with a config recording how
// the container was run. The layer goes through the store's putLayer, so it
// is hashed, content-addressed and shared like any other.
import { createHash } from 'node:crypto';
import { HuskError, invalidArgument } from '../../common/errors.ts';
import { existsInLayers, layerFromUpper } from '../../image/diff.ts';
import { walkTree, writeTar, type TarWriteEntry } from '../../image/tarwriter.ts';
import { lstatSync, readdirSync } from 'node:fs';
import { applyChanges } from '../../image/import.ts';
import { localName } from '../../image/reference.ts';
import { MEDIA, type ImageConfig, type ImageRecord, type ImageRuntimeConfig, type Manifest } from '../../image/types.ts';
import type { EngineContext } from '../context.ts';
import { getContainer, pauseContainer, syncState } from './lifecycle.ts';
import { rootfsPaths, vfsPopulated } from './rootfs.ts';
import { rootfsOptions } from './idmap.ts';
import { vfsLayerEntries } from '../../image/vfs.ts';
import type { Container } from '../types.ts';
import { isoTime } from '../../common/isotime.ts';

export interface CommitOptions {
  /** Name for the new image (normalised like `tag`: localhost/NAME:latest). */
  name?: string;
  /** Dockerfile-style instructions, as for `import --change`. */
  changes?: string[];
  message?: string;
  author?: string;
  /** Pause a running container while its changes are read (default true). */
  pause?: boolean;
  /** Record every bind and volume destination as a VOLUME, not just anonymous volumes. */
  includeVolumes?: boolean;
  /** The runtime config exactly (a build's), instead of the image's merged with the container's settings. */
  config?: Record<string, unknown>;
  /** created_by of the history entry (default: the container's command line). */
  createdBy?: string;
  created?: string;
  /** Paths created only as mount points (a build's RUN mounts): left out when empty and absent from the image's layers. */
  omitStubs?: string[];
  /** Seconds since the epoch: mtimes in the layer are clamped to it (reproducible builds). */
  timestamp?: number;
  /** One layer holding the whole root filesystem (the image's layers and the changes) instead of a layer on top. */
  squash?: boolean;
}

/** The image config's runtime part: the image's, overridden by what the container was run with. */
function runtimeConfig(c: Container, img: ImageRecord, opts: CommitOptions): ImageRuntimeConfig {
  if (opts.config) {
    const rc = structuredClone(opts.config) as ImageRuntimeConfig;
    applyChanges(rc, opts.changes ?? []);
    return rc;
  }
  const rc: ImageRuntimeConfig = structuredClone(img.config.config ?? {});
  const i = c.config.intent;
  if (i.entrypoint !== undefined) rc.Entrypoint = i.entrypoint;
  // As at create: --entrypoint without a command drops the image's Cmd.
  if (i.command?.length) rc.Cmd = i.command;
  else if (i.entrypoint !== undefined) rc.Cmd = [];
  if (Object.keys(i.env ?? {}).length) {
    const env = new Map((rc.Env ?? []).map((kv) => [kv.slice(0, kv.indexOf('=')), kv] as const));
    for (const [k, v] of Object.entries(i.env ?? {})) env.set(k, `${k}=${v}`);
    rc.Env = [...env.values()];
  }
  if (i.workdir) rc.WorkingDir = i.workdir;
  if (i.user) rc.User = i.user;
  if (i.stopSignal) rc.StopSignal = i.stopSignal;
  if (Object.keys(i.labels ?? {}).length) rc.Labels = { ...rc.Labels, ...i.labels };
  // Podman keeps the anonymous volumes a user added (-v /path) as VOLUMEs.
  for (const m of c.config.mounts ?? []) {
    if ((m.type === 'volume' && m.anonymous) || (opts.includeVolumes && (m.type === 'volume' || m.type === 'bind'))) {
      rc.Volumes = { ...rc.Volumes, [m.destination]: {} };
    }
  }
  applyChanges(rc, opts.changes ?? []);
  return rc;
}

/**
 * The stubs to leave out of the layer: a listed path that the upper dir holds
 * as an empty file or directory the image's layers do not have (the runtime
 * made it as a mount point), and then each of its parents that the layers
 * lack and that holds nothing but omitted entries.
 */
function stubsToOmit(upper: string, lower: string[], stubs: string[]): Set<string> {
  const omit = new Set<string>();
  const rels = [...new Set(stubs.map((p) => p.split('/').filter(Boolean).join('/')))].filter(Boolean).sort((a, b) => b.length - a.length);
  const emptyDir = (rel: string) => readdirSync(`${upper}/${rel}`).every((n) => omit.has(`${rel}/${n}`));
  for (const rel of rels) {
    const st = lstatSync(`${upper}/${rel}`, { throwIfNoEntry: false });
    if (!st || existsInLayers(rel, lower)) continue;
    if (!((st.isFile() && st.size === 0) || (st.isDirectory() && emptyDir(rel)))) continue;
    omit.add(rel);
    for (let parent = rel.slice(0, rel.lastIndexOf('/')); parent; parent = parent.slice(0, Math.max(0, parent.lastIndexOf('/')))) {
      const pst = lstatSync(`${upper}/${parent}`, { throwIfNoEntry: false });
      if (!pst?.isDirectory() || existsInLayers(parent, lower) || !emptyDir(parent)) break;
      omit.add(parent);
    }
  }
  return omit;
}

/** The layer of an upper dir, stubs left out and mtimes clamped when asked. */
function layerOf(upper: string, lower: string[], opts: CommitOptions, vfs?: { populated: boolean }): AsyncIterable<Buffer> {
  if (!vfs && !opts.omitStubs?.length && opts.timestamp === undefined) return layerFromUpper(upper);
  const omit = stubsToOmit(upper, lower, opts.omitStubs ?? []);
  const ts = opts.timestamp;
  // vfs: the upper dir is the whole copy; its differences from the image make the layer.
  const source = () => !vfs ? walkTree(upper, { whiteouts: 'oci', filter: (rel) => !omit.has(rel) })
    : vfs.populated ? vfsLayerEntries(upper, lower, omit) : (async function* () {})();
  async function* entries(): AsyncGenerator<TarWriteEntry> {
    for await (const e of source()) {
      yield ts !== undefined && e.mtime > ts ? { ...e, mtime: ts } : e;
    }
  }
  return writeTar(entries());
}

function sha256(b: Buffer): string {
  return `sha256:${createHash('sha256').update(b).digest('hex')}`;
}

/** Creates an image from a container: its image's layers plus one layer of its changes. */
export async function commitContainer(e: EngineContext, ref: string, opts: CommitOptions = {}): Promise<ImageRecord> {
  const c = syncState(e, getContainer(e, ref));
  const { id } = c.config;
  const names = opts.name ? [localName(opts.name)] : [];
  if (c.config.intent.rootfs) throw invalidArgument(`container ${c.config.name} runs on --rootfs ${c.config.intent.rootfs}: it has no image to commit on`);
  const img = e.images.get(c.config.imageId);
  if (!img) throw new HuskError('NO_SUCH_IMAGE', `image ${c.config.imageId} of container ${c.config.name} is gone`);
  const runtime = runtimeConfig(c, img, opts); // bad --change values fail before any work
  const { upper } = rootfsPaths(e.containerDir(id));
  const cdir = e.containerDir(id);
  const lower = e.vfs ? rootfsOptions(e, c.config, img.layers).layerDirs ?? img.layers.map((l) => e.images.layerDir(l)) : img.layers.map((l) => e.images.layerDir(l));
  const vfs = e.vfs ? { populated: vfsPopulated(cdir) } : undefined;
  let source = () => layerOf(upper, lower, opts, vfs);
  let unmount = async () => {};
  if (opts.squash) {
    // The whole tree, read through the container's mounted rootfs (mounted for the read when it is not).
    const F = await import('./containerfs.ts');
    const keep = c.state.mounted || c.state.status === 'running' || c.state.status === 'paused' || c.state.pid > 0;
    const merged = await F.mountContainer(e, id);
    if (!keep) unmount = async () => { await F.unmountContainer(e, id); };
    source = () => writeTar(walkTree(merged));
  }
  const read = () => e.images.putLayer(source(), undefined, { keep: true });
  let layer: { diffID: string; size: number };
  try {
    layer = await readPaused(e, c, opts, read);
  } finally {
    await unmount();
  }
  const created = opts.created ?? isoTime();
  const entry = { created, created_by: opts.createdBy ?? c.config.args.join(' '), author: opts.author, comment: opts.message };
  const config: ImageConfig = {
    ...structuredClone(img.config), created, author: opts.author, config: runtime,
    // Squashed: the one layer, and the one history entry that made it.
    rootfs: { type: 'layers', diff_ids: opts.squash ? [layer.diffID] : [...img.layers, layer.diffID] },
    history: opts.squash ? [entry] : [...(img.config.history ?? []), entry],
  };
  return writeImage(e, c, config, names);
}

/** Reads the layer with the container paused (running, unless pause is false) or locked (stopped). */
async function readPaused(e: EngineContext, c: Container, opts: CommitOptions, read: () => Promise<{ diffID: string; size: number }>): Promise<{ diffID: string; size: number }> {
  const { id } = c.config;
  let layer: { diffID: string; size: number };
  if (opts.pause !== false && c.state.status === 'running') {
    // Paused, the container cannot change files while they are read.
    await pauseContainer(e, id, true);
    try {
      layer = await read();
    } finally {
      await pauseContainer(e, id, false).catch(() => {}); // it may have been stopped meanwhile
    }
  } else {
    // The lock keeps a stopped container from starting (or being removed) meanwhile.
    layer = await e.withContainerLock(id, read);
  }
  return layer;
}

async function writeImage(e: EngineContext, c: Container, config: ImageConfig, names: string[]): Promise<ImageRecord> {
  const { id } = c.config;
  const configBytes = Buffer.from(JSON.stringify(config));
  const manifest: Manifest = {
    schemaVersion: 2, mediaType: MEDIA.ociManifest,
    config: { mediaType: MEDIA.ociConfig, digest: sha256(configBytes), size: configBytes.length },
    // The store keeps layers uncompressed, so each is described by its diff ID.
    layers: config.rootfs.diff_ids.map((d) => ({ mediaType: MEDIA.ociLayer, digest: d, size: e.images.layerSize(d) ?? 0 })),
  };
  const out = await e.images.addImage(configBytes, manifest, sha256(Buffer.from(JSON.stringify(manifest))), names);
  e.events.write({ ID: id, Name: c.config.name, Image: c.config.imageName, Status: 'commit', Type: 'container' });
  return out;
}
