// Containers with a user namespace of their own (the spec's userns keep-id
// or auto, or uidMap/gidMap): the mapping, chosen at create, and a root filesystem
// whose files carry the mapped owners.
//
// Image layers store each file's owner as the container would see it without
// a mapping. Inside a mapped container, container id C is id map(C) of husk's
// namespace, so the layers must be seen with owners shifted. Podman has three
// ways: idmapped mounts, fuse-overlayfs -o uidmapping, or chowned copies of
// the layers. Idmapped mounts need CAP_SYS_ADMIN in the namespace that owns
// the filesystem (the initial one for ext4/xfs), which rootless husk never
// has; fuse-overlayfs adds a FUSE daemon (and its slower I/O) to every such
// container. husk makes chowned copies, as containers/storage does without
// either: once per (layer, mapping), cached beside the layer
// (overlay/<layer>/mapped/<key>) and deleted with it, or with the last
// container using that mapping.
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import { join } from 'node:path';
import { HuskError, invalidArgument, isErrno } from '../../common/errors.ts';
import { native, MNT_DETACH, MS_BIND, MS_REC } from '../../common/native.ts';
import type { ImageRecord } from '../../image/types.ts';
import { hexOf } from '../../image/store.ts';
import type { LinuxIdMapping, Spec } from '../../runtime/spec/types.ts';
import type { EngineContext } from '../context.ts';
import type { OverlayOptions } from './rootfs.ts';
import type { ContainerSpec } from '../../specgen/container.ts';
import type { ContainerConfig, ContainerIdMap } from '../types.ts';

/** Ids husk's own namespace has: 0..n-1 (rootless: 1 + the subuid range; root: all). */
function nsSize(map: { containerID: number; size: number }[]): number {
  return map.length ? Math.max(...map.map((m) => m.containerID + m.size)) : 4294967295;
}

/** keep-id: container id `id` is the user (0 in husk's namespace); the rest shifted around it. */
function keepIdMap(id: number, size: number): LinuxIdMapping[] {
  if (id >= size) throw invalidArgument(`user namespace keep-id: id ${id} is beyond the ${size} ids of the rootless namespace`);
  const m: LinuxIdMapping[] = [];
  if (id > 0) m.push({ containerID: 0, hostID: 1, size: id });
  m.push({ containerID: id, hostID: 0, size: 1 });
  if (size - id - 1 > 0) m.push({ containerID: id + 1, hostID: id + 1, size: size - id - 1 });
  return m;
}

/**
 * The container's mapping for its spec, or undefined (no own namespace).
 * May set spec.user (keep-id runs as the user by default, as Podman does).
 */
export function resolveIdMap(e: EngineContext, spec: ContainerSpec, img: ImageRecord): ContainerIdMap | undefined {
  const rl = e.config.rootless;
  if (spec.uidMap?.length || spec.gidMap?.length || spec.subUidName || spec.subGidName) {
    const uidMap = [...subIdMap(spec.subUidName ?? spec.subGidName, 'uid'), ...(spec.uidMap?.length ? spec.uidMap : spec.gidMap ?? []).map((m) => ({ ...m }))];
    const gidMap = [...subIdMap(spec.subGidName ?? spec.subUidName, 'gid'), ...(spec.gidMap?.length ? spec.gidMap : spec.uidMap ?? []).map((m) => ({ ...m }))];
    if (rl) {
      for (const [m, ns, what] of [[uidMap, rl.uidMap, 'uid'], [gidMap, rl.gidMap, 'gid']] as const) {
        const n = nsSize(ns);
        const bad = m.find((x) => x.hostID + x.size > n);
        if (bad) throw invalidArgument(`${what} mapping ${bad.containerID}:${bad.hostID}:${bad.size} exceeds the ${n} ids (0-${n - 1}) of the rootless namespace`);
      }
    }
    return { uidMap, gidMap };
  }
  const mode = spec.userns ?? { mode: 'host' };
  if (mode.mode === 'host') return undefined;
  if (!rl) throw invalidArgument(`user namespace mode ${mode.mode} is only supported for rootless husk`);
  if (mode.mode === 'keep-id') {
    const uid = mode.uid ?? rl.uid;
    const gid = mode.gid ?? rl.gid;
    spec.user ??= `${uid}:${gid}`;
    return { uidMap: keepIdMap(uid, nsSize(rl.uidMap)), gidMap: keepIdMap(gid, nsSize(rl.gidMap)) };
  }
  const size = mode.size ?? autoSize(e, img);
  const start = freeRange(e, size, Math.min(nsSize(rl.uidMap), nsSize(rl.gidMap)));
  const map = [{ containerID: 0, hostID: start, size }];
  return { uidMap: map, gidMap: map, auto: true };
}

