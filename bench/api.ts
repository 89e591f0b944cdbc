// Times `docker run --rm busybox true` through husk's REST service (the real
// docker CLI), `husk run --rm` directly, and the docker CLI against Podman's
// service when bench/api.sh could start one; medians and p90s of interleaved
// samples. Then throughput: 50 containers created, started, waited for and
// removed through the Docker API by 10 concurrent clients, husk's service vs
// Podman's. Run through bench/api.sh. Env: BENCH_RUNS (default 10; 0: only
// the bursts), BENCH_BURSTS (default 3).
import { spawnSync } from 'node:child_process';
import { request } from 'node:http';
import { writeFileSync } from 'node:fs';
import os from 'node:os';

const RUNS = Number(process.env.BENCH_RUNS ?? 10);
const WARMUP = 2;
// BENCH_RUNS=0: only the throughput bursts.
if (!Number.isInteger(RUNS) || RUNS < 0) throw new Error(`BENCH_RUNS must be a non-negative integer, got ${process.env.BENCH_RUNS}`);
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
for (const c of RUNS ? cases : []) {
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
if (RUNS) console.log('\n(ms, wall clock per CLI invocation)');
for (const [i, r] of (RUNS ? rows : []).entries()) {
  console.log(r.map((v, j) => (j ? v.padStart(widths[j]) : v.padEnd(widths[j]))).join('  '));
  if (i === 0) console.log(widths.map((w) => '-'.repeat(w)).join('  '));
}
// Throughput: 10 clients x 5 containers each, every request over the Docker API.
function call(sock: string, method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> { // eslint-disable-line @typescript-eslint/no-explicit-any
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const req = request({ socketPath: sock, method, path: `/v1.41${path}`, headers: data ? { 'Content-Type': 'application/json', 'Content-Length': data.length } : {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        if ((res.statusCode ?? 500) >= 300) return reject(new Error(`${method} ${path}: ${res.statusCode} ${text.trim()}`));
        resolve({ status: res.statusCode ?? 0, json: text ? JSON.parse(text) : undefined });
      });
    });
    req.on('error', reject);
    req.end(data);
  });
}
async function burst(sock: string, clients = 10, each = 5): Promise<number> {
  const t0 = process.hrtime.bigint();
  await Promise.all(Array.from({ length: clients }, async () => {
    for (let k = 0; k < each; k++) {
      const { json } = await call(sock, 'POST', '/containers/create', { Image: 'busybox', Cmd: ['true'], HostConfig: { NetworkMode: 'none' } });
      await call(sock, 'POST', `/containers/${json.Id}/start`);
      await call(sock, 'POST', `/containers/${json.Id}/wait`);
      await call(sock, 'DELETE', `/containers/${json.Id}?force=1`);
    }
  }));
  return Number(process.hrtime.bigint() - t0) / 1e6;
}
const BURSTS = Number(process.env.BENCH_BURSTS ?? 3);
const apiWays = (['docker→husk', 'docker→podman'] as const).filter((w) => sockets[w]);
const bursts: Record<string, number[]> = Object.fromEntries(apiWays.map((w) => [w, []]));
process.stderr.write('bench/api: 50 containers through the API by 10 clients ...\n');
await burst(sockets['docker→husk']!, 2, 1);
if (sockets['docker→podman']) await burst(sockets['docker→podman'], 2, 1);
for (let i = 0; i < BURSTS; i++) for (const w of i % 2 ? [...apiWays].reverse() : apiWays) bursts[w].push(await burst(sockets[w]!));
console.log('\n50 containers (create, start, wait, remove) by 10 concurrent API clients; wall ms per burst, containers/s of the median');
for (const w of apiWays) {
  const m = stats(bursts[w]).median;
  console.log(`${w.padEnd(14)} ${bursts[w].map((x) => x.toFixed(0)).join(' ')}  median ${m.toFixed(0)} ms = ${(50000 / m).toFixed(1)}/s`);
}
if (bursts['docker→podman']) console.log(`husk/podman throughput: ${(stats(bursts['docker→podman']).median / stats(bursts['docker→husk']).median).toFixed(2)}×`);

const file = new URL('./results/api-latest.json', import.meta.url);
writeFileSync(file, `${JSON.stringify({ date: new Date().toISOString(), loadavg: os.loadavg(), runs: RUNS, results, bursts }, null, 2)}\n`);
console.log(`\nwrote ${file.pathname}`);
