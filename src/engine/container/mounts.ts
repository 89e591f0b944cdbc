// User mounts: the spec's mounts and volumesFrom resolved at create (named
// volumes are created then, as Podman does; anonymous ones get their names),
// and turned into OCI mounts at each start.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { join, normalize } from 'node:path';
import { invalidArgument } from '../../common/errors.ts';
import { secureJoin } from '../../common/securejoin.ts';
import type { ImageRecord } from '../../image/types.ts';
import type { Mount } from '../../runtime/spec/types.ts';
import { mountImageCopy } from './rootfs.ts';
import type { EngineContext } from '../context.ts';
import type { ContainerSpec } from '../../specgen/container.ts';
import { PROPAGATION } from '../../specgen/validate.ts';
import type { Container, MountSpec } from '../types.ts';
import { copyUp, createVolume, getVolume, markCopiedUp, mountVolume } from '../volume/volumes.ts';

/**
 * Resolves a spec's mounts at create: creates named volumes that do not
 * exist yet and anonymous ones (including the image's VOLUMEs not covered).
 * Returns copies; the spec keeps what the user asked for.
 */
export function resolveMounts(e: EngineContext, i: ContainerSpec, img: ImageRecord): { mounts: MountSpec[]; volumes: string[] } {
  const specs: MountSpec[] = [];
  for (const m of i.mounts ?? []) {
    const n = { ...m, destination: normalize(m.destination), options: [...m.options] };
    // The same mount given twice (validated as identical) is mounted once.
    if (!specs.some((x) => x.destination === n.destination && x.type === n.type && x.source === n.source)) specs.push(n);
  }
  for (const { container: ref, mode } of i.volumesFrom ?? []) {
    const id = e.db.lookupId(ref);
    for (const m of e.db.get(id)!.config.mounts ?? []) {
      if (m.type === 'tmpfs' || specs.some((s) => s.destination === m.destination)) continue;
      const options = m.options.filter((o) => o !== 'ro' && o !== 'rw');
      if (mode === 'ro' || (!mode && m.options.includes('ro'))) options.push('ro');
      specs.push({ ...m, options, anonymous: false });
    }
  }
  const seen = new Set<string>();
  for (const s of specs) {
    if (seen.has(s.destination)) throw invalidArgument(`${s.destination}: duplicate mount destination`);
    seen.add(s.destination);
  }
  // --image-volume: bind (an anonymous volume each, Podman's default), tmpfs, or ignore.
  const mode = i.imageVolumeMode ?? 'bind';
  for (const dest of mode === 'ignore' ? [] : Object.keys(img.config.config?.Volumes ?? {})) {
    if (seen.has(normalize(dest))) continue;
    // Podman's image-volume tmpfs is rw,nodev,exec (not the --tmpfs default's noexec).
    specs.push(mode === 'tmpfs' ? { type: 'tmpfs', destination: normalize(dest), options: ['rw', 'exec'] } : { type: 'volume', destination: normalize(dest), options: [], anonymous: true });
  }
  for (const s of specs) {
    if (s.type === 'bind' && !existsSync(s.source!)) throw invalidArgument(`statfs ${s.source}: no such file or directory`);
    if (s.type === 'image') e.images.resolve(s.source!);
  }
  const volumes: string[] = [];
  for (const s of specs) {
    if (s.type !== 'volume') continue;
    if (s.anonymous) s.source = createVolume(e, undefined, { anonymous: true }).Name;
    else createVolume(e, s.source, { ignoreExisting: true });
    volumes.push(s.source!);
  }
  return { mounts: specs, volumes };
}

