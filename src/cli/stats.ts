// Stats output shared by `container stats` and `pod stats`: the streaming
// flags, sampling every --interval seconds and Podman's columns.
import type { Command } from 'commander';
import type { Container } from '../engine/types.ts';
import { parseIntFlag } from './common.ts';
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

/**
 * Samples the targets every --interval seconds and prints Podman's stats
 * columns (`container stats` and `pod stats` differ only in their columns).
 */
export async function streamStats(o: Opts, targets: () => Container[], table: { headers: Record<string, string>; defaultFormat: string }, extra: (c: Container) => Record<string, string> = () => ({})): Promise<void> {
  const S = await import('../engine/container/stats.ts');
  const { humanSize } = await import('./common.ts');
  const pct = (n: number) => `${n.toFixed(2)}%`;
  const rows = (reports: { r: ReturnType<typeof S.report>; c: Container }[]) => reports.map(({ r, c }) => ({
    ...r, ID: r.ID.slice(0, 12), CPUPerc: pct(r.CPU), AVGCPU: pct(r.AvgCPU), MemPerc: pct(r.MemPerc),
    MemUsage: `${humanSize(r.MemUsage)} / ${humanSize(r.MemLimit)}`, MemUsageBytes: `${r.MemUsage} / ${r.MemLimit}`,
    NetIO: `${humanSize(r.NetInput)} / ${humanSize(r.NetOutput)}`, BlockIO: `${humanSize(r.BlockInput)} / ${humanSize(r.BlockOutput)}`,
    PIDS: String(r.PIDs), CPUTime: `${(r.CPUNano / 1e9).toFixed(3)}s`, UpTime: '', ...extra(c),
  }));
  const headers = { ID: 'ID', Name: 'NAME', CPUPerc: 'CPU %', MemUsage: 'MEM USAGE / LIMIT', MemPerc: 'MEM %', NetIO: 'NET IO', BlockIO: 'BLOCK IO', PIDS: 'PIDS', CPUTime: 'CPU TIME', AVGCPU: 'AVG CPU %', ...table.headers };
  let prev = new Map<string, ReturnType<typeof S.sample>>();
  for (;;) {
    const list = targets();
    const now = list.map((c) => ({ s: S.sample(c), c }));
    const reports = now.map(({ s, c }) => ({ r: S.report(s, prev.get(s.ID)), c }));
    if (o.format === 'json') process.stdout.write(renderList('json', rows(reports), { headers: {}, defaultFormat: '' }, { jsonIndent: 4 }));
    else process.stdout.write(renderList(o.format, rows(reports), { headers, defaultFormat: table.defaultFormat }));
    if (o.stream === false) return;
    prev = new Map(now.map(({ s }) => [s.ID, s]));
    await new Promise((r) => setTimeout(r, o.interval * 1000));
    if (o.reset !== false && process.stdout.isTTY) process.stdout.write('\x1b[2J\x1b[H');
  }
}
