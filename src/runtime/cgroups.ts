// Host cgroup layout detection. crun refuses hybrid hosts where cgroup2 (at
// /sys/fs/cgroup/unified) holds a controller; runc copes, so the engine
// falls back to it there instead of failing every run.
import { accessSync, constants, existsSync, readFileSync } from 'node:fs';

export type CgroupLayout = 'v2' | 'v1' | 'hybrid' | 'hybrid-with-v2-controllers';

let cached: CgroupLayout | undefined;

export function cgroupLayout(): CgroupLayout {
  if (cached) return cached;
  if (existsSync('/sys/fs/cgroup/cgroup.controllers')) return (cached = 'v2');
  const unified = '/sys/fs/cgroup/unified/cgroup.controllers';
  if (!existsSync(unified)) return (cached = 'v1');
  return (cached = readFileSync(unified, 'utf8').trim() ? 'hybrid-with-v2-controllers' : 'hybrid');
}

/** Why a runtime cannot run on this host, or undefined when it can. */
export function runtimeUnsupported(name: string): string | undefined {
  if (name === 'crun' && cgroupLayout() === 'hybrid-with-v2-controllers') {
    return 'crun does not support hybrid cgroups with controllers in cgroup2 (as on this host)';
  }
  return undefined;
}

/**
 * For rootless husk: the cgroup (v2) delegated to this user, in which the
 * runtime may create the containers' cgroups, or undefined. It needs cgroup
 * v2 and a cgroup of our own we can write to with the memory and pids
 * controllers available (systemd's user@.service delegation gives that).
 * Untested on hosts like these test machines (hybrid cgroups: never delegated).
 */
export function delegatedCgroup(): string | undefined {
  if (cgroupLayout() !== 'v2') return undefined;
  try {
    const own = /^0::(\/.*)$/m.exec(readFileSync('/proc/self/cgroup', 'utf8'))?.[1];
    if (!own) return undefined;
    const dir = `/sys/fs/cgroup${own === '/' ? '' : own}`;
    accessSync(`${dir}/cgroup.subtree_control`, constants.W_OK);
    const controllers = readFileSync(`${dir}/cgroup.controllers`, 'utf8').split(/\s+/);
    return controllers.includes('memory') && controllers.includes('pids') ? own.replace(/\/$/, '') : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The cgroup of a container (config.json's cgroupsPath): PARENT/husk-ID,
 * where PARENT is /husk, or for rootless husk the delegated cgroup; rootless
 * without a delegated cgroup has none (undefined). The one place this path
 * is computed: the spec asks the runtime for it and stats reads it back.
 */
export function containerCgroupPath(id: string, rootless?: { cgroupParent?: string }): string | undefined {
  const parent = rootless ? rootless.cgroupParent : '/husk';
  return parent === undefined ? undefined : `${parent}/husk-${id}`;
}

/** A file of a cgroup on this host: v2's one hierarchy, or (v1) the controller's. */
export function cgroupFile(cgroupPath: string, controller: string, file: string): string {
  return cgroupLayout() === 'v2' ? `/sys/fs/cgroup${cgroupPath}/${file}` : `/sys/fs/cgroup/${controller}${cgroupPath}/${file}`;
}
