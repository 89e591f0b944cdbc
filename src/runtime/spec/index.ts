// config.json generation: a pure function of the resolved container
// description, composed from one small option per concern.
import type { Spec, SpecOpt } from './types.ts';

export function buildSpec(rootfs: string, opts: SpecOpt[]): Spec {
  const spec: Spec = { ociVersion: '1.0.2-dev', root: { path: rootfs }, mounts: [] };
  for (const o of opts) o(spec);
  return spec;
}

export * from './types.ts';
export * from './process.ts';
export * from './security.ts';
export * from './namespaces.ts';
export * from './mounts.ts';
export * from './resources.ts';

/**
 * config.json text. Rlimits of -1 (unlimited) become RLIM_INFINITY, 2^64-1,
 * which a JS number cannot hold exactly, so it goes in as raw JSON text.
 * (A replacer function would take JSON.stringify off its fast path for the
 * whole spec, seccomp rules and all: ~0.4 ms of each start.)
 */
export function serializeSpec(spec: Spec): string {
  const rlimits = spec.process?.rlimits;
  if (!rlimits?.some((r) => r.soft === -1 || r.hard === -1)) return JSON.stringify(spec);
  const infinity = (JSON as unknown as { rawJSON(t: string): unknown }).rawJSON('18446744073709551615');
  const limit = (v: number) => (v === -1 ? infinity : v);
  return JSON.stringify({ ...spec, process: { ...spec.process, rlimits: rlimits.map((r) => ({ ...r, soft: limit(r.soft), hard: limit(r.hard) })) } });
}
