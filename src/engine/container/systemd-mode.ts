// --systemd: running systemd as the container's PID 1 (Podman's systemd
// mode). systemd wants tmpfs on /run, /run/lock, /tmp and /var/log/journal,
// a cgroup of its own it may write, SIGRTMIN+3 to shut down, and
// container_uuid for its machine ID. The mode applies with --systemd=always,
// or with the default --systemd=true when the command is systemd or init.
import { existsSync } from 'node:fs';
import { basename } from 'node:path';
import { cgroupLayout } from '../../runtime/cgroups.ts';
import type { Mount, SpecOpt } from '../../runtime/spec/index.ts';
import { process_ } from '../../runtime/spec/index.ts';
import type { ContainerSpec } from '../../specgen/container.ts';

const INIT_COMMANDS = ['/sbin/init', '/usr/sbin/init', '/usr/local/sbin/init'];

/** systemd's stop signal (halt): set at create when the user gave none. */
export const SYSTEMD_STOP_SIGNAL = 'SIGRTMIN+3';

/** Whether the container runs in systemd mode; args are its command (entrypoint and cmd merged). */
export function systemdMode(i: ContainerSpec, args: string[]): boolean {
  const m = i.systemd ?? 'true';
  if (m !== 'true') return m === 'always';
  const cmd = args[0];
  return !!cmd && (INIT_COMMANDS.includes(cmd) || basename(cmd) === 'systemd');
}

/**
 * The spec options of systemd mode, applied after the user's mounts (a
 * user mount at one of the tmpfs paths is kept). cgroupPath is the
 * container's cgroup (unset: none, e.g. rootless without delegation).
 */
export function systemdModeOpts(id: string, userMounts: Mount[], cgroupPath: string | undefined): SpecOpt[] {
  const has = (dest: string) => userMounts.some((m) => m.destination === dest);
  const base = ['rw', 'rprivate', 'nosuid', 'nodev', 'tmpcopyup'];
  const tmpfs: Mount[] = [
    ...['/run', '/run/lock'].map((d) => ({ destination: d, type: 'tmpfs', source: 'tmpfs', options: [...base, 'size=65536k'] })),
    ...['/tmp', '/var/log/journal'].map((d) => ({ destination: d, type: 'tmpfs', source: 'tmpfs', options: base })),
  ].filter((m) => !has(m.destination));
  return [
    (s) => {
      // /run before the files bind-mounted into it (/run/.containerenv, /run/notify): mounts apply in order.
      const rest = s.mounts.filter((m) => !tmpfs.some((t) => t.destination === m.destination));
      const first = rest.findIndex((m) => m.destination.startsWith('/run/') || m.destination.startsWith('/tmp/'));
      const at = first < 0 ? rest.length : first;
      s.mounts = [...rest.slice(0, at), ...tmpfs, ...rest.slice(at)];
      const p = process_(s);
      if (!p.env?.some((kv) => kv.startsWith('container_uuid='))) p.env = [...(p.env ?? []), `container_uuid=${id.slice(0, 32)}`];
    },
    ...(cgroupPath === undefined ? [] : [writableCgroup(cgroupPath)]),
  ];
}

/**
 * systemd must write its cgroup. v2: the container's cgroup namespace
 * mounted read-write. v1 (and hybrid): the container's own cgroup of the
 * name=systemd hierarchy (runc creates it before the mounts) bound
 * read-write over /sys/fs/cgroup/systemd; the container's cgroup
 * namespace makes it the root systemd sees. The other controllers stay
 * read-only.
 */
function writableCgroup(cgroupPath: string): SpecOpt {
  return (s) => {
    if (cgroupLayout() === 'v2') {
      s.mounts = s.mounts.map((m) => (m.destination === '/sys/fs/cgroup' && m.type === 'cgroup' ? { ...m, options: [...(m.options ?? []).filter((o) => o !== 'ro'), 'rw'] } : m));
      return;
    }
    if (!existsSync('/sys/fs/cgroup/systemd')) return;
    s.mounts.push({ destination: '/sys/fs/cgroup/systemd', type: 'bind', source: `/sys/fs/cgroup/systemd${cgroupPath}`, options: ['bind', 'rprivate', 'nosuid', 'noexec', 'nodev', 'rw'] });
  };
}
