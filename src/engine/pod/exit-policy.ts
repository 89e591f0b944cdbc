// A pod's exit policy (pod create --exit-policy, Podman's): with "stop",
// the pod stops once its last container other than infra has exited, so a
// `generate systemd --new` pod unit (Type=forking on the infra conmon's PID)
// ends when its work is done. Called by the cleanup that folded a member's
// exit, holding that member's lock (not the infra's, which stop takes).
import type { EngineContext } from '../context.ts';

export async function applyExitPolicy(e: EngineContext, podId: string): Promise<void> {
  const pod = e.db.getPod(podId);
  if (pod?.exitPolicy !== 'stop' || !pod.infraId) return;
  const L = await import('../container/lifecycle.ts');
  const live = e.db.list().some((c) => c.config.pod === podId && !c.config.isInfra && ['running', 'paused'].includes(L.syncState(e, c).state.status));
  if (live) return;
  const infra = e.db.get(pod.infraId);
  if (!infra || L.syncState(e, infra).state.status !== 'running') return;
  await L.stopContainer(e, pod.infraId).catch(() => {});
  e.events.write({ ID: pod.id, Name: pod.name, Status: 'stop', Type: 'pod' });
}
