// ConfigMaps and Secrets as kube play reads them: their data (Secret `data`
// and ConfigMap `binaryData` are base64, `stringData`/`data` plain text),
// the environment they give a container (env valueFrom, envFrom), and the
// files a configMap/secret volume holds (one per key, or the `items`
// chosen, each with its mode). Pure; errors name the field.
import type { KubeObject } from './schema.ts';
import { parseQuantity } from './units.ts';

/**
 * Key → bytes of every ConfigMap and Secret the file (and --configmap)
 * defines, and of the store's secrets the file refers to without defining.
 */
export interface Refs {
  configMaps: Record<string, Record<string, Buffer>>;
  secrets: Record<string, Record<string, Buffer>>;
  /** Missing sources and keys are skipped as if optional (kube down only needs the names). */
  lenient?: boolean;
  /** The node's allocatable memory and CPUs (resourceFieldRef of an unset limit). */
  node?: { memory: number; cpus: number };
  /** --seccomp-profile-root: where `localhost/NAME` seccomp profiles are (default /var/lib/kubelet/seccomp). */
  seccompRoot?: string;
}

/** What `fieldRef` may read: the pod's own metadata (Podman's set, plus namespace). */
export interface PodFields {
  name: string;
  namespace: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** What an unset limit or request reads as for resourceFieldRef (the node's allocatable: the host's memory and CPUs). */
  node: { memory: number; cpus: number };
}

/** The error for a missing source: Podman's words for secrets (the store was asked too). */
function missing(what: 'ConfigMap' | 'Secret', name: string): string {
  return what === 'Secret' ? `no secret with name or id ${JSON.stringify(name)}: no such secret` : `no ConfigMap "${name}" in the file or --configmap`;
}

/** A file a configMap or secret volume holds: path relative to the volume's root. */
export interface VolumeFile {
  path: string;
  data: Buffer;
  mode: number;
}

