// The networks domain of the engine API: interface, options, reports.
import type { Filters, ItemReport, PruneReport } from '../api.ts';
import type { NetworkConfig } from '../../runtime/network/config.ts';

export type { NetworkConfig };

export interface NetworkCreateOptions {
  name?: string;
  driver?: string;
  subnets?: string[];
  gateways?: string[];
  ipRanges?: string[];
  internal?: boolean;
  disableDns?: boolean;
  ipv6?: boolean;
  labels?: Record<string, string>;
  options?: Record<string, string>;
  interfaceName?: string;
  /** An existing network of that name is not an error. */
  ignore?: boolean;
}

export interface NetworkConnectOptions {
  aliases?: string[];
  ip?: string;
  ip6?: string;
  mac?: string;
}

export interface NetworksAPI {
  create(o: NetworkCreateOptions): Promise<NetworkConfig>;
  list(o?: { filters?: Filters }): Promise<NetworkConfig[]>;
  inspect(ref: string): Promise<NetworkConfig & Record<string, unknown>>;
  exists(ref: string): Promise<boolean>;
  /** force removes the containers using a network first. */
  remove(refs: string[], o?: { force?: boolean; timeout?: number }): Promise<ItemReport[]>;
  prune(o?: { filters?: Filters }): Promise<PruneReport[]>;
  connect(network: string, container: string, o?: NetworkConnectOptions): Promise<void>;
  disconnect(network: string, container: string, o?: { force?: boolean }): Promise<void>;
  /** Re-applies firewall rules of running containers. */
  reload(refs: string[], o?: { all?: boolean }): Promise<ItemReport[]>;
}
