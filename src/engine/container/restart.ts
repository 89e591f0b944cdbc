// Restart policies without a daemon: whoever folds a container's exit into
// the state (conmon's exit command, or the attached client that held the
// foreground lock) calls restartByPolicy afterwards. It waits a short
// backoff, then, holding the container's lock, checks the policy again and
// starts the container with a new conmon. A stop, kill or rm -f by the user
// sets state.stoppedByUser first, so their exits are left alone.
import type { EngineContext } from '../context.ts';
import type { Container } from '../types.ts';
import { startLocked, syncState } from './lifecycle.ts';

/** Runs shorter than this count as a crash loop for the backoff. */
const STABLE_MS = 10_000;
const FIRST_DELAY_MS = 100;
const MAX_DELAY_MS = 10_000;

/** Whether the policy restarts this exited container (Podman's handleRestartPolicy rules). */
export function policyRestarts(c: Container): boolean {
  const p = c.config.intent.restartPolicy;
  if (!p || p.name === 'no' || c.state.stoppedByUser || c.state.status !== 'exited') return false;
  if (c.config.intent.autoRemove) return false;
  if (p.name === 'on-failure') {
    if (c.state.exitCode === 0) return false;
    if (p.maximumRetryCount && (c.state.restartCount ?? 0) >= p.maximumRetryCount) return false;
  }
  return true; // always, unless-stopped, on-failure under its limit
}

/**
 * Docker's backoff, simplified: 100ms, doubling with each restart while the
 * container keeps exiting within 10s of starting, at most 10s; a run that
 * lasted longer restarts after 100ms.
 */
export function restartDelay(c: Container): number {
  const ran = Date.parse(c.state.finishedAt) - Date.parse(c.state.startedAt);
  if (!(ran < STABLE_MS)) return FIRST_DELAY_MS;
  return Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * 2 ** Math.min(c.state.restartCount ?? 0, 10));
}

/** Applies the restart policy to a container whose exit was just cleaned up; true when it restarted. */
export async function restartByPolicy(e: EngineContext, ref: string): Promise<boolean> {
  let id: string;
  try {
    id = e.db.lookupId(ref);
  } catch {
    return false; // removed meanwhile (--rm, rm -f)
  }
  const before = e.db.get(id);
  if (!before || !policyRestarts(before)) return false;
  await new Promise((r) => setTimeout(r, restartDelay(before)));
  return e.withContainerLock(id, async () => {
    const c = e.db.get(id);
    // Re-checked under the lock: stopped, removed or started by someone meanwhile.
    if (!c || !policyRestarts(syncState(e, c)) || c.state.finishedAt !== before.state.finishedAt) return false;
    try {
      await startLocked(e, id, { byPolicy: true });
    } catch (err) {
      e.db.updateState(id, (s) => { s.error = `restarting by policy: ${(err as Error).message}`; });
      return false;
    }
    e.events.write({ ID: id, Name: c.config.name, Image: c.config.imageName, Status: 'restart', Type: 'container' });
    return true;
  });
}
