// --network slirp4netns with real containers: published ports reachable from
// the host, Podman's addresses and generated files, host loopback access only
// when allowed, and no slirp4netns process left behind on any cleanup path.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createServer as createTcpServer } from 'node:net';
import { join } from 'node:path';
import { HUSK, Store, until } from '../helpers.ts';

const s = new Store();
let www = '';
before(() => {
  s.busybox();
  www = join(s.dir, 'www');
  mkdirSync(www);
  writeFileSync(join(www, 'index.html'), 'hello over slirp\n');
});
after(() => s.destroyWhenIdle());

/** Live (non-zombie) slirp4netns processes serving this store's namespaces. */
function slirps(): number[] {
  return readdirSync('/proc').filter((p) => /^\d+$/.test(p)).flatMap((p) => {
    try {
      const argv = readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0');
      if (!argv[0].endsWith('slirp4netns') || !argv.some((a) => a.startsWith(s.runroot))) return [];
      return /^State:\s+Z/m.test(readFileSync(`/proc/${p}/status`, 'utf8')) ? [] : [Number(p)];
    } catch {
      return [];
    }
  });
}

const netnsFiles = () => { try { return readdirSync(join(s.runroot, 'netns')); } catch { return []; } };

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = createTcpServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

async function get(url: string): Promise<string> {
  for (let i = 0; i < 50; i++) {
    try {
      const r = await fetch(url);
      return await r.text();
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error(`no answer from ${url}`);
}

test('busybox httpd behind slirp4netns answers on 127.0.0.1; port, ps, tap0, resolv.conf, hosts as Podman', async () => {
  const port = await freePort();
  s.ok(['run', '-d', '--name', 'web', '--network', 'slirp4netns', '-p', `${port}:80`, '-v', `${www}:/www:ro`, 'busybox', 'httpd', '-f', '-p', '80', '-h', '/www']);
  assert.equal(await get(`http://127.0.0.1:${port}/`), 'hello over slirp\n');
  assert.equal(s.ok(['port', 'web']), `80/tcp -> 0.0.0.0:${port}`);
  assert.equal(s.ok(['port', 'web', '80']), `0.0.0.0:${port}`);
  assert.equal(s.ok(['ps', '--format', '{{.Ports}}', '--filter', 'name=web']), `0.0.0.0:${port}->80/tcp`);
  assert.equal(s.ok(['inspect', 'web', '--format', '{{.HostConfig.NetworkMode}} {{json .NetworkSettings.Ports}}']), `slirp4netns {"80/tcp":[{"HostIp":"","HostPort":"${port}"}]}`);
  const addr = s.ok(['exec', 'web', 'ip', '-4', '-o', 'addr', 'show', 'tap0']);
  assert.match(addr, /tap0\s+inet 10\.0\.2\.100\/24 /);
  assert.match(s.ok(['exec', 'web', 'ip', 'link', 'show', 'tap0']), /mtu 65520/);
  assert.match(s.ok(['exec', 'web', 'ip', 'route']), /^default via 10\.0\.2\.2 dev tap0/m);
  const resolv = s.ok(['exec', 'web', 'cat', '/etc/resolv.conf']).split('\n');
  assert.equal(resolv[0], 'nameserver 10.0.2.3');
  assert.ok(!resolv.some((l) => /^nameserver\s+127\./.test(l)), 'no loopback resolvers');
  const hosts = s.ok(['exec', 'web', 'cat', '/etc/hosts']);
  const hostname = s.ok(['exec', 'web', 'hostname']);
  assert.match(hosts, new RegExp(`^10\\.0\\.2\\.100\\t${hostname} web$`, 'm'));
  // Host loopback is off: host.containers.internal is the host's own address, not the gateway.
  assert.match(hosts, /^\d+\.\d+\.\d+\.\d+\thost\.containers\.internal$/m);
  assert.doesNotMatch(hosts, /^10\.0\.2\.2\t/m);
  const [pid] = slirps();
  assert.ok(pid, 'slirp4netns runs');
  assert.equal(readFileSync(join(s.runroot, 'containers', s.ok(['inspect', 'web', '--format', '{{.Id}}']), 'slirp4netns.pid'), 'utf8').trim(), String(pid));
  s.ok(['rm', '-f', 'web']);
  assert.deepEqual(slirps(), []);
  assert.deepEqual(netnsFiles(), []);
  await assert.rejects(fetch(`http://127.0.0.1:${port}/`));
});

test('random host port (-p 80), ip:port, ranges and udp are recorded and listed', async () => {
  const p = await freePort();
  s.ok(['create', '--name', 'ports', '--network', 'slirp4netns', '-p', '80', '-p', `127.0.0.1:${p}-${p + 1}:81-82`, '-p', `${p + 2}:53/udp`, 'busybox', 'httpd', '-f', '-p', '80', '-h', '/etc']);
  const lines = s.ok(['port', 'ports']).split('\n');
  const random = /^80\/tcp -> 0\.0\.0\.0:(\d+)$/.exec(lines[0]);
  assert.ok(random && Number(random[1]) > 0, lines[0]);
  assert.deepEqual(lines.slice(1), [`81/tcp -> 127.0.0.1:${p}`, `82/tcp -> 127.0.0.1:${p + 1}`, `53/udp -> 0.0.0.0:${p + 2}`]);
  s.ok(['start', 'ports']);
  // The random port chosen at create is the one slirp4netns listens on.
  assert.equal((await get(`http://127.0.0.1:${random![1]}/hostname`)).trim().length, 12);
  s.ok(['rm', '-f', 'ports']);
  assert.deepEqual(slirps(), []);
});

test('allow_host_loopback=true reaches a host 127.0.0.1 server via 10.0.2.2; the default does not', async () => {
  const srv: Server = createServer((_q, r) => r.end('from the host'));
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  try {
    // Async: the server lives in this process, so a blocking spawnSync would starve it.
    const ok = await s.huskAsync(['run', '--rm', '--network', 'slirp4netns:allow_host_loopback=true', 'busybox', 'sh', '-c', `wget -qO- http://10.0.2.2:${port}/ && echo && grep host.containers.internal /etc/hosts`]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(ok.stdout, 'from the host\n10.0.2.2\thost.containers.internal\n');
    const denied = await s.huskAsync(['run', '--rm', '--network', 'slirp4netns', 'busybox', 'wget', '-qO-', `http://10.0.2.2:${port}/`]);
    assert.notEqual(denied.code, 0);
    assert.doesNotMatch(denied.stdout, /from the host/);
  } finally {
    srv.close();
  }
  assert.deepEqual(slirps(), []);
});

test('custom cidr and mtu: address +100, DNS +3', () => {
  const out = s.ok(['run', '--rm', '--network', 'slirp4netns:cidr=10.41.0.0/24,mtu=1500', 'busybox', 'sh', '-c', 'ip -4 -o addr show tap0; ip link show tap0; head -1 /etc/resolv.conf']);
  assert.match(out, /inet 10\.41\.0\.100\/24 /);
  assert.match(out, /mtu 1500 /);
  assert.match(out, /nameserver 10\.41\.0\.3$/);
});

test('5 run/rm cycles, stop/start and a container exiting by itself leak no slirp4netns or netns', async () => {
  for (let i = 0; i < 5; i++) {
    const port = await freePort();
    s.ok(['run', '-d', '--name', `cyc${i}`, '--network', 'slirp4netns', '-p', `${port}:80`, 'busybox', 'httpd', '-f', '-p', '80', '-h', '/etc']);
    assert.equal(slirps().length, 1);
    s.ok(['rm', '-f', `cyc${i}`]);
    assert.deepEqual(slirps(), []);
  }
  s.ok(['run', '-d', '--name', 'stopper', '--network', 'slirp4netns', 'busybox', 'sleep', '100']);
  s.ok(['stop', '-t', '0', 'stopper']);
  assert.deepEqual(slirps(), []);
  s.ok(['start', 'stopper']);
  assert.equal(slirps().length, 1);
  assert.match(s.ok(['exec', 'stopper', 'ip', '-4', '-o', 'addr', 'show', 'tap0']), /10\.0\.2\.100/);
  s.ok(['rm', '-f', 'stopper']);
  // Exit on its own: conmon's exit command (husk container cleanup) stops slirp4netns.
  s.ok(['run', '-d', '--name', 'quick', '--network', 'slirp4netns', 'busybox', 'sleep', '0.3']);
  await until(() => slirps().length === 0, 10_000);
  s.ok(['rm', 'quick']);
  assert.deepEqual(netnsFiles(), []);
});

test('conmon holds the write end of slirp4netns\'s exit FIFO (its death ends slirp4netns)', () => {
  const id = s.ok(['run', '-d', '--name', 'holder', '--network', 'slirp4netns', 'busybox', 'sleep', '100']);
  const conmon = Number(readFileSync(join(s.runroot, 'containers', id, 'conmon.pid'), 'utf8'));
  const fds = readdirSync(`/proc/${conmon}/fd`).map((fd) => { try { return readlinkSync(`/proc/${conmon}/fd/${fd}`); } catch { return ''; } });
  assert.ok(fds.some((l) => l.endsWith('slirp4netns.exit (deleted)')), fds.join(' '));
  // husk itself kept no copy, and neither did the container's process.
  const ctr = Number(s.ok(['inspect', 'holder', '--format', '{{.State.Pid}}']));
  assert.ok(!readdirSync(`/proc/${ctr}/fd`).some((fd) => { try { return readlinkSync(`/proc/${ctr}/fd/${fd}`).includes('slirp4netns'); } catch { return false; } }));
  s.ok(['rm', '-f', 'holder']);
  assert.deepEqual(slirps(), []);
});

test('invalid slirp4netns options: one-line error, exit 125, nothing created (pasta has its own tests)', () => {
  for (const [mode, re] of [
    ['slirp4netns:foo=bar', /^Error: unknown option for slirp4netns: "foo=bar"\n$/],
    ['slirp4netns:mtu=abc', /^Error: invalid mtu "abc" for slirp4netns: must be 68 to 65521\n$/],
    ['slirp4netns:allow_host_loopback=maybe', /^Error: invalid value of allow_host_loopback for slirp4netns: "maybe"/],
  ] as const) {
    const r = s.husk(['run', '--rm', '--name', 'bad', '--network', mode, 'busybox', 'true']);
    assert.equal(r.code, 125, mode);
    assert.match(r.stderr, re);
  }
  const sctp = s.husk(['create', '--network', 'slirp4netns', '-p', '9/sctp', 'busybox', 'true']);
  assert.equal(sctp.code, 125);
  assert.match(sctp.stderr, /slirp4netns publishes only tcp and udp ports/);
  assert.equal(s.ok(['ps', '-a', '-q']), '');
});

test('a host port taken between create and start: clear error, exit 125, nothing left running', async () => {
  const port = await freePort();
  s.ok(['create', '--name', 'clash', '--network', 'slirp4netns', '-p', `127.0.0.1:${port}:80`, 'busybox', 'httpd', '-f', '-p', '80']);
  const squatter = createTcpServer().listen(port, '127.0.0.1');
  await new Promise((r) => squatter.once('listening', r));
  try {
    const r = await s.huskAsync(['start', 'clash']);
    assert.equal(r.code, 125);
    assert.equal(r.stderr, `Error: cannot listen on the TCP port: listen tcp 127.0.0.1:${port}: bind: address already in use\n`);
  } finally {
    squatter.close();
  }
  assert.deepEqual(slirps(), []);
  assert.deepEqual(netnsFiles(), []);
  assert.equal(s.ok(['inspect', 'clash', '--format', '{{.State.Status}}']), 'created');
  s.ok(['rm', 'clash']);
});

test('an unusable /dev/net/tun is named in the error', () => {
  // A private mount namespace where /dev/net is empty: slirp4netns cannot open the device.
  const r = spawnSync('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', 'mount -t tmpfs none /dev/net && exec "$@"', 'sh', HUSK, ...s.globals, 'run', '--name', 'notun', '--network', 'slirp4netns', 'busybox', 'true'], { encoding: 'utf8' });
  assert.equal(r.status, 125);
  assert.match(r.stderr, /^Error: slirp4netns cannot open \/dev\/net\/tun: No such file or directory/);
  assert.equal(r.stderr.split('\n').length, 2);
  assert.deepEqual(slirps(), []);
  s.ok(['rm', 'notun']);
});
