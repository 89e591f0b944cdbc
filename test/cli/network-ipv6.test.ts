// IPv6 and dual-stack bridge networks through netavark, as Podman 4.3 has
// them: `network create --ipv6` (a pool IPv4 subnet plus a random ULA /64),
// several --subnet/--gateway/--ip-range in order, containers with both
// addresses, --ip6 and NAME:ip6=, AAAA answers from aardvark-dns, ports
// forwarded over both families, and Podman's messages for bad input.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Store } from '../helpers.ts';
import { dport, fetchRetry, randomPort, randomSubnet } from './nettools.ts';

const s = new Store();
let www = '';
before(() => {
  s.busybox();
  www = join(s.dir, 'www');
  mkdirSync(www);
  writeFileSync(join(www, 'index.html'), 'hello over v6\n');
});
after(async () => {
  s.husk(['rm', '-af']);
  for (const n of s.ok(['network', 'ls', '-q']).split('\n')) if (n && n !== 'podman') s.husk(['network', 'rm', '-f', n]);
  await s.destroyWhenIdle();
});

/** A random ULA /64 (fdXX:XXXX:XXXX:XXXX::/64) and its prefix without "::/64". */
function randomV6(): { subnet: string; prefix: string } {
  const h = randomBytes(7).toString('hex');
  const prefix = `fd${h.slice(0, 2)}:${h.slice(2, 6)}:${h.slice(6, 10)}:${h.slice(10, 14)}`.replace(/:0+(?=[0-9a-f])/g, ':');
  return { subnet: `${prefix}::/64`, prefix };
}

const inspectNet = (name: string) => JSON.parse(s.ok(['network', 'inspect', name]))[0] as
  { subnets: { subnet: string; gateway?: string; lease_range?: { start_ip: string; end_ip: string } }[]; ipv6_enabled: boolean };

/** ip6tables-save rules (nat and filter) mentioning any needle. */
const rules6 = (needles: string[]) => ['nat', 'filter'].flatMap((t) => execFileSync('ip6tables-save', ['-t', t], { encoding: 'utf8' }).split('\n'))
  .filter((l) => l.startsWith('-A ') && needles.some((n) => l.includes(n)));

test('network create --ipv6: a pool IPv4 subnet plus a random ULA /64, both with gateways; a v6 subnet alone makes a v6-only network', () => {
  assert.equal(s.ok(['network', 'create', '--ipv6', 'dual']), 'dual');
  const n = inspectNet('dual');
  assert.equal(n.ipv6_enabled, true);
  assert.equal(n.subnets.length, 2, JSON.stringify(n.subnets));
  assert.match(n.subnets[0].subnet, /^10\.\d+\.\d+\.0\/24$/);
  assert.match(n.subnets[1].subnet, /^fd[0-9a-f]{2}:[0-9a-f]{1,4}:[0-9a-f]{1,4}:[0-9a-f]{1,4}::\/64$/);
  assert.equal(n.subnets[1].gateway, n.subnets[1].subnet.replace('::/64', '::1'));
  // Two --ipv6 networks never share the random subnet.
  s.ok(['network', 'create', '--ipv6', 'dual2']);
  assert.notEqual(inspectNet('dual2').subnets[1].subnet, n.subnets[1].subnet);
  // Podman: an IPv6 --subnet alone is enough (no --ipv6) and adds no IPv4 subnet.
  const v6 = randomV6();
  s.ok(['network', 'create', '--subnet', v6.subnet, 'v6only']);
  const o = inspectNet('v6only');
  assert.equal(o.ipv6_enabled, true);
  assert.deepEqual(o.subnets, [{ subnet: v6.subnet, gateway: `${v6.prefix}::1` }]);
  // --ipv6 with only an IPv4 subnet adds the IPv6 one.
  const v4 = randomSubnet();
  s.ok(['network', 'create', '--ipv6', '--subnet', v4, 'plusv6']);
  const p = inspectNet('plusv6');
  assert.equal(p.subnets[0].subnet, v4);
  assert.match(p.subnets[1].subnet, /^fd.*::\/64$/);
  assert.match(s.ok(['network', 'ls', '--format', '{{.Name}}']), /^dual$/m);
  s.ok(['network', 'rm', 'dual', 'dual2', 'v6only', 'plusv6']);
});

