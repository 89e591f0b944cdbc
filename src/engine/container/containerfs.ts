// A container's root filesystem seen from the host, whatever the container's
// state: `container mount`/`unmount`, `diff`, `export`, and the temporary
// mount that cp and export need for a container that is not running.
import type { Writable } from 'node:stream';
import { HuskError, containerState, invalidArgument } from '../../common/errors.ts';
import { changes, type Change } from '../../image/diff.ts';
import { tarDirectory } from '../../image/tarwriter.ts';
import type { EngineContext } from '../context.ts';
import { syncState } from './lifecycle.ts';
import { rootfsOptions } from './idmap.ts';
import { isMounted, mountRootfs, rootfsPaths, unmountRootfs, vfsPopulated } from './rootfs.ts';
import { vfsChanges } from '../../image/vfs.ts';
import type { Container } from '../types.ts';

/** Running, paused, or created by the runtime: start mounted the rootfs and cleanup will unmount it. */
export function isLive(c: Container): boolean {
  return c.state.status === 'running' || c.state.status === 'paused' || (c.state.status === 'created' && c.state.pid > 0);
}

function current(e: EngineContext, id: string): Container {
  const c = e.db.get(id);
  if (!c) throw containerState(`container ${id} vanished`);
  return syncState(e, c);
}

function layersOf(e: EngineContext, c: Container): string[] {
  if (c.config.intent.rootfs) throw invalidArgument(`container ${c.config.name} runs on --rootfs ${c.config.intent.rootfs}, which has no image layers to mount: use the directory`);
  const img = e.images.get(c.config.imageId);
  if (!img) throw new HuskError('NO_SUCH_IMAGE', `image ${c.config.imageId} of container ${c.config.name} is gone`);
  return img.layers;
}

/**
 * Runs fn on the container's merged root. A live container is already
 * mounted; any other is mounted for the duration under the container lock,
 * so it cannot start (and mount the same upper dir again) meanwhile, and is
 * unmounted afterwards unless `container mount` had mounted it.
 */
export async function withRootfs<T>(e: EngineContext, ref: string, fn: (rootfs: string, c: Container) => Promise<T>): Promise<T> {
  const id = e.db.lookupId(ref);
  const { merged } = rootfsPaths(e.containerDir(id));
  const first = current(e, id);
  if (isLive(first)) return fn(merged, first);
  return e.withContainerLock(id, async () => {
    const c = current(e, id);
    if (isLive(c) || (c.state.mounted && isMounted(merged))) return fn(merged, c);
    mountRootfs(e.images, layersOf(e, c), e.containerDir(id), rootfsOptions(e, c.config, layersOf(e, c)));
    try {
      return await fn(merged, c);
    } finally {
      unmountRootfs(e.containerDir(id));
    }
  });
}

/** `container mount`: mounts a container's rootfs until `unmount` (or its next stop or rm); returns the path. */
export async function mountContainer(e: EngineContext, ref: string): Promise<string> {
  const id = e.db.lookupId(ref);
  return e.withContainerLock(id, () => {
    const c = current(e, id);
    const { merged } = rootfsPaths(e.containerDir(id));
    if (isLive(c) || (c.state.mounted && isMounted(merged))) return merged;
    mountRootfs(e.images, layersOf(e, c), e.containerDir(id), rootfsOptions(e, c.config, layersOf(e, c)));
    e.db.updateState(id, (s) => { s.mounted = true; });
    e.events.write({ ID: id, Name: c.config.name, Image: c.config.imageName, Status: 'mount', Type: 'container' });
    return merged;
  });
}

