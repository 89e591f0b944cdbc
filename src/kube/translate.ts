// Kubernetes documents as an engine plan: the pods (PodSpec + member
// ContainerSpecs) and volumes `kube play` creates. A pure function of the
// already schema-checked documents: every error names the document and the
// field path, and is raised before anything is created.
import { posix } from 'node:path';
import { invalidArgument } from '../common/errors.ts';
import type { PodSpec } from '../engine/pod/api.ts';
import type { VolumeCreateOptions } from '../engine/volume/api.ts';
import type { ContainerSpec, MountSpec, RestartPolicySpec } from '../specgen/container.ts';
import { parsePublish } from '../specgen/flags.ts';
import { probesToHealthcheck } from './probes.ts';
import { documentLabel, type KubeDocument, type KubeObject } from './schema.ts';
import { configMapData, envOf, secretData, volumeFiles, type PodFields, type Refs, type VolumeFile } from './sources.ts';
import { parseQuantity } from './units.ts';

/** Labels husk puts on what it creates, so `kube down` finds a pod's emptyDir volumes. */
export const LABEL_EMPTYDIR_POD = 'io.husk.kube.emptydir-pod';

export interface PlannedPod {
  /** Where it came from ("document 2 (Deployment web)"). */
  source: string;
  spec: PodSpec & { name: string };
  labels: Record<string, string>;
  containers: ContainerSpec[];
  /** Run to completion one after the other before `containers` start (restart policy no). */
  initContainers: ContainerSpec[];
  /** containerPort by port name, for a Service's named targetPort. */
  namedPorts: Record<string, number>;
  /** Every containerPort its containers declare (for --publish). */
  declaredPorts: number[];
}

export interface PlannedVolume {
  options: VolumeCreateOptions & { name: string };
  /**
   * A PersistentVolumeClaim's (kept by down without force), or one of the
   * pod's own (removed with it): an emptyDir, or a configMap or secret
   * volume filled with `files` once created.
   */
  kind: 'claim' | 'emptyDir' | 'configMap' | 'secret';
  files?: VolumeFile[];
}

export interface Plan {
  pods: PlannedPod[];
  volumes: PlannedVolume[];
  warnings: string[];
}

export interface TranslateOptions {
  /** ConfigMaps from outside the file (--configmap), by name: key → bytes. */
  configMaps?: Record<string, Record<string, Buffer>>;
  /** Secrets of the secret store the file refers to, by name: key → bytes (a Secret document of the file wins). */
  secrets?: Record<string, Record<string, Buffer>>;
  /** Missing ConfigMaps, Secrets and keys are no error (kube down needs only the names). */
  lenient?: boolean;
  /** The node's allocatable memory (bytes) and CPUs, for resourceFieldRef of an unset limit (default: none, 0). */
  node?: { memory: number; cpus: number };
  /** --network: every pod's network (not with hostNetwork). */
  network?: string;
  /** --seccomp-profile-root (default /var/lib/kubelet/seccomp). */
  seccompRoot?: string;
  /** --publish: [[ip:][hostPort]:]containerPort[/proto], overriding the file's port of the same containerPort. */
  publish?: string[];
}

const RESTART: Record<string, RestartPolicySpec['name']> = { Always: 'always', OnFailure: 'on-failure', Never: 'no' };
const PULL: Record<string, ContainerSpec['pull']> = { Always: 'always', IfNotPresent: 'missing', Never: 'never' };

class Ctx {
  readonly doc: string;
  readonly warnings: string[];
  constructor(doc: string, warnings: string[]) { this.doc = doc; this.warnings = warnings; }
  fail(path: string, why: string): never { throw invalidArgument(`${this.doc}: ${path}: ${why}`); }
  warn(path: string, why: string): void { this.warnings.push(`${this.doc}: ${path}: ${why}`); }
}

const INIT_TYPE = 'io.podman.annotations.init.container.type';

/** Podman's PVC annotations → local driver options. */
const PVC_ANNOTATIONS: Record<string, string> = {
  'volume.podman.io/device': 'device', 'volume.podman.io/type': 'type', 'volume.podman.io/mount-options': 'o',
  'volume.podman.io/uid': 'uid', 'volume.podman.io/gid': 'gid',
};

