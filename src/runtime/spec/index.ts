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
