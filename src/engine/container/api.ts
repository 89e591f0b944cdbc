// The containers domain of the engine API: the interface, its options and
// its reports. Front ends import only this file (and ../api.ts); the local
// implementation (local.ts) and its helpers stay private to the domain.
import type { Filters, ItemReport, PruneReport, SessionIO, TerminalSize } from '../api.ts';
import type { ContainerSpec, RestartPolicySpec } from '../../specgen/container.ts';
import type { Container, HealthState } from '../types.ts';

export type { Container, ContainerConfig, ContainerState, ContainerStatus, HealthLogEntry, HealthState, HealthStatus, MountSpec } from '../types.ts';
export type { ContainerSpec };

/** Progress of an image pull that create/run needs (see images' PullOptions). */
export interface PullProgressOptions {
  tlsVerify?: boolean;
  authfile?: string;
  /** USER:PASSWORD */
  creds?: string;
  /** One line of text, as `husk pull` prints it. */
  onMessage?: (line: string) => void;
  /** Per-blob progress (structured, as images' pull reports it; a method, so a typed handler fits). */
  onProgress?(p: unknown): void;
  /** --platform/--os/--arch/--variant: the platform to pull, and a local image of another platform does not count. */
  platform?: { os?: string; arch?: string; variant?: string };
}

export interface CreateOptions {
  /** Settings for pulling the image when the spec's pull policy requires it. */
  pull?: PullProgressOptions;
  /** A limit the host's kernel lacks was dropped: Podman's warning, which its CLI prints as a line on stderr. */
  onWarning?: (msg: string) => void;
}

export interface RunOptions extends CreateOptions, SessionIO {
  /** Start and return at once instead of attaching. */
  detach?: boolean;
}

export interface RunReport {
  id: string;
  name: string;
  /** The exit code when the container ran to completion attached; absent when detached. */
  exitCode?: number;
  /** The user detached with the detach keys. */
  detached?: boolean;
}

export interface AttachReport {
  exitCode?: number;
  detached?: boolean;
}

/** Which containers a batch verb acts on: the named ones, or all (optionally filtered). */
export interface Selection {
  all?: boolean;
  /** Only with `all`: further narrow the containers acted on. */
  filters?: Filters;
  /** The most recently created container. */
  latest?: boolean;
  /** A name or ID that does not exist is not an error: it is skipped (no report). */
  ignore?: boolean;
}

export interface StopOptions extends Selection {
  /** Seconds between the stop signal and SIGKILL (default: the container's stop timeout). */
  timeout?: number;
}

export interface KillOptions extends Selection {
  /** Signal name or number (default SIGKILL). */
  signal?: string;
}

export interface RemoveOptions extends Selection {
  force?: boolean;
  /** Remove the container's anonymous volumes too. */
  volumes?: boolean;
  timeout?: number;
  /** First remove the containers that depend on each one (join its namespaces, require it), recursively. */
  depend?: boolean;
}

export interface ListOptions {
  /** Include containers that are not running (Podman's -a). */
  all?: boolean;
  filters?: Filters;
  /** Only the N most recently created (all states). */
  last?: number;
  latest?: boolean;
  /** Add the namespace inodes of running containers. */
  namespaces?: boolean;
  /** Add each container's sizes (ps --size). */
  size?: boolean;
}

/** A list entry: the stored record plus what a listing shows beside it. */
export interface ContainerListItem extends Container {
  /** Name of the container's pod, if any. */
  podName?: string;
  /** Namespace inodes (cgroup, ipc, mnt, net, pid, user, uts), with ListOptions.namespaces. */
  namespaces?: Record<string, string>;
  /** With ListOptions.size, in bytes: the rw layer, and that plus its image's layers (Podman's rwSize, rootFsSize). */
  size?: { rootFsSize: number; rwSize: number };
}

export interface LogOptions {
  follow?: boolean;
  /** Only the last N lines (-1 or undefined: all). */
  tail?: number;
  since?: Date;
  until?: Date;
  signal?: AbortSignal;
}

