// The system domain of the engine API: host and store facts, events, and
// store-wide maintenance.
import type { Filters } from '../api.ts';

/** One event, as Podman's file backend records it. */
export interface HuskEvent {
  ID: string;
  Image?: string;
  Name?: string;
  Status: string;
  Type: 'container' | 'image' | 'pod' | 'volume' | 'network' | 'system';
  /** RFC 3339 with nanoseconds. */
  Time: string;
  /** Unix time in nanoseconds. */
  timeNano: number;
  ContainerExitCode?: number;
  Attributes?: Record<string, string>;
}

export interface EventsOptions {
  since?: Date;
  until?: Date;
  filters?: Filters;
  /** Keep streaming new events (Podman's --stream, the default) until the signal aborts or `until` passes. */
  stream?: boolean;
  signal?: AbortSignal;
}

export type SystemInfo = Record<string, unknown>;

export interface VersionReport {
  Version: string;
  ApiVersion: string;
  GoVersion: string;
  NodeVersion: string;
  OsArch: string;
  Built: number;
  [key: string]: unknown;
}

export interface SystemAPI {
  info(): Promise<SystemInfo>;
  version(): Promise<VersionReport>;
  events(o?: EventsOptions): AsyncIterable<HuskEvent>;
  /** Runs argv in husk's rootless user namespace with the given stdio; resolves with its exit code. */
  unshare(argv: string[], o?: { stdio?: 'inherit' | 'ignore' }): Promise<number>;
  /** Stops containers and the rootless pause process so new subuid ranges apply. */
  migrate(): Promise<number | undefined>;
}
