// Engine configuration: store paths and runtime choice, from defaults,
// Podman's config files (containers.conf; husk's own storage.conf) and the
// caller's options, in that order of precedence (last wins).
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse } from 'smol-toml';
import { HuskError } from '../common/errors.ts';
import { rootless, rootlessRunDir, type Rootless } from '../common/userns.ts';

export interface EngineOptions {
  /** Graph root: images, layers, container upper dirs, state database. */
  root?: string;
  /** Run root: volatile state (exit files, sockets, locks, events). */
  runroot?: string;
  /** OCI runtime name (crun, runc) or absolute path. */
  runtime?: string;
  /** Path to conmon. */
  conmonPath?: string;
  /** Command conmon runs when a container exits: [argv0, ...args]; defaults to this husk. */
  exitCommand?: string[];
  /** Default ulimits like containers.conf's default_ulimits ("nofile=1024:2048"). */
  defaultUlimits?: string[];
  /** Default pids limit (containers.conf pids_limit). */
  pidsLimit?: number;
  /** Global flags for the OCI runtime (--runtime-flag), already with their dashes. */
  runtimeFlags?: string[];
  eventsBackend?: 'file' | 'none';
  /** containers.conf modules (--module): absolute paths or names under containers.conf.modules. */
  modules?: string[];
  storageDriver?: string;
  storageOpts?: string[];
  networkConfigDir?: string;
  /**
   * Sockets systemd passed to the caller (LISTEN_FDS, LISTEN_FDNAMES), which a
   * container it starts inherits as fds 3... The CLI passes its own; a server
   * never does, so its activation socket stays its own.
   */
  socketActivation?: { fds: number; names?: string };
  /** See ConnectOptions.inheritedFds. */
  inheritedFds?: number;
  /** See ConnectOptions.oneShot. */
  oneShot?: boolean;
  /** --imagestore; storage.conf [storage] imagestore. */
  imageStore?: string;
}

export interface ResolvedConfig {
  root: string;
  runroot: string;
  runtime: string | undefined;
  runtimePaths: Record<string, string[]>;
  conmonPath: string;
  exitCommand: string[] | undefined;
  defaultUlimits: string[];
  pidsLimit: number;
  /** containers.conf seccomp_profile, when set. */
  seccompProfile: string | undefined;
  /** containers.conf [containers] netns: the network mode of containers that name none. */
  netns: string | undefined;
  /** containers.conf [network] default_network: what `--network bridge` means (default "podman"). */
  defaultNetwork: string;
  /** containers.conf [network] default_rootless_network_cmd: slirp4netns (default, as Podman 4) or pasta. */
  rootlessNetworkCmd?: 'slirp4netns' | 'pasta';
  /** Files read, for `husk info`. */
  configFiles: string[];
  /** Set when husk runs for a non-root user (inside its user namespace). */
  rootless: Rootless | undefined;
  /**
   * The storage driver: --storage-driver, else storage.conf [storage] driver,
   * else overlay. EngineContext settles it against the store's own record.
   */
  storageDriver: StorageDriver;
  /** Whether --storage-driver chose it (a store of the other driver is then refused). */
  storageDriverExplicit: boolean;
  /** vfs.ignore_chown_errors: a copy keeps going where an owner cannot be set (single-id rootless users). */
  ignoreChownErrors: boolean;
  /** storage.conf [storage.options.overlay] mount_program (fuse-overlayfs), if set. */
  mountProgram: string | undefined;
  runtimeFlags: string[];
  eventsBackend: 'file' | 'none';
  /** --network-config-dir; unset: ROOT/networks. */
  networkConfigDir: string | undefined;
  socketActivation: { fds: number; names?: string } | undefined;
  inheritedFds: number | undefined;
  oneShot: boolean;
  /** Health checks may run from systemd timers (Podman's DISABLE_HC_SYSTEMD=true turns it off). */
  systemdHealthTimers: boolean;
  /** Where images live: --imagestore / storage.conf imagestore, else ROOT itself. */
  imageStore: string | undefined;
}

export type StorageDriver = 'overlay' | 'vfs';
const DRIVERS: readonly string[] = ['overlay', 'vfs'];

function storageDriver(name: string, from: string): StorageDriver {
  if (!DRIVERS.includes(name)) throw new HuskError('INVALID_ARGUMENT', `unsupported storage driver "${name}"${from}: husk has overlay and vfs`);
  return name as StorageDriver;
}

const DEFAULT_RUNTIME_PATHS: Record<string, string[]> = {
  crun: ['/usr/bin/crun', '/usr/local/bin/crun', '/usr/sbin/crun'],
  runc: ['/usr/sbin/runc', '/usr/bin/runc', '/usr/local/bin/runc', '/usr/local/sbin/runc'],
};
const CONMON_PATHS = ['/usr/bin/conmon', '/usr/libexec/podman/conmon', '/usr/local/bin/conmon', '/usr/libexec/crio/conmon'];

