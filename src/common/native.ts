// Typed binding for native/husk.c: the syscalls Node does not expose.
// Loaded lazily so commands that never mount or lock do not pay for dlopen.
import { installPath } from './paths.ts';

export interface Native {
  mount(source: string | null, target: string, fstype: string | null, flags: number, data: string | null): void;
  umount2(target: string, flags: number): void;
  mknod(path: string, mode: number, major: number, minor: number): void;
  lsetxattr(path: string, name: string, value: Buffer): void;
  /** null when the attribute is absent or xattrs are unsupported. */
  lgetxattr(path: string, name: string): Buffer | null;
  llistxattr(path: string): string[];
  flock(fd: number, op: number): void;
  getrlimit(resource: number): [number, number];
  seqpacketConnect(path: string): number;
  shutdown(fd: number, how: number): void;
  isatty(fd: number): boolean;
  /** posix_spawn: the child's fd i is fds[i] (-1: /dev/null), no other fd; returns its pid. */
  spawn(file: string, argv: string[], env: string[], fds: number[], cwd: string | null, setsid: boolean): number;
  /** [readFd, writeFd], close-on-exec; the read end non-blocking when asked. */
  pipe(nonblockRead?: boolean): [number, number];
  /** The child's wait status once it has exited, else -1; never blocks. */
  reap(pid: number): number;
  /** Watches fd on Node's event loop (and makes it non-blocking); cb gets FD_READABLE | FD_WRITABLE. */
  fdWatch(fd: number, cb: (events: number) => void): FdWatch;
  /** What to wait for: a mask of FD_READABLE and FD_WRITABLE; 0 stops (an active watch keeps the process alive). */
  fdWatchSet(w: FdWatch, events: number): void;
  /** Ends the watch; call before closing the fd. */
  fdWatchClose(w: FdWatch): void;
  /** read(2): bytes, 0 at EOF, or -errno (-EAGAIN when nothing is there yet); never throws. */
  fdRead(fd: number, buf: Buffer): number;
  /** write(2): bytes written or -errno; never throws. */
  fdWrite(fd: number, buf: Buffer): number;
}

declare const fdWatchBrand: unique symbol;
export type FdWatch = { readonly [fdWatchBrand]: true };
export const FD_READABLE = 1, FD_WRITABLE = 2;
export const EAGAIN = 11;

export const MS_RDONLY = 1, MS_NOSUID = 2, MS_NODEV = 4, MS_NOEXEC = 8, MS_REMOUNT = 32, MS_BIND = 4096, MS_REC = 16384, MS_PRIVATE = 1 << 18;
export const MNT_DETACH = 2;
export const LOCK_SH = 1, LOCK_EX = 2, LOCK_NB = 4, LOCK_UN = 8;
export const RLIMIT_NPROC = 6, RLIMIT_NOFILE = 7;
export const S_IFCHR = 0o020000;

let loaded: Native | undefined;

export function native(): Native {
  if (!loaded) {
    // process.dlopen rather than createRequire, which loads node:module (and its
    // source-map support) on every command that locks. A second dlopen of the
    // addon boot.ts loaded just runs its init again: fresh functions, one library.
    const m = { exports: {} as Native };
    process.dlopen(m, installPath('native/build/husk.node'));
    loaded = m.exports;
  }
  return loaded;
}
