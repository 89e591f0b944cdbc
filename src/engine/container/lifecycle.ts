// The container state machine: create → (init: mount, conmon, runtime
// create) → start → exit (conmon's exit file) → cleanup → remove.
// Every transition holds the container's lock; cleanup is idempotent, as
// it runs both in-process and as conmon's exit command.
import { closeSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HuskError, containerState, invalidArgument } from '../../common/errors.ts';
import { handLockToChild, tryLockFile, unlockFile } from '../../common/lock.ts';
import { currentBootId, processAlive, processStartTime } from '../../common/process.ts';
import { secureJoin } from '../../common/securejoin.ts';
import { conmonCreate, conmonSpawn, personalityLauncher, type ConmonCreate } from '../../runtime/conmon.ts';
import { classifyStartError, type OciRuntime } from '../../runtime/oci.ts';
import { serializeSpec } from '../../runtime/spec/index.ts';
import type { EngineContext } from '../context.ts';
import type { TerminalSize } from '../api.ts';
import { exposeMountSources, releaseExposed, releaseMappedLayers, rootOwner, rootfsOptions } from './idmap.ts';
import { checkRootlessIntent, hasCgroup, noCgroupError } from '../system/rootless.ts';
import { joinedDnsOptions, writeGeneratedFiles } from './files.ts';
import { validateIntent, parseSignal, SIGNALS, type ContainerSpec, type ContainerIntent } from '../../specgen/container.ts';
import { sharedNamespaces } from './namespaces.ts';
import { isMounted, mountRootfs, mountUserRootfs, removeContainerDirs, rootfsImage, rootfsPaths, unmountRootfs } from './rootfs.ts';
import { containerHostname, containerSpec } from './spec.ts';
import type { Container, ContainerConfig } from '../types.ts';
import { resolveGroups, resolveUser } from './user.ts';
import { imageMountDirs, ociMounts } from './mounts.ts';
import { passwdMounts } from './passwd.ts';
import { removeAnonymousVolumes } from '../volume/volumes.ts';
import { native, MNT_DETACH } from '../../common/native.ts';
import { waitForExit } from './wait.ts';
import { dropExecSessions } from './exec-session.ts';
import { healthcheckOf, startHealthTimer, stopHealthTimer } from './health-timer.ts';
import { notifyRelay, notifyStarted, preservedFds, systemdProtocolOpts, waitHealthyAndNotify } from './sdnotify.ts';
import { systemdMode, systemdModeOpts } from './systemd-mode.ts';
import { CONMON_CGROUP, containerCgroupPath, moveToCgroup, ownCgroup, podCgroupPath } from '../../runtime/cgroups.ts';
import { isoTime } from '../../common/isotime.ts';

export function getContainer(e: EngineContext, ref: string): Container {
  const id = e.db.lookupId(ref);
  const c = e.db.get(id);
  if (!c) throw containerState(`container ${ref} vanished`);
  return c;
}

