// Per-registry TLS material in Podman's certs.d layout: a directory named
// after "host[:port]" holding CA certificates (*.crt) and client
// certificate pairs (NAME.cert + NAME.key).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { invalidArgument, isErrno } from '../../common/errors.ts';
import type { TlsConfig } from './transport.ts';

/**
 * The first existing certs.d directory for a registry, searched where
 * containers/image looks: the user's ~/.config/containers/certs.d (non-root
 * only), then /etc/containers/certs.d and /etc/docker/certs.d.
 */
export function defaultCertDir(registry: string, env: NodeJS.ProcessEnv = process.env, uid = process.getuid?.() ?? 0): string | undefined {
  const roots: string[] = [];
  if (uid !== 0) roots.push(join(env.XDG_CONFIG_HOME || join(env.HOME ?? homedir(), '.config'), 'containers/certs.d'));
  roots.push('/etc/containers/certs.d', '/etc/docker/certs.d');
  return roots.map((r) => join(r, registry)).find((d) => existsSync(d));
}

/** Reads a certs.d directory; a missing directory yields no extra material. */
export function loadCertDir(dir: string): Pick<TlsConfig, 'ca' | 'cert' | 'key'> {
  let names: string[];
  try {
    names = readdirSync(dir).sort();
  } catch (e) {
    if (isErrno(e, 'ENOENT')) return {};
    throw e;
  }
  const out: Pick<TlsConfig, 'ca' | 'cert' | 'key'> = {};
  const ca: string[] = [];
  for (const name of names) {
    const path = join(dir, name);
    if (name.endsWith('.crt')) ca.push(readFileSync(path, 'utf8'));
    else if (name.endsWith('.cert')) {
      const key = name.slice(0, -'.cert'.length) + '.key';
      if (!names.includes(key)) throw invalidArgument(`missing key ${key} for client certificate ${name}. Note that CA certificates should use the extension .crt`);
      // Node takes one client pair per connection; the first (sorted) wins.
      if (!out.cert) {
        out.cert = readFileSync(path, 'utf8');
        out.key = readFileSync(join(dir, key), 'utf8');
      }
    } else if (name.endsWith('.key')) {
      const cert = name.slice(0, -'.key'.length) + '.cert';
      if (!names.includes(cert)) throw invalidArgument(`missing client certificate ${cert} for key ${name}`);
    }
  }
  if (ca.length) out.ca = ca;
  return out;
}
