// Namespaces shared with the host or with another container (the spec's
// pidMode, ipcMode, utsMode: host|container:NAME; network container:NAME|ns:PATH),
// resolved at start to /proc/PID/ns
// paths of the running target (or the given file), and the namespace inodes `ps --ns` shows.
import { existsSync, readlinkSync } from 'node:fs';
import { containerState, invalidArgument } from '../../common/errors.ts';
import type { NamespaceMode } from '../../runtime/spec/namespaces.ts';
import type { EngineContext } from '../context.ts';
import type { ContainerSpec } from '../../specgen/container.ts';
import { getContainer, syncState } from './lifecycle.ts';

function modeFor(e: EngineContext, mode: string | undefined, type: string): NamespaceMode | undefined {
  // shareable and none are private namespaces too (none: without /dev/shm, see spec.ts).
  if (!mode || mode === 'private' || mode === 'shareable' || mode === 'none') return undefined;
  if (mode === 'host') return { kind: 'host' };
  const ref = mode.slice('container:'.length);
  const target = syncState(e, getContainer(e, ref));
  if (target.state.status !== 'running' || !target.state.pid) throw containerState(`cannot join the ${type} namespace of ${ref}: container is not running`);
  return { kind: 'path', path: `/proc/${target.state.pid}/ns/${type}` };
}

export function sharedNamespaces(e: EngineContext, i: ContainerSpec): { pid?: NamespaceMode; ipc?: NamespaceMode; uts?: NamespaceMode; network?: NamespaceMode } {
  return {
    pid: modeFor(e, i.pidMode, 'pid'),
    ipc: modeFor(e, i.ipcMode, 'ipc'),
    uts: modeFor(e, i.utsMode, 'uts'),
    network: i.network?.startsWith('container:') ? modeFor(e, i.network, 'net') : i.network?.startsWith('ns:') ? netnsPath(i.network.slice(3)) : undefined,
  };
}

/** Network mode ns:PATH: a network namespace file (e.g. /run/netns/NAME) the runtime joins. */
function netnsPath(path: string): NamespaceMode {
  if (!existsSync(path)) throw invalidArgument(`network namespace ${path}: no such network namespace file`);
  return { kind: 'path', path };
}

/** Namespace inode numbers of a process, for `ps --ns`. */
export function namespaceInodes(pid: number): Record<string, string> {
  const out: Record<string, string> = {};
  for (const t of ['cgroup', 'ipc', 'mnt', 'net', 'pid', 'user', 'uts']) {
    try {
      out[t] = /\[(\d+)\]/.exec(readlinkSync(`/proc/${pid}/ns/${t}`))?.[1] ?? '';
    } catch {
      out[t] = '';
    }
  }
  return out;
}
