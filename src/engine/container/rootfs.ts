// A container's root filesystem: the image's layer dirs as overlay lowerdirs
// under the container's own upper and work dirs (with the vfs driver, a full
// copy of the image in the upper dir, bound on merged/). For deep images, whose
// absolute lowerdirs would pass mount's one-page option limit, each layer
// dir is opened and named /proc/self/fd/N (no chdir: the process's working
// directory is shared by every request of a server).
import { spawnSync } from 'node:child_process';
import { closeSync, constants, existsSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { rm } from 'node:fs/promises';
import { HuskError, isErrno } from '../../common/errors.ts';
import { native, MNT_DETACH, MS_BIND, MS_RDONLY, MS_REMOUNT } from '../../common/native.ts';
import { requireDevice } from '../../common/userns.ts';
import type { ImageStore } from '../../image/store.ts';
import type { ImageRecord } from '../../image/types.ts';
import { copyUnion } from '../../image/vfs.ts';

export function rootfsPaths(containerDir: string) {
  return { upper: join(containerDir, 'diff'), work: join(containerDir, 'work'), merged: join(containerDir, 'merged') };
}

/** The image of a --rootfs container: no ID, names, layers or config (code reading the image sees an empty one). */
export function rootfsImage(): ImageRecord {
  return { id: '', digest: '', names: [], layers: [], size: 0, created: '', config: { config: {} }, manifest: {} } as unknown as ImageRecord;
}

/**
 * A --rootfs container's root: the user's directory itself (the runtime
 * binds it; nothing is mounted, so removing the container cannot reach it),
 * or with `:O` an overlay with the directory as its only lower layer and
 * the container's diff/ as upper, so the directory is never written.
 */
export function mountUserRootfs(dir: string, overlay: boolean, containerDir: string, o: OverlayOptions = {}): string {
  if (!overlay) return dir;
  const p = rootfsPaths(containerDir);
  rmSync(join(p.work, 'work', 'incompat', 'volatile'), { recursive: true, force: true });
  native().mount('overlay', p.merged, 'overlay', 0, `lowerdir=${dir},upperdir=${p.upper},workdir=${p.work}${o.userxattr ? ',userxattr' : ''}`);
  return p.merged;
}

export function prepareRootfsDirs(containerDir: string): void {
  const p = rootfsPaths(containerDir);
  for (const d of [p.upper, p.work, p.merged]) mkdirSync(d, { recursive: true });
}

export interface OverlayOptions {
  /**
   * The storage driver. vfs: the container's layer (diff/) is a full copy of
   * the image, made on first mount and bind-mounted on merged/, for hosts
   * where overlay cannot mount.
   */
  driver?: 'overlay' | 'vfs';
  /** vfs: owners that cannot be set are left as they fall (storage opt vfs.ignore_chown_errors). */
  ignoreChownErrors?: boolean;
  /** Rootless: mount with `userxattr` (overlay state in user.overlay.*), falling back to fuse-overlayfs. */
  userxattr?: boolean;
  /** storage.conf mount_program (fuse-overlayfs): used instead of the kernel's overlay. */
  mountProgram?: string;
  /** Layer dirs to use instead of the store's (ID-mapped copies, see idmap.ts). */
  layerDirs?: string[];
  /**
   * `volatile` (what Podman uses for --rm containers) makes overlay skip every
   * sync of the upper dir, including the syncfs of the whole upper filesystem
   * at unmount; the upper is not crash-safe then, which does not matter for a
   * container that is removed when it exits.
   */
  volatile?: boolean;
}

const FUSE_OVERLAYFS = '/usr/bin/fuse-overlayfs';

export function mountRootfs(store: ImageStore, layers: string[], containerDir: string, o: OverlayOptions = {}): string {
  const p = rootfsPaths(containerDir);
  // Overlay lists lowerdirs top first; image layers are stored bottom first.
  // A layer listed twice (identical build steps, repeated empty layers) would make overlay fail with ELOOP;
  // its upper occurrence alone gives the same tree, since it re-applies everything the lower one did.
  if (o.driver === 'vfs') return vfsMount(o.layerDirs ?? layers.map((l) => store.layerDir(l)), containerDir, !!o.ignoreChownErrors);
  const dirs = [...new Set((o.layerDirs ?? layers.map((l) => store.layerDir(l))).slice().reverse())];
  if (o.mountProgram) return fuseMount(o.mountProgram, dirs, p);
  const tail = `,upperdir=${p.upper},workdir=${p.work}${o.userxattr ? ',userxattr' : ''},volatile`;
  const fds: number[] = [];
  let lower = dirs.join(':');
  if (`lowerdir=${lower}${tail}`.length > 4000) {
    for (const d of dirs) fds.push(openSync(d, constants.O_RDONLY | constants.O_DIRECTORY));
    lower = fds.map((fd) => `/proc/self/fd/${fd}`).join(':');
  }
  const data = `lowerdir=${lower},upperdir=${p.upper},workdir=${p.work}${o.userxattr ? ',userxattr' : ''}`;
  // A volatile mount leaves this marker, and overlay refuses the next mount
  // while it exists (containers/storage removes it the same way).
  rmSync(join(p.work, 'work', 'incompat', 'volatile'), { recursive: true, force: true });
  try {
    try {
      native().mount('overlay', p.merged, 'overlay', 0, o.volatile ? `${data},volatile` : data);
    } catch (e) {
      if (!o.volatile || !isErrno(e, 'EINVAL')) throw e;
      native().mount('overlay', p.merged, 'overlay', 0, data); // kernel before 5.10: no volatile
    }
  } catch (e) {
    // Kernels before 5.11 cannot mount overlay in a user namespace.
    if (o.userxattr && (isErrno(e, 'EPERM') || isErrno(e, 'EINVAL')) && existsSync(FUSE_OVERLAYFS)) return fuseMount(FUSE_OVERLAYFS, dirs, p);
    throw e;
  } finally {
    for (const fd of fds) closeSync(fd);
  }
  return p.merged;
}

const vfsMarker = (containerDir: string) => join(containerDir, 'work', 'vfs-complete');

/** Whether a vfs container's copy of its image has been made (before, it has no changes). */
export function vfsPopulated(containerDir: string): boolean {
  return existsSync(vfsMarker(containerDir));
}

/**
 * vfs: copies the image into diff/ once (through a staging dir, so a copy
 * cut short is never taken for the container's layer), then binds it on
 * merged/ so every reader of merged/ works as with overlay.
 */
function vfsMount(layerDirsBottomFirst: string[], containerDir: string, ignoreChownErrors: boolean): string {
  const p = rootfsPaths(containerDir);
  if (!vfsPopulated(containerDir)) {
    const stage = join(containerDir, 'diff.vfs-tmp');
    rmSync(stage, { recursive: true, force: true });
    try {
      copyUnion(layerDirsBottomFirst, stage, { ignoreChownErrors });
      rmSync(p.upper, { recursive: true, force: true });
      renameSync(stage, p.upper);
    } catch (e) {
      rmSync(stage, { recursive: true, force: true });
      throw e;
    }
    mkdirSync(p.work, { recursive: true });
    writeFileSync(vfsMarker(containerDir), '');
  }
  native().mount(p.upper, p.merged, null, MS_BIND, null);
  return p.merged;
}

/**
 * vfs: an image seen read-only (`image mount`, `--mount type=image`): a copy
 * made once next to `target` (TARGET.vfs, removed with it) and bound on it.
 */
export function mountImageCopy(layerDirsBottomFirst: string[], target: string): void {
  const copy = `${target}.vfs`;
  if (!existsSync(copy)) {
    const stage = `${copy}-tmp`;
    rmSync(stage, { recursive: true, force: true });
    try {
      copyUnion(layerDirsBottomFirst, stage);
      renameSync(stage, copy);
    } catch (e) {
      rmSync(stage, { recursive: true, force: true });
      throw e;
    }
  }
  native().mount(copy, target, null, MS_BIND, null);
  native().mount(null, target, null, MS_BIND | MS_REMOUNT | MS_RDONLY, null);
}

function fuseMount(program: string, lowerTopFirst: string[], p: ReturnType<typeof rootfsPaths>): string {
  requireDevice('/dev/fuse', program);
  const r = spawnSync(program, ['-o', `lowerdir=${lowerTopFirst.join(':')},upperdir=${p.upper},workdir=${p.work}`, p.merged], { encoding: 'utf8' });
  if (r.status !== 0) {
    const msg = (r.stderr || r.error?.message || '').trim();
    throw new HuskError('ENGINE', `mounting the rootfs with ${program}: ${msg || `exit ${r.status}`}`);
  }
  return p.merged;
}

export function unmountRootfs(containerDir: string): void {
  const { merged } = rootfsPaths(containerDir);
  // Until nothing is left: a rootfs mounted by `container mount` and then
  // again by start would otherwise leave the lower mount behind.
  for (let i = 0; i < 16; i++) {
    try {
      native().umount2(merged, 0);
    } catch (e) {
      if (isErrno(e, 'EINVAL') || isErrno(e, 'ENOENT')) return; // not mounted (any more)
      native().umount2(merged, MNT_DETACH);
    }
  }
}

/**
 * In the API service, off the event loop (the thread pool): a slow disk must
 * not stall other requests. A one-shot CLI process removes them in place:
 * node:fs/promises and the thread pool's four threads cost it more than
 * the removal itself (a `run --rm` profile: ~10 ms, most of it loading).
 */
export async function removeContainerDirs(oneShot: boolean, ...dirs: string[]): Promise<void> {
  // Retried on ENOTEMPTY: a late exit command's flock may create the run dir's fg.lock
  // while it is being emptied; once the directory is gone, it cannot any more.
  const o = { recursive: true, force: true, maxRetries: 5, retryDelay: 10 };
  if (oneShot) for (const d of dirs) rmSync(d, o);
  else await Promise.all(dirs.map((d) => rm(d, o)));
}

/** Whether something is mounted at exactly `path` (mountinfo escapes spaces and the like in octal). */
export function isMounted(path: string): boolean {
  const unescape = (s: string) => s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
  return readFileSync('/proc/self/mountinfo', 'utf8').split('\n').some((l) => l && unescape(l.split(' ')[4] ?? '') === path);
}
