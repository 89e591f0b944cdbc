// Creating a container: the intent checked and completed (image, name,
// network, id map, mounts, secrets), its directories made and its record
// stored. Nothing runs yet: init and start live in lifecycle.ts, which
// `husk create` therefore does not load (docs/architecture.md, Start-up).
import { randomBytes } from '../../common/random.ts';
import { existsSync, mkdirSync } from 'node:fs';
import { HuskError, invalidArgument } from '../../common/errors.ts';
import type { EngineContext } from '../context.ts';
import { defaultNetworkMode } from '../config.ts';
import { chownUpper, resolveIdMap } from './idmap.ts';
import { checkRootlessIntent } from '../system/rootless.ts';
import { SPEC_VERSION, exposedPorts, validateSpec, type ContainerSpec } from '../../specgen/container.ts';
import { randomName } from './names.ts';
import { prepareRootfsDirs, removeContainerDirs, rootfsImage, rootfsPaths } from './rootfs.ts';
import { initialState, type Container, type ContainerConfig } from '../types.ts';
import type { EnginePullOptions } from '../image/pull.ts';
import type { ImageRecord } from '../../image/types.ts';
import { resolveMounts } from './mounts.ts';
import { resolveDevice } from './devices.ts';
import { removeAnonymousVolumes } from '../volume/volumes.ts';
import { resolveHealthcheck } from '../../specgen/health.ts';
import { checkNotifyMode } from './sdnotify.ts';
import { SYSTEMD_STOP_SIGNAL, systemdMode } from './systemd-mode.ts';
import { isoTime } from '../../common/isotime.ts';

export interface CreateOptions {
  /** Pull settings and progress for an image that must be pulled (--pull). */
  pull?: EnginePullOptions;
  /** Set by the pod code: the container is created in this pod (as its infra container). */
  podMember?: { podId: string; infra?: boolean };
  /** Podman's warnings for limits the host's kernel lacks (dropped from the spec). */
  onWarning?: (msg: string) => void;
}

/** Does the spec set a limit ./cgroup-limits.ts checks against the host? (cheap: no module loaded for the others). */
function hasHostLimits(r: ContainerSpec): boolean {
  return r.cpuPeriod !== undefined || r.cpuQuota !== undefined || r.cpusetMems !== undefined || r.blkioWeight !== undefined
    || !!(r.blkioWeightDevice?.length || r.deviceReadBps?.length || r.deviceWriteBps?.length || r.deviceReadIops?.length || r.deviceWriteIops?.length)
    || r.memorySwappiness !== undefined || !!r.oomKillDisable || r.cgroupConf !== undefined;
}

/** The image for a new container, pulled first when the policy says so. */
async function imageFor(e: EngineContext, intent: ContainerSpec, o: CreateOptions): Promise<ImageRecord> {
  const policy = intent.pull ?? 'missing';
  let local = policy === 'always' || policy === 'newer' ? undefined : e.images.lookup(intent.image);
  // Podman: a local image of another platform than asked for is pulled again (unless --pull=never).
  const want = o.pull?.platform;
  const cfg = local?.config as { os?: string; architecture?: string; variant?: string } | undefined;
  if (local && want && policy !== 'never' && ((want.os && want.os !== cfg?.os) || (want.arch && want.arch !== cfg?.architecture) || (want.variant && want.variant !== (cfg?.variant ?? '')))) local = undefined;
  if (local) return local;
  if (policy === 'never') return e.images.resolve(intent.image);
  try {
    // Loaded only when a pull happens: the registry client is not on the run path.
    const { pull } = await import('../image/pull.ts');
    return await pull(e, intent.image, o.pull);
  } catch (err) {
    // A name that resolves nowhere is, to the caller, an unknown image.
    if (err instanceof HuskError && err.code === 'INVALID_ARGUMENT' && !local) throw new HuskError('NO_SUCH_IMAGE', err.message);
    throw err;
  }
}

