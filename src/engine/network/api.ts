// The networks domain of the engine API: interface, options, reports.
//
// Networks are netavark bridge networks in Podman's config format; the
// default "podman" network always exists and cannot be removed. Networks
// are keyed by name: the `id` of a network's ItemReport/PruneReport is its
// name (as in Podman's network rm report).
import type { Filters, ItemReport, PruneReport } from '../api.ts';
import type { NetworkConfig } from '../../runtime/network/config.ts';

export type { NetworkConfig };

/**
 * The driver options a bridge network takes: what netavark 1.4 reads, and
 * Docker's names for the MTU and the bridge's name (mapped, as Podman's
 * libnetwork does). Front ends speaking for Docker drop the others.
 */
export const BRIDGE_OPTIONS = ['mtu', 'metric', 'isolate', 'com.docker.network.driver.mtu', 'com.docker.network.bridge.name'];

export interface NetworkCreateOptions {
  /** Default: the first free podmanN. */
  name?: string;
  /** Only "bridge" (the default). */
  driver?: string;
  /** CIDR; default the first free subnet of the pool. */
  subnet?: string;
  /** Needs `subnet`. */
  gateway?: string;
  /** Several subnets (e.g. one IPv4 and one IPv6), each with its own gateway and range; replaces subnet/gateway. */
  subnets?: SubnetOptions[];
  /** Dual stack: adds a free IPv4 subnet and a random IPv6 ULA /64 for whichever family no subnet has. */
  ipv6?: boolean;
  /** No route out and no masquerading: containers reach only each other. */
  internal?: boolean;
  /** Leave containers out of aardvark-dns (name resolution is on by default). */
  disableDns?: boolean;
  labels?: Record<string, string>;
  /** Driver options (`--opt`): BRIDGE_OPTIONS; any other is an error. */
  options?: Record<string, string>;
  /** Network-scoped upstream DNS servers for aardvark-dns (`--dns`, network_dns_servers); need DNS on. */
  dnsServers?: string[];
  /** host-local (the default) or none: no subnets, the containers get no address (and no DNS). */
  ipamDriver?: string;
  /** The bridge's name on the host; default the first free podmanN. */
  interfaceName?: string;
  /** An existing network of that name is returned instead of failing. */
  ignore?: boolean;
}

export interface SubnetOptions {
  /** CIDR. */
  subnet: string;
  /** Default: the subnet's first host address. */
  gateway?: string;
  /** A CIDR inside the subnet that container addresses are allocated from. */
  ipRange?: string;
  /** The same as first and last address (how the libpod API sends it); ipRange wins. */
  leaseRange?: { start: string; end: string };
}

export interface NetworkConnectOptions {
  aliases?: string[];
  /** Static IPv4 address on this network. */
  ip?: string;
  /** Static IPv6 address on this network. */
  ip6?: string;
  mac?: string;
}

/** `network update`: network-level DNS servers to drop, then to add (IP addresses). */
export interface NetworkUpdateOptions {
  dnsAdd?: string[];
  dnsDrop?: string[];
}

export interface NetworksAPI {
  create(o?: NetworkCreateOptions): Promise<NetworkConfig>;
  /** Filters: name (regexp), id (prefix), driver, label, label!, until, dangling (true: no container uses it). */
  list(o?: { filters?: Filters }): Promise<NetworkConfig[]>;
  /** By name, or by an ID prefix of at least 3 characters. */
  inspect(ref: string): Promise<NetworkConfig>;
  exists(ref: string): Promise<boolean>;
  /**
   * One report per network; one with containers is NETWORK_IN_USE unless
   * `force` removes them first: killed, or with `timeout` stopped first
   * (stop signal, then SIGKILL after that many seconds).
   */
  remove(refs: string[], o?: { force?: boolean; timeout?: number }): Promise<ItemReport[]>;
  /** Removes the networks no container uses, but the default one (filters: label, label!, until). */
  prune(o?: { filters?: Filters }): Promise<PruneReport[]>;
  /** Attaches a container: a live one at once, a created or stopped one at its next start. */
  connect(network: string, container: string, o?: NetworkConnectOptions): Promise<void>;
  /** Detaches a container; force ignores a failed teardown. */
  disconnect(network: string, container: string, o?: { force?: boolean }): Promise<void>;
  /**
   * Sets up the networking of running containers again (after a firewall
   * reload flushed the rules), same addresses. With `all`, containers that
   * are not running or have no network are skipped; named ones fail.
   */
  reload(refs: string[], o?: { all?: boolean }): Promise<ItemReport[]>;
  /** Changes a network's own DNS servers (not the default network's); containers started afterwards get them. */
  update(ref: string, o: NetworkUpdateOptions): Promise<void>;
}
