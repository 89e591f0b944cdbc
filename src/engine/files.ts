// Files husk generates per container and bind-mounts in: /etc/hosts,
// /etc/hostname, /etc/resolv.conf and /run/.containerenv.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { NetworkMode } from './intent.ts';

export interface GeneratedFiles { hosts: string; hostname: string; resolv: string; containerenv: string }

function hostFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

export function resolvConf(network: NetworkMode): string {
  const host = hostFile('/etc/resolv.conf');
  if (network === 'host') return host;
  // Loopback resolvers on the host are unreachable from another netns.
  const lines = host.split('\n').filter((l) => !/^\s*nameserver\s+(127\.|::1\s*$)/.test(l));
  return lines.join('\n').replace(/\n*$/, '\n');
}

export function hostsFile(hostname: string, name: string, network: NetworkMode): string {
  const base = network === 'host' ? hostFile('/etc/hosts') : '127.0.0.1\tlocalhost localhost.localdomain localhost4 localhost4.localdomain4\n::1\tlocalhost localhost.localdomain localhost6 localhost6.localdomain6\n';
  const self = network === 'host' ? '' : `127.0.1.1\t${hostname} ${name}\n`;
  return base.replace(/\n*$/, '\n') + self;
}

export function writeGeneratedFiles(dir: string, o: { id: string; name: string; image: string; imageId: string; hostname: string; network: NetworkMode }): GeneratedFiles {
  const f: GeneratedFiles = {
    hosts: join(dir, 'hosts'), hostname: join(dir, 'hostname'), resolv: join(dir, 'resolv.conf'), containerenv: join(dir, '.containerenv'),
  };
  writeFileSync(f.hosts, hostsFile(o.hostname, o.name, o.network));
  writeFileSync(f.hostname, `${o.hostname}\n`);
  writeFileSync(f.resolv, resolvConf(o.network));
  writeFileSync(f.containerenv, `engine="husk"\nname="${o.name}"\nid="${o.id}"\nimage="${o.image}"\nimageid="${o.imageId}"\nrootless=${process.getuid?.() === 0 ? 0 : 1}\n`);
  return f;
}
