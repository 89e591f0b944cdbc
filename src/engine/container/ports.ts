// Published ports as text; kept apart from networks.ts so `ps` does not load netavark's adapter.
import type { PortMapping } from '../../runtime/network/netavark.ts';

/** Podman's PORTS text: 0.0.0.0:8080->80/tcp. */
export function formatPorts(ports: PortMapping[] = []): string {
  return ports.map((p) => {
    const hp = p.range > 1 ? `${p.host_port}-${p.host_port + p.range - 1}` : `${p.host_port}`;
    const cp = p.range > 1 ? `${p.container_port}-${p.container_port + p.range - 1}` : `${p.container_port}`;
    return `${p.host_ip || '0.0.0.0'}:${hp}->${cp}/${p.protocol}`;
  }).join(', ');
}
