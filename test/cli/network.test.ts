// Bridge networking through netavark: the default network, published ports
// reachable from the host, DNS between containers by name, static addresses,
// clean teardown (also after failures), clear errors.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Store, FIXTURES, until } from '../helpers.ts';
import { aardvarkPids, dport, fetchRetry, ifindexes, ipamHolders, linkExists, netnsFiles, randomPort, randomSubnet, rulesWith, strayVeths } from './nettools.ts';

const s = new Store();
let www = '';
const nsName = `husktest${process.pid}`;
before(() => {
  s.busybox();
  www = join(s.dir, 'www');
  mkdirSync(www);
  writeFileSync(join(www, 'index.html'), 'hello from husk\n');
});
after(async () => {
  try { execFileSync('ip', ['netns', 'del', nsName], { stdio: 'ignore' }); } catch {}
  s.husk(['rm', '-af']);
  for (const n of s.ok(['network', 'ls', '-q']).split('\n')) if (n && n !== 'podman') s.husk(['network', 'rm', '-f', n]);
  await s.destroyWhenIdle();
});

/** Whether a conmon of this store is alive. */
const conmons = () => readdirSync('/proc').some((p) => {
  try { return /^\d+$/.test(p) && readFileSync(`/proc/${p}/cmdline`, 'utf8').startsWith('/usr/bin/conmon') && readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(s.dir); } catch { return false; }
});

/** Host-side ifindex of a running container's eth0 (eth0@ifN). */
const hostIfindex = (ctr: string) => Number(/@if(\d+)/.exec(s.ok(['exec', ctr, 'ip', '-o', 'link', 'show', 'eth0']))![1]);

test('the default is the podman bridge: an address, host.containers.internal, HostConfig.NetworkMode bridge', () => {
  const out = s.ok(['run', '--rm', '--name', 'dflt', 'busybox', 'sh', '-c', 'cat /etc/hosts; ip -o -4 addr show eth0']);
  assert.match(out, /^10\.88\.0\.1\thost\.containers\.internal$/m);
  const ip = /inet (10\.88\.\d+\.\d+)\/16/.exec(out)?.[1];
  assert.ok(ip, out);
  assert.match(out, new RegExp(`^${ip.replaceAll('.', '\\.')}\\t[0-9a-f]{12} dflt$`, 'm'));
  s.ok(['create', '--name', 'made', 'busybox', 'true']);
  assert.equal(s.ok(['inspect', 'made', '--format', '{{.HostConfig.NetworkMode}}']), 'bridge');
  s.ok(['rm', 'made']);
  // private is Podman's word for the default mode; none still means loopback only.
  assert.match(s.ok(['run', '--rm', '--network', 'private', 'busybox', 'ip', '-o', 'link']), /eth0/);
  assert.doesNotMatch(s.ok(['run', '--rm', '--network', 'none', 'busybox', 'ip', '-o', 'link']), /eth0/);
});

test('-p publishes a busybox httpd on 127.0.0.1; ps, port and inspect show it', async () => {
  const id = s.ok(['run', '-d', '--name', 'web', '-p', '127.0.0.1:0:80', '-v', `${www}:/www:ro`, 'busybox', 'httpd', '-f', '-p', '80', '-h', '/www']);
  const mapping = s.ok(['port', 'web', '80']);
  assert.match(mapping, /^127\.0\.0\.1:\d+$/);
  assert.equal(await fetchRetry(`http://${mapping}/`), 'hello from husk\n');
  assert.match(s.ok(['ps', '--format', '{{.Ports}}', '--filter', `id=${id}`]), /^127\.0\.0\.1:\d+->80\/tcp$/);
  assert.match(s.ok(['inspect', 'web', '--format', '{{.NetworkSettings.IPAddress}}']), /^10\.88\.\d+\.\d+$/);
  const veth = hostIfindex('web');
  s.ok(['rm', '-f', 'web']);
  assert.ok(!ifindexes().has(veth), 'the host side of the veth is gone');
  assert.deepEqual(rulesWith([dport(mapping.split(':')[1])]), []);
});

