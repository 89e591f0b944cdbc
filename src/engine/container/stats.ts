// Resource usage of running containers, read from their cgroups (v1 or v2)
// and /proc: what `husk stats` prints. CPU % is averaged over the interval
// between two samples, or since the container started for a single sample.
import { hasCgroup, noCgroupError } from '../system/rootless.ts';
import { readFileSync } from 'node:fs';
import { containerState } from '../../common/errors.ts';
import { cgroupFile, cgroupLayout, containerCgroupPath } from '../../runtime/cgroups.ts';
import type { EngineContext } from '../context.ts';
import { getContainer, syncState } from './lifecycle.ts';
import type { Container } from '../types.ts';
import type { ContainerStats } from './api.ts';
import { totalmem } from 'node:os';

export interface StatsSample {
  ID: string;
  Name: string;
  /** Cumulative CPU time in nanoseconds. */
  cpuNano: number;
  at: number;
  MemUsage: number;
  MemLimit: number;
  PIDs: number;
  NetInput: number;
  NetOutput: number;
  BlockInput: number;
  BlockOutput: number;
  startedAt: number;
}


function read(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

function num(path: string): number {
  const t = read(path).trim();
  return t === '' || t === 'max' ? NaN : Number(t);
}

function keyed(text: string, key: string): number {
  const m = new RegExp(`^${key}\\s+(\\d+)`, 'm').exec(text);
  return m ? Number(m[1]) : 0;
}

export function sample(e: EngineContext, c: Container): StatsSample {
  const id = c.config.id;
  const path = c.config.intent.cgroupsMode === 'disabled' ? undefined : containerCgroupPath(id, e.rootlessCgroups(), c.state.cgroupParent);
  if ((c.state.status !== 'running' && c.state.status !== 'paused') || path === undefined) {
    // Stopped containers (stats --all) have no cgroup: all zeros, as Podman shows them.
    return { ID: id, Name: c.config.name, cpuNano: 0, at: Date.now(), MemUsage: 0, MemLimit: 0, PIDs: 0, NetInput: 0, NetOutput: 0, BlockInput: 0, BlockOutput: 0, startedAt: Date.now() };
  }
  let cpuNano: number;
  let usage: number;
  let limit: number;
  let bin = 0;
  let bout = 0;
  const cg = (controller: string, file: string) => cgroupFile(path, controller, file);
  if (cgroupLayout() === 'v2') {
    cpuNano = keyed(read(cg('', 'cpu.stat')), 'usage_usec') * 1000;
    usage = num(cg('', 'memory.current')) - keyed(read(cg('', 'memory.stat')), 'inactive_file');
    limit = num(cg('', 'memory.max'));
    for (const line of read(cg('', 'io.stat')).split('\n')) {
      bin += Number(/rbytes=(\d+)/.exec(line)?.[1] ?? 0);
      bout += Number(/wbytes=(\d+)/.exec(line)?.[1] ?? 0);
    }
  } else {
    cpuNano = num(cg('cpuacct', 'cpuacct.usage'));
    usage = num(cg('memory', 'memory.usage_in_bytes')) - keyed(read(cg('memory', 'memory.stat')), 'total_inactive_file');
    limit = num(cg('memory', 'memory.limit_in_bytes'));
    for (const line of read(cg('blkio', 'blkio.throttle.io_service_bytes')).split('\n')) {
      const m = /^\S+ (Read|Write) (\d+)/.exec(line);
      if (m) m[1] === 'Read' ? (bin += Number(m[2])) : (bout += Number(m[2]));
    }
  }
  const host = totalmem();
  let rx = 0;
  let tx = 0;
  for (const line of read(`/proc/${c.state.pid}/net/dev`).split('\n').slice(2)) {
    const m = /^\s*([^:]+):\s*(\d+)(?:\s+\d+){7}\s+(\d+)/.exec(line);
    if (m && m[1] !== 'lo') { rx += Number(m[2]); tx += Number(m[3]); }
  }
  return {
    ID: id, Name: c.config.name, cpuNano: cpuNano || 0, at: Date.now(), MemUsage: Math.max(0, usage || 0),
    MemLimit: !limit || limit > host ? host : limit, PIDs: num(cg('pids', 'pids.current')) || 0,
    NetInput: rx, NetOutput: tx, BlockInput: bin, BlockOutput: bout, startedAt: new Date(c.state.startedAt).getTime(),
  };
}

/** One sample as the API reports it; with the previous one, CPU % is over the interval. */
export function report(now: StatsSample, prev?: StatsSample): ContainerStats {
  const since = Math.max(1, now.at - now.startedAt) * 1e6;
  const avg = (now.cpuNano / since) * 100;
  const cpu = prev ? ((now.cpuNano - prev.cpuNano) / Math.max(1, (now.at - prev.at) * 1e6)) * 100 : avg;
  const { ID, cpuNano, at, startedAt, ...rest } = now;
  void at; void startedAt;
  return { ContainerID: ID, ...rest, CPU: cpu, AvgCPU: avg, CPUNano: cpuNano, MemPerc: now.MemLimit ? (now.MemUsage / now.MemLimit) * 100 : 0 };
}

/** Running containers to report on: the named ones (which must run), or all running. */
export function statsTargets(e: EngineContext, refs: string[], all = false): Container[] {
  if (!hasCgroup(e)) throw noCgroupError(e, 'stats (read from the container\'s cgroup)');
  if (!refs.length) return e.db.list().map((c) => syncState(e, c)).filter((c) => all || c.state.status === 'running');
  return refs.map((r) => {
    const c = syncState(e, getContainer(e, r));
    if (c.state.status !== 'running') throw containerState(`container ${c.config.name} is not running: container state improper`);
    return c;
  });
}

/**
 * The sampling loop `container stats` and `pod stats` share: one batch for
 * the current targets, then (with `stream`) one more every interval, until
 * the signal aborts. Targets are looked up again for every batch, so
 * containers that start or stop meanwhile come and go.
 */
export async function* statsStream(e: EngineContext, targets: () => Container[], o: { stream?: boolean; interval?: number; signal?: AbortSignal } = {}): AsyncGenerator<ContainerStats[]> {
  let prev = new Map<string, StatsSample>();
  for (;;) {
    const now = targets().map((c) => sample(e, c));
    yield now.map((s) => report(s, prev.get(s.ID)));
    if (!o.stream || o.signal?.aborted) return;
    prev = new Map(now.map((s) => [s.ID, s]));
    if (!(await sleep(o.interval ?? 1000, o.signal))) return;
  }
}

/** Resolves true after ms, or false as soon as the signal aborts. */
function sleep(ms: number, signal?: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    const done = (v: boolean) => { clearTimeout(t); signal?.removeEventListener('abort', onAbort); resolve(v); };
    const onAbort = () => done(false);
    const t = setTimeout(() => done(true), ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