/**
 * --subuidname/--subgidname NAME: NAME's ranges in /etc/subuid (/etc/subgid)
 * mapped from container id 0 on, one after the other (containers/storage's
 * idtools.NewIDMappings); none for no name.
 */
function subIdMap(name: string | undefined, kind: 'uid' | 'gid'): LinuxIdMapping[] {
  if (!name) return [];
  const file = `/etc/sub${kind}`;
  let text = '';
  try { text = fs.readFileSync(file, 'utf8'); } catch { /* no file: no ranges */ }
  const out: LinuxIdMapping[] = [];
  let next = 0;
  for (const line of text.split('\n')) {
    const [owner, start, count] = line.trim().split(':');
    if (owner !== name || !/^\d+$/.test(start ?? '') || !/^\d+$/.test(count ?? '')) continue;
    out.push({ containerID: next, hostID: Number(start), size: Number(count) });
    next += Number(count);
  }
  if (!out.length) throw invalidArgument(`no sub${kind} ranges found for ${kind === 'uid' ? 'user' : 'group'} "${name}" in ${file}`);
  return out;
}

/** userns auto without size: the image's highest owner id + 1, at least 1024 (Podman's minimum). */
function autoSize(e: EngineContext, img: ImageRecord): number {
  let max = 0;
  for (const l of img.layers) {
    walk(e.images.layerDir(l), (_, st) => { max = Math.max(max, st.uid, st.gid); });
  }
  return Math.max(1024, max + 1);
}

/** The lowest host id (>= 1: 0 is the user) where `size` ids are free of other auto containers'. */
function freeRange(e: EngineContext, size: number, limit: number): number {
  const used: [number, number][] = [];
  for (const r of e.db.db.prepare('SELECT config FROM containers').all() as { config: string }[]) {
    const c = JSON.parse(r.config) as ContainerConfig;
    if (c.idmap?.auto) for (const m of c.idmap.uidMap) used.push([m.hostID, m.hostID + m.size]);
  }
  used.sort((a, b) => a[0] - b[0]);
  let start = 1;
  for (const [a, b] of used) {
    if (start + size <= a) break;
    start = Math.max(start, b);
  }
  if (start + size > limit) {
    throw new HuskError('ROOTLESS', `user namespace auto: no ${size} free ids left in the rootless namespace (ids 1-${limit - 1}, used by other containers with an automatic user namespace): remove some, ask for a smaller size=, or give the user a larger /etc/subuid range`);
  }
  return start;
}

function toHost(id: number, map: LinuxIdMapping[], what: string, path: string): number {
  for (const m of map) if (id >= m.containerID && id < m.containerID + m.size) return m.hostID + id - m.containerID;
  throw invalidArgument(`${path} is owned by ${what} ${id}, which the container's ID mapping does not include`);
}

export function mapKey(m: ContainerIdMap): string {
  return createHash('sha256').update(JSON.stringify([m.uidMap, m.gidMap])).digest('hex').slice(0, 16);
}

const mappedDir = (e: EngineContext, layer: string, key: string) => join(e.images.root, 'overlay', hexOf(layer), 'mapped', key);

