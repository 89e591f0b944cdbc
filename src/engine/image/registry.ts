// Registry accounts and catalogs: login/logout (credentials in auth.json,
// checked against the registry first) and search (the registry's catalog,
// or a repository's tags).
import { invalidArgument } from '../../common/errors.ts';
import { credentialsFor, registryKey, removeCredentials, saveCredentials } from '../../image/registry/auth.ts';
import type { LoginOptions, SearchOptions, SearchResult } from './api.ts';

const key = (registry: string) => registryKey(registry.replace(/^docker:\/\//, ''));

export async function login(registry: string, o: LoginOptions): Promise<{ key: string; authfile: string }> {
  const k = key(registry);
  const { RegistryClient } = await import('../../image/registry/client.ts');
  const client = new RegistryClient({ registry: k.split('/')[0], insecure: o.tlsVerify === false, certDir: o.certDir, credentials: { username: o.username, password: o.password } });
  try {
    await client.ping();
  } finally {
    client.close();
  }
  return { key: k, authfile: saveCredentials(k, o.username, o.password, o.authfile) };
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

/** Podman's (libimage's) search filters: stars=N (at least N stars), is-automated[=false], is-official[=false]. */
function searchFilter(filters: string[]): (r: SearchResult) => boolean {
  let stars = 0;
  let automated: boolean | undefined;
  let official: boolean | undefined;
  for (const f of filters) {
    const eq = f.indexOf('=');
    const key = eq < 0 ? f : f.slice(0, eq);
    const value = eq < 0 ? undefined : f.slice(eq + 1);
    if (key === 'stars') {
      if (value === undefined) throw invalidArgument(`invalid \`stars\` filter ${JSON.stringify(filters)}, should be stars=<value>`);
      if (!/^[+-]?\d+$/.test(value)) throw invalidArgument(`incorrect value type for stars filter: strconv.Atoi: parsing ${JSON.stringify(value)}: invalid syntax`);
      stars = Number(value);
    } else if (key === 'is-automated') automated = value !== 'false';
    else if (key === 'is-official') official = value !== 'false';
    else throw invalidArgument(`invalid filter type ${JSON.stringify(f)}`);
  }
  return (r) => (stars <= 0 || r.Stars >= stars)
    && (automated === undefined || (r.Automated === '[OK]') === automated)
    && (official === undefined || (r.Official === '[OK]') === official);
}

export async function search(term: string, o: SearchOptions = {}): Promise<SearchResult[]> {
  if (o.listTags && o.filters?.length) throw invalidArgument('filters are not applicable to list tags result');
  const match = searchFilter(o.filters ?? []);
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
    // As libimage: the limit cuts the registry's answer, the filters then drop rows from it.
    return (await client.catalog()).filter((r) => r.includes(what)).slice(0, limit).map(row).filter(match);
  } finally {
    client.close();
  }
}