/** Mounts the rootfs, writes config.json and has conmon create the container. */
async function init(e: EngineContext, c: Container, byPolicy = false, consoleSize?: TerminalSize, restore?: RestoreFrom): Promise<void> {
  const { id } = c.config;
  const img = c.config.intent.rootfs ? rootfsImage() : e.images.get(c.config.imageId);
  if (!img) throw new HuskError('NO_SUCH_IMAGE', `image ${c.config.imageId} of container ${c.config.name} is gone`);
  const cdir = e.containerDir(id);
  const runtime = e.runtime(c.config.runtime, c.config.intent.cgroupsMode === 'disabled');
  let holdFd: number | undefined;
  let netReady: Promise<unknown> | undefined;
  const rundir = e.runDir(id);
  const bundle = e.bundleDir(id);
  mkdirSync(rundir, { recursive: true });
  const persist = join(bundle, 'persist');
  rmSync(persist, { recursive: true, force: true });
  mkdirSync(persist);
  // systemd's notify socket and socket activation (a restart by policy runs without the starter's fds).
  const sdnotifySocket = notifyRelay(c, bundle);
  const activation = byPolicy ? undefined : e.config.socketActivation;
  const preserveFds = byPolicy ? 0 : Math.min(preservedFds(c.config.intent, activation), e.config.inheritedFds ?? Infinity);
  const logTag = await logTagOf(e, c.config);
  const conmonOpts = (extraFds: number[]): ConmonCreate => ({
    conmonPath: e.config.conmonPath, runtime, id, name: c.config.name, bundle, launcher: personalityLauncher(runtime, c.config.intent.personality),
    pidFile: join(rundir, 'pidfile'), conmonPidFile: join(rundir, 'conmon.pid'), exitDir: e.exitDir(),
    logPath: logPathOf(e, c.config), socketDir: e.socketDir(), persistDir: persist, terminal: !!c.config.intent.tty,
    stdin: !!c.config.intent.interactive, exitCommand: e.exitCommand(id, !byPolicy), extraFds,
    ...conmonLogOptions(c.config.intent), logTag, timeout: c.config.intent.timeout,
    // Only the start that created the spec has the caller's fds (a restart by policy does not).
    sdnotifySocket, preserveFds, restore: restore?.imagePath, restoreOpts: restore?.opts,
  });
  // conmon's arguments depend on none of what follows (but slirp4netns's fd): a one-shot
  // process spawns it now, and its exec and start-up (~4.5 ms) overlap the mount and the spec.
  let pending = e.config.oneShot && !c.config.slirp && !c.config.pasta ? await conmonSpawn(conmonOpts([])) : undefined;
  let rootfs: string;
  try {
    // A container already mounted by `container mount` is not mounted a second time on top.
    const { merged } = rootfsPaths(cdir);
    const own = c.config.intent.rootfs;
    rootfs = c.state.mounted && isMounted(merged) ? merged
      : own ? mountUserRootfs(own, !!c.config.intent.rootfsOverlay, cdir, rootfsOptions(e, c.config, []))
      : mountRootfs(e.images, img.layers, cdir, { ...rootfsOptions(e, c.config, img.layers), volatile: !!c.config.intent.autoRemove });
  } catch (err) {
    pending?.abort();
    throw err;
  }
  e.db.updateState(id, (s) => { s.mounted = true; });
  try {
    const user = resolveUser(rootfs, c.config.intent.user ?? img.config.config?.User);
    for (const g of resolveGroups(rootfs, c.config.intent.groupAdd)) if (!user.additionalGids.includes(g)) user.additionalGids.push(g);
    const cwd = c.config.intent.workdir ?? img.config.config?.WorkingDir ?? '/';
    if (cwd !== '/') {
      const target = secureJoin(rootfs, cwd);
      const onMount = (c.config.mounts ?? []).some((m) => cwd === m.destination || cwd.startsWith(`${m.destination.replace(/\/$/, '')}/`));
      // Podman (030-run.bats "check workdir"): the image's WORKDIR is created, a -w that exists
      // neither in the image nor under a mount is an error (126).
      if (c.config.intent.workdir !== undefined && !onMount && !existsSync(target)) {
        throw new HuskError('CMD_CANNOT_INVOKE', `workdir "${cwd}" does not exist on container ${id}`);
      }
      try {
        mkdirSync(target, { recursive: true });
      } catch (err) {
        throw invalidArgument(`workdir "${cwd}" does not exist on container ${id} and cannot be created: ${(err as NodeJS.ErrnoException).code}`);
      }
    }
    const network = c.config.intent.network ?? 'none';
    const shared = sharedNamespaces(e, c.config.intent);
    // netavark attaches the netns while the runtime creates the container; the files get the addresses after.
    const net = c.config.networks || c.config.slirp || c.config.pasta ? await (await import('../network/networks.ts')).beginNetworkSetup(e, c) : undefined;
    netReady = net?.ready;
    holdFd = net?.holdFd;
    // A container joining another's network (a pod member) gets that one's addresses and DNS.
    const joined = network.startsWith('container:') ? e.db.get(e.db.lookupId(network.slice('container:'.length))) : undefined;
    const joinedFacts = joined ? (await import('../network/networks.ts')).joinedFacts(joined) : undefined;
    const fileInfo = { id, name: c.config.name, image: c.config.imageName, imageId: img.id, hostname: containerHostname(c.config), network, intent: joinedDnsOptions(c.config.intent, joined?.config.intent), owner: rootOwner(c.config.idmap) };
    const files = writeGeneratedFiles(rundir, { ...fileInfo, facts: joinedFacts });
    const mounts = [...passwdMounts(rootfs, rundir, c.config.intent, user), ...ociMounts(e, c, rootfs, user)];
    const cgroupsMode = c.config.intent.cgroupsMode ?? 'enabled';
    // split: under the cgroup of whoever starts it (a systemd unit's), not under /husk; else its own
    // --cgroup-parent; a member of a pod with --cgroup-parent (and its conmon): under the pod's cgroup.
    const podCgroup = cgroupsMode !== 'disabled' && !e.rootlessCgroups() ? c.config.intent.cgroupParent ?? podCgroupOf(e, c.config) : undefined;
    const cgroupParent = cgroupsMode === 'split' && !e.rootlessCgroups() ? ownCgroup() : podCgroup;
    // A pod's limits are on its own cgroup (Podman's pod resources): written before the runtime puts a container under it.
    // Only for the pod's own cgroup: a member with a cgroup parent of its own does not get them (Podman's).
    const podLimits = podCgroup && cgroupParent === podCgroup && podCgroup === podCgroupOf(e, c.config) ? e.db.getPod(c.config.pod!)?.resources : undefined;
    if (podLimits) (await import('../pod/cgroup.ts')).applyPodResources(podCgroup!, podLimits);
    const extraOpts = [
      ...(systemdMode(c.config.intent, c.config.args) ? systemdModeOpts(id, mounts, containerCgroupPath(id, e.rootlessCgroups(), cgroupParent)) : []),
      ...systemdProtocolOpts(c, bundle, sdnotifySocket, activation),
      ...(c.config.intent.secrets?.length ? (await import('./secrets.ts')).secretSpecOpts(e, c) : []),
    ];
    const spec = containerSpec({ config: c.config, image: img, rootfs, user, cwd, files, mounts, defaultUlimits: e.config.defaultUlimits, pidsLimit: e.config.pidsLimit, seccompProfile: e.config.seccompProfile, netnsPath: net?.netnsPath, shared, rootless: e.rootlessCgroups(), cgroupParent, noCgroups: cgroupsMode === 'disabled', extraOpts });
    exposeMountSources(e, c.config, spec);
    // The attached terminal's size: the runtime gives the pty that size before the process runs.
    if (consoleSize && spec.process?.terminal) (spec.process as { consoleSize?: object }).consoleSize = { height: consoleSize.rows, width: consoleSize.cols };
    writeFileSync(join(bundle, 'config.json'), serializeSpec(spec));
    try { unlinkSync(e.exitFile(id)); } catch {}
    const create = () => {
      const early = pending;
      pending = undefined;
      return early ? early.go() : conmonCreate(conmonOpts(holdFd === undefined ? [] : [holdFd]), e.config.oneShot);
    };
    let pid: number;
    try {
      try {
        ({ pid } = await create());
      } catch (err) {
        // Runtime state left by a crash between create and cleanup: clear it once and retry.
        if (!(err instanceof HuskError && /already exists/.test(err.message))) throw err;
        await runtime.delete(id);
        ({ pid } = await create());
      }
    } catch (err) {
      if (err instanceof HuskError && err.code === 'RUNTIME') throw classifyStartError(err.message, c.config.args[0]);
      throw err;
    }
    // Rewritten in place: the runtime has bind-mounted these very files.
    if (net) writeGeneratedFiles(rundir, { ...fileInfo, facts: await net.ready });
    const conmonPid = Number(readText(join(rundir, 'conmon.pid'))) || 0;
    // Podman's enabled mode: conmon leaves the caller's cgroup for a shared one (no-conmon and split leave it there;
    // a systemd unit then keeps tracking it). Rootless husk has no cgroup to move it to.
    if (cgroupsMode === 'enabled' && conmonPid && !e.rootlessCgroups()) {
      try { moveToCgroup(conmonPid, podCgroup ? `${podCgroup}/conmon` : CONMON_CGROUP); } catch {}
    }
    // --pidfile, --conmon-pidfile: the user's copies, rewritten at each start.
    if (c.config.intent.pidFile) writeFileSync(c.config.intent.pidFile, `${pid}`);
    if (c.config.intent.conmonPidFile) writeFileSync(c.config.intent.conmonPidFile, `${conmonPid}`);
    e.db.updateState(id, (s) => { Object.assign(s, { status: 'created', pid, pidStart: processStartTime(pid), conmonPid, exitCode: 0, error: '', bootId: currentBootId(), cgroupParent }); });
  } catch (caught) {
    // A failed network set-up is the cause even when it made the runtime fail (its netns is gone).
    const err = (await netReady?.then(() => undefined, (x: unknown) => x)) ?? caught;
    await runtime.delete(id).catch(() => {});
    if (e.db.get(id)?.state.netnsPath) await (await import('../network/networks.ts')).teardownNetwork(e, c);
    unmountImageMounts(e, c);
    releaseUserns(e, id);
    unmountRootfs(cdir);
    e.db.updateState(id, (s) => { s.mounted = false; s.pid = 0; s.error = (err as Error).message; });
    throw err;
  } finally {
    // A conmon still waiting on its start pipe: the start failed before the runtime's create.
    pending?.abort();
    // conmon holds its own copy now (or the start failed and slirp4netns is gone).
    if (holdFd !== undefined) closeSync(holdFd);
  }
}

