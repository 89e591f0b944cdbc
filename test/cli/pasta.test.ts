// --network pasta[:OPTIONS] with Debian's passt package, as Podman 4.4+ has
// it: the host's addresses copied into the container, -p forwarded by pasta
// itself (127.0.0.1 and ::1), options passed through, outbound connections
// relayed from the host, --map-gw reaching the host's loopback, pasta gone
// with the container, rootful and rootless, and containers.conf
// default_rootless_network_cmd = "pasta".
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { FIXTURES, Store, TestUser, until } from '../helpers.ts';
import { fetchRetry, randomPort, randomSubnet } from './nettools.ts';

const s = new Store();
const root = process.getuid?.() === 0;
const hasPasta = existsSync('/usr/bin/pasta');
const opts = { skip: !hasPasta ? 'needs pasta (the passt package)' : false };
let www = '';
before(() => {
  s.busybox();
  www = join(s.dir, 'www');
  mkdirSync(www);
  writeFileSync(join(www, 'index.html'), 'hello through pasta\n');
});
after(async () => {
  s.husk(['rm', '-af']);
  for (const n of s.ok(['network', 'ls', '-q']).split('\n')) if (n && n !== 'podman') s.husk(['network', 'rm', '-f', n]);
  await s.destroyWhenIdle();
});

/** Live pasta processes serving a netns under this run root. */
function pastas(runroot: string): { pid: number; cmd: string }[] {
  const out: { pid: number; cmd: string }[] = [];
  for (const p of readdirSync('/proc').filter((x) => /^\d+$/.test(x))) {
    try {
      const cmd = readFileSync(`/proc/${p}/cmdline`, 'utf8').replaceAll('\0', ' ');
      if (cmd.startsWith('/usr/bin/pasta ') && cmd.includes(runroot)) out.push({ pid: Number(p), cmd });
    } catch {}
  }
  return out;
}

const readdirOr = (d: string) => { try { return readdirSync(d); } catch { return []; } };

/**
 * A one-shot TCP server on the host, in its own process (the husk calls
 * here are synchronous and would starve one in this process): it prints
 * what it receives and the peer's address, answers `reply` and exits.
 */
async function oneShot(host: string, port: number, reply: string): Promise<{ result: () => Promise<{ data: string; peer: string }>; stop: () => void }> {
  const code = `const s=require('node:net').createServer((c)=>c.once('data',(d)=>{console.log(JSON.stringify({data:d.toString(),peer:c.remoteAddress}));c.end(${JSON.stringify(reply)},()=>process.exit(0));}));` +
    `s.listen(${port},${JSON.stringify(host)},()=>console.log('ready'));setTimeout(()=>process.exit(1),60000);`;
  const child = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d));
  await until(() => out.startsWith('ready'), 10_000);
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  return {
    result: async () => { await exited; return JSON.parse(out.split('\n')[1]) as { data: string; peer: string }; },
    stop: () => { if (child.exitCode === null) child.kill(); },
  };
}

