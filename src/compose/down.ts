// `compose down`: stop and remove the project's containers, dependents
// before their dependencies (reverse start order; orphans and one-off `run`
// containers first), then the networks carrying the project's label, and
// with `volumes` its named volumes (external ones are never touched) and the
// containers' anonymous volumes.
import { removeEnvSecrets } from './secrets.ts';
import { HuskError } from '../common/errors.ts';
import type { Engine } from '../engine/api.ts';
import { dependencyOrder } from './graph.ts';
import { projectFilter } from './naming.ts';
import { projectContainers, serviceOf, type ComposeOutput } from './state.ts';
import type { ComposeProject } from './types.ts';
import { removeContainer } from './up.ts';

export interface DownOptions {
  volumes?: boolean;
  /** Also containers of services no longer in the files (Docker Compose removes them only with this flag). */
  removeOrphans?: boolean;
  /** Seconds each container gets to stop before SIGKILL (else its own stop timeout). */
  timeout?: number;
}

export async function down(engine: Engine, project: ComposeProject, o: DownOptions, out: ComposeOutput): Promise<void> {
  const all = { ...project.disabledServices, ...project.services };
  const order = dependencyOrder(all).reverse();
  const rank = (svc: string) => (all[svc] ? order.indexOf(svc) : -1);
  const containers = (await projectContainers(engine, project, { oneoff: true }))
    .filter((c) => all[serviceOf(c)] || o.removeOrphans)
    .sort((a, b) => rank(serviceOf(a)) - rank(serviceOf(b)));
  for (const c of containers) await removeContainer(engine, c, out, { volumes: o.volumes, timeout: o.timeout });

  // The copies of environment secrets belong to the project's containers.
  for (const name of await removeEnvSecrets(engine, project)) out.progress(`Secret ${name}  Removed`);
  const label = { label: [projectFilter(project.name)] };
  const leftover = new Set((await projectContainers(engine, project, { oneoff: true })).length ? ['busy'] : []);
  for (const n of await engine.networks.list({ filters: label })) {
    if (Object.values(project.networks).some((x) => x.external && x.name === n.name)) continue;
    out.progress(`Network ${n.name}  Removing`);
    const [r] = await engine.networks.remove([n.name]);
    // Orphans kept (no --remove-orphans) may still use a network: Docker Compose reports it and goes on.
    if (r?.error && !(leftover.size && r.error.code === 'NETWORK_IN_USE')) throw HuskError.from(r.error);
    out.progress(r?.error ? `Network ${n.name}  Resource is still in use` : `Network ${n.name}  Removed`);
  }
  if (!o.volumes) return;
  for (const v of await engine.volumes.list({ filters: label })) {
    if (Object.values(project.volumes).some((x) => x.external && x.name === v.Name)) continue;
    out.progress(`Volume ${v.Name}  Removing`);
    const [r] = await engine.volumes.remove([v.Name]);
    if (r?.error) throw HuskError.from(r.error);
    out.progress(`Volume ${v.Name}  Removed`);
  }
}
