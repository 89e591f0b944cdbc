// A runtime binary on a read-only mount, for a long-lived engine. crun (as
// runc) guards the host's binary against a container that would write to
// /proc/PID/exe: at every start it re-executes itself from a read-only bind
// mount or a sealed copy it makes, unless its binary already sits on a
// read-only mount. That second exec and dynamic link cost ~10 ms of CPU per
// call, three calls per container (create, start, delete). A long-lived
// engine makes the mount once: a read-only bind of the binary, opened, then
// detached at once, so no mount is left in the host's tree while the open
// file keeps the read-only view alive; the runtime then runs as
// /proc/PID/fd/N. The protection is the same one crun would set up itself.
// A binary upgraded on disk is used from the engine's next start.
import { mkdirSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { native, MNT_DETACH, MS_BIND, MS_RDONLY, MS_REMOUNT } from '../common/native.ts';

/** A read-only view of `path` (its fd, and /proc/PID/fd/N to run), or undefined where it cannot be made (not root, no mounts). */
export function readOnlyBinary(path: string, scratchDir: string): { fd: number; path: string } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const target = join(scratchDir, `.ro-${basename(path)}-${process.pid}`);
  try {
    mkdirSync(scratchDir, { recursive: true });
    writeFileSync(target, '');
    native().mount(path, target, null, MS_BIND, null);
    try {
      native().mount(null, target, null, MS_BIND | MS_REMOUNT | MS_RDONLY, null);
      const fd = openSync(target, 'r');
      return { fd, path: `/proc/${process.pid}/fd/${fd}` };
    } finally {
      native().umount2(target, MNT_DETACH);
    }
  } catch {
    return undefined;
  } finally {
    try { rmSync(target, { force: true }); } catch {}
  }
}
