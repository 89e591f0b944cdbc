// The other compose verbs, each a thin loop over the project's containers
// through the engine interface: ps, logs, start/stop/restart/kill/rm, exec,
// run, images, port, top. They return data; the CLI formats it.
import { ensureEnvSecrets } from './secrets.ts';
import { randomBytes } from 'node:crypto';
import { HuskError, invalidArgument } from '../common/errors.ts';
import type { Engine, SessionIO } from '../engine/api.ts';
import type { ContainerListItem, LogLine } from '../engine/container/api.ts';
import { dependencyOrder } from './graph.ts';
import { containerName, oneoffContainerName } from './naming.ts';
import { numberOf, projectContainers, selectServices, serviceOf, shortName, startOrder, type ComposeOutput } from './state.ts';
import { translateService } from './translate.ts';
import type { ComposeProject } from './types.ts';
import { up } from './up.ts';

/** The project's containers of the named services (all when none are named). */
export async function containersOf(engine: Engine, project: ComposeProject, services?: string[], o: { all?: boolean; oneoff?: boolean } = {}): Promise<ContainerListItem[]> {
  const names = new Set(services?.length ? selectServices(project, services) : []);
  return (await projectContainers(engine, project, { oneoff: o.oneoff }))
    .filter((c) => (!names.size || names.has(serviceOf(c))) && (o.all !== false || c.state.status === 'running'));
}

/** ps: running containers of the project (all with `all`). */
export function ps(engine: Engine, project: ComposeProject, services: string[] | undefined, o: { all?: boolean }): Promise<ContainerListItem[]> {
  return containersOf(engine, project, services, { all: !!o.all, oneoff: true });
}

export interface ComposeLogLine extends LogLine {
  /** "web-1", the prefix Docker Compose prints padded before " | ". */
  prefix: string;
}

/** logs: every container's lines; with follow, interleaved as they come until the signal aborts. */
export async function* logs(engine: Engine, project: ComposeProject, services: string[] | undefined, o: { follow?: boolean; tail?: number; signal?: AbortSignal }): AsyncIterable<ComposeLogLine> {
  const cs = await containersOf(engine, project, services, { all: true });
  const streams = cs.map((c) => ({ prefix: shortName(project, c), it: engine.containers.logs(c.config.id, { follow: o.follow, tail: o.tail, signal: o.signal })[Symbol.asyncIterator]() }));
  if (!o.follow) {
    for (const s of streams) for (let r = await s.it.next(); !r.done; r = await s.it.next()) yield { ...r.value, prefix: s.prefix };
    return;
  }
  const pending = new Map(streams.map((s, i) => [i, s.it.next().then((r) => ({ i, r }))]));
  while (pending.size) {
    const { i, r } = await Promise.race(pending.values());
    if (r.done) { pending.delete(i); continue; }
    pending.set(i, streams[i].it.next().then((x) => ({ i, r: x })));
    yield { ...r.value, prefix: streams[i].prefix };
  }
}

type Verb = 'start' | 'stop' | 'restart' | 'kill' | 'rm' | 'pause' | 'unpause';
const PROGRESS: Record<Verb, [string, string]> = {
  start: ['Starting', 'Started'], stop: ['Stopping', 'Stopped'], restart: ['Restarting', 'Started'],
  kill: ['Killing', 'Killed'], rm: ['Removing', 'Removed'], pause: ['Pausing', 'Paused'], unpause: ['Unpausing', 'Unpaused'],
};
/** The containers a verb acts on, by state. */
const TARGETS: Record<Verb, (status: string) => boolean> = {
  start: (s) => s !== 'running', rm: (s) => s !== 'running', restart: () => true,
  stop: (s) => s === 'running', kill: (s) => s === 'running', pause: (s) => s === 'running', unpause: (s) => s === 'paused',
};

/**
 * start in dependency order, stop/kill/rm in reverse; each container's
 * progress, and the first failure thrown once all were tried.
 */
export async function lifecycle(engine: Engine, project: ComposeProject, verb: Verb, services: string[] | undefined, o: { timeout?: number; signal?: string; volumes?: boolean } = {}, out: ComposeOutput): Promise<void> {
  const order = dependencyOrder(project.services);
  if (verb !== 'start' && verb !== 'restart' && verb !== 'unpause') order.reverse();
  const cs = (await containersOf(engine, project, services, { all: true }))
    .filter((c) => TARGETS[verb](c.state.status))
    .sort((a, b) => order.indexOf(serviceOf(a)) - order.indexOf(serviceOf(b)) || numberOf(a) - numberOf(b));
  let failed: HuskError | undefined;
  for (const c of cs) {
    const [doing, done] = PROGRESS[verb];
    out.progress(`Container ${c.config.name}  ${doing}`);
    const id = [c.config.id];
    const [r] = verb === 'start' ? await engine.containers.start(id)
      : verb === 'stop' ? await engine.containers.stop(id, { timeout: o.timeout })
        : verb === 'restart' ? await engine.containers.restart(id, { timeout: o.timeout })
          : verb === 'kill' ? await engine.containers.kill(id, { signal: o.signal })
            : verb === 'pause' ? await engine.containers.pause(id)
              : verb === 'unpause' ? await engine.containers.unpause(id)
                : await engine.containers.remove(id, { volumes: o.volumes });
    if (r?.error) failed ??= HuskError.from(r.error);
    out.progress(`Container ${c.config.name}  ${r?.error ? `Error ${r.error.message}` : done}`);
  }
  if (failed) throw failed;
}

