// husk's engine library: everything the CLI does, callable from Node with no
// daemon. Open an Engine, then call the container and image functions.
export { EngineContext } from './context.ts';
export type { EngineOptions } from './config.ts';
export type { ContainerIntent, NetworkMode } from '../specgen/container.ts';
export type { Container, ContainerConfig, ContainerState, ContainerStatus } from './types.ts';
export {
  createContainer, startContainer, stopContainer, killContainer, removeContainer, cleanupContainer,
  pauseContainer, renameContainer, getContainer,
} from './container/lifecycle.ts';
export { runContainer, attachContainer, startAndAttach, type RunResult, type RunOptions } from './container/attach.ts';
export { listContainers, inspectContainer, topContainer, statusWord } from './container/query.ts';
export { containerLogs, type LogLine, type LogOptions } from './container/logs.ts';
export { waitForExit } from './container/wait.ts';
export { importTarball, loadArchive } from '../image/import.ts';
export type { ImageRecord } from '../image/types.ts';
export { HuskError } from '../common/errors.ts';
export type { HuskEvent as HuskEventLike } from './system/events.ts';
export { removeImage, tagImage, pruneImages, mountImage, unmountImage, mountedImages, type RemoveImageReport } from './image/images.ts';
export { copy, type CopyOptions } from './container/copy.ts';
export { commitContainer, type CommitOptions } from './container/commit.ts';
export { containerDiff, exportContainer, mountContainer, unmountContainer } from './container/containerfs.ts';
export type { Change } from '../image/diff.ts';
export { unshare, migrate } from './system/userns.ts';
