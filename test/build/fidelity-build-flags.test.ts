// Podman 4.3's build flags: what RUN steps see (network, /etc/hosts,
// resolv.conf, volumes, env, capabilities, limits, namespaces), what the
// produced image holds, and Podman's errors for bad values. Each build is a
// few lines on the busybox fixture.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { HUSK, Store, until } from '../helpers.ts';
import { freePort, startRegistry } from '../registry-server.ts';

const store = new Store('husk-build-fidflags-');
let n = 0;

before(() => {
  store.busybox();
});
after(async () => {
  await store.destroyWhenIdle();
});

/** A context holding a Containerfile with these lines (FROM busybox first unless given). */
function ctx(lines: string[]): string {
  const dir = mkdtempSync(join(store.dir, `ctx${n++}-`));
  writeFileSync(join(dir, 'Containerfile'), [...(lines[0]?.startsWith('FROM') ? [] : ['FROM busybox']), ...lines].join('\n') + '\n');
  return dir;
}

/** Builds with the flags; returns stdout+stderr (the RUN output) and asserts success. */
function build(flags: string[], lines: string[]): string {
  const r = store.husk(['build', '--no-cache', ...flags, ctx(lines)], { timeout: 120_000 });
  assert.equal(r.code, 0, r.stderr + r.stdout);
  return r.stdout + r.stderr;
}

function fails(flags: string[], lines: string[] = ['RUN true']): string {
  const r = store.husk(['build', ...flags, ctx(lines)], { timeout: 120_000 });
  assert.equal(r.code, 125, r.stdout + r.stderr);
  return r.stderr;
}

const config = (image: string) => JSON.parse(store.ok(['image', 'inspect', image]))[0];

test('--network none: RUN has no interface but lo; host: the host\'s interfaces; the RUN\'s own --network still wins', () => {
  const none = build(['--network', 'none'], ['RUN echo "IFACES:$(tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d " " | tr "\\n" ,)"']);
  assert.match(none, /IFACES:lo,\n/);
  const host = build(['--network', 'host'], ['RUN echo "IFACES:$(tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d " " | sort | tr "\\n" ,)"']);
  const hostIfaces = /IFACES:(.*)/.exec(host)![1];
  assert.ok(hostIfaces.split(',').filter(Boolean).length > 1, hostIfaces);
  const own = build(['--network', 'host'], ['RUN --network=none echo "IFACES:$(tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d " " | tr "\\n" ,)"']);
  assert.match(own, /IFACES:lo,\n/);
});

test('--add-host, --dns, --dns-search, --dns-option: RUN sees them in /etc/hosts and /etc/resolv.conf, the image keeps neither', () => {
  const out = build(['--network', 'host', '--add-host', 'fidhost.example:10.9.8.7', '--dns', '10.1.2.3', '--dns-search', 'fid.example', '--dns-option', 'ndots:3'],
    ['RUN cat /etc/hosts /etc/resolv.conf']);
  assert.match(out, /10\.9\.8\.7\s+fidhost\.example/);
  assert.match(out, /nameserver 10\.1\.2\.3/);
  assert.match(out, /search fid\.example/);
  assert.match(out, /options ndots:3/);
  for (const f of ['--dns', '--dns-option', '--dns-search']) {
    assert.match(fails(['--network', 'none', f, 'x']), new RegExp(`^Error: the ${f} option cannot be used with --network=none$`, 'm'));
  }
});

test('--no-hosts: RUN sees the base image\'s /etc/hosts, not a generated one', () => {
  const withHosts = build(['--network', 'none', '--add-host', 'gen.example:10.0.0.9'], ['RUN echo "HOSTS:$(cat /etc/hosts | tr "\\n" " ")"']);
  assert.match(withHosts, /gen\.example/);
  const noHosts = build(['--network', 'none', '--no-hosts'], ['RUN echo "HOSTS:$(cat /etc/hosts 2>&1 | tr "\\n" " ")"']);
  assert.doesNotMatch(noHosts, /HOSTS:.*(gen\.example|host\.containers\.internal)/);
});

