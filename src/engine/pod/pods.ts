// Pods: containers sharing namespaces held open by an infra container, as in
// Kubernetes and Podman. A pod is a row in the state database; membership is
// the `pod` field of each container's config; the infra container is an
// ordinary container (catatonit as PID 1) whose namespaces members join at
// start through the `container:ID` namespace modes.
import { randomBytes } from '../../common/random.ts';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { availableParallelism } from 'node:os';
import { PROPAGATION, validateSpec } from '../../specgen/validate.ts';
import { HuskError, invalidArgument } from '../../common/errors.ts';
import { withLock } from '../../common/lock.ts';
import type { EngineContext } from '../context.ts';
import type { ContainerSpec } from '../../specgen/container.ts';
import { parseAddHost, parsePublish } from '../../specgen/flags.ts';
import * as L from '../container/lifecycle.ts';
import { createContainer } from '../container/create.ts';
import { randomName } from '../container/names.ts';
import { podCgroupPath, removeCgroupTree } from '../../runtime/cgroups.ts';
import type { Container, PodConfig } from '../types.ts';
import { PAUSE_IMAGE, type PodSpec, type PodStatus } from './api.ts';
import { isoTime } from '../../common/isotime.ts';
import { goStruct } from '../../common/gostruct.ts';
import { compareText } from '../../common/order.ts';

/** Namespaces a pod can share; Podman's default set is ipc, net and uts. */
export const SHAREABLE = ['ipc', 'net', 'pid', 'uts'] as const;
export const DEFAULT_SHARE = ['ipc', 'net', 'uts'];
/** Built locally from Debian's catatonit: no registry is needed for pods. */
export { PAUSE_IMAGE };
const CATATONIT = ['/usr/bin/catatonit', '/usr/libexec/catatonit/catatonit', '/usr/libexec/podman/catatonit'];
const NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

/** What the pod API is given (PodSpec); kept under this name for the pod code. */
export type PodOptions = PodSpec;

export interface Pod {
  config: PodConfig;
  containers: Container[];
  status: PodStatus;
}

function parseShare(share: string[] | undefined): string[] {
  if (share === undefined) return DEFAULT_SHARE;
  const list = share.flatMap((s) => s.split(',')).map((s) => s.trim()).filter((s) => s && s !== 'none');
  for (const s of list) {
    if (!(SHAREABLE as readonly string[]).includes(s)) throw invalidArgument(`invalid kernel namespace to share: ${s}: must be one of ${SHAREABLE.join(', ')}`);
  }
  return [...new Set(list)];
}

/** The local infra image: catatonit as /catatonit, entrypoint `catatonit -P`. */
export async function ensurePauseImage(e: EngineContext): Promise<string> {
  if (e.images.lookup(PAUSE_IMAGE)) return PAUSE_IMAGE;
  const tmp = join(e.config.root, 'tmp');
  mkdirSync(tmp, { recursive: true });
  return withLock(join(tmp, 'pause-image.lock'), async () => {
    if (e.images.lookup(PAUSE_IMAGE)) return PAUSE_IMAGE;
    const bin = CATATONIT.find((p) => existsSync(p));
    if (!bin) throw new HuskError('ENGINE', `building the pod infra image: catatonit not found (looked in ${CATATONIT.join(', ')}): install Debian's catatonit package`);
    const { writeTar } = await import('../../image/tarwriter.ts');
    const { importTarball } = await import('../../image/import.ts');
    const mtime = Math.floor(Date.now() / 1000);
    const chunks: Buffer[] = [];
    for await (const b of writeTar([{ name: 'catatonit', type: 'file', mode: 0o755, uid: 0, gid: 0, mtime, body: readFileSync(bin) }])) chunks.push(b);
    const file = join(tmp, `pause-${randomBytes(8).toString('hex')}.tar`);
    writeFileSync(file, Buffer.concat(chunks));
    try {
      await importTarball(e.images, file, PAUSE_IMAGE, { changes: ['ENTRYPOINT ["/catatonit", "-P"]'], message: 'husk pod infra image (catatonit)' });
    } finally {
      rmSync(file, { force: true });
    }
    return PAUSE_IMAGE;
  });
}

