// A container on several bridge networks (Podman's `--network a,b` and
// repeated --network) and the per-network options of `--network
// NAME:ip=…,mac=…,alias=…,interface_name=…`, with Podman's errors
// (pkg/specgen/namespaces.go ParseNetworkFlag; docs options/network.md).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readlinkSync } from 'node:fs';
import { Store } from '../helpers.ts';
import { rulesWith, twoNetworks } from './nettools.ts';

const s = new Store();
const { base1, base2, re } = twoNetworks(s, ['mnet1', 'mnet2']);

/** "NAME inet ADDR/LEN" per non-loopback IPv4 address, from inside a container, by interface name (netavark's order of creation is its own). */
const addrsIn = (out: string) => out.split('\n').map((l) => l.split(/\s+/).slice(1, 4).join(' ')).filter((l) => l && !l.startsWith('lo ')).sort();

test('--network a,b and repeated --network: one interface per network, eth0 and eth1 in order, both in inspect', () => {
  const comma = addrsIn(s.ok(['run', '--rm', '--network', 'mnet1,mnet2', 'busybox', 'ip', '-o', '-4', 'addr']));
  assert.equal(comma.length, 2, comma.join('\n'));
  assert.match(comma[0], new RegExp(`^eth0 inet ${re(base1)}\\d+/24$`));
  assert.match(comma[1], new RegExp(`^eth1 inet ${re(base2)}\\d+/24$`));

  // --network-alias names the container on every network, replacing NAME:alias= (Podman's netflags.go).
  s.ok(['create', '--name', 'two', '--network', 'mnet2:alias=gone', '--network', 'mnet1', '--network-alias', 'both', 'busybox', 'ip', '-o', '-4', 'addr']);
  const repeated = addrsIn(s.ok(['start', '-a', 'two']));
  assert.match(repeated[0], new RegExp(`^eth0 inet ${re(base2)}\\d+/24$`), 'the first --network gets eth0');
  assert.match(repeated[1], new RegExp(`^eth1 inet ${re(base1)}\\d+/24$`));
  const nets = JSON.parse(s.ok(['inspect', 'two', '--format', '{{json .NetworkSettings.Networks}}']));
  assert.deepEqual(Object.keys(nets).sort(), ['mnet1', 'mnet2']);
  assert.deepEqual([nets.mnet1.Aliases, nets.mnet2.Aliases], [['both'], ['both']]);
  s.ok(['rm', 'two']);
});

test('NAME:interface_name=,ip=,mac=,alias=: the named interfaces exist inside with that address and MAC; aliases in inspect', () => {
  const ip = `${base1}57`;
  const mac = '92:d0:c6:0a:29:33';
  s.ok(['run', '-d', '--name', 'opts',
    '--network', `mnet1:interface_name=eth5,ip=${ip},alias=first`,
    '--network', `mnet2:interface_name=net1,mac=${mac.toUpperCase()},alias=second,alias=third`,
    'busybox', 'sleep', '1000']);
  assert.deepEqual(s.ok(['exec', 'opts', 'ls', '/sys/class/net']).split(/\s+/).sort(), ['eth5', 'lo', 'net1']);
  assert.match(s.ok(['exec', 'opts', 'ip', '-o', '-4', 'addr', 'show', 'eth5']), new RegExp(`inet ${re(ip)}/24 `));
  assert.match(s.ok(['exec', 'opts', 'ip', '-o', '-4', 'addr', 'show', 'net1']), new RegExp(`inet ${re(base2)}\\d+/24 `));
  assert.equal(s.ok(['exec', 'opts', 'cat', '/sys/class/net/net1/address']), mac);
  // /etc/hosts names the container on both networks' addresses.
  const hosts = s.ok(['exec', 'opts', 'cat', '/etc/hosts']);
  assert.match(hosts, new RegExp(`^${re(ip)}\\t[0-9a-f]{12} opts$`, 'm'));
  assert.match(hosts, new RegExp(`^${re(base2)}\\d+\\t[0-9a-f]{12} opts$`, 'm'));
  const nets = JSON.parse(s.ok(['inspect', 'opts', '--format', '{{json .NetworkSettings.Networks}}']));
  assert.equal(nets.mnet1.IPAddress, ip);
  assert.deepEqual(nets.mnet1.Aliases, ['first']);
  assert.equal(nets.mnet2.MacAddress, mac);
  assert.deepEqual(nets.mnet2.Aliases, ['second', 'third']);
  // A second container finds it by the alias on the network that has it (aardvark-dns).
  assert.equal(s.ok(['run', '--rm', '--network', 'mnet2', 'busybox', 'nslookup', 'third']).includes(nets.mnet2.IPAddress), true);
  s.ok(['rm', '-f', 'opts']);
  // Both networks let go of it: no firewall rule names its address any more.
  assert.deepEqual(rulesWith([ip]), []);
});

test('run --pod new: with two networks: the pod\'s infra container joins both, the member shares them', () => {
  assert.deepEqual(s.ok(['run', '--rm', '--pod', 'new:mpod', '--network', 'mnet1', '--network', 'mnet2:interface_name=n2', 'busybox', 'ls', '/sys/class/net']).split(/\s+/).sort(), ['eth0', 'lo', 'n2']);
  const infra = JSON.parse(s.ok(['pod', 'inspect', 'mpod']));
  assert.deepEqual([...(Array.isArray(infra) ? infra[0] : infra).InfraConfig.Networks].sort(), ['mnet1', 'mnet2']);
  s.ok(['pod', 'rm', '-f', 'mpod']);
});

