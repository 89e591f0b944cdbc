// The pods domain of the engine API: interface, options, reports.
//
// A pod is a group of containers sharing namespaces held open by an infra
// container. Batch verbs act on the named pods (name, ID or unique ID
// prefix), on all pods (`all`) or on the newest one (`latest`), one
// ItemReport per pod; members are started after, and stopped before, the
// infra container.
import type { Filters, ItemReport, PruneReport } from '../api.ts';
import type { ContainerStats, ContainerStatus, LogLine, LogOptions, StatsOptions } from '../container/api.ts';
import type { PodConfig } from '../types.ts';
import type { PodSpec } from '../../specgen/pod.ts';

export type { PodConfig, PodSpec };

/** The infra image husk builds locally from the host's catatonit (no registry needed). */
export const PAUSE_IMAGE = 'localhost/husk-pause:latest';

export type PodStatus = 'Created' | 'Running' | 'Degraded' | 'Paused' | 'Exited' | 'Stopped' | 'Error';

/** One container of a pod, as list and get report it. */
export interface PodMember {
  id: string;
  name: string;
  status: ContainerStatus;
  isInfra: boolean;
  restartCount: number;
}

/** A pod with its members (infra included), as list and get report it. */
export interface Pod {
  config: PodConfig;
  status: PodStatus;
  containers: PodMember[];
  /** Networks of the infra container (the pod's networks). */
  networks: string[];
}

export interface PodSelection {
  /** Every pod (the refs are ignored). */
  all?: boolean;
  /** The most recently created pod. */
  latest?: boolean;
  /** A pod that does not exist is left out of the reports instead of failing. */
  ignore?: boolean;
}

export interface PodRemoveOptions extends PodSelection {
  /** Stop running members first (with `timeout`, default 0 seconds). */
  force?: boolean;
  timeout?: number;
}

/** Podman's `pod inspect` document. */
export type PodInspect = Record<string, unknown>;

export interface PodLogOptions extends LogOptions {
  /** Only this member (name or ID prefix); default every member but the infra container. */
  container?: string;
}

export interface PodStatsOptions extends StatsOptions {
  /** The newest pod instead of the named ones. */
  latest?: boolean;
}

/** A member's resource usage, with the pod it belongs to. */
export interface PodContainerStats extends ContainerStats {
  /** Full ID of the pod. */
  Pod: string;
}

/** `pod clone`: the copy's name and labels, and what happens to the original. */
export interface PodCloneOptions {
  /** Default: the original's name with `-clone` (then `-clone1`...). */
  name?: string;
  /** Added to (and overriding) the original's labels. */
  labels?: Record<string, string>;
  hostname?: string;
  /** Remove the original pod (its running containers are stopped first). */
  destroy?: boolean;
  /** Start the copy. */
  start?: boolean;
  /** Each given one replaces the original's (pod create's flags of the same names). */
  resources?: PodSpec['resources'];
  infraSpec?: PodSpec['infraSpec'];
  infraCommand?: string[];
  infraName?: string;
  infraConmonPidFile?: string;
  cgroupParent?: string;
}

export interface PodsAPI {
  /** Creates the pod and its infra container (not started). */
  create(spec: PodSpec): Promise<PodConfig>;
  /** A new pod with the original's settings and a copy of each member (Podman's pod clone). */
  clone(ref: string, o?: PodCloneOptions): Promise<PodConfig>;
  /** Starts the infra container, then every member not running. */
  start(refs: string[], o?: PodSelection): Promise<ItemReport[]>;
  /** Stops the members, then the infra container. */
  stop(refs: string[], o?: PodSelection & { timeout?: number }): Promise<ItemReport[]>;
  restart(refs: string[], o?: PodSelection & { timeout?: number }): Promise<ItemReport[]>;
  /** Signals every running container (default KILL); a pod with none running is a POD_STATE error. */
  kill(refs: string[], o?: PodSelection & { signal?: string }): Promise<ItemReport[]>;
  pause(refs: string[], o?: PodSelection): Promise<ItemReport[]>;
  unpause(refs: string[], o?: PodSelection): Promise<ItemReport[]>;
  /** Removes pods and their containers; live members are a POD_STATE error unless `force`. */
  remove(refs: string[], o?: PodRemoveOptions): Promise<ItemReport[]>;
  /** Removes every pod whose containers all stopped. */
  prune(): Promise<PruneReport[]>;
  /**
   * Filters: id (prefix), name (regexp), status, label, label!, until,
   * ctr-names (regexp), ctr-ids (prefix), ctr-status, ctr-number, network.
   */
  list(o?: { filters?: Filters }): Promise<Pod[]>;
  get(ref: string): Promise<Pod>;
  exists(ref: string): Promise<boolean>;
  inspect(ref: string): Promise<PodInspect>;
  /** ps rows of every running member (one header row first); POD_STATE when none runs. */
  top(ref: string, descriptors?: string[]): Promise<string[][]>;
  /** Members' log lines: one member after another, or all at once when following. */
  logs(ref: string, o?: PodLogOptions): AsyncIterable<LogLine>;
  /** Samples of the running members of the named pods (all pods when none is named). */
  stats(refs: string[], o?: PodStatsOptions): AsyncIterable<PodContainerStats[]>;
}