/** A checkpoint to restore from (container restore): conmon has the runtime restore it instead of creating. */
export interface RestoreFrom {
  imagePath: string;
  opts?: string[];
}

/**
 * restore, the container's lock held: init as start does, with conmon
 * running `RUNTIME restore`, whose process runs at once (no runtime start).
 */
export async function restoreLocked(e: EngineContext, id: string, from: RestoreFrom): Promise<Container> {
  const c = syncState(e, e.db.get(id)!);
  if (c.state.status === 'exited' || c.state.status === 'stopped') await cleanupLocked(e, c, { keep: true });
  if (c.config.pod && !c.config.isInfra) await (await import('../pod/pods.ts')).ensureInfraRunning(e, c.config.pod);
  await init(e, e.db.get(id)!, false, undefined, from);
  const s = e.db.updateState(id, (s) => {
    s.status = 'running';
    s.startedAt = isoTime();
    s.stoppedByUser = false;
  });
  e.events.write({ ID: id, Name: c.config.name, Image: c.config.imageName, Status: 'restore', Type: 'container' });
  return { config: c.config, state: s };
}

/** The k8s-file log's path: --log-opt path=, else ctr.log in the bundle. */
export function logPathOf(e: EngineContext, c: ContainerConfig): string {
  return c.intent.logOptions?.path ?? join(e.bundleDir(c.id), 'ctr.log');
}

function conmonLogOptions(i: ContainerSpec): { logDriver: 'k8s-file' | 'journald' | 'none' | 'passthrough'; logSizeMax?: number } {
  // json-file is Podman's alias of k8s-file.
  return { logDriver: !i.logDriver || i.logDriver === 'json-file' ? 'k8s-file' : i.logDriver, logSizeMax: i.logOptions?.maxSize };
}

/** The cgroup of the container's pod when that pod has a --cgroup-parent (Podman's PARENT/POD_ID). */
export function podCgroupOf(e: EngineContext, c: ContainerConfig): string | undefined {
  const pod = c.pod ? e.db.getPod(c.pod) : undefined;
  // --share-parent=false: the members keep husk's own cgroups.
  return pod?.cgroupParent && pod.shareParent !== false ? podCgroupPath(pod.cgroupParent, pod.id) : undefined;
}

/** The tag conmon gets: only the journal has a field for it (conmon refuses one with k8s-file); a template is rendered (log-tag.ts). */
async function logTagOf(e: EngineContext, c: ContainerConfig): Promise<string | undefined> {
  const tag = c.intent.logOptions?.tag;
  if (!tag || c.intent.logDriver !== 'journald') return undefined;
  return tag.includes('{{') ? (await import('./log-tag.ts')).renderLogTag(e, c.id, tag) : tag;
}