test('several --subnet with --gateway and --ip-range paired in order; Podman\'s messages for bad combinations', () => {
  const v4 = randomSubnet();
  const base = v4.slice(0, -4);
  const v6 = randomV6();
  s.ok(['network', 'create', '--subnet', v4, '--subnet', v6.subnet, '--gateway', `${base}254`, '--gateway', `${v6.prefix}::fe`,
    '--ip-range', `${base}128/25`, 'pairs']);
  const n = inspectNet('pairs');
  assert.deepEqual(n.subnets, [
    { subnet: v4, gateway: `${base}254`, lease_range: { start_ip: `${base}129`, end_ip: `${base}255` } },
    { subnet: v6.subnet, gateway: `${v6.prefix}::fe` },
  ]);
  assert.equal(n.ipv6_enabled, true);
  const other = randomV6();
  for (const [args, msg] of [
    [['--subnet', v6.subnet], new RegExp(`^Error: subnet ${v6.subnet} is already used on the host or by another config$`)],
    [['--subnet', `${other.prefix}::/64`, '--subnet', `${other.prefix}::/56`], /^Error: subnet fd.*::\/56 is already used on the host or by another config$/],
    [['--subnet', randomSubnet(), '--gateway', '10.1.1.1', '--gateway', '10.1.1.2'], /^Error: cannot set more gateways than subnets$/],
    [['--subnet', randomSubnet(), '--ip-range', '10.1.0.0/25', '--ip-range', '10.1.0.128/25'], /^Error: cannot set more ranges than subnets$/],
    [['--gateway', 'fd00::1'], /^Error: cannot set gateway without subnet$/],
    [['--subnet', other.subnet, '--gateway', 'fd00:1::1'], /^Error: gateway fd00:1::1 not in subnet fd/],
    [['--subnet', v4.replace(/^10\.\d+/, '10.210'), '--ip-range', '10.211.0.0/25'], /^Error: lease range start ip 10\.211\.0\.1 not in subnet 10\.210\./],
    [['--subnet', 'fd00::/xx'], /^Error: invalid argument "fd00::\/xx" for "--subnet" flag: invalid CIDR address: fd00::\/xx$/],
  ] as [string[], RegExp][]) {
    const r = s.husk(['network', 'create', ...args, 'bad']);
    assert.equal(r.code, 125, args.join(' '));
    assert.match(r.stderr.trim(), msg, args.join(' '));
  }
  assert.equal(s.husk(['network', 'exists', 'bad']).code, 1, 'nothing half-written');
  s.ok(['network', 'rm', 'pairs']);
});

test('a dual-stack container: both addresses, --ip6 and NAME:ip6=, AAAA from aardvark-dns, ports over both families, clean teardown', async () => {
  const v4 = randomSubnet();
  const base = v4.slice(0, -4);
  const v6 = randomV6();
  s.ok(['network', 'create', '--subnet', v4, '--subnet', v6.subnet, 'ds']);
  const port = randomPort();
  s.ok(['run', '-d', '--name', 'web6', '--network', 'ds', '--ip6', `${v6.prefix}::77`, '-p', `${port}:80`, '-v', `${www}:/www:ro`,
    'busybox', 'httpd', '-f', '-p', '80', '-h', '/www']);
  const addrs = s.ok(['exec', 'web6', 'ip', 'addr', 'show', 'eth0']);
  assert.match(addrs, new RegExp(`inet ${base.replaceAll('.', '\\.')}\\d+/24`), 'an IPv4 address is still allocated next to the static IPv6 one');
  assert.match(addrs, new RegExp(`inet6 ${v6.prefix}::77/64 scope global`));
  assert.equal(s.ok(['inspect', 'web6', '--format', '{{(index .NetworkSettings.Networks "ds").GlobalIPv6Address}}']), `${v6.prefix}::77`);
  assert.equal(s.ok(['inspect', 'web6', '--format', '{{.NetworkSettings.IPv6Gateway}}']), `${v6.prefix}::1`);

  // Another container: its own addresses from both subnets, AAAA and A for web6's name, HTTP over v6 by name.
  const out = s.ok(['run', '--rm', '--network', `ds:ip6=${v6.prefix}::99`, 'busybox', 'sh', '-c',
    'ip -6 addr show eth0; cat /etc/resolv.conf; nslookup -type=AAAA web6; nslookup -type=A web6; wget -qO- "http://[$(nslookup -type=AAAA web6 | sed -n "s/^Address: \\(.*:.*\\)/\\1/p" | tail -1)]/"']);
  assert.match(out, new RegExp(`inet6 ${v6.prefix}::99/64`));
  assert.match(out, new RegExp(`^nameserver ${v6.prefix}::1$`, 'm'), 'the IPv6 gateway serves DNS too');
  assert.match(out, new RegExp(`Name:\\s+web6\\.dns\\.podman\\nAddress: ${v6.prefix}::77`));
  assert.match(out, new RegExp(`Address: ${base.replaceAll('.', '\\.')}\\d+`));
  assert.match(out, /hello over v6$/);

  // -p forwards both families: IPv4 on 127.0.0.1, IPv6 on the host's own address on the bridge.
  assert.equal(await fetchRetry(`http://127.0.0.1:${port}/`), 'hello over v6\n');
  assert.equal(await fetchRetry(`http://[${v6.prefix}::1]:${port}/`), 'hello over v6\n');
  assert.ok(rules6([dport(port)]).length > 0, 'ip6tables DNAT rules for the port');
  s.ok(['rm', '-f', 'web6']);
  assert.deepEqual(rules6([dport(port), v6.subnet]), [], 'no ip6tables rule left');
  s.ok(['network', 'rm', 'ds']);
});

