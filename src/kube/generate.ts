// `kube generate`: Kubernetes objects from the engine's view of pods,
// containers and volumes. A pure translation (podObject and friends) of
// specs the engine reports, then a schema check of every object before any
// YAML is returned. Containers named alone are put in one pod, as Podman does.
import { HuskError, invalidArgument } from '../common/errors.ts';
import type { Engine } from '../engine/api.ts';
import type { Container } from '../engine/container/api.ts';
import type { ContainerSpec, MountSpec, PortSpec } from '../specgen/container.ts';
import type { ResolvedHealthcheck } from '../specgen/health.ts';
import { healthcheckToProbe, startupToProbe } from './probes.ts';
import { emitDocuments, validateObject, type KubeObject } from './schema.ts';
import { formatCpu, formatMemory, k8sName } from './units.ts';

export interface GenerateOptions {
  /** Add a NodePort Service publishing the host ports. */
  service?: boolean;
  /** pod (default), deployment, daemonset or job. */
  type?: 'pod' | 'deployment' | 'daemonset' | 'job';
  /** Deployment replicas (default 1; only with type deployment). */
  replicas?: number;
  /** Written as the first comment line (e.g. the husk version). */
  header?: string;
}

export interface GenerateReport {
  objects: KubeObject[];
  yaml: string;
}

/** What one pod of the output is made of. */
export interface PodSource {
  name: string;
  labels: Record<string, string>;
  hostname?: string;
  /** Uses the host's network namespace. */
  hostNetwork?: boolean;
  /** Published ports (the pod's infra container's, or the lone container's). */
  ports: PortSpec[];
  members: { name: string; image: string; spec: ContainerSpec; mounts: MountSpec[]; healthcheck?: ResolvedHealthcheck }[];
}

const RESTART: Record<string, string> = { always: 'Always', 'unless-stopped': 'Always', 'on-failure': 'OnFailure', no: 'Never' };

function numeric(id: string | undefined): number | undefined {
  return id !== undefined && /^\d+$/.test(id) ? Number(id) : undefined;
}

function securityContext(s: ContainerSpec): KubeObject | undefined {
  const [user, group] = (s.user ?? '').split(':');
  const sc: KubeObject = {
    ...(s.capAdd?.length || s.capDrop?.length ? { capabilities: { ...(s.capAdd?.length ? { add: s.capAdd } : {}), ...(s.capDrop?.length ? { drop: s.capDrop } : {}) } } : {}),
    ...(s.privileged ? { privileged: true } : {}),
    ...(numeric(user) !== undefined ? { runAsUser: numeric(user) } : {}),
    ...(numeric(group) !== undefined ? { runAsGroup: numeric(group) } : {}),
    ...(s.readOnly ? { readOnlyRootFilesystem: true } : {}),
  };
  return Object.keys(sc).length ? sc : undefined;
}

function resources(s: ContainerSpec): KubeObject | undefined {
  const limits: Record<string, string> = {};
  if (s.memory) limits.memory = formatMemory(s.memory);
  if (s.cpus) limits.cpu = formatCpu(s.cpus);
  const requests: Record<string, string> = {};
  if (s.memoryReservation) requests.memory = formatMemory(s.memoryReservation);
  if (!Object.keys(limits).length && !Object.keys(requests).length) return undefined;
  return { ...(Object.keys(limits).length ? { limits } : {}), ...(Object.keys(requests).length ? { requests } : {}) };
}

function containerPorts(ports: PortSpec[]): KubeObject[] {
  const out: KubeObject[] = [];
  for (const p of ports) {
    for (let i = 0; i < (p.range ?? 1); i++) {
      out.push({
        containerPort: p.containerPort + i,
        ...(p.hostPort ? { hostPort: p.hostPort + i } : {}),
        ...(p.hostIp ? { hostIP: p.hostIp } : {}),
        protocol: (p.protocol ?? 'tcp').toUpperCase(),
      });
    }
  }
  return out;
}

/** The pod's volumes, keyed by source, shared by every member that mounts the same thing. */
class Volumes {
  readonly list: KubeObject[] = [];
  readonly claims: string[] = [];
  private byKey = new Map<string, string>();

  nameFor(m: MountSpec): string {
    const key = m.type === 'tmpfs' || !m.source ? `${m.type}:${m.destination}:${this.list.length}` : `${m.type}:${m.source}`;
    const known = this.byKey.get(key);
    if (known) return known;
    let name: string;
    let volume: KubeObject;
    if (m.type === 'volume' && m.source && !m.anonymous) {
      name = k8sName(`${m.source}-pvc`);
      volume = { persistentVolumeClaim: { claimName: m.source } };
      this.claims.push(m.source);
    } else if (m.type === 'bind') {
      name = k8sName(`${m.source}-host`);
      volume = { hostPath: { path: m.source } };
    } else if (m.type === 'tmpfs') {
      const size = m.options.find((o) => o.startsWith('size='))?.slice(5);
      name = k8sName(`${m.destination}-tmpfs`);
      volume = { emptyDir: { medium: 'Memory', ...(size ? { sizeLimit: size } : {}) } };
    } else if (m.type === 'volume') {
      name = k8sName(`${m.destination}-empty`);
      volume = { emptyDir: {} };
    } else {
      throw invalidArgument(`mount of ${m.destination}: ${m.type} mounts cannot be expressed in Kubernetes YAML`);
    }
    // Two sources whose names sanitise alike get distinct names.
    for (let n = 1, base = name; this.list.some((v) => v.name === name); n++) name = k8sName(`${base}-${n}`);
    this.byKey.set(key, name);
    this.list.push({ name, ...volume });
    return name;
  }
}

