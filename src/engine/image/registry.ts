// Registry accounts and catalogs: login/logout (credentials in auth.json,
// checked against the registry first) and search (the registry's catalog,
// or a repository's tags).
import { invalidArgument } from '../../common/errors.ts';
import { credentialsFor, registryKey, removeCredentials, saveCredentials } from '../../image/registry/auth.ts';
import type { LoginOptions, SearchOptions, SearchResult } from './api.ts';

const key = (registry: string) => registryKey(registry.replace(/^docker:\/\//, ''));

export async function login(registry: string, o: LoginOptions): Promise<string> {
  const k = key(registry);
  const { RegistryClient } = await import('../../image/registry/client.ts');
  const client = new RegistryClient({ registry: k.split('/')[0], insecure: o.tlsVerify === false, certDir: o.certDir, credentials: { username: o.username, password: o.password } });
  try {
    await client.ping();
  } finally {
    client.close();
  }
  saveCredentials(k, o.username, o.password, o.authfile);
  return k;
}

export function loginUser(registry: string, authfile?: string): string {
  const k = key(registry);
  const c = credentialsFor(k, authfile);
  if (!c) throw invalidArgument(`not logged into ${k}`);
  return c.username;
}

export function logout(registry: string | undefined, o: { authfile?: string; all?: boolean } = {}): string | undefined {
  if (o.all) {
    removeCredentials({ all: true }, o.authfile);
    return undefined;
  }
  if (!registry) throw invalidArgument('a registry must be given (or --all)');
  const k = key(registry);
  if (!removeCredentials(k, o.authfile)) throw invalidArgument(`not logged into ${k}`);
  return k;
}

export async function search(term: string, o: SearchOptions = {}): Promise<SearchResult[]> {
  const slash = term.indexOf('/');
  if (slash < 0) throw invalidArgument(`search needs REGISTRY/TERM: no unqualified-search registries are used for ${term}`);
  const registry = term.slice(0, slash);
  const what = term.slice(slash + 1);
  const limit = o.limit ?? 25;
  const { RegistryClient } = await import('../../image/registry/client.ts');
  const client = new RegistryClient({ registry, insecure: o.tlsVerify === false, certDir: o.certDir, credentials: credentialsFor(registry, o.authfile) });
  const row = (name: string): SearchResult => ({ Index: registry, Name: `${registry}/${name}`, Description: '', Stars: 0, Official: '', Automated: '' });
  try {
    if (o.listTags) {
      const tags = await client.tags(what.replace(/:.*$/, ''));
      return tags.slice(0, limit).map((t) => ({ ...row(what), Tag: t }));
    }
    return (await client.catalog()).filter((r) => r.includes(what)).slice(0, limit).map(row);
  } finally {
    client.close();
  }
}