function claim(d: KubeObject, ctx: Ctx): PlannedVolume {
  const name = d.metadata?.name;
  if (typeof name !== 'string' || !name) ctx.fail('metadata.name', 'required');
  const annotations: Record<string, string> = d.metadata.annotations ?? {};
  const options: Record<string, string> = {};
  for (const [key, value] of Object.entries(annotations)) {
    if (PVC_ANNOTATIONS[key]) options[PVC_ANNOTATIONS[key]] = String(value);
    else if (key === 'volume.podman.io/driver' && value !== 'local') ctx.fail(`metadata.annotations["${key}"]`, `driver "${value}" is not supported (only local)`);
  }
  return { kind: 'claim', options: { name, labels: d.metadata.labels ?? {}, options, ignore: true } };
}

type Source = Omit<MountSpec, 'destination' | 'options'> & { readOnly?: boolean };

/** The pod's volumes as mount sources; emptyDirs become volumes of the pod's own. */
function podVolumes(podName: string, spec: KubeObject, path: string, refs: Refs, ctx: Ctx, out: PlannedVolume[]): Map<string, Source> {
  const sources = new Map<string, Source>();
  for (const [i, v] of ((spec.volumes ?? []) as KubeObject[]).entries()) {
    const at = `${path}.volumes[${i}]`;
    if (sources.has(v.name)) ctx.fail(`${at}.name`, `duplicate volume "${v.name}"`);
    if (v.persistentVolumeClaim) {
      sources.set(v.name, { type: 'volume', source: v.persistentVolumeClaim.claimName });
      if (!out.some((p) => p.options.name === v.persistentVolumeClaim.claimName)) {
        out.push({ kind: 'claim', options: { name: v.persistentVolumeClaim.claimName, ignore: true } });
      }
    } else if (v.hostPath) {
      if (!String(v.hostPath.path).startsWith('/')) ctx.fail(`${at}.hostPath.path`, 'must be absolute');
      sources.set(v.name, { type: 'bind', source: v.hostPath.path });
    } else if (v.emptyDir) {
      const name = `${podName}-${v.name}`;
      const memory = v.emptyDir.medium === 'Memory';
      const size = v.emptyDir.sizeLimit === undefined ? undefined : parseQuantity(v.emptyDir.sizeLimit);
      if (v.emptyDir.sizeLimit !== undefined && size === undefined) ctx.fail(`${at}.emptyDir.sizeLimit`, `invalid quantity "${v.emptyDir.sizeLimit}"`);
      if (v.emptyDir.medium && !memory) ctx.fail(`${at}.emptyDir.medium`, `"${v.emptyDir.medium}" is not supported (only Memory)`);
      out.push({
        kind: 'emptyDir',
        options: {
          name, labels: { [LABEL_EMPTYDIR_POD]: podName },
          options: memory ? { type: 'tmpfs', device: 'tmpfs', ...(size ? { o: `size=${Math.ceil(size)}` } : {}) } : {},
        },
      });
      sources.set(v.name, { type: 'volume', source: name });
    } else if (v.configMap || v.secret) {
      // A volume of the pod's own holding the files, mounted read-only (Kubernetes' are too).
      const files = volumeFiles(v, at, refs, ctx) ?? [];
      const name = `${podName}-${v.name}`;
      out.push({ kind: v.secret ? 'secret' : 'configMap', files, options: { name, labels: { [LABEL_EMPTYDIR_POD]: podName } } });
      sources.set(v.name, { type: 'volume', source: name, readOnly: true });
    } else {
      const kind = Object.keys(v).find((k) => k !== 'name') ?? '(none)';
      ctx.fail(`${at}.${kind}`, 'this volume source is not supported yet (persistentVolumeClaim, hostPath, emptyDir, configMap and secret are)');
    }
  }
  return sources;
}

