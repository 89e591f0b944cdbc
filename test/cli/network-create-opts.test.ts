// network create's DNS and driver options as Podman has them
// (podman-network-create(1)): --dns (network_dns_servers, the upstream
// servers aardvark-dns asks for names outside the network) and -o/--opt
// mtu, metric, isolate, each with its effect seen from a container, and
// Podman's messages for bad values.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { Store } from '../helpers.ts';
import { randomSubnet } from './nettools.ts';

const s = new Store();
const tag = process.pid % 100000;
before(() => s.busybox());
after(async () => {
  s.husk(['rm', '-af']);
  for (const n of s.ok(['network', 'ls', '-q']).split('\n')) if (n && n !== 'podman') s.husk(['network', 'rm', '-f', n]);
  await s.destroyWhenIdle();
});

/**
 * A DNS server on ADDR:53 that answers every A query with 192.0.2.77 (no
 * other server on this host gives that answer); counts the queries.
 */
async function fakeDns(addr: string): Promise<{ queries: () => number; close: () => void }> {
  const sock = createSocket('udp4');
  let n = 0;
  sock.on('message', (m, from) => {
    n++;
    let i = 12;
    while (m[i]) i += m[i] + 1;
    const question = m.subarray(12, i + 5);
    const head = Buffer.from(m.subarray(0, 12));
    head.writeUInt16BE(0x8180, 2);
    head.writeUInt16BE(1, 4);
    head.writeUInt16BE(1, 6);
    head.writeUInt32BE(0, 8);
    const answer = Buffer.from([0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 192, 0, 2, 77]);
    sock.send(Buffer.concat([head, question, answer]), from.port, from.address);
  });
  await new Promise<void>((resolve, reject) => { sock.once('error', reject); sock.bind(53, addr, resolve); });
  return { queries: () => n, close: () => sock.close() };
}

test('network create --dns: aardvark-dns asks the network\'s own servers for outside names; inspect shows network_dns_servers', async () => {
  const upstream = `127.${60 + (tag % 50)}.${tag % 250}.9`;
  const dns = await fakeDns(upstream);
  try {
    s.ok(['network', 'create', '--subnet', randomSubnet(), '--dns', upstream, 'dnsup']);
    assert.equal(s.ok(['network', 'inspect', '--format', '{{json .network_dns_servers}}', 'dnsup']), `["${upstream}"]`);
    // Asynchronous: the fake server answers from this process meanwhile.
    const r = await s.huskAsync(['run', '--rm', '--network', 'dnsup', 'busybox', 'nslookup', 'outside.example.test']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Name:\s+outside\.example\.test\nAddress: 192\.0\.2\.77/);
    assert.ok(dns.queries() > 0);
  } finally {
    dns.close();
  }
  // Comma lists and repeats, as Podman's string slice.
  s.ok(['network', 'create', '--dns', '9.9.9.9,1.1.1.1', '--dns', '2001:db8::53', 'dns3']);
  assert.equal(s.ok(['network', 'inspect', '--format', '{{json .network_dns_servers}}', 'dns3']), '["9.9.9.9","1.1.1.1","2001:db8::53"]');
  for (const [args, msg] of [
    [['--dns', '9.9.9.9', '--disable-dns'], 'cannot set NetworkDNSServers if DNS is not enabled for the network: invalid argument'],
    [['--dns', 'nope'], 'unable to parse ip nope specified in NetworkDNSServers: invalid argument'],
  ] as [string[], string][]) {
    const bad = s.husk(['network', 'create', ...args, 'baddns']);
    assert.equal(bad.code, 125, args.join(' '));
    assert.equal(bad.stderr, `Error: ${msg}\n`);
  }
  assert.equal(s.husk(['network', 'exists', 'baddns']).code, 1);
});

test('network create -o mtu=,metric=: the container\'s interface MTU and default route metric; Docker\'s names mapped', () => {
  s.ok(['network', 'create', '--subnet', randomSubnet(), '-o', 'mtu=1400', '--opt', 'metric=250', 'optnet']);
  assert.deepEqual(JSON.parse(s.ok(['network', 'inspect', '--format', '{{json .options}}', 'optnet'])), { mtu: '1400', metric: '250' });
  const out = s.ok(['run', '--rm', '--network', 'optnet', 'busybox', 'sh', '-c', 'cat /sys/class/net/eth0/mtu; ip route show default']);
  const [mtu, route] = out.split('\n');
  assert.equal(mtu, '1400');
  assert.match(route, /^default via \S+ dev eth0\s+metric 250\s*$/);
  // Docker's option names (compose driver_opts, docker network create -o), as Podman's libnetwork maps them.
  const bridge = `hk${tag}`;
  s.ok(['network', 'create', '-o', 'com.docker.network.bridge.name=' + bridge, '-o', 'com.docker.network.driver.mtu=1300', 'dockeropts']);
  const ins = JSON.parse(s.ok(['network', 'inspect', 'dockeropts']))[0];
  assert.equal(ins.network_interface, bridge);
  assert.deepEqual(ins.options, { mtu: '1300' });
});

