// husk's engine library: everything the CLI does, callable from Node with no
// daemon. Open an Engine, then call the container and image functions.
export { Engine } from './engine.ts';
export type { EngineOptions } from './config.ts';
export type { ContainerIntent, NetworkMode } from './intent.ts';
export type { Container, ContainerConfig, ContainerState, ContainerStatus } from './types.ts';
export {
  createContainer, startContainer, stopContainer, killContainer, removeContainer, cleanupContainer,
  pauseContainer, renameContainer, getContainer,
} from './lifecycle.ts';
export { runContainer, attachContainer, startAndAttach, type RunResult, type RunOptions } from './attach.ts';
export { listContainers, inspectContainer, topContainer, statusWord } from './query.ts';
export { containerLogs, type LogLine, type LogOptions } from './logs.ts';
export { execInContainer, type ExecOptions } from './exec.ts';
export { waitForExit } from './wait.ts';
export { importTarball, loadArchive } from '../image/import.ts';
export type { ImageRecord } from '../image/types.ts';
export { HuskError } from '../common/errors.ts';
export type { HuskEvent as HuskEventLike } from './events.ts';
export { removeImage, tagImage, pruneImages, mountImage, unmountImage, mountedImages, type RemoveImageReport } from './images.ts';
export { copy, type CopyOptions } from './copy.ts';
export { commitContainer, type CommitOptions } from './commit.ts';
export { containerDiff, exportContainer, mountContainer, unmountContainer } from './containerfs.ts';
export type { Change } from '../image/diff.ts';
export { unshare, migrate } from './userns.ts';