/** The Pod object of one source (pure). */
export function podObject(src: PodSource): KubeObject {
  const volumes = new Volumes();
  // Init containers (create --init-ctr) go to initContainers; the ports to the first of the others.
  const regular = src.members.filter((m) => !m.spec.initContainerType);
  const objectOf = (m: PodSource['members'][number]) => {
    const s = m.spec;
    const mounts = m.mounts.map((mt) => ({
      name: volumes.nameFor(mt),
      mountPath: mt.destination,
      ...(mt.options.includes('ro') ? { readOnly: true } : {}),
    }));
    const env = Object.entries(s.env ?? {}).map(([name, value]) => ({ name, value }));
    const ports = m === regular[0] ? containerPorts(src.ports) : [];
    const probe = m.healthcheck && healthcheckToProbe(m.healthcheck);
    const startup = m.healthcheck && startupToProbe(m.healthcheck);
    const c: KubeObject = {
      name: m.name,
      image: m.image,
      ...(s.entrypoint?.length ? { command: s.entrypoint } : {}),
      ...(s.command?.length ? { args: s.command } : {}),
      ...(env.length ? { env } : {}),
      ...(s.workdir ? { workingDir: s.workdir } : {}),
      ...(ports.length ? { ports } : {}),
      ...(probe ? { livenessProbe: probe } : {}),
      ...(startup ? { startupProbe: startup } : {}),
      ...(resources(s) ? { resources: resources(s) } : {}),
      ...(securityContext(s) ? { securityContext: securityContext(s) } : {}),
      ...(s.tty ? { tty: true } : {}),
      ...(s.interactive ? { stdin: true } : {}),
      ...(mounts.length ? { volumeMounts: mounts } : {}),
    };
    return c;
  };
  const initContainers = src.members.filter((m) => m.spec.initContainerType).map(objectOf);
  const containers = regular.map(objectOf);
  // Podman's annotation of the pod for its init containers' type (its kube play reads it back).
  const initType = src.members.find((m) => m.spec.initContainerType)?.spec.initContainerType;
  const policy = regular[0]?.spec.restartPolicy?.name;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: src.name, labels: { app: src.name, ...src.labels }, ...(initType ? { annotations: { 'io.podman.annotations.init.container.type': initType } } : {}) },
    spec: {
      ...(src.hostname ? { hostname: src.hostname } : {}),
      ...(src.hostNetwork ? { hostNetwork: true } : {}),
      restartPolicy: RESTART[policy ?? 'no'] ?? 'Never',
      ...(initContainers.length ? { initContainers } : {}),
      containers,
      ...(volumes.list.length ? { volumes: volumes.list } : {}),
    },
  };
}

export function claimObject(name: string): KubeObject {
  return {
    apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name },
    spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
  };
}

/** A NodePort Service selecting the pod by its app label, node ports = the host ports. */
export function serviceObject(pod: KubeObject): KubeObject | undefined {
  const ports = (pod.spec.containers as KubeObject[]).flatMap((c) => (c.ports ?? []) as KubeObject[]).filter((p) => p.hostPort);
  if (!ports.length) return undefined;
  return {
    apiVersion: 'v1', kind: 'Service', metadata: { name: pod.metadata.name, labels: { app: pod.metadata.labels.app } },
    spec: {
      type: 'NodePort',
      selector: { app: pod.metadata.labels.app },
      ports: ports.map((p) => ({
        name: `${p.containerPort}-${String(p.protocol).toLowerCase()}`, protocol: p.protocol,
        port: p.containerPort, targetPort: p.containerPort, nodePort: p.hostPort,
      })),
    },
  };
}

export function deploymentObject(pod: KubeObject, replicas: number): KubeObject {
  const { restartPolicy: _unused, ...spec } = pod.spec; // a Deployment's pods always restart
  return {
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: `${pod.metadata.name}-deployment`, labels: pod.metadata.labels },
    spec: {
      replicas,
      selector: { matchLabels: { app: pod.metadata.labels.app } },
      template: { metadata: { name: pod.metadata.name, labels: pod.metadata.labels }, spec },
    },
  };
}

/** A DaemonSet `NAME-daemonset` running the pod (its restartPolicy Always, as Kubernetes requires). */
export function daemonSetObject(pod: KubeObject): KubeObject {
  const { restartPolicy: _unused, ...spec } = pod.spec;
  return {
    apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: `${pod.metadata.name}-daemonset`, labels: pod.metadata.labels },
    spec: {
      selector: { matchLabels: { app: pod.metadata.labels.app } },
      template: { metadata: { name: pod.metadata.name, labels: pod.metadata.labels }, spec },
    },
  };
}

