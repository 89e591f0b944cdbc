// husk's Compose model: load a project (files, .env, interpolation, merge,
// extends, profiles) into a typed ComposeProject, and the Docker Compose
// naming, labels, config hash and dependency order that `up` builds on.
export type * from './types.ts';
export { loadProject, type LoadOptions } from './load.ts';
export { composeFiles, findComposeFiles, normaliseProjectName, DEFAULT_FILES, OVERRIDE_FILES } from './files.ts';
export { configHash, canonicalJson } from './hash.ts';
export { dependencyOrder, dependents, findCycle } from './graph.ts';
export {
  COMPOSE_VERSION, LABEL, containerLabels, containerName, networkAliases, networkLabels, networkName,
  oneoffContainerName, projectFilter, volumeLabels, volumeName, type ContainerLabelOptions,
} from './naming.ts';
export { renderConfig, renderService } from './render.ts';
export { interpolate } from './interpolate.ts';
export { parseEnvFile } from './envfile.ts';
export { shellSplit } from './shellwords.ts';
export { formatDuration, parseBytes, parseDuration } from './units.ts';
export { translateService, type Translation, type TranslateOptions, type ExtraNetwork } from './translate.ts';
export { up, pullMissing, type UpOptions } from './up.ts';
export { down, type DownOptions } from './down.ts';
export { containersOf, copyPaths, exec, images, lifecycle, logs, port, ps, run, top, type ComposeLogLine, type ExecOptions, type RunOptions } from './ops.ts';
export { projectContainers, selectServices, shortName, serviceOf, type ComposeOutput } from './state.ts';
export { buildServices, serviceImage, type BuildOptions } from './build.ts';
export { events, push, type ComposeEvent } from './events.ts';
