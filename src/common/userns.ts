// Rootless detection. A non-root husk runs inside its user namespace (entered
// by native/husk-ns before Node starts), where getuid() is 0; the mapping in
// /proc/self/uid_map tells the real story: anything but the identity map of
// the initial namespace means rootless, and the id that 0 maps to is the
// invoking user's.
import { accessSync, constants, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { HuskError } from './errors.ts';

export interface IdMap { containerID: number; hostID: number; size: number }

export interface Rootless {
  /** The invoking user's uid and gid on the host. */
  uid: number;
  gid: number;
  /** This process's uid/gid maps (inside id → outside id), empty outside the namespace. */
  uidMap: IdMap[];
  gidMap: IdMap[];
}

let cached: Rootless | null | undefined;

function readMap(file: string): IdMap[] {
  try {
    return readFileSync(file, 'utf8').trim().split('\n').map((l) => {
      const [c, h, s] = l.trim().split(/\s+/).map(Number);
      return { containerID: c!, hostID: h!, size: s! };
    });
  } catch {
    return [];
  }
}

/** The rootless identity, or undefined for real root. */
export function rootless(): Rootless | undefined {
  if (cached !== undefined) return cached ?? undefined;
  const uid = process.getuid?.() ?? 0;
  if (uid !== 0) return (cached = { uid, gid: process.getgid?.() ?? 0, uidMap: [], gidMap: [] });
  const uidMap = readMap('/proc/self/uid_map');
  const full = uidMap.length === 1 && uidMap[0]!.containerID === 0 && uidMap[0]!.hostID === 0 && uidMap[0]!.size === 4294967295;
  if (full || !uidMap.length) {
    cached = null;
    return undefined;
  }
  const gidMap = readMap('/proc/self/gid_map');
  const outside = (m: IdMap[]) => m.find((e) => e.containerID === 0)?.hostID ?? 0;
  return (cached = { uid: outside(uidMap), gid: outside(gidMap), uidMap, gidMap });
}

/** Whether this process is inside husk's (or any) user namespace, able to do rootless storage work. */
export function inUserNamespace(): boolean {
  const r = rootless();
  return !!r && r.uidMap.length > 0;
}

/** Per-user run directory: $XDG_RUNTIME_DIR/husk, else /tmp/husk-run-UID/husk (native/husk-ns.c agrees). */
export function rootlessRunDir(uid: number): string {
  return join(process.env.XDG_RUNTIME_DIR || `/tmp/husk-run-${uid}`, 'husk');
}

/** The pause process's pid file, which keeps the namespace alive between commands. */
export function pausePidFile(uid: number): string {
  return join(rootlessRunDir(uid), 'pause.pid');
}

/**
 * overlayfs keeps its own state (opaque dirs, redirects) in trusted.overlay.*
 * xattrs; in a user namespace only user.* xattrs can be written, and the
 * overlay is mounted with `userxattr` so it reads user.overlay.* instead.
 */
export function overlayXattr(name: 'opaque'): string {
  return `${rootless() ? 'user' : 'trusted'}.overlay.${name}`;
}

/** The host's name for a uid (from /etc/passwd), else "uid N". */
export function userName(uid: number): string {
  try {
    for (const l of readFileSync('/etc/passwd', 'utf8').split('\n')) {
      const f = l.split(':');
      if (f[2] === String(uid) && f[0]) return f[0];
    }
  } catch {}
  return `uid ${uid}`;
}

const covers = (m: IdMap[], id: number) => m.some((e) => id >= e.containerID && id < e.containerID + e.size);

/**
 * Why a chown to uid:gid failed with EINVAL in the namespace: the id lies
 * beyond the user's subordinate ranges. Undefined when both are mapped.
 */
export function unmappedIdMessage(uid: number, gid: number): string | undefined {
  const r = rootless();
  if (!r || !r.uidMap.length) return undefined;
  const bad = !covers(r.uidMap, uid) ? `uid ${uid}` : !covers(r.gidMap, gid) ? `gid ${gid}` : undefined;
  if (!bad) return undefined;
  const name = userName(r.uid);
  const map = bad.startsWith('uid') ? r.uidMap : r.gidMap;
  const top = Math.max(...map.map((e) => e.containerID + e.size)) - 1;
  return `${bad} is not mapped in the rootless user namespace of ${name}, which maps ids 0-${top} only (${describeMap(map)}): ` +
    `give ${name} a larger range in /etc/subuid and /etc/subgid (65536 ids is usual, e.g. usermod --add-subuids 100000-165535 --add-subgids 100000-165535 ${name}), then run "husk system migrate"`;
}

/** "0-65536 → 1001, 165536-231071" style description of the namespace's uid map, for errors. */
export function describeMap(m: IdMap[]): string {
  return m.map((e) => `${e.containerID}-${e.containerID + e.size - 1} → ${e.hostID}${e.size > 1 ? `-${e.hostID + e.size - 1}` : ''}`).join(', ');
}

/**
 * Rootless helpers open host devices (/dev/fuse for fuse-overlayfs,
 * /dev/net/tun for slirp4netns). Hosts without udev leave them 0600 root;
 * say which device and how to fix it instead of the helper's own error.
 */
export function requireDevice(path: string, purpose: string): void {
  try {
    accessSync(path, constants.R_OK | constants.W_OK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'error';
    throw new HuskError('ROOTLESS', `${path} is not usable by this user (${code}): ${purpose} needs it readable and writable; as root run "chmod 0666 ${path}" (udev does this on most hosts; scripts/setup.sh does it here)`);
  }
}