export interface LogLine {
  /** The container the line came from. */
  id: string;
  name: string;
  /** RFC 3339 with nanoseconds, as conmon wrote it. */
  time: string;
  stream: 'stdout' | 'stderr';
  text: string;
}

export type WaitCondition = 'stopped' | 'exited' | 'running' | 'created' | 'paused' | 'removing' | 'next-exit';

export interface WaitOptions {
  condition?: WaitCondition;
  signal?: AbortSignal;
}

export interface StatsOptions {
  all?: boolean;
  /** Keep sampling (an endless stream) instead of one sample. */
  stream?: boolean;
  /** Milliseconds between samples (default 1000). */
  interval?: number;
  signal?: AbortSignal;
}

export interface ContainerStats {
  ContainerID: string;
  Name: string;
  PIDs: number;
  /** Percent of one CPU over the last interval. */
  CPU: number;
  /** Percent of one CPU since the container started. */
  AvgCPU: number;
  CPUNano: number;
  MemUsage: number;
  MemLimit: number;
  MemPerc: number;
  NetInput: number;
  NetOutput: number;
  BlockInput: number;
  BlockOutput: number;
  [key: string]: unknown;
}

/** `container clone`: the copy's name, resource overrides, and what happens to the original. */
export interface CloneOptions {
  /** Name of the copy (default: the original's name with `-clone`, then `-clone1`...). */
  name?: string;
  /** Image for the copy (default: the original's). */
  image?: string;
  /** Spec fields replacing the original's (resources: memory, cpus, cpusetCpus...). */
  overrides?: Partial<ContainerSpec>;
  /** Remove the original once the copy exists. */
  destroy?: boolean;
  /** With destroy: remove the original even when it runs. */
  force?: boolean;
  /** Start the copy. */
  run?: boolean;
  /** As create's: a limit the host's kernel lacks was dropped. */
  onWarning?: (msg: string) => void;
}

/** Resource limits that `update` may change on an existing container. */
export interface ResourceUpdate {
  memory?: number;
  memoryReservation?: number;
  memorySwap?: number;
  cpus?: number;
  cpuShares?: number;
  cpusetCpus?: string;
  pidsLimit?: number;
  // Podman's other cgroup limits (ContainerSpec's fields of the same names).
  cpuPeriod?: number;
  cpuQuota?: number;
  cpuRtPeriod?: number;
  cpuRtRuntime?: number;
  cpusetMems?: string;
  blkioWeight?: number;
  blkioWeightDevice?: ContainerSpec['blkioWeightDevice'];
  deviceReadBps?: ContainerSpec['deviceReadBps'];
  deviceWriteBps?: ContainerSpec['deviceWriteBps'];
  deviceReadIops?: ContainerSpec['deviceReadIops'];
  deviceWriteIops?: ContainerSpec['deviceWriteIops'];
  memorySwappiness?: number;
  /** Create and clone only (as Podman's flags). */
  oomKillDisable?: boolean;
  cgroupParent?: string;
  cgroupConf?: Record<string, string>;
  /** `update --restart`: the new policy, for the next exit. */
  restartPolicy?: RestartPolicySpec;
}

export interface CopyOptions {
  /** Keep uid/gid of the source (cp -a). */
  archive?: boolean;
  overwrite?: boolean;
  /** Tar stream for '-' as source (read) or destination (written). */
  stdin?: NodeJS.ReadableStream;
  stdout?: NodeJS.WritableStream;
}

export interface CommitOptions {
  /** Name for the new image. */
  name?: string;
  author?: string;
  message?: string;
  /** Dockerfile-style instructions applied to the config (CMD, ENV, LABEL...). */
  changes?: string[];
  pause?: boolean;
  format?: 'oci' | 'docker';
  squash?: boolean;
  includeVolumes?: boolean;
  /** The new image's runtime config exactly, instead of the image's merged with the container's settings (builds set it; `changes` still apply). */
  config?: Record<string, unknown>;
  /** The history entry's created_by (default: the container's command line). */
  createdBy?: string;
  /** The image's creation time, RFC 3339 (default: now). */
  created?: string;
  /** Paths created only as mount points (a build's RUN mounts, the generated /etc/hosts...): left out of the layer when empty and absent from the image. */
  omitStubs?: string[];
  /** Seconds since the epoch: mtimes in the new layer are clamped to it (reproducible builds). */
  timestamp?: number;
}