test('--env: RUN sees it, the image keeps it (winning over the Containerfile\'s ENV, as Podman 4.3.1); --unsetenv removes a variable from the image', () => {
  const img = `fid-env-${n}`;
  const out = build(['--network', 'none', '--env', 'FID_A=one', '--env', 'FID_B=two', '--unsetenv', 'FID_C', '-t', img],
    ['ENV FID_C=three', 'RUN echo "SEEN:$FID_A:$FID_B:$FID_C"', 'ENV FID_B=over', 'RUN echo "AFTER:$FID_B"']);
  assert.match(out, /AFTER:over/);
  assert.match(out, /SEEN:one:two:three/);
  const env: string[] = config(img).Config.Env;
  assert.ok(env.includes('FID_A=one'), env.join(' '));
  assert.ok(env.includes('FID_B=two'), env.join(' '));
  assert.ok(!env.some((e) => e.startsWith('FID_C=')), env.join(' '));
  // A different --env value is a different build: the cached RUN is not reused.
  const again = store.husk(['build', '--network', 'none', '--env', 'FID_A=changed', ctx(['RUN echo "SEEN:$FID_A"'])]);
  assert.match(again.stdout, /SEEN:changed/);
});

test('--http-proxy (default true): RUN gets the host\'s proxy variables, the image does not; --http-proxy=false drops them', () => {
  const lines = ['RUN echo "PROXY:$http_proxy"'];
  const r = store.husk(['build', '--no-cache', '--network', 'none', '-t', 'fid-proxy', ctx(lines)], { env: { http_proxy: 'http://proxy.fid:3128' } });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /PROXY:http:\/\/proxy\.fid:3128/);
  assert.ok(!(config('fid-proxy').Config.Env as string[]).some((e) => e.startsWith('http_proxy')));
  const off = store.husk(['build', '--no-cache', '--network', 'none', '--http-proxy=false', ctx(lines)], { env: { http_proxy: 'http://proxy.fid:3128' } });
  assert.equal(off.code, 0, off.stderr);
  assert.match(off.stdout, /PROXY:\n/);
});

test('--volume: RUN steps see the bind mount and can write through it; the image does not contain it', () => {
  const host = mkdtempSync(join(store.dir, 'vol-'));
  writeFileSync(join(host, 'from-host.txt'), 'hello\n');
  const out = build(['--network', 'none', '-v', `${host}:/mnt/fid`, '-t', 'fid-vol'], ['RUN ls /mnt/fid && echo written > /mnt/fid/from-run.txt']);
  assert.match(out, /from-host\.txt/);
  assert.equal(store.ok(['run', '--rm', '--network', 'none', 'fid-vol', 'sh', '-c', 'ls /mnt/fid 2>&1 || echo absent']), 'ls: /mnt/fid: No such file or directory\nabsent');
  assert.equal(readFileSync(join(host, 'from-run.txt'), 'utf8'), 'written\n');
});

test('--cap-drop and --cap-add: the RUN process\'s capability set', () => {
  const capEff = (flags: string[]) => BigInt(`0x${/CAPEFF:([0-9a-f]+)/.exec(build(['--network', 'none', ...flags], ['RUN echo "CAPEFF:$(grep CapEff /proc/self/status | cut -f2)"']))![1]}`);
  const base = capEff([]);
  const CHOWN = 1n << 0n;
  const NET_ADMIN = 1n << 12n;
  assert.ok(base & CHOWN);
  assert.equal(capEff(['--cap-drop', 'CHOWN']) & CHOWN, 0n);
  assert.ok(!(base & NET_ADMIN));
  assert.ok(capEff(['--cap-add', 'NET_ADMIN']) & NET_ADMIN);
});

