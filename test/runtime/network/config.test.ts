// Unit tests for network configs and IPAM: Podman's defaults, subnet
// validation with Podman's messages, and address allocation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import {
  buildBridgeNetwork, defaultNetworkConfig, freeBridgeName, freeSubnet, hostSubnets, validateSubnet,
  DEFAULT_NETWORK_ID,
} from '../../../src/runtime/network/config.ts';
import { formatIp, parseCidr, parseIp } from '../../../src/runtime/network/ip.ts';
import { Ipam } from '../../../src/runtime/network/ipam.ts';
import { netavarkMessage } from '../../../src/runtime/network/netavark.ts';

const ID = 'ab'.repeat(32);

test('default network matches Podman: podman, 10.88.0.0/16, podman0, DNS off', () => {
  const n = defaultNetworkConfig(new Date(0));
  assert.equal(n.name, 'podman');
  assert.equal(n.id, DEFAULT_NETWORK_ID);
  assert.equal(n.network_interface, 'podman0');
  assert.deepEqual(n.subnets, [{ subnet: '10.88.0.0/16', gateway: '10.88.0.1' }]);
  assert.equal(n.dns_enabled, false);
  assert.deepEqual(n.ipam_options, { driver: 'host-local' });
});

test('new networks take the first free 10.89.N.0/24 and podmanN, DNS on', () => {
  const n = buildBridgeNetwork({ name: 'net1', id: ID }, { subnets: ['10.88.0.0/16', '10.89.0.0/24'], interfaceNames: ['podman0', 'podman1'] });
  assert.deepEqual(n.subnets, [{ subnet: '10.89.1.0/24', gateway: '10.89.1.1' }]);
  assert.equal(n.network_interface, 'podman2');
  assert.equal(n.dns_enabled, true);
  assert.equal(n.driver, 'bridge');
  assert.equal(n.ipv6_enabled, false);
  assert.equal(freeSubnet([]), '10.89.0.0/24');
  // A /16 in use skips the whole first pool.
  assert.equal(freeSubnet(['10.89.0.0/16']), '10.90.0.0/24');
  assert.equal(freeBridgeName([]), 'podman1');
});

test('subnets are normalised; gateway defaults to the first host; labels kept', () => {
  const n = buildBridgeNetwork({ name: 'n', id: ID, subnet: '10.89.3.7/24', labels: { a: 'b' }, interfaceName: 'br-test' });
  assert.deepEqual(n.subnets, [{ subnet: '10.89.3.0/24', gateway: '10.89.3.1' }]);
  assert.deepEqual(n.labels, { a: 'b' });
  assert.equal(n.network_interface, 'br-test');
  const g = buildBridgeNetwork({ name: 'n', id: ID, subnet: '10.89.4.0/24', gateway: '10.89.4.254' });
  assert.equal(g.subnets![0].gateway, '10.89.4.254');
  // Internal without DNS has nothing to put on a gateway address.
  const i = buildBridgeNetwork({ name: 'n', id: ID, subnet: '10.89.5.0/24', internal: true, dnsEnabled: false });
  assert.equal(i.subnets![0].gateway, undefined);
  const v6 = buildBridgeNetwork({ name: 'n6', id: ID, subnet: 'fd00:1:2::/64' });
  assert.equal(v6.ipv6_enabled, true);
  assert.deepEqual(v6.subnets, [{ subnet: 'fd00:1:2::/64', gateway: 'fd00:1:2::1' }]);
});

test('bad input: overlapping subnet, gateway outside, invalid CIDR, bad names', () => {
  assert.throws(() => buildBridgeNetwork({ name: 'n', id: ID, subnet: '10.123.5.0/24' }, { subnets: ['10.123.0.0/16'] }),
    { code: 'INVALID_ARGUMENT', message: 'subnet 10.123.5.0/24 is already used on the host or by another config' });
  assert.throws(() => validateSubnet({ subnet: '10.88.0.0/8' }, ['10.88.0.0/16']), /10\.0\.0\.0\/8 is already used/);
  assert.throws(() => buildBridgeNetwork({ name: 'n', id: ID, subnet: '10.123.5.0/24', gateway: '10.1.1.1' }),
    { message: 'gateway 10.1.1.1 not in subnet 10.123.5.0/24' });
  assert.throws(() => buildBridgeNetwork({ name: 'n', id: ID, subnet: '10.123.5.0/24', gateway: '10.123.5.255' }), /broadcast/);
  for (const bad of ['10.300.0.0/24', '10.0.0.0/33', 'nonsense', '10.0.0.0', '10.0.0.0/']) {
    assert.throws(() => buildBridgeNetwork({ name: 'n', id: ID, subnet: bad }), { code: 'INVALID_ARGUMENT', message: `invalid CIDR address: ${bad}` });
  }
  assert.throws(() => buildBridgeNetwork({ name: '-x', id: ID }), /names must match/);
  assert.throws(() => buildBridgeNetwork({ name: 'n', id: ID }, { names: ['n'] }), /network name n already used: network already exists/);
  assert.throws(() => buildBridgeNetwork({ name: 'n', id: 'xyz' }), /invalid network ID/);
  assert.throws(() => buildBridgeNetwork({ name: 'n', id: ID, interfaceName: 'a-very-long-bridge0' }), /invalid interface name/);
  assert.throws(() => buildBridgeNetwork({ name: 'n', id: ID, gateway: '10.0.0.1' }), /without subnet/);
});

