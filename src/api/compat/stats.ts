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

/** Docker's document for a container that is not running: its identity, every counter zero. */
function idle(id: string, name: string, cpus: number): Record<string, unknown> {
  const zero: ContainerStats = { ContainerID: id, Name: name, PIDs: 0, CPU: 0, AvgCPU: 0, CPUNano: 0, MemUsage: 0, MemLimit: 0, MemPerc: 0, NetInput: 0, NetOutput: 0, BlockInput: 0, BlockOutput: 0 };
  return { ...toDocker(zero, cpus), read: '0001-01-01T00:00:00Z', preread: '0001-01-01T00:00:00Z', networks: undefined };
}

async function stats(ctx: RouteContext): Promise<void> {
  const stream = qBool(ctx.query, 'stream', true);
  const c = await ctx.engine.containers.get(ctx.params.id);
  const cpus = (await import('node:os')).availableParallelism();
  const send = (doc: unknown) => {
    if (!ctx.res.headersSent) {
      ctx.res.writeHead(200, { 'Content-Type': 'application/json' });
      ctx.res.flushHeaders();
    }
    ctx.res.write(`${JSON.stringify(doc)}\n`);
  };
  if (c.state.status !== 'running' && c.state.status !== 'paused') {
    send(idle(c.config.id, c.config.name, cpus));
    return void ctx.res.end();
  }
  try {
    for await (const batch of ctx.engine.containers.stats([c.config.id], { stream, signal: ctx.signal })) {
      for (const st of batch) send(toDocker(st, cpus));
      if (!stream) break;
    }
  } catch (e) {
    if (ctx.signal.aborted) return void ctx.res.end();
    // Stopped between our look and the first sample: Docker's idle document, not a cut stream.
    if (ctx.res.headersSent || await ctx.engine.containers.get(c.config.id).then((x) => x.state.status === 'running', () => true)) throw e;
    send(idle(c.config.id, c.config.name, cpus));
  }
  ctx.res.end();
}

export const statsRoutes: Route[] = [
  { method: 'GET', path: '/containers/:id/stats', handler: stats },
];
