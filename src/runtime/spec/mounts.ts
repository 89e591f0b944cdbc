// Filesystem options: the standard kernel filesystems every container gets,
// and bind mounts of the files husk generates (hosts, hostname, resolv.conf).
import type { Mount, SpecOpt } from './types.ts';

export function defaultMounts(opts: { bindSys: boolean }): Mount[] {
  return [
    { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] },
    { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
    { destination: '/dev/pts', type: 'devpts', source: 'devpts', options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'] },
    { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
    { destination: '/dev/shm', type: 'tmpfs', source: 'shm', options: ['nosuid', 'noexec', 'nodev', 'mode=1777', 'size=65536k'] },
    // sysfs can only be mounted by the user namespace owning the netns: a
    // container on the host's netns, or in a user namespace of its own joining
    // a netns made outside it, binds the host's read-only instead.
    opts.bindSys
      ? { destination: '/sys', type: 'bind', source: '/sys', options: ['rbind', 'nosuid', 'noexec', 'nodev', 'ro'] }
      : { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', 'ro'] },
    { destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: ['rprivate', 'nosuid', 'noexec', 'nodev', 'relatime', 'ro'] },
  ];
}

export const withMounts = (mounts: Mount[]): SpecOpt => (s) => {
  // Later mounts at the same destination replace earlier ones (user binds win).
  for (const m of mounts) {
    s.mounts = s.mounts.filter((x) => x.destination !== m.destination);
    s.mounts.push(m);
  }
};

export const bindFile = (source: string, destination: string, ro = false): Mount => ({
  destination, type: 'bind', source, options: ['bind', 'rprivate', ...(ro ? ['ro'] : [])],
});
