// Host devices given to a container: --device HOST[:CONTAINER][:PERMS] and,
// for --privileged, every device node directly under the host's /dev.
import { readdirSync, statSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import { invalidArgument } from '../../common/errors.ts';
import type { Device } from '../../runtime/spec/types.ts';

function majorMinor(rdev: number): { major: number; minor: number } {
  // glibc's dev_t encoding, for rdev up to 2^53 (JS numbers).
  const hi = Math.floor(rdev / 2 ** 32);
  const lo = rdev >>> 0;
  return { major: ((lo >>> 8) & 0xfff) | ((hi & 0xfffff000) >>> 0), minor: (lo & 0xff) | ((lo >>> 12) & 0xfff00) };
}

function toDevice(st: Stats, path: string): Device | undefined {
  if (!st.isCharacterDevice() && !st.isBlockDevice()) return undefined;
  return { path, type: st.isCharacterDevice() ? 'c' : 'b', ...majorMinor(st.rdev), fileMode: st.mode & 0o7777, uid: st.uid, gid: st.gid };
}

export function parseDevice(spec: string): { device: Device; permissions: string } {
  const parts = spec.split(':');
  const host = parts[0];
  let target = host;
  let perms = 'rwm';
  if (parts.length === 2) {
    if (/^[rwm]+$/.test(parts[1])) perms = parts[1];
    else target = parts[1];
  } else if (parts.length === 3) {
    target = parts[1];
    perms = parts[2];
  } else if (parts.length > 3) throw invalidArgument(`invalid device specification "${spec}"`);
  if (!/^[rwm]+$/.test(perms)) throw invalidArgument(`invalid device permissions "${perms}" in "${spec}": must be a combination of r, w and m`);
  if (!host.startsWith('/') || !target.startsWith('/')) throw invalidArgument(`invalid device "${spec}": paths must be absolute`);
  let st: Stats;
  try {
    st = statSync(host);
  } catch {
    throw invalidArgument(`stat ${host}: no such file or directory`);
  }
  const device = toDevice(st, target);
  if (!device) throw invalidArgument(`${host} is not a device`);
  return { device, permissions: perms };
}

const SKIP = new Set(['console', 'ptmx', 'pts', 'tty', 'shm', 'mqueue', 'fd', 'stdin', 'stdout', 'stderr', 'core']);

export function hostDevices(): { device: Device; permissions: string }[] {
  const out = [];
  for (const name of readdirSync('/dev')) {
    if (SKIP.has(name)) continue;
    try {
      const d = toDevice(statSync(join('/dev', name)), join('/dev', name));
      if (d) out.push({ device: d, permissions: 'rwm' });
    } catch {}
  }
  return out;
}
