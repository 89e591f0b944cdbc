// Image trust policy (containers-policy.json(5)) as Podman's `image trust`
// reads and writes it: show describes every scope (the default first, then
// each transport's scopes by name) with the GPG identities of its keys and
// the signature store registries.d names for it; set replaces one scope's
// requirements (or the default) and rewrites the file. husk's pulls do not
// enforce the policy (docs/images.md).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { HuskError, invalidArgument } from '../../common/errors.ts';
import type { TrustPolicy, TrustSetOptions, TrustShowOptions, TrustShowReport } from './api.ts';

export const DEFAULT_POLICY_PATH = '/etc/containers/policy.json';
export const DEFAULT_REGISTRIES_D = '/etc/containers/registries.d';

interface Requirement {
  type: string;
  keyType?: string;
  keyPath?: string;
  keyPaths?: string[];
  keyData?: string;
  [k: string]: unknown;
}

interface PolicyFile {
  default?: Requirement[];
  transports?: Record<string, Record<string, Requirement[]>>;
  [k: string]: unknown;
}

const DESCRIPTION: Record<string, string> = { insecureAcceptAnything: 'accept', signedBy: 'signed', sigstoreSigned: 'sigstoreSigned', reject: 'reject' };

function readPolicy(path: string): { raw: string; policy: PolicyFile } {
  let raw: string;
  try {
    raw = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw invalidArgument(`open ${path}: ${code === 'ENOENT' ? 'no such file or directory' : code === 'EACCES' ? 'permission denied' : (err as Error).message}`);
  }
  try {
    return { raw, policy: JSON.parse(raw) as PolicyFile };
  } catch (err) {
    throw invalidArgument(`could not read trust policies: could not parse trust policies from ${path}: ${(err as Error).message}`);
  }
}