test('-P publishes the image\'s EXPOSEd ports on random host ports', async () => {
  s.ok(['import', '--change', 'EXPOSE 80 9/udp', join(FIXTURES, 'busybox-rootfs.tar'), 'exposed']);
  s.ok(['run', '-d', '--name', 'pall', '-P', '-v', `${www}:/www:ro`, 'exposed', 'httpd', '-f', '-p', '80', '-h', '/www']);
  const lines = s.ok(['port', 'pall']).split('\n').sort();
  assert.equal(lines.length, 2, lines.join('\n'));
  assert.match(lines[0], /^80\/tcp -> 0\.0\.0\.0:\d+$/);
  assert.match(lines[1], /^9\/udp -> 0\.0\.0\.0:\d+$/);
  const port = lines[0].split(':')[1];
  assert.equal(await fetchRetry(`http://127.0.0.1:${port}/`), 'hello from husk\n');
  s.ok(['rm', '-f', 'pall']);
});

test('--ip and --mac-address give a static address and MAC; errors for bad, foreign, reserved and taken addresses', () => {
  const subnet = randomSubnet();
  s.ok(['network', 'create', '--subnet', subnet, 'staticnet']);
  const base = subnet.slice(0, -4);
  const out = s.ok(['run', '-d', '--name', 'st', '--network', 'staticnet', '--ip', `${base}7`, '--mac-address', '92:D0:C6:0A:29:33', 'busybox', 'sleep', '1000']);
  assert.match(out, /^[0-9a-f]{64}$/);
  const link = s.ok(['exec', 'st', 'ip', 'addr', 'show', 'eth0']);
  assert.match(link, /link\/ether 92:d0:c6:0a:29:33/);
  assert.match(link, new RegExp(`inet ${base.replaceAll('.', '\\.')}7/24`));
  assert.equal(s.ok(['inspect', 'st', '--format', '{{.NetworkSettings.MacAddress}}']), '92:d0:c6:0a:29:33');
  const before = netnsFiles(s.runroot).length;
  for (const [args, msg] of [
    [['--ip', `${base}7`], /already allocated to container ID/],
    [['--ip', '10.99.99.5'], /requested static ip 10\.99\.99\.5 not in any subnet on network staticnet/],
    [['--ip', `${base}1`], /reserved/],
    [['--ip', 'nonsense'], /invalid argument "nonsense" for "--ip" flag/],
    [['--mac-address', '92:d0:c6'], /invalid MAC address/],
  ] as [string[], RegExp][]) {
    const r = s.husk(['run', '--rm', '--network', 'staticnet', ...args, 'busybox', 'true']);
    assert.equal(r.code, 125, args.join(' '));
    assert.match(r.stderr, msg);
    assert.equal(r.stderr.trim().split('\n').length, 1, 'one line');
  }
  const none = s.husk(['run', '--rm', '--network', 'none', '--ip', `${base}9`, 'busybox', 'true']);
  assert.equal(none.code, 125);
  assert.match(none.stderr, /--ip can only be set when the network mode is bridge/);
  assert.equal(netnsFiles(s.runroot).length, before, 'no netns left by a refused run');
  assert.deepEqual(s.ok(['ps', '-aq']).split('\n').length, 1, 'no container left by a refused run');
  s.ok(['rm', '-f', 'st']);
  s.ok(['network', 'rm', 'staticnet']);
});

test('--network ns:PATH joins an existing network namespace', () => {
  execFileSync('ip', ['netns', 'add', nsName]);
  execFileSync('ip', ['netns', 'exec', nsName, 'ip', 'link', 'add', 'husk-a', 'type', 'veth', 'peer', 'name', 'husk-b']);
  const links = s.ok(['run', '--rm', '--network', `ns:/run/netns/${nsName}`, 'busybox', 'ls', '/sys/class/net']);
  assert.deepEqual(links.split(/\s+/).sort(), ['husk-a', 'husk-b', 'lo']);
  const missing = s.husk(['run', '--rm', '--network', 'ns:/run/netns/husk-no-such-ns', 'busybox', 'true']);
  assert.equal(missing.code, 125);
  assert.match(missing.stderr, /no such network namespace file/);
  execFileSync('ip', ['netns', 'del', nsName]);
});

