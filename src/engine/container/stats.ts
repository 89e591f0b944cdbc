// Resource usage of running containers, read from their cgroups (v1 or v2)
// and /proc: what `husk stats` prints. CPU % is averaged over the interval
// between two samples, or since the container started for a single sample.
import { hasCgroup, noCgroupError } from '../system/rootless.ts';
import { readFileSync, existsSync } from 'node:fs';
import { containerState } from '../../common/errors.ts';
import type { EngineContext } from '../context.ts';
import { getContainer, syncState } from './lifecycle.ts';
import type { Container } from '../types.ts';
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

const V2 = existsSync('/sys/fs/cgroup/cgroup.controllers');

function cg(id: string, controller: string, file: string): string {
  return V2 ? `/sys/fs/cgroup/husk/husk-${id}/${file}` : `/sys/fs/cgroup/${controller}/husk/husk-${id}/${file}`;
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

export function sample(c: Container): StatsSample {
  const id = c.config.id;
  if (c.state.status !== 'running' && c.state.status !== 'paused') {
    // Stopped containers (stats --all) have no cgroup: all zeros, as Podman shows them.
    return { ID: id, Name: c.config.name, cpuNano: 0, at: Date.now(), MemUsage: 0, MemLimit: 0, PIDs: 0, NetInput: 0, NetOutput: 0, BlockInput: 0, BlockOutput: 0, startedAt: Date.now() };
  }
  let cpuNano: number;
  let usage: number;
  let limit: number;
  let bin = 0;
  let bout = 0;
  if (V2) {
    cpuNano = keyed(read(cg(id, '', 'cpu.stat')), 'usage_usec') * 1000;
    usage = num(cg(id, '', 'memory.current')) - keyed(read(cg(id, '', 'memory.stat')), 'inactive_file');
    limit = num(cg(id, '', 'memory.max'));
    for (const line of read(cg(id, '', 'io.stat')).split('\n')) {
      bin += Number(/rbytes=(\d+)/.exec(line)?.[1] ?? 0);
      bout += Number(/wbytes=(\d+)/.exec(line)?.[1] ?? 0);
    }
  } else {
    cpuNano = num(cg(id, 'cpuacct', 'cpuacct.usage'));
    usage = num(cg(id, 'memory', 'memory.usage_in_bytes')) - keyed(read(cg(id, 'memory', 'memory.stat')), 'total_inactive_file');
    limit = num(cg(id, 'memory', 'memory.limit_in_bytes'));
    for (const line of read(cg(id, 'blkio', 'blkio.throttle.io_service_bytes')).split('\n')) {
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
    MemLimit: !limit || limit > host ? host : limit, PIDs: num(cg(id, 'pids', 'pids.current')) || 0,
    NetInput: rx, NetOutput: tx, BlockInput: bin, BlockOutput: bout, startedAt: new Date(c.state.startedAt).getTime(),
  };
}

export interface StatsReport extends Omit<StatsSample, 'cpuNano' | 'at' | 'startedAt'> {
  /** Percent of one CPU over the interval. */
  CPU: number;
  /** Percent of one CPU since the container started. */
  AvgCPU: number;
  CPUNano: number;
  MemPerc: number;
}

export function report(now: StatsSample, prev?: StatsSample): StatsReport {
  const since = Math.max(1, now.at - now.startedAt) * 1e6;
  const avg = (now.cpuNano / since) * 100;
  const cpu = prev ? ((now.cpuNano - prev.cpuNano) / Math.max(1, (now.at - prev.at) * 1e6)) * 100 : avg;
  const { cpuNano, at, startedAt, ...rest } = now;
  void at; void startedAt;
  return { ...rest, CPU: cpu, AvgCPU: avg, CPUNano: cpuNano, MemPerc: now.MemLimit ? (now.MemUsage / now.MemLimit) * 100 : 0 };
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