function containerSpec(podName: string, c: KubeObject, path: string, pod: KubeObject, sources: Map<string, Source>, refs: Refs, ctx: Ctx, fields: PodFields, init = false): ContainerSpec {
  const mounts: MountSpec[] = ((c.volumeMounts ?? []) as KubeObject[]).map((m, i) => {
    const at = `${path}.volumeMounts[${i}]`;
    const src = sources.get(m.name);
    if (!src) ctx.fail(`${at}.name`, `no volume "${m.name}" in the pod's volumes`);
    if (m.subPathExpr) ctx.fail(`${at}.subPathExpr`, 'not supported yet (subPath is)');
    if (!String(m.mountPath).startsWith('/')) ctx.fail(`${at}.mountPath`, 'must be absolute');
    const { readOnly, ...source } = src;
    const sub = m.subPath ? String(m.subPath).replace(/\/+$/, '') : '';
    if (sub && (sub.startsWith('/') || sub.split('/').includes('..'))) ctx.fail(`${at}.subPath`, `"${m.subPath}" must be a relative path without ".."`);
    // A subPath of a hostPath is a path below it; of a volume, the volume's subpath.
    const located = !sub ? source : source.type === 'bind' ? { ...source, source: posix.join(source.source!, sub) } : { ...source, subpath: sub };
    return { ...located, destination: m.mountPath, options: m.readOnly || readOnly ? ['ro'] : [] };
  });
  const limits = c.resources?.limits ?? {};
  const requests = c.resources?.requests ?? {};
  const quantity = (v: unknown, at: string) => {
    if (v === undefined) return undefined;
    const n = parseQuantity(v);
    if (n === undefined) ctx.fail(at, `invalid quantity "${v}"`);
    return n;
  };
  const memory = quantity(limits.memory, `${path}.resources.limits.memory`);
  const cpus = quantity(limits.cpu, `${path}.resources.limits.cpu`);
  const reservation = quantity(requests.memory, `${path}.resources.requests.memory`);
  const sc = { ...(pod.securityContext ?? {}), ...(c.securityContext ?? {}) };
  const uid = sc.runAsUser;
  const gid = sc.runAsGroup;
  const user = uid !== undefined ? (gid !== undefined ? `${uid}:${gid}` : String(uid)) : gid !== undefined ? `0:${gid}` : undefined;
  if (c.lifecycle) ctx.warn(`${path}.lifecycle`, 'not supported yet; ignored');
  const policy = pod.restartPolicy ?? 'Always';
  const healthcheck = init ? undefined : probesToHealthcheck(c, path, policy, ctx);
  const env = envOf(c, path, refs, ctx, fields);
  const seccomp = seccompOf(c.name, fields.annotations, sc, refs.seccompRoot ?? DEFAULT_SECCOMP_ROOT, path, ctx);
  return {
    name: `${podName}-${c.name}`,
    image: c.image,
    ...(c.command ? { entrypoint: c.command } : {}),
    ...(c.args ? { command: c.args } : {}),
    ...(Object.keys(env).length ? { env } : {}),
    ...(c.workingDir ? { workdir: c.workingDir } : {}),
    ...(user ? { user } : {}),
    ...(c.tty ? { tty: true } : {}),
    ...(c.stdin ? { interactive: true } : {}),
    ...(memory ? { memory: Math.round(memory) } : {}),
    ...(reservation ? { memoryReservation: Math.round(reservation) } : {}),
    ...(cpus ? { cpus } : {}),
    ...(sc.privileged ? { privileged: true } : {}),
    ...(sc.capabilities?.add?.length ? { capAdd: sc.capabilities.add } : {}),
    ...(sc.capabilities?.drop?.length ? { capDrop: sc.capabilities.drop } : {}),
    ...(sc.readOnlyRootFilesystem ? { readOnly: true } : {}),
    ...(seccomp ? { seccompProfile: seccomp } : {}),
    ...(c.imagePullPolicy ? { pull: PULL[c.imagePullPolicy] } : {}),
    restartPolicy: { name: init ? 'no' : RESTART[policy] ?? 'always' },
    ...(healthcheck ? { healthcheck } : {}),
    ...(mounts.length ? { mounts } : {}),
  };
}

export const DEFAULT_SECCOMP_ROOT = '/var/lib/kubelet/seccomp';

/**
 * The container's seccomp profile, as Podman reads it: the annotation
 * container.seccomp.security.alpha.kubernetes.io/NAME, else
 * seccomp.security.alpha.kubernetes.io/pod, else securityContext.seccompProfile.
 * unconfined; runtime/default (docker/default) is the default; localhost/PATH
 * is PATH under the profile root. undefined: the default profile.
 */