export function getPod(e: EngineContext, ref: string): PodConfig {
  return e.db.getPod(e.db.lookupPod(ref))!;
}

/** Podman's pod status rules over all of the pod's containers (infra included). */
export function podStatus(e: EngineContext, containers: Container[]): PodStatus {
  if (!containers.length) return 'Created';
  const n = { running: 0, paused: 0, stopped: 0, created: 0, error: 0 };
  for (const c of containers) {
    const s = L.syncState(e, c).state.status;
    if (s === 'running') n.running++;
    else if (s === 'paused') n.paused++;
    else if (s === 'exited' || s === 'stopped') n.stopped++;
    else if (s === 'created') n.created++;
    else n.error++;
  }
  if (n.running > 0) return n.running === containers.length ? 'Running' : 'Degraded';
  if (n.paused === containers.length) return 'Paused';
  if (n.stopped === containers.length) return 'Exited';
  if (n.stopped > 0) return 'Stopped';
  if (n.error > 0) return 'Error';
  return 'Created';
}

export function loadPod(e: EngineContext, ref: string): Pod {
  const config = getPod(e, ref);
  const containers = e.db.podContainers(config.id).map((c) => L.syncState(e, c));
  return { config, containers, status: podStatus(e, containers) };
}

export function listPods(e: EngineContext): Pod[] {
  const all = e.db.list();
  return e.db.listPods().map((config) => {
    const containers = all.filter((c) => c.config.pod === config.id).map((c) => L.syncState(e, c));
    return { config, containers, status: podStatus(e, containers) };
  });
}

function podLock(e: EngineContext, id: string): string {
  return join(e.config.runroot, 'locks', `pod-${id}.lock`);
}

export async function createPod(e: EngineContext, o: PodOptions = {}): Promise<PodConfig> {
  // The pod's -p/--add-host strings and its networks become the infra container's spec.
  const net: InfraNet = { portMappings: o.publish?.map(parsePublish), extraHosts: o.addHost?.map(parseAddHost), ip: o.ip, ip6: o.ip6, mac: o.mac };
  if (!o.networks?.length) return createPodWith(e, o, net);
  // --ip, --ip6 and --mac-address are the first network's, as for a container.
  const [first, ...extra] = o.networks.map((n, k) => (k ? { ...n } : { ...n, ip: n.ip ?? o.ip, ip6: n.ip6 ?? o.ip6, mac: n.mac ?? o.mac }));
  // As for a container: --network-alias replaces each network's alias= list.
  if (o.networkAliases?.length) for (const n of extra) n.aliases = o.networkAliases;
  return createPodWith(e, { ...o, network: first.network, networkAliases: o.networkAliases?.length ? o.networkAliases : first.aliases }, {
    ...net, ip: first.ip, ip6: first.ip6, mac: first.mac, interfaceName: first.interfaceName, extraNetworks: extra.length ? extra : undefined,
  });
}

/** The structured part of the infra container's network settings (a pod's own, or a `--pod new:` member's). */
type InfraNet = Pick<ContainerSpec, 'portMappings' | 'extraHosts' | 'interfaceName' | 'extraNetworks' | 'ip' | 'ip6' | 'mac'>;