test('--ulimit, --memory, --cpu-quota/--cpu-period, --cpuset-cpus, --shm-size, --security-opt: what RUN runs under', () => {
  const out = build(['--network', 'none', '--ulimit', 'nofile=123:456', '--memory', '64m', '--cpu-quota', '25000', '--cpu-period', '50000',
    '--cpuset-cpus', '0', '--shm-size', '7m', '--security-opt', 'no-new-privileges'],
  ['RUN echo "NOFILE:$(ulimit -n):$(ulimit -Hn)" && echo "MEM:$(cat /sys/fs/cgroup/memory.max 2>/dev/null || cat /sys/fs/cgroup/memory/memory.limit_in_bytes)" && echo "CPU:$(cat /sys/fs/cgroup/cpu.max 2>/dev/null || echo $(cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us) $(cat /sys/fs/cgroup/cpu/cpu.cfs_period_us))" && echo "CPUSET:$(cat /sys/fs/cgroup/cpuset.cpus 2>/dev/null || cat /sys/fs/cgroup/cpuset/cpuset.cpus)" && echo "SHM:$(df -k /dev/shm | tail -1 | tr -s " " | cut -d" " -f2)" && echo "NNP:$(grep NoNewPrivs /proc/self/status | cut -f2)"']);
  assert.match(out, /NOFILE:123:456/);
  assert.match(out, new RegExp(`MEM:${64 * 1024 * 1024}`));
  assert.match(out, /CPU:25000 50000\n/);
  assert.match(out, /CPUSET:0\n/);
  assert.match(out, /SHM:7168\n/);
  assert.match(out, /NNP:1/);
});

test('--cgroup-parent: the RUN container\'s cgroup is under it', async () => {
  const out = build(['--network', 'none', '--cgroupns', 'host', '--cgroup-parent', '/fidparent'], ['RUN echo "CG:$(grep -m1 -E \'memory|^0::\' /proc/self/cgroup)"']);
  assert.match(out, /CG:.*\/fidparent\//);
  // The parent is left on the host (as Podman leaves it): removed here once empty.
  const clean = 'find /sys/fs/cgroup/*/fidparent /sys/fs/cgroup/fidparent -depth -type d -exec rmdir {} + 2>/dev/null; ! ls -d /sys/fs/cgroup/*/fidparent /sys/fs/cgroup/fidparent >/dev/null 2>&1';
  await until(() => spawnSync('sh', ['-c', clean]).status === 0, 10_000, 200).catch(() => {});
});

test('--pid host and --uts host: RUN shares the host\'s namespaces', () => {
  const out = build(['--network', 'none', '--pid', 'host', '--uts', 'host'], ['RUN echo "PIDNS:$(readlink /proc/self/ns/pid)" && echo "UTS:$(hostname)"']);
  assert.match(out, new RegExp(`PIDNS:${readlinkSync('/proc/self/ns/pid').replace(/[[\]]/g, '\\$&')}`));
  assert.match(out, new RegExp(`UTS:${hostname()}\n`));
});

test('--device: the device node is in the RUN container', () => {
  const out = build(['--network', 'none', '--device', '/dev/zero:/dev/fidzero'], ['RUN ls -l /dev/fidzero && head -c 3 /dev/fidzero | od -An -tx1']);
  assert.match(out, /^c.*\/dev\/fidzero/m);
  assert.match(out, /00 00 00/);
});

test('--userns-uid-map/--userns-gid-map: RUN runs in a user namespace with that mapping', () => {
  // The mapped root must reach the store to mount the rootfs.
  chmodSync(store.dir, 0o755);
  const out = build(['--network', 'none', '--userns-uid-map', '0:100000:65536', '--userns-gid-map', '0:100000:65536'], ['RUN echo "MAP:$(cat /proc/self/uid_map | tr -s " ")"']);
  assert.match(out, /MAP: 0 100000 65536/);
});

test('--runtime-flag reaches the runtime: an unknown one makes the RUN fail', () => {
  const r = store.husk(['build', '--no-cache', '--network', 'none', '--runtime-flag', 'no-such-flag-fid', ctx(['RUN true'])]);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /no-such-flag-fid/);
});