test('two containers on a user network reach each other by name', () => {
  s.ok(['network', 'create', '--label', 'app=test', 'husknet']);
  assert.match(s.ok(['network', 'ls']), /husknet\s+bridge/);
  const [cfg] = JSON.parse(s.ok(['network', 'inspect', 'husknet']));
  assert.equal(cfg.dns_enabled, true);
  s.ok(['run', '-d', '--name', 'srv', '--network', 'husknet', '--network-alias', 'api', 'busybox', 'httpd', '-f', '-p', '80', '-h', '/etc']);
  assert.equal(s.ok(['run', '--rm', '--network', 'husknet', 'busybox', 'wget', '-qO-', 'http://srv/hostname']).length, 12);
  assert.equal(s.ok(['run', '--rm', '--network', 'husknet', 'busybox', 'wget', '-qO-', 'http://api/hostname']).length, 12);
  const busy = s.husk(['network', 'rm', 'husknet']);
  assert.equal(busy.code, 125);
  assert.match(busy.stderr, /has associated containers/);
  s.ok(['rm', '-f', 'srv']);
  s.ok(['network', 'rm', 'husknet']);
  assert.equal(s.husk(['network', 'exists', 'husknet']).code, 1);
});

test('errors: port in use, unknown network, bad or overlapping subnets, -p without a network; nothing half-configured', () => {
  const subnet = randomSubnet();
  const bridge = `hk${process.pid % 100000}`;
  s.ok(['network', 'create', '--subnet', subnet, '--interface-name', bridge, 'errnet']);
  const holder = s.ok(['run', '-d', '--name', 'holder', '--network', 'errnet', '-p', '127.0.0.1:0:80', 'busybox', 'sleep', '100']);
  const port = s.ok(['port', 'holder', '80']).split(':')[1];
  const rules0 = rulesWith([subnet, dport(port)]);
  const ids0 = ifindexes();
  const clash = s.husk(['run', '--rm', '--network', 'errnet', '-p', `${port}:80`, 'busybox', 'true']);
  assert.equal(clash.code, 125);
  assert.match(clash.stderr, /^Error: cannot listen on the TCP port: listen tcp 0\.0\.0\.0:\d+: bind: address already in use\n$/);
  // A port a host process listens on, found only when netavark would set up.
  const other = randomPort();
  const srv = execFileSync('sh', ['-c', `busybox nc -l -p ${other} >/dev/null 2>&1 & echo $!`], { encoding: 'utf8' }).trim();
  try {
    const busy = s.husk(['run', '--rm', '--network', 'errnet', '-p', `${other}:80`, 'busybox', 'true']);
    assert.equal(busy.code, 125);
    assert.match(busy.stderr, /address already in use/);
  } finally {
    execFileSync('kill', [srv]);
  }
  assert.deepEqual(rulesWith([subnet, dport(port), dport(other)]), rules0, 'no rule added or lost');
  assert.deepEqual(strayVeths(ids0, bridge), [], 'no new veth');
  assert.equal(netnsFiles(s.runroot).length, 1, 'only holder\'s netns');
  assert.deepEqual(ipamHolders(bridge), [holder], 'no address reserved');
  s.ok(['rm', '-f', 'holder']);
  const unknown = s.husk(['run', '--rm', '--network', 'nosuchnet', 'busybox', 'true']);
  assert.equal(unknown.code, 125);
  assert.equal(unknown.stderr, 'Error: unable to find network with name or ID nosuchnet: network not found\n');
  for (const [args, msg] of [
    [['--subnet', '10.300.0.0/24'], /^Error: invalid argument "10\.300\.0\.0\/24" for "--subnet" flag: invalid CIDR address: 10\.300\.0\.0\/24\n$/],
    [['--subnet', '10.88.1.0/24'], /^Error: subnet 10\.88\.1\.0\/24 is already used on the host or by another config\n$/],
    [['--subnet', subnet], /already used/],
    [['--subnet', '10.77.0.0/24', '--gateway', '10.78.0.1'], /^Error: gateway 10\.78\.0\.1 not in subnet 10\.77\.0\.0\/24\n$/],
  ] as [string[], RegExp][]) {
    const r = s.husk(['network', 'create', ...args, 'badnet']);
    assert.equal(r.code, 125, args.join(' '));
    assert.match(r.stderr, msg);
  }
  assert.equal(s.husk(['network', 'exists', 'badnet']).code, 1);
  const noNet = s.husk(['run', '--rm', '--network', 'none', '-p', '8080:80', 'busybox', 'true']);
  assert.equal(noNet.code, 125);
  assert.match(noNet.stderr, /port mappings need a network/);
  assert.deepEqual(netnsFiles(s.runroot), []);
  assert.deepEqual(rulesWith([subnet, dport(port)]), []);
  assert.ok(!linkExists(`hk${process.pid % 100000}`), 'the bridge went with its last container');
  s.ok(['network', 'rm', 'errnet']);
});

