// User mounts: -v/--volume, --mount, --tmpfs and --volumes-from parsed into
// MountSpecs at create time (named volumes are created then, as Podman does),
// and turned into OCI mounts at each start.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { isAbsolute, join, normalize } from 'node:path';
import { invalidArgument } from '../../common/errors.ts';
import { secureJoin } from '../../common/securejoin.ts';
import type { ImageRecord } from '../../image/types.ts';
import type { Mount } from '../../runtime/spec/types.ts';
import type { EngineContext } from '../context.ts';
import type { ContainerIntent } from '../../specgen/container.ts';
import type { Container, MountSpec } from '../types.ts';
import { copyUp, createVolume, getVolume, markCopiedUp, mountVolume } from '../volume/volumes.ts';

const PROPAGATION = ['shared', 'slave', 'private', 'rshared', 'rslave', 'rprivate'];
const PASSTHROUGH = ['ro', 'rw', 'nosuid', 'suid', 'nodev', 'dev', 'noexec', 'exec', ...PROPAGATION];

function checkDest(dest: string, spec: string): string {
  if (!isAbsolute(dest)) throw invalidArgument(`invalid container path "${dest}" in "${spec}": must be an absolute path`);
  return normalize(dest);
}

function volumeOptions(opts: string[], spec: string): { options: string[]; chown: boolean } {
  const options: string[] = [];
  let chown = false;
  for (const o of opts) {
    if (o === 'U') chown = true;
    else if (o === 'z' || o === 'Z' || o === 'copy' || o === 'nocopy') continue; // no SELinux here; copy-up is the default
    else if (PASSTHROUGH.includes(o)) options.push(o);
    else throw invalidArgument(`invalid option "${o}" in volume "${spec}"`);
  }
  return { options, chown };
}

/** -v SRC:DEST[:OPTS] | -v DEST (anonymous). */
export function parseVolumeFlag(spec: string): MountSpec {
  const parts = spec.split(':');
  if (parts.length === 1) return { type: 'volume', destination: checkDest(parts[0], spec), options: [], anonymous: true };
  if (parts.length > 3 || !parts[0] || !parts[1]) throw invalidArgument(`invalid volume specification "${spec}": expected SRC:DEST[:OPTIONS]`);
  const [src, dest, opts = ''] = parts;
  const { options, chown } = volumeOptions(opts ? opts.split(',') : [], spec);
  const destination = checkDest(dest, spec);
  if (src.startsWith('/') || src.startsWith('.')) return { type: 'bind', source: normalize(src), destination, options, chown };
  return { type: 'volume', source: src, destination, options, chown };
}

/** --mount type=bind|volume|tmpfs|image,source=..,target=..,... */
export function parseMountFlag(spec: string): MountSpec {
  const kv = new Map<string, string>();
  for (const field of spec.split(',')) {
    if (!field) continue;
    const eq = field.indexOf('=');
    kv.set(eq < 0 ? field : field.slice(0, eq), eq < 0 ? 'true' : field.slice(eq + 1));
  }
  const type = kv.get('type');
  if (!type || !['bind', 'volume', 'tmpfs', 'image'].includes(type)) throw invalidArgument(`invalid --mount "${spec}": type must be bind, volume, tmpfs or image`);
  const target = kv.get('target') ?? kv.get('dst') ?? kv.get('destination');
  if (!target) throw invalidArgument(`invalid --mount "${spec}": target is required`);
  const source = kv.get('source') ?? kv.get('src');
  const options: string[] = [];
  let chown = false;
  for (const [k, v] of kv) {
    switch (k) {
      case 'type': case 'target': case 'dst': case 'destination': case 'source': case 'src': case 'relabel': case 'z': case 'Z': break;
      case 'readonly': case 'ro': if (v !== 'false') options.push('ro'); break;
      case 'rw': if (type === 'image' && v !== 'false') options.push('rw'); else if (v === 'false') options.push('ro'); break;
      case 'bind-propagation': if (!PROPAGATION.includes(v)) throw invalidArgument(`invalid bind-propagation "${v}"`); options.push(v); break;
      case 'U': case 'chown': chown = v !== 'false'; break;
      case 'tmpfs-size': options.push(`size=${v}`); break;
      case 'tmpfs-mode': if (!/^[0-7]{3,4}$/.test(v)) throw invalidArgument(`invalid tmpfs-mode "${v}"`); options.push(`mode=${v}`); break;
      case 'nosuid': case 'nodev': case 'noexec': options.push(k); break;
      default: throw invalidArgument(`invalid --mount "${spec}": unknown option "${k}"`);
    }
  }
  if ((type === 'bind' || type === 'image') && !source) throw invalidArgument(`invalid --mount "${spec}": source is required for type=${type}`);
  if (type === 'tmpfs' && source) throw invalidArgument(`invalid --mount "${spec}": tmpfs takes no source`);
  return { type: type as MountSpec['type'], source, destination: checkDest(target, spec), options, chown, anonymous: type === 'volume' && !source };
}

/** --tmpfs DEST[:OPTS]. */
export function parseTmpfsFlag(spec: string): MountSpec {
  const i = spec.indexOf(':');
  const dest = i < 0 ? spec : spec.slice(0, i);
  const opts = i < 0 ? [] : spec.slice(i + 1).split(',').filter(Boolean);
  return { type: 'tmpfs', destination: checkDest(dest, spec), options: opts };
}

/**
 * Resolves an intent's mounts at create: creates named volumes that do not
 * exist yet and anonymous ones (including the image's VOLUMEs not covered).
 */
export function resolveMounts(e: EngineContext, i: ContainerIntent, img: ImageRecord): { mounts: MountSpec[]; volumes: string[] } {
  const specs: MountSpec[] = [
    ...(i.volumes ?? []).map(parseVolumeFlag),
    ...(i.mounts ?? []).map(parseMountFlag),
    ...(i.tmpfs ?? []).map(parseTmpfsFlag),
  ];
  for (const from of i.volumesFrom ?? []) {
    const [ref, mode] = from.split(':');
    if (mode && mode !== 'ro' && mode !== 'rw') throw invalidArgument(`invalid --volumes-from "${from}": mode must be ro or rw`);
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
  for (const dest of Object.keys(img.config.config?.Volumes ?? {})) {
    if (!seen.has(normalize(dest))) specs.push({ type: 'volume', destination: normalize(dest), options: [], anonymous: true });
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
          if (v.NeedsCopyUp) {
            const from = secureJoin(rootfs, m.destination);
            if (existsSync(from) && statSync(from).isDirectory()) copyUp(from, source);
            markCopiedUp(e, v.Name);
          }
        }
        if (m.chown) execFileSync('chown', ['-R', `${user.uid}:${user.gid}`, source]);
        out.push({ destination: m.destination, type: 'bind', source, options: ['rbind', ...(extra.some((o) => PROPAGATION.includes(o)) ? [] : ['rprivate']), ...extra] });
        break;
      }
      case 'tmpfs':
        out.push({ destination: m.destination, type: 'tmpfs', source: 'tmpfs', options: m.options.length ? ['nosuid', 'nodev', ...m.options] : ['rw', 'noexec', 'nosuid', 'nodev'] });
        break;
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
  const lower = layers.slice().reverse().map((l) => e.images.layerDir(l));
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

