// The config hash of a service: what `up` compares with a container's
// com.docker.compose.config-hash label to decide whether to recreate it.
// Like Docker Compose's ServiceHash, it leaves out what does not change a
// container (build, pull_policy, scale/replicas, depends_on, profiles);
// env_file paths are left out too, their contents are in `environment`.
// Canonical JSON (sorted keys) makes key order in the files irrelevant.
import { createHash } from 'node:crypto';
import type { ComposeService } from './types.ts';

/** JSON with object keys sorted at every level and undefined values dropped. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map((x) => canonicalJson(x ?? null)).join(',')}]`;
  if (typeof v === 'object' && v !== null) {
    const entries = Object.entries(v).filter(([, x]) => x !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${canonicalJson(x)}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

/** sha256 hex of the service's resolved configuration. */
export function configHash(service: ComposeService): string {
  const { build: _b, pullPolicy: _p, replicas: _r, dependsOn: _d, profiles: _pr, envFiles: _e, ...rest } = service;
  return createHash('sha256').update(canonicalJson(rest)).digest('hex');
}