export async function createPodWith(e: EngineContext, o: Omit<PodOptions, 'publish' | 'addHost'>, net: InfraNet): Promise<PodConfig> {
  if (o.name !== undefined && !NAME.test(o.name)) throw invalidArgument(`pod name "${o.name}" must match [a-zA-Z0-9][a-zA-Z0-9_.-]*: invalid argument`);
  const infra = o.infra ?? true;
  if (o.exitPolicy !== undefined && !['continue', 'stop'].includes(o.exitPolicy)) throw invalidArgument(`invalid pod exit policy: "${o.exitPolicy}"`);
  if (o.infraConmonPidFile && !infra) throw invalidArgument('cannot set an infra conmon PID file without an infra container');
  const share = infra ? parseShare(o.share) : [];
  if (!infra && (net.portMappings?.length || o.network || o.infraImage || o.infraCommand)) {
    throw invalidArgument('you must have an infra container to publish ports, set a network or an infra image/command');
  }
  // Podman's words (its CLI names the flag).
  for (const [flag, v] of [['ip', net.ip], ['ip6', net.ip6], ['mac', net.mac]] as const) {
    if (v && !infra) throw invalidArgument(`cannot set --${flag} without infra container: invalid argument`);
  }
  if (net.portMappings?.length && !share.includes('net')) throw invalidArgument('cannot publish ports of a pod that does not share its network namespace');
  const shareParent = o.shareParent ?? true;
  // Podman: without share-parent the pod has no cgroup of its own, so no limits either.
  const resources = shareParent ? await podResources(o.resources) : undefined;
  // The limits need a pod cgroup: without --cgroup-parent it is made under husk's own (Podman's /libpod_parent).
  const cgroupParent = o.cgroupParent === undefined ? (resources ? '/husk' : undefined) : cgroupParentPath(o.cgroupParent);
  if (cgroupParent && e.config.rootless) {
    throw invalidArgument(`${o.cgroupParent === undefined ? 'pod resource limits are' : '--cgroup-parent is'} not supported for rootless pods: rootless containers run under the delegated cgroup`);
  }
  let name = o.name;
  if (!name) do name = randomName(); while (e.db.db.prepare('SELECT 1 FROM pods WHERE name = ?').get(name));
  const pod: PodConfig = {
    id: randomBytes(32).toString('hex'), name, created: isoTime(), labels: o.labels ?? {},
    hostname: o.hostname ?? name, share, createCommand: o.createCommand,
    ...(o.exitPolicy && o.exitPolicy !== 'continue' ? { exitPolicy: o.exitPolicy } : {}),
    ...(cgroupParent ? { cgroupParent } : {}), ...(shareParent ? {} : { shareParent: false as const }), ...(resources ? { resources } : {}),
  };
  e.ensureDirs();
  e.db.addPod(pod);
  try {
    if (infra) {
      const image = o.infraImage ?? (await ensurePauseImage(e));
      const intent: ContainerSpec = {
        // The settings members inherit or see through the shared namespaces (Podman's FillOutSpecGen of the infra spec).
        ...o.infraSpec,
        image, name: o.infraName ?? `${pod.id.slice(0, 12)}-infra`, hostname: share.includes('uts') && !o.infraSpec?.utsMode ? pod.hostname : undefined,
        // Until the default network applies to every container, ports imply the bridge.
        entrypoint: o.infraCommand, network: o.network ?? (net.portMappings?.length ? 'bridge' : undefined), portMappings: net.portMappings, networkAliases: o.networkAliases,
        dns: o.dns, dnsSearch: o.dnsSearch, dnsOption: o.dnsOption?.length ? o.dnsOption : undefined, extraHosts: net.extraHosts, noHosts: o.noHosts,
        interfaceName: net.interfaceName, extraNetworks: net.extraNetworks, ip: net.ip, ip6: net.ip6, mac: net.mac,
        pull: o.infraImage ? undefined : 'never',
        ...(o.infraConmonPidFile ? { conmonPidFile: o.infraConmonPidFile } : {}),
      };
      const c = await createContainer(e, intent, { podMember: { podId: pod.id, infra: true } });
      pod.infraId = c.config.id;
      e.db.updatePod(pod.id, (p) => { p.infraId = c.config.id; });
    }
  } catch (err) {
    e.db.removePod(pod.id);
    throw err;
  }
  e.events.write({ ID: pod.id, Name: pod.name, Status: 'create', Type: 'pod' });
  return pod;
}

