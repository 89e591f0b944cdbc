// Docker Compose's names and labels, so that containers, networks and
// volumes created by husk look like Docker Compose's to `ps`, to
// docker-compose talking to husk's API, and to `up` finding them again:
// containers PROJECT-SERVICE-N, one-off containers PROJECT-SERVICE-run-SLUG,
// networks and volumes PROJECT_KEY, and the com.docker.compose.* labels.
import { configHash } from './hash.ts';
import type { ComposeProject, ComposeService } from './types.ts';

/** The Docker Compose release whose naming and labels husk follows (the version label). */
export const COMPOSE_VERSION = '2.29.0';

export const LABEL = {
  project: 'com.docker.compose.project',
  service: 'com.docker.compose.service',
  containerNumber: 'com.docker.compose.container-number',
  oneoff: 'com.docker.compose.oneoff',
  slug: 'com.docker.compose.slug',
  configHash: 'com.docker.compose.config-hash',
  workingDir: 'com.docker.compose.project.working_dir',
  configFiles: 'com.docker.compose.project.config_files',
  environmentFile: 'com.docker.compose.project.environment_file',
  dependsOn: 'com.docker.compose.depends_on',
  version: 'com.docker.compose.version',
  network: 'com.docker.compose.network',
  volume: 'com.docker.compose.volume',
} as const;

/** `container_name`, else PROJECT-SERVICE-N (N from 1). */
export function containerName(project: Pick<ComposeProject, 'name'>, service: ComposeService, n: number): string {
  return service.containerName ?? `${project.name}-${service.name}-${n}`;
}

/** The container of `compose run`: PROJECT-SERVICE-run-SLUG (the slug's first 12 characters). */
export function oneoffContainerName(project: Pick<ComposeProject, 'name'>, service: ComposeService, slug: string): string {
  return `${project.name}-${service.name}-run-${slug.slice(0, 12)}`;
}

/** The engine name of a project network, by its key (`default` → PROJECT_default). */
export function networkName(project: ComposeProject, key: string): string {
  return project.networks[key]?.name ?? `${project.name}_${key}`;
}

/** The engine name of a project volume, by its key. */
export function volumeName(project: ComposeProject, key: string): string {
  return project.volumes[key]?.name ?? `${project.name}_${key}`;
}

/** DNS names of a service's containers on a network: the service name first, then its aliases. */
export function networkAliases(service: ComposeService, key: string): string[] {
  return [...new Set([service.name, ...(service.networks[key]?.aliases ?? [])])];
}

/** The label filter that finds a project's objects (`ps`, `down`). */
export const projectFilter = (name: string) => `${LABEL.project}=${name}`;

export interface ContainerLabelOptions {
  /** The replica number (from 1). */
  number: number;
  /** A `compose run` container. */
  oneoff?: boolean;
  /** The one-off container's slug. */
  slug?: string;
  version?: string;
}

/** A container's labels: the service's own, then Compose's (which win). */
export function containerLabels(project: ComposeProject, service: ComposeService, o: ContainerLabelOptions): Record<string, string> {
  const labels: Record<string, string> = {
    ...service.labels,
    [LABEL.project]: project.name,
    [LABEL.service]: service.name,
    [LABEL.containerNumber]: String(o.number),
    [LABEL.oneoff]: o.oneoff ? 'True' : 'False',
    [LABEL.configHash]: configHash(service),
    [LABEL.workingDir]: project.workingDir,
    [LABEL.configFiles]: project.configFiles.join(','),
    [LABEL.dependsOn]: Object.entries(service.dependsOn)
      .map(([dep, d]) => `${dep}:${d.condition}:${d.restart}`).sort().join(','),
    [LABEL.version]: o.version ?? COMPOSE_VERSION,
  };
  if (project.envFiles.length) labels[LABEL.environmentFile] = project.envFiles.join(',');
  if (o.oneoff && o.slug) labels[LABEL.slug] = o.slug;
  return labels;
}

/** A project network's labels (external networks are never created, so never labelled). */
export function networkLabels(project: ComposeProject, key: string, version = COMPOSE_VERSION): Record<string, string> {
  return { ...project.networks[key]?.labels, [LABEL.project]: project.name, [LABEL.network]: key, [LABEL.version]: version };
}

/** A project volume's labels. */
export function volumeLabels(project: ComposeProject, key: string, version = COMPOSE_VERSION): Record<string, string> {
  return { ...project.volumes[key]?.labels, [LABEL.project]: project.name, [LABEL.volume]: key, [LABEL.version]: version };
}