test('--network pasta: the host\'s address inside, -p answers on 127.0.0.1 and ::1, inspect and port, pasta gone after rm', opts, async () => {
  const inside = s.ok(['run', '--rm', '--network', 'pasta', 'busybox', 'sh', '-c', 'ip -o -4 addr show; ip route; cat /etc/hosts']);
  const hostRoute = readFileSync('/proc/net/route', 'utf8').split('\n').find((l) => l.split(/\s+/)[1] === '00000000')!.split(/\s+/)[0];
  assert.match(inside, new RegExp(`^2: ${hostRoute}\\s+inet \\d+\\.\\d+\\.\\d+\\.\\d+/\\d+`, 'm'), 'one interface named like the host\'s default-route one');
  assert.match(inside, /^default via \d+\.\d+\.\d+\.\d+ dev /m);
  assert.doesNotMatch(inside, /host\.containers\.internal/, 'without --map-gw nothing in the netns reaches the host');

  const port = randomPort();
  s.ok(['run', '-d', '--name', 'pweb', '--network', 'pasta', '-p', `${port}:80`, '-v', `${www}:/www:ro`, 'busybox', 'httpd', '-f', '-p', '80', '-h', '/www']);
  assert.equal(await fetchRetry(`http://127.0.0.1:${port}/`), 'hello through pasta\n');
  assert.equal(await fetchRetry(`http://[::1]:${port}/`), 'hello through pasta\n');
  assert.equal(s.ok(['inspect', 'pweb', '--format', '{{.HostConfig.NetworkMode}}']), 'pasta');
  assert.match(s.ok(['inspect', 'pweb', '--format', '{{.NetworkSettings.SandboxKey}}']), /\/netns\/netns-[0-9a-f]+$/);
  assert.equal(s.ok(['port', 'pweb', '80']), `0.0.0.0:${port}`);
  const mine = pastas(s.runroot);
  assert.equal(mine.length, 1, JSON.stringify(mine));
  assert.match(mine[0].cmd, new RegExp(`-t ${port}-${port}:80-80 .*-u none -T none -U none --no-map-gw`), 'Podman 4.4\'s arguments');
  // The port is taken while pasta holds it.
  const clash = s.husk(['run', '--rm', '--network', 'pasta', '-p', `${port}:80`, 'busybox', 'true']);
  assert.equal(clash.code, 125);
  assert.match(clash.stderr, /address already in use/);
  s.ok(['rm', '-f', 'pweb']);
  await until(() => pastas(s.runroot).length === 0, 10_000);
  assert.deepEqual(readdirOr(join(s.runroot, 'netns')), []);
});

test('pasta relays outbound connections from the host; --map-gw reaches a loopback-only host service through the gateway address', opts, async () => {
  // A host address the test owns: the gateway of a bridge network made here (kept up by one container).
  const subnet = randomSubnet();
  const gw = subnet.replace(/0\/24$/, '1');
  s.ok(['network', 'create', '--subnet', subnet, 'anchornet']);
  s.ok(['run', '-d', '--name', 'anchor', '--network', 'anchornet', 'busybox', 'sleep', '1000']);
  const p1 = randomPort();
  const a = await oneShot(gw, p1, 'pong-bridge\n');
  try {
    // Debian 12's pasta (0.0~git20230309) on this kernel delivers the host's reply again and again
    // on outbound connections: the first line is what counts, head ends the stream.
    const out = s.ok(['run', '--rm', '--network', 'pasta', 'busybox', 'sh', '-c', `echo ping | timeout -s KILL 5 nc ${gw} ${p1} | head -n 1; true`]);
    assert.equal(out, 'pong-bridge');
    const got = await a.result();
    assert.equal(got.data, 'ping\n');
    assert.equal(got.peer, gw, 'pasta connects from the host\'s own address');
  } finally {
    a.stop();
    s.husk(['rm', '-f', 'anchor']);
    s.husk(['network', 'rm', 'anchornet']);
  }

  // --map-gw (Podman's option): the default gateway's address is the host's loopback.
  const p2 = randomPort();
  const b = await oneShot('127.0.0.1', p2, 'pong-loopback\n');
  try {
    const out = s.ok(['run', '--rm', '--network', 'pasta:--map-gw', 'busybox', 'sh', '-c',
      `grep host.containers.internal /etc/hosts; echo ping | timeout -s KILL 5 nc host.containers.internal ${p2} | head -n 1; true`]);
    const gwIp = readFileSync('/proc/net/route', 'utf8').split('\n').find((l) => l.split(/\s+/)[1] === '00000000')!.split(/\s+/)[2];
    const dotted = [...Buffer.from(gwIp, 'hex').reverse()].join('.');
    assert.match(out, new RegExp(`^${dotted.replaceAll('.', '\\.')}\\thost\\.containers\\.internal$`, 'm'));
    assert.equal(out.split('\n')[1], 'pong-loopback');
    const got = await b.result();
    assert.equal(got.data, 'ping\n');
    assert.equal(got.peer, '127.0.0.1');
  } finally {
    b.stop();
  }
});