/** What translate's context offers: failing and warning with the document's name. */
export interface Failer {
  fail(path: string, why: string): never;
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function decode(value: unknown, at: string, ctx: Failer): Buffer {
  const s = String(value ?? '').replace(/\s+/g, '');
  if (!BASE64.test(s)) ctx.fail(at, 'not valid base64');
  return Buffer.from(s, 'base64');
}

const KEY = /^[-._a-zA-Z0-9]+$/;

function entries(o: KubeObject, field: string, ctx: Failer, base64: boolean, out: Record<string, Buffer>): void {
  for (const [k, v] of Object.entries(o[field] ?? {})) {
    if (!KEY.test(k)) ctx.fail(`${field}.${k}`, 'a key must consist of alphanumerics, "-", "_" or "."');
    out[k] = base64 ? decode(v, `${field}.${k}`, ctx) : Buffer.from(String(v ?? ''));
  }
}

/** A ConfigMap's keys: data (text) and binaryData (base64). */
export function configMapData(o: KubeObject, ctx: Failer): Record<string, Buffer> {
  const out: Record<string, Buffer> = {};
  entries(o, 'data', ctx, false, out);
  entries(o, 'binaryData', ctx, true, out);
  return out;
}

/** A Secret's keys: data (base64), overridden by stringData (text), as the API server merges them. */
export function secretData(o: KubeObject, ctx: Failer): Record<string, Buffer> {
  const out: Record<string, Buffer> = {};
  entries(o, 'data', ctx, true, out);
  entries(o, 'stringData', ctx, false, out);
  return out;
}

/**
 * The data of a store secret kube play reads, as Podman does: a JSON map
 * of base64 values, or a Secret's YAML (what `kube play` stores for a
 * Secret document): its data and stringData.
 */
export function storeSecretData(name: string, text: string, parseYaml: (t: string) => unknown): Record<string, Buffer> {
  try {
    const j = JSON.parse(text) as unknown;
    if (j && typeof j === 'object' && !Array.isArray(j) && Object.values(j).every((v) => typeof v === 'string')) {
      return Object.fromEntries(Object.entries(j as Record<string, string>).map(([k, v]) => [k, Buffer.from(v, 'base64')]));
    }
  } catch {}
  let o: unknown;
  try { o = parseYaml(text); } catch {}
  if (o && typeof o === 'object' && !Array.isArray(o) && ('data' in o || 'stringData' in o || (o as KubeObject).kind === 'Secret')) {
    return secretData(o as KubeObject, { fail: (path, why) => { throw new Error(`secret ${JSON.stringify(name)}: ${path}: ${why}`); } });
  }
  throw new Error(`secret ${JSON.stringify(name)} is not a Kubernetes Secret (a JSON map of base64 values, or Secret YAML)`);
}

/** Stands for the pod's ID in a planned container's env until play knows it (fieldRef metadata.uid). */
export const POD_UID = '\u0000husk:pod-uid\u0000';

const LABEL_REF = /^metadata\.labels\['(.+)'\]$/;
const ANNOTATION_REF = /^metadata\.annotations\['(.+)'\]$/;

/** env valueFrom.fieldRef: the pod's name, namespace, a label or an annotation (a missing one is ""). */
function fieldRef(ref: KubeObject, at: string, pod: PodFields, ctx: Failer): string {
  const p = String(ref?.fieldPath ?? '');
  if (p === 'metadata.name') return pod.name;
  if (p === 'metadata.namespace') return pod.namespace;
  // The pod's ID exists only once it is created: play puts it in place of this marker.
  if (p === 'metadata.uid') return POD_UID;
  const l = LABEL_REF.exec(p);
  if (l) return pod.labels[l[1]] ?? '';
  const a = ANNOTATION_REF.exec(p);
  if (a) return pod.annotations[a[1]] ?? '';
  return ctx.fail(`${at}.fieldPath`, `can not handle \`fieldRef: ${p}\`: unsupported fieldRef (metadata.name, metadata.namespace, metadata.uid, metadata.labels['KEY'] and metadata.annotations['KEY'] are)`);
}

const MEMORY_DIVISORS = ['1', '1k', '1M', '1G', '1T', '1P', '1E', '1Ki', '1Mi', '1Gi', '1Ti', '1Pi', '1Ei'];

/**
 * env valueFrom.resourceFieldRef, as Podman's envVarValueResourceFieldRef:
 * the container's limits/requests of memory or cpu (unset: the node's),
 * divided by `divisor` (memory: 1, 1k...1Ei; cpu: 1 or 1m); cpu rounds up.
 */
function resourceFieldRef(ref: KubeObject, c: KubeObject, at: string, node: PodFields['node'], ctx: Failer): string {
  const resource = String(ref?.resource ?? '');
  const m = /^(limits|requests)\.(memory|cpu)$/.exec(resource);
  if (!m) return ctx.fail(`${at}.resource`, `can not handle \`resourceFieldRef: ${resource}\`: unsupported resourceFieldRef`);
  const [, kind, what] = m;
  const divisorText = ref.divisor === undefined ? '1' : String(ref.divisor);
  const valid = what === 'memory' ? MEMORY_DIVISORS.includes(divisorText) : ['1', '1m'].includes(divisorText);
  const divisor = parseQuantity(divisorText);
  if (!valid || !divisor) return ctx.fail(`${at}.divisor`, `resource ${resource} has an invalid divisor: ${divisorText}`);
  const given = c.resources?.[kind]?.[what] ?? (kind === 'requests' ? c.resources?.limits?.[what] : undefined);
  const value = given === undefined ? (what === 'memory' ? node.memory : node.cpus) : parseQuantity(given);
  if (value === undefined) return ctx.fail(`${at}.resource`, `invalid quantity "${given}" in the container's ${kind}.${what}`);
  return String(what === 'cpu' ? Math.ceil(value / divisor) : Math.floor(value / divisor));
}

/** The container's environment from env and envFrom (envFrom first; env wins). */
export function envOf(c: KubeObject, path: string, refs: Refs, ctx: Failer, pod?: PodFields): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [i, ef] of ((c.envFrom ?? []) as KubeObject[]).entries()) {
    const at = `${path}.envFrom[${i}]`;
    const [field, what, table] = ef.secretRef ? ['secretRef', 'Secret', refs.secrets] as const : ['configMapRef', 'ConfigMap', refs.configMaps] as const;
    const ref = ef[field];
    if (!ref) ctx.fail(at, 'configMapRef or secretRef required');
    const data = table[ref.name];
    if (!data) {
      if (ref.optional || refs.lenient) continue;
      ctx.fail(`${at}.${field}.name`, missing(what, ref.name));
    }
    for (const [k, v] of Object.entries(data)) env[`${ef.prefix ?? ''}${k}`] = v.toString('utf8');
  }
  for (const [i, e] of ((c.env ?? []) as KubeObject[]).entries()) {
    const at = `${path}.env[${i}]`;
    if (!e.valueFrom) {
      env[e.name] = e.value ?? '';
      continue;
    }
    if (e.valueFrom.fieldRef && pod) {
      env[e.name] = fieldRef(e.valueFrom.fieldRef, `${at}.valueFrom.fieldRef`, pod, ctx);
      continue;
    }
    if (e.valueFrom.resourceFieldRef && pod) {
      env[e.name] = resourceFieldRef(e.valueFrom.resourceFieldRef, c, `${at}.valueFrom.resourceFieldRef`, pod.node, ctx);
      continue;
    }
    const [field, what, table] = e.valueFrom.secretKeyRef ? ['secretKeyRef', 'Secret', refs.secrets] as const
      : e.valueFrom.configMapKeyRef ? ['configMapKeyRef', 'ConfigMap', refs.configMaps] as const : [];
    if (!field) ctx.fail(`${at}.valueFrom`, `only configMapKeyRef, secretKeyRef, fieldRef and resourceFieldRef are supported (got ${Object.keys(e.valueFrom).join(', ')})`);
    const ref = e.valueFrom[field];
    const value = table[ref.name]?.[ref.key];
    if (value === undefined) {
      if (ref.optional || refs.lenient) continue;
      ctx.fail(`${at}.valueFrom.${field}`, table[ref.name] ? `no key "${ref.key}" in ${what} "${ref.name}"` : missing(what, ref.name));
    }
    env[e.name] = value.toString('utf8');
  }
  return env;
}