function readText(p: string): string {
  try {
    return readFileSync(p, 'utf8').trim();
  } catch {
    return '';
  }
}

export interface StartHooks {
  /** Runs after the runtime created the container, before its process starts (attach here). */
  beforeStart?: (c: Container) => Promise<void> | void;
  /** The attached terminal's size, for the pty the runtime creates (tty containers). */
  consoleSize?: TerminalSize;
}

export async function startContainer(e: EngineContext, ref: string, hooks: StartHooks = {}): Promise<Container> {
  const id = e.db.lookupId(ref);
  const c = await e.withContainerLock(id, () => startLocked(e, id, hooks));
  // --sdnotify=healthy: a detached start returns once healthy (as Podman's); an attached one is not held up.
  if (c.config.intent.sdNotifyMode === 'healthy') {
    const waiting = waitHealthyAndNotify(e, id);
    if (!hooks.beforeStart) await waiting;
  }
  return c;
}

/** Runtime-created by init but not started (Podman's `initialized`): conmon and the runtime's init process wait. */
export function isInitialized(c: Container): boolean {
  return c.state.status === 'created' && c.state.pid > 0;
}

/**
 * `husk init`: everything start does before the process runs (mounts,
 * network, config.json, conmon and the runtime's create), leaving the
 * container `initialized`; a later start only starts its process. Podman
 * refuses containers that are already created in the runtime or running.
 */
export async function initContainer(e: EngineContext, ref: string): Promise<Container> {
  const id = e.db.lookupId(ref);
  return e.withContainerLock(id, async () => {
    const c = syncState(e, e.db.get(id)!);
    if (c.state.status !== 'created' && c.state.status !== 'exited' && c.state.status !== 'stopped' || isInitialized(c)) {
      throw containerState(`container ${id} has already been created in runtime: container state improper`);
    }
    if (c.state.status === 'exited' || c.state.status === 'stopped') await cleanupLocked(e, c, { keep: true });
    if (c.config.pod && !c.config.isInfra) await (await import('../pod/pods.ts')).ensureInfraRunning(e, c.config.pod);
    await init(e, e.db.get(id)!);
    e.events.write({ ID: id, Name: c.config.name, Image: c.config.imageName, Status: 'init', Type: 'container' });
    return e.db.get(id)!;
  });
}

/** start, the container's lock held (the restart policy takes it to check and start at once). */
export async function startLocked(e: EngineContext, id: string, hooks: StartHooks & { byPolicy?: boolean } = {}): Promise<Container> {
  {
    let c = syncState(e, e.db.get(id)!);
    if (c.state.status === 'running') return c;
    if (c.state.status === 'paused') throw containerState(`container ${c.config.name} is paused: unpause it instead: container state improper`);
    if (c.state.status === 'exited' || c.state.status === 'stopped') await cleanupLocked(e, c, { keep: true });
    if (c.config.pod && !c.config.isInfra) await (await import('../pod/pods.ts')).ensureInfraRunning(e, c.config.pod);
    // --requires: Podman starts the required containers first (each under its own lock).
    for (const r of c.config.intent.requires ?? []) {
      const dep = syncState(e, getContainer(e, r));
      if (dep.state.status !== 'running') await startContainer(e, dep.config.id);
    }
    // An initialized container (`husk init`) is runtime-created already: only its process starts.
    if (!isInitialized(c)) await init(e, e.db.get(id)!, hooks.byPolicy, hooks.consoleSize);
    c = e.db.get(id)!;
    await hooks.beforeStart?.(c);
    // In the API service: this process will clean up after the exit (container/monitor.ts);
    // not after a restart by policy, whose exit command is not guarded.
    const release = hooks.byPolicy ? undefined : e.exitMonitor?.hold(id);
    try {
      await e.runtime(c.config.runtime, c.config.intent.cgroupsMode === 'disabled').start(id, c.state.pid);
    } catch (err) {
      release?.();
      await cleanupLocked(e, e.db.get(id)!, { keep: true });
      throw classifyStartError((err as Error).message, c.config.args[0]);
    }
    const hc = healthcheckOf(c);
    let s = e.db.updateState(id, (s) => {
      s.status = 'running';
      s.startedAt = isoTime();
      s.stoppedByUser = false;
      // A start by the user begins a new count (Podman's retainRetries is only for policy restarts).
      if (hooks.byPolicy) s.restartCount = (s.restartCount ?? 0) + 1;
      else s.restartCount = 0;
      if (hc) s.health = { status: 'starting', failingStreak: 0, log: s.health?.log ?? [] };
    });
    e.events.write({ ID: id, Name: c.config.name, Image: c.config.imageName, Status: 'start', Type: 'container' });
    const timer = hc && startHealthTimer(e, { config: c.config, state: s });
    if (timer) s = e.db.updateState(id, (s) => { Object.assign(s, timer); });
    notifyStarted({ config: c.config, state: s });
    return { config: c.config, state: s };
  }
}

/**
 * Folds conmon's exit file into the stored state so readers see the truth
 * even before the exit command ran; resources are released by cleanup.
 */
