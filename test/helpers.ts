// Test harness: every test file gets its own husk store (graph root and run
// root in a fresh temp dir) and drives the real CLI or the real library.
// Nothing is mocked: containers run under conmon and the OCI runtime.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';

export const REPO = join(import.meta.dirname, '..');
export const HUSK = join(REPO, 'bin/husk');

let forUsers: string | undefined;

/**
 * The husk launcher for tests that run husk as another user: the checkout's
 * own when that user can reach it, else (a clone in root's 0700 home) a
 * world-readable copy that scripts/install.sh makes once per test process
 * (hard links into /var/tmp) and that is removed at exit.
 */
export function huskForUsers(): string {
  if (forUsers) return forUsers;
  const probe = spawnSync('runuser', ['-u', 'nobody', '--', 'test', '-r', join(REPO, 'dist/husk.cjs'), '-a', '-x', join(REPO, 'native/build/husk-ns'),
    '-a', '-x', join(REPO, 'node_modules/node/bin/node'), '-a', '-x', HUSK]);
  if (probe.status === 0) return (forUsers = HUSK);
  const dir = mkdtempSync('/var/tmp/husk-install-');
  chmodSync(dir, 0o755);
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  execFileSync('sh', [join(REPO, 'scripts/install.sh'), join(dir, 'husk'), '-'], { env: { ...process.env, HUSK_INSTALL_HARDLINK: '1' }, stdio: 'inherit' });
  return (forUsers = join(dir, 'husk/bin/husk'));
}
export const FIXTURES = join(REPO, 'test/fixtures/out');

export interface Result { code: number; stdout: string; stderr: string }

export class Store {
  readonly dir: string;
  readonly root: string;
  readonly runroot: string;

  constructor(prefix = 'husk-test-') {
    this.dir = mkdtempSync(join('/var/tmp', prefix));
    this.root = join(this.dir, 'root');
    this.runroot = join(this.dir, 'run');
  }

  get globals(): string[] {
    return ['--root', this.root, '--runroot', this.runroot];
  }

  /** Runs husk synchronously. */
  husk(args: string[], opts: { input?: string; env?: Record<string, string>; timeout?: number } = {}): Result {
    const r = spawnSync(HUSK, [...this.globals, ...args], {
      input: opts.input ?? '', encoding: 'utf8', env: { ...process.env, ...opts.env }, timeout: opts.timeout ?? 60_000,
    });
    return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
  }