/** A relative path inside the volume: no absolute path, no `..`. */
function itemPath(p: unknown, at: string, ctx: Failer): string {
  const s = String(p ?? '');
  if (!s || s.startsWith('/') || s.split('/').some((x) => x === '..' || x === '')) ctx.fail(at, `"${s}" must be a relative path without ".."`);
  return s;
}

/**
 * The files of a configMap or secret volume (`v.configMap` / `v.secret`):
 * every key as a file of its name, or only `items` (key → path, mode);
 * defaultMode 0644. Undefined when the source is optional and missing.
 */
export function volumeFiles(v: KubeObject, at: string, refs: Refs, ctx: Failer): VolumeFile[] | undefined {
  const secret = !!v.secret;
  const src = secret ? v.secret : v.configMap;
  const field = secret ? 'secret' : 'configMap';
  const name = secret ? src.secretName : src.name;
  const data = (secret ? refs.secrets : refs.configMaps)[name];
  if (!data) {
    if (src.optional || refs.lenient) return undefined;
    ctx.fail(`${at}.${field}.${secret ? 'secretName' : 'name'}`, missing(secret ? 'Secret' : 'ConfigMap', name));
  }
  const mode = src.defaultMode ?? 0o644;
  if (!Number.isInteger(mode) || mode < 0 || mode > 0o777) ctx.fail(`${at}.${field}.defaultMode`, 'must be between 0 and 0777');
  if (!src.items?.length) return Object.entries(data).map(([key, buf]) => ({ path: key, data: buf, mode }));
  const files: VolumeFile[] = [];
  for (const [j, item] of (src.items as KubeObject[]).entries()) {
    const iat = `${at}.${field}.items[${j}]`;
    const buf = data[item.key];
    if (buf === undefined) {
      if (src.optional || refs.lenient) continue;
      ctx.fail(`${iat}.key`, `no key "${item.key}" in ${secret ? 'Secret' : 'ConfigMap'} "${name}"`);
    }
    const m = item.mode ?? mode;
    if (!Number.isInteger(m) || m < 0 || m > 0o777) ctx.fail(`${iat}.mode`, 'must be between 0 and 0777');
    files.push({ path: itemPath(item.path, `${iat}.path`, ctx), data: buf, mode: m });
  }
  return files;
}