test('host subnets include loopback, so a network over 127.0.0.0/8 is refused', () => {
  const used = hostSubnets();
  assert.ok(used.includes('127.0.0.1/8'), used.join(' '));
  assert.throws(() => buildBridgeNetwork({ name: 'n', id: ID, subnet: '127.1.0.0/16' }, { subnets: used }), /already used/);
});

test('ip helpers: IPv6 round trip and compression', () => {
  for (const s of ['::', '::1', 'fd00::1', '2001:db8:0:1::', '2001:db8::1:0:0:1', '1:2:3:4:5:6:7:8']) {
    assert.equal(formatIp(parseIp(s)!), s);
  }
  assert.equal(formatIp(parseIp('::ffff:10.0.0.1')!), '::ffff:a00:1');
  assert.equal(parseCidr('fd00::5/64').network, parseIp('fd00::')!.value);
});

test('ip helpers: IPv4 exactly as node:net\'s isIPv4 accepts it (parseIp has its own pattern)', () => {
  const { isIPv4 } = process.getBuiltinModule('node:net');
  for (const s of ['10.88.0.1', '0.0.0.0', '255.255.255.255', '256.0.0.1', '1.2.3', '1.2.3.4.5', '01.2.3.4', '1.2.3.4 ', 'a.b.c.d', '']) {
    assert.equal(parseIp(s)?.family === 4, isIPv4(s), s);
  }
  assert.equal(formatIp(parseIp('192.168.10.254')!), '192.168.10.254');
  assert.equal(parseIp('fe80::1')?.family, 6);
  assert.equal(parseIp('no:such'), undefined);
});

test('IPAM: sequential, skips gateway, no immediate reuse, static conflicts, release', () => {
  const dir = mkdtempSync('/var/tmp/husk-ipam-');
  try {
    const ipam = new Ipam(join(dir, 'ipam.json'));
    const net = buildBridgeNetwork({ name: 'n', id: ID, subnet: '10.123.0.0/30' });
    assert.deepEqual(ipam.allocate(net, 'c1'), ['10.123.0.2']);
    assert.deepEqual(ipam.allocate(net, 'c1'), ['10.123.0.2'], 'idempotent');
    assert.throws(() => ipam.allocate(net, 'c2'), /failed to find free IP/);
    ipam.release(net, 'c1');
    assert.deepEqual(ipam.lookup(net, 'c1'), []);
    const big = buildBridgeNetwork({ name: 'big', id: ID, subnet: '10.123.1.0/24' });
    assert.deepEqual(ipam.allocate(big, 'a'), ['10.123.1.2']);
    assert.deepEqual(ipam.allocate(big, 'b'), ['10.123.1.3']);
    ipam.release(big, 'a');
    assert.deepEqual(ipam.allocate(big, 'c'), ['10.123.1.4'], 'a freed address is not handed out again at once');
    assert.deepEqual(ipam.allocate(big, 'd', ['10.123.1.2']), ['10.123.1.2']);
    assert.throws(() => ipam.allocate(big, 'e', ['10.123.1.3']), /already allocated to container ID b/);
    assert.throws(() => ipam.allocate(big, 'e', ['10.99.0.3']), /not in any subnet on network big/);
    assert.throws(() => ipam.allocate(big, 'e', ['10.123.1.1']), /reserved/);
    assert.deepEqual(ipam.lookup(big, 'b'), ['10.123.1.3']);
    assert.equal(ipam.owner(big, '10.123.1.3'), 'b');
    // Another store's network on the same bridge draws from the same pool.
    const twin = buildBridgeNetwork({ name: 'other', subnet: '10.123.1.0/24', interfaceName: big.network_interface });
    assert.throws(() => ipam.allocate(twin, 'f', ['10.123.1.3']), /already allocated to container ID b/);
    assert.ok(!['10.123.1.2', '10.123.1.3', '10.123.1.4'].includes(ipam.allocate(twin, 'f')[0]));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('netavarkMessage: the JSON error as one line, syslog noise ignored', () => {
  assert.equal(netavarkMessage('{"error":"IO error: aardvark pid not found"}\n', 'failed to connect to syslog: Initialization\n'),
    'IO error: aardvark pid not found');
  assert.equal(netavarkMessage('{"error":"netavark encountered multiple errors:\\n\\t- a\\n\\t- b"}', ''),
    'netavark encountered multiple errors: a; b');
  assert.equal(netavarkMessage('', 'failed to connect to syslog: Initialization\nthread main panicked\n'), 'thread main panicked');
});
