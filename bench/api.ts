// Times `docker run --rm busybox true` through husk's REST service (the real
// docker CLI), `husk run --rm` directly, and the docker CLI against Podman's
// service when bench/api.sh could start one; medians and p90s of interleaved
// samples. Run through bench/api.sh. Env: BENCH_RUNS (default 10).
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import os from 'node:os';

const RUNS = Number(process.env.BENCH_RUNS ?? 10);
const WARMUP = 2;
if (!Number.isInteger(RUNS) || RUNS < 1) throw new Error(`BENCH_RUNS must be a positive integer, got ${process.env.BENCH_RUNS}`);
const need = (name: string) => process.env[name] || (() => { throw new Error(`${name} is not set; run this through bench/api.sh`); })();

type Way = 'docker→husk' | 'husk' | 'docker→podman';
const huskCmd = need('HUSK_CMD').split(' ');
const docker = need('DOCKER_BIN');
const sockets: Partial<Record<Way, string>> = { 'docker→husk': need('HUSK_SOCK'), 'docker→podman': process.env.PODMAN_SOCK || undefined };
const ways: Way[] = ['docker→husk', 'husk', ...(sockets['docker→podman'] ? ['docker→podman' as const] : [])];

function timed(way: Way, args: string[]): number {
  const [cmd, ...pre] = way === 'husk' ? huskCmd : [docker];
  const env = way === 'husk' ? process.env : { ...process.env, DOCKER_HOST: `unix://${sockets[way]}` };
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, [...pre, ...args], { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${way}: ${args.join(' ')} exited ${r.status ?? r.signal}: ${r.stderr.trim()}`);
  return ms;
}

const cases = [
  { name: 'run --rm --network none busybox true', args: ['run', '--rm', '--network', 'none', 'busybox', 'true'] },
  { name: 'run --rm busybox true (default network)', args: ['run', '--rm', 'busybox', 'true'] },
];

function stats(samples: number[]) {
  const s = [...samples].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return { median: s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2, p90: s[Math.ceil(0.9 * s.length) - 1], samples: samples.map((x) => Math.round(x)) };
}

console.log(`${RUNS} runs per way and case, alternating; load ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}, ${os.cpus().length} CPUs`);
if (!sockets['docker→podman']) console.log("Podman's service: skipped (podman is not installed or could not run)");
const results: { case: string; by: Record<Way, ReturnType<typeof stats>> }[] = [];
for (const c of cases) {
  process.stderr.write(`bench/api: ${c.name} ...\n`);
  const samples = Object.fromEntries(ways.map((w) => [w, [] as number[]])) as Record<Way, number[]>;
  for (let i = 0; i < WARMUP + RUNS; i++) {
    for (const w of i % 2 ? [...ways].reverse() : ways) {
      const ms = timed(w, c.args);
      if (i >= WARMUP) samples[w].push(ms);
    }
  }
  results.push({ case: c.name, by: Object.fromEntries(ways.map((w) => [w, stats(samples[w])])) as Record<Way, ReturnType<typeof stats>> });
}

const head = ['case', ...ways.flatMap((w) => [`${w} p50`, `${w} p90`]), 'API/direct', ...(ways.includes('docker→podman') ? ['husk/podman API'] : [])];
const rows = [head];
for (const r of results) {
  const m = (w: Way) => r.by[w].median;
  rows.push([
    r.case, ...ways.flatMap((w) => [r.by[w].median.toFixed(0), r.by[w].p90.toFixed(0)]),
    `${(m('docker→husk') / m('husk')).toFixed(2)}×`,
    ...(ways.includes('docker→podman') ? [`${(m('docker→husk') / m('docker→podman')).toFixed(2)}×`] : []),
  ]);
}
const widths = head.map((_, i) => Math.max(...rows.map((r) => r[i].length)));
console.log('\n(ms, wall clock per CLI invocation)');
for (const [i, r] of rows.entries()) {
  console.log(r.map((v, j) => (j ? v.padStart(widths[j]) : v.padEnd(widths[j]))).join('  '));
  if (i === 0) console.log(widths.map((w) => '-'.repeat(w)).join('  '));
}
const file = new URL('./results/api-latest.json', import.meta.url);
writeFileSync(file, `${JSON.stringify({ date: new Date().toISOString(), loadavg: os.loadavg(), runs: RUNS, results }, null, 2)}\n`);
console.log(`\nwrote ${file.pathname}`);