test('a netavark failure during start: its one-line error, exit 125, no netns, rule, address or process left', async () => {
  const subnet = randomSubnet();
  const bridge = `hf${process.pid % 100000}`;
  s.ok(['network', 'create', '--subnet', subnet, '--interface-name', bridge, 'failnet']);
  // Something else took the bridge's name after the network was made.
  execFileSync('ip', ['link', 'add', bridge, 'type', 'veth', 'peer', 'name', `${bridge}p`]);
  try {
    const ids0 = ifindexes();
    for (const args of [['--rm'], ['--name', 'kept']]) {
      const r = s.husk(['run', ...args, '--network', 'failnet', '-p', '127.0.0.1:0:80', 'busybox', 'true']);
      assert.equal(r.code, 125);
      assert.equal(r.stderr, `Error: netavark: bridge interface ${bridge} already exists but is a Veth interface\n`);
    }
    assert.deepEqual(s.ok(['ps', '-a', '--format', '{{.Names}} {{.Status}}']), 'kept Created');
    assert.deepEqual(netnsFiles(s.runroot), []);
    assert.deepEqual(rulesWith([subnet]), []);
    assert.deepEqual(ipamHolders(bridge), []);
    assert.deepEqual(strayVeths(ids0, bridge), []);
    await until(() => !conmons(), 20_000);
  } finally {
    execFileSync('ip', ['link', 'del', bridge]);
  }
  s.ok(['rm', 'kept']);
  s.ok(['network', 'rm', 'failnet']);
});

test('50 run --rm cycles with -p on a DNS network leave no veth, netns, rule, address or aardvark-dns behind', async () => {
  const subnet = randomSubnet();
  const bridge = `hl${process.pid % 100000}`;
  s.ok(['network', 'create', '--subnet', subnet, '--interface-name', bridge, 'leaknet']);
  const p0 = randomPort(50);
  const ids0 = ifindexes();
  const start = Date.now();
  // Five at a time: concurrent set-ups and teardowns on one bridge, as a busy host has them.
  for (let b = 0; b < 50; b += 5) {
    const rs = await Promise.all([0, 1, 2, 3, 4].map((k) =>
      s.huskAsync(['run', '--rm', '--network', 'leaknet', '-p', `127.0.0.1:${p0 + b + k}:80`, 'busybox', 'true'])));
    for (const r of rs) assert.equal(r.code, 0, r.stderr);
  }
  const took = Date.now() - start;
  assert.deepEqual(s.ok(['ps', '-aq']), '');
  assert.deepEqual(netnsFiles(s.runroot), [], 'no netns file');
  assert.deepEqual(rulesWith([subnet, ...Array.from({ length: 50 }, (_, i) => dport(p0 + i))]), [], 'no firewall rule');
  assert.ok(!linkExists(bridge), 'the bridge is gone with the last container');
  assert.deepEqual(strayVeths(ids0, bridge), [], 'no veth left');
  assert.deepEqual(ipamHolders(bridge), [], 'no address held');
  assert.deepEqual(aardvarkPids(s.runroot), [], 'aardvark-dns stopped with the last container');
  s.ok(['network', 'rm', 'leaknet']);
  console.log(`# 50 cycles in ${took} ms`);
});