test('bad values: Podman\'s errors, exit 125', () => {
  assert.match(fails(['--isolation', 'bogus']), /^Error: unrecognized isolation type "bogus"$/m);
  assert.match(fails(['--cpu-period', 'x']), /^Error: invalid argument "x" for "--cpu-period" flag: strconv\.ParseUint: parsing "x": invalid syntax$/m);
  assert.match(fails(['--cpu-quota', 'x']), /^Error: invalid argument "x" for "--cpu-quota" flag/m);
  assert.match(fails(['--add-host', 'nocolon']), /^Error: invalid value for add-host: bad format for add-host: "nocolon"$/m);
  assert.match(fails(['--ulimit', 'bogus=1']), /^Error: /m);
  assert.match(fails(['--shm-size', 'lots']), /^Error: invalid --shm-size: invalid size: 'lots'$/m);
  assert.match(fails(['--memory', '1x']), /^Error: invalid value for memory: invalid size: '1x'$/m);
  assert.match(fails(['--security-opt', 'bogus']), /^Error: invalid --security-opt name=value pair: "bogus"$/m);
  assert.match(fails(['--device', '/dev/nonexist-fid']), /^Error: creating build executor: getting info of source device \/dev\/nonexist-fid: stat \/dev\/nonexist-fid: no such file or directory$/m);
  assert.match(fails(['--platform', 'linux/amd64', '--arch', 'arm64']), /^Error: invalid --platform may not be used with --os, --arch, or --variant$/m);
});

test('--layers, --rm and --pull as bare Go bool flags do not swallow the context argument', () => {
  const dir = ctx(['RUN true']);
  const r = store.husk(['build', '--network', 'none', '--layers', '--rm', '--force-rm', '--http-proxy', dir]);
  assert.equal(r.code, 0, r.stderr);
});


test('--output type=local,dest=DIR, the bare DIR form, type=tar and `-`: the final stage\'s filesystem', () => {
  const lines = ['FROM busybox AS first', 'RUN echo unused > /unused.txt', 'FROM busybox', 'RUN echo made > /made.txt'];
  const dir = join(store.dir, `out-local-${n}`);
  build(['--network', 'none', '-o', `type=local,dest=${dir}`], lines);
  assert.equal(readFileSync(join(dir, 'made.txt'), 'utf8'), 'made\n');
  assert.ok(existsSync(join(dir, 'bin/busybox')));
  assert.ok(!existsSync(join(dir, 'unused.txt')));
  const bare = join(store.dir, `out-bare-${n}`);
  build(['--network', 'none', '--output', bare], lines);
  assert.equal(readFileSync(join(bare, 'made.txt'), 'utf8'), 'made\n');
  const tarFile = join(store.dir, `out-${n}.tar`);
  build(['--network', 'none', '-o', `type=tar,dest=${tarFile}`], lines);
  const names = spawnSync('tar', ['-tf', tarFile], { encoding: 'utf8' }).stdout.split('\n');
  assert.ok(names.includes('made.txt') && names.includes('bin/busybox'), names.slice(0, 20).join(' '));
  // `-`: the tar on stdout, the ID and the steps on stderr.
  const r = spawnSync(HUSK, [...store.globals, 'build', '--network', 'none', '-o', '-', ctx(lines)], { timeout: 120_000, maxBuffer: 64 << 20 });
  assert.equal(r.status, 0, r.stderr.toString());
  const listed = spawnSync('tar', ['-t'], { input: r.stdout, encoding: 'utf8' });
  assert.equal(listed.status, 0, listed.stderr);
  assert.ok(listed.stdout.split('\n').includes('made.txt'));
  assert.match(r.stderr.toString(), /STEP 2\/2: RUN echo made/);
  assert.match(fails(['-o', 'type=bogus,dest=x']), /^Error: failed to parse build output: invalid type "bogus" selected for build output options "type=bogus,dest=x"$/m);
  assert.match(fails(['-o', 'a,b']), /^Error: failed to parse build output: invalid build output options "a,b", expected format key=value$/m);
  assert.match(fails(['-o', 'type=local,dest=-']), /^Error: failed to parse build output: invalid build output option "type=local,dest=-", type=local and dest=- is not supported$/m);
  assert.match(fails(['-o', 'type=tar,x=1']), /^Error: failed to parse build output: unrecognized key "x" in build output option: "type=tar,x=1"$/m);
});

