// The rootless namespace as a thing users handle: `husk unshare` runs a
// command inside it, `husk system migrate` retires it (see docs/rootless.md).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, unlinkSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import { HuskError, isErrno } from '../../common/errors.ts';
import { pausePidFile } from '../../common/userns.ts';
import type { EngineContext } from '../context.ts';
import { stopContainer } from '../container/lifecycle.ts';
import { listContainers } from '../container/query.ts';

/**
 * `husk unshare`: runs argv (default: the user's shell) in husk's user and
 * mount namespaces, which the launcher already entered, with the store's
 * paths in the environment as Podman sets them, and the caller's choice of
 * stdio. Returns the exit code.
 */
export async function unshare(e: EngineContext, argv: string[], stdio: 'inherit' | 'ignore' = 'ignore', o: { rootlessNetns?: boolean } = {}): Promise<number> {
  if (!e.config.rootless) throw new HuskError('INVALID_ARGUMENT', 'please use unshare with rootless');
  let [cmd, ...args] = argv.length ? argv : [process.env.SHELL || '/bin/sh'];
  // --rootless-netns: also in the user's rootless network namespace (created if needed, as Podman's GetRootlessNetNs(true)).
  const ns = o.rootlessNetns ? (await import('../network/rootless-netns.ts')).rootlessNetns(e) : undefined;
  if (ns) [cmd, ...args] = ['nsenter', `--net=${await ns.ensure()}`, '--', cmd!, ...args];
  const r = spawnSync(cmd!, args, {
    stdio,
    env: { ...process.env, CONTAINERS_GRAPHROOT: e.config.root, CONTAINERS_RUNROOT: e.config.runroot },
  });
  // Then gone again unless containers use it (Podman's Cleanup).
  await ns?.releaseIfIdle();
  if (r.error) {
    if (isErrno(r.error, 'ENOENT')) throw new HuskError('CMD_NOT_FOUND', `${cmd}: executable file not found in $PATH`);
    throw new HuskError('CMD_CANNOT_INVOKE', `${cmd}: ${r.error.message}`);
  }
  return r.status ?? 128 + (r.signal ? osConstants.signals[r.signal] : 0);
}

/**
 * `husk system migrate`: stops every running container, then kills the
 * pause process and deletes its pid file, so the next command creates the
 * namespace again with the current /etc/subuid and /etc/subgid ranges.
 * Returns the pause process's pid when one was stopped.
 */
export async function migrate(e: EngineContext, o: { newRuntime?: string } = {}): Promise<number | undefined> {
  const r = e.config.rootless;
  if (o.newRuntime !== undefined) {
    // Podman's check: the runtime must be one containers.conf knows (or a path to one).
    const n = o.newRuntime;
    const known = n.startsWith('/') ? existsSync(n) : (e.config.runtimePaths[n] ?? []).some((p) => existsSync(p));
    if (!known) throw new HuskError('INVALID_ARGUMENT', `change to runtime "${n}" requested but no such runtime is defined: invalid argument`);
  }
  if (!r && o.newRuntime === undefined) return undefined;
  for (const c of listContainers(e)) {
    if (c.state.status === 'running' || c.state.status === 'paused') await stopContainer(e, c.config.id);
    if (o.newRuntime !== undefined) e.db.updateConfig(c.config.id, (cfg) => { cfg.runtime = o.newRuntime!; });
  }
  if (!r) return undefined;
  const file = pausePidFile(r.uid);
  let pid: number;
  try {
    pid = Number(readFileSync(file, 'utf8').trim());
  } catch {
    return undefined;
  }
  // Only our own pause process: after a reboot the pid may be anybody's.
  const alive = pid > 0 && readText(`/proc/${pid}/comm`) === 'husk-pause';
  if (alive) process.kill(pid, 'SIGKILL');
  try { unlinkSync(file); } catch {}
  return alive ? pid : undefined;
}

function readText(p: string): string {
  try {
    return readFileSync(p, 'utf8').trim();
  } catch {
    return '';
  }
}
