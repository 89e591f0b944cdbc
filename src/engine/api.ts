// The engine API: the one boundary between husk's front ends (the CLI, the
// REST server, library callers) and the engine. An `Engine` holds one
// interface per domain; `connect()` (connect.ts) returns the local,
// in-process implementation, and the remote client implements the same
// interfaces over REST.
//
// Conventions every domain follows:
// - Every call is async, takes names/IDs first and an options object last,
//   and returns plain JSON-serialisable data (so it can cross the REST API).
// - Batch verbs (rm, stop, kill, prune...) return one ItemReport per item
//   with its own error, so `rm a b c` can fail for `b` alone; they throw only
//   when the request as a whole is invalid.
// - Streams (logs, events, stats, pull progress) are AsyncIterables; pass an
//   AbortSignal to stop them. Attach and exec take the caller's streams and
//   resize/signal sources: nothing below the CLI touches `process`.
// - Errors are HuskErrors with a stable `code` (common/errors.ts maps each
//   code to a CLI exit code and an HTTP status once).
import type { ContainersAPI, ExecAPI } from './container/api.ts';
import type { PodsAPI } from './pod/api.ts';
import type { ImagesAPI } from './image/api.ts';
import type { VolumesAPI } from './volume/api.ts';
import type { NetworksAPI } from './network/api.ts';
import type { SystemAPI } from './system/api.ts';
import type { SecretsAPI } from './secret/api.ts';

export type { ContainersAPI, ExecAPI, PodsAPI, ImagesAPI, VolumesAPI, NetworksAPI, SystemAPI, SecretsAPI };

/** Where the engine lives and how it stores things; the CLI's global flags. */
export interface ConnectOptions {
  /** Graph root (images, containers, volumes); default /var/lib/containers/storage-like husk path. */
  root?: string;
  /** Run root (volatile state). */
  runroot?: string;
  /** OCI runtime name or path (crun, runc). */
  runtime?: string;
  /** A remote engine (unix://PATH, tcp://HOST:PORT, ssh://USER@HOST/PATH): the other options are the server's. */
  url?: string;
  /** Remote with no url: CONTAINER_HOST, else the default socket (src/api/remote). */
  remote?: boolean;
  /** Global flags passed to the OCI runtime before its subcommand (--runtime-flag debug: --debug). */
  runtimeFlags?: string[];
  /** Where events go: file (the default) or none (not recorded). */
  eventsBackend?: 'file' | 'none';
  /** containers.conf modules read after the usual files (--module): paths, or names under containers.conf.modules. */
  modules?: string[];
  /** overlay or vfs (full copies, where overlay cannot mount); a store refuses the other driver than its own. */
  storageDriver?: string;
  /** --storage-opt KEY=VALUE: overlay.mount_program, vfs.ignore_chown_errors (others are refused). */
  storageOpts?: string[];
  /** Where network definitions are kept (default ROOT/networks). */
  networkConfigDir?: string;
  /** Sockets systemd passed to the caller (LISTEN_FDS, LISTEN_FDNAMES): containers it starts inherit them. */
  socketActivation?: { fds: number; names?: string };
  /**
   * How many fds from 3 on the caller was given (the CLI's launcher counts
   * them before Node opens its own). A start or exec hands a container at
   * most this many of its --preserve-fds, so the caller's own fds never
   * reach it. Unset: the caller vouches for fds 3.. (an embedding program).
   */
  inheritedFds?: number;
  /** --imagestore: images (layers, blobs, their database) kept apart from ROOT, which keeps the containers. */
  imageStore?: string;
  /**
   * The caller runs one command and exits (the CLI): conmon is started with
   * posix_spawn and its pipes are polled on a timer, which spares loading
   * child_process (~10 ms), and a removed container's directories go with
   * rmSync, which spares node:fs/promises and the thread pool. A long-lived
   * process (the API service) keeps both off its event loop instead.
   */
  oneShot?: boolean;
}

export interface Engine {
  readonly containers: ContainersAPI;
  readonly exec: ExecAPI;
  readonly pods: PodsAPI;
  readonly images: ImagesAPI;
  readonly volumes: VolumesAPI;
  readonly networks: NetworksAPI;
  readonly system: SystemAPI;
  readonly secrets: SecretsAPI;
  /**
   * Optional (the local engine): the caller keeps this engine for long (the
   * API service). Containers it starts are then cleaned up after their exit
   * by this process, not by conmon's exit command starting one husk process
   * per exit; if this process dies, the exit command takes over again.
   */
  monitorExits?(): void;
  /** Releases the store (database handles). The engine is unusable afterwards. */
  close(): Promise<void>;
}

/** The serialisable form of an error in a report (HuskError's code and message). */
export interface ReportError {
  code: string;
  message: string;
}

/** One item of a batch verb: the item's full ID (or the name given, if unknown) and its error. */
export interface ItemReport {
  /** Full ID of the object acted on; the given name or ID when it was not found. */
  id: string;
  /** What the caller passed (name, ID prefix), for messages. */
  rawInput: string;
  error?: ReportError;
  /** Things that went differently than asked but did not fail (stop: the stop signal was not enough); the CLI prints them as warnings. */
  warnings?: string[];
}

/** What a prune removed, and what it could not. */
export interface PruneReport {
  id: string;
  /** Bytes freed, when known. */
  size?: number;
  error?: ReportError;
}

/**
 * Podman's --filter KEY=VALUE, grouped by key: values of one key are ORed,
 * different keys ANDed (see filters.ts, the one implementation of matching).
 */
export type { Filters } from '../specgen/filters.ts';

/** Streams of an attach or exec session, given by the caller. */
export interface SessionIO {
  stdin?: NodeJS.ReadableStream;
  stdout?: NodeJS.WritableStream;
  stderr?: NodeJS.WritableStream;
  /** Detach sequence, Podman's default ctrl-p,ctrl-q; "" disables. */
  detachKeys?: string;
  /** Terminal sizes to apply (initial size first); the caller owns SIGWINCH. */
  resize?: AsyncIterable<TerminalSize>;
  /** Signals to forward to the container's process (the caller owns signal handlers). */
  signals?: AsyncIterable<string>;
  /** Stops the attach (the container keeps running). */
  signal?: AbortSignal;
}

export interface TerminalSize {
  rows: number;
  cols: number;
}