test('--manifest: the built image is added to the list, which is created when missing', () => {
  const id1 = build(['--network', 'none', '-q', '--manifest', 'fidlist'], ['RUN echo 1 > /one']).trim().split('\n').at(-1)!;
  const id2 = build(['--network', 'none', '-q', '--manifest', 'fidlist'], ['RUN echo 2 > /two']).trim().split('\n').at(-1)!;
  const list = JSON.parse(store.ok(['manifest', 'inspect', 'fidlist']));
  assert.equal(list.manifests.length, 2);
  const digests = [id1, id2].map((id) => config(id).Digest);
  assert.deepEqual(list.manifests.map((m: { digest: string }) => m.digest).sort(), digests.sort());
});

test('--ignorefile: an ignore file outside the context decides what COPY sees', () => {
  const dir = ctx(['COPY . /ctx/', 'RUN ls /ctx']);
  writeFileSync(join(dir, 'keep.txt'), 'k');
  writeFileSync(join(dir, 'drop.txt'), 'd');
  writeFileSync(join(dir, '.dockerignore'), 'keep.txt\n');
  const ignore = join(store.dir, `ignore-${n}`);
  writeFileSync(ignore, 'drop.txt\n');
  const r = store.husk(['build', '--no-cache', '--network', 'none', '--ignorefile', ignore, dir]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /keep\.txt/);
  assert.doesNotMatch(r.stdout, /drop\.txt/);
});

test('--logfile: the steps and RUN output go to the file; --logsplit: to FILE_OS_ARCH', () => {
  const log = join(store.dir, `log-${n}`);
  const r = store.husk(['build', '--no-cache', '--network', 'none', '--logfile', log, ctx(['RUN echo logged-output'])]);
  assert.equal(r.code, 0, r.stderr);
  assert.doesNotMatch(r.stdout + r.stderr, /logged-output/);
  const text = readFileSync(log, 'utf8');
  assert.match(text, /STEP 2\/2: RUN echo logged-output\nlogged-output\n/);
  const split = store.husk(['build', '--no-cache', '--network', 'none', '--logfile', log, '--logsplit', '--platform', `linux/${hostArch()}`, ctx(['RUN echo split-output'])]);
  assert.equal(split.code, 0, split.stderr);
  assert.match(readFileSync(`${log}_linux_${hostArch()}`, 'utf8'), /split-output/);
});

test('--os, --arch, --variant, --os-version, --os-feature: the image\'s platform; TARGETARCH follows --arch', () => {
  const out = build(['--network', 'none', '--arch', 'arm64', '--variant', 'v8', '--os-version', '10.1', '--os-feature', 'fidfeat', '-t', 'fid-plat'],
    ['ARG TARGETARCH', 'RUN echo "TARGET:$TARGETARCH"']);
  assert.match(out, /TARGET:arm64/);
  const img = config('fid-plat');
  assert.equal(img.Architecture, 'arm64');
  assert.equal(img.Os, 'linux');
  // The stored config (what a push sends).
  const dir = join(store.dir, `oci-${n}`);
  store.ok(['save', '--format', 'oci-dir', '-o', dir, 'fid-plat']);
  const index = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8'));
  const manifest = JSON.parse(readFileSync(join(dir, 'blobs', ...index.manifests[0].digest.split(':')), 'utf8'));
  const cfg = JSON.parse(readFileSync(join(dir, 'blobs', ...manifest.config.digest.split(':')), 'utf8'));
  assert.equal(cfg.architecture, 'arm64');
  assert.equal(cfg.variant, 'v8');
  assert.equal(cfg['os.version'], '10.1');
  assert.deepEqual(cfg['os.features'], ['fidfeat']);
});