/** A Job `NAME-job` running the pod once: Never stays, anything that restarts becomes OnFailure (a Job's pods may not be Always). */
export function jobObject(pod: KubeObject): KubeObject {
  const restartPolicy = pod.spec.restartPolicy === 'Never' ? 'Never' : 'OnFailure';
  return {
    apiVersion: 'batch/v1', kind: 'Job', metadata: { name: `${pod.metadata.name}-job`, labels: pod.metadata.labels },
    spec: { template: { metadata: { name: pod.metadata.name, labels: pod.metadata.labels }, spec: { ...pod.spec, restartPolicy } } },
  };
}

function member(c: Container, podName?: string): PodSource['members'][number] {
  const prefix = podName ? `${podName}-` : '';
  // kube play names containers POD-NAME: strip it so a round trip keeps the names.
  const bare = prefix && c.config.name.startsWith(prefix) && c.config.name.length > prefix.length ? c.config.name.slice(prefix.length) : c.config.name;
  return { name: k8sName(bare), image: c.config.imageName, spec: c.config.intent, mounts: c.config.intent.mounts ?? [], healthcheck: c.config.healthcheck };
}

async function sources(engine: Engine, refs: string[]): Promise<{ pods: PodSource[]; volumes: string[] }> {
  const pods: PodSource[] = [];
  const volumes: string[] = [];
  const lone: Container[] = [];
  for (const ref of refs) {
    if (await engine.containers.exists(ref)) {
      const c = await engine.containers.get(ref);
      if (c.config.isInfra) throw invalidArgument(`${ref} is an infra container: generate its pod instead`);
      if (c.config.pod) throw invalidArgument(`${ref} is in a pod: generate the pod instead`);
      lone.push(c);
    } else if (await engine.pods.exists(ref)) {
      const pod = await engine.pods.get(ref);
      const infra = pod.containers.find((m) => m.isInfra);
      const infraSpec = infra ? (await engine.containers.get(infra.id)).config.intent : undefined;
      const ports = infraSpec?.portMappings ?? [];
      const members = await Promise.all(pod.containers.filter((m) => !m.isInfra).map((m) => engine.containers.get(m.id)));
      if (!members.length) throw invalidArgument(`pod ${pod.config.name} has no containers but its infra container`);
      pods.push({
        name: k8sName(pod.config.name), labels: pod.config.labels ?? {},
        hostname: pod.config.hostname && pod.config.hostname !== pod.config.name ? pod.config.hostname : undefined,
        hostNetwork: infraSpec?.network === 'host',
        ports, members: members.map((m) => member(m, pod.config.name)),
      });
    } else if (await engine.volumes.exists(ref)) {
      volumes.push(ref);
    } else {
      throw new HuskError('NO_SUCH_CONTAINER', `${ref}: no such pod, container or volume`);
    }
  }
  if (lone.length) {
    pods.push({
      name: k8sName(`${lone[0].config.name}-pod`), labels: {}, hostname: lone[0].config.intent.hostname,
      hostNetwork: lone.every((c) => c.config.intent.network === 'host'),
      ports: lone.flatMap((c) => c.config.intent.portMappings ?? []), members: lone.map((c) => member(c)),
    });
  }
  return { pods, volumes };
}

/** The objects for the named pods, containers and volumes, validated, and their YAML. */
export async function generate(engine: Engine, refs: string[], o: GenerateOptions = {}): Promise<GenerateReport> {
  if (!refs.length) throw invalidArgument('generate kube needs at least one pod, container or volume');
  const type = o.type ?? 'pod';
  if (!['pod', 'deployment', 'daemonset', 'job'].includes(type)) throw invalidArgument(`invalid type "${type}": must be pod, deployment, daemonset or job`);
  if (o.replicas !== undefined && type !== 'deployment') throw invalidArgument('--replicas only applies to --type deployment');
  const replicas = o.replicas ?? 1;
  if (!Number.isInteger(replicas) || replicas < 1) throw invalidArgument(`invalid replicas ${o.replicas}: must be a positive integer`);

  const { pods, volumes } = await sources(engine, refs);
  const objects: KubeObject[] = [];
  const claims = new Set(volumes);
  for (const src of pods) {
    const pod = podObject(src);
    for (const v of (pod.spec.volumes ?? []) as KubeObject[]) if (v.persistentVolumeClaim) claims.add(v.persistentVolumeClaim.claimName);
    objects.push(type === 'deployment' ? deploymentObject(pod, replicas) : type === 'daemonset' ? daemonSetObject(pod) : type === 'job' ? jobObject(pod) : pod);
    if (o.service) {
      const svc = serviceObject(pod);
      if (svc) objects.push(svc);
    }
  }
  objects.unshift(...[...claims].map(claimObject));
  for (const [i, obj] of objects.entries()) await validateObject(obj, `generated ${obj.kind} ${obj.metadata?.name ?? i}`);
  const header = `# Save the output of this file and use kubectl create -f to import it into Kubernetes.\n#\n# ${o.header ?? 'Created with husk'}\n`;
  return { objects, yaml: header + emitDocuments(objects) };
}
