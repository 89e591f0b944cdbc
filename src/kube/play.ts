// `kube play` and `kube down`: Kubernetes YAML run on the engine API.
//
// play checks every document against the schema and translates all of them
// (translate.ts) before it creates anything; images are pulled next; then
// volumes, pods and their containers are created, and what this run created
// is removed again if a later step fails, so a file is played whole or not
// at all. down removes the pods the file names, their emptyDir volumes, and
// with `force` the volumes of its claims.
import { HuskError, invalidArgument } from '../common/errors.ts';
import type { Engine } from '../engine/api.ts';
import { documentLabel, parseDocuments, validateObject, type KubeDocument } from './schema.ts';
import { LABEL_EMPTYDIR_POD, translate, type Plan } from './translate.ts';

export interface PlayOptions {
  /** Start the pods (default true). */
  start?: boolean;
  /** Remove existing pods of the same names first (and their emptyDir volumes). */
  replace?: boolean;
  /** ConfigMap YAML texts from outside the file (--configmap). */
  configMaps?: string[];
  /** Progress and warnings (default: dropped). */
  warn?: (line: string) => void;
}

export interface PlayReport {
  pods: { id: string; name: string; containers: string[] }[];
  /** Volumes created by this run (claims and emptyDirs). */
  volumes: string[];
}

export interface DownOptions {
  /** Also remove the volumes of the file's claims. */
  force?: boolean;
}

export interface DownReport {
  pods: string[];
  volumes: string[];
}

/** Parses, validates and translates a file's text (and --configmap texts) into a plan. */
export async function planFile(text: string, source: string, configMapTexts: string[] = []): Promise<Plan> {
  const docs = parseDocuments(text, source);
  if (!docs.length) throw invalidArgument(`${source}: no documents`);
  for (const d of docs) await validateObject(d.object, `${source}: ${documentLabel(d)}`);
  const configMaps: Record<string, Record<string, string>> = {};
  for (const [i, t] of configMapTexts.entries()) {
    const cmDocs: KubeDocument[] = parseDocuments(t, `--configmap ${i + 1}`);
    for (const d of cmDocs) {
      await validateObject(d.object, `--configmap ${i + 1}: ${documentLabel(d)}`);
      if (d.object.kind !== 'ConfigMap') throw invalidArgument(`--configmap ${i + 1}: ${documentLabel(d)}: kind: must be ConfigMap`);
      configMaps[d.object.metadata?.name] = Object.fromEntries(Object.entries(d.object.data ?? {}).map(([k, v]) => [k, String(v)]));
    }
  }
  try {
    return translate(docs, { configMaps });
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

export async function play(engine: Engine, text: string, source: string, o: PlayOptions = {}): Promise<PlayReport> {
  const warn = o.warn ?? (() => {});
  const plan = await planFile(text, source, o.configMaps);
  for (const w of plan.warnings) warn(w);

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
    for (const c of p.containers) {
      if (pulled.has(c.image)) continue;
      pulled.add(c.image);
      if (c.pull !== 'always' && await engine.images.exists(c.image)) continue;
      if (c.pull === 'never') throw new HuskError('NO_SUCH_IMAGE', `${source}: ${p.source}: image ${c.image} not found and imagePullPolicy is Never`);
      try {
        await engine.images.pull(c.image);
      } catch (err) {
        const e = err instanceof HuskError ? err : new HuskError('REGISTRY', String(err));
        throw new HuskError(e.code, `${source}: ${p.source}: image ${c.image}: ${e.message}`);
      }
    }
  }

  const report: PlayReport = { pods: [], volumes: [] };
  try {
    for (const v of plan.volumes) {
      if (await engine.volumes.exists(v.options.name)) continue;
      await engine.volumes.create(v.options);
      report.volumes.push(v.options.name);
    }
    for (const p of plan.pods) {
      const pod = await engine.pods.create(p.spec);
      const entry = { id: pod.id, name: pod.name, containers: [] as string[] };
      report.pods.push(entry);
      for (const c of p.containers) {
        const ctr = await engine.containers.create({ ...c, pod: pod.id, pull: c.pull === 'always' ? 'missing' : c.pull });
        entry.containers.push(ctr.config.id);
      }
    }
  } catch (err) {
    await removePods(engine, report.pods.map((p) => p.id)).catch(() => {});
    await removeVolumes(engine, report.volumes).catch(() => {});
    throw err;
  }
  if (o.start !== false) {
    const reports = await engine.pods.start(report.pods.map((p) => p.id));
    const failed = reports.find((r) => r.error);
    if (failed) throw HuskError.from(failed.error!);
  }
  return report;
}

/** Removes what play created from this file: its pods, their emptyDir volumes, and with force its claims' volumes. */
export async function down(engine: Engine, text: string, source: string, o: DownOptions = {}): Promise<DownReport> {
  const plan = await planFile(text, source);
  const pods = await removePods(engine, plan.pods.map((p) => p.spec.name));
  const volumes = await removeVolumes(engine, [
    ...await emptyDirVolumes(engine, plan.pods.map((p) => p.spec.name)),
    ...(o.force ? plan.volumes.filter((v) => v.kind === 'claim').map((v) => v.options.name) : []),
  ]);
  return { pods, volumes };
}