/** The limits that were given; --cpus above the host's CPUs is the host's (Podman clamps it), 0 is none. */
async function podResources(r: PodOptions['resources']): Promise<PodConfig['resources']> {
  if (!r) return undefined;
  const out = Object.fromEntries(Object.entries(r).filter(([, v]) => v !== undefined && v !== 0 && v !== '')) as NonNullable<PodConfig['resources']>;
  if (out.cpus !== undefined) out.cpus = Math.min(out.cpus, availableParallelism());
  if (!Object.keys(out).length) return undefined;
  validateSpec({ image: PAUSE_IMAGE, ...out });
  // Host support: a pod cannot drop a limit as a container does (Podman 4.3
  // fails the pod create), so what the kernel lacks is an error here.
  const { checkHostLimits } = await import('../container/cgroup-limits.ts');
  // The container's warning, less its "... discarded." sentence, as the reason.
  const reason = (msg: string) => msg[0]!.toLowerCase() + msg.slice(1).replace(/\.[^.]*discarded\.?$/, '');
  checkHostLimits(out, (msg) => { throw invalidArgument(`cannot set the pod's limits: ${reason(msg)}`); });
  return out;
}

/**
 * --cgroup-parent as Podman takes it with the cgroupfs manager: a path made
 * absolute (a relative one is under the root, where PID 1's cgroup is on
 * these hosts); systemd slices are refused, as husk manages cgroups itself.
 */
function cgroupParentPath(p: string): string {
  if (p.endsWith('.slice')) throw invalidArgument('systemd slice received as cgroup parent when using cgroupfs: invalid argument');
  const parts = p.split('/').filter((x) => x && x !== '.');
  if (parts.includes('..')) throw invalidArgument(`invalid cgroup parent "${p}": it must not contain ".."`);
  return `/${parts.join('/')}`;
}

/**
 * Rewrites a new member's intent to join the pod's shared namespaces
 * (`--pod NAME`, or `--pod new:NAME`, which creates the pod from the
 * container's network flags first, as Podman does).
 */
export async function joinPod(e: EngineContext, intent: ContainerSpec): Promise<{ podId: string; intent: ContainerSpec }> {
  const ref = intent.pod!;
  let pod: PodConfig;
  let i = { ...intent };
  if (ref.startsWith('new:')) {
    pod = await createPodWith(e, {
      name: ref.slice(4), network: i.network, networkAliases: i.networkAliases,
      dns: i.dns, dnsSearch: i.dnsSearch, dnsOption: i.dnsOption, noHosts: i.noHosts, hostname: i.hostname,
    }, { portMappings: i.portMappings, extraHosts: i.extraHosts, interfaceName: i.interfaceName, extraNetworks: i.extraNetworks, ip: i.ip, ip6: i.ip6, mac: i.mac });
    i = { ...i, network: undefined, portMappings: undefined, networkAliases: undefined, dns: undefined, dnsSearch: undefined, dnsOption: undefined, extraHosts: undefined, noHosts: undefined, hostname: undefined, interfaceName: undefined, extraNetworks: undefined, ip: undefined, ip6: undefined, mac: undefined };
  } else {
    pod = getPod(e, ref);
  }
  // Any container up (Podman refuses a degraded pod too): the init containers of a started pod have had their turn.
  if (i.initContainerType && loadPod(e, pod.id).containers.some(isLive)) throw invalidArgument('cannot add init-ctr to a running pod');
  if (!pod.infraId) return { podId: pod.id, intent: { ...i, pod: pod.id } };
  const join = `container:${pod.infraId}`;
  // Podman takes from the pod only the namespaces the member leaves unset: an
  // explicit --network (bridge included), --pid, --ipc or --uts is the
  // member's own (specgen's FromPod is only the default; checked with 4.3.1).
  const ownUts = !!i.utsMode;
  if (pod.share.includes('net') && !i.network && !i.extraNetworks?.length) {
    // Podman's specgen Validate, in its order: the network settings are the
    // infra container's. (Its CLI turns --ip, --ip6, --mac-address and
    // --network-alias into a "default" network entry, hence that message.)
    const onPod = (what: string) => invalidArgument(`invalid config provided: ${what}: network cannot be configured when it is shared with a pod`);
    if (i.ip || i.ip6 || i.mac || i.networkAliases?.length) throw onPod('networks must be defined when the pod is created');
    if (i.portMappings?.length || i.publishAll) throw onPod('published or exposed ports must be defined when the pod is created');
    if (i.extraHosts?.length) throw onPod('extra host entries must be specified on the pod');
    i.network = join;
  }
  for (const [ns, key] of [['pid', 'pidMode'], ['ipc', 'ipcMode'], ['uts', 'utsMode']] as const) {
    if (pod.share.includes(ns) && !i[key]) i[key] = join;
  }
  const infra = e.db.get(pod.infraId);
  if (pod.share.includes('uts') && !ownUts) {
    if (i.hostname) throw invalidArgument('invalid config provided: cannot set hostname when joining the pod UTS namespace: invalid configuration');
    // A pod in the host's UTS namespace (--uts host) has the host's name.
    if (!infra?.config.intent.utsMode) i.hostname = pod.hostname;
  }
  return { podId: pod.id, intent: infra ? inheritInfra(infra, { ...i, pod: pod.id }) : { ...i, pod: pod.id } };
}