export interface DiffOptions {
  /** Also accept an image (its top layer against the layers below) when no container has that name, as `husk diff` does. */
  images?: boolean;
  /** Only an image (its top layer against the layers below), never a container (`image diff`). */
  imageOnly?: boolean;
}

export interface FileChange {
  kind: 'A' | 'C' | 'D';
  path: string;
}

/** One run of a container's health check. */
export interface HealthcheckReport {
  /** This run's outcome: healthy when the test exited 0, else unhealthy (Podman's HealthCheckRun). */
  status: 'healthy' | 'unhealthy';
  /** The container's health after the run (its status may still be starting or healthy after a failure). */
  health: HealthState;
}

/** Podman's `container inspect` document (field names as Podman prints them). */
export type ContainerInspect = Record<string, unknown>;

/** A container path's metadata (what Docker's archive HEAD reports). */
export interface PathStat {
  /** The path's base name ('/' for the root). */
  name: string;
  size: number;
  /** st_mode: the file type bits and the permissions. */
  mode: number;
  /** RFC 3339. */
  mtime: string;
  /** For a symlink, where it leads, fully resolved in the container (an absolute container path); else ''. */
  linkTarget: string;
}

/** `container checkpoint` (Podman's CheckpointOptions). */
export interface CheckpointOptions extends Selection {
  /** Keep CRIU's log and work files. */
  keep?: boolean;
  leaveRunning?: boolean;
  tcpEstablished?: boolean;
  fileLocks?: boolean;
  /** Write the checkpoint, the container's config and its rootfs changes to this archive (a path on the engine's host). */
  export?: string;
  /** With export: no rootfs changes, no volume contents. */
  ignoreRootfs?: boolean;
  ignoreVolumes?: boolean;
  /** Dump memory only (CRIU pre-dump); the container keeps running. */
  preCheckpoint?: boolean;
  /** Dump only what changed since the pre-checkpoint. */
  withPrevious?: boolean;
  /** Compression of the exported archive (default zstd, as Podman's). */
  compress?: 'none' | 'gzip' | 'zstd';
}

/** One container's checkpoint: an ItemReport plus the runtime's duration in microseconds. */
export interface CheckpointReport extends ItemReport {
  runtimeDuration?: number;
}

/** `container restore` (Podman's RestoreOptions). */
export interface RestoreOptions extends Selection {
  keep?: boolean;
  tcpEstablished?: boolean;
  fileLocks?: boolean;
  /** Restore a new container from an archive written by checkpoint --export (a path on the engine's host). */
  import?: string;
  /** With import: the new container's name (its addresses are then not kept). */
  name?: string;
  ignoreRootfs?: boolean;
  ignoreVolumes?: boolean;
  ignoreStaticIP?: boolean;
  ignoreStaticMAC?: boolean;
  /** With import: port mappings replacing the checkpointed container's (-p syntax). */
  publish?: string[];
  /** With import: the pod to restore into. */
  pod?: string;
}

export type RestoreReport = CheckpointReport;

/** `container cleanup` beyond conmon's exit command (Podman's ContainerCleanupOptions). */
export interface CleanupOptions {
  /** Then remove the container (unless its restart policy restarts it). */
  remove?: boolean;
  /** Then remove its image (not forced: an image something else uses stays, with an error). */
  removeImage?: boolean;
  /** This exec session of the container instead of the container: with `remove`, its record goes. */
  exec?: string;
}