test('pasta options pass through; bad ones fail with pasta\'s message, exit 125, nothing left', opts, async () => {
  // -4: IPv4 only, so no IPv6 address inside.
  const v4 = s.ok(['run', '--rm', '--network', 'pasta:-4', 'busybox', 'sh', '-c', 'ip -o addr show scope global']);
  assert.match(v4, / inet /);
  assert.doesNotMatch(v4, / inet6 /);
  // An explicit -t from the options replaces the "-t none" default (port forwarded to the same port inside).
  const port = randomPort();
  s.ok(['run', '-d', '--name', 'optweb', '--network', `pasta:-t,${port}`, '-v', `${www}:/www:ro`, 'busybox', 'httpd', '-f', '-p', String(port), '-h', '/www']);
  assert.equal(await fetchRetry(`http://127.0.0.1:${port}/`), 'hello through pasta\n');
  s.ok(['rm', '-f', 'optweb']);
  const bad = s.husk(['run', '--rm', '--network', 'pasta:--no-such-option', 'busybox', 'true']);
  assert.equal(bad.code, 125);
  assert.equal(bad.stderr, 'Error: pasta failed with exit code 1: /usr/bin/pasta: unrecognized option \'--no-such-option\'\n');
  assert.equal(bad.stderr.trim().split('\n').length, 1, 'one line');
  for (const [args, msg] of [
    [['--network', 'pasta', '-p', '8080:80/sctp'], /can't forward protocol: sctp/],
    [['--network', 'pasta', '--ip', '10.1.2.3'], /--ip can only be set when the network mode is bridge/],
  ] as [string[], RegExp][]) {
    const r = s.husk(['run', '--rm', ...args, 'busybox', 'true']);
    assert.equal(r.code, 125, args.join(' '));
    assert.match(r.stderr, msg);
  }
  assert.equal(s.ok(['ps', '-aq']), '');
  assert.deepEqual(readdirOr(join(s.runroot, 'netns')), []);
  await until(() => pastas(s.runroot).length === 0, 10_000);
});

test('rootless: --network pasta with -p, and containers.conf default_rootless_network_cmd = "pasta" as the default', { skip: !root ? 'needs root (creates a user)' : opts.skip }, async () => {
  const u = new TestUser(`hskp${process.pid % 10000}`);
  const tmp = mkdtempSync('/tmp/husk-pasta-test-');
  try {
    chmodSync(tmp, 0o755);
    const image = join(tmp, 'busybox.tar');
    copyFileSync(join(FIXTURES, 'busybox-rootfs.tar'), image);
    chmodSync(image, 0o644);
    u.ok(['import', image, 'busybox']);
    const port = randomPort();
    u.ok(['run', '-d', '--name', 'rweb', '--network', 'pasta', '-p', `${port}:80`, 'busybox', 'httpd', '-f', '-p', '80', '-h', '/etc']);
    assert.equal((await fetchRetry(`http://127.0.0.1:${port}/hostname`)).trim().length, 12);
    assert.equal((await fetchRetry(`http://[::1]:${port}/hostname`)).trim().length, 12);
    u.ok(['rm', '-f', '-t', '0', 'rweb']);
    const conf = join(tmp, 'containers.conf');
    writeFileSync(conf, '[network]\ndefault_rootless_network_cmd = "pasta"\n');
    chmodSync(conf, 0o644);
    const env = { CONTAINERS_CONF: conf };
    u.ok(['create', '--name', 'dflt', 'busybox', 'true'], { env });
    assert.equal(u.ok(['inspect', 'dflt', '--format', '{{.HostConfig.NetworkMode}}'], { env }), 'pasta');
    const hostRoute = readFileSync('/proc/net/route', 'utf8').split('\n').find((l) => l.split(/\s+/)[1] === '00000000')!.split(/\s+/)[0];
    assert.match(u.ok(['start', '-a', 'dflt'], { env }), /^$/);
    assert.match(u.ok(['run', '--rm', 'busybox', 'ls', '/sys/class/net'], { env }), new RegExp(`^${hostRoute}\\s+lo$`));
    // Without the setting the rootless default stays slirp4netns, as in Podman 4.
    assert.match(u.ok(['run', '--rm', 'busybox', 'ls', '/sys/class/net']), /^lo\s+tap0$/);
  } finally {
    u.remove();
    rmSync(tmp, { recursive: true, force: true });
  }
});
