// `network update`: the network-level DNS servers of a network's config
// (netavark's network_dns_servers), dropped then added, as Podman's
// netavark backend does. Containers started afterwards use them.
import { renameSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { invalidArgument } from '../../common/errors.ts';
import { withLock } from '../../common/lock.ts';
import type { EngineContext } from '../context.ts';
import type { NetworkUpdateOptions } from './api.ts';
import { getNetwork } from './networks.ts';
import { DEFAULT_NETWORK_NAME } from '../../runtime/network/config.ts';

export async function updateNetwork(e: EngineContext, ref: string, o: NetworkUpdateOptions): Promise<void> {
  for (const s of [...(o.dnsAdd ?? []), ...(o.dnsDrop ?? [])]) if (!isIP(s)) throw invalidArgument(`${s} is not a valid IP address`);
  const dir = join(e.config.root, 'networks');
  await withLock(join(dir, '.lock'), () => {
    const net = getNetwork(e, ref);
    if (net.name === DEFAULT_NETWORK_NAME) throw invalidArgument(`default network ${net.name} cannot be modified`);
    const before = net.network_dns_servers ?? [];
    const after = [...new Set([...before.filter((s) => !(o.dnsDrop ?? []).includes(s)), ...(o.dnsAdd ?? [])])];
    if (JSON.stringify(before) === JSON.stringify(after)) return;
    const cfg = { ...net, network_dns_servers: after };
    const tmp = join(dir, `.${net.name}.tmp`);
    writeFileSync(tmp, JSON.stringify(cfg, null, 2));
    renameSync(tmp, join(dir, `${net.name}.json`));
    e.events.write({ ID: net.id, Name: net.name, Status: 'update', Type: 'network' });
  });
}