export interface ContainersAPI {
  /** Validates the spec, pulls the image if the pull policy says so, and creates the container. */
  create(spec: ContainerSpec, o?: CreateOptions): Promise<Container>;
  /** create + start + attach + wait (or create + start with `detach`). */
  run(spec: ContainerSpec, o?: RunOptions): Promise<RunReport>;
  start(refs: string[], o?: Selection): Promise<ItemReport[]>;
  /**
   * Podman's init: prepares each container as start would (mounts, network,
   * conmon, the runtime's create) without starting its process; it is then
   * `initialized` and a start runs it. CONTAINER_STATE when it is already
   * created in the runtime or running.
   */
  init(refs: string[], o?: Selection): Promise<ItemReport[]>;
  /** Creates a copy of a container from its stored spec with the given changes (Podman's container clone). */
  clone(ref: string, o?: CloneOptions): Promise<Container>;
  /** Starts one container and attaches the given streams until it exits or the user detaches. */
  startAttach(ref: string, io: SessionIO): Promise<AttachReport>;
  attach(ref: string, io: SessionIO): Promise<AttachReport>;
  stop(refs: string[], o?: StopOptions): Promise<ItemReport[]>;
  kill(refs: string[], o?: KillOptions): Promise<ItemReport[]>;
  /** Stops (if running) and starts each container again, as one operation per container. */
  restart(refs: string[], o?: StopOptions): Promise<ItemReport[]>;
  pause(refs: string[], o?: Selection): Promise<ItemReport[]>;
  unpause(refs: string[], o?: Selection): Promise<ItemReport[]>;
  remove(refs: string[], o?: RemoveOptions): Promise<ItemReport[]>;
  /** Removes every container that is not running (infra containers excepted) and passes the filters. */
  prune(o?: { filters?: Filters }): Promise<PruneReport[]>;
  /**
   * Runs the exit-time cleanup (unmount, network teardown, --rm); conmon's
   * exit command calls it. Resolves with the container's ID, or undefined
   * when it is already gone (conmon's exit command raced a removal).
   */
  cleanup(ref: string, o?: CleanupOptions): Promise<string | undefined>;
  /**
   * Runs a running container's health check once (an exec session, killed
   * after the check's timeout), records the result in its health state,
   * emits health_status when the status changes, and applies the check's
   * on-failure action once it is unhealthy. The container's timer process
   * calls it on schedule. CONTAINER_STATE: not running, or no health check.
   */
  healthcheck(ref: string): Promise<HealthcheckReport>;

  /** Newest first; only running and paused ones unless all, latest, last or a status filter is given. */
  list(o?: ListOptions): Promise<ContainerListItem[]>;
  /** The stored record of one container (NO_SUCH_CONTAINER if unknown). */
  get(ref: string): Promise<Container>;
  exists(ref: string): Promise<boolean>;
  inspect(ref: string, o?: { size?: boolean }): Promise<ContainerInspect>;
  top(ref: string, descriptors?: string[]): Promise<string[][]>;
  /** Log lines of one container, oldest first; with `follow`, until it exits or the signal aborts. */
  logs(ref: string, o?: LogOptions): AsyncIterable<LogLine>;
  /** Resolves with the exit code once the container has stopped (conditions stopped and exited; others are INVALID_ARGUMENT). */
  wait(ref: string, o?: WaitOptions): Promise<number>;
  /** One batch of samples per interval (one batch without `stream`). */
  stats(refs: string[], o?: StatsOptions): AsyncIterable<ContainerStats[]>;
  rename(ref: string, name: string): Promise<void>;
  update(ref: string, resources: ResourceUpdate): Promise<Container>;
  resize(ref: string, size: TerminalSize): Promise<void>;