/**
 * What a member takes from the infra container (Podman's InfraInherit):
 * its mounts (resolved, so an anonymous volume is the same one), devices,
 * security options, /dev/shm size and user namespace mapping. What the
 * member sets itself wins (a mount at the same destination, its own option).
 */
function inheritInfra(infra: Container, i: ContainerSpec): ContainerSpec {
  const from = infra.config.intent;
  const out = { ...i };
  const own = new Set((i.mounts ?? []).map((m) => m.destination));
  const mounts = (infra.config.mounts ?? []).filter((m) => !own.has(m.destination)).map((m) => ({ ...m, anonymous: false }));
  if (mounts.length) out.mounts = [...mounts, ...(i.mounts ?? [])];
  const at = (d: { path: string; containerPath?: string }) => d.containerPath ?? d.path;
  const devices = (from.devices ?? []).filter((d) => !(i.devices ?? []).some((x) => at(x) === at(d)));
  if (devices.length) out.devices = [...devices, ...(i.devices ?? [])];
  for (const key of ['seccompProfile', 'noNewPrivileges', 'mask', 'unmask', 'shmSize'] as const) {
    if (out[key] === undefined && from[key] !== undefined) (out as Record<string, unknown>)[key] = from[key];
  }
  // The user namespace is the pod's: a member that names none gets the infra container's mapping.
  if (!out.userns && !out.uidMap && !out.gidMap && !out.subUidName && !out.subGidName && (from.userns || from.uidMap || from.gidMap || from.subUidName || from.subGidName)) {
    // userns=auto and --subuidname: the range the infra container was given, not another one per member.
    const auto = from.userns?.mode === 'auto' || from.subUidName || from.subGidName ? infra.config.idmap : undefined;
    Object.assign(out, auto ? { uidMap: auto.uidMap, gidMap: auto.gidMap } : { userns: from.userns, uidMap: from.uidMap, gidMap: from.gidMap });
  }
  return out;
}

/** Starts the pod's infra container if it is not running (members need its namespaces). */
export async function ensureInfraRunning(e: EngineContext, podId: string): Promise<void> {
  const infraId = e.db.getPod(podId)?.infraId;
  if (!infraId) return;
  const infra = e.db.get(infraId);
  if (!infra) throw new HuskError('POD_STATE', `the infra container of pod ${podId} is gone: remove the pod and create it again`);
  if (L.syncState(e, infra).state.status !== 'running') await L.startContainer(e, infraId);
}

const isLive = (c: Container) => c.state.status === 'running' || c.state.status === 'paused';

/** Runs fn on every container at once; throws the first error after all settled. */
async function forAll(list: Container[], fn: (c: Container) => Promise<unknown>): Promise<void> {
  const errors: Error[] = [];
  await Promise.all(list.map((c) => fn(c).catch((err: Error) => { errors.push(err); })));
  if (errors.length) throw errors[0];
}

function split(p: Pod): { infra?: Container; members: Container[] } {
  return { infra: p.containers.find((c) => c.config.isInfra), members: p.containers.filter((c) => !c.config.isInfra) };
}

/**
 * Starts the infra container, then (for a pod that was down) its init
 * containers one by one, each to a successful exit, then every member not
 * already running.
 */