test('--omit-history: no history in the image; --identity-label (default true): io.buildah.version', () => {
  build(['--network', 'none', '-t', 'fid-hist'], ['RUN true']);
  assert.ok(config('fid-hist').History.length >= 2);
  assert.equal(config('fid-hist').Labels['io.buildah.version'], '1.28.2');
  build(['--network', 'none', '--omit-history', '--identity-label=false', '-t', 'fid-nohist'], ['RUN true']);
  assert.equal((config('fid-nohist').History ?? []).length, 0);
  assert.equal(config('fid-nohist').Labels?.['io.buildah.version'], undefined);
});

test('--skip-unused-stages=false builds a stage the target does not need; --from replaces the first FROM', () => {
  const lines = ['FROM busybox AS unused', 'RUN echo "UNUSED-STAGE-RAN"', 'FROM busybox', 'RUN true'];
  assert.doesNotMatch(build(['--network', 'none'], lines), /UNUSED-STAGE-RAN\n/);
  assert.match(build(['--network', 'none', '--skip-unused-stages=false'], lines), /UNUSED-STAGE-RAN\n/);
  assert.match(build(['--network', 'none', '--from', 'busybox'], ['FROM no-such-image-fid', 'RUN echo "FROM-REPLACED"']), /FROM-REPLACED\n/);
});

test('--stdin: RUN reads the build\'s stdin; without it, nothing', () => {
  const r = store.husk(['build', '--no-cache', '--network', 'none', '--stdin', ctx(['RUN echo "GOT:$(cat)"'])], { input: 'piped-in' });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /GOT:piped-in/);
  const off = store.husk(['build', '--no-cache', '--network', 'none', ctx(['RUN echo "GOT:$(cat)"'])], { input: 'piped-in' });
  assert.match(off.stdout, /GOT:\n/);
});

test('--cache-ttl: a cached step older than the TTL is rebuilt', async () => {
  const dir = ctx(['RUN echo ttl-step']);
  const first = store.husk(['build', '--network', 'none', dir]);
  assert.equal(first.code, 0, first.stderr);
  const cached = store.husk(['build', '--network', 'none', '--cache-ttl', '1h', dir]);
  assert.match(cached.stdout, /Using cache/);
  await new Promise((r) => setTimeout(r, 1100));
  const stale = store.husk(['build', '--network', 'none', '--cache-ttl', '1s', dir]);
  assert.doesNotMatch(stale.stdout, /Using cache/);
  assert.match(stale.stdout, /\nttl-step\n/);
});

test('--cache-to pushes each step as REPO:KEY; --cache-from in another store reuses them instead of running the RUN', async () => {
  const reg = await startRegistry();
  const other = new Store('husk-build-fidcache-');
  try {
    // The same base image ID on both sides (an import would stamp its own time), so the steps' keys match.
    const tar = join(store.dir, 'busybox-cache.tar');
    store.ok(['save', '-o', tar, 'busybox']);
    other.ok(['load', '-i', tar]);
    const lines = ['RUN echo "CACHE-RUN-RAN" | tee /ran', 'ENV CACHED=1'];
    const dir = ctx(lines);
    const repo = `${reg.host}/fid/cache`;
    const first = store.husk(['build', '--no-cache', '--network', 'none', '--tls-verify=false', '--cache-to', repo, dir]);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /^CACHE-RUN-RAN$/m);
    const second = other.husk(['build', '--network', 'none', '--tls-verify=false', '--cache-from', repo, '-t', 'from-remote-cache', dir]);
    assert.equal(second.code, 0, second.stderr);
    assert.doesNotMatch(second.stdout, /^CACHE-RUN-RAN$/m);
    assert.equal((second.stdout.match(/--> Using cache/g) ?? []).length, 2);
    assert.equal(other.ok(['run', '--rm', '--network', 'none', 'from-remote-cache', 'cat', '/ran']), 'CACHE-RUN-RAN');
    // An unknown repository is a miss, not an error.
    const miss = other.husk(['build', '--no-cache', '--network', 'none', '--tls-verify=false', '--cache-from', `${reg.host}/fid/empty`, ctx(['RUN echo "MISS-RAN"'])]);
    assert.equal(miss.code, 0, miss.stderr);
  } finally {
    await reg.stop();
    await other.destroyWhenIdle();
  }
});

