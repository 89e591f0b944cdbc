// `compose up -d` through the engine interface, as Docker Compose converges
// a project: translate every selected service first (so a bad attribute
// creates nothing), create the project's networks and volumes if missing,
// pull missing images, then per service in dependency order: wait for its
// depends_on conditions, keep containers whose config-hash label matches,
// recreate those that differ (or all, with forceRecreate), create missing
// replicas and remove surplus ones.
import { ensureEnvSecrets } from './secrets.ts';
import { HuskError, invalidArgument } from '../common/errors.ts';
import type { Engine } from '../engine/api.ts';
import type { ContainerListItem } from '../engine/container/api.ts';
import { BRIDGE_OPTIONS } from '../engine/network/api.ts';
import { buildServices } from './build.ts';
import { configHash } from './hash.ts';
import { containerName, LABEL, networkLabels, volumeLabels } from './naming.ts';
import { isOneoff, numberOf, projectContainers, serviceOf, startOrder, type ComposeOutput } from './state.ts';
import { translateService, type Translation } from './translate.ts';
import type { ComposeProject, ComposeService } from './types.ts';
import { waitCondition, waitReady } from './wait.ts';

export interface UpOptions {
  /** Services named on the command line (default: all). */
  services?: string[];
  forceRecreate?: boolean;
  /** Keep existing containers even when their configuration changed. */
  noRecreate?: boolean;
  /** Only the named services, not their dependencies. */
  noDeps?: boolean;
  removeOrphans?: boolean;
  /** service → replicas (--scale). */
  scale?: Record<string, number>;
  /** Create without starting (`compose create`). */
  noStart?: boolean;
  /** Wait until the services run, and those with a health check are healthy (--wait). */
  wait?: boolean;
  /** Seconds --wait waits at most (default: no limit). */
  waitTimeout?: number;
  /** Build every service with `build:` first (--build); without it only those whose image is missing. */
  build?: boolean;
}

export async function up(engine: Engine, project: ComposeProject, o: UpOptions, out: ComposeOutput): Promise<void> {
  const order = startOrder(project, o.services, o.noDeps);
  const replicas = (s: ComposeService) => o.scale?.[s.name] ?? s.replicas;
  for (const [name, n] of Object.entries(o.scale ?? {})) {
    if (!project.services[name]) throw invalidArgument(`--scale: no such service: ${name}`);
    if (n > 1 && project.services[name].containerName) throw invalidArgument(`service "${name}": container_name allows a single replica, not ${n}`);
  }
  const plans = new Map<string, Translation[]>();
  for (const name of order) {
    const s = project.services[name];
    const plan: Translation[] = [];
    for (let n = 1; n <= replicas(s); n++) plan.push(translateService(project, s, { number: n, name: containerName(project, s, n), serviceContainer }));
    plans.set(name, plan);
    for (const w of new Set(plan.flatMap((t) => t.warnings))) out.warn(w);
  }
  function serviceContainer(service: string): string {
    if (!project.services[service]) throw invalidArgument(`network_mode/ipc/pid: no such service: ${service}`);
    return containerName(project, project.services[service], 1);
  }

  const existing = await projectContainers(engine, project);
  await orphans(engine, project, existing, !!o.removeOrphans, out);
  await ensureResources(engine, project, order, out);
  await buildServices(engine, project, order, out, { missingOnly: !o.build });
  await pullMissing(engine, project, order, out);

  // Services whose containers this run recreated: dependents with depends_on.restart are restarted.
  const recreated = new Set<string>();
  for (const name of order) {
    const s = project.services[name];
    for (const [dep, d] of Object.entries(s.dependsOn)) {
      if (!project.services[dep]) continue;
      const running = (await projectContainers(engine, project)).filter((c) => serviceOf(c) === dep);
      if (!running.length) {
        if (d.required) throw invalidArgument(`service "${name}" depends on "${dep}", which has no container (run without --no-deps)`);
        continue;
      }
      if (!o.noStart) await waitCondition(engine, project.services[dep], running, d.condition, out);
    }
    const restart = Object.entries(s.dependsOn).some(([dep, d]) => d.restart && recreated.has(dep));
    if (await converge(engine, s, plans.get(name)!, existing.filter((c) => serviceOf(c) === name), { ...o, restart }, out)) recreated.add(name);
  }
  if (o.wait && !o.noStart) {
    const selected = new Set(order);
    const containers = (await projectContainers(engine, project)).filter((c) => selected.has(serviceOf(c)) && !isOneoff(c));
    const signal = o.waitTimeout ? AbortSignal.timeout(o.waitTimeout * 1000) : undefined;
    await waitReady(engine, containers, out, signal);
  }
}

