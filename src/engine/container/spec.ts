// Translating a stored container config plus its image into config.json
// inputs: the merge rules (image vs. user), environment, rlimit clamping.
import { hostname as osHostname } from 'node:os';
import { native, RLIMIT_NOFILE, RLIMIT_NPROC } from '../../common/native.ts';
import type { ImageRecord } from '../../image/types.ts';
import * as S from '../../runtime/spec/index.ts';
import { containerCgroupPath } from '../../runtime/cgroups.ts';
import { defaultSeccompPath, loadSeccompProfile, seccompFromProfile, withSeccomp, type LinuxSeccomp } from '../../runtime/spec/seccomp.ts';
import { blockDeviceNumbers, hostDevices, resolveDevice } from './devices.ts';
import type { ContainerSpec, UlimitSpec } from '../../specgen/container.ts';
import { parseUlimit } from '../../specgen/flags.ts';
import { parseDeviceCgroupRule, ULIMITS } from '../../specgen/validate.ts';
import { existsSync } from 'node:fs';
import { invalidArgument } from '../../common/errors.ts';
import type { GeneratedFiles } from './files.ts';
import type { ContainerConfig } from '../types.ts';
import type { ExecUser } from './user.ts';

export const DEFAULT_PATH = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export function containerHostname(c: ContainerConfig): string {
  if (c.intent.hostname) return c.intent.hostname;
  return c.intent.network === 'host' ? osHostname() : c.id.slice(0, 12);
}

/** The default environment (Podman's): PATH, the image's, container, TERM with a tty. */
export function defaultEnv(intent: ContainerSpec, img: ImageRecord | undefined): Map<string, string> {
  const env = new Map<string, string>();
  const put = (kv: string) => {
    const i = kv.indexOf('=');
    if (i > 0) env.set(kv.slice(0, i), kv.slice(i + 1));
  };
  put(DEFAULT_PATH);
  for (const e of img?.config.config?.Env ?? []) put(e);
  // Podman sets it only for a container from an image (not --rootfs).
  if (!intent.rootfs) env.set('container', 'husk');
  if (intent.tty && !env.has('TERM')) env.set('TERM', 'xterm');
  return env;
}

export function containerEnv(c: ContainerConfig, img: ImageRecord | undefined, extra: Record<string, string> = {}): string[] {
  const env = defaultEnv(c.intent, img);
  // --unsetenv/--unsetenv-all drop defaults only: the spec's own env (with the proxies and --env-merge results) stays.
  for (const k of c.intent.unsetEnv ?? []) env.delete(k);
  if (c.intent.unsetEnvAll) env.clear();
  for (const [k, v] of Object.entries(c.intent.env ?? {})) env.set(k, v);
  for (const [k, v] of Object.entries(extra)) env.set(k, v);
  env.set('HOSTNAME', c.intent.env?.HOSTNAME ?? containerHostname(c));
  return [...env].map(([k, v]) => `${k}=${v}`);
}

/**
 * Default rlimits (Podman asks for 1048576) clamped to the hard limits husk
 * itself has: without CAP_SYS_RESOURCE the runtime cannot grant more, and
 * asking would fail every run (as Podman does on such hosts).
 */
export function defaultRlimits(defaults: string[], explicit: UlimitSpec[] = []): S.Rlimit[] {
  const out = new Map<string, S.Rlimit>();
  for (const [type, res] of [['RLIMIT_NOFILE', RLIMIT_NOFILE], ['RLIMIT_NPROC', RLIMIT_NPROC]] as const) {
    const [, hard] = native().getrlimit(res);
    const v = Math.min(1048576, hard);
    out.set(type, { type, soft: v, hard: v });
  }
  // containers.conf's default_ulimits are in --ulimit's form.
  for (const u of [...defaults.map(parseUlimit), ...explicit]) out.set(ULIMITS[u.name], { type: ULIMITS[u.name], soft: u.soft, hard: u.hard });
  return [...out.values()];
}