/** `container unmount`: undoes `mount`; a live container keeps its rootfs. Returns the container ID. */
export async function unmountContainer(e: EngineContext, ref: string): Promise<string> {
  const id = e.db.lookupId(ref);
  return e.withContainerLock(id, () => {
    const c = current(e, id);
    if (isLive(c)) throw containerState(`cannot unmount container ${id} as it is ${c.state.status}: container state improper`);
    if (c.state.mounted) {
      unmountRootfs(e.containerDir(id));
      e.db.updateState(id, (s) => { s.mounted = false; });
      e.events.write({ ID: id, Name: c.config.name, Image: c.config.imageName, Status: 'unmount', Type: 'container' });
    }
    return id;
  });
}

/** Containers whose rootfs is mounted now (live ones included), with the path. */
export function mountedContainers(e: EngineContext): { id: string; name: string; path: string }[] {
  return e.db.list().map((c) => syncState(e, c)).flatMap((c) => {
    const { merged } = rootfsPaths(e.containerDir(c.config.id));
    return (c.state.mounted || isLive(c)) && isMounted(merged) ? [{ id: c.config.id, name: c.config.name, path: merged }] : [];
  });
}

/**
 * Paths the engine or runtime creates in every rootfs (mount points and the
 * generated files), left out of `diff` like Podman does, as are the
 * container's own mount destinations.
 */
const INIT_PATHS = new Set(['/dev', '/etc/hostname', '/etc/hosts', '/etc/resolv.conf', '/etc/mtab', '/proc', '/run', '/run/.containerenv', '/run/notify', '/run/secrets', '/sys']);

/** `diff`: what the container added, changed and deleted relative to its image. */
export function containerDiff(e: EngineContext, ref: string): Change[] {
  const c = current(e, e.db.lookupId(ref));
  const mounts = new Set((c.config.mounts ?? []).map((m) => m.destination));
  const lower = layersOf(e, c).map((l) => e.images.layerDir(l));
  const cdir = e.containerDir(c.config.id);
  const found = !e.vfs ? changes(rootfsPaths(cdir).upper, lower)
    : vfsPopulated(cdir) ? vfsChanges(rootfsPaths(cdir).upper, rootfsOptions(e, c.config, layersOf(e, c)).layerDirs ?? lower) : [];
  return found.filter((ch) => !INIT_PATHS.has(ch.path) && !mounts.has(ch.path));
}

/** `diff IMAGE`: what an image's top layer changes relative to the layers below it. */
export function imageDiff(e: EngineContext, ref: string): Change[] {
  const img = e.images.resolve(ref);
  if (!img.layers.length) return [];
  const dirs = img.layers.map((l) => e.images.layerDir(l));
  return changes(dirs.at(-1)!, dirs.slice(0, -1));
}

/** Writes chunks to a stream, honouring backpressure; does not end it. */
export async function writeAll(source: AsyncIterable<Buffer>, out: Writable): Promise<void> {
  // A reader that goes away (EPIPE) or a full disk surfaces as an 'error'
  // event, which would crash the process if nobody listened.
  let failed: Error | undefined;
  let wake: (() => void) | undefined;
  const onError = (err: Error) => { failed ??= err; wake?.(); };
  const onClose = () => { failed ??= new HuskError('ENGINE', 'output closed'); wake?.(); };
  out.on('error', onError).on('close', onClose);
  try {
    for await (const chunk of source) {
      if (failed || out.destroyed) throw failed ?? new HuskError('ENGINE', 'output closed');
      if (!out.write(chunk)) {
        await new Promise<void>((resolve) => {
          const done = () => { out.off('drain', done); wake = undefined; resolve(); };
          wake = done;
          out.on('drain', done);
        });
      }
    }
    // Wait until what was written is flushed, so late errors are still ours.
    await new Promise<void>((resolve) => out.write(Buffer.alloc(0), () => resolve()));
    if (failed) throw failed;
  } finally {
    out.off('error', onError).off('close', onClose);
  }
}

/** `export`: the container's whole merged filesystem as one flat tar (no whiteouts, no layers). */
export async function exportContainer(e: EngineContext, ref: string, out: Writable): Promise<void> {
  await withRootfs(e, ref, (rootfs) => writeAll(tarDirectory(rootfs), out));
}
