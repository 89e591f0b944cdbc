// Files husk generates per container and bind-mounts in: /etc/hosts,
// /etc/hostname, /etc/resolv.conf and /run/.containerenv.
import { chownSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { rootless } from '../../common/userns.ts';
import type { HostEntry, NetworkMode } from '../../specgen/container.ts';

export interface GeneratedFiles { hosts: string; hostname: string; resolv: string; containerenv: string }

function hostFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

export interface NetworkFacts {
  /** The container's addresses on its networks. */
  ips: string[];
  /** aardvark-dns servers (network gateways) and their search domains. */
  dnsServers: string[];
  searchDomains: string[];
  /** Nameservers put before the host's (slirp4netns's DNS forwarder). */
  nameserversFirst?: string[];
  /** The address /etc/hosts gives host.containers.internal (the bridge gateway, or slirp4netns's host address). */
  hostContainersInternal?: string;
}

/** The spec's dns, dnsSearch, dnsOption and extraHosts, which override the generated defaults. */
export interface DnsOptions { dns?: string[]; dnsSearch?: string[]; dnsOption?: string[]; extraHosts?: HostEntry[] }

/**
 * The options of a container that joins another's network namespace (a pod
 * member, its infra container's): Podman hands it that container's
 * /etc/hosts and resolv.conf, so the other's --add-host entries (the pod's)
 * are listed too, ahead of the container's own, and its --dns,
 * --dns-search and --dns-option apply unless the container sets its own.
 */
export function joinedDnsOptions(own: DnsOptions, joined?: DnsOptions): DnsOptions {
  if (!joined) return own;
  return {
    ...own,
    extraHosts: [...(joined.extraHosts ?? []), ...(own.extraHosts ?? [])],
    dns: own.dns?.length ? own.dns : joined.dns,
    dnsSearch: own.dnsSearch?.length ? own.dnsSearch : joined.dnsSearch,
    dnsOption: own.dnsOption?.length ? own.dnsOption : joined.dnsOption,
  };
}

export function resolvConf(network: NetworkMode, facts?: NetworkFacts, o: DnsOptions = {}): string {
  const text = baseResolvConf(network, facts);
  if (!o.dns?.length && !o.dnsSearch?.length && !o.dnsOption?.length) return text;
  const lines = text.split('\n').filter((l) => !(o.dns?.length && /^\s*nameserver\b/.test(l)) && !(o.dnsSearch?.length && /^\s*search\b/.test(l))
    && !(o.dnsOption?.length && /^\s*options\b/.test(l)));
  const search = o.dnsSearch?.filter((d) => d !== '.') ?? [];
  // Podman writes search, nameservers, then one options line (its resolvconf.Build).
  const options = o.dnsOption?.length ? [`options ${o.dnsOption.join(' ')}`] : [];
  return [...(search.length ? [`search ${search.join(' ')}`] : []), ...(o.dns ?? []).map((d) => `nameserver ${d}`), ...lines, ...options].filter(Boolean).join('\n') + '\n';
}

function baseResolvConf(network: NetworkMode, facts?: NetworkFacts): string {
  const host = hostFile('/etc/resolv.conf');
  if (network === 'host') return host;
  // Loopback resolvers on the host are unreachable from another netns.
  const lines = host.split('\n').filter((l) => !/^\s*nameserver\s+(127\.|::1\s*$)/.test(l));
  if (facts?.nameserversFirst?.length) {
    // slirp4netns forwards DNS to the host's resolvers; the host's other lines stay.
    return [...facts.nameserversFirst.map((d) => `nameserver ${d}`), ...lines].join('\n').replace(/\n*$/, '\n');
  }
  if (facts?.dnsServers.length) {
    // aardvark-dns answers for container names and forwards the rest.
    const rest = lines.filter((l) => !/^\s*(nameserver|search)\b/.test(l));
    const search = [...facts.searchDomains, ...lines.filter((l) => /^\s*search\b/.test(l)).flatMap((l) => l.trim().split(/\s+/).slice(1))];
    return [`search ${search.join(' ')}`, ...facts.dnsServers.map((d) => `nameserver ${d}`), ...rest].join('\n').replace(/\n*$/, '\n');
  }
  return lines.join('\n').replace(/\n*$/, '\n');
}

export function hostsFile(hostname: string, name: string, network: NetworkMode, facts?: NetworkFacts, extraHosts: HostEntry[] = []): string {
  const extra = extraHosts.map((h) => `${h.ip}\t${h.host}\n`).join('');
  return extra + hostsBase(hostname, name, network, facts);
}

function hostsBase(hostname: string, name: string, network: NetworkMode, facts?: NetworkFacts): string {
  const base = network === 'host' ? hostFile('/etc/hosts') : '127.0.0.1\tlocalhost localhost.localdomain localhost4 localhost4.localdomain4\n::1\tlocalhost localhost.localdomain localhost6 localhost6.localdomain6\n';
  const self = network === 'host' ? '' : facts?.ips.length ? facts.ips.map((ip) => `${ip}\t${hostname} ${name}\n`).join('') : `127.0.1.1\t${hostname} ${name}\n`;
  // Podman 4.3 writes only host.containers.internal; host.docker.internal came later.
  // With the host's network the host is the container's own loopback (Podman: 127.0.0.1).
  const hci = network === 'host' ? '127.0.0.1' : facts?.hostContainersInternal;
  const host = hci ? `${hci}\thost.containers.internal\n` : '';
  return base.replace(/\n*$/, '\n') + host + self;
}

/**
 * Writes the run dir's hosts, hostname, resolv.conf and .containerenv.
 * `owner`: the host ids of the container's root in a user namespace, so
 * the files belong to root inside (as Podman chowns them), not to nobody.
 */
export function writeGeneratedFiles(dir: string, o: { id: string; name: string; image: string; imageId: string; hostname: string; network: NetworkMode; facts?: NetworkFacts; intent?: DnsOptions; owner?: { uid: number; gid: number } }): GeneratedFiles {
  const f: GeneratedFiles = {
    hosts: join(dir, 'hosts'), hostname: join(dir, 'hostname'), resolv: join(dir, 'resolv.conf'), containerenv: join(dir, '.containerenv'),
  };
  writeFileSync(f.hosts, hostsFile(o.hostname, o.name, o.network, o.facts, o.intent?.extraHosts));
  writeFileSync(f.hostname, `${o.hostname}\n`);
  writeFileSync(f.resolv, resolvConf(o.network, o.facts, o.intent));
  writeFileSync(f.containerenv, `engine="husk"\nname="${o.name}"\nid="${o.id}"\nimage="${o.image}"\nimageid="${o.imageId}"\nrootless=${rootless() ? 1 : 0}\n`);
  if (o.owner) for (const p of Object.values(f)) chownSync(p, o.owner.uid, o.owner.gid);
  return f;
}