/** OCI mounts for a container about to start; image mounts are mounted under its dir. */
export function ociMounts(e: EngineContext, c: Container, rootfs: string, user: { uid: number; gid: number }): Mount[] {
  const out: Mount[] = [];
  let n = 0;
  for (const m of c.config.mounts ?? []) {
    const extra = m.options.filter((o) => o !== 'rw');
    switch (m.type) {
      case 'bind':
      case 'volume': {
        let source = m.source!;
        if (m.type === 'volume') {
          const v = getVolume(e, m.source!);
          mountVolume(v);
          source = v.Mountpoint;
          // A volume created with -o o=noexec,nodev,nosuid (no type) keeps them on every mount, unless the mount says exec/dev/suid.
          if (!v.Options.type) {
            for (const o of (v.Options.o ?? '').split(',')) {
              if (['noexec', 'nodev', 'nosuid'].includes(o) && !extra.includes(o) && !extra.includes(o.slice(2))) extra.push(o);
            }
          }
          // A subpath is its own directory in the volume (made when missing, as Kubernetes does); no copy-up into it.
          if (m.subpath) {
            source = secureJoin(v.Mountpoint, m.subpath);
            if (!existsSync(source)) mkdirSync(source, { recursive: true });
          } else if (v.NeedsCopyUp) {
            const from = secureJoin(rootfs, m.destination);
            if (existsSync(from) && statSync(from).isDirectory()) copyUp(from, source);
            markCopiedUp(e, v.Name);
          }
        }
        if (m.chown) execFileSync('chown', ['-R', `${user.uid}:${user.gid}`, source]);
        out.push({ destination: m.destination, type: 'bind', source, options: ['rbind', ...(extra.some((o) => PROPAGATION.includes(o)) ? [] : ['rprivate']), ...extra] });
        break;
      }
      case 'tmpfs': {
        const opts = m.options.length ? ['nosuid', 'nodev', ...m.options] : ['rw', 'noexec', 'nosuid', 'nodev'];
        // Podman's default: the image's content at that path is copied up into the tmpfs (notmpcopyup: not).
        out.push({ destination: m.destination, type: 'tmpfs', source: 'tmpfs', options: opts.includes('notmpcopyup') ? opts.filter((o) => o !== 'notmpcopyup') : [...opts.filter((o) => o !== 'tmpcopyup'), 'tmpcopyup'] });
        break;
      }
      case 'image': {
        const img = e.images.resolve(m.source!);
        const dir = join(e.containerDir(c.config.id), 'image-mounts', String(n++));
        mkdirSync(dir, { recursive: true });
        mountImageReadOnly(e, img.layers, dir);
        out.push({ destination: m.destination, type: 'bind', source: dir, options: ['rbind', 'rprivate', ...(m.options.includes('rw') ? [] : ['ro'])] });
        break;
      }
    }
  }
  if (c.config.intent.readOnly && c.config.intent.readOnlyTmpfs !== false) {
    for (const d of ['/tmp', '/var/tmp', '/run']) {
      if (!out.some((m) => m.destination === d)) out.push({ destination: d, type: 'tmpfs', source: 'tmpfs', options: ['rw', 'rprivate', 'nosuid', 'nodev', 'tmpcopyup'] });
    }
  }
  return out;
}

/** An image's layers as a read-only overlay (no upper dir). */
function mountImageReadOnly(e: EngineContext, layers: string[], target: string): void {
  if (e.vfs) return mountImageCopy(layers.map((l) => e.images.layerDir(l)), target);
  const lower = [...new Set(layers.slice().reverse().map((l) => e.images.layerDir(l)))]; // a repeated layer once (overlay: ELOOP), see rootfs.ts
  if (lower.length === 1) {
    // overlay needs two lowers without an upper; a single layer is bound directly.
    execFileSync('mount', ['--bind', '-o', 'ro', lower[0], target]);
    return;
  }
  execFileSync('mount', ['-t', 'overlay', 'overlay', '-o', `lowerdir=${lower.join(':')}`, target]);
}

export function imageMountDirs(e: EngineContext, c: Container): string[] {
  return (c.config.mounts ?? []).filter((m) => m.type === 'image').map((_, i) => join(e.containerDir(c.config.id), 'image-mounts', String(i)));
}