test('--ip6 errors: Podman\'s messages, exit 125, nothing left behind', () => {
  const v4 = randomSubnet();
  const v6 = randomV6();
  s.ok(['network', 'create', '--subnet', v4, 'only4']);
  s.ok(['network', 'create', '--subnet', v4.replace(/^10\.\d+/, '10.209'), '--subnet', v6.subnet, 'both']);
  s.ok(['run', '-d', '--name', 'holder', '--network', 'both', '--ip6', `${v6.prefix}::5`, 'busybox', 'sleep', '1000']);
  for (const [args, msg] of [
    [['--network', 'only4', '--ip6', 'fd00::5'], /^Error: requested static ip fd00::5 not in any subnet on network only4$/],
    [['--network', 'both', '--ip6', 'fd00::5'], /^Error: requested static ip fd00::5 not in any subnet on network both$/],
    [['--network', 'both', '--ip6', `${v6.prefix}::5`], /^Error: IPAM error: requested ip address fd.*::5 is already allocated to container ID [0-9a-f]{64}$/],
    [['--network', 'both', '--ip6', `${v6.prefix}::1`], /reserved in subnet/],
    [['--network', 'both', '--ip6', '10.0.0.1'], /^Error: 10\.0\.0\.1 is not an IPv6 address$/],
    [['--network', 'both', '--ip6', 'nope'], /^Error: invalid argument "nope" for "--ip6" flag: invalid IP address$/],
    [['--network', 'none', '--ip6', `${v6.prefix}::9`], /^Error: --ip6 can only be set when the network mode is bridge: invalid argument$/],
    [['--network', 'both:ip6=zz'], /^Error: invalid option for network both: invalid ip address "zz"$/],
    [['--network', 'both:bogus=1'], /^Error: invalid option for network both: unknown bridge network option: bogus$/],
  ] as [string[], RegExp][]) {
    const r = s.husk(['run', '--rm', ...args, 'busybox', 'true']);
    assert.equal(r.code, 125, args.join(' '));
    assert.match(r.stderr.trim(), msg, args.join(' '));
  }
  assert.deepEqual(s.ok(['ps', '-a', '--format', '{{.Names}}']).split('\n'), ['holder']);
  // network connect --ip6 attaches a running container with that address.
  s.ok(['run', '-d', '--name', 'late', '--network', 'only4', 'busybox', 'sleep', '1000']);
  s.ok(['network', 'connect', '--ip6', `${v6.prefix}::31`, 'both', 'late']);
  assert.match(s.ok(['exec', 'late', 'ip', '-6', 'addr', 'show', 'eth1']), new RegExp(`inet6 ${v6.prefix}::31/64`));
  s.ok(['rm', '-f', 'holder', 'late']);
  s.ok(['network', 'rm', 'only4', 'both']);
});