test('network create -o isolate=true: containers on two isolated networks cannot reach each other; without it they can', async () => {
  const make = (name: string, isolate: boolean) => s.ok(['network', 'create', '--subnet', randomSubnet(), ...(isolate ? ['-o', 'isolate=1'] : []), name]);
  make('iso1', true);
  make('iso2', true);
  make('open1', false);
  assert.equal(JSON.parse(s.ok(['network', 'inspect', '--format', '{{json .options}}', 'iso1'])).isolate, 'true', 'Go\'s 1 stored as netavark\'s true');
  s.ok(['run', '-d', '--name', 'srv', '--network', 'iso2', 'busybox', 'httpd', '-f', '-p', '80', '-h', '/etc']);
  const ip = JSON.parse(s.ok(['inspect', 'srv', '--format', '{{json .NetworkSettings.Networks}}'])).iso2.IPAddress;
  // One SYN retry: a dropped connect fails in ~3 s (the fixture's busybox wget crashes with -T, and its timeout(1) does not stop it).
  const from = (net: string) => s.husk(['run', '--rm', '--network', net, '--sysctl', 'net.ipv4.tcp_syn_retries=1', 'busybox', 'wget', '-q', '-O', '/dev/null', `http://${ip}/hostname`]);
  assert.equal(from('open1').code, 0, 'a non-isolated network reaches it through the host');
  assert.notEqual(from('iso1').code, 0, 'an isolated network does not');
  assert.equal(from('iso2').code, 0, 'its own network does');
  s.ok(['rm', '-f', 'srv']);
});

test('network create -o: Podman\'s messages for unknown options and bad values, exit 125, nothing created', () => {
  for (const [opt, msg] of [
    ['foo=1', 'unsupported bridge network option foo'],
    ['vlan=5', 'unsupported bridge network option vlan'],
    ['mtu=abc', 'strconv.Atoi: parsing "abc": invalid syntax'],
    ['mtu=-1', 'mtu -1 is less than zero'],
    ['metric=-5', 'strconv.ParseUint: parsing "-5": invalid syntax'],
    ['isolate=maybe', 'strconv.ParseBool: parsing "maybe": invalid syntax'],
  ]) {
    const r = s.husk(['network', 'create', '-o', opt, 'badopt']);
    assert.equal(r.code, 125, opt);
    assert.equal(r.stderr, `Error: ${msg}\n`, opt);
  }
  assert.equal(s.husk(['network', 'exists', 'badopt']).code, 1);
  assert.ok(!readFileSync('/proc/net/dev', 'utf8').includes('badopt'));
});

test('network create --ipam-driver none: no subnets, a container gets an interface without an IPv4 address; Podman\'s checks', () => {
  s.ok(['network', 'create', '--ipam-driver', 'none', 'noipam']);
  const ins = JSON.parse(s.ok(['network', 'inspect', 'noipam']))[0];
  assert.deepEqual([ins.subnets, ins.ipam_options, ins.dns_enabled], [[], { driver: 'none' }, false]);
  const out = s.ok(['run', '--rm', '--network', 'noipam', 'busybox', 'sh', '-c', 'ls /sys/class/net; ip -o -4 addr show eth0 | wc -l']);
  assert.deepEqual(out.split(/\s+/), ['eth0', 'lo', '0']);
  for (const [args, msg] of [
    [['--ipam-driver', 'none', '--subnet', randomSubnet()], 'none ipam driver is set but subnets are given'],
    [['--ipam-driver', 'dhcp'], 'unsupported ipam driver "dhcp"'],
  ] as [string[], string][]) {
    const r = s.husk(['network', 'create', ...args, 'badipam']);
    assert.equal(r.code, 125, args.join(' '));
    assert.equal(r.stderr, `Error: ${msg}\n`);
  }
  s.ok(['network', 'create', '--ipam-driver', 'host-local', 'hostlocal']);
  assert.equal(JSON.parse(s.ok(['network', 'inspect', 'hostlocal']))[0].subnets.length, 1);
});
