// depends_on conditions: what `up` waits for before starting a dependent.
//
// service_healthy is a STAND-IN until husk runs healthchecks itself (the
// healthcheck issue): there is no health status to read yet, so `up` runs
// the service's healthcheck test through engine.exec, every `interval`
// (start_interval during start_period), and calls the container healthy at
// the first success, unhealthy after `retries` consecutive failures once the
// start period is over. Replace the loop with a wait on the engine's health
// status when it exists.
import { HuskError } from '../common/errors.ts';
import type { Engine } from '../engine/api.ts';
import type { ContainerListItem } from '../engine/container/api.ts';
import type { ComposeOutput } from './state.ts';
import type { ComposeService, DependencyCondition } from './types.ts';

const DEFAULTS = { interval: 30_000, timeout: 30_000, retries: 3, startInterval: 5_000 };
/** Between probes, however long the interval: `up` should not sit idle for Docker's default 30s. */
const MAX_POLL = 1_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function waitCondition(engine: Engine, dep: ComposeService, containers: ContainerListItem[], condition: DependencyCondition, out: ComposeOutput): Promise<void> {
  if (condition === 'service_started') return;
  for (const c of containers) {
    out.progress(`Container ${c.config.name}  Waiting`);
    if (condition === 'service_healthy') {
      await waitHealthy(engine, dep, c);
      out.progress(`Container ${c.config.name}  Healthy`);
    } else {
      const code = await engine.containers.wait(c.config.id);
      if (code !== 0) throw new HuskError('INVALID_ARGUMENT', `service "${dep.name}" didn't complete successfully: exit ${code}`);
      out.progress(`Container ${c.config.name}  Exited`);
    }
  }
}

async function waitHealthy(engine: Engine, dep: ComposeService, c: ContainerListItem): Promise<void> {
  const h = dep.healthcheck;
  const test = h?.disable ? undefined : h?.test;
  if (!test || test[0] === 'NONE') throw new HuskError('INVALID_ARGUMENT', `dependency failed to start: container ${c.config.name} has no healthcheck configured`);
  const command = test[0] === 'CMD-SHELL' ? ['/bin/sh', '-c', test.slice(1).join(' ')] : test.slice(1);
  const interval = Math.min(h!.interval ?? DEFAULTS.interval, MAX_POLL);
  const startInterval = Math.min(h!.startInterval ?? DEFAULTS.startInterval, interval);
  const startEnd = Date.now() + (h!.startPeriod ?? 0);
  const retries = h!.retries ?? DEFAULTS.retries;
  let failures = 0;
  for (;;) {
    const st = (await engine.containers.get(c.config.id)).state;
    if (st.status !== 'running') throw new HuskError('INVALID_ARGUMENT', `dependency failed to start: container ${c.config.name} exited (${st.exitCode})`);
    if (await probe(engine, c.config.id, command, h!.timeout ?? DEFAULTS.timeout)) return;
    const starting = Date.now() < startEnd;
    if (!starting && ++failures >= retries) throw new HuskError('INVALID_ARGUMENT', `dependency failed to start: container ${c.config.name} is unhealthy`);
    await sleep(starting ? startInterval : interval);
  }
}

/** One run of the test: exit 0 within the timeout. */
async function probe(engine: Engine, container: string, command: string[], timeout: number): Promise<boolean> {
  let id: string | undefined;
  try {
    id = await engine.exec.create(container, { command });
    const code = await Promise.race([engine.exec.start(id, {}), sleep(timeout).then(() => -1)]);
    return code === 0;
  } catch (e) {
    // A container that stops between the status check and the exec is reported by the next round.
    if (e instanceof HuskError && e.code === 'NOT_IMPLEMENTED') throw e;
    return false;
  } finally {
    if (id) await engine.exec.remove(id, { force: true }).catch(() => {});
  }
}
