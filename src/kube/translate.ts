// Kubernetes documents as an engine plan: the pods (PodSpec + member
// ContainerSpecs) and volumes `kube play` creates. A pure function of the
// already schema-checked documents: every error names the document and the
// field path, and is raised before anything is created.
import { invalidArgument } from '../common/errors.ts';
import type { PodSpec } from '../engine/pod/api.ts';
import type { VolumeCreateOptions } from '../engine/volume/api.ts';
import type { ContainerSpec, MountSpec, RestartPolicySpec } from '../specgen/container.ts';
import { documentLabel, type KubeDocument, type KubeObject } from './schema.ts';
import { parseQuantity } from './units.ts';

/** Labels husk puts on what it creates, so `kube down` finds a pod's emptyDir volumes. */
export const LABEL_EMPTYDIR_POD = 'io.husk.kube.emptydir-pod';

export interface PlannedPod {
  /** Where it came from ("document 2 (Deployment web)"). */
  source: string;
  spec: PodSpec & { name: string };
  labels: Record<string, string>;
  containers: ContainerSpec[];
  /** containerPort by port name, for a Service's named targetPort. */
  namedPorts: Record<string, number>;
}

export interface PlannedVolume {
  options: VolumeCreateOptions & { name: string };
  /** A PersistentVolumeClaim's (kept by down without force) or an emptyDir's (the pod's alone). */
  kind: 'claim' | 'emptyDir';
}

export interface Plan {
  pods: PlannedPod[];
  volumes: PlannedVolume[];
  warnings: string[];
}

export interface TranslateOptions {
  /** ConfigMaps from outside the file (--configmap), by name. */
  configMaps?: Record<string, Record<string, string>>;
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

function envOf(c: KubeObject, path: string, configMaps: Record<string, Record<string, string>>, ctx: Ctx): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [i, ef] of ((c.envFrom ?? []) as KubeObject[]).entries()) {
    const at = `${path}.envFrom[${i}]`;
    if (ef.secretRef) ctx.fail(`${at}.secretRef`, 'secrets are not supported yet');
    if (!ef.configMapRef) ctx.fail(at, 'configMapRef required');
    const cm = configMaps[ef.configMapRef.name];
    if (!cm) {
      if (ef.configMapRef.optional) continue;
      ctx.fail(`${at}.configMapRef.name`, `no ConfigMap "${ef.configMapRef.name}" in the file or --configmap`);
    }
    for (const [k, v] of Object.entries(cm)) env[`${ef.prefix ?? ''}${k}`] = v;
  }
  for (const [i, e] of ((c.env ?? []) as KubeObject[]).entries()) {
    const at = `${path}.env[${i}]`;
    if (e.valueFrom) {
      const ref = e.valueFrom.configMapKeyRef;
      if (!ref) ctx.fail(`${at}.valueFrom`, `only configMapKeyRef is supported yet (got ${Object.keys(e.valueFrom).join(', ')})`);
      const value = configMaps[ref.name]?.[ref.key];
      if (value === undefined) {
        if (ref.optional) continue;
        ctx.fail(`${at}.valueFrom.configMapKeyRef`, `no key "${ref.key}" in ConfigMap "${ref.name}"`);
      }
      env[e.name] = value;
    } else {
      env[e.name] = e.value ?? '';
    }
  }
  return env;
}

/** The pod's volumes as mount sources; emptyDirs become volumes of the pod's own. */
function podVolumes(podName: string, spec: KubeObject, path: string, ctx: Ctx, out: PlannedVolume[]): Map<string, Omit<MountSpec, 'destination' | 'options'>> {
  const sources = new Map<string, Omit<MountSpec, 'destination' | 'options'>>();
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
    } else {
      const kind = Object.keys(v).find((k) => k !== 'name') ?? '(none)';
      ctx.fail(`${at}.${kind}`, 'this volume source is not supported yet (persistentVolumeClaim, hostPath and emptyDir are)');
    }
  }
  return sources;
}

