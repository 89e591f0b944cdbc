// What of a project already exists in the engine: its containers, found by
// the com.docker.compose.project label, grouped by service and numbered by
// the container-number label. Shared by up, down and the other verbs.
import type { Engine } from '../engine/api.ts';
import type { ContainerListItem } from '../engine/container/api.ts';
import { invalidArgument } from '../common/errors.ts';
import { dependencyOrder } from './graph.ts';
import { LABEL, projectFilter } from './naming.ts';
import type { ComposeProject } from './types.ts';
import { compareText } from '../common/order.ts';

/** Progress and output sinks: nothing under src/compose writes to the process's streams. */
export interface ComposeOutput {
  /** One progress line ("Container p-web-1  Started"), to stderr in the CLI. */
  progress(line: string): void;
  /** Warnings, to stderr in the CLI. */
  warn(line: string): void;
}

export const labelsOf = (c: ContainerListItem) => c.config.intent.labels ?? {};
export const serviceOf = (c: ContainerListItem) => labelsOf(c)[LABEL.service] ?? '';
export const numberOf = (c: ContainerListItem) => Number(labelsOf(c)[LABEL.containerNumber] ?? 0);
export const isOneoff = (c: ContainerListItem) => labelsOf(c)[LABEL.oneoff] === 'True';

/** Every container of the project (all states), by service then number. */
export async function projectContainers(engine: Engine, project: Pick<ComposeProject, 'name'>, o: { oneoff?: boolean } = {}): Promise<ContainerListItem[]> {
  const list = await engine.containers.list({ all: true, filters: { label: [projectFilter(project.name)] } });
  return list.filter((c) => o.oneoff || !isOneoff(c))
    .sort((a, b) => compareText(serviceOf(a), serviceOf(b)) || numberOf(a) - numberOf(b));
}

/** The services named on the command line (checked), or all of them. */
export function selectServices(project: ComposeProject, names: string[] | undefined): string[] {
  for (const n of names ?? []) if (!project.services[n]) throw invalidArgument(`no such service: ${n}`);
  return names?.length ? names : Object.keys(project.services).sort();
}

/** Services in start order: the selection and, unless noDeps, what it depends on. */
export function startOrder(project: ComposeProject, names: string[] | undefined, noDeps = false): string[] {
  const selected = selectServices(project, names);
  if (noDeps) return dependencyOrder(project.services).filter((s) => selected.includes(s));
  return dependencyOrder(project.services, names?.length ? selected : undefined);
}

/** "web-1" for p-web-1, the prefix of `logs` and the short names of `ps`. */
export function shortName(project: Pick<ComposeProject, 'name'>, c: ContainerListItem): string {
  const name = c.config.name;
  return name.startsWith(`${project.name}-`) ? name.slice(project.name.length + 1) : name;
}

/** Sets the process exit status of batch verbs: the first report error is rethrown after all ran. */
export function firstError(reports: { error?: { code: string; message: string } }[]): { code: string; message: string } | undefined {
  return reports.find((r) => r.error)?.error;
}