  /** Runs husk asynchronously (for concurrency tests). */
  huskAsync(args: string[]): Promise<Result> {
    return new Promise((resolve) => {
      const child = spawn(HUSK, [...this.globals, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => (stdout += d));
      child.stderr.on('data', (d) => (stderr += d));
      child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    });
  }

  /** husk that must succeed; returns trimmed stdout. */
  ok(args: string[], opts: { input?: string } = {}): string {
    const r = this.husk(args, opts);
    if (r.code !== 0) throw new Error(`husk ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
    return r.stdout.trim();
  }

  /** Imports the busybox fixture as localhost/busybox:latest. */
  busybox(): string {
    return this.ok(['import', join(FIXTURES, 'busybox-rootfs.tar'), 'busybox']);
  }

  /**
   * destroy(), then waits until no process (a conmon, or the `container
   * cleanup` it runs on exit) still refers to the store, which a late cleanup
   * would otherwise partly recreate.
   */
  async destroyWhenIdle(): Promise<void> {
    try {
      this.destroy();
    } finally {
      const busy = () => readdirSync('/proc').some((p) => {
        if (!/^\d+$/.test(p) || Number(p) === process.pid) return false;
        try { return readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(this.dir); } catch { return false; }
      });
      await until(() => !busy(), 10_000).catch(() => {});
      rmSync(this.dir, { recursive: true, force: true });
    }
  }

  /** Removes every container and the store; fails loudly if mounts leak. */
  destroy(): void {
    this.husk(['pod', 'rm', '-af']);
    this.husk(['rm', '-af']);
    // Any mount left under the store (overlay, a netns's nsfs, a volume) is a leak: named, then undone.
    const leaked = mountsUnder(this.dir);
    for (const m of leaked.reverse()) spawnSync('umount', ['-l', m.split(' ')[0]]);
    rmSync(this.dir, { recursive: true, force: true });
    if (leaked.length) throw new Error(`mounts leaked: ${leaked.join(', ')}`);
  }
}

/** "MOUNTPOINT FSTYPE" of every mount at or below dir in this mount namespace, outermost first. */
export function mountsUnder(dir: string): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter(Boolean).map((l) => {
    const [pre, post] = l.split(' - ');
    return `${pre.split(' ')[4]} ${post.split(' ')[0]}`;
  }).filter((m) => m.startsWith(`${dir}/`) || m.startsWith(`${dir} `));
}

/** Mount points of overlay filesystems currently mounted on the host. */
export function overlayMounts(): string[] {
  return readFileSync('/proc/mounts', 'utf8').split('\n').filter((l) => l.startsWith('overlay ')).map((l) => l.split(' ')[1]);
}

export async function until<T>(fn: () => T | undefined | false, timeoutMs = 10_000, stepMs = 50): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > end) throw new Error('timed out waiting for condition');
    await new Promise((r) => setTimeout(r, stepMs));
  }
}

/**
 * A throw-away unprivileged user for rootless tests (the test must run as
 * root): `useradd -m` with `subids` subordinate uids and gids (0: none),
 * husk run as that user through runuser, and remove() to kill what it left
 * running and delete the user, its home and its /tmp directories.
 */
export class TestUser {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
  readonly home: string;

  constructor(name: string, subids = 65536) {
    const r = spawnSync('useradd', ['-m', '-K', `SUB_UID_COUNT=${subids}`, '-K', `SUB_GID_COUNT=${subids}`, name], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`useradd ${name}: ${r.stderr}`);
    const [, , uid, gid, , home] = readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith(`${name}:`))!.split(':');
    this.name = name;
    this.uid = Number(uid);
    this.gid = Number(gid);
    this.home = home!;
  }

  /** The user's subordinate uid range from /etc/subuid (undefined when it has none). */
  subuid(): { start: number; count: number } | undefined {
    const l = readFileSync('/etc/subuid', 'utf8').split('\n').find((x) => x.startsWith(`${this.name}:`));
    return l ? { start: Number(l.split(':')[1]), count: Number(l.split(':')[2]) } : undefined;
  }

  /** Runs husk (huskForUsers()) as this user, with a login-like environment (no XDG_RUNTIME_DIR unless given). */
  husk(args: string[], opts: { env?: Record<string, string>; timeout?: number } = {}): Result {
    return this.run([huskForUsers(), ...args], opts);
  }

  run(argv: string[], opts: { env?: Record<string, string>; timeout?: number } = {}): Result {
    const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: this.home, USER: this.name, LOGNAME: this.name, ...opts.env };
    const r = spawnSync('runuser', ['-u', this.name, '--', ...argv], { cwd: '/', env, encoding: 'utf8', input: '', timeout: opts.timeout ?? 60_000 });
    return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
  }

  /** husk that must succeed; returns trimmed stdout. */
  ok(args: string[], opts: { env?: Record<string, string> } = {}): string {
    const r = this.husk(args, opts);
    if (r.code !== 0) throw new Error(`husk ${args.join(' ')} as ${this.name} exited ${r.code}: ${r.stderr}`);
    return r.stdout.trim();
  }

  /** Processes running as the user or as one of its subordinate uids (containers, conmon, the pause process). */
  pids(): number[] {
    const sub = this.subuid();
    return readdirSync('/proc').filter((p) => /^\d+$/.test(p)).map(Number).filter((pid) => {
      try {
        const uid = Number(/^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]);
        return uid === this.uid || (!!sub && uid >= sub.start && uid < sub.start + sub.count);
      } catch { return false; }
    });
  }

  remove(): void {
    this.husk(['rm', '-af', '-t', '0'], { timeout: 30_000 });
    for (let i = 0; i < 3; i++) for (const pid of this.pids()) try { process.kill(pid, 'SIGKILL'); } catch {}
    spawnSync('userdel', ['-r', '-f', this.name]);
    for (const d of [`/tmp/husk-run-${this.uid}`, `/tmp/husk-userns-${this.uid}`]) rmSync(d, { recursive: true, force: true });
  }
}

/** A loop device over an 8 MB file in dir (a real block device for blkio throttles): its path and MAJOR:MINOR. */
export function loopDevice(dir: string): { path: string; majmin: string; detach(): void } {
  const file = join(dir, `disk-${process.pid}`);
  execFileSync('truncate', ['-s', '8M', file]);
  const path = execFileSync('losetup', ['-f', '--show', file], { encoding: 'utf8' }).trim();
  const rdev = statSync(path).rdev;
  return { path, majmin: `${Math.floor(rdev / 256) & 0xfff}:${(rdev & 0xff) | ((rdev >> 12) & 0xfff00)}`, detach: () => execFileSync('losetup', ['-d', path]) };
}

/** Removes a --cgroup-parent's directories (and their empty children) under every v1 controller and the v2 tree. */
export function removeCgroupParent(parent: string): void {
  for (const c of ['cpu', 'cpuacct', 'cpuset', 'memory', 'blkio', 'pids', 'devices', 'freezer', 'systemd', 'unified']) {
    const dir = `/sys/fs/cgroup/${c}/${parent}`;
    if (!existsSync(dir)) continue;
    for (const sub of readdirSync(dir, { withFileTypes: true })) if (sub.isDirectory()) try { rmdirSync(join(dir, sub.name)); } catch {}
    try { rmdirSync(dir); } catch {}
  }
}
