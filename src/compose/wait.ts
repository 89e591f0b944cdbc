// depends_on conditions: what `up` waits for before starting a dependent.
//
// service_healthy reads the engine's own health status (the container's
// health check, run by its timer: docs/healthchecks.md), as Docker Compose
// reads the daemon's: healthy goes on, unhealthy or an exit fails `up`. It
// waits on the container's health_status/died events (no polling), after
// one look at the state so a container already healthy goes on at once.
import { HuskError } from '../common/errors.ts';
import type { Engine } from '../engine/api.ts';
import type { ContainerListItem } from '../engine/container/api.ts';
import type { ComposeOutput } from './state.ts';
import type { ComposeService, DependencyCondition } from './types.ts';

export async function waitCondition(engine: Engine, dep: ComposeService, containers: ContainerListItem[], condition: DependencyCondition, out: ComposeOutput): Promise<void> {
  if (condition === 'service_started') return;
  for (const c of containers) {
    out.progress(`Container ${c.config.name}  Waiting`);
    if (condition === 'service_healthy') {
      await waitHealthy(engine, c);
      out.progress(`Container ${c.config.name}  Healthy`);
    } else {
      const code = await engine.containers.wait(c.config.id);
      if (code !== 0) throw new HuskError('INVALID_ARGUMENT', `service "${dep.name}" didn't complete successfully: exit ${code}`);
      out.progress(`Container ${c.config.name}  Exited`);
    }
  }
}

const failed = (why: string) => new HuskError('INVALID_ARGUMENT', `dependency failed to start: ${why}`);

/** true once the container is healthy; throws when it has no check, is unhealthy or stopped. */
async function healthy(engine: Engine, id: string): Promise<boolean> {
  const c = await engine.containers.get(id);
  if (!c.config.healthcheck) throw failed(`container ${c.config.name} has no healthcheck configured`);
  if (c.state.status !== 'running') throw failed(`container ${c.config.name} exited (${c.state.exitCode})`);
  const status = c.state.health?.status;
  if (status === 'unhealthy') throw failed(`container ${c.config.name} is unhealthy`);
  return status === 'healthy';
}

async function waitHealthy(engine: Engine, c: ContainerListItem, signal?: AbortSignal): Promise<void> {
  // Events from just before the first look: a change between the look and the subscription is replayed.
  const since = new Date(Date.now() - 1000);
  if (await healthy(engine, c.config.id)) return;
  const ac = new AbortController();
  const stop = () => ac.abort();
  signal?.addEventListener('abort', stop, { once: true });
  try {
    const events = engine.system.events({
      since, stream: true, signal: ac.signal, filters: { container: [c.config.id], event: ['health_status', 'died', 'remove'] },
    });
    for await (const _ of events) if (await healthy(engine, c.config.id)) return;
  } finally {
    signal?.removeEventListener('abort', stop);
    ac.abort();
  }
  if (signal?.aborted) throw failed(`container ${c.config.name} did not become healthy in time`);
  // The stream ended without a verdict (the engine went away): one last look.
  if (!await healthy(engine, c.config.id)) throw failed(`container ${c.config.name} did not become healthy`);
}

/**
 * `up --wait`: every container of the services running, and healthy when it
 * has a health check (Docker Compose's rule); a container that exited, or
 * turned unhealthy, fails. `signal` bounds the wait (--wait-timeout).
 */
export async function waitReady(engine: Engine, containers: ContainerListItem[], out: ComposeOutput, signal?: AbortSignal): Promise<void> {
  const wait = async (c: ContainerListItem) => {
    const x = await engine.containers.get(c.config.id);
    if (x.config.healthcheck) await waitHealthy(engine, c, signal);
    else if (x.state.status !== 'running') throw failed(`container ${c.config.name} exited (${x.state.exitCode})`);
    out.progress(`Container ${c.config.name}  ${x.config.healthcheck ? 'Healthy' : 'Started'}`);
  };
  await Promise.all(containers.map(wait));
}