function seccompOf(name: string, annotations: Record<string, string>, sc: KubeObject, root: string, path: string, ctx: Ctx): string | undefined {
  const fromAnnotation = annotations[`container.seccomp.security.alpha.kubernetes.io/${name}`] ?? annotations['seccomp.security.alpha.kubernetes.io/pod'];
  let profile = fromAnnotation;
  if (profile === undefined && sc.seccompProfile?.type !== undefined) {
    const t = sc.seccompProfile.type;
    profile = t === 'Unconfined' ? 'unconfined' : t === 'RuntimeDefault' ? 'runtime/default' : t === 'Localhost' ? `localhost/${sc.seccompProfile.localhostProfile ?? ''}` : t;
  }
  if (profile === undefined || profile === 'runtime/default' || profile === 'docker/default') return undefined;
  if (profile === 'unconfined') return 'unconfined';
  if (profile.startsWith('localhost/')) return posix.join(root, profile.slice('localhost/'.length));
  ctx.fail(fromAnnotation !== undefined ? 'metadata.annotations' : `${path}.securityContext.seccompProfile`, `invalid seccomp profile: ${profile}`);
}

/** One pod from a pod spec (a Pod's, or a Deployment's template). */
function plannedPod(name: string, labels: Record<string, string>, spec: KubeObject, path: string, refs: Refs, ctx: Ctx, volumes: PlannedVolume[], meta: { namespace?: string; annotations?: Record<string, string> } = {}): PlannedPod {
  const fields: PodFields = { name, namespace: meta.namespace ?? 'default', labels, annotations: meta.annotations ?? {}, node: refs.node ?? { memory: 0, cpus: 0 } };
  if (!Array.isArray(spec.containers) || !spec.containers.length) ctx.fail(`${path}.containers`, 'at least one container is required');
  if (spec.restartPolicy && !RESTART[spec.restartPolicy]) ctx.fail(`${path}.restartPolicy`, `must be Always, OnFailure or Never`);
  const sources = podVolumes(name, spec, path, refs, ctx, volumes);
  const publish: string[] = [];
  const namedPorts: Record<string, number> = {};
  const declaredPorts: number[] = [];
  const names = new Set<string>();
  const containers = (spec.containers as KubeObject[]).map((c, i) => {
    const at = `${path}.containers[${i}]`;
    if (typeof c.image !== 'string' || !c.image) ctx.fail(`${at}.image`, 'required');
    if (names.has(c.name)) ctx.fail(`${at}.name`, `duplicate container name "${c.name}"`);
    names.add(c.name);
    for (const [j, p] of ((c.ports ?? []) as KubeObject[]).entries()) {
      const proto = String(p.protocol ?? 'TCP').toLowerCase();
      if (!['tcp', 'udp', 'sctp'].includes(proto)) ctx.fail(`${at}.ports[${j}].protocol`, `must be TCP, UDP or SCTP`);
      if (p.name) namedPorts[p.name] = p.containerPort;
      declaredPorts.push(p.containerPort);
      if (p.hostPort) publish.push(`${p.hostIP ? `${p.hostIP}:` : ''}${p.hostPort}:${p.containerPort}/${proto}`);
    }
    return containerSpec(name, c, at, spec, sources, refs, ctx, fields);
  });
  // Podman's pod annotation for their type (kube generate writes it): once unless it says always.
  const initType = fields.annotations[INIT_TYPE] ?? 'once';
  if (initType !== 'once' && initType !== 'always') ctx.fail(`metadata.annotations["${INIT_TYPE}"]`, `must be "once" or "always", not "${initType}"`);
  const initContainers = ((spec.initContainers ?? []) as KubeObject[]).map((c, i) => {
    const at = `${path}.initContainers[${i}]`;
    if (typeof c.image !== 'string' || !c.image) ctx.fail(`${at}.image`, 'required');
    if (names.has(c.name)) ctx.fail(`${at}.name`, `duplicate container name "${c.name}"`);
    names.add(c.name);
    if (c.ports?.length) ctx.warn(`${at}.ports`, 'ignored for an init container');
    return { ...containerSpec(name, c, at, spec, sources, refs, ctx, fields, true), initContainerType: initType as 'once' | 'always' };
  });
  return {
    source: ctx.doc,
    labels,
    spec: {
      name, labels,
      ...(spec.hostname ? { hostname: spec.hostname } : {}),
      ...(spec.hostNetwork ? { network: 'host' } : {}),
      ...(publish.length ? { publish } : {}),
    },
    containers,
    initContainers,
    namedPorts,
    declaredPorts,
  };
}

