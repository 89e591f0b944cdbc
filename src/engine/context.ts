// The engine: the one boundary the CLI (and later the REST API) calls. It
// wires configuration, the image store, the state database, the OCI runtime
// and the event log; lifecycle logic lives in the modules it delegates to.
import { closeSync, existsSync, mkdirSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { HuskError } from '../common/errors.ts';
import { dirname, join } from 'node:path';
import { withLock } from '../common/lock.ts';
import { logDebug } from '../common/log.ts';
import { installPath } from '../common/paths.ts';
import { ImageStore } from '../image/store.ts';
import { cgroupLayout, delegatedCgroup } from '../runtime/cgroups.ts';
import { chooseRuntime, OciRuntime, type RuntimeChoice } from '../runtime/oci.ts';
import { resolveConfig, type EngineOptions, type ResolvedConfig } from './config.ts';
import { EventLog } from './system/events.ts';
import type { OverlayOptions } from './container/rootfs.ts';
import { StateDB } from './state.ts';
import type { ExitMonitor } from './container/monitor.ts';
import { readOnlyBinary } from './held-binary.ts';

/** What guards conmon's exit command (see exitCommand). */
export const FLOCK = '/usr/bin/flock';

/**
 * A store keeps the driver it was created with in ROOT/storage-driver, the
 * way Podman keeps it in its database: an explicit --storage-driver of the
 * other kind is refused with Podman's message, and otherwise the store's own
 * driver wins over storage.conf's. Stores from before the record are overlay.
 */
function settleStorageDriver(cfg: ResolvedConfig): void {
  const file = join(cfg.root, 'storage-driver');
  let recorded: string | undefined;
  try {
    recorded = readFileSync(file, 'utf8').trim();
  } catch {
    recorded = existsSync(join(cfg.root, 'storage.db')) || existsSync(join(cfg.root, 'state.db')) ? 'overlay' : undefined;
    try {
      mkdirSync(cfg.root, { recursive: true });
      writeFileSync(file, `${recorded ?? cfg.storageDriver}\n`);
    } catch {
      // A store this user cannot write fails later, with the error of what was asked.
    }
  }
  if (!recorded || recorded === cfg.storageDriver) return;
  if (cfg.storageDriverExplicit) {
    throw new HuskError('INVALID_ARGUMENT', `database storage graph driver "${recorded}" does not match our storage graph driver "${cfg.storageDriver}": database configuration mismatch`);
  }
  if (recorded !== 'overlay' && recorded !== 'vfs') throw new HuskError('ENGINE', `${file}: unknown storage driver "${recorded}"`);
  cfg.storageDriver = recorded;
}

export class EngineContext {
  readonly config: ResolvedConfig;
  readonly images: ImageStore;
  readonly db: StateDB;
  readonly events: EventLog;
  private readonly options: EngineOptions;
  private choice: RuntimeChoice | undefined;
  private runtimes = new Map<string, OciRuntime>();
  private cgroups: { cgroupParent?: string; cgroupV1: boolean } | undefined;
  /** Set in a long-lived process (Engine.monitorExits): it cleans up after the containers it starts (container/monitor.ts). */
  exitMonitor: ExitMonitor | undefined;
  /** Read-only views of runtime binaries (held-binary.ts), closed with the engine. */
  private heldFds: number[] = [];

  constructor(options: EngineOptions = {}) {
    this.options = options;
    this.config = resolveConfig(options);
    // A rootless store is private: other users see neither images nor containers.
    if (this.config.rootless && !existsSync(this.config.root)) {
      mkdirSync(dirname(this.config.root), { recursive: true });
      mkdirSync(this.config.root, { mode: 0o700 });
    }
    settleStorageDriver(this.config);
    logDebug(`Using conmon: "${this.config.conmonPath}"`);
    logDebug(`Using graph driver ${this.config.storageDriver}`);
    logDebug(`Using graph root ${this.config.root}`);
    logDebug(`Using run root ${this.config.runroot}`);
    if (this.config.imageStore) logDebug(`Using image store ${this.config.imageStore}`);
    logDebug(`Initializing event backend ${this.config.eventsBackend}`);
    // --imagestore: the images elsewhere; the containers (and state.db) stay in the root.
    this.images = new ImageStore(this.config.imageStore ?? this.config.root);
    this.db = new StateDB(this.config.root);
    this.events = new EventLog(join(this.config.runroot, 'events', 'events.log'), this.config.eventsBackend === 'none');
  }

  close(): void {
    this.images.close();
    this.db.close();
    for (const fd of this.heldFds.splice(0)) try { closeSync(fd); } catch {}
  }

  /** The default runtime for new containers (with the host fallback applied). */
  runtimeChoice(): RuntimeChoice {
    if (!this.choice) {
      this.choice = chooseRuntime(this.config.runtime, this.config.runtimePaths);
      logDebug(`Using OCI runtime "${this.choice.path}"`);
    }
    return this.choice;
  }

  /** The runtime a container was created with; noCgroups for --cgroups=disabled (crun's --cgroup-manager=disabled on every call). */
  runtime(name?: string, noCgroups = false): OciRuntime {
    const n = name ?? this.runtimeChoice().name;
    const key = noCgroups ? `${n}\0nocgroups` : n;
    let r = this.runtimes.get(key);
    if (!r) {
      let choice = n === this.runtimeChoice().name ? this.runtimeChoice() : chooseRuntime(n, this.config.runtimePaths);
      // A long-lived engine runs crun from a read-only view of its binary (held-binary.ts).
      const held = this.exitMonitor && choice.name === 'crun' ? readOnlyBinary(choice.path, join(this.config.runroot, 'runtime')) : undefined;
      if (held) {
        this.heldFds.push(held.fd);
        choice = { ...choice, path: held.path };
      }
      const rl = this.rootlessCgroups();
      r = new OciRuntime(choice, this.config.runroot, {
        cgroups: !noCgroups && (!rl || rl.cgroupParent !== undefined),
        flags: [...(this.config.runtimeFlags ?? []), ...(noCgroups ? ['--cgroup-manager=disabled'] : [])],
      });
      this.runtimes.set(key, r);
    }
    return r;
  }

  /** Rootless cgroup facts for the spec (undefined when rootful); see SpecContext.rootless. */
  rootlessCgroups(): { cgroupParent?: string; cgroupV1: boolean } | undefined {
    if (!this.config.rootless) return undefined;
    return (this.cgroups ??= { cgroupParent: delegatedCgroup(), cgroupV1: cgroupLayout() !== 'v2' });
  }

  /** Whether containers here are full copies (vfs) rather than overlay mounts. */
  get vfs(): boolean {
    return this.config.storageDriver === 'vfs';
  }

  /** How container rootfs overlays are mounted here (rootless: userxattr or fuse-overlayfs). */
  overlayOptions(): OverlayOptions {
    return {
      userxattr: !!this.config.rootless, mountProgram: this.config.mountProgram,
      driver: this.config.storageDriver, ignoreChownErrors: this.config.ignoreChownErrors,
    };
  }

  /** ROOT/containers/ID: overlay upper/work/merged and the bundle (userdata). */
  containerDir(id: string): string {
    return join(this.config.root, 'containers', id);
  }

  bundleDir(id: string): string {
    return join(this.containerDir(id), 'userdata');
  }

  /** RUNROOT/containers/ID: pid files and generated files; gone after reboot. */
  runDir(id: string): string {
    return join(this.config.runroot, 'containers', id);
  }

  exitDir(): string {
    return join(this.config.runroot, 'exits');
  }

  exitFile(id: string): string {
    return join(this.exitDir(), id);
  }

  socketDir(): string {
    return join(this.config.runroot, 'socket');
  }

  lockPath(id: string): string {
    return join(this.config.runroot, 'locks', `${id}.lock`);
  }

  /**
   * fn under the container's lock. A command that waited for it while another
   * removed the container re-created the file by opening it (rm unlinks it
   * last, see removeLocked): it goes again here, so no lock file outlives its container.
   */
  async withContainerLock<T>(id: string, fn: () => Promise<T> | T): Promise<T> {
    try {
      return await withLock(this.lockPath(id), fn);
    } finally {
      try {
        if (!this.db.get(id)) unlinkSync(this.lockPath(id));
      } catch {}
    }
  }

  /** Reads conmon's exit file: the exit code and when it was written, if present. */
  readExit(id: string): { code: number; at: Date } | undefined {
    try {
      const f = this.exitFile(id);
      const text = readFileSync(f, 'utf8').trim();
      if (!text) return undefined;
      return { code: Number(text), at: statSync(f).mtime };
    } catch {
      return undefined;
    }
  }

  ensureDirs(): void {
    for (const d of [this.exitDir(), this.socketDir(), join(this.config.runroot, 'locks')]) {
      if (!existsSync(d)) mkdirSync(d, { recursive: true });
    }
  }

  /**
   * Held by an attached foreground client, which then cleans up itself.
   * Inside the run dir, which rm deletes: `flock` creates a missing lock file,
   * so an exit command that runs after the rm must find no directory to create it in.
   */
  foregroundLockPath(id: string): string {
    return join(this.runDir(id), 'fg.lock');
  }

  /**
   * argv conmon runs when a container exits: this husk's `container cleanup`,
   * behind `flock -n` on the foreground lock so no second Node process starts
   * (and competes for CPU) while an attached `husk run` is cleaning up anyway.
   * If that client dies before the exit, the kernel drops its lock and the
   * cleanup runs; if it dies after, the next start/stop/rm cleans up.
   * Unguarded for a restart by policy: no client is attached, and the
   * cleanup that restarts it holds the lock (through flock) while it runs.
   */
  exitCommand(id: string, guarded = true): string[] {
    const guard = guarded && existsSync(FLOCK) ? [FLOCK, '-n', '-E', '0', this.foregroundLockPath(id)] : [];
    return [...guard, ...this.huskCommand(['container', 'cleanup', id])];
  }

  /** argv of this husk on this store (root, runroot, runtime) running `args`: what conmon and the health timer run. */
  huskCommand(args: string[]): string[] {
    // A short-lived command (a cleanup, a health check), run as bin/husk runs those.
    const base = this.config.exitCommand ?? [process.execPath, '--no-rehash-snapshot', '--jitless', '--min-semi-space-size=4', installPath('dist/husk.cjs')];
    const globals = ['--root', this.config.root, '--runroot', this.config.runroot];
    if (this.options.runtime) globals.push('--runtime', this.options.runtime);
    // The cleanup and health checks run with the same runtime flags and events backend.
    for (const f of this.config.runtimeFlags) globals.push(`--runtime-flag=${f.replace(/^--?/, '')}`);
    if (this.config.eventsBackend !== 'file') globals.push(`--events-backend=${this.config.eventsBackend}`);
    if (this.config.networkConfigDir) globals.push('--network-config-dir', this.config.networkConfigDir);
    if (this.config.imageStore) globals.push('--imagestore', this.config.imageStore);
    return [...base, ...globals, ...args];
  }
}
