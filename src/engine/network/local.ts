// The local implementation of the networks domain, over networks.ts
// (configs, netavark) and netconnect.ts (connect/disconnect/reload), loaded
// on first call.
import { HuskError, invalidArgument } from '../../common/errors.ts';
import type { Filters, ItemReport, PruneReport } from '../api.ts';
import type { EngineContext } from '../context.ts';
import { toReportError } from '../reports.ts';
import type { NetworkConfig, NetworkConnectOptions, NetworkCreateOptions, NetworksAPI, NetworkUpdateOptions } from './api.ts';

const networks = () => import('./networks.ts');
const DEFAULT = 'podman';

export class LocalNetworks implements NetworksAPI {
  readonly #e: EngineContext;

  constructor(ctx: EngineContext) {
    this.#e = ctx;
  }

  async create(o: NetworkCreateOptions = {}): Promise<NetworkConfig> {
    if (o.driver && o.driver !== 'bridge') throw invalidArgument(`unsupported driver ${o.driver}: only bridge is supported`);
    const N = await networks();
    let name = o.name;
    if (!name) {
      // Podman's default names: the first free podmanN.
      const taken = new Set(N.listNetworks(this.#e).map((n) => n.name));
      let i = 1;
      while (taken.has(`podman${i}`)) i++;
      name = `podman${i}`;
    }
    const { leaseRangeFromCidr } = await import('../../runtime/network/config.ts');
    const subnets = o.subnets?.map((s) => ({ subnet: s.subnet, gateway: s.gateway, lease_range: s.ipRange ? leaseRangeFromCidr(s.ipRange) : s.leaseRange && { start_ip: s.leaseRange.start, end_ip: s.leaseRange.end } }));
    return N.createNetwork(this.#e, {
      name, subnet: o.subnet, gateway: o.gateway, subnets, ipv6: o.ipv6, internal: o.internal, dnsEnabled: !o.disableDns,
      labels: o.labels, options: o.options, dnsServers: o.dnsServers, ipamDriver: o.ipamDriver, interfaceName: o.interfaceName, ignore: o.ignore,
    });
  }

  async list(o: { filters?: Filters } = {}): Promise<NetworkConfig[]> {
    const [N, { networkFilter }] = await Promise.all([networks(), import('./filters.ts')]);
    const keep = networkFilter(o.filters, (n) => N.networkUsers(this.#e, n.name).length > 0);
    return N.listNetworks(this.#e).filter(keep);
  }

  async inspect(ref: string): Promise<NetworkConfig> {
    return (await networks()).getNetwork(this.#e, ref);
  }

  async exists(ref: string): Promise<boolean> {
    try {
      await this.inspect(ref);
      return true;
    } catch (err) {
      if (err instanceof HuskError && err.code === 'NO_SUCH_NETWORK') return false;
      throw err;
    }
  }

  async remove(refs: string[], o: { force?: boolean; timeout?: number } = {}): Promise<ItemReport[]> {
    const N = await networks();
    const out: ItemReport[] = [];
    for (const ref of refs) {
      try {
        const cfg = N.getNetwork(this.#e, ref);
        const users = N.networkUsers(this.#e, cfg.name);
        if (users.length && !o.force) {
          throw new HuskError('NETWORK_IN_USE', `"${cfg.name}" has associated containers with it. Use -f to forcibly delete containers and pods: network is being used`);
        }
        if (users.length) {
          const { removeContainer, stopContainer } = await import('../container/lifecycle.ts');
          for (const id of users) {
            // --time: the stop signal first and that long to exit, as Podman's RemoveContainer(force, timeout).
            if (o.timeout !== undefined) await stopContainer(this.#e, id, o.timeout).catch(() => {});
            await removeContainer(this.#e, id, { force: true });
          }
        }
        N.removeNetworkConfig(this.#e, cfg.name);
        out.push({ id: cfg.name, rawInput: ref });
      } catch (err) {
        out.push({ id: ref, rawInput: ref, error: toReportError(err) });
      }
    }
    return out;
  }

  async prune(o: { filters?: Filters } = {}): Promise<PruneReport[]> {
    const [N, { networkPruneFilter }] = await Promise.all([networks(), import('./filters.ts')]);
    const keep = networkPruneFilter(o.filters);
    const out: PruneReport[] = [];
    for (const n of N.listNetworks(this.#e)) {
      if (n.name === DEFAULT || !keep(n) || N.networkUsers(this.#e, n.name).length) continue;
      try {
        N.removeNetworkConfig(this.#e, n.name);
        out.push({ id: n.name });
      } catch (err) {
        out.push({ id: n.name, error: toReportError(err) });
      }
    }
    return out;
  }

  async connect(network: string, container: string, o: NetworkConnectOptions = {}): Promise<void> {
    await (await import('./netconnect.ts')).connectNetwork(this.#e, network, container, o);
  }

  async disconnect(network: string, container: string, o: { force?: boolean } = {}): Promise<void> {
    await (await import('./netconnect.ts')).disconnectNetwork(this.#e, network, container, o);
  }

  async reload(refs: string[], o: { all?: boolean } = {}): Promise<ItemReport[]> {
    if (!o.all && !refs.length) throw invalidArgument('you must provide at least one name or id');
    const results = await (await import('./netconnect.ts')).reloadNetworks(this.#e, refs, o.all);
    return results.map((r, i) => {
      const report: ItemReport = { id: r.id, rawInput: o.all ? r.id : refs[i] ?? r.id };
      if (r.error) report.error = toReportError(r.error);
      return report;
    });
  }

  async update(ref: string, o: NetworkUpdateOptions): Promise<void> {
    await (await import('./update.ts')).updateNetwork(this.#e, ref, o);
  }
}
