// `kube play` and `kube down`: Kubernetes YAML run on the engine API.
//
// play checks every document against the schema and translates all of them
// (translate.ts) before it creates anything; images are built (--build) or
// pulled next; then volumes (configMap/secret ones filled with their
// files), pods and their containers are created, init containers run to
// completion in order, and what this run created is removed again if a
// later step fails, so a file is played whole or not at all. down removes
// the pods the file names, their own volumes (emptyDir, configMap,
// secret), and with `force` the volumes of its claims.
import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism, totalmem } from 'node:os';
import { join } from 'node:path';
import { HuskError, invalidArgument } from '../common/errors.ts';
import type { Engine } from '../engine/api.ts';
import type { RegistryOptions } from '../engine/image/api.ts';
import type { ContainerSpec } from '../specgen/container.ts';
import { documentLabel, emitDocuments, parseDocuments, validateObject, type KubeDocument, type KubeObject } from './schema.ts';
import { configMapData, POD_UID, storeSecretData } from './sources.ts';
import { LABEL_EMPTYDIR_POD, translate, type Plan, type PlannedVolume } from './translate.ts';

/** The label on secrets kube play stored from a file's Secret documents. */
export const LABEL_KUBE_SECRET = 'io.husk.kube.secret';
/** And on those from an `immutable: true` Secret, which a later play may not replace. */
export const LABEL_KUBE_IMMUTABLE = 'io.husk.kube.immutable';
import { tarStream, type TarEntry } from '../build/tar.ts';

export interface PlayOptions {
  /** Start the pods (default true). */
  start?: boolean;
  /** Remove existing pods of the same names first (and their emptyDir volumes). */
  replace?: boolean;
  /** ConfigMap YAML texts from outside the file (--configmap). */
  configMaps?: string[];
  /** Every pod's network (--network). */
  network?: string;
  /** Ports to publish, overriding the file's for the same container port (--publish). */
  publish?: string[];
  /**
   * Images from directories (--build): a container's image whose name
   * (last path component, no tag) is a directory of `contextDir` holding a
   * Containerfile or Dockerfile is built there: when missing (undefined),
   * always (true), or never (false).
   */
  build?: boolean;
  /** Where those directories are (default: none, so nothing is built). */
  contextDir?: string;
  /** Build output (default: dropped). */
  buildOutput?: NodeJS.WritableStream;
  /** Progress and warnings (default: dropped). */
  warn?: (line: string) => void;
  /** --annotation: added to every container of the pods. */
  annotations?: Record<string, string>;
  /** --ip / --mac-address: the Nth pod's static address on its network, in the file's order. */
  ips?: string[];
  macs?: string[];
  /** --no-hosts: the pods' containers keep their image's /etc/hosts. */
  noHosts?: boolean;
  /** --log-driver / --log-opt for every container. */
  logDriver?: ContainerSpec['logDriver'];
  logOptions?: ContainerSpec['logOptions'];
  /** --userns for every container. */
  userns?: ContainerSpec['userns'];
  /** --seccomp-profile-root: where `localhost/` seccomp profiles are. */
  seccompRoot?: string;
  /** --tls-verify, --authfile, --creds, --cert-dir for the pulls. */
  registry?: RegistryOptions;
  /** Pull progress lines (unset, as with --quiet: none). */
  pullOutput?: (line: string) => void;
}

export interface PlayReport {
  pods: { id: string; name: string; containers: string[] }[];
  /** Volumes created by this run (claims and emptyDirs). */
  volumes: string[];
  /** IDs of the secrets stored from the file's Secret documents. */
  secrets: string[];
}

export interface DownOptions {
  /** Also remove the volumes of the file's claims. */
  force?: boolean;
}

export interface DownReport {
  pods: string[];
  volumes: string[];
  /** IDs of the secrets removed (the file's Secret documents). */
  secrets: string[];
}

/** Secret documents of the file, stored as husk secrets (the object's YAML, as Podman stores it). */
export interface SecretObject {
  name: string;
  yaml: string;
  /** `immutable: true`: a later play may not replace it (Podman's rule). */
  immutable: boolean;
}