test('--pod with an explicit --network, --pid, --ipc or --uts: the member\'s own namespace, the rest the pod\'s (Podman 4.3: FromPod is only the default)', () => {
  s.ok(['pod', 'create', '--name', 'ownpod', '--network', 'mnet1']);
  const ns = "for n in net uts ipc pid; do echo $n $(readlink /proc/self/ns/$n); done; hostname";
  const inPod = (...args: string[]) => Object.fromEntries(s.ok(['run', '--rm', '--pod', 'ownpod', ...args, 'busybox', 'sh', '-c', ns]).split('\n')
    .map((l) => l.split(' ')).map((f) => f.length === 1 ? ['hostname', f[0]] : f));
  const member = inPod();
  assert.equal(member.hostname, 'ownpod');
  // Two networks of its own, one interface each, and a port published on them: no "shared with a pod" refusal.
  const own = addrsIn(s.ok(['run', '--rm', '--pod', 'ownpod', '--network', 'bridge', '--network', 'mnet2', '-p', '18093:80', 'busybox', 'ip', '-o', '-4', 'addr']));
  assert.equal(own.length, 2, own.join('\n'));
  assert.match(own[1], new RegExp(`^eth1 inet ${re(base2)}\\d+/24$`));
  const none = inPod('--network', 'none');
  assert.notEqual(none.net, member.net);
  assert.deepEqual([none.uts, none.ipc, none.hostname], [member.uts, member.ipc, 'ownpod'], 'the other namespaces stay the pod\'s');
  assert.equal(inPod('--network', 'host').net, readlinkSync('/proc/self/ns/net'));
  const uts = inPod('--uts', 'private', '--hostname', 'mine');
  assert.deepEqual([uts.uts !== member.uts, uts.hostname, uts.net], [true, 'mine', member.net]);
  const ipc = inPod('--ipc', 'private');
  assert.deepEqual([ipc.ipc !== member.ipc, ipc.net], [true, member.net]);
  assert.equal(inPod('--pid', 'host').pid, readlinkSync('/proc/self/ns/pid'));
  s.ok(['pod', 'rm', '-f', 'ownpod']);
});

test('bad --network values: Podman\'s messages, exit 125, nothing created', () => {
  for (const [args, msg] of [
    [['--network', 'mnet1:bogus=1'], 'invalid option for network mnet1: unknown bridge network option: bogus'],
    [['--network', 'bridge:bogus=1'], 'unknown bridge network option: bogus'],
    [['--network', 'mnet1:ip=10.1..1'], 'invalid option for network mnet1: invalid ip address "10.1..1"'],
    [['--network', 'mnet1:mac=123'], 'invalid option for network mnet1: address 123: invalid MAC address'],
    [['--network', 'mnet1:interface_name='], 'invalid option for network mnet1: interface_name cannot be empty'],
    [['--network', 'mnet1:alias='], 'invalid option for network mnet1: alias cannot be empty'],
    [['--network', ':ip=10.0.0.1'], 'network name cannot be empty'],
    [['--network', 'host', '--network', 'mnet1'], 'cannot set multiple networks without bridge network mode, selected mode host: invalid argument'],
    [['--network', 'mnet1', '--network', 'none'], 'can only set extra network names, selected mode none conflicts with bridge: invalid argument'],
    [['--network', 'mnet1', '--network', 'container:x'], 'can only set extra network names, selected mode container conflicts with bridge: invalid argument'],
    [['--network', 'mnet1', '--network', 'mnet2', '--ip', `${base1}9`], '--ip can only be set for a single network: invalid argument'],
    [['--network', 'mnet1,mnet2', '--mac-address', '92:d0:c6:0a:29:34'], '--mac-address can only be set for a single network: invalid argument'],
    [['--network', 'mnet1,nosuchnet'], 'unable to find network with name or ID nosuchnet: network not found'],
    [['--network', 'none', '--network-alias', 'x'], '--network-alias can only be set when the network mode is bridge: invalid argument'],
    [['--network', 'host', '--network-alias', 'x'], '--network-alias can only be set when the network mode is bridge: invalid argument'],
    [['--network', 'mnet1:interface_name=a/b'], 'invalid interface name "a/b": at most 15 characters, no spaces, "/" or ":"'],
    [['--network', 'mnet1:interface_name=eth3', '--network', 'mnet2:interface_name=eth3'], 'interface name eth3 is used on both network mnet1 and network mnet2'],
    [['--network', `mnet1:ip=${base2}5`], `requested static ip ${base2}5 not in any subnet on network mnet1`],
  ] as [string[], string][]) {
    const r = s.husk(['run', '--rm', ...args, 'busybox', 'true']);
    assert.equal(r.code, 125, args.join(' '));
    assert.equal(r.stderr, `Error: ${msg}\n`, args.join(' '));
  }
  assert.equal(s.ok(['ps', '-aq']), '');
});
