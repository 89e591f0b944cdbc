// network connect / disconnect / reload: changing a container's networks
// after create. A live container is attached or detached through netavark in
// its existing namespace (only the one network), and its /etc/hosts and
// resolv.conf are rewritten in place (they are bind-mounted files, so the
// container sees the new text); a created or stopped one only has its config
// changed, and the next start sets everything up.
import { HuskError, containerState } from '../../common/errors.ts';
import type { NetworkOptions, PerNetworkOptions, SetupResult } from '../../runtime/network/netavark.ts';
import type { EngineContext } from '../context.ts';
import { writeGeneratedFiles } from '../container/files.ts';
import { getContainer, syncState } from '../container/lifecycle.ts';
import { checkStaticIp, getNetwork, isBridgeMode, netavark, networkFacts, normalizeMac } from './networks.ts';
import { containerHostname } from '../container/spec.ts';
import type { Container } from '../types.ts';

export interface ConnectOptions {
  aliases?: string[];
  /** Static IPv4 address on this network. */
  ip?: string;
  /** Static IPv6 address on this network. */
  ip6?: string;
  mac?: string;
}

const live = (c: Container) => c.state.status === 'running' || c.state.status === 'paused';

/** Attaches a container to one more network (Podman's `network connect`). */
export async function connectNetwork(e: EngineContext, netRef: string, ctrRef: string, o: ConnectOptions = {}): Promise<void> {
  const net = getNetwork(e, netRef);
  const id = getContainer(e, ctrRef).config.id;
  await e.withContainerLock(id, async () => {
    const c = syncState(e, e.db.get(id)!);
    const mode = c.config.intent.network ?? 'none';
    if (!isBridgeMode(mode)) throw new HuskError('NETWORK_MODE_INVALID', `"${mode}" is not supported: invalid network mode`);
    const nets = c.config.networks ?? {};
    if (nets[net.name]) throw new HuskError('NETWORK_CONNECTED', `container ${id} is already connected to network "${net.name}": network is already connected`);
    const used = new Set(Object.values(nets).map((p) => p.interfaceName));
    let n = 0;
    while (used.has(`eth${n}`)) n++;
    const per: PerNetworkOptions = { interfaceName: `eth${n}` };
    if (o.aliases?.length) per.aliases = o.aliases;
    const staticIps = [o.ip, o.ip6].filter((x): x is string => !!x).map((ip) => checkStaticIp(e, net, ip, id));
    if (staticIps.length) per.staticIps = staticIps;
    if (o.mac) per.staticMac = normalizeMac(o.mac);
    const s = c.state;
    if (live(c) && s.netnsPath && s.networkOptions) {
      const opts: NetworkOptions = {
        ...s.networkOptions, networks: { [net.name]: per }, networkInfo: { [net.name]: net }, portMappings: c.config.ports ?? [],
      };
      const status = await netavark(e).setup(s.netnsPath, opts);
      const merged = mergeOptions(s.networkOptions, opts);
      updateLive(e, c, { ...s.networkStatus, ...status }, merged);
    } else if (live(c)) {
      // Started with every network disconnected: its namespace is a private one netavark never saw.
      throw containerState(`container ${c.config.name} is running without a network namespace netavark can attach to: restart it to connect it`);
    }
    e.db.updateConfig(id, (cfg) => { cfg.networks = { ...cfg.networks, [net.name]: per }; });
  });
}

/** Detaches a container from a network (`network disconnect`); force ignores teardown failures. */
export async function disconnectNetwork(e: EngineContext, netRef: string, ctrRef: string, o: { force?: boolean } = {}): Promise<void> {
  const net = getNetwork(e, netRef);
  const id = getContainer(e, ctrRef).config.id;
  await e.withContainerLock(id, async () => {
    const c = syncState(e, e.db.get(id)!);
    const per = c.config.networks?.[net.name];
    if (!per) throw new HuskError('NETWORK_NOT_CONNECTED', `container ${ctrRef} is not connected to network ${net.name}`);
    const s = c.state;
    if (live(c) && s.netnsPath && s.networkOptions?.networks[net.name]) {
      const info = s.networkOptions.networkInfo[net.name] ?? net;
      const opts: NetworkOptions = { ...s.networkOptions, networks: { [net.name]: per }, networkInfo: { [net.name]: info } };
      try {
        await netavark(e).teardown(s.netnsPath, opts);
      } catch (err) {
        if (!o.force) throw err;
      }
      const status = { ...s.networkStatus };
      delete status[net.name];
      const rest = { ...s.networkOptions, networks: { ...s.networkOptions.networks }, networkInfo: { ...s.networkOptions.networkInfo } };
      delete rest.networks[net.name];
      delete rest.networkInfo[net.name];
      updateLive(e, c, status, rest);
    }
    e.db.updateConfig(id, (cfg) => {
      const nets = { ...cfg.networks };
      delete nets[net.name];
      cfg.networks = nets;
    });
  });
}

/**
 * Restores the networking of running containers (`network reload`): after
 * a firewall reload flushed netavark's rules, they are set up again with the
 * same addresses and MACs. Returns the IDs reloaded. With `all`, containers
 * that are not running or have no networks are skipped; named ones fail.
 */
export async function reloadNetworks(e: EngineContext, refs: string[], all = false): Promise<{ id: string; error?: Error }[]> {
  const out: { id: string; error?: Error }[] = [];
  for (const ref of all ? e.db.list().map((c) => c.config.id) : refs) {
    let id = ref;
    try {
      id = e.db.lookupId(ref);
      const done = await e.withContainerLock(id, async () => {
        const c = syncState(e, e.db.get(id)!);
        const s = c.state;
        if (!live(c) || !s.netnsPath || !s.networkOptions || !Object.keys(s.networkOptions.networks).length) {
          if (all) return false;
          throw containerState('cannot reload network unless container network has been configured: container state improper');
        }
        // Same addresses and MACs as before, from netavark's last result.
        const networks: Record<string, PerNetworkOptions> = {};
        for (const [name, per] of Object.entries(s.networkOptions.networks)) {
          const iface = s.networkStatus?.[name]?.interfaces?.[per.interfaceName];
          networks[name] = {
            ...per,
            staticIps: iface?.subnets?.map((sn) => sn.ipnet.split('/')[0]) ?? per.staticIps,
            staticMac: iface?.mac_address ?? per.staticMac,
          };
        }
        const opts = { ...s.networkOptions, networks };
        const status = await netavark(e).reload(s.netnsPath, opts);
        e.db.updateState(id, (st) => { st.networkStatus = status; });
        return true;
      });
      if (done) out.push({ id });
    } catch (error) {
      out.push({ id, error: error as Error });
    }
  }
  return out;
}

function mergeOptions(a: NetworkOptions, b: NetworkOptions): NetworkOptions {
  return { ...a, networks: { ...a.networks, ...b.networks }, networkInfo: { ...a.networkInfo, ...b.networkInfo } };
}

/** Records a live container's new network state and rewrites its /etc/hosts and resolv.conf. */
function updateLive(e: EngineContext, c: Container, status: SetupResult, opts: NetworkOptions): void {
  e.db.updateState(c.config.id, (st) => { st.networkStatus = status; st.networkOptions = opts; });
  const img = e.images.get(c.config.imageId);
  writeGeneratedFiles(e.runDir(c.config.id), {
    id: c.config.id, name: c.config.name, image: c.config.imageName, imageId: img?.id ?? c.config.imageId,
    hostname: containerHostname(c.config), network: c.config.intent.network ?? 'none', facts: networkFacts(status, opts), intent: c.config.intent,
  });
}