/** Looks a secret up in the store: its keys, or undefined when there is none of that name. */
export type SecretLookup = (name: string) => Promise<Record<string, Buffer> | undefined>;

/** The secret store as kube play reads it (Podman: a JSON map of base64 values, or a Secret's YAML). */
export function storeLookup(engine: Engine): SecretLookup {
  return async (name) => {
    let text: string | undefined;
    try {
      text = (await engine.secrets.inspect(name, { showSecret: true })).SecretData;
    } catch (err) {
      if (err instanceof HuskError && err.code === 'NO_SUCH_SECRET') return undefined;
      throw err;
    }
    try {
      return storeSecretData(name, text ?? '', (t) => parseDocuments(t, `secret ${name}`)[0]?.object);
    } catch (err) {
      throw invalidArgument((err as Error).message);
    }
  };
}

/** Names of the Secrets the pods refer to (env secretKeyRef, envFrom secretRef, secret volumes). */
function referencedSecrets(docs: KubeDocument[]): Set<string> {
  const names = new Set<string>();
  const specs = docs.map((d) => (d.object.kind === 'Pod' ? d.object.spec : d.object.spec?.template?.spec)).filter(Boolean) as KubeObject[];
  for (const spec of specs) {
    for (const v of (spec.volumes ?? []) as KubeObject[]) if (v?.secret?.secretName) names.add(v.secret.secretName);
    for (const c of [...(spec.containers ?? []), ...(spec.initContainers ?? [])] as KubeObject[]) {
      for (const e of (c?.env ?? []) as KubeObject[]) if (e?.valueFrom?.secretKeyRef?.name) names.add(e.valueFrom.secretKeyRef.name);
      for (const e of (c?.envFrom ?? []) as KubeObject[]) if (e?.secretRef?.name) names.add(e.secretRef.name);
    }
  }
  return names;
}

/** Parses, validates and translates a file's text (and --configmap texts) into a plan. */
export async function planFile(
  text: string, source: string, configMapTexts: string[] = [],
  o: Pick<PlayOptions, 'network' | 'publish' | 'seccompRoot'> & { secrets?: SecretLookup; lenient?: boolean } = {},
): Promise<Plan & { secretObjects: SecretObject[] }> {
  const docs = parseDocuments(text, source);
  if (!docs.length) throw invalidArgument(`${source}: no documents`);
  for (const d of docs) await validateObject(d.object, `${source}: ${documentLabel(d)}`);
  // Secrets the pods use that the file does not define come from the secret store.
  const secretObjects = docs.filter((d) => d.object.kind === 'Secret' && d.object.metadata?.name)
    .map((d) => ({ name: d.object.metadata.name as string, yaml: emitDocuments([d.object]), immutable: d.object.immutable === true }));
  const stored: Record<string, Record<string, Buffer>> = {};
  for (const name of referencedSecrets(docs)) {
    if (secretObjects.some((x) => x.name === name) || !o.secrets) continue;
    const data = await o.secrets(name);
    if (data) stored[name] = data;
  }
  const configMaps: Record<string, Record<string, Buffer>> = {};
  for (const [i, t] of configMapTexts.entries()) {
    const cmDocs: KubeDocument[] = parseDocuments(t, `--configmap ${i + 1}`);
    for (const d of cmDocs) {
      await validateObject(d.object, `--configmap ${i + 1}: ${documentLabel(d)}`);
      if (d.object.kind !== 'ConfigMap') throw invalidArgument(`--configmap ${i + 1}: ${documentLabel(d)}: kind: must be ConfigMap`);
      const label = `--configmap ${i + 1}: ${documentLabel(d)}`;
      configMaps[d.object.metadata?.name] = configMapData(d.object, { fail: (path, why) => { throw invalidArgument(`${label}: ${path}: ${why}`); } });
    }
  }
  try {
    const node = { memory: totalmem(), cpus: availableParallelism() };
    return { ...translate(docs, { configMaps, secrets: stored, lenient: o.lenient, node, network: o.network, publish: o.publish, seccompRoot: o.seccompRoot }), secretObjects };
  } catch (err) {
    if (err instanceof HuskError) throw new HuskError(err.code, `${source}: ${err.message}`);
    throw err;
  }
}