export interface SpecContext {
  config: ContainerConfig;
  image: ImageRecord;
  rootfs: string;
  user: ExecUser;
  cwd: string;
  files: GeneratedFiles;
  defaultUlimits: string[];
  pidsLimit: number;
  /** User mounts (volumes, binds, tmpfs), applied after the defaults. */
  mounts: S.Mount[];
  /** containers.conf seccomp_profile. */
  seccompProfile?: string;
  /** The network namespace netavark set up, when the container is on networks. */
  netnsPath?: string;
  /** Namespaces joined instead of created (--pid/--ipc/--uts host|container:X, --network container:X). */
  shared?: Partial<Record<'pid' | 'ipc' | 'uts' | 'network', S.NamespaceMode>>;
  /**
   * Set for rootless husk. Without a delegated cgroup (cgroupParent) the
   * runtime cannot create a cgroup at all: the spec then asks for none and
   * sets no limits (explicit ones were refused at create).
   */
  rootless?: { cgroupParent?: string; cgroupV1: boolean };
  /** --cgroups=split: the parent of the container's cgroup (the caller's); --cgroups=disabled: none at all. */
  cgroupParent?: string;
  noCgroups?: boolean;
  /** Applied last: systemd's notify socket, socket activation, --systemd (src/engine/container/sdnotify.ts, systemd-mode.ts). */
  extraOpts?: S.SpecOpt[];
}

/**
 * The seccomp filter, as Podman picks it: none for --privileged or
 * seccomp=unconfined; else the given profile, containers.conf's, or the
 * packaged default, filtered for this container's capabilities.
 */
function seccompFor(i: ContainerSpec, caps: string[], configured: string | undefined, img: ImageRecord): LinuxSeccomp | undefined {
  if (i.seccompProfile === 'unconfined' || (i.privileged && !i.seccompProfile)) return undefined;
  // --seccomp-policy=image: the image's label holds the profile itself (checked present at create).
  const own = i.seccompPolicy === 'image' ? img.config.config?.Labels?.['io.containers.seccomp.profile'] : undefined;
  if (own) {
    let profile: unknown;
    try { profile = JSON.parse(own); } catch (e) { throw invalidArgument(`loading seccomp profile failed: ${(e as Error).message}`); }
    return seccompFromProfile(profile, { caps, source: 'the image\'s io.containers.seccomp.profile label' });
  }
  const path = i.seccompProfile || defaultSeccompPath(configured);
  if (!path) return undefined;
  return seccompFromProfile(loadSeccompProfile(path), { caps, source: path });
}

/** Masked paths after --security-opt mask=/unmask= (privileged: none). */
function maskedPaths(i: ContainerSpec): string[] {
  if (i.privileged) return [];
  const unmask = i.unmask ?? [];
  const base = unmask.includes('ALL') ? [] : S.hostMaskedPaths().filter((p) => !unmask.includes(p));
  return [...base, ...(i.mask ?? [])];
}

