// The system domain of the engine API: host and store facts, events, and
// store-wide maintenance.
import type { Filters, PruneReport, ReportError } from '../api.ts';

/** One event, as Podman's file backend records it. */
export interface HuskEvent {
  ID: string;
  Image?: string;
  Name?: string;
  Status: string;
  Type: 'container' | 'image' | 'pod' | 'volume' | 'network' | 'system' | 'secret';
  /** RFC 3339 with nanoseconds. */
  Time: string;
  /** Unix time in nanoseconds. */
  timeNano: number;
  ContainerExitCode?: number;
  /** health_status events: the container's new health (starting, healthy, unhealthy). */
  HealthStatus?: string;
  Attributes?: Record<string, string>;
}

export interface EventsOptions {
  /** Only events at or after this time. */
  since?: Date;
  /** Only events at or before this time; a stream ends when it passes. */
  until?: Date;
  /**
   * type, event (or status), container, image, pod, volume, network (name
   * or ID prefix), label (KEY or KEY=VALUE of the event's attributes).
   */
  filters?: Filters;
  /** After the recorded events, follow new ones until the signal aborts or `until` passes. */
  stream?: boolean;
  signal?: AbortSignal;
}

/** `husk info`: the host, the store and the version (Podman's field names). */
export interface SystemInfo {
  host: {
    arch: string;
    hostname: string;
    kernel: string;
    os: string;
    cpus: number;
    memTotal: number;
    memFree: number;
    cgroupManager: string;
    cgroupVersion: 'v1' | 'v2';
    /** v2, v1 or hybrid. */
    cgroupLayout: string;
    conmon: { path: string; version: string };
    /** wrapper: set when the runtime runs through husk-crun (crun on a hybrid cgroup host). */
    ociRuntime: { name: string; path: string; version: string; fallbackReason?: string; wrapper?: string };
    security: { rootless: boolean; capabilities: string };
  };
  store: {
    configFile: string;
    graphDriverName: string;
    graphRoot: string;
    runRoot: string;
    imageStore: { number: number };
    containerStore: { number: number; running: number; paused: number; stopped: number };
  };
  version: { Version: string; APIVersion: string; GoVersion: string; OsArch: string };
  /** Problems with the host a front end should show (e.g. the configured runtime is unusable); not part of the document. */
  warnings?: string[];
}

export interface VersionReport {
  Version: string;
  ApiVersion: string;
  GoVersion: string;
  NodeVersion: string;
  OsArch: string;
  Built: number;
  [key: string]: unknown;
}

export interface AutoUpdateOptions {
  /** Only report which containers have an update (Updated: pending); change nothing. */
  dryRun?: boolean;
  /** Put the previous image back when the restarted container fails (default true). */
  rollback?: boolean;
  /** Credentials for the registry checks and pulls (else the io.containers.autoupdate.authfile label, else auth.json). */
  authfile?: string;
  /** --tls-verify; undefined means "as registries.conf says". */
  tlsVerify?: boolean;
  /** Pull messages ("Trying to pull ..."), local engine only. */
  onMessage?: (line: string) => void;
}

/** One running container with an io.containers.autoupdate policy (Podman's auto-update report). */
export interface AutoUpdateReport {
  ContainerID: string;
  ContainerName: string;
  /** The image name the container was created from. */
  Image: string;
  Policy: 'registry' | 'local' | '';
  /** Its PODMAN_SYSTEMD_UNIT label, if any. */
  Unit: string;
  /** false, pending (dry run), true, rolled back or failed. */
  Updated: 'false' | 'pending' | 'true' | 'rolled back' | 'failed';
  error?: ReportError;
}

/** `system df` (Podman's SystemDfReport): sizes in bytes, times RFC 3339. */
export interface SystemDfReport {
  /** Every layer of every image, each counted once. */
  ImagesSize: number;
  /** One row per image name (a dangling image once, as <none>). */
  Images: { Repository: string; Tag: string; ImageID: string; Created: string; Size: number; SharedSize: number; UniqueSize: number; Containers: number }[];
  Containers: { ContainerID: string; Image: string; Command: string[]; LocalVolumes: number; Size: number; RWSize: number; Created: string; Status: string; Names: string }[];
  /** Links: running containers using the volume; ReclaimableSize: its size when no container uses it. */
  Volumes: { VolumeName: string; Links: number; Size: number; ReclaimableSize: number }[];
}