async function removePods(engine: Engine, names: string[]): Promise<string[]> {
  const existing: string[] = [];
  for (const n of names) if (await engine.pods.exists(n)) existing.push(n);
  if (!existing.length) return [];
  const reports = await engine.pods.remove(existing, { force: true, ignore: true });
  const failed = reports.find((r) => r.error);
  if (failed) throw HuskError.from(failed.error!);
  return existing;
}

async function emptyDirVolumes(engine: Engine, pods: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const pod of pods) {
    const vols = await engine.volumes.list({ filters: { label: [`${LABEL_EMPTYDIR_POD}=${pod}`] } });
    out.push(...vols.map((v) => v.Name));
  }
  return out;
}

async function removeVolumes(engine: Engine, names: string[]): Promise<string[]> {
  const existing: string[] = [];
  for (const n of names) if (await engine.volumes.exists(n)) existing.push(n);
  if (!existing.length) return [];
  const reports = await engine.volumes.remove(existing, { force: true });
  const failed = reports.find((r) => r.error);
  if (failed) throw HuskError.from(failed.error!);
  return existing;
}

/** The tar stream of a configMap or secret volume's files (and the directories above them). */
function filesTar(v: PlannedVolume): AsyncIterable<Uint8Array> {
  const now = Math.floor(Date.now() / 1000);
  const dirs = new Set<string>();
  const entries: TarEntry[] = [];
  for (const f of v.files ?? []) {
    const parts = f.path.split('/');
    for (let k = 1; k < parts.length; k++) {
      const d = parts.slice(0, k).join('/');
      if (!dirs.has(d)) entries.push({ path: d, type: 'dir', mode: 0o755, uid: 0, gid: 0, mtime: now });
      dirs.add(d);
    }
    entries.push({ path: f.path, type: 'file', mode: f.mode, uid: 0, gid: 0, mtime: now, body: () => f.data });
  }
  return tarStream(entries);
}

/** The directory an image is built from: CONTEXT/NAME (the image's last path component, without tag or digest). */
function buildDir(image: string, contextDir: string): { dir: string; file: string } | undefined {
  const name = image.replace(/@.*$/, '').replace(/:[^/]*$/, '').split('/').pop()!;
  const dir = join(contextDir, name);
  for (const f of ['Containerfile', 'Dockerfile']) if (existsSync(join(dir, f))) return { dir, file: join(dir, f) };
  return undefined;
}

/** Builds the image from its directory when --build asks for it; true when it did. */
async function buildImage(engine: Engine, image: string, source: string, doc: string, o: PlayOptions): Promise<boolean> {
  if (o.build === false || !o.contextDir) return false;
  const from = buildDir(image, o.contextDir);
  if (!from) return false;
  if (o.build !== true && await engine.images.exists(image)) return false;
  const { build } = await import('../build/builder.ts');
  try {
    await build(engine, {
      contextDir: from.dir, containerfile: { text: readFileSync(from.file, 'utf8'), file: from.file, path: from.file },
      tags: [image], output: o.buildOutput, quiet: !o.buildOutput,
    });
  } catch (err) {
    const e = err instanceof HuskError ? err : new HuskError('ENGINE', (err as Error).message);
    throw HuskError.from({ code: e.code, message: `${source}: ${doc}: building ${image} from ${from.dir}: ${e.message}` });
  }
  return true;
}

/** The last lines a container wrote (for the error of a failed init container). */
async function lastLines(engine: Engine, id: string): Promise<string> {
  const lines: string[] = [];
  try {
    for await (const l of engine.containers.logs(id, { tail: 3 })) lines.push(l.text);
  } catch {}
  return lines.length ? `: ${lines.join(' / ')}` : '';
}

/**
 * Runs a pod's init containers one after the other, each to completion,
 * and removes each once it succeeded (Podman's "once" init containers, so
 * a later `pod start` does not run them beside the app containers).
 */
