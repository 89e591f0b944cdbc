// Rootless husk vs rootless Podman, both run as the throw-away user that
// bench/rootless.sh creates (runuser -u USER). Engines alternate every
// iteration, like compare.ts. Env: BENCH_RUNS (default 20).
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';

type Engine = 'husk' | 'podman';
const RUNS = Number(process.env.BENCH_RUNS ?? 20);
const WARMUP = 2;
const user = process.env.BENCH_USER;
const huskBin = process.env.HUSK_BIN;
if (!user || !huskBin) throw new Error('run this through bench/rootless.sh');
const withPodman = process.env.PODMAN_OK === '1';
const engines: Engine[] = withPodman ? ['husk', 'podman'] : ['husk'];

function sh(e: Engine, args: string[]): string {
  const env = { PATH: process.env.PATH ?? '', HOME: `/home/${user}`, ...(e === 'podman' ? { CONTAINERS_CONF: process.env.PODMAN_CONF! } : {}) };
  const r = spawnSync('runuser', ['-u', user!, '--', e === 'husk' ? huskBin! : 'podman', ...args], { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.status !== 0) throw new Error(`${e} ${args.join(' ')} exited ${r.status ?? r.signal}: ${r.stderr.trim()}`);
  return r.stdout.trim();
}

function timed(e: Engine, args: string[]): number {
  const t0 = process.hrtime.bigint();
  sh(e, args);
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

const cases = [
  { name: 'rootless run --rm --network none busybox true', args: ['run', '--rm', '--network', 'none', 'busybox', 'true'] },
  { name: 'rootless ps -a', args: ['ps', '-a'] },
  { name: 'rootless --version (CLI start-up)', args: ['--version'] },
];

const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2; };
const p90 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.ceil(0.9 * xs.length) - 1]!;

const results = cases.map((c) => {
  process.stderr.write(`bench: ${c.name} ...\n`);
  const samples: Record<string, number[]> = Object.fromEntries(engines.map((e) => [e, []]));
  for (let i = 0; i < WARMUP + RUNS; i++) {
    for (const e of i % 2 ? [...engines].reverse() : engines) {
      const ms = timed(e, c.args);
      if (i >= WARMUP) samples[e]!.push(ms);
    }
  }
  const stat = (e: Engine) => (samples[e] ? { median: median(samples[e]!), p90: p90(samples[e]!) } : undefined);
  const h = stat('husk')!, p = stat('podman');
  return { case: c.name, husk: h, podman: p, ratio: p ? h.median / p.median : undefined };
});

const fmt = (v: number | undefined) => (v === undefined ? 'n/a' : v.toFixed(1));
const rows = [['case', 'husk p50', 'husk p90', 'podman p50', 'podman p90', 'husk/podman']];
for (const r of results) rows.push([r.case, fmt(r.husk.median), fmt(r.husk.p90), fmt(r.podman?.median), fmt(r.podman?.p90), r.ratio === undefined ? 'n/a' : `${r.ratio.toFixed(2)}×`]);
const w = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
console.log(`\n(times in ms, wall clock per CLI invocation as user ${user}; ${RUNS} runs per engine, alternating; load ${os.loadavg().map((x) => x.toFixed(1)).join(' ')})`);
for (const [i, r] of rows.entries()) {
  console.log(r.map((v, j) => (j === 0 ? v.padEnd(w[j]!) : v.padStart(w[j]!))).join('  '));
  if (i === 0) console.log(w.map((n) => '-'.repeat(n)).join('  '));
}
const run = results[0]!;
const met = run.ratio === undefined ? undefined : run.ratio <= 0.5;
console.log(`\ntarget: rootless run --rm ≤ 0.50× Podman's median: ${met === undefined ? 'n/a (no Podman)' : met ? 'met' : 'MISSED'}`);
const file = new URL('./results/rootless-latest.json', import.meta.url);
mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
writeFileSync(file, JSON.stringify({ date: new Date().toISOString(), kernel: os.release(), loadavg: os.loadavg(), runs: RUNS, podman: withPodman, target: { ratio: 0.5, value: run.ratio, met }, results }, null, 2) + '\n');
console.log(`wrote ${file.pathname}`);
