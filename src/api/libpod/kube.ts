// Podman's play/generate kube endpoints (podman-remote 4.3's `play kube`,
// `play kube --down`, `generate kube`): the request carries the YAML, and
// src/kube does the work over the engine interface, as `husk play kube` does.
import { invalidArgument } from '../../common/errors.ts';
import type { Route, RouteContext } from '../router.ts';
import { qBool, qInt, readBody, sendJson } from '../http.ts';

/** The YAML body, capped (a kube file is text; images come from registries). */
async function readText(ctx: RouteContext, limit = 8 * 1024 * 1024): Promise<string> {
  const text = (await readBody(ctx, limit)).toString('utf8');
  if (!text.trim()) throw invalidArgument('the request body must be Kubernetes YAML');
  return text;
}

/** POST /libpod/play/kube: Podman's PlayKubeReport (Pods with their container IDs, Volumes). */
async function play(ctx: RouteContext): Promise<void> {
  const q = ctx.query;
  const networks = q.getAll('network').filter(Boolean);
  if (networks.length > 1) throw invalidArgument('only one --network is supported');
  const text = await readText(ctx);
  const { play: run } = await import('../../kube/index.ts');
  const r = await run(ctx.engine, text, 'request body', {
    start: qBool(q, 'start', true), replace: qBool(q, 'replace'), network: networks[0], publish: q.getAll('publishPorts').filter(Boolean),
  });
  sendJson(ctx, 200, {
    Pods: r.pods.map((p) => ({ ID: p.id, Containers: p.containers, InitContainers: [], Logs: [], ContainerErrors: [] })),
    Volumes: r.volumes.map((Name) => ({ Name })),
  });
}

/** DELETE /libpod/play/kube (--down): the pods stopped and removed (by ID), as Podman's teardown report. */
async function down(ctx: RouteContext): Promise<void> {
  const text = await readText(ctx);
  const { down: run, planFile } = await import('../../kube/index.ts');
  // Podman reports the pods by ID: note them while they exist.
  const ids = new Map<string, string>();
  for (const p of (await planFile(text, 'request body')).pods) {
    const pod = await ctx.engine.pods.get(p.spec.name).catch(() => undefined);
    if (pod) ids.set(p.spec.name, pod.config.id);
  }
  const r = await run(ctx.engine, text, 'request body', { force: qBool(ctx.query, 'force') });
  const pods = r.pods.map((n) => ids.get(n) ?? n);
  sendJson(ctx, 200, {
    Pods: [], Volumes: [],
    StopReport: pods.map((Id) => ({ Errs: null, Id })),
    RmReport: pods.map((Id) => ({ Id, RemovedCtrs: {} })),
    VolumeRmReport: r.volumes.map((Id) => ({ Id })),
  });
}

/** GET /libpod/generate/kube?names=...: the YAML itself, which podman-remote prints. */
async function generate(ctx: RouteContext): Promise<void> {
  const q = ctx.query;
  const names = q.getAll('names').filter(Boolean);
  if (!names.length) throw invalidArgument('names is required');
  const type = q.get('type') || 'pod';
  if (!['pod', 'deployment', 'daemonset', 'job'].includes(type)) throw invalidArgument(`invalid type ${type}: pod, deployment, daemonset or job`);
  const { generate: run } = await import('../../kube/index.ts');
  const { yaml } = await run(ctx.engine, names, { service: qBool(q, 'service'), type: type as 'pod', replicas: qInt(q, 'replicas') });
  ctx.res.writeHead(200, { 'Content-Type': 'text/yaml', 'Content-Length': Buffer.byteLength(yaml) });
  ctx.res.end(yaml);
}

export const libpodKubeRoutes: Route[] = [
  { method: 'POST', path: '/libpod/play/kube', handler: play },
  { method: 'DELETE', path: '/libpod/play/kube', handler: down },
  { method: 'POST', path: '/libpod/kube/play', handler: play },
  { method: 'DELETE', path: '/libpod/kube/play', handler: down },
  { method: 'GET', path: '/libpod/generate/kube', handler: generate },
  { method: 'GET', path: '/libpod/kube/generate', handler: generate },
];