export async function createContainer(e: EngineContext, given: ContainerSpec, o: CreateOptions = {}): Promise<Container> {
  // Before the value checks, as Podman: a limit the kernel lacks is dropped with a warning, whatever its value.
  if (hasHostLimits(given)) given = (await import('./cgroup-limits.ts')).checkHostLimits(given, o.onWarning);
  validateSpec(given);
  let pod = o.podMember;
  if (given.pod && !pod) {
    // A member joins the infra container's namespaces: its intent is rewritten to say so.
    const joined = await (await import('../pod/pods.ts')).joinPod(e, given);
    given = joined.intent;
    pod = { podId: joined.podId };
  }
  // The default network mode is stored, so the container keeps it whatever the config says later.
  const intent: ContainerSpec = { ...given, network: given.network && given.network !== 'private' ? given.network : defaultNetworkMode(e.config) };
  // --cgroup-parent as Podman's cgroupfs manager takes it: a relative path is under the root.
  if (intent.cgroupParent !== undefined) intent.cgroupParent = `/${intent.cgroupParent.split('/').filter((x) => x && x !== '.').join('/')}`;
  validateSpec(intent);
  checkRootlessIntent(e, intent);
  // Podman's bats skip it for runc too: runc always makes a cgroup (under / when the spec names none).
  if (intent.cgroupsMode === 'disabled' && e.runtimeChoice().name !== 'crun') {
    throw invalidArgument(`--cgroups=disabled needs the crun runtime: ${e.runtimeChoice().name} always creates a cgroup`);
  }
  // Without a journal conmon would drop every line without a word: say so before anything exists.
  if (intent.logDriver === 'journald') {
    const j = await import('./journal.ts');
    if (!j.journalAvailable()) throw invalidArgument(`the journald log driver needs systemd-journald, which does not run on this host (no ${j.JOURNAL_SOCKET}): use k8s-file`);
  }
  const img = intent.rootfs ? userRootfsImage(intent.rootfs) : await imageFor(e, intent, o);
  if (intent.httpProxy) intent.env = { ...proxyEnv(), ...intent.env };
  if (intent.envMerge?.length) intent.env = (await import('./env-merge.ts')).mergeEnv(intent, img);
  // Podman refuses at create an image policy the image cannot serve (not for seccomp=unconfined).
  if (intent.seccompPolicy === 'image' && intent.seccompProfile !== 'unconfined' && !img.config.config?.Labels?.[SECCOMP_LABEL]) throw invalidArgument('no seccomp policy defined by image');
  const args = effectiveArgs(intent, img);
  if (!args.length) throw invalidArgument('no command or entrypoint provided, and no CMD or ENTRYPOINT from image');
  // systemd mode: its halt signal unless the user chose one (stored, so inspect shows it).
  if (systemdMode(intent, args) && !intent.stopSignal) intent.stopSignal = SYSTEMD_STOP_SIGNAL;
  // The spec's check merged with the image's HEALTHCHECK, once (the image may change later).
  const healthcheck = resolveHealthcheck(intent.healthcheck, img.config.config?.Healthcheck);
  checkNotifyMode(intent, healthcheck);
  const id = randomBytes(32).toString('hex');
  let name = intent.name;
  if (!name) {
    do name = randomName(); while (e.db.db.prepare('SELECT 1 FROM containers WHERE name = ?').get(name));
  }
  // Checked before volumes are created; the insert below re-checks atomically.
  if (intent.name && e.db.db.prepare('SELECT 1 FROM containers WHERE name = ?').get(intent.name)) nameInUse(e, intent.name);
  // Network modules load only for containers on networks (run --rm path stays lean).
  const wantsNet = !['none', 'host'].includes(intent.network!) && !intent.network!.startsWith('container:') || !!(intent.portMappings?.length || intent.publishAll || intent.ip || intent.ip6 || intent.mac);
  const net = wantsNet ? await (await import('../network/attach.ts')).resolveNetworking(e, intent, exposedPorts(intent, img.config.config?.ExposedPorts)) : {};
  const idmap = resolveIdMap(e, intent, img);
  // Checked now for an early error; the device's numbers are read at each start.
  for (const d of intent.devices ?? []) resolveDevice(d);
  // Secrets are read before anything is created: a missing one fails the create cleanly.
  const loaded = intent.secrets?.length ? await (await import('./secrets.ts')).loadSecrets(e, intent.secrets) : undefined;
  // A secret given by ID is kept by its name (the default target and inspect use it).
  if (loaded) intent.secrets = intent.secrets!.map((x, i) => ({ ...x, source: loaded.names[i] }));
  const { mounts, volumes } = resolveMounts(e, intent, img);
  const config: ContainerConfig = {
    id, name, intent, specVersion: SPEC_VERSION, imageId: img.id, imageName: img.names[0] ?? intent.image, args,
    created: isoTime(), runtime: e.runtimeChoice().name, mounts, volumes, ...net, ...(idmap ? { idmap } : {}),
    ...(pod ? { pod: pod.podId, isInfra: !!pod.infra } : {}), ...(healthcheck ? { healthcheck } : {}),
  };
  e.ensureDirs();
  prepareRootfsDirs(e.containerDir(id));
  if (idmap) chownUpper(rootfsPaths(e.containerDir(id)).upper, idmap);
  mkdirSync(e.bundleDir(id), { recursive: true });
  try {
    if (loaded) (await import('./secrets.ts')).writeSecrets(e, id, intent.secrets!, loaded.data, idmap);
    // A generated name another process took meanwhile (they are drawn from
    // ~24000 pairs, so 20 concurrent creates can collide): draw again.
    for (let tries = 0; ; tries++) {
      try {
        e.db.add(config, initialState());
        break;
      } catch (err) {
        if (intent.name || tries >= 10 || !(err instanceof HuskError && err.code === 'NAME_IN_USE')) throw err;
        config.name = randomName();
      }
    }
  } catch (err) {
    await removeContainerDirs(e.config.oneShot, e.containerDir(id));
    await removeAnonymousVolumes(e, config);
    throw err;
  }
  e.events.write({ ID: id, Name: config.name, Image: config.imageName, Status: 'create', Type: 'container' });
  return { config, state: initialState() };
}