/** User IDs (the e-mail inside <>, else the whole uid) of the keys in a keyring file, as `gpg --with-colons` lists them. */
function gpgIds(keyFile: string): string[] {
  const home = mkdtempSync(join(tmpdir(), 'husk-gpg-'));
  try {
    const r = spawnSync('gpg', ['--homedir', home, '--batch', '--with-colons', '--import-options', 'show-only', '--import', keyFile], { encoding: 'utf8' });
    if (r.status !== 0 || !r.stdout) return [];
    return r.stdout.split('\n').filter((l) => l.startsWith('uid:') || l.startsWith('pub:'))
      .map((l) => l.split(':')[9] ?? '').filter(Boolean)
      .map((uid) => /<([^>]*)>/.exec(uid)?.[1] ?? uid);
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

function keyDataIds(data: string): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'husk-key-'));
  try {
    writeFileSync(join(dir, 'key'), Buffer.from(data, 'base64'));
    return gpgIds(join(dir, 'key'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** registries.d: docker namespace → signature store (sigstore, or lookaside in newer files). */
function signatureStores(dir: string): Record<string, string> {
  if (!existsSync(dir)) return {};
  const out: Record<string, string> = {};
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.yaml')).sort()) {
    const doc = parse(readFileSync(join(dir, f), 'utf8')) as { docker?: Record<string, { sigstore?: string; lookaside?: string }> } | null;
    for (const [ns, v] of Object.entries(doc?.docker ?? {})) out[ns] = v?.sigstore ?? v?.lookaside ?? '';
  }
  return out;
}

/** The store configured for the scope or its closest parent namespace (registries.d's matching). */
function storeFor(scope: string, stores: Record<string, string>): string | undefined {
  for (let key = scope; ; key = key.slice(0, key.lastIndexOf('/'))) {
    if (Object.hasOwn(stores, key)) return stores[key];
    if (!key.includes('/')) return undefined;
  }
}

/**
 * Where signatures of a repository are written: the registries.d entry of
 * it or its closest parent namespace (else default-docker), staging first.
 */
export function signatureStaging(repo: string, dir = DEFAULT_REGISTRIES_D): string | undefined {
  type NS = { sigstore?: string; 'sigstore-staging'?: string; lookaside?: string; 'lookaside-staging'?: string };
  const pick = (n: NS | undefined) => n?.['lookaside-staging'] ?? n?.['sigstore-staging'] ?? n?.lookaside ?? n?.sigstore;
  if (!existsSync(dir)) return undefined;
  const docker: Record<string, NS> = {};
  let fallback: NS | undefined;
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.yaml')).sort()) {
    const doc = parse(readFileSync(join(dir, f), 'utf8')) as { docker?: Record<string, NS>; 'default-docker'?: NS } | null;
    Object.assign(docker, doc?.docker ?? {});
    fallback ??= doc?.['default-docker'];
  }
  for (let key = repo; ; key = key.slice(0, key.lastIndexOf('/'))) {
    if (Object.hasOwn(docker, key) && pick(docker[key])) return pick(docker[key]);
    if (!key.includes('/')) return pick(fallback);
  }
}

export async function showTrust(o: TrustShowOptions): Promise<TrustShowReport> {
  const path = o.policyPath || DEFAULT_POLICY_PATH;
  const { raw, policy } = readPolicy(path);
  if (o.raw) return { raw, policies: [] };
  const stores = signatureStores(o.registryPath || DEFAULT_REGISTRIES_D);
  const policies: TrustPolicy[] = [];
  if (policy.default?.length) {
    policies.push({ transport: 'all', name: '* (default)', repo_name: 'default', type: DESCRIPTION[policy.default[0].type] ?? '' });
  }
  for (const transport of Object.keys(policy.transports ?? {}).sort()) {
    const scopes = policy.transports![transport] ?? {};
    for (const scope of Object.keys(scopes).sort()) {
      const reqs = scopes[scope] ?? [];
      const ids = reqs.flatMap((r) => [...(r.keyPath ? gpgIds(r.keyPath) : []), ...(r.keyPaths ?? []).flatMap(gpgIds), ...(r.keyData ? keyDataIds(r.keyData) : [])]);
      const entry: TrustPolicy = { transport: transport === 'docker' ? 'repository' : transport, name: scope, repo_name: scope, type: DESCRIPTION[reqs[0]?.type ?? ''] ?? '' };
      const store = storeFor(scope, stores);
      if (store) entry.sigstore = store;
      if (ids.length) entry.gpg_id = ids.join(', ');
      policies.push(entry);
    }
  }
  return { raw, policies };
}

export function setTrust(scope: string, o: TrustSetOptions): void {
  const path = o.policyPath || DEFAULT_POLICY_PATH;
  const given = o.type ?? 'signedBy';
  const type = given === 'accept' ? 'insecureAcceptAnything' : given;
  const keys = o.pubKeysFiles ?? [];
  let reqs: Requirement[];
  if (type === 'insecureAcceptAnything' || type === 'reject') {
    if (keys.length) throw invalidArgument(`${keys.length} public keys unexpectedly provided for trust type ${given}`);
    reqs = [{ type }];
  } else if (type === 'signedBy') {
    if (!keys.length) throw invalidArgument("at least one public key must be defined for type 'signedBy'");
    reqs = keys.map((k) => ({ type, keyType: 'GPGKeys', keyPath: k }));
  } else {
    throw invalidArgument(`unknown trust type "${given}"`);
  }
  const policy: PolicyFile = existsSync(path) ? readPolicyForSet(path) : {};
  if (scope === 'default') {
    policy.default = reqs;
  } else {
    if (!policy.default?.length) throw invalidArgument('default trust policy must be set');
    policy.transports ??= {};
    // The scope is replaced in whichever transport already has it, else added under docker.
    const transport = Object.keys(policy.transports).find((t) => Object.hasOwn(policy.transports![t] ?? {}, scope)) ?? 'docker';
    (policy.transports[transport] ??= {})[scope] = reqs;
  }
  try {
    writeFileSync(path, JSON.stringify(policy, null, 4), { mode: 0o644 });
  } catch (err) {
    throw new HuskError('ENGINE', `setting trust policy: ${(err as Error).message}`);
  }
}

function readPolicyForSet(path: string): PolicyFile {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as PolicyFile;
  } catch {
    throw invalidArgument('could not read trust policies');
  }
}