export function syncState(e: EngineContext, c: Container): Container {
  // A stop that died while it waited leaves no stopping container behind.
  if (c.state.stopping && !processAlive(c.state.stopping)) c = { config: c.config, state: { ...c.state, stopping: undefined } };
  if (c.state.status !== 'running' && c.state.status !== 'paused' && !(c.state.status === 'created' && c.state.pid)) return c;
  const ex = e.readExit(c.config.id);
  if (!ex) {
    if (!c.state.bootId || c.state.bootId === currentBootId()) return c;
    // Started before a reboot: the process, mount and runtime state are gone.
    return { config: c.config, state: { ...c.state, status: 'exited', pid: 0, mounted: false } };
  }
  const state = { ...c.state, status: 'exited' as const, exitCode: ex.code, finishedAt: isoTime(ex.at), pid: 0 };
  return { config: c.config, state };
}

/**
 * Releases a stopped container's runtime state and mounts; removes --rm
 * containers. Returns whether this call folded the process's exit into the
 * state (the exit command then applies the restart policy).
 */
export async function cleanupContainer(e: EngineContext, ref: string): Promise<boolean> {
  // The exit command of a container whose store was deleted meanwhile: nothing to do.
  if (!existsSync(join(e.config.root, 'state.db'))) return false;
  let id: string;
  try {
    id = e.db.lookupId(ref);
  } catch {
    return false; // already removed by someone else
  }
  return e.withContainerLock(id, async () => {
    const c = e.db.get(id);
    return c ? cleanupLocked(e, c, {}) : false;
  });
}

/**
 * opts.release: the caller gives up the container's lock right after (stop):
 * the runtime's delete then runs in the background holding that lock.
 */
async function cleanupLocked(e: EngineContext, c: Container, opts: { keep?: boolean; removing?: boolean; release?: boolean }): Promise<boolean> {
  const { id } = c.config;
  const live = c.state.status === 'running' || c.state.status === 'paused' || (c.state.status === 'created' && c.state.pid > 0);
  const ex = e.readExit(id);
  const rebooted = !!c.state.bootId && c.state.bootId !== currentBootId();
  if (live && !ex && !rebooted && processAlive(c.state.pid)) return false; // still running: nothing to clean
  stopHealthTimer(id, c.state);
  dropExecSessions(e, id);
  const removing = opts.removing || (c.config.intent.autoRemove && !opts.keep);
  // The runtime's delete (cgroups, state dir) and the unmount are independent;
  // a container about to be removed need not wait for the runtime at all.
  const rt = e.runtime(c.config.runtime, c.config.intent.cgroupsMode === 'disabled');
  // Nothing for the runtime once its state is gone (the exit's cleanup deleted it): a process start saved.
  const known = runtimeKnows(rt, id);
  const lockFd = known && !removing && opts.release && !(c.config.intent.autoRemove && !opts.keep) ? handLockToChild(e.lockPath(id)) : undefined;
  const deleted = !known ? undefined : removing || lockFd !== undefined ? (rt.deleteInBackground(id, lockFd), undefined) : rt.delete(id);
  releaseUserns(e, id);
  if (c.state.mounted) unmountRootfs(e.containerDir(id));
  unmountImageMounts(e, c);
  await deleted;
  // After the runtime's delete: netavark needs the netns, which no process holds any more.
  if (e.db.get(id)?.state.netnsPath) await (await import('../network/networks.ts')).teardownNetwork(e, c);
  const wasLive = live;
  e.db.updateState(id, (s) => {
    if (wasLive) {
      s.status = 'exited';
      s.exitCode = ex?.code ?? s.exitCode;
      s.finishedAt = isoTime(ex?.at ?? new Date());
      s.oomKilled = existsSync(join(e.bundleDir(id), 'persist', 'oom'));
    }
    s.pid = 0;
    s.mounted = false;
    delete s.healthTimerPid;
    delete s.healthTimerUnit;
    delete s.stopping;
  });
  if (wasLive) e.events.write({ ID: id, Name: c.config.name, Image: c.config.imageName, Status: 'died', Type: 'container', ContainerExitCode: ex?.code });
  // An init container's exit is part of the pod's start, not the end of its work.
  if (wasLive && c.config.pod && !c.config.isInfra && !c.config.intent.initContainerType) await (await import('../pod/exit-policy.ts')).applyExitPolicy(e, c.config.pod);
  if (c.config.intent.autoRemove && !opts.keep) {
    await removeLocked(e, id);
    // run --rmi -d: the image too, unless another container uses it (nobody to warn: Podman's cleanup only logs it).
    if (c.config.intent.removeImage) await (await import('../image/images.ts')).removeImage(e, c.config.intent.image).catch(() => {});
  }
  return wasLive;
}


export async function killContainer(e: EngineContext, ref: string, signal = 'SIGKILL'): Promise<Container> {
  const sig = parseSignal(signal);
  const c = syncState(e, getContainer(e, ref));
  if (c.state.status !== 'running' && c.state.status !== 'paused') {
    throw containerState(`can only kill running containers. ${c.config.id} is in state ${stateWord(c)}: container state improper`);
  }
  markStoppedByUser(e, c.config.id);
  await e.runtime(c.config.runtime, c.config.intent.cgroupsMode === 'disabled').kill(c.config.id, String(sig));
  e.events.write({ ID: c.config.id, Name: c.config.name, Image: c.config.imageName, Status: 'kill', Type: 'container', Attributes: { signal: String(sig) } });
  return c;
}

/** Before a stop, kill or rm -f signals: the exit that follows is not restarted by the policy. */
function markStoppedByUser(e: EngineContext, id: string): void {
  e.db.updateState(id, (s) => { s.stoppedByUser = true; });
}