function containerSpec(podName: string, c: KubeObject, path: string, pod: KubeObject, sources: ReturnType<typeof podVolumes>, configMaps: Record<string, Record<string, string>>, ctx: Ctx): ContainerSpec {
  const mounts: MountSpec[] = ((c.volumeMounts ?? []) as KubeObject[]).map((m, i) => {
    const at = `${path}.volumeMounts[${i}]`;
    const src = sources.get(m.name);
    if (!src) ctx.fail(`${at}.name`, `no volume "${m.name}" in the pod's volumes`);
    if (m.subPath || m.subPathExpr) ctx.fail(`${at}.subPath`, 'not supported yet');
    if (!String(m.mountPath).startsWith('/')) ctx.fail(`${at}.mountPath`, 'must be absolute');
    return { ...src, destination: m.mountPath, options: m.readOnly ? ['ro'] : [] };
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
  if (c.livenessProbe || c.readinessProbe || c.startupProbe) ctx.warn(`${path}.livenessProbe`, 'probes are not supported yet; ignored');
  const env = envOf(c, path, configMaps, ctx);
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
    ...(c.imagePullPolicy ? { pull: PULL[c.imagePullPolicy] } : {}),
    restartPolicy: { name: RESTART[pod.restartPolicy ?? 'Always'] ?? 'always' },
    ...(mounts.length ? { mounts } : {}),
  };
}

/** One pod from a pod spec (a Pod's, or a Deployment's template). */
function plannedPod(name: string, labels: Record<string, string>, spec: KubeObject, path: string, configMaps: Record<string, Record<string, string>>, ctx: Ctx, volumes: PlannedVolume[]): PlannedPod {
  if (!Array.isArray(spec.containers) || !spec.containers.length) ctx.fail(`${path}.containers`, 'at least one container is required');
  if (spec.initContainers?.length) ctx.fail(`${path}.initContainers`, 'not supported yet');
  if (spec.restartPolicy && !RESTART[spec.restartPolicy]) ctx.fail(`${path}.restartPolicy`, `must be Always, OnFailure or Never`);
  const sources = podVolumes(name, spec, path, ctx, volumes);
  const publish: string[] = [];
  const namedPorts: Record<string, number> = {};
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
      if (p.hostPort) publish.push(`${p.hostIP ? `${p.hostIP}:` : ''}${p.hostPort}:${p.containerPort}/${proto}`);
    }
    return containerSpec(name, c, at, spec, sources, configMaps, ctx);
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
    namedPorts,
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

/** The plan for every document (already schema-checked), or the first error. */
export function translate(docs: KubeDocument[], o: TranslateOptions = {}): Plan {
  const warnings: string[] = [];
  const configMaps: Record<string, Record<string, string>> = { ...o.configMaps };
  const volumes: PlannedVolume[] = [];
  const pods: PlannedPod[] = [];
  for (const d of docs) {
    if (d.object.kind !== 'ConfigMap') continue;
    const ctx = new Ctx(documentLabel(d), warnings);
    if (!d.object.metadata?.name) ctx.fail('metadata.name', 'required');
    configMaps[d.object.metadata.name] = Object.fromEntries(Object.entries(d.object.data ?? {}).map(([k, v]) => [k, String(v)]));
  }
  for (const d of docs) {
    const ctx = new Ctx(documentLabel(d), warnings);
    const obj = d.object;
    const name = obj.metadata?.name;
    switch (obj.kind) {
      case 'PersistentVolumeClaim': {
        const v = claim(obj, ctx);
        const i = volumes.findIndex((x) => x.options.name === v.options.name);
        if (i >= 0) volumes[i] = v; else volumes.push(v);
        break;
      }
      case 'Pod':
        if (typeof name !== 'string' || !name) ctx.fail('metadata.name', 'required');
        pods.push(plannedPod(name, obj.metadata.labels ?? {}, obj.spec ?? {}, 'spec', configMaps, ctx, volumes));
        break;
      case 'Deployment': {
        if (typeof name !== 'string' || !name) ctx.fail('metadata.name', 'required');
        const replicas = obj.spec?.replicas ?? 1;
        if (!obj.spec?.template?.spec) ctx.fail('spec.template.spec', 'required');
        const labels = obj.spec.template.metadata?.labels ?? {};
        if (replicas > 1) {
          for (const [i, c] of ((obj.spec.template.spec.containers ?? []) as KubeObject[]).entries()) {
            const j = ((c.ports ?? []) as KubeObject[]).findIndex((p) => p.hostPort);
            if (j >= 0) ctx.fail(`spec.template.spec.containers[${i}].ports[${j}].hostPort`, `host port ${c.ports[j].hostPort} cannot be published by ${replicas} replicas`);
          }
        }
        for (const podName of deploymentPodNames(name, replicas)) {
          pods.push(plannedPod(podName, labels, obj.spec.template.spec, 'spec.template.spec', configMaps, ctx, volumes));
        }
        break;
      }
      case 'ConfigMap':
      case 'Service':
        break;
      default:
        ctx.fail('kind', `"${obj.kind}" is not supported`);
    }
  }
  for (const d of docs) if (d.object.kind === 'Service') applyService(d.object, pods, new Ctx(documentLabel(d), warnings));
  const seen = new Set<string>();
  for (const p of pods) {
    if (seen.has(p.spec.name)) throw invalidArgument(`${p.source}: metadata.name: pod "${p.spec.name}" is defined twice`);
    seen.add(p.spec.name);
  }
  return { pods, volumes, warnings };
}
