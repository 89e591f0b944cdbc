// Namespaces: each container gets its own pid, mount, uts, ipc, cgroup and
// network namespace unless a mode says to share the host's (or a path's).
import { linux, type LinuxIdMapping, type SpecOpt } from './types.ts';

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

/**
 * A user namespace of the container's own with these mappings (--userns,
 * --uidmap). devpts's gid=5 option needs gid 5 mapped inside, else it goes.
 */
export const withUserNamespace = (uidMappings: LinuxIdMapping[], gidMappings: LinuxIdMapping[]): SpecOpt => (s) => {
  const l = linux(s);
  l.namespaces = [...(l.namespaces ?? []).filter((n) => n.type !== 'user'), { type: 'user' }];
  l.uidMappings = uidMappings;
  l.gidMappings = gidMappings;
  if (!gidMappings.some((m) => 5 >= m.containerID && 5 < m.containerID + m.size)) {
    for (const m of s.mounts) if (m.type === 'devpts') m.options = m.options?.filter((o) => o !== 'gid=5');
  }
};