/** Containers of services no longer in the project: removed with removeOrphans, else a warning. */
async function orphans(engine: Engine, project: ComposeProject, existing: ContainerListItem[], remove: boolean, out: ComposeOutput): Promise<void> {
  const known = new Set([...Object.keys(project.services), ...Object.keys(project.disabledServices)]);
  const found = existing.filter((c) => !known.has(serviceOf(c)));
  if (!found.length) return;
  if (!remove) {
    out.warn(`Found orphan containers (${found.map((c) => c.config.name).join(', ')}) for this project. If you removed or renamed this service in your compose file, you can run this command with the --remove-orphans flag to clean it up.`);
    return;
  }
  for (const c of found) await removeContainer(engine, c, out);
}

/** Networks and named volumes the services use: external ones must exist, the others are created with the project's labels. */
async function ensureResources(engine: Engine, project: ComposeProject, order: string[], out: ComposeOutput): Promise<void> {
  const services = order.map((n) => project.services[n]);
  await ensureEnvSecrets(engine, project, services);
  const netKeys = new Set(services.filter((s) => !s.networkMode).flatMap((s) => Object.keys(s.networks)));
  for (const key of [...netKeys].sort()) {
    const n = project.networks[key];
    if (await engine.networks.exists(n.name)) continue;
    if (n.external) throw new HuskError('NO_SUCH_NETWORK', `network ${n.name} declared as external, but could not be found`);
    if (n.driver && n.driver !== 'bridge') throw invalidArgument(`networks.${key}.driver: "${n.driver}" is not supported (bridge only)`);
    out.progress(`Network ${n.name}  Creating`);
    const sub = n.ipam?.config[0];
    // Docker's bridge options netavark has no counterpart for are dropped with a warning.
    const opts = Object.entries(n.driverOpts ?? {});
    for (const [k] of opts.filter(([k]) => !BRIDGE_OPTIONS.includes(k))) out.warn(`networks.${key}.driver_opts.${k}: not supported; ignored`);
    await engine.networks.create({
      name: n.name, internal: n.internal, labels: networkLabels(project, key), options: Object.fromEntries(opts.filter(([k]) => BRIDGE_OPTIONS.includes(k))),
      subnet: sub?.subnet, gateway: sub?.gateway,
    });
    out.progress(`Network ${n.name}  Created`);
  }
  const volKeys = new Set(services.flatMap((s) => s.volumes.filter((v) => v.type === 'volume' && v.source).map((v) => v.source!)));
  for (const key of [...volKeys].sort()) {
    const v = project.volumes[key];
    if (await engine.volumes.exists(v.name)) continue;
    if (v.external) throw new HuskError('NO_SUCH_VOLUME', `external volume "${v.name}" not found`);
    if (v.driver && v.driver !== 'local') throw invalidArgument(`volumes.${key}.driver: "${v.driver}" is not supported (local only)`);
    out.progress(`Volume "${v.name}"  Creating`);
    await engine.volumes.create({ name: v.name, labels: volumeLabels(project, key), options: v.driverOpts });
    out.progress(`Volume "${v.name}"  Created`);
  }
}