  /** Mounts the root filesystem; returns the host path. */
  mount(ref: string): Promise<string>;
  unmount(ref: string, o?: { force?: boolean }): Promise<string>;
  /** The containers whose rootfs is mounted: ID, name, mount point. */
  mounted(): Promise<{ id: string; name: string; path: string }[]>;
  diff(ref: string, o?: DiffOptions): Promise<FileChange[]>;
  /** Writes the root filesystem as a tar stream. */
  export(ref: string, out: NodeJS.WritableStream): Promise<void>;
  /** `cp`: either side may be CONTAINER:PATH; '-' is a tar stream. */
  copy(source: string, destination: string, o?: CopyOptions): Promise<void>;
  /**
   * What is at PATH in the container, resolved as `copy` resolves it (mounts
   * and volumes included, symlinks clamped to the container) except that the
   * last component is not followed. NO_SUCH_PATH when nothing is there.
   */
  stat(ref: string, path: string): Promise<PathStat>;
  /** Creates an image from the container's changes; returns the image ID. */
  commit(ref: string, o?: CommitOptions): Promise<string>;
  /**
   * Checkpoints running containers with CRIU through the OCI runtime; each
   * is then exited and checkpointed (unless leaveRunning/preCheckpoint).
   * RUNTIME when the runtime or CRIU cannot checkpoint.
   */
  checkpoint(refs: string[], o?: CheckpointOptions): Promise<CheckpointReport[]>;
  /** Restores checkpointed containers, or a new one from an exported archive (import). */
  restore(refs: string[], o?: RestoreOptions): Promise<RestoreReport[]>;
}

export interface ExecCreateOptions {
  /** The command and its arguments (not empty). */
  command: string[];
  /** Added to (and overriding) the container's environment. */
  env?: Record<string, string>;
  /** USER[:GROUP] by name or number, resolved in the container (default: the container's user). */
  user?: string;
  /** Working directory (default: the container's). */
  workdir?: string;
  /** Run the process on a terminal (one output stream; resizable). */
  tty?: boolean;
  /** Keep stdin open: an attached start forwards the caller's stdin. */
  interactive?: boolean;
  /** Give the process every capability of the container's bounding set, even for a non-root user. */
  privileged?: boolean;
  /** Detach sequence for an attached tty session (default ctrl-p,ctrl-q; "" disables). */
  detachKeys?: string;
  /** Remove the session once an attached start returns (what `husk exec` does). */
  autoRemove?: boolean;
  /** The starting process's fds 3..3+N-1 go to the process as the same numbers (`exec --preserve-fds`). */
  preserveFds?: number;
}

/** Podman's `exec inspect` document. */
export interface ExecInspect {
  ID: string;
  ContainerID: string;
  Running: boolean;
  /** The process's exit code once it exited (128+n for signal n); 0 before. */
  ExitCode: number;
  /** Host pid while running; 0 before it started and after it exited. */
  Pid: number;
  ProcessConfig: { entrypoint: string; arguments: string[]; tty: boolean; user: string; privileged: boolean };
  OpenStdin: boolean;
  OpenStdout: boolean;
  OpenStderr: boolean;
  DetachKeys: string;
  /** The session is not running (remove needs no force). */
  CanRemove: boolean;
  [key: string]: unknown;
}

export interface ExecStartOptions extends SessionIO {
  /** Start and return once the process runs; its output is discarded. */
  detach?: boolean;
}

/**
 * Exec sessions, as Podman's: create records a process for a running
 * container (state created); start runs it under its own conmon (running),
 * attached to the caller's streams or detached; when it exits the session is
 * stopped with its exit code. Sessions are listed by the container's inspect
 * (ExecIDs) and dropped when the container stops or is removed. Errors:
 * NO_SUCH_CONTAINER, NO_SUCH_EXEC, CONTAINER_STATE (container not running,
 * session already started), CMD_NOT_FOUND (127), CMD_CANNOT_INVOKE (126).
 */
export interface ExecAPI {
  /** Creates a session in a running container; returns its ID (64 hex). */
  create(container: string, o: ExecCreateOptions): Promise<string>;
  /**
   * Starts a created session. Attached: resolves with the exit code once the
   * process exited and its output was written, or undefined if the caller
   * detached (detach keys, io.signal). Detached: resolves with undefined once
   * the process runs; it keeps running after the caller exits.
   */
  start(id: string, o?: ExecStartOptions): Promise<number | undefined>;
  /** Resizes a running tty session's terminal. */
  resize(id: string, size: TerminalSize): Promise<void>;
  inspect(id: string): Promise<ExecInspect>;
  /** Removes a session's record (force: kill a running one first). */
  remove(id: string, o?: { force?: boolean }): Promise<void>;
}