export async function startPod(e: EngineContext, ref: string, o: { init?: boolean } = {}): Promise<Pod> {
  const p = loadPod(e, ref);
  await withLock(podLock(e, p.config.id), async () => {
    const { infra, members } = split(p);
    const init = members.filter((c) => c.config.intent.initContainerType).sort((a, b) => compareText(a.config.created, b.config.created));
    const regular = members.filter((c) => !c.config.intent.initContainerType);
    const down = infra ? !isLive(infra) : !regular.some(isLive);
    await ensureInfraRunning(e, p.config.id);
    if (down && o.init !== false) for (const c of init) await runInitContainer(e, c);
    await forAll(regular.filter((c) => c.state.status !== 'running'), (c) => L.startContainer(e, c.config.id));
  });
  e.events.write({ ID: p.config.id, Name: p.config.name, Status: 'start', Type: 'pod' });
  return loadPod(e, p.config.id);
}

/** An init container's run: started, waited for, removed after its first success when it is `once`. */
async function runInitContainer(e: EngineContext, c: Container): Promise<void> {
  const id = c.config.id;
  await L.startContainer(e, id);
  const { waitContainer } = await import('../container/wait.ts');
  const code = await waitContainer(e, id);
  if (code !== 0) throw new HuskError('POD_STATE', `init container ${id} exited with code ${code}`);
  if (c.config.intent.initContainerType === 'once') await L.removeContainer(e, id, { force: true });
}

/** Stops the members first (they may still use the shared network), then the infra container. */
export async function stopPod(e: EngineContext, ref: string, timeout?: number): Promise<Pod> {
  const p = loadPod(e, ref);
  await withLock(podLock(e, p.config.id), async () => {
    const { infra, members } = split(p);
    await forAll(members.filter(isLive), (c) => L.stopContainer(e, c.config.id, timeout));
    if (infra && isLive(infra)) await L.stopContainer(e, infra.config.id, timeout);
  });
  e.events.write({ ID: p.config.id, Name: p.config.name, Status: 'stop', Type: 'pod' });
  return loadPod(e, p.config.id);
}

export async function restartPod(e: EngineContext, ref: string, timeout?: number): Promise<Pod> {
  await stopPod(e, ref, timeout);
  // As Podman's: a restart runs no init containers.
  return startPod(e, ref, { init: false });
}

export async function killPod(e: EngineContext, ref: string, signal = 'KILL'): Promise<Pod> {
  const p = loadPod(e, ref);
  const running = p.containers.filter((c) => c.state.status === 'running');
  if (!running.length) throw new HuskError('POD_STATE', `pod ${p.config.id} has no running containers: no containers to kill`);
  const { infra, members } = split({ ...p, containers: running });
  await forAll(members, (c) => L.killContainer(e, c.config.id, signal));
  if (infra) await L.killContainer(e, infra.config.id, signal);
  e.events.write({ ID: p.config.id, Name: p.config.name, Status: 'kill', Type: 'pod' });
  return p;
}

export async function pausePod(e: EngineContext, ref: string, pause: boolean): Promise<Pod> {
  const p = loadPod(e, ref);
  const targets = p.containers.filter((c) => c.state.status === (pause ? 'running' : 'paused'));
  await forAll(targets, (c) => L.pauseContainer(e, c.config.id, pause));
  e.events.write({ ID: p.config.id, Name: p.config.name, Status: pause ? 'pause' : 'unpause', Type: 'pod' });
  return loadPod(e, p.config.id);
}

/** Removes the pod and its containers; running members need `force`. */
export async function removePod(e: EngineContext, ref: string, opts: { force?: boolean; timeout?: number } = {}): Promise<string> {
  const p = loadPod(e, ref);
  await withLock(podLock(e, p.config.id), async () => {
    const live = p.containers.filter(isLive);
    if (live.length && !opts.force) {
      throw new HuskError('POD_STATE', `pod ${p.config.name} has running containers (${live.map((c) => c.config.name).join(', ')}): stop the pod first or remove it with -f: pod state improper`);
    }
    const { infra, members } = split(p);
    if (opts.force) await forAll(members.filter(isLive), (c) => L.stopContainer(e, c.config.id, opts.timeout ?? 0));
    await forAll(members, (c) => L.removeContainer(e, c.config.id, { force: true }));
    if (infra) await L.removeContainer(e, infra.config.id, { force: true, infra: true });
    e.db.removePod(p.config.id);
  });
  // The pod's own cgroup (its members' are gone, their conmons are exiting); the parent stays, as Podman's.
  if (p.config.cgroupParent) await removeCgroupTree(podCgroupPath(p.config.cgroupParent, p.config.id));
  try { rmSync(podLock(e, p.config.id), { force: true }); } catch {}
  e.events.write({ ID: p.config.id, Name: p.config.name, Status: 'remove', Type: 'pod' });
  return p.config.id;
}