/** Pulls the images that are not in the store (pull_policy always: every time; never: an error). */
export async function pullMissing(engine: Engine, project: ComposeProject, order: string[], out: ComposeOutput, o: { always?: boolean } = {}): Promise<void> {
  const done = new Set<string>();
  for (const name of order) {
    const s = project.services[name];
    // An image the service builds is never pulled.
    if (!s.image || s.build || done.has(s.image)) continue;
    done.add(s.image);
    const always = o.always || s.pullPolicy === 'always';
    if (!always && await engine.images.exists(s.image)) continue;
    if (s.pullPolicy === 'never') throw new HuskError('NO_SUCH_IMAGE', `service "${name}": image ${s.image} not found and pull_policy is never`);
    out.progress(`${name} Pulling`);
    await engine.images.pull(s.image);
    out.progress(`${name} Pulled`);
  }
}

/** Converges one service's containers; true when it recreated one. `restart`: restart the running ones it keeps. */
async function converge(engine: Engine, s: ComposeService, plan: Translation[], current: ContainerListItem[], o: UpOptions & { restart?: boolean }, out: ComposeOutput): Promise<boolean> {
  let changed = false;
  const hash = configHash(s);
  // A container of an older image (rebuilt or pulled since) is stale too, as in Docker Compose.
  const imageId = plan.length ? await engine.images.get(plan[0].spec.image).then((i) => i.id, () => undefined) : undefined;
  for (const c of current.filter((c) => numberOf(c) > plan.length || isOneoff(c))) {
    if (!isOneoff(c)) await removeContainer(engine, c, out);
  }
  for (const [i, t] of plan.entries()) {
    const c = current.find((x) => numberOf(x) === i + 1);
    const name = t.spec.name!;
    if (c) {
      const stale = c.config.intent.labels?.[LABEL.configHash] !== hash || (!!imageId && c.config.imageId !== imageId);
      if (!o.forceRecreate && (!stale || o.noRecreate)) {
        if (c.state.status === 'running' && o.restart && !o.noStart) {
          out.progress(`Container ${name}  Restarting`);
          const [r] = await engine.containers.restart([c.config.id], { timeout: c.config.intent.stopTimeout });
          if (r?.error) throw HuskError.from(r.error);
          out.progress(`Container ${name}  Restarted`);
        } else if (c.state.status === 'running') out.progress(`Container ${name}  Running`);
        else if (!o.noStart) await startOne(engine, c.config.id, name, out);
        continue;
      }
      out.progress(`Container ${name}  Recreate`);
      await engine.containers.remove([c.config.id], { force: true, timeout: c.config.intent.stopTimeout });
      await create(engine, t);
      out.progress(`Container ${name}  Recreated`);
      changed = true;
    } else {
      out.progress(`Container ${name}  Creating`);
      await create(engine, t);
      out.progress(`Container ${name}  Created`);
    }
    if (!o.noStart) await startOne(engine, name, name, out);
  }
  return changed;
}

async function create(engine: Engine, t: Translation): Promise<void> {
  const c = await engine.containers.create(t.spec);
  for (const n of t.extraNetworks) await engine.networks.connect(n.name, c.config.id, { aliases: n.aliases, ip: n.ip, mac: n.mac });
}

async function startOne(engine: Engine, ref: string, name: string, out: ComposeOutput): Promise<void> {
  out.progress(`Container ${name}  Starting`);
  const [r] = await engine.containers.start([ref]);
  if (r?.error) throw HuskError.from(r.error);
  out.progress(`Container ${name}  Started`);
}

export async function removeContainer(engine: Engine, c: ContainerListItem, out: ComposeOutput, o: { volumes?: boolean; timeout?: number } = {}): Promise<void> {
  const name = c.config.name;
  if (c.state.status === 'running' || c.state.status === 'paused') {
    out.progress(`Container ${name}  Stopping`);
    const [r] = await engine.containers.stop([c.config.id], { timeout: o.timeout });
    if (r?.error) throw HuskError.from(r.error);
    out.progress(`Container ${name}  Stopped`);
  }
  out.progress(`Container ${name}  Removing`);
  const [r] = await engine.containers.remove([c.config.id], { force: true, volumes: o.volumes });
  if (r?.error) throw HuskError.from(r.error);
  out.progress(`Container ${name}  Removed`);
}
