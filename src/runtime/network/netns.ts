// Persistent network namespaces: a file under husk's run root with the
// namespace bind-mounted on it, so netavark can configure it before the
// container exists and the OCI runtime can join it by path.
//
// Node cannot unshare(CLONE_NEWNET) itself: the call affects only the calling
// thread, and Node runs several. util-linux's `unshare --net=FILE true` does
// it in a child: it unshares, bind-mounts /proc/PID/ns/net onto FILE (which
// must exist) and exits; the mount keeps the namespace alive.
//
// No private propagation of the directory is needed: the bind mount works on
// shared and private parent mounts alike (both checked). On a shared mount it
// propagates to peer mount namespaces, and the umount propagates back. Copies
// in private mount namespaces made while it existed are detached by the
// kernel when the file is unlinked (also checked), so none keeps it alive.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HuskError, isErrno } from '../../common/errors.ts';
import { MNT_DETACH, native } from '../../common/native.ts';

/** Where husk keeps its namespaces: RUNROOT/netns. */
export function netnsDir(runroot: string): string {
  return join(runroot, 'netns');
}

/** Creates a new network namespace (with only a down `lo`) and returns its path. */
export async function createNetns(dir: string, name = `netns-${randomBytes(16).toString('hex')}`): Promise<string> {
  if (name.includes('/')) throw new HuskError('INVALID_ARGUMENT', `invalid namespace name "${name}"`);
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  const path = join(dir, name);
  // "wx": never reuse a path that may still carry someone else's namespace.
  writeFileSync(path, '', { flag: 'wx', mode: 0o444 });
  try {
    await new Promise<void>((resolve, reject) => {
      execFile('unshare', [`--net=${path}`, 'true'], { env: { ...process.env, PATH: '/usr/bin:/bin:/usr/sbin:/sbin' } }, (err, _stdout, stderr) => {
        if (err) reject(new HuskError('RUNTIME', `creating network namespace ${path}: ${stderr.trim() || err.message}`));
        else resolve();
      });
    });
  } catch (e) {
    rmSync(path, { force: true });
    throw e;
  }
  return path;
}

/** Unmounts and removes a namespace file; missing or unmounted files are fine (idempotent). */
export function deleteNetns(path: string): void {
  try {
    native().umount2(path, MNT_DETACH);
  } catch (e) {
    // EINVAL: not a mount point (a half-created namespace, or already unmounted).
    if (!isErrno(e, 'ENOENT') && !isErrno(e, 'EINVAL')) {
      throw new HuskError('RUNTIME', `unmounting network namespace ${path}: ${(e as Error).message}`);
    }
  }
  rmSync(path, { force: true });
}

/** Whether `path` currently has a network namespace mounted on it. */
export function isNetnsMounted(path: string): boolean {
  try {
    return readFileSync('/proc/self/mountinfo', 'utf8').split('\n').some((l) => {
      const f = l.split(' ');
      return f[4] === path && l.includes(' - nsfs ');
    });
  } catch {
    return false;
  }
}
