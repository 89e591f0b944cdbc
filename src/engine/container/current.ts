// The container lookups and state reads every container command needs
// (ps, exec, inspect, stop...), apart from lifecycle.ts so that those
// commands do not load what create and start need (spec, seccomp, mounts).
import { join } from 'node:path';
import { containerState } from '../../common/errors.ts';
import { currentBootId, processAlive } from '../../common/process.ts';
import type { EngineContext } from '../context.ts';
import type { Container, ContainerConfig } from '../types.ts';

export function getContainer(e: EngineContext, ref: string): Container {
  const id = e.db.lookupId(ref);
  const c = e.db.get(id);
  if (!c) throw containerState(`container ${ref} vanished`);
  return c;
}

/** The k8s-file log's path: --log-opt path=, else ctr.log in the bundle. */
export function logPathOf(e: EngineContext, c: ContainerConfig): string {
  return c.intent.logOptions?.path ?? join(e.bundleDir(c.id), 'ctr.log');
}

/**
 * Folds conmon's exit file into the stored state so readers see the truth
 * even before the exit command ran; resources are released by cleanup.
 */
export function syncState(e: EngineContext, c: Container): Container {
  // A stop that died while it waited leaves no stopping container behind.
  if (c.state.stopping && !processAlive(c.state.stopping)) c = { config: c.config, state: { ...c.state, stopping: undefined } };
  if (c.state.status !== 'running' && c.state.status !== 'paused' && !(c.state.status === 'created' && c.state.pid)) return c;
  const ex = e.readExit(c.config.id);
  if (!ex) {
    if (!c.state.bootId || c.state.bootId === currentBootId()) return c;
    // Started before a reboot: the process, mount and runtime state are gone.
    return { config: c.config, state: { ...c.state, status: 'exited', pid: 0, mounted: false } };
  }
  const state = { ...c.state, status: 'exited' as const, exitCode: ex.code, finishedAt: ex.at.toISOString(), pid: 0 };
  return { config: c.config, state };
}

export function stopSignalOf(e: EngineContext, c: Container): string {
  return c.config.intent.stopSignal ?? e.images.get(c.config.imageId)?.config.config?.StopSignal ?? 'SIGTERM';
}