/** The image's layer dirs with owners shifted by the mapping (made on first use). */
export function mappedLayerDirs(e: EngineContext, layers: string[], m: ContainerIdMap): string[] {
  const key = mapKey(m);
  return layers.map((l) => {
    const dest = mappedDir(e, l, key);
    if (fs.existsSync(dest)) return dest;
    const tmp = join(e.images.root, 'overlay', hexOf(l), 'mapped', `.tmp-${randomBytes(6).toString('hex')}`);
    fs.mkdirSync(join(tmp, '..'), { recursive: true });
    try {
      copyMapped(e.images.layerDir(l), tmp, m);
      fs.renameSync(tmp, dest);
    } catch (err) {
      fs.rmSync(tmp, { recursive: true, force: true });
      // Another container made the same copy meanwhile.
      if (!fs.existsSync(dest)) throw err;
    }
    return dest;
  });
}

/** The host ids of the container's root (uid and gid 0), when the mapping includes them. */
export function rootOwner(m: ContainerIdMap | undefined): { uid: number; gid: number } | undefined {
  const find = (map: LinuxIdMapping[]) => map.find((x) => x.containerID === 0 && x.size > 0)?.hostID;
  const uid = m && find(m.uidMap);
  const gid = m && find(m.gidMap);
  return uid === undefined || gid === undefined ? undefined : { uid, gid };
}

/** The upper dir's owner is the rootfs root's: container root, mapped. */
export function chownUpper(upper: string, m: ContainerIdMap): void {
  fs.chownSync(upper, toHost(0, m.uidMap, 'uid', '/'), toHost(0, m.gidMap, 'gid', '/'));
}

/** Deletes a removed container's mapped layer copies unless another container uses the same mapping. */
export function releaseMappedLayers(e: EngineContext, c: ContainerConfig, layers: string[]): void {
  if (!c.idmap) return;
  const key = mapKey(c.idmap);
  for (const r of e.db.db.prepare('SELECT config FROM containers WHERE id != ?').all(c.id) as { config: string }[]) {
    const other = JSON.parse(r.config) as ContainerConfig;
    if (other.idmap && mapKey(other.idmap) === key) return;
  }
  for (const l of layers) fs.rmSync(mappedDir(e, l, key), { recursive: true, force: true });
}

function walk(dir: string, fn: (path: string, st: fs.Stats) => void): void {
  for (const name of fs.readdirSync(dir)) {
    const p = join(dir, name);
    const st = fs.lstatSync(p);
    fn(p, st);
    if (st.isDirectory()) walk(p, fn);
  }
}

/** Copies a layer dir tree with owners mapped; hardlinks stay hardlinks, xattrs (opaque markers) kept. */
function copyMapped(src: string, dest: string, m: ContainerIdMap): void {
  const links = new Map<string, string>();
  const dirs: [string, fs.Stats][] = [];
  const one = (from: string, to: string, st: fs.Stats) => {
    const rel = from.slice(src.length) || '/';
    const uid = toHost(st.uid, m.uidMap, 'uid', rel);
    const gid = toHost(st.gid, m.gidMap, 'gid', rel);
    if (st.isDirectory()) {
      if (to !== dest) fs.mkdirSync(to, 0o700);
      fs.lchownSync(to, uid, gid);
      dirs.push([to, st]); // mode and times last: children change the mtime
    } else if (st.nlink > 1 && links.has(`${st.dev}:${st.ino}`)) {
      fs.linkSync(links.get(`${st.dev}:${st.ino}`)!, to);
      return;
    } else if (st.isFile()) {
      fs.copyFileSync(from, to, fs.constants.COPYFILE_FICLONE);
      fs.lchownSync(to, uid, gid);
      fs.chmodSync(to, st.mode & 0o7777); // after chown, which clears setuid bits
    } else if (st.isSymbolicLink()) {
      fs.symlinkSync(fs.readlinkSync(from), to);
      fs.lchownSync(to, uid, gid);
    } else {
      // Whiteouts (0:0 character devices) and fifos.
      native().mknod(to, st.mode, Math.floor(Number(st.rdev) / 256) & 0xfff, Number(st.rdev) & 0xff);
      fs.lchownSync(to, uid, gid);
    }
    if (st.nlink > 1 && !st.isDirectory()) links.set(`${st.dev}:${st.ino}`, to);
    copyXattrs(from, to, st.isSymbolicLink());
    if (!st.isDirectory()) fs.lutimesSync(to, st.atime, st.mtime);
  };
  fs.mkdirSync(dest, 0o700);
  one(src, dest, fs.lstatSync(src));
  walk(src, (p, st) => one(p, dest + p.slice(src.length), st));
  for (const [d, st] of dirs.reverse()) {
    fs.chmodSync(d, st.mode & 0o7777);
    fs.utimesSync(d, st.atime, st.mtime);
  }
}