export function containerSpec(x: SpecContext): S.Spec {
  const { config: c } = x;
  const i = c.intent;
  const network = i.network ?? 'none';
  const shared = x.shared ?? {};
  const ns: Parameters<typeof S.withNamespaces>[0] = {
    ...shared,
    network: network === 'host' ? { kind: 'host' } : x.netnsPath ? { kind: 'path', path: x.netnsPath } : shared.network ?? { kind: 'private' },
  };
  const ownUts = !shared.uts;
  const caps = S.effectiveCaps(i);
  const cgroupPath = x.noCgroups ? undefined : containerCgroupPath(c.id, x.rootless, x.cgroupParent);
  const devices = [...(i.privileged ? hostDevices() : []), ...(i.devices ?? []).map(resolveDevice)];
  if (i.cgroupns === 'host') ns.cgroup = { kind: 'host' };
  const mounts = S.defaultMounts({ bindSys: ns.network?.kind === 'host' || (!!c.idmap && ns.network?.kind !== 'private') })
    // --ipc=none: an IPC namespace of its own without /dev/shm (Podman's).
    .filter((m) => !(m.destination === '/dev/shm' && i.ipcMode === 'none')).map((m) => {
    if (m.destination === '/dev/shm' && i.shmSize) return { ...m, options: [...m.options!.filter((o) => !o.startsWith('size=')), `size=${Math.ceil(i.shmSize / 1024)}k`] };
    // Privileged containers get a writable /sys, as in Podman.
    if (m.destination === '/sys' && i.privileged) return { ...m, options: m.options!.filter((o) => o !== 'ro') };
    // And, as Podman's cgroupPerm, a writable cgroup tree (an engine or systemd inside manages it).
    if (m.destination === '/sys/fs/cgroup' && m.type === 'cgroup' && i.privileged) return { ...m, options: [...m.options!.filter((o) => o !== 'ro'), 'rw'] };
    // Rootless on cgroup v1 has no cgroup of its own to mount: show the host's, read-only (as Podman).
    if (m.destination === '/sys/fs/cgroup' && x.rootless?.cgroupV1) return { destination: m.destination, type: 'bind', source: '/sys/fs/cgroup', options: ['rbind', 'nosuid', 'noexec', 'nodev', 'ro'] };
    return m;
  });
  const tz = timezoneMount(i.timezone);
  return S.buildSpec(x.rootfs, [
    S.withArgs(c.args),
    ...(i.init ? [S.withInit(initBinary(i.initPath))] : []),
    S.withAnnotations(i.annotations ?? {}),
    S.withEnv(containerEnv(c, x.image)),
    S.withCwd(x.cwd),
    S.withTerminal(!!c.intent.tty),
    S.withUser(x.user.uid, x.user.gid, x.user.additionalGids),
    S.withUmask(i.umask),
    S.withPersonality(i.personality),
    // Setting a hostname needs a UTS namespace of our own.
    ...(ownUts ? [S.withHostname(containerHostname(c))] : []),
    S.withCapabilities(caps, x.user.uid),
    S.withNoNewPrivileges(!!i.noNewPrivileges),
    S.withOomScoreAdj(i.oomScoreAdj),
    S.withRlimits(defaultRlimits(x.defaultUlimits, c.intent.ulimits)),
    S.withMounts(mounts),
    S.withMounts([
      ...(i.noHosts ? [] : [S.bindFile(x.files.hosts, '/etc/hosts')]),
      S.bindFile(x.files.hostname, '/etc/hostname'),
      S.bindFile(x.files.resolv, '/etc/resolv.conf'),
      S.bindFile(x.files.containerenv, '/run/.containerenv', true),
      // --chrootdirs: the same files under each chroot.
      ...(i.chrootDirs ?? []).flatMap((d) => [
        ...(i.noHosts ? [] : [S.bindFile(x.files.hosts, `${d}/etc/hosts`)]),
        S.bindFile(x.files.hostname, `${d}/etc/hostname`),
        S.bindFile(x.files.resolv, `${d}/etc/resolv.conf`),
      ]),
    ]),
    ...(tz ? [S.withMounts([tz])] : []),
    S.withMounts(x.mounts),
    S.withNamespaces(ns),
    ...(c.idmap ? [S.withUserNamespace(c.idmap.uidMap, c.idmap.gidMap)] : []),
    S.withMaskedPaths(maskedPaths(i)),
    S.withReadonlyPaths(i.privileged || i.unmask?.includes('ALL') ? [] : S.READONLY_PATHS.filter((p) => !i.unmask?.includes(p))),
    S.withReadonlyRootfs(!!c.intent.readOnly),
    S.withDefaultDevicePolicy(),
    S.withDevices(devices),
    S.withDeviceCgroupRules((i.deviceCgroupRules ?? []).map(parseDeviceCgroupRule)),
    ...(i.privileged ? [S.withAllDevicesAllowed()] : []),
    S.withSysctls(i.sysctls ?? {}),
    withSeccomp(seccompFor(i, caps, x.seccompProfile, x.image)),
    ...(cgroupPath === undefined ? [] : [
      S.withResourceLimits(i, blockDeviceNumbers),
      S.withPidsLimit(c.intent.pidsLimit ?? x.pidsLimit),
      S.withCgroupsPath(cgroupPath),
    ]),
    ...(x.extraOpts ?? []),
  ]);
}

/** --init-path, else catatonit where Debian and Podman put it. */
function initBinary(given: string | undefined): string {
  const found = given ?? ['/usr/libexec/podman/catatonit', '/usr/bin/catatonit'].find((p) => existsSync(p));
  if (!found || !existsSync(found)) throw invalidArgument(`container-init binary not found on the host: ${given ?? 'catatonit'} (install catatonit or give --init-path)`);
  return found;
}

/** --tz: the zone's file (or the host's /etc/localtime for "local") read-only at /etc/localtime. */
function timezoneMount(tz: string | undefined): S.Mount | undefined {
  if (!tz) return undefined;
  const source = tz === 'local' ? '/etc/localtime' : `/usr/share/zoneinfo/${tz}`;
  if (!existsSync(source)) throw invalidArgument(`finding timezone: unknown time zone ${tz}`);
  return { destination: '/etc/localtime', type: 'bind', source, options: ['bind', 'rprivate', 'ro'] };
}
