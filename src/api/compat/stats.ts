// Docker's container stats: one JSON document per sample (stream) or one
// (stream=false), in Docker's cgroup-shaped fields computed from the
// engine's samples. Names are never cut.
import type { ContainerStats } from '../../engine/container/api.ts';
import type { Route, RouteContext } from '../router.ts';
import { qBool } from '../http.ts';

function toDocker(s: ContainerStats, cpus: number): Record<string, unknown> {
  // The docker CLI computes CPU% as Δusage/Δsystem × online CPUs × 100; deltas
  // chosen so that equals the engine's CPU% (total_usage is not the cgroup's counter).
  const throttling = { periods: 0, throttled_periods: 0, throttled_time: 0 };
  return {
    id: s.ContainerID, name: `/${s.Name}`, read: new Date().toISOString(), preread: new Date(Date.now() - 1000).toISOString(),
    pids_stats: { current: s.PIDs },
    blkio_stats: { io_service_bytes_recursive: [{ major: 0, minor: 0, op: 'read', value: s.BlockInput }, { major: 0, minor: 0, op: 'write', value: s.BlockOutput }] },
    num_procs: 0, storage_stats: {},
    cpu_stats: { cpu_usage: { total_usage: Math.round(s.CPU * 1e7), usage_in_kernelmode: 0, usage_in_usermode: 0 }, system_cpu_usage: 1e9 * cpus, online_cpus: cpus, throttling_data: throttling },
    precpu_stats: { cpu_usage: { total_usage: 0, usage_in_kernelmode: 0, usage_in_usermode: 0 }, system_cpu_usage: 0, online_cpus: cpus, throttling_data: throttling },
    memory_stats: { usage: s.MemUsage, limit: s.MemLimit, stats: {} },
    networks: { eth0: { rx_bytes: s.NetInput, rx_packets: 0, rx_errors: 0, rx_dropped: 0, tx_bytes: s.NetOutput, tx_packets: 0, tx_errors: 0, tx_dropped: 0 } },
  };
}

async function stats(ctx: RouteContext): Promise<void> {
  const stream = qBool(ctx.query, 'stream', true);
  const c = await ctx.engine.containers.get(ctx.params.id);
  const cpus = (await import('node:os')).availableParallelism();
  ctx.res.writeHead(200, { 'Content-Type': 'application/json' });
  ctx.res.flushHeaders();
  try {
    for await (const batch of ctx.engine.containers.stats([c.config.id], { stream, signal: ctx.signal })) {
      for (const s of batch) {
        ctx.res.write(`${JSON.stringify(toDocker(s, cpus))}\n`);
      }
      if (!stream) break;
    }
  } catch (e) {
    if (!ctx.signal.aborted) throw e;
  }
  ctx.res.end();
}

export const statsRoutes: Route[] = [
  { method: 'GET', path: '/containers/:id/stats', handler: stats },
];