type Toml = Record<string, unknown>;

/**
 * Every command parses containers.conf, which is mostly comments (Podman's
 * /usr/share/containers/containers.conf: 24 of 707 lines are settings).
 * Comment lines are blanked before parsing (line numbers stay right for
 * errors), which cuts the parse to a fraction; not when the file has a
 * multi-line string, where a line starting with # may be content.
 */
function withoutCommentLines(text: string): string {
  return text.includes('"""') || text.includes("'''") ? text : text.replace(/^[ \t]*#.*$/gm, '');
}

function parseToml(path: string): Toml {
  try {
    return parse(withoutCommentLines(readFileSync(path, 'utf8'))) as Toml;
  } catch (e) {
    throw new HuskError('INVALID_ARGUMENT', `reading ${path}: ${(e as Error).message.split('\n')[0]}`);
  }
}

function containersConfFiles(): string[] {
  const env = process.env.CONTAINERS_CONF;
  if (env) return [env];
  const files = ['/usr/share/containers/containers.conf', '/etc/containers/containers.conf'];
  for (const dir of ['/usr/share/containers/containers.conf.d', '/etc/containers/containers.conf.d']) {
    if (existsSync(dir)) for (const f of readdirSync(dir).sort()) if (f.endsWith('.conf')) files.push(join(dir, f));
  }
  if (rootless()) files.push(join(process.env.XDG_CONFIG_HOME ?? join(homedir(), '.config'), 'containers/containers.conf'));
  return files;
}

function storageConfFiles(): string[] {
  // husk keeps its own storage.conf (same format as containers-storage's) so a
  // Podman graphroot is never opened with husk's different on-disk layout.
  const env = process.env.HUSK_STORAGE_CONF;
  if (env) return [env];
  if (!rootless()) return ['/etc/husk/storage.conf'];
  return [join(process.env.XDG_CONFIG_HOME ?? join(homedir(), '.config'), 'husk/storage.conf')];
}

function defaultRoots(): { root: string; runroot: string } {
  const r = rootless();
  if (!r) return { root: '/var/lib/husk/storage', runroot: '/run/husk/storage' };
  const data = process.env.XDG_DATA_HOME || join(homedir(), '.local/share');
  return { root: join(data, 'husk/storage'), runroot: rootlessRunDir(r.uid) };
}

export function resolveConfig(opts: EngineOptions = {}): ResolvedConfig {
  const files: string[] = [];
  const cfg: ResolvedConfig = {
    ...defaultRoots(),
    runtime: undefined,
    runtimePaths: { ...DEFAULT_RUNTIME_PATHS },
    conmonPath: '',
    exitCommand: opts.exitCommand,
    socketActivation: opts.socketActivation,
    inheritedFds: opts.inheritedFds,
    oneShot: !!opts.oneShot,
    systemdHealthTimers: process.env.DISABLE_HC_SYSTEMD !== 'true',
    defaultUlimits: [],
    pidsLimit: 2048,
    seccompProfile: undefined,
    netns: undefined,
    defaultNetwork: 'podman',
    configFiles: files,
    rootless: rootless(),
    storageDriver: 'overlay',
    storageDriverExplicit: false,
    ignoreChownErrors: false,
    mountProgram: undefined,
    runtimeFlags: opts.runtimeFlags ?? [],
    eventsBackend: opts.eventsBackend ?? 'file',
    networkConfigDir: opts.networkConfigDir,
    imageStore: undefined,
  };
  let conmonPaths = CONMON_PATHS;
  for (const f of [...containersConfFiles(), ...(opts.modules ?? []).map(modulePath)]) {
    if (!existsSync(f)) continue;
    files.push(f);
    const t = parseToml(f);
    const engine = (t.engine ?? {}) as Toml;
    const containers = (t.containers ?? {}) as Toml;
    const network = (t.network ?? {}) as Toml;
    if (typeof engine.runtime === 'string') cfg.runtime = engine.runtime;
    if (Array.isArray(engine.conmon_path)) conmonPaths = engine.conmon_path as string[];
    const runtimes = (engine.runtimes ?? {}) as Record<string, unknown>;
    for (const [k, v] of Object.entries(runtimes)) if (Array.isArray(v)) cfg.runtimePaths[k] = v as string[];
    if (Array.isArray(containers.default_ulimits)) cfg.defaultUlimits = containers.default_ulimits as string[];
    if (typeof containers.pids_limit === 'number') cfg.pidsLimit = containers.pids_limit;
    if (typeof containers.seccomp_profile === 'string' && containers.seccomp_profile) cfg.seccompProfile = containers.seccomp_profile;
    if (typeof containers.netns === 'string' && containers.netns) cfg.netns = containers.netns;
    if (typeof network.default_network === 'string' && network.default_network) cfg.defaultNetwork = network.default_network;
    if (network.default_rootless_network_cmd === 'pasta' || network.default_rootless_network_cmd === 'slirp4netns') cfg.rootlessNetworkCmd = network.default_rootless_network_cmd;
  }
  for (const f of storageConfFiles()) {
    if (!existsSync(f)) continue;
    files.push(f);
    const storage = (parseToml(f).storage ?? {}) as Toml;
    if (typeof storage.graphroot === 'string') cfg.root = storage.graphroot;
    if (typeof storage.runroot === 'string') cfg.runroot = storage.runroot;
    if (typeof storage.imagestore === 'string' && storage.imagestore) cfg.imageStore = storage.imagestore;
    if (typeof storage.driver === 'string' && storage.driver) cfg.storageDriver = storageDriver(storage.driver, ` in ${f}`);
    const overlay = ((storage.options as Toml | undefined)?.overlay ?? {}) as Toml;
    if (typeof overlay.mount_program === 'string' && overlay.mount_program) cfg.mountProgram = overlay.mount_program;
    const vfs = ((storage.options as Toml | undefined)?.vfs ?? {}) as Toml;
    if (vfs.ignore_chown_errors !== undefined) cfg.ignoreChownErrors = String(vfs.ignore_chown_errors) === 'true';
  }
  if (opts.storageDriver) {
    cfg.storageDriver = storageDriver(opts.storageDriver, '');
    cfg.storageDriverExplicit = true;
  }
  for (const o of opts.storageOpts ?? []) {
    // As in Podman, an empty --storage-opt drops the options storage.conf set.
    if (o === '') { cfg.mountProgram = undefined; cfg.ignoreChownErrors = false; continue; }
    const [k, v = ''] = [o.slice(0, o.indexOf('=')), o.slice(o.indexOf('=') + 1)];
    if (k === 'overlay.mount_program' || k === 'mount_program') cfg.mountProgram = v || undefined;
    else if (k === 'vfs.ignore_chown_errors' || k === 'ignore_chown_errors') {
      if (v !== 'true' && v !== 'false') throw new HuskError('INVALID_ARGUMENT', `invalid storage option "${o}": expected true or false`);
      cfg.ignoreChownErrors = v === 'true';
    }
    else if (!o.includes('=')) throw new HuskError('INVALID_ARGUMENT', `invalid storage option "${o}": expected KEY=VALUE`);
    else throw new HuskError('INVALID_ARGUMENT', `unsupported storage option "${k}"`);
  }
  if (opts.root) cfg.root = opts.root;
  if (opts.runroot) cfg.runroot = opts.runroot;
  if (opts.imageStore) cfg.imageStore = resolve(opts.imageStore);
  if (opts.runtime) cfg.runtime = opts.runtime;
  if (opts.defaultUlimits) cfg.defaultUlimits = opts.defaultUlimits;
  if (opts.pidsLimit !== undefined) cfg.pidsLimit = opts.pidsLimit;
  cfg.conmonPath = opts.conmonPath ?? conmonPaths.find((p) => existsSync(p)) ?? '';
  return cfg;
}

/**
 * The network mode of a container created without one (or with "private",
 * which Podman treats alike): containers.conf `netns` when it names a mode,
 * else the default bridge network for root and slirp4netns when rootless,
 * as in Podman.
 */
export function defaultNetworkMode(c: Pick<ResolvedConfig, 'netns' | 'rootless' | 'rootlessNetworkCmd'>): string {
  if (c.netns && c.netns !== 'private') return c.netns;
  return c.rootless ? c.rootlessNetworkCmd ?? 'slirp4netns' : 'bridge';
}

/** --module: a path, or a name looked up under containers.conf.modules of the user's and the system's config dirs. */
function modulePath(m: string): string {
  if (m.startsWith('/')) {
    if (!existsSync(m)) throw new HuskError('INVALID_ARGUMENT', `could not resolve module "${m}": no such file or directory`);
    return m;
  }
  const dirs = [join(process.env.XDG_CONFIG_HOME ?? join(homedir(), '.config'), 'containers'), '/etc/containers', '/usr/share/containers'];
  const found = dirs.map((d) => join(d, 'containers.conf.modules', m)).find((p) => existsSync(p));
  if (!found) throw new HuskError('INVALID_ARGUMENT', `could not resolve module "${m}"`);
  return found;
}