function stateWord(c: Container): string {
  return c.state.status === 'created' ? 'configured' : c.state.status;
}

export function stopSignalOf(e: EngineContext, c: Container): string {
  return c.config.intent.stopSignal ?? e.images.get(c.config.imageId)?.config.config?.StopSignal ?? 'SIGTERM';
}

/**
 * Sends the stop signal, waits up to timeout seconds, then SIGKILL; then
 * cleans up. While it waits the state says `stopping` (inspect, ps);
 * `warnings` receives Podman's warning when the signal was not enough.
 */
export async function stopContainer(e: EngineContext, ref: string, timeout?: number, warnings?: string[]): Promise<Container> {
  const id = e.db.lookupId(ref);
  // The fg lock for the whole stop: see holdingCleanup.
  return e.withContainerLock(id, () => holdingCleanup(e, id, async () => {
    const c = syncState(e, e.db.get(id)!);
    // Also when already exited: a restart the policy has scheduled (its backoff) is called off.
    markStoppedByUser(e, id);
    if (isInitialized(c)) await killInitialized(e, c);
    else if (c.state.status === 'running' || c.state.status === 'paused') {
      const rt = e.runtime(c.config.runtime, c.config.intent.cgroupsMode === 'disabled');
      const t = timeout ?? c.config.intent.stopTimeout ?? 10;
      if (c.state.status === 'paused') await rt.resume(id).catch(() => {});
      if (t > 0) {
        const signal = stopSignalOf(e, c);
        e.db.updateState(id, (s) => { s.stopping = process.pid; });
        if (!signalInit(c, parseSignal(signal))) await rt.kill(id, String(parseSignal(signal))).catch(() => {});
        if ((await waitForExit(e, id, t * 1000)) === undefined) {
          // Podman's words (050-stop.bats), with the signal's canonical name.
          const name = `SIG${Object.entries(SIGNALS).find(([, n]) => n === parseSignal(signal))?.[0] ?? signal}`;
          warnings?.push(`StopSignal ${name} failed to stop container ${c.config.name} in ${t} seconds, resorting to SIGKILL`);
          await killAll(e, c);
        }
      } else await killAll(e, c);
      if ((await waitForExit(e, id, 30_000)) === undefined) {
        e.db.updateState(id, (s) => { delete s.stopping; });
        throw new HuskError('RUNTIME', `container ${c.config.name} did not exit after SIGKILL`);
      }
      e.events.write({ ID: id, Name: c.config.name, Image: c.config.imageName, Status: 'stop', Type: 'container' });
    }
    await cleanupLocked(e, e.db.get(id)!, { keep: false, release: true });
    return e.db.get(id) ?? c;
  }));
}

/**
 * `restart`: stops the container if it runs (stop signal, timeout, SIGKILL)
 * and starts it again; a container that is not running is just started.
 */
export async function restartContainer(e: EngineContext, ref: string, timeout?: number, warnings?: string[]): Promise<Container> {
  const id = e.db.lookupId(ref);
  await stopContainer(e, id, timeout, warnings);
  return startContainer(e, id);
}

/**
 * Held while stop or rm -f kill a container and clean up after it
 * themselves: conmon's exit command (`flock -n` on this lock, see
 * EngineContext.exitCommand) then starts no second husk for the same
 * cleanup, which would compete for the CPU meanwhile.
 */
async function holdingCleanup<T>(e: EngineContext, id: string, fn: () => Promise<T>): Promise<T> {
  const fd = tryLockFile(e.foregroundLockPath(id));
  try {
    return await fn();
  } finally {
    if (fd !== undefined) unlockFile(fd);
  }
}

/** Whether the container's init process (as recorded at start) is still alive. */
function initAlive(c: Container): boolean {
  return !!c.state.pid && !!c.state.pidStart && processStartTime(c.state.pid) === c.state.pidStart;
}

/**
 * SIGKILL for the whole container: to its init when it has a PID namespace
 * of its own (the kernel then ends every process in it), else the runtime's
 * `kill --all`. The runtime's --all alone missed a --systemd container's
 * processes, which systemd had moved into cgroups below the container's.
 */
async function killAll(e: EngineContext, c: Container): Promise<void> {
  if (!signalInit(c, 9)) await e.runtime(c.config.runtime, c.config.intent.cgroupsMode === 'disabled').kill(c.config.id, '9', true).catch(() => {});
}

/**
 * Signals a container's init directly, as `runc kill` without --all does
 * (a runtime process fewer: ~20 ms here): only for a container with its own
 * PID namespace, where SIGKILL to its init ends every process in it (the
 * kernel's rule), so --all has nothing to add. The pid counts only while its
 * start time is the one recorded at create (runc's own check against a
 * reused pid). False when it cannot be used: the caller asks the runtime.
 */
function signalInit(c: Container, signal: number): boolean {
  const pidMode = c.config.intent.pidMode;
  if (pidMode && pidMode !== 'private') return false;
  if (!initAlive(c)) return false;
  try {
    process.kill(c.state.pid, signal);
    return true;
  } catch {
    return false;
  }
}

/** Kills the runtime's waiting init process of an initialized container; conmon then records the exit. */
async function killInitialized(e: EngineContext, c: Container): Promise<void> {
  await e.runtime(c.config.runtime, c.config.intent.cgroupsMode === 'disabled').kill(c.config.id, '9', true).catch(() => {});
  await waitForExit(e, c.config.id, 30_000);
}

