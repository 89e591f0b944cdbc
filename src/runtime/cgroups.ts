// Host cgroup layout detection. crun refuses hybrid hosts where cgroup2 (at
// /sys/fs/cgroup/unified) holds a controller; runc copes, so the engine
// falls back to it there instead of failing every run.
import { accessSync, constants, existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';

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
export function containerCgroupPath(id: string, rootless?: { cgroupParent?: string }, parent?: string): string | undefined {
  parent ??= rootless ? rootless.cgroupParent : '/husk';
  return parent === undefined ? undefined : `${parent === '/' ? '' : parent}/husk-${id}`;
}

/** A pod's own cgroup under its --cgroup-parent (Podman's cgroupfs layout: PARENT/POD_ID, members and a conmon/ under it). */
export function podCgroupPath(parent: string, podId: string): string {
  return `${parent === '/' ? '' : parent}/${podId}`;
}

/**
 * Removes PATH and the cgroups below it, deepest first, in every hierarchy
 * this process sees. A cgroup with a process left (a conmon still exiting)
 * is retried until `waitMs` is up; what is still busy then stays.
 */
export async function removeCgroupTree(path: string, waitMs = 5000): Promise<void> {
  const dirs = (dir: string): string[] => {
    let subs: string[] = [];
    try {
      subs = readdirSync(dir, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name);
    } catch {
      return [];
    }
    return [...subs.flatMap((s) => dirs(`${dir}/${s}`)), dir];
  };
  const deadline = Date.now() + waitMs;
  for (const h of cgroupsOf()) {
    for (const d of dirs(`${h.dir}${path}`)) {
      for (;;) {
        try {
          rmdirSync(d);
          break;
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== 'EBUSY' || Date.now() > deadline) break;
          await new Promise((r) => setTimeout(r, 50));
        }
      }
    }
  }
}

/** Where conmon goes with --cgroups=enabled (one for all, as Podman's /libpod_parent/conmon). */
export const CONMON_CGROUP = '/husk/conmon';

/** --cgroups: enabled (default), disabled (no cgroup), no-conmon (conmon stays put), split (under the caller's cgroup). */
export type CgroupsMode = 'enabled' | 'disabled' | 'no-conmon' | 'split';

/** The hierarchies of a process: one line per mount of /proc/PID/cgroup, with its path and the directory it is mounted at. */
export function cgroupsOf(pid: number | 'self' = 'self'): { controllers: string; path: string; dir: string }[] {
  const out: { controllers: string; path: string; dir: string }[] = [];
  for (const line of readFileSync(`/proc/${pid}/cgroup`, 'utf8').split('\n')) {
    const m = /^\d+:([^:]*):(.*)$/.exec(line);
    if (!m) continue;
    const controllers = m[1]!;
    const mount = controllers === '' ? (cgroupLayout() === 'v2' ? '/sys/fs/cgroup' : '/sys/fs/cgroup/unified') : `/sys/fs/cgroup/${controllers.replace(/^name=/, '')}`;
    if (existsSync(mount)) out.push({ controllers, path: m[2]!, dir: mount });
  }
  return out;
}

/**
 * This process's own cgroup, which --cgroups=split puts the container under:
 * v2's; on v1, the name=systemd hierarchy's, where systemd files a unit
 * (Podman's GetOwnCgroup reads the same).
 */
export function ownCgroup(): string {
  const all = cgroupsOf();
  const line = all.find((l) => l.controllers === (cgroupLayout() === 'v2' ? '' : 'name=systemd')) ?? all.find((l) => l.controllers === '');
  return line?.path ?? '/';
}

/** Moves a process into PATH in every hierarchy it belongs to (v1: each controller, name=systemd, unified), creating PATH. */
export function moveToCgroup(pid: number, path: string): void {
  for (const h of cgroupsOf(pid)) {
    const cpuset = h.controllers.split(',').includes('cpuset');
    let dir = h.dir;
    for (const part of path.split('/').filter(Boolean)) {
      const parent = dir;
      dir = `${dir}/${part}`;
      mkdirSync(dir, { recursive: true });
      // v1 cpuset: a new cgroup has no cpus or mems (and takes no process) until given its parent's.
      if (cpuset) {
        for (const f of ['cpuset.cpus', 'cpuset.mems']) if (!readFileSync(`${dir}/${f}`, 'utf8').trim()) writeFileSync(`${dir}/${f}`, readFileSync(`${parent}/${f}`, 'utf8').trim());
      }
    }
    writeFileSync(`${dir}/cgroup.procs`, String(pid));
  }
}

/** A file of a cgroup on this host: v2's one hierarchy, or (v1) the controller's. */
export function cgroupFile(cgroupPath: string, controller: string, file: string): string {
  return cgroupLayout() === 'v2' ? `/sys/fs/cgroup${cgroupPath}/${file}` : `/sys/fs/cgroup/${controller}${cgroupPath}/${file}`;
}