async function runInit(engine: Engine, source: string, pod: PlayReport['pods'][number], init: { id: string; name: string; once: boolean }[]): Promise<void> {
  for (const c of init) {
    const started = await engine.containers.start([c.id]);
    const e = started[0]?.error;
    if (e) throw HuskError.from({ code: e.code, message: `${source}: pod ${pod.name}: init container ${c.name}: ${e.message}` });
    const code = await engine.containers.wait(c.id);
    if (code !== 0) throw new HuskError('POD_STATE', `${source}: pod ${pod.name}: init container ${c.name} exited with code ${code}${await lastLines(engine, c.id)}`);
    if (c.once) await engine.containers.remove([c.id], { force: true });
  }
}

export async function play(engine: Engine, text: string, source: string, o: PlayOptions = {}): Promise<PlayReport> {
  const warn = o.warn ?? (() => {});
  const plan = await planFile(text, source, o.configMaps, { ...o, secrets: storeLookup(engine) });
  for (const w of plan.warnings) warn(w);
  applyPlayFlags(plan.pods, o);
  // An immutable Secret stored by an earlier play is not replaced (checked before --replace removes anything).
  for (const sec of plan.secretObjects) {
    const labels = await engine.secrets.inspect(sec.name).then((x) => x.Spec.Labels, () => ({} as Record<string, string>));
    if (labels[LABEL_KUBE_IMMUTABLE] === 'true') throw invalidArgument(`${source}: Secret ${sec.name}: cannot remove colliding secret as it is set to immutable`);
  }

  // Conflicts and images before anything is created.
  const names = plan.pods.map((p) => p.spec.name);
  if (o.replace) {
    const removed = await removePods(engine, names);
    await removeVolumes(engine, await emptyDirVolumes(engine, removed));
  } else {
    for (const p of plan.pods) {
      if (await engine.pods.exists(p.spec.name)) throw new HuskError('NAME_IN_USE', `${source}: ${p.source}: pod "${p.spec.name}" already exists (use --replace)`);
    }
  }
  const pulled = new Set<string>();
  for (const p of plan.pods) {
    for (const c of [...p.initContainers, ...p.containers]) {
      if (pulled.has(c.image)) continue;
      pulled.add(c.image);
      if (await buildImage(engine, c.image, source, p.source, o)) continue;
      if (c.pull !== 'always' && await engine.images.exists(c.image)) continue;
      if (c.pull === 'never') throw new HuskError('NO_SUCH_IMAGE', `${source}: ${p.source}: image ${c.image} not found and imagePullPolicy is Never`);
      try {
        await engine.images.pull(c.image, { ...o.registry, onMessage: o.pullOutput });
      } catch (err) {
        const e = err instanceof HuskError ? err : new HuskError('REGISTRY', String(err));
        throw new HuskError(e.code, `${source}: ${p.source}: image ${c.image}: ${e.message}`);
      }
    }
  }

  const report: PlayReport = { pods: [], volumes: [], secrets: [] };
  const inits = new Map<string, { id: string; name: string; once: boolean }[]>();
  const createdSecrets: string[] = [];
  const undo = async () => {
    await removePods(engine, report.pods.map((p) => p.id)).catch(() => {});
    await removeVolumes(engine, report.volumes).catch(() => {});
    if (createdSecrets.length) await engine.secrets.remove(createdSecrets, { ignore: true }).catch(() => {});
  };
  try {
    // Secret documents become husk secrets (replacing one of the same name, as Podman does).
    for (const sec of plan.secretObjects) {
      const existed = await engine.secrets.exists(sec.name);
      const labels = { [LABEL_KUBE_SECRET]: 'true', ...(sec.immutable ? { [LABEL_KUBE_IMMUTABLE]: 'true' } : {}) };
      const { id } = await engine.secrets.create(sec.name, { data: Buffer.from(sec.yaml).toString('base64'), replace: true, labels });
      report.secrets.push(id);
      if (!existed) createdSecrets.push(id);
    }
    for (const v of plan.volumes) {
      if (await engine.volumes.exists(v.options.name)) {
        if (v.kind === 'claim' || v.kind === 'emptyDir') continue;
        // A configMap/secret volume left by an earlier play: its files are refilled from this file.
        await removeVolumes(engine, [v.options.name]);
      }
      await engine.volumes.create(v.options);
      report.volumes.push(v.options.name);
      if (v.files?.length) await engine.volumes.import(v.options.name, filesTar(v));
    }
    for (const p of plan.pods) {
      const pod = await engine.pods.create(p.spec);
      const entry = { id: pod.id, name: pod.name, containers: [] as string[] };
      report.pods.push(entry);
      const pull = (c: typeof p.containers[number]) => (c.pull === 'always' ? 'missing' : c.pull);
      // fieldRef metadata.uid: the pod's ID, known only now.
      const withUid = (c: typeof p.containers[number]) => (c.env && Object.values(c.env).includes(POD_UID)
        ? { ...c, env: Object.fromEntries(Object.entries(c.env).map(([k, v]) => [k, v === POD_UID ? pod.id : v])) } : c);
      // Created as pod init containers (their type from Podman's annotation): a later `pod start` runs them first again.
      const init: { id: string; name: string; once: boolean }[] = [];
      for (const c of p.initContainers) {
        const ctr = await engine.containers.create({ ...withUid(c), pod: pod.id, pull: pull(c) });
        init.push({ id: ctr.config.id, name: ctr.config.name, once: c.initContainerType !== 'always' });
      }
      inits.set(pod.id, init);
      for (const c of p.containers) {
        const ctr = await engine.containers.create({ ...withUid(c), pod: pod.id, pull: pull(c) });
        entry.containers.push(ctr.config.id);
      }
    }
  } catch (err) {
    await undo();
    throw err;
  }
  // Not started: `pod start` runs the init containers before the others.
  if (o.start === false) return report;
  try {
    for (const p of report.pods) await runInit(engine, source, p, inits.get(p.id) ?? []);
  } catch (err) {
    // A failed init container fails the play: nothing of this file stays.
    await undo();
    throw err;
  }
  const reports = await engine.pods.start(report.pods.map((p) => p.id));
  const failed = reports.find((r) => r.error);
  if (failed) throw HuskError.from(failed.error!);
  return report;
}