/** `pod inspect`, in Podman's shape. */
export function inspectPod(e: EngineContext, ref: string): Record<string, unknown> {
  const p = loadPod(e, ref);
  const infra = p.containers.find((c) => c.config.isInfra);
  const ports = infra?.config.ports ?? [];
  const ii = infra?.config.intent;
  const r = p.config.resources;
  // --security-opt as given, back from the fields it set.
  const securityOpts = [
    ...(ii?.seccompProfile ? [`seccomp=${ii.seccompProfile}`] : []), ...(ii?.noNewPrivileges ? ['no-new-privileges'] : []),
    ...(ii?.mask?.length ? [`mask=${ii.mask.join(':')}`] : []), ...(ii?.unmask?.length ? [`unmask=${ii.unmask.join(':')}`] : []),
  ];
  const doc = {
    Id: p.config.id, Name: p.config.name, Created: p.config.created, CreateCommand: p.config.createCommand ?? [],
    ExitPolicy: p.config.exitPolicy ?? 'continue', State: p.status, Hostname: p.config.hostname, Labels: p.config.labels,
    CreateInfra: !!p.config.infraId, InfraContainerId: p.config.infraId ?? '',
    InfraConfig: infra ? {
      PortBindings: Object.fromEntries(ports.flatMap((m) => Array.from({ length: m.range }, (_, k) => [
        `${m.container_port + k}/${m.protocol}`, [{ HostIp: m.host_ip, HostPort: String(m.host_port + k) }],
      ]))),
      HostNetwork: infra.config.intent.network === 'host', StaticIP: '', StaticMAC: '', NoManageResolvConf: false,
      DNSServer: infra.config.intent.dns ?? [], DNSSearch: infra.config.intent.dnsSearch ?? [], DNSOption: infra.config.intent.dnsOption ?? [], NoManageHosts: !!infra.config.intent.noHosts,
      HostAdd: (infra.config.intent.extraHosts ?? []).map((h) => `${h.host}:${h.ip}`), Networks: Object.keys(infra.config.networks ?? {}), NetworkOptions: null,
      ...cpuFields(p.config.resources),
      // The infra container's own modes (Podman's: host with --pid/--uts host, private with a user namespace).
      pid_ns: ii?.pidMode ?? (p.config.share.includes('pid') ? 'container' : 'private'), userns: ownUserns(ii) ? 'private' : ii?.userns?.mode ?? 'host',
      uts_ns: ii?.utsMode ?? (p.config.share.includes('uts') ? 'container' : 'private'),
    } : undefined,
    // Empty without --cgroup-parent: the members then have husk's own cgroups, not a pod's.
    CgroupParent: p.config.cgroupParent ?? '', CgroupPath: p.config.cgroupParent ? podCgroupPath(p.config.cgroupParent, p.config.id) : '',
    // Podman lists the user namespace among the shared ones when the pod has its own.
    SharedNamespaces: ownUserns(ii) ? [...p.config.share, 'user'].sort() : p.config.share, NumContainers: p.containers.length,
    Containers: p.containers.map((c) => ({ Id: c.config.id, Name: c.config.name, State: c.state.status })),
    // Podman's pod-level resources and inherited settings, left out when unset.
    ...cpuFields(r), ...(r?.cpuShares ? { cpu_shares: r.cpuShares } : {}),
    ...(infra?.config.mounts?.length ? { mounts: infra.config.mounts.map(inspectMount) } : {}),
    ...(ii?.volumesFrom?.length ? { volumes_from: ii.volumesFrom.map((v) => (v.mode ? `${v.container}:${v.mode}` : v.container)) } : {}),
    ...(securityOpts.length ? { security_opt: securityOpts } : {}),
    ...(r?.memory ? { memory_limit: r.memory } : {}), ...(r?.memory || r?.memorySwap ? { memory_swap: r.memorySwap ?? r.memory! * 2 } : {}),
    ...(r?.cpusetMems ? { cpuset_mems: r.cpusetMems } : {}), ...(r?.blkioWeight ? { blkio_weight: r.blkioWeight } : {}),
    ...(r?.blkioWeightDevice?.length ? { blkio_weight_device: r.blkioWeightDevice.map((d) => goStruct({ Path: d.path, Weight: d.weight })) } : {}),
    ...(r?.deviceReadBps?.length ? { device_read_bps: r.deviceReadBps.map((d) => goStruct({ Path: d.path, Rate: d.rate })) } : {}),
    ...(r?.deviceWriteBps?.length ? { device_write_bps: r.deviceWriteBps.map((d) => goStruct({ Path: d.path, Rate: d.rate })) } : {}),
  };
  goFields(doc, { CPUPeriod: ['cpu_period', 0], CPUQuota: ['cpu_quota', 0], CPUShares: ['cpu_shares', 0], CPUSetCPUs: ['cpuset_cpus', ''], Mounts: ['mounts', []],
    VolumesFrom: ['volumes_from', []], SecurityOpts: ['security_opt', []], MemoryLimit: ['memory_limit', 0], MemorySwap: ['memory_swap', 0],
    CPUSetMems: ['cpuset_mems', ''], BlkioWeight: ['blkio_weight', 0], BlkioWeightDevice: ['blkio_weight_device', []],
    BlkioDeviceReadBps: ['device_read_bps', []], BlkioDeviceWriteBps: ['device_write_bps', []] });
  if (doc.InfraConfig) {
    goFields(doc.InfraConfig, { CPUPeriod: ['cpu_period', 0], CPUQuota: ['cpu_quota', 0], CPUSetCPUs: ['cpuset_cpus', ''], PidNS: ['pid_ns', ''], UserNS: ['userns', ''], UtsNS: ['uts_ns', ''] });
  }
  return doc;
}

