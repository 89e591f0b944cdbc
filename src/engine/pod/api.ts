// The pods domain of the engine API: interface, options, reports.
import type { Filters, ItemReport, PruneReport } from '../api.ts';
import type { ContainerStats, LogLine, LogOptions, StatsOptions } from '../container/api.ts';
import type { PodConfig } from '../types.ts';

export type { PodConfig };

export type PodStatus = 'Created' | 'Running' | 'Degraded' | 'Paused' | 'Exited' | 'Stopped' | 'Error';

export interface PodSpec {
  name?: string;
  labels?: Record<string, string>;
  hostname?: string;
  /** Namespaces members share (default ipc, net, uts); [] shares none. */
  share?: string[];
  /** Create an infra container (default true). */
  infra?: boolean;
  infraImage?: string;
  infraCommand?: string[];
  infraName?: string;
  /** The pod's network settings (applied to its infra container). */
  network?: string;
  publish?: string[];
  networkAliases?: string[];
  dns?: string[];
  dnsSearch?: string[];
  addHost?: string[];
  noHosts?: boolean;
  createCommand?: string[];
}

/** A pod with its members, as list and inspect report it. */
export interface Pod {
  config: PodConfig;
  status: PodStatus;
  containers: { id: string; name: string; status: string; isInfra: boolean }[];
}

export interface PodSelection {
  all?: boolean;
  latest?: boolean;
  ignore?: boolean;
}

export type PodInspect = Record<string, unknown>;

export interface PodsAPI {
  create(spec: PodSpec): Promise<PodConfig>;
  start(refs: string[], o?: PodSelection): Promise<ItemReport[]>;
  stop(refs: string[], o?: PodSelection & { timeout?: number }): Promise<ItemReport[]>;
  restart(refs: string[], o?: PodSelection & { timeout?: number }): Promise<ItemReport[]>;
  kill(refs: string[], o?: PodSelection & { signal?: string }): Promise<ItemReport[]>;
  pause(refs: string[], o?: PodSelection): Promise<ItemReport[]>;
  unpause(refs: string[], o?: PodSelection): Promise<ItemReport[]>;
  remove(refs: string[], o?: PodSelection & { force?: boolean; timeout?: number }): Promise<ItemReport[]>;
  prune(): Promise<PruneReport[]>;
  list(o?: { filters?: Filters }): Promise<Pod[]>;
  get(ref: string): Promise<Pod>;
  exists(ref: string): Promise<boolean>;
  inspect(ref: string): Promise<PodInspect>;
  /** ps rows of every member (header first), the container name in the first column. */
  top(ref: string, descriptors?: string[]): Promise<string[][]>;
  logs(ref: string, o?: LogOptions & { container?: string }): AsyncIterable<LogLine>;
  stats(refs: string[], o?: StatsOptions): AsyncIterable<ContainerStats[]>;
}