export interface SystemPruneOptions {
  /** Every image no container uses, not only dangling ones. */
  all?: boolean;
  /** Volumes no container uses, too. */
  volumes?: boolean;
  /** label, label!, until: applied to containers, images, networks (and volumes). */
  filters?: Filters;
}

export interface SystemPruneReport {
  containers: PruneReport[];
  pods: PruneReport[];
  volumes: PruneReport[];
  images: PruneReport[];
  networks: PruneReport[];
  /** Bytes freed, as far as known. */
  reclaimedSpace: number;
}

export interface SystemCheckOptions {
  /** Remove damaged images (and, with force, the containers using them or whose data is gone). */
  repair?: boolean;
  /** Repair even when containers must go (Podman's --force, RepairLossy). */
  force?: boolean;
  /** Unreferenced layers younger than this (ms) are not damage (a pull may be writing them); default 24 h. */
  maxAge?: number;
  /** Skip the slow checks (husk has none yet; accepted for Podman's flag). */
  quick?: boolean;
}

/** What `system check` found (Podman's SystemCheckReport): problems by object, and what repair removed. */
export interface SystemCheckReport {
  errors: boolean;
  layers: Record<string, string[]>;
  images: Record<string, string[]>;
  containers: Record<string, string[]>;
  removedLayers: string[];
  removedImages: string[];
  removedContainers: string[];
}

/** Where the store is and how it keeps layers: cheap to get (no probes). */
export interface StorePaths {
  graphRoot: string;
  runRoot: string;
  /** overlay or vfs: what inspect's GraphDriver.Name says. */
  graphDriver: string;
  /** --imagestore, when images are kept apart from graphRoot. */
  imageStore?: string;
}

export interface SystemAPI {
  info(): Promise<SystemInfo>;
  /** The store's directories alone (info's store.graphRoot/runRoot, without info's probes): where builds keep cache mounts and scratch files. */
  storePaths(): Promise<StorePaths>;
  version(): Promise<VersionReport>;
  events(o?: EventsOptions): AsyncIterable<HuskEvent>;
  /**
   * Runs argv (default: $SHELL) in husk's rootless user namespace; resolves
   * with its exit code. The caller decides whether the command shares its
   * stdio ("inherit") or gets none ("ignore", the default).
   */
  unshare(argv: string[], o?: { stdio?: 'inherit' | 'ignore'; rootlessNetns?: boolean }): Promise<number>;
  /**
   * Stops containers and the rootless pause process so new subuid ranges
   * apply; newRuntime (root too): every container's OCI runtime becomes
   * that one (INVALID_ARGUMENT when no such runtime is configured).
   */
  migrate(o?: { newRuntime?: string }): Promise<number | undefined>;
  /** Moves running containers labelled io.containers.autoupdate onto newer images (docs/systemd.md). */
  autoUpdate(o?: AutoUpdateOptions): Promise<AutoUpdateReport[]>;
  /** Disk usage of images, containers and volumes. */
  df(): Promise<SystemDfReport>;
  /** Removes stopped containers, pods with none running, unused networks, dangling (all: unused) images and, with volumes, unused volumes. */
  prune(o?: SystemPruneOptions): Promise<SystemPruneReport>;
  /**
   * Removes every container (running ones are killed), pod, volume, image
   * and network, then the graph root and run root themselves. The engine is
   * unusable afterwards.
   */
  reset(): Promise<void>;
  /** Checks the store for inconsistencies (layers without records or images, images whose layers are gone, containers whose image or data is gone) and optionally repairs them. */
  check(o?: SystemCheckOptions): Promise<SystemCheckReport>;
  /**
   * Podman 4's renumber reallocates lock numbers after a change of
   * num_locks; husk's locks are files named after the object, so there is
   * nothing to renumber: a no-op that succeeds.
   */
  renumber(): Promise<void>;
}