function copyXattrs(from: string, to: string, symlink: boolean): void {
  if (symlink) return; // user.* xattrs cannot be set on symlinks
  let names: string[];
  try { names = native().llistxattr(from); } catch { return; }
  for (const n of names) {
    const v = native().lgetxattr(from, n);
    // security.capability is tied to the namespace's root; a mapped copy would need it rewritten.
    if (v && n !== 'security.capability') native().lsetxattr(to, n, v);
  }
}

/** Overlay options for mounting this container's rootfs (mapped layer copies when it has a mapping). */
export function rootfsOptions(e: EngineContext, c: ContainerConfig, layers: string[]): OverlayOptions {
  return { ...e.overlayOptions(), ...(c.idmap ? { layerDirs: mappedLayerDirs(e, layers, c.idmap) } : {}) };
}

/**
 * runc 1.1 mounts the rootfs and every bind source from inside the
 * container's user namespace, so each path must be traversable by the
 * container's root. With keep-id that root owns husk's private (0700) store;
 * with --userns=auto or --uidmap it does not. For those, the sources under
 * the store or run root are bind-mounted (in husk's private mount namespace,
 * so no other user sees them) below /tmp/husk-userns-UID/ID, which is 0711,
 * and the spec points there.
 */
export function exposeMountSources(e: EngineContext, c: ContainerConfig, spec: Spec): void {
  const rl = e.config.rootless;
  if (!rl || !c.idmap || c.idmap.uidMap.some((m) => m.hostID === 0)) return;
  const dir = exposeDir(rl.uid, c.id);
  releaseExposed(rl.uid, c.id);
  fs.mkdirSync(dir, { mode: 0o711 });
  fs.chmodSync(dir, 0o711);
  let n = 0;
  const expose = (src: string, name: string) => {
    const target = join(dir, name);
    if (fs.statSync(src).isDirectory()) fs.mkdirSync(target);
    else fs.writeFileSync(target, '');
    native().mount(src, target, null, MS_BIND | MS_REC, null);
    return target;
  };
  const under = (p: string, root: string) => p === root || p.startsWith(`${root}/`);
  spec.root.path = expose(spec.root.path, 'rootfs');
  for (const m of spec.mounts) {
    if (m.type === 'bind' && m.source && (under(m.source, e.config.root) || under(m.source, e.config.runroot))) m.source = expose(m.source, `m${n++}`);
  }
}

function exposeDir(uid: number, id: string): string {
  const base = `/tmp/husk-userns-${uid}`;
  try {
    fs.mkdirSync(base, { mode: 0o711 });
  } catch (err) {
    if (!isErrno(err, 'EEXIST')) throw err;
  }
  // A shared /tmp: the name must be ours (uid 0 here is the user), a real directory.
  const st = fs.lstatSync(base);
  if (!st.isDirectory() || st.uid !== 0) throw new HuskError('ROOTLESS', `${base} is not a directory of this user: remove it`);
  return join(base, id);
}

/** Unmounts and deletes a container's exposed mount sources (nothing when it has none). */
export function releaseExposed(uid: number, id: string): void {
  const dir = join(`/tmp/husk-userns-${uid}`, id);
  if (!fs.existsSync(dir)) return;
  const mounts = fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n').map((l) => l.split(' ')[4] ?? '').filter((p) => p.startsWith(`${dir}/`));
  for (const p of mounts.sort().reverse()) try { native().umount2(p, MNT_DETACH); } catch {}
  fs.rmSync(dir, { recursive: true, force: true });
}
