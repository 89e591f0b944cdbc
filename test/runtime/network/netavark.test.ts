// The netavark adapter against the real netavark 1.4 / aardvark-dns, real
// namespaces and real traffic (busybox httpd, wget, nslookup). Root only.
// Every run uses its own config dir, network name, bridge and 10.123.N.0/24,
// so it collides neither with Podman nor with other tests.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { join } from 'node:path';
import { buildBridgeNetwork, type NetworkConfig } from '../../../src/runtime/network/config.ts';
import { freeHostPort, Netavark, type NetworkOptions, type SetupResult } from '../../../src/runtime/network/netavark.ts';
import { createNetns, deleteNetns, isNetnsMounted } from '../../../src/runtime/network/netns.ts';
import {
  aardvarkPids, firewallRules, freeTestSubnet, httpd, inNs, isRoot, links, networkChains, nslookup, wgetWithResolver, BUSYBOX,
} from './nettools.ts';

const skip = !isRoot() || !existsSync('/usr/lib/podman/netavark') ? 'needs root and netavark' : false;

let tmp = '';
let nv: Netavark;
let net: NetworkConfig;
let subnet = '';
let bridge = '';
const namespaces: string[] = [];
const servers: ChildProcess[] = [];

before(() => {
  if (skip) return;
  tmp = mkdtempSync('/var/tmp/husk-netavark-');
  ({ subnet, bridge } = freeTestSubnet());
  nv = new Netavark({ configDir: join(tmp, 'networks') });
  net = buildBridgeNetwork({ name: `husktest-${process.pid}`, subnet, interfaceName: bridge, labels: { test: 'netavark' } });
  mkdirSync(join(tmp, 'www'));
  writeFileSync(join(tmp, 'www/index.html'), 'hello from web\n');
});

after(() => {
  for (const s of servers) s.kill('SIGKILL');
  for (const ns of namespaces) deleteNetns(ns);
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

function opts(id: string, name: string, extra: Partial<NetworkOptions> = {}, aliases: string[] = []): NetworkOptions {
  return {
    containerId: id.repeat(64 / id.length), containerName: name,
    networks: { [net.name]: { interfaceName: 'eth0', aliases } }, networkInfo: { [net.name]: net }, ...extra,
  };
}

async function netns(): Promise<string> {
  const ns = await createNetns(join(tmp, 'netns'));
  namespaces.push(ns);
  return ns;
}

function ipOf(r: SetupResult): string {
  return r[net.name].interfaces!.eth0.subnets![0].ipnet.split('/')[0];
}

function httpGet(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = get(url, { timeout: 5000 }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d));
      res.on('end', () => resolve(body));
    });
    req.on('timeout', () => req.destroy(new Error(`timeout fetching ${url}`)));
    req.on('error', reject);
  });
}