/** The flags that set something on every pod or container of the file (Podman applies them after reading it). */
function applyPlayFlags(pods: Awaited<ReturnType<typeof planFile>>['pods'], o: PlayOptions): void {
  for (const [i, p] of pods.entries()) {
    const ip = o.ips?.[i];
    const mac = o.macs?.[i];
    if (ip || mac) {
      if (p.spec.network === 'host' || p.spec.network === 'none') throw invalidArgument(`${p.source}: --ip and --mac-address need a bridge network, not ${p.spec.network}`);
      p.spec.networks = [{ network: p.spec.network ?? 'bridge', ...(ip ? { ip } : {}), ...(mac ? { mac } : {}) }];
    }
    if (o.noHosts) p.spec.noHosts = true;
    for (const c of [...p.initContainers, ...p.containers]) {
      if (o.annotations && Object.keys(o.annotations).length) c.annotations = { ...c.annotations, ...o.annotations };
      if (o.noHosts) c.noHosts = true;
      if (o.logDriver) c.logDriver = o.logDriver;
      if (o.logOptions) c.logOptions = o.logOptions;
      if (o.userns) c.userns = o.userns;
    }
  }
}

/** Removes what play created from this file: its pods, their emptyDir volumes, and with force its claims' volumes. */
export async function down(engine: Engine, text: string, source: string, o: DownOptions = {}): Promise<DownReport> {
  const plan = await planFile(text, source, [], { lenient: true });
  const pods = await removePods(engine, plan.pods.map((p) => p.spec.name));
  const names = plan.secretObjects.map((x) => x.name);
  const secrets = names.length ? (await engine.secrets.remove(names, { ignore: true })).filter((r) => !r.error).map((r) => r.id) : [];
  const volumes = await removeVolumes(engine, [
    ...await emptyDirVolumes(engine, plan.pods.map((p) => p.spec.name)),
    ...(o.force ? plan.volumes.filter((v) => v.kind === 'claim').map((v) => v.options.name) : []),
  ]);
  return { pods, volumes, secrets };
}
