// Host devices given to a container: the spec's devices and,
// for --privileged, every device node directly under the host's /dev.
import { readdirSync, statSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import { invalidArgument } from '../../common/errors.ts';
import type { Device } from '../../runtime/spec/types.ts';
import type { DeviceSpec } from '../../specgen/container.ts';

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

/** The device node a DeviceSpec names, as it is on the host now (at each start: numbers may change). */
export function resolveDevice(d: DeviceSpec): { device: Device; permissions: string } {
  let st: Stats;
  try {
    st = statSync(d.path);
  } catch {
    throw invalidArgument(`stat ${d.path}: no such file or directory`);
  }
  const device = toDevice(st, d.containerPath ?? d.path);
  if (!device) throw invalidArgument(`${d.path} is not a device`);
  return { device, permissions: d.permissions ?? 'rwm' };
}

/**
 * A --device-*-bps/-iops or --blkio-weight-device path's numbers, from stat as
 * Podman's FinishThrottleDevices reads them (at create for the error, at each start for the numbers).
 */
export function blockDeviceNumbers(path: string): { major: number; minor: number } {
  try {
    return majorMinor(statSync(path).rdev);
  } catch (err) {
    throw invalidArgument(`could not parse throttle device at ${path}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : (err as Error).message}`);
  }
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