async function waitFor(fn: () => boolean, what: string, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!fn()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('netns: created under the given dir with only lo, deleted by umount + unlink', { skip }, async () => {
  const ns = await createNetns(join(tmp, 'netns'));
  assert.ok(ns.startsWith(join(tmp, 'netns', 'netns-')));
  assert.ok(isNetnsMounted(ns));
  const r = inNs(ns, ['ip', '-o', 'link']);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(r.stdout.trim().split('\n').map((l) => l.split(': ')[1]), ['lo']);
  deleteNetns(ns);
  assert.ok(!existsSync(ns) && !isNetnsMounted(ns));
  deleteNetns(ns); // idempotent
});

test('two namespaces on one network: traffic by IP, by name via aardvark-dns, and 127.0.0.1 port forwarding', { skip }, async () => {
  const linksBefore = links();
  const port = await freeHostPort('127.0.0.1');
  const ns1 = await netns();
  const ns2 = await netns();
  const web = opts('a1', 'web', { portMappings: [{ host_ip: '127.0.0.1', container_port: 80, host_port: port, range: 1, protocol: 'tcp' }] }, ['www']);
  const client = opts('b2', 'client');

  const r1 = await nv.setup(ns1, web);
  const r2 = await nv.setup(ns2, client);
  const gateway = subnet.replace(/0\/24$/, '1');
  const block = r1[net.name];
  assert.deepEqual(block.dns_server_ips, [gateway]);
  assert.ok(block.dns_search_domains?.includes('dns.podman'));
  assert.match(block.interfaces!.eth0.mac_address, /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/);
  assert.equal(block.interfaces!.eth0.subnets![0].gateway, gateway);
  const ip1 = ipOf(r1);
  const ip2 = ipOf(r2);
  assert.equal(ip1, subnet.replace(/0\/24$/, '2'), 'first address after the gateway');
  assert.equal(ip2, subnet.replace(/0\/24$/, '3'));
  assert.ok(links().includes(bridge), 'bridge created');
  const rules = firewallRules();
  const chains = networkChains(rules, subnet);
  assert.ok(chains.length >= 2, `per-network chains exist: ${chains}`);
  assert.ok(rules.some((l) => l.includes(`--dport ${port}`)), 'port forwarding rule exists');
  assert.equal(aardvarkPids(nv.configDir).length, 1, 'one aardvark-dns for the config dir');

  servers.push(httpd(ns1, join(tmp, 'www')));
  await waitFor(() => inNs(ns2, [BUSYBOX, 'wget', '-qO-', `http://${ip1}/`]).stdout === 'hello from web\n', 'httpd by IP from the other namespace');

  // By name: aardvark-dns answers on the gateway for the container name and its alias.
  assert.equal(nslookup(ns2, 'web', gateway), ip1);
  assert.equal(nslookup(ns2, 'www', gateway), ip1);
  assert.equal(nslookup(ns2, 'web.dns.podman', gateway), ip1);
  assert.equal(nslookup(ns1, 'client', gateway), ip2);
  // And a plain wget by name, with the resolv.conf the engine will generate.
  const resolv = join(tmp, 'resolv.conf');
  writeFileSync(resolv, `search dns.podman\nnameserver ${gateway}\n`);
  const byName = wgetWithResolver(ns2, 'http://web/', resolv);
  assert.equal(byName.stdout, 'hello from web\n', byName.stderr);

  // From the host through the published port on 127.0.0.1.
  assert.equal(await httpGet(`http://127.0.0.1:${port}/`), 'hello from web\n');
  assert.equal(readFileSync(`/proc/sys/net/ipv4/conf/${bridge}/route_localnet`, 'utf8').trim(), '1',
    'netavark enables route_localnet on the bridge itself');

  servers.pop()!.kill('SIGKILL');
  await nv.teardown(ns1, web);
  // aardvark-dns reloads on the SIGHUP netavark sent, asynchronously.
  await waitFor(() => nslookup(ns2, 'web', gateway) === undefined, 'the name to go with its container', 15_000);
  assert.equal(aardvarkPids(nv.configDir).length, 1, 'aardvark-dns stays while a container remains');
  await nv.teardown(ns2, client);
  assert.deepEqual(aardvarkPids(nv.configDir), [], 'aardvark-dns gone after the last teardown');
  assert.equal(nv.aardvarkPid(), undefined);

  const rulesAfter = firewallRules();
  const leftover = rulesAfter.filter((l) => l.includes(subnet) || l.includes(`--dport ${port}`) || chains.some((c) => l.includes(c)));
  assert.deepEqual(leftover, [], 'no firewall rule or chain of the network is left');
  assert.deepEqual(links(), linksBefore, 'no veth or bridge is left');
  assert.deepEqual(nv.ipam.lookup(net, web.containerId), []);
  for (const ns of [ns1, ns2]) deleteNetns(ns);
});

test('setup failure: one clear error line, and the address is released', { skip }, async () => {
  const o = opts('c3', 'broken');
  await assert.rejects(nv.setup(join(tmp, 'no-such-netns'), o), (e: Error & { code?: string }) => {
    assert.equal(e.code, 'RUNTIME');
    assert.match(e.message, /^netavark: (invalid namespace path|open container netns): .*No such file or directory/);
    assert.ok(!e.message.includes('\n'));
    return true;
  });
  assert.deepEqual(nv.ipam.lookup(net, o.containerId), []);
  assert.ok(!links().includes(bridge));
  await assert.rejects(nv.setup('/x', opts('c4', 'p', { portMappings: [{ host_ip: '', container_port: 80, host_port: 0, range: 1, protocol: 'tcp' }] })),
    /invalid host port 0/);
});

test('a static IP is honoured; teardown finds it in IPAM when not passed again', { skip }, async () => {
  const ns = await netns();
  const ip = subnet.replace(/0\/24$/, '77');
  const o = opts('d5', 'fixed');
  o.networks[net.name].staticIps = [ip];
  const r = await nv.setup(ns, o);
  assert.equal(ipOf(r), ip);
  assert.match(inNs(ns, ['ip', '-o', '-4', 'addr', 'show', 'eth0']).stdout, new RegExp(`inet ${ip.replace(/\./g, '\\.')}/24`));
  await assert.rejects(nv.setup(await netns(), { ...opts('e6', 'clash'), networks: { [net.name]: { interfaceName: 'eth0', staticIps: [ip] } } }),
    /already allocated to container ID d5/);
  await nv.teardown(ns, opts('d5', 'fixed'));
  assert.ok(!links().includes(bridge));
  assert.deepEqual(firewallRules().filter((l) => l.includes(subnet)), []);
  assert.deepEqual(aardvarkPids(nv.configDir), []);
});

test('a lost namespace is still torn down (firewall, DNS, bridge) through a scratch namespace', { skip }, async () => {
  const ns = await netns();
  const port = await freeHostPort('127.0.0.1');
  const o = opts('f7', 'orphan', { portMappings: [{ host_ip: '127.0.0.1', container_port: 80, host_port: port, range: 1, protocol: 'tcp' }] });
  await nv.setup(ns, o);
  deleteNetns(ns);
  // Plain teardown cannot even open it.
  await assert.rejects(nv.teardown(ns, o), /netavark: open container netns/);
  await nv.setup(await netns(), opts('f8', 'keeps-bridge'));
  assert.equal(nv.ipam.lookup(net, o.containerId).length, 1, 'a failed teardown keeps the address for the retry');
  assert.equal(await nv.teardownWithoutNetns(join(tmp, 'netns'), o), undefined);
  assert.deepEqual(nv.ipam.lookup(net, o.containerId), []);
  assert.deepEqual(firewallRules().filter((l) => l.includes(`--dport ${port}`)), [], 'port forwarding rules removed');
  assert.ok(!spawnSync('ip', ['-o', 'link', 'show', 'master', bridge], { encoding: 'utf8' }).stdout.includes('huskpeer'));
  await nv.teardown(namespaces.at(-1)!, opts('f8', 'keeps-bridge'));
  assert.ok(!links().includes(bridge));
  assert.deepEqual(firewallRules().filter((l) => l.includes(subnet)), []);
  assert.deepEqual(aardvarkPids(nv.configDir), []);
});

test('with /run/systemd/system present but systemd not PID 1, DNS still works and aardvark-dns does not leak', { skip: skip || (!existsSync('/run/systemd') && 'no /run/systemd to shadow') }, () => {
  // The scenario runs in a private mount namespace where an empty tmpfs with a
  // system/ dir covers /run/systemd: what CI hosts look like, without touching the host.
  const script = join(import.meta.dirname, 'systemd-scenario.ts');
  const r = spawnSync('unshare', ['--mount', '--propagation', 'private', '--', 'sh', '-c',
    'mount -t tmpfs -o size=64k husk-fake-systemd /run/systemd && mkdir /run/systemd/system && exec "$0" "$1" "$2"',
    process.execPath, script, tmp], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
  const res = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as Record<string, unknown>;
  assert.equal(res.misdetected, true);
  assert.equal(res.plainDnsRunning, false, 'without the workaround netavark runs no DNS server (systemd-run fails)');
  assert.equal(res.own, true);
  assert.equal(res.ownResolved, res.webIp, 'with husk starting aardvark-dns, names resolve');
  assert.deepEqual(res.aardvarkAfter, []);
  assert.deepEqual(aardvarkPids(join(tmp, 'sd-networks')), []);
});
