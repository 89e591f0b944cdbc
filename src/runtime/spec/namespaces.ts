// Namespaces: each container gets its own pid, mount, uts, ipc, cgroup and
// network namespace unless a mode says to share the host's (or a path's).
import { linux, type SpecOpt } from './types.ts';

export type NamespaceMode = { kind: 'private' } | { kind: 'host' } | { kind: 'path'; path: string };

export const withNamespaces = (modes: Partial<Record<'pid' | 'network' | 'ipc' | 'uts' | 'mount' | 'cgroup', NamespaceMode>>): SpecOpt => (s) => {
  const all = ['pid', 'network', 'ipc', 'uts', 'mount', 'cgroup'] as const;
  const ns = [];
  for (const t of all) {
    const m = modes[t] ?? { kind: 'private' };
    if (m.kind === 'host') continue;
    ns.push(m.kind === 'path' ? { type: t, path: m.path } : { type: t });
  }
  linux(s).namespaces = ns;
};
