// What pods report about their members over time: log lines (one member
// after another, or merged while following) and stats samples every
// interval, both as AsyncIterables a caller stops with an AbortSignal.
import { HuskError } from '../../common/errors.ts';
import type { EngineContext } from '../context.ts';
import type { LogLine } from '../container/api.ts';
import { logLines } from '../container/logs.ts';
import { statsStream } from '../container/stats.ts';
import type { Container } from '../types.ts';
import type { PodContainerStats, PodLogOptions, PodStatsOptions } from './api.ts';
import { loadPod } from './pods.ts';

/**
 * Turns callback producers into one iterable: lines are queued in the order
 * the producers emit them; it ends when all producers settled, and throws
 * the first producer's error after the lines before it.
 */
async function* merge<T>(producers: ((emit: (v: T) => void) => Promise<void>)[], sequential: boolean, signal?: AbortSignal): AsyncGenerator<T> {
  const queue: T[] = [];
  let wake: (() => void) | undefined;
  let done = false;
  let failed: unknown;
  const emit = (v: T) => { queue.push(v); wake?.(); };
  const run = async () => {
    try {
      if (sequential) for (const p of producers) await p(emit);
      else await Promise.all(producers.map((p) => p(emit)));
    } catch (err) {
      failed = err;
    } finally {
      done = true;
      wake?.();
    }
  };
  void run();
  const onAbort = () => wake?.();
  signal?.addEventListener('abort', onAbort);
  try {
    for (;;) {
      while (queue.length) {
        if (signal?.aborted) return;
        yield queue.shift()!;
      }
      if (failed) throw failed;
      if (done || signal?.aborted) return;
      await new Promise<void>((r) => (wake = r));
      wake = undefined;
    }
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
}

export function podLogs(e: EngineContext, ref: string, o: PodLogOptions = {}): AsyncGenerator<LogLine> {
  const p = loadPod(e, ref);
  let members = p.containers.filter((c) => !c.config.isInfra);
  if (o.container) {
    members = members.filter((c) => c.config.name === o.container || c.config.id.startsWith(o.container!));
    if (!members.length) throw new HuskError('NO_SUCH_CONTAINER', `container ${o.container} is not in pod ${ref}: no such container`);
  }
  const opts = { follow: o.follow, tail: o.tail, since: o.since, until: o.until, signal: o.signal };
  const one = (c: Container) => async (emit: (l: LogLine) => void) => {
    for await (const l of logLines(e, c.config.id, opts)) emit(l);
  };
  // Following runs all streams at once; otherwise one container after another.
  return merge(members.map(one), !o.follow, o.signal);
}

/** Pods' running members, sampled by the containers' sampler (statsStream), each sample tagged with its pod. */
export async function* podStats(e: EngineContext, podIds: string[], o: PodStatsOptions = {}): AsyncGenerator<PodContainerStats[]> {
  const podOf = new Map<string, string>();
  const targets = () => podIds.flatMap((id) => {
    const p = loadPod(e, id);
    const running = p.containers.filter((c) => c.state.status === 'running');
    for (const c of running) podOf.set(c.config.id, p.config.id);
    return running;
  });
  for await (const batch of statsStream(e, targets, o)) yield batch.map((s) => ({ ...s, Pod: podOf.get(s.ContainerID) ?? '' }));
}
