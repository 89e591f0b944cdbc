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
 * which a JS number cannot hold exactly, so it is spliced into the text.
 */
export function serializeSpec(spec: Spec): string {
  const INF = '"__RLIM_INFINITY__"';
  const text = JSON.stringify(spec, (k, v) => ((k === 'soft' || k === 'hard') && v === -1 ? '__RLIM_INFINITY__' : v));
  return text.split(INF).join('18446744073709551615');
}