/**
 * Whether the runtime may still have state for the container: its state
 * directory (crun's and runc's --root layout) exists, or --runtime-flag
 * moved the root where we cannot see it.
 */
function runtimeKnows(rt: OciRuntime, id: string): boolean {
  return rt.rootMoved || existsSync(join(rt.stateRoot, id));
}

function releaseUserns(e: EngineContext, id: string): void {
  if (e.config.rootless) releaseExposed(e.config.rootless.uid, id);
}

function unmountImageMounts(e: EngineContext, c: Container): void {
  for (const dir of imageMountDirs(e, c)) try { native().umount2(dir, MNT_DETACH); } catch {}
}

/**
 * The containers that need this one (Podman's dependencies): they join its
 * namespaces (container:ID) or name it in `requires`. Pod members are the
 * pod's business (pod rm removes them together).
 */
export function dependentsOf(e: EngineContext, id: string): Container[] {
  const refersTo = (ref: string | undefined) => {
    if (!ref) return false;
    try { return e.db.lookupId(ref) === id; } catch { return false; }
  };
  const pod = e.db.get(id)?.config.pod;
  return e.db.mayReferOthers().filter((c) => {
    if (c.config.id === id || (pod && c.config.pod === pod)) return false;
    const i = c.config.intent;
    const joins = [i.network, i.pidMode, i.ipcMode, i.utsMode].some((m) => m?.startsWith('container:') && refersTo(m.slice('container:'.length)));
    return joins || (i.requires ?? []).some(refersTo);
  });
}

export async function removeContainer(e: EngineContext, ref: string, opts: { force?: boolean; volumes?: boolean; infra?: boolean } = {}): Promise<string> {
  const id = e.db.lookupId(ref);
  // Checked before waiting on the lock, which a stop holds while the container is stopping.
  const before = e.db.get(id);
  const now = before && syncState(e, before);
  if (now && !opts.force && now.state.stopping && now.state.status === 'running') {
    throw containerState(`cannot remove container ${id} as it is stopping - running or paused containers cannot be removed without force: container state improper`);
  }
  await e.withContainerLock(id, () => holdingCleanup(e, id, async () => {
    const c = e.db.get(id);
    if (!c) return;
    if (c.config.isInfra && !opts.infra && c.config.pod && e.db.getPod(c.config.pod)) {
      // POD_STATE, not CONTAINER_STATE: Podman's rm exits 125 here, not 2 (200-pod.bats).
      throw new HuskError('POD_STATE', `container ${id} is the infra container of pod ${c.config.pod} and cannot be removed without removing the pod`);
    }
    const deps = opts.infra ? [] : dependentsOf(e, id);
    if (deps.length) {
      // Podman's words and code (ErrCtrExists: 125), 055-rm.bats "rm --depend".
      throw new HuskError('CONTAINER_IN_USE', `container ${id} has dependent containers which must be removed before it: ${deps.map((d) => d.config.id).join(', ')}: container already exists`);
    }
    const s = syncState(e, c);
    // Podman removes an initialized container without force: nothing of the user's runs yet.
    if (isInitialized(s)) await killInitialized(e, s);
    else if (s.state.status === 'running' || s.state.status === 'paused') {
      if (!opts.force) {
        throw containerState(`cannot remove container ${id} as it is ${s.state.stopping ? 'stopping' : s.state.status} - running or paused containers cannot be removed without force: container state improper`);
      }
      markStoppedByUser(e, id);
      await killAll(e, s);
      // Never drop the record of a container that still runs: it would run on, unseen.
      if ((await waitForExit(e, id, 30_000)) === undefined && initAlive(s)) {
        throw new HuskError('RUNTIME', `container ${c.config.name} did not exit after SIGKILL`);
      }
    }
    await cleanupLocked(e, e.db.get(id)!, { keep: true, removing: true });
    await removeLocked(e, id, opts.volumes);
  }));
  return id;
}

async function removeLocked(e: EngineContext, id: string, volumes = false): Promise<void> {
  const c = e.db.get(id);
  if (!c) return;
  const dropVolumes = volumes || !!c.config.intent.autoRemove;
  // Whatever the state says: a mount left by a killed command (export, cp) must not hold the dirs.
  unmountRootfs(e.containerDir(id));
  // Nor may the record go while a netns is still mounted for it (a cleanup that found the process alive).
  if (c.state.netnsPath) await (await import('../network/networks.ts')).teardownNetwork(e, c);
  e.db.updateState(id, (s) => { s.status = 'removing'; });
  await removeContainerDirs(e.config.oneShot, e.containerDir(id), e.runDir(id));
  e.db.remove(id);
  releaseMappedLayers(e, c.config, e.images.get(c.config.imageId)?.layers ?? []);
  // The lock file goes last; anyone still waiting on it re-reads the state and finds no container.
  // (The foreground lock went with the run dir.)
  try { unlinkSync(e.lockPath(id)); } catch {}
  if (dropVolumes) await removeAnonymousVolumes(e, c.config);
  e.events.write({ ID: id, Name: c.config.name, Image: c.config.imageName, Status: 'remove', Type: 'container' });
  pruneExitFiles(e);
}

/**
 * Exit files of removed containers are kept briefly so a foreground `run --rm`
 * racing the exit command can still read its exit code. Pruned at most once
 * a minute per store (the mtime of exits/.pruned), not at each removal:
 * listing and checking every kept file cost each `rm` ~0.1 ms per file.
 */
