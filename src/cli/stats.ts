// Stats output shared by `container stats` and `pod stats`: the streaming
// flags and Podman's columns for each batch of samples the engine yields.
import type { Command } from 'commander';
import type { ContainerStats } from '../engine/container/api.ts';
import { humanSize, parseIntFlag } from './common.ts';
import { renderList } from './format/index.ts';

type Opts = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** The streaming flags `container stats` and `pod stats` share. */
export function addStatsFlags(cmd: Command, what: string): Command {
  return cmd
    .option('--no-stream', 'Disable streaming stats and only pull the first result')
    .option('--no-reset', 'Disable resetting the screen between intervals')
    .option('--format <format>', `Pretty-print ${what} statistics to JSON or using a Go template`)
    .option('-i, --interval <seconds>', 'Time in seconds between stats reports', parseIntFlag('interval'), 5);
}

/** The engine's stats options from those flags. */
export function statsOptions(o: Opts): { stream: boolean; interval: number } {
  return { stream: o.stream !== false, interval: o.interval * 1000 };
}

/**
 * Prints each batch of samples in Podman's stats columns (`container stats`
 * and `pod stats` differ only in their columns and `extra` fields),
 * clearing a terminal between batches unless --no-reset.
 */
export async function printStatsStream(
  o: Opts,
  batches: AsyncIterable<ContainerStats[]>,
  table: { headers: Record<string, string>; defaultFormat: string },
  extra: (s: ContainerStats) => Record<string, string> = () => ({}),
): Promise<void> {
  const pct = (n: number) => `${n.toFixed(2)}%`;
  const rows = (batch: ContainerStats[]) => batch.map((s) => {
    const { ContainerID, ...r } = s;
    return {
      ID: o.trunc === false ? ContainerID : ContainerID.slice(0, 12), ...r, CPUPerc: pct(s.CPU), AVGCPU: pct(s.AvgCPU), MemPerc: pct(s.MemPerc),
      MemUsage: `${humanSize(s.MemUsage)} / ${humanSize(s.MemLimit)}`, MemUsageBytes: `${s.MemUsage} / ${s.MemLimit}`,
      NetIO: `${humanSize(s.NetInput)} / ${humanSize(s.NetOutput)}`, BlockIO: `${humanSize(s.BlockInput)} / ${humanSize(s.BlockOutput)}`,
      PIDS: String(s.PIDs), CPUTime: `${(s.CPUNano / 1e9).toFixed(3)}s`, UpTime: '', ...extra(s),
    };
  });
  const headers = { ID: 'ID', Name: 'NAME', CPUPerc: 'CPU %', MemUsage: 'MEM USAGE / LIMIT', MemPerc: 'MEM %', NetIO: 'NET IO', BlockIO: 'BLOCK IO', PIDS: 'PIDS', CPUTime: 'CPU TIME', AVGCPU: 'AVG CPU %', ...table.headers };
  let first = true;
  for await (const batch of batches) {
    if (!first && o.reset !== false && process.stdout.isTTY) process.stdout.write('\x1b[2J\x1b[H');
    first = false;
    if (o.format === 'json') process.stdout.write(renderList('json', rows(batch), { headers: {}, defaultFormat: '' }, { jsonIndent: 4 }));
    else process.stdout.write(renderList(o.format, rows(batch), { headers, defaultFormat: table.defaultFormat }));
  }
}