/**
 * `compose cp`: SERVICE:PATH on either side becomes the replica's
 * CONTAINER:PATH (`index`, default 1); the other side is a host path or `-`.
 */
export async function copyPaths(engine: Engine, project: ComposeProject, src: string, dest: string, index = 1): Promise<[string, string]> {
  const side = async (p: string) => {
    const m = /^([a-zA-Z0-9][a-zA-Z0-9_.-]*):(.*)$/.exec(p);
    if (!m || !project.services[m[1]]) return p;
    return `${(await serviceContainer(engine, project, m[1], index)).config.name}:${m[2]}`;
  };
  const [a, b] = [await side(src), await side(dest)];
  if (a === src && b === dest) throw invalidArgument('one of the paths must be SERVICE:PATH');
  return [a, b];
}

/** The container of a service's replica `index` (default 1). */
export async function serviceContainer(engine: Engine, project: ComposeProject, service: string, index = 1): Promise<ContainerListItem> {
  const c = (await containersOf(engine, project, [service], { all: true })).find((x) => numberOf(x) === index);
  if (!c) throw new HuskError('NO_SUCH_CONTAINER', `service "${service}" is not running container #${index}`);
  return c;
}

export interface ExecOptions { index?: number; user?: string; workdir?: string; env?: Record<string, string>; tty?: boolean; interactive?: boolean; privileged?: boolean }

/** exec: a command in a service's running container; resolves with its exit code. */
export async function exec(engine: Engine, project: ComposeProject, service: string, command: string[], o: ExecOptions, io: SessionIO): Promise<number> {
  const c = await serviceContainer(engine, project, service, o.index);
  if (c.state.status !== 'running') throw new HuskError('CONTAINER_STATE', `service "${service}" is not running`);
  const id = await engine.exec.create(c.config.id, { command, user: o.user, workdir: o.workdir, env: o.env, tty: o.tty, interactive: o.interactive, privileged: o.privileged });
  try {
    return (await engine.exec.start(id, io)) ?? 0;
  } finally {
    await engine.exec.remove(id, { force: true }).catch(() => {});
  }
}

export interface RunOptions { rm?: boolean; noDeps?: boolean; command?: string[]; entrypoint?: string[]; env?: Record<string, string>; user?: string; workdir?: string; name?: string; detach?: boolean; tty?: boolean; interactive?: boolean; servicePorts?: boolean }

/** run: a one-off container of a service (its dependencies brought up first); resolves with its exit code. */
export async function run(engine: Engine, project: ComposeProject, service: string, o: RunOptions, io: SessionIO, out: ComposeOutput): Promise<{ exitCode?: number; name: string }> {
  const s = project.services[service];
  if (!s) throw invalidArgument(`no such service: ${service}`);
  const deps = startOrder(project, [service]).filter((n) => n !== service);
  if (!o.noDeps && deps.length) await up(engine, project, { services: deps }, out);
  await ensureEnvSecrets(engine, project, [s]);
  const slug = randomBytes(32).toString('hex');
  const name = o.name ?? oneoffContainerName(project, s, slug);
  const t = translateService(project, { ...s, ports: o.servicePorts ? s.ports : [] }, {
    number: 1, oneoff: true, slug, name, serviceContainer: (x) => containerName(project, project.services[x], 1),
  });
  for (const w of t.warnings) out.warn(w);
  const spec = {
    ...t.spec, autoRemove: o.rm, tty: o.tty, interactive: o.interactive,
    command: o.command?.length ? o.command : t.spec.command, entrypoint: o.entrypoint ?? t.spec.entrypoint,
    env: { ...t.spec.env, ...o.env }, user: o.user ?? t.spec.user, workdir: o.workdir ?? t.spec.workdir,
  };
  const r = await engine.containers.run(spec, { ...io, detach: o.detach });
  return { exitCode: r.exitCode, name: r.name };
}

/** images: the image each container of the project uses. */
export async function images(engine: Engine, project: ComposeProject, services?: string[]): Promise<{ container: string; repository: string; id: string; size: number }[]> {
  const out = [];
  for (const c of await containersOf(engine, project, services, { all: true })) {
    const img = (await engine.images.list({ filters: { id: [c.config.imageId] } }))[0];
    out.push({ container: c.config.name, repository: c.config.imageName, id: c.config.imageId, size: img?.Size ?? 0 });
  }
  return out;
}

/** port: the host address of a service's published container port. */
export async function port(engine: Engine, project: ComposeProject, service: string, privatePort: number, o: { protocol?: string; index?: number } = {}): Promise<string> {
  const c = await serviceContainer(engine, project, service, o.index);
  const p = (c.config.ports ?? []).find((m) => privatePort >= m.container_port && privatePort < m.container_port + m.range && m.protocol.split(',').includes(o.protocol ?? 'tcp'));
  if (!p) throw invalidArgument(`no port ${privatePort}/${o.protocol ?? 'tcp'} for container ${c.config.name}`);
  return `${p.host_ip || '0.0.0.0'}:${p.host_port + privatePort - p.container_port}`;
}

/** top: the processes of each running container. */
export async function top(engine: Engine, project: ComposeProject, services?: string[]): Promise<{ name: string; rows: string[][] }[]> {
  const out = [];
  for (const c of await containersOf(engine, project, services, { all: false })) out.push({ name: c.config.name, rows: await engine.containers.top(c.config.id) });
  return out;
}