test('--retry and --retry-delay: a failing pull is retried with Podman\'s warning', async () => {
  const port = await freePort();
  const r = store.husk(['build', '--network', 'none', '--retry', '1', '--retry-delay', '10ms', '--tls-verify=false', ctx([`FROM 127.0.0.1:${port}/fid/none:1`])]);
  assert.equal(r.code, 125);
  assert.match(r.stderr, /Failed, retrying in 10ms \.\.\. \(1\/1\)\. Error: /);
});

test('a Containerfile.in goes through cpp, with --cpp-flag', () => {
  const dir = ctx(['RUN true']);
  writeFileSync(join(dir, 'common.inc'), 'RUN echo "INCLUDED:" GREETING\n');
  writeFileSync(join(dir, 'Containerfile.in'), 'FROM busybox\n#include "common.inc"\n#ifdef EXTRA\nRUN echo "EXTRA-ON"\n#endif\n');
  const r = store.husk(['build', '--no-cache', '--network', 'none', '--cpp-flag', '-DGREETING=hello', '--cpp-flag', '-DEXTRA', '-f', join(dir, 'Containerfile.in'), dir]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /INCLUDED: hello\n/);
  assert.match(r.stdout, /EXTRA-ON\n/);
});

test('accepted for Podman compatibility, and Podman\'s errors for bad values', () => {
  build(['--network', 'none', '--compress', '-D=false', '--disable-content-trust', '--sign-by', 'ABC', '--tls-verify=false', '--creds', 'u:p', '--retry', '2'], ['RUN true']);
  assert.match(fails(['--cache-ttl', 'xx']), /^Error: unable to parse value provided "xx" as --cache-ttl: time: invalid duration "xx"$/m);
  assert.match(fails(['--cache-to', 'BAD:::']), /^Error: unable to parse value provided `BAD:::` to --cache-to: invalid repo "BAD:::": must contain registry and repository/m);
  assert.match(fails(['--decryption-key', '/nonexist-fid']), /^Error: unable to obtain decrypt config: invalid decryption keys: Unable to read file: open \/nonexist-fid: no such file or directory$/m);
  assert.match(fails(['--retry', 'x']), /^Error: invalid argument "x" for "--retry" flag: strconv\.ParseInt: parsing "x": invalid syntax$/m);
  assert.match(fails(['--ssh', 'k=/nonexist-fid']), /^Error: creating build executor: stat \/nonexist-fid: no such file or directory$/m);
  assert.match(fails(['--all-platforms'], ['FROM scratch', 'COPY Containerfile /']), /^Error: build uses no non-scratch base images: %!w\(<nil>\)$/m);
  assert.match(fails(['--userns', 'bogus']), /^Error: checking user namespace: stat bogus: no such file or directory$/m);
  assert.match(fails(['--ipc', '/nonexist-fid']), /^Error: checking ipc namespace: stat \/nonexist-fid: no such file or directory$/m);
  assert.match(fails(['--cgroupns', 'bogus']), /^Error: checking cgroup namespace: stat bogus: no such file or directory$/m);
  assert.match(fails(['--userns', 'host', '--userns-uid-map', '0:1:1']), /^Error: can not specify ID mappings while using host's user namespace$/m);
});

function hostArch(): string {
  return ({ x64: 'amd64', arm64: 'arm64' } as Record<string, string>)[process.arch] ?? process.arch;
}