/** --rootfs: the directory must exist (Podman's message); it stands in for an image without config or layers. */
function userRootfsImage(dir: string): ImageRecord {
  if (!existsSync(dir)) throw invalidArgument(`running container create option: stat ${dir}: no such file or directory`);
  return rootfsImage();
}

/** The label an image's own seccomp profile (JSON) is in, for --seccomp-policy=image. */
const SECCOMP_LABEL = 'io.containers.seccomp.profile';

/** Podman's proxy variables (containers/common config.ProxyEnv). */
const PROXY_ENV = ['http_proxy', 'https_proxy', 'ftp_proxy', 'no_proxy', 'HTTP_PROXY', 'HTTPS_PROXY', 'FTP_PROXY', 'NO_PROXY'];

/** --http-proxy: the engine's proxy variables (the caller's, for the local CLI), as Podman copies its own. */
function proxyEnv(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of PROXY_ENV) if (process.env[k] !== undefined) out[k] = process.env[k]!;
  return out;
}

function nameInUse(e: EngineContext, name: string): never {
  throw new HuskError('NAME_IN_USE', `creating container storage: the container name "${name}" is already in use by ${e.db.lookupId(name)}. You have to remove that container to be able to reuse that name: that name is already in use`);
}

/** Entrypoint + Cmd as Docker merges them: --entrypoint clears the image's Cmd. */
export function effectiveArgs(intent: ContainerConfig['intent'], img: ImageRecord): string[] {
  const ic = img.config.config ?? {};
  const entrypoint = intent.entrypoint ?? ic.Entrypoint ?? [];
  const cmd = intent.command?.length ? intent.command : intent.entrypoint !== undefined ? [] : (ic.Cmd ?? []);
  return [...entrypoint, ...cmd];
}
