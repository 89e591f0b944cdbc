// Pull throughput: husk against `skopeo copy` to a directory and against
// Podman's pull, from a docker-registry on loopback, plus the cost of a
// re-pull of an image already present. Run through bench/pull.sh, which
// builds the image and owns the clean-up. See bench/README.md.
//
//   node bench/pull.ts gen DIR      write the layer trees of the bench image
//   node bench/pull.ts hotspots F   top functions by self time of a .cpuprofile
//   node bench/pull.ts              run the benchmark (env below, set by pull.sh)
//
// Env: PULL_LAYOUT (OCI layout, tag "latest"), PULL_TMP (scratch dir),
// HUSK_BIN, PODMAN_CONF, PODMAN_OK=1 (Podman usable), PULL_RUNS (default 3),
// PULL_PROFILE=1 (add one CPU-profiled husk pull and list its hotspots),
// PULL_VERBOSE=1 (list every request of a re-pull).
import { spawn } from 'node:child_process';
import { createCipheriv, createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request, type IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { startRegistry } from '../test/registry-server.ts';

// --- gen: the image's content -------------------------------------------------

/**
 * Deterministic "random-ish but compressible" bytes: an AES-CTR keystream
 * (fast, seeded per file) written as hex, which gzip shrinks to about half,
 * roughly what real binaries and text do.
 */
function content(seed: string, size: number): Buffer {
  const iv = createHash('md5').update(seed).digest(); // 16 bytes: a distinct stream per file
  const c = createCipheriv('aes-128-ctr', Buffer.from('husk-bench-pull!'), iv);
  return Buffer.from(c.update(Buffer.alloc(Math.ceil(size / 2))).toString('hex').slice(0, size));
}

/** Layers 2..5 (layer 1 is the busybox rootfs): many small files, then a few big ones. */
function gen(dir: string): void {
  const MiB = 1 << 20;
  const write = (layer: string, path: string, size: number) => {
    const p = join(dir, layer, path);
    mkdirSync(join(p, '..'), { recursive: true });
    writeFileSync(p, content(`${layer}/${path}`, size));
  };
  // 4000 files of 1-40 KiB in 40 directories, like a language runtime's library tree.
  for (let i = 0; i < 4000; i++) write('l2', `usr/lib/bench/d${i % 40}/f${i}.txt`, 1024 * (1 + ((i * 7919) % 40)));
  for (let i = 0; i < 2; i++) write('l3', `opt/big/part${i}.dat`, 45 * MiB);
  write('l4', 'opt/huge/blob.dat', 90 * MiB);
  for (let i = 0; i < 10; i++) write('l5', `srv/data/chunk${i}.dat`, 8 * MiB);
}

// --- the benchmark ----------------------------------------------------------------

type Tool = 'husk' | 'skopeo' | 'podman';

function need(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set; run this through bench/pull.sh`);
  return v;
}

/** Runs a command to completion; rejects with its stderr on failure. Async, so the proxy below keeps serving. */
function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code, signal) => (code === 0 ? resolve(stdout) : reject(new Error(`${cmd} ${args.join(' ')} exited ${code ?? signal}: ${stderr.trim()}`))));
  });
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t0 = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** Unmounts anything below dir (Podman's overlay home is a private bind mount), then removes it. */
async function wipe(dir: string): Promise<void> {
  const mounts = readFileSync('/proc/mounts', 'utf8').split('\n').map((l) => l.split(' ')[1]?.replace(/\\040/g, ' '))
    .filter((m): m is string => !!m && (m === dir || m.startsWith(`${dir}/`))).sort().reverse();
  for (const m of mounts) await run('umount', ['-l', m]);
  rmSync(dir, { recursive: true, force: true });
}

/** Requests seen by a counting HTTP proxy, by kind. */
interface Counts { tlsProbe: number; ping: number; manifest: number; blob: number; other: number; lines: string[] }
const zero = (): Counts => ({ tlsProbe: 0, ping: 0, manifest: 0, blob: 0, other: 0, lines: [] });

/**
 * A loopback proxy in front of the registry that counts what a client asks
 * for. Clients with --tls-verify=false try https first; that ClientHello is
 * not HTTP, so it shows up as a client error and is counted as a TLS probe.
 */
async function countingProxy(target: string) {
  let counts = zero();
  const server = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    const kind = path === '/v2/' || path === '/v2' ? 'ping' : /\/manifests\/[^/]+$/.test(path) ? 'manifest' : /\/blobs\/sha256:[0-9a-f]{64}$/.test(path) ? 'blob' : 'other';
    counts[kind]++;
    counts.lines.push(`${req.method} ${req.url}`);
    const [host, port] = target.split(':');
    const up = request({ host, port: Number(port), method: req.method, path: req.url, headers: { ...req.headers, host: target } }, (r: IncomingMessage) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  server.on('clientError', (_e, socket) => {
    counts.tlsProbe++;
    counts.lines.push('(TLS ClientHello)');
    socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    host: `127.0.0.1:${(server.address() as { port: number }).port}`,
    take: () => { const c = counts; counts = zero(); return c; },
    close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}

/**
 * Self time per function of a V8 .cpuprofile, top N. Native and node:
 * internal frames also name the innermost husk function (src/) below them on
 * the stack, so "writeBuffer" says which of husk's writes it was. Locations
 * are where the function is defined (file:line).
 */
function hotspots(file: string, top = 15): string[] {
  type Frame = { functionName: string; url: string; lineNumber: number };
  const prof = JSON.parse(readFileSync(file, 'utf8')) as {
    nodes: { id: number; callFrame: Frame; children?: number[] }[];
    samples: number[]; timeDeltas: number[];
  };
  const byId = new Map(prof.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of prof.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const ours = (f: Frame) => f.url.includes('/src/');
  const name = (f: Frame) => {
    const where = f.url ? ` ${f.url.replace(/^file:\/\//, '').replace(`${process.cwd()}/`, '')}:${f.lineNumber + 1}` : '';
    return `${f.functionName || '(anonymous)'}${where}`;
  };
  const self = new Map<string, number>();
  let total = 0;
  prof.samples.forEach((id, i) => {
    const f = byId.get(id)!.callFrame;
    const dt = prof.timeDeltas[i] ?? 0;
    total += dt;
    let key = name(f);
    if (!ours(f)) {
      for (let p = parent.get(id); p !== undefined; p = parent.get(p)) {
        const pf = byId.get(p)!.callFrame;
        if (ours(pf)) { key += `  ← ${name(pf)}`; break; }
      }
    }
    self.set(key, (self.get(key) ?? 0) + dt);
  });
  return [...self].sort((a, b) => b[1] - a[1]).slice(0, top)
    .map(([k, us]) => `${(us / 1000).toFixed(0).padStart(7)} ms ${((100 * us) / total).toFixed(1).padStart(5)}%  ${k}`);
}

async function bench(): Promise<void> {
  const layout = need('PULL_LAYOUT');
  const tmp = need('PULL_TMP');
  const huskBin = need('HUSK_BIN');
  const runs = Number(process.env.PULL_RUNS ?? 3);
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`PULL_RUNS must be a positive integer, got ${process.env.PULL_RUNS}`);
  const withPodman = process.env.PODMAN_OK === '1';
  // Only Podman sees the containers.conf with this host's work-arounds.
  const podmanEnv = { ...process.env, CONTAINERS_CONF: need('PODMAN_CONF') };

  // The bytes a pull moves: config and layer blobs as the manifest lists them.
  const index = JSON.parse(readFileSync(join(layout, 'index.json'), 'utf8'));
  const blob = (d: string) => JSON.parse(readFileSync(join(layout, 'blobs', 'sha256', d.slice(7)), 'utf8'));
  const manifest = blob(index.manifests[0].digest);
  const bytes = manifest.config.size + manifest.layers.reduce((s: number, l: { size: number }) => s + l.size, 0);

  const registry = await startRegistry();
  let proxy: Awaited<ReturnType<typeof countingProxy>> | undefined;
  const cleanups: (() => Promise<void>)[] = [];
  // Once only: a signal and the failing run it interrupts both get here.
  let stopping: Promise<void> | undefined;
  const stop = () => (stopping ??= (async () => {
    await proxy?.close();
    await registry.stop();
    for (const c of cleanups) await c();
  })());
  // Ctrl-C and kill reach us first: stop the registry before pull.sh's trap runs.
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => { void stop().finally(() => process.exit(130)); });
  try {
    const image = `${registry.host}/bench/big:1`;
    process.stderr.write(`pull bench: pushing the image to ${image} with skopeo\n`);
    await run('skopeo', ['copy', '-q', '--dest-tls-verify=false', `oci:${layout}:latest`, `docker://${image}`]);

    // Stores are kept until the end, not removed after each run: this host's
    // ext4 has no journal, and then every file creation scans past the inodes
    // freed in the last minute (ext4's recently_deleted()), which made a pull
    // that followed the removal of a 4000-file store spend seconds in open(2).
    let seq = 0;
    const dirs: string[] = [];
    const fresh = () => {
      const d = join(tmp, `run-${seq++}`);
      mkdirSync(d, { recursive: true });
      dirs.push(d);
      return d;
    };
    cleanups.push(async () => { for (const d of dirs) await wipe(d); });
    const husk = (dir: string, ref: string) => [huskBin, '--root', join(dir, 'root'), '--runroot', join(dir, 'run'), 'pull', '--tls-verify=false', ref];
    const podman = (dir: string, ref: string) => ['podman', '--root', join(dir, 'root'), '--runroot', join(dir, 'run'), '--tmpdir', join(dir, 'tmp'),
      '--storage-driver', 'overlay', 'pull', '--tls-verify=false', ref];
    /** One timed pull into a fresh store (its set-up untimed; removed at the end). */
    const once = async (t: Tool): Promise<number> => {
      const dir = fresh();
      const [cmd, ...args] = t === 'husk' ? husk(dir, image) : t === 'podman' ? podman(dir, image)
        : ['skopeo', 'copy', '-q', '--src-tls-verify=false', `docker://${image}`, `dir:${join(dir, 'out')}`];
      const s = await timed(() => run(cmd, args, t === 'podman' ? podmanEnv : process.env));
      // Let the kernel write back this run's files now, not during the next one.
      await run('sync', []);
      return s;
    };

    const tools: Tool[] = withPodman ? ['husk', 'skopeo', 'podman'] : ['husk', 'skopeo'];
    const samples: Record<Tool, number[]> = { husk: [], skopeo: [], podman: [] };
    // One untimed round (compile cache, page cache of the registry's blobs),
    // then rounds whose order rotates so each tool runs first, middle and last.
    for (const t of tools) await once(t);
    for (let i = 0; i < runs; i++) {
      for (let j = 0; j < tools.length; j++) {
        const t = tools[(i + j) % tools.length];
        const s = await once(t);
        samples[t].push(s);
        process.stderr.write(`  round ${i + 1}/${runs}: ${t.padEnd(6)} ${s.toFixed(2)} s\n`);
      }
    }

    // Re-pull: the image is present; count what goes over the wire.
    proxy = await countingProxy(registry.host);
    const viaProxy = `${proxy.host}/bench/big:1`;
    const repull: Partial<Record<'husk' | 'podman', { times: number[]; counts: Counts[] }>> = {};
    for (const t of withPodman ? (['husk', 'podman'] as const) : (['husk'] as const)) {
      const dir = fresh();
      const [cmd, ...args] = t === 'husk' ? husk(dir, viaProxy) : podman(dir, viaProxy);
      const env = t === 'podman' ? podmanEnv : process.env;
      await run(cmd, args, env);
      proxy.take();
      const r = { times: [] as number[], counts: [] as Counts[] };
      for (let i = 0; i < runs; i++) {
        r.times.push(await timed(() => run(cmd, args, env)));
        r.counts.push(proxy.take());
      }
      repull[t] = r;
    }

    // --- report ---
    const mb = bytes / 1e6;
    const med = Object.fromEntries(tools.map((t) => [t, median(samples[t])])) as Record<Tool, number>;
    const rate = (t: Tool) => mb / med[t];
    const label: Record<Tool, string> = { husk: 'husk pull', skopeo: 'skopeo copy → dir:', podman: 'podman pull' };
    const out: string[] = [];
    out.push(`pull of ${manifest.layers.length} gzip layers, ${mb.toFixed(1)} MB of blobs, from a loopback docker-registry; ${runs} alternating runs each`);
    out.push('');
    out.push(`${'tool'.padEnd(20)}${'median s'.padStart(10)}${'MB/s'.padStart(9)}${'min s'.padStart(9)}${'max s'.padStart(9)}`);
    for (const t of tools) {
      out.push(`${label[t].padEnd(20)}${med[t].toFixed(2).padStart(10)}${rate(t).toFixed(1).padStart(9)}` +
        `${Math.min(...samples[t]).toFixed(2).padStart(9)}${Math.max(...samples[t]).toFixed(2).padStart(9)}`);
    }
    out.push('');
    const ratio = (t: Tool) => rate('husk') / rate(t);
    for (const t of tools.filter((x) => x !== 'husk')) {
      out.push(`husk/${t} throughput: ${ratio(t).toFixed(2)}×  (target ≥ 1.00×: ${ratio(t) >= 1 ? 'met' : 'NOT met'})`);
    }
    const describe = (c: Counts) => `${c.manifest} manifest, ${c.blob} blob, ${c.ping} /v2/ ping, ${c.tlsProbe} TLS probe, ${c.other} other`;
    let onlyManifest = false;
    for (const [t, r] of Object.entries(repull)) {
      const ok = r.counts.every((c) => c.manifest === 1 && c.blob === 0);
      if (t === 'husk') onlyManifest = ok;
      out.push(`${t} re-pull (image present): median ${(median(r.times) * 1000).toFixed(0)} ms; requests: ${describe(r.counts[0])}` +
        (t === 'husk' ? `  (target one manifest request, no blob: ${ok ? 'met' : 'NOT met'})` : ''));
      if (!ok || process.env.PULL_VERBOSE) out.push(...r.counts[0].lines.map((l) => `    ${l}`));
    }

    let profile: string[] | undefined;
    if (process.env.PULL_PROFILE === '1') {
      // From the sources (type stripping keeps line numbers), so file:line points into src/.
      const profDir = join(fresh(), 'prof');
      const [, ...args] = husk(fresh(), image);
      const secs = await timed(() => run(process.execPath, ['--cpu-prof', `--cpu-prof-dir=${profDir}`, '--disable-warning=ExperimentalWarning', 'src/cli/main.ts', ...args]));
      const file = readdirSync(profDir).find((f) => f.endsWith('.cpuprofile'))!;
      profile = [`husk pull under --cpu-prof (from src/): ${secs.toFixed(2)} s; self time, top functions:`, ...hotspots(join(profDir, file))];
      out.push('', ...profile);
    }

    process.stdout.write(`${out.join('\n')}\n`);
    mkdirSync('bench/results', { recursive: true });
    writeFileSync('bench/results/pull.json', JSON.stringify({
      date: new Date().toISOString(), runs, bytes, layers: manifest.layers.map((l: { size: number; digest: string }) => ({ digest: l.digest, size: l.size })),
      versions: {
        husk: (await run(huskBin, ['--version'])).trim(),
        skopeo: (await run('skopeo', ['--version'])).trim(),
        podman: withPodman ? (await run('podman', ['--version'], podmanEnv)).trim() : null,
      },
      samples, medians: med, mbPerSecond: Object.fromEntries(tools.map((t) => [t, rate(t)])),
      ratios: Object.fromEntries(tools.filter((t) => t !== 'husk').map((t) => [`husk/${t}`, ratio(t)])),
      repull, repullOneManifestNoBlob: onlyManifest, profile,
    }, null, 2));
  } finally {
    await stop();
  }
}

if (process.argv[2] === 'gen') {
  if (!process.argv[3]) throw new Error('usage: node bench/pull.ts gen DIR');
  gen(process.argv[3]);
} else if (process.argv[2] === 'hotspots') {
  if (!process.argv[3]) throw new Error('usage: node bench/pull.ts hotspots FILE.cpuprofile [N]');
  process.stdout.write(`${hotspots(process.argv[3], Number(process.argv[4] ?? 15)).join('\n')}\n`);
} else {
  await bench();
}