/** Publishes a Service's node ports on the pods its selector picks. */
function applyService(d: KubeObject, pods: PlannedPod[], ctx: Ctx): void {
  const selector: Record<string, string> = d.spec?.selector ?? {};
  const picked = pods.filter((p) => Object.entries(selector).every(([k, v]) => p.labels[k] === v));
  for (const [i, port] of ((d.spec?.ports ?? []) as KubeObject[]).entries()) {
    const at = `spec.ports[${i}]`;
    if (!port.nodePort) {
      ctx.warn(at, 'no nodePort: nothing is published on the host');
      continue;
    }
    if (picked.length > 1) ctx.fail(`${at}.nodePort`, `host port ${port.nodePort} cannot be published by ${picked.length} pods`);
    const proto = String(port.protocol ?? 'TCP').toLowerCase();
    for (const pod of picked) {
      const target = port.targetPort ?? port.port;
      const containerPort = typeof target === 'number' ? target : /^\d+$/.test(target) ? Number(target) : pod.namedPorts[target];
      if (!containerPort) ctx.fail(`${at}.targetPort`, `no container port named "${target}" in ${pod.source}`);
      const publish = (pod.spec.publish ??= []);
      // A host port the pod publishes already (hostPort and nodePort alike, as generate writes them) is not doubled.
      if (publish.some((p) => /(?:^|:)(\d+):\d+\/(\w+)$/.exec(p)?.slice(1).join('/') === `${port.nodePort}/${proto}`)) continue;
      publish.push(`${port.nodePort}:${containerPort}/${proto}`);
    }
  }
  if (!picked.length) ctx.warn('spec.selector', 'selects no pod in this file');
}

/** Pod names of a Deployment: NAME-pod, or NAME-pod-0..N-1 for several replicas. */
export function deploymentPodNames(name: string, replicas: number): string[] {
  return replicas === 1 ? [`${name}-pod`] : Array.from({ length: replicas }, (_, i) => `${name}-pod-${i}`);
}

/** The pod template of a Deployment, DaemonSet or Job (spec.template). */
function template(obj: KubeObject, ctx: Ctx): { labels: Record<string, string>; spec: KubeObject; meta: { namespace?: string; annotations?: Record<string, string> } } {
  if (!obj.spec?.template?.spec) ctx.fail('spec.template.spec', 'required');
  const meta = { namespace: obj.metadata?.namespace, annotations: obj.spec.template.metadata?.annotations };
  return { labels: obj.spec.template.metadata?.labels ?? {}, spec: obj.spec.template.spec, meta };
}

/** The pods of one workload document. */
function workload(d: KubeDocument, refs: Refs, ctx: Ctx, volumes: PlannedVolume[]): PlannedPod[] {
  const obj = d.object;
  const name = obj.metadata?.name;
  if (typeof name !== 'string' || !name) ctx.fail('metadata.name', 'required');
  switch (obj.kind) {
    case 'Pod':
      return [plannedPod(name, obj.metadata.labels ?? {}, obj.spec ?? {}, 'spec', refs, ctx, volumes, obj.metadata)];
    case 'Deployment': {
      const replicas = obj.spec?.replicas ?? 1;
      const t = template(obj, ctx);
      if (replicas > 1) {
        for (const [i, c] of ((t.spec.containers ?? []) as KubeObject[]).entries()) {
          const j = ((c.ports ?? []) as KubeObject[]).findIndex((p) => p.hostPort);
          if (j >= 0) ctx.fail(`spec.template.spec.containers[${i}].ports[${j}].hostPort`, `host port ${c.ports[j].hostPort} cannot be published by ${replicas} replicas`);
        }
      }
      return deploymentPodNames(name, replicas).map((podName) => plannedPod(podName, t.labels, t.spec, 'spec.template.spec', refs, ctx, volumes, t.meta));
    }
    case 'DaemonSet': {
      // One node, so one pod (Podman's name).
      const t = template(obj, ctx);
      return [plannedPod(`${name}-pod`, t.labels, t.spec, 'spec.template.spec', refs, ctx, volumes, t.meta)];
    }
    case 'Job': {
      // The pod runs to completion: Never or OnFailure (Kubernetes refuses Always), with backoffLimit retries (default 6).
      const t = template(obj, ctx);
      const policy = t.spec.restartPolicy;
      if (policy !== 'Never' && policy !== 'OnFailure') ctx.fail('spec.template.spec.restartPolicy', 'a Job\'s pods must have restartPolicy Never or OnFailure');
      if ((obj.spec.completions ?? 1) > 1 || (obj.spec.parallelism ?? 1) > 1) ctx.warn('spec.completions', 'one pod runs once: completions and parallelism above 1 are not supported');
      const pod = plannedPod(`${name}-pod`, t.labels, t.spec, 'spec.template.spec', refs, ctx, volumes, t.meta);
      const retries = obj.spec.backoffLimit ?? 6;
      if (policy === 'OnFailure') for (const c of pod.containers) c.restartPolicy = { name: 'on-failure', ...(retries > 0 ? { maximumRetryCount: retries } : {}) };
      return [pod];
    }
    default:
      return [];
  }
}