function pruneExitFiles(e: EngineContext): void {
  const dir = e.exitDir();
  const mark = join(dir, '.pruned');
  const now = Date.now();
  try {
    if (now - statSync(mark).mtimeMs < 60_000) return;
  } catch {}
  try { writeFileSync(mark, ''); } catch { return; }
  const cutoff = now - 5 * 60_000;
  let names: string[] = [];
  try { names = readdirSync(dir); } catch { return; }
  for (const n of names) {
    if (n.startsWith('.') || e.db.db.prepare('SELECT 1 FROM containers WHERE id = ?').get(n)) continue;
    try {
      if (statSync(join(dir, n)).mtimeMs < cutoff) unlinkSync(join(dir, n));
    } catch {}
  }
}

export async function pauseContainer(e: EngineContext, ref: string, pause: boolean): Promise<Container> {
  const id = e.db.lookupId(ref);
  return e.withContainerLock(id, async () => {
    const c = syncState(e, e.db.get(id)!);
    if (!hasCgroup(e)) throw noCgroupError(e, `${pause ? 'pausing' : 'unpausing'} a container (the cgroup freezer)`);
    const want = pause ? 'running' : 'paused';
    if (c.state.status !== want) throw containerState(`"${c.config.name}" is not ${want}, can't ${pause ? 'pause' : 'unpause'}: container state improper`);
    const rt = e.runtime(c.config.runtime, c.config.intent.cgroupsMode === 'disabled');
    await (pause ? rt.pause(id) : rt.resume(id));
    const s = e.db.updateState(id, (s) => { s.status = pause ? 'paused' : 'running'; });
    e.events.write({ ID: id, Name: c.config.name, Image: c.config.imageName, Status: pause ? 'pause' : 'unpause', Type: 'container' });
    return { config: c.config, state: s };
  });
}

export function renameContainer(e: EngineContext, ref: string, name: string): void {
  validateIntent({ image: 'x', name });
  const c = getContainer(e, ref);
  e.db.rename(c.config.id, name);
  e.events.write({ ID: c.config.id, Name: name, Image: c.config.imageName, Status: 'rename', Type: 'container' });
}

export type ResourceUpdate = Pick<ContainerIntent, 'memory' | 'memoryReservation' | 'memorySwap' | 'cpus' | 'cpuShares' | 'cpusetCpus' | 'pidsLimit' | 'restartPolicy'
  | 'cpuPeriod' | 'cpuQuota' | 'cpuRtPeriod' | 'cpuRtRuntime' | 'cpusetMems' | 'blkioWeight' | 'blkioWeightDevice'
  | 'deviceReadBps' | 'deviceWriteBps' | 'deviceReadIops' | 'deviceWriteIops' | 'memorySwappiness'>;

/** `update`: new limits for a container, applied live through the runtime when it runs; a new restart policy. */
export async function updateContainer(e: EngineContext, ref: string, u: ResourceUpdate): Promise<Container> {
  const id = e.db.lookupId(ref);
  return e.withContainerLock(id, async () => {
    const c = syncState(e, e.db.get(id)!);
    // Limits the kernel lacks are dropped, as at create (a runtime would fail writing their files).
    const limits = await import('./cgroup-limits.ts');
    u = limits.checkHostLimits(u);
    const merged = { ...c.config.intent, ...Object.fromEntries(Object.entries(u).filter(([, v]) => v !== undefined)) };
    // A new --cpus sets period and quota (as the runtime is told below): an older --cpu-period/--cpu-quota would win over it at the next start.
    if (u.cpus !== undefined) {
      if (u.cpuPeriod === undefined) delete merged.cpuPeriod;
      if (u.cpuQuota === undefined) delete merged.cpuQuota;
    }
    validateIntent(merged);
    checkRootlessIntent(e, u);
    if (c.state.status === 'running' || c.state.status === 'paused') {
      const args = ['update'];
      if (u.memory !== undefined) args.push('--memory', String(u.memory));
      if (u.memoryReservation !== undefined) args.push('--memory-reservation', String(u.memoryReservation));
      if (u.memorySwap !== undefined || u.memory !== undefined) args.push('--memory-swap', String(merged.memorySwap ?? (merged.memory ? merged.memory * 2 : -1)));
      if (u.cpus !== undefined) args.push('--cpu-period', '100000', '--cpu-quota', String(Math.round(u.cpus * 100000)));
      if (u.cpuShares !== undefined) args.push('--cpu-share', String(u.cpuShares));
      if (u.cpusetCpus !== undefined) args.push('--cpuset-cpus', u.cpusetCpus);
      if (u.pidsLimit !== undefined) args.push('--pids-limit', String(u.pidsLimit));
      const rt = e.runtime(c.config.runtime, c.config.intent.cgroupsMode === 'disabled');
      // Only a new restart policy: nothing for the runtime.
      if (args.length > 1) await rt.run([...args, id]);
      const more = limits.updateResources(u);
      if (more) {
        const file = join(e.bundleDir(id), 'update-resources.json');
        writeFileSync(file, JSON.stringify(more));
        try { await rt.run(['update', '-r', file, id]); } finally { rmSync(file, { force: true }); }
      }
    }
    const config = e.db.updateConfig(id, (cfg) => { cfg.intent = merged; });
    e.events.write({ ID: id, Name: c.config.name, Image: c.config.imageName, Status: 'update', Type: 'container' });
    return { config, state: c.state };
  });
}