/**
 * Podman's Go field names for --format templates ({{.MemoryLimit}}) where
 * its JSON names differ (memory_limit): hidden from the JSON document, with
 * Go's zero value for a field left out.
 */
function goFields(o: Record<string, unknown>, names: Record<string, [string, unknown]>): void {
  for (const [go, [json, zero]] of Object.entries(names)) Object.defineProperty(o, go, { enumerable: false, get: () => o[json] ?? zero });
}

/** Has the infra container (so the pod) a user namespace of its own? */
function ownUserns(ii: ContainerSpec | undefined): boolean {
  return !!ii && !!(ii.uidMap || ii.gidMap || ii.subUidName || ii.subGidName || ii.userns?.mode === 'auto');
}

/** cpu_period, cpu_quota and cpuset_cpus as Podman's pod inspect shows them. */
function cpuFields(r: PodConfig['resources']): Record<string, unknown> {
  return {
    ...(r?.cpus ? { cpu_period: 100_000, cpu_quota: Math.round(r.cpus * 100_000) } : {}),
    ...(r?.cpusetCpus ? { cpuset_cpus: r.cpusetCpus } : {}),
  };
}

/** A mount of the infra container in Podman's inspect shape. */
function inspectMount(m: NonNullable<Container['config']['mounts']>[number]): Record<string, unknown> {
  const prop = m.options.find((o) => PROPAGATION.includes(o));
  return {
    Type: m.type, ...(m.type === 'volume' ? { Name: m.source } : {}), Source: m.source ?? '', Destination: m.destination, Driver: m.type === 'volume' ? 'local' : '',
    Mode: '', Options: m.type === 'bind' ? ['rbind'] : [], RW: !m.options.includes('ro'), Propagation: prop ?? (m.type === 'bind' ? 'rprivate' : ''),
  };
}