const WORKLOADS = new Set(['Pod', 'Deployment', 'DaemonSet', 'Job']);

/** Applies --publish: a containerPort the file publishes gets the flag's host side; another is added to the only pod. */
function applyPublish(flags: string[], pods: PlannedPod[]): void {
  for (const f of flags) {
    let spec;
    try {
      spec = parsePublish(f);
    } catch (err) {
      throw invalidArgument(`--publish ${f}: ${(err as Error).message}`);
    }
    const proto = spec.protocol ?? 'tcp';
    const matches = (p: string) => {
      const q = parsePublish(p);
      return q.containerPort === spec.containerPort && (q.protocol ?? 'tcp') === proto;
    };
    const owners = pods.filter((p) => p.declaredPorts.includes(spec.containerPort) || (p.spec.publish ?? []).some(matches));
    const targets = owners.length ? owners : pods.length === 1 ? pods : [];
    if (!targets.length) throw invalidArgument(`--publish ${f}: no pod in the file declares container port ${spec.containerPort}, and there are ${pods.length} pods`);
    if (targets.length > 1 && spec.hostPort) throw invalidArgument(`--publish ${f}: host port ${spec.hostPort} cannot be published by ${targets.length} pods`);
    for (const p of targets) p.spec.publish = [...(p.spec.publish ?? []).filter((x) => !matches(x)), f];
  }
}

/** The plan for every document (already schema-checked), or the first error. */
export function translate(docs: KubeDocument[], o: TranslateOptions = {}): Plan {
  const warnings: string[] = [];
  const refs: Refs = { configMaps: { ...o.configMaps }, secrets: { ...o.secrets }, lenient: o.lenient, node: o.node, seccompRoot: o.seccompRoot };
  const volumes: PlannedVolume[] = [];
  const pods: PlannedPod[] = [];
  for (const d of docs) {
    if (d.object.kind !== 'ConfigMap' && d.object.kind !== 'Secret') continue;
    const ctx = new Ctx(documentLabel(d), warnings);
    if (!d.object.metadata?.name) ctx.fail('metadata.name', 'required');
    if (d.object.kind === 'ConfigMap') refs.configMaps[d.object.metadata.name] = configMapData(d.object, ctx);
    else refs.secrets[d.object.metadata.name] = secretData(d.object, ctx);
  }
  for (const d of docs) {
    const ctx = new Ctx(documentLabel(d), warnings);
    const obj = d.object;
    if (obj.kind === 'PersistentVolumeClaim') {
      const v = claim(obj, ctx);
      const i = volumes.findIndex((x) => x.options.name === v.options.name);
      if (i >= 0) volumes[i] = v; else volumes.push(v);
    } else if (WORKLOADS.has(obj.kind)) {
      pods.push(...workload(d, refs, ctx, volumes));
    } else if (!['ConfigMap', 'Secret', 'Service'].includes(obj.kind)) {
      ctx.fail('kind', `"${obj.kind}" is not supported`);
    }
  }
  for (const d of docs) if (d.object.kind === 'Service') applyService(d.object, pods, new Ctx(documentLabel(d), warnings));
  const seen = new Set<string>();
  for (const p of pods) {
    if (seen.has(p.spec.name)) throw invalidArgument(`${p.source}: metadata.name: pod "${p.spec.name}" is defined twice`);
    seen.add(p.spec.name);
  }
  if (o.network) {
    for (const p of pods) {
      if (p.spec.network === 'host') throw invalidArgument(`${p.source}: spec.hostNetwork: cannot be combined with --network ${o.network}`);
      p.spec.network = o.network;
    }
  }
  if (o.publish?.length) applyPublish(o.publish, pods);
  return { pods, volumes, warnings };
}
