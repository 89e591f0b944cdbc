// Dual-stack networks through the Docker API with the real docker CLI:
// `docker network create --ipv6` with an IPAM config per family (subnet,
// gateway, ip-range), inspect showing both, a container's IPv6 address by
// `docker run --ip6` and in `docker inspect`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { dockerHarness } from './docker-harness.ts';

const { docker } = dockerHarness('husk-api-v6-', {
  teardown: async (h) => {
    await h.docker(['rm', '-f', 'v6c']);
    await h.docker(['network', 'rm', 'dnet6', 'dnet6auto']);
  },
});

test('docker network create --ipv6 with a subnet, gateway and ip-range per family; run --ip6; inspect shows both', async () => {
  const h = randomBytes(6).toString('hex');
  const prefix = `fd${h.slice(0, 2)}:${h.slice(2, 6)}:${h.slice(6, 10)}:${h.slice(10, 12)}00`.replace(/:0+(?=[0-9a-f])/g, ':');
  const v4 = `10.${200 + Math.floor(Math.random() * 8)}.${Math.floor(Math.random() * 256)}`;
  const c = await docker(['network', 'create', '--ipv6', '--subnet', `${v4}.0/24`, '--gateway', `${v4}.254`, '--ip-range', `${v4}.128/25`,
    '--subnet', `${prefix}::/64`, '--gateway', `${prefix}::fe`, 'dnet6']);
  assert.equal(c.code, 0, c.stderr);
  const n = JSON.parse((await docker(['network', 'inspect', 'dnet6'])).stdout)[0];
  assert.equal(n.EnableIPv6, true);
  // The docker CLI pairs gateways and ranges with subnets by containment and may send IPv6 first.
  const bySubnet = (a: { Subnet: string }, b: { Subnet: string }) => a.Subnet.localeCompare(b.Subnet);
  assert.deepEqual(n.IPAM.Config.sort(bySubnet), [{ Subnet: `${v4}.0/24`, Gateway: `${v4}.254` }, { Subnet: `${prefix}::/64`, Gateway: `${prefix}::fe` }]);

  const r = await docker(['run', '-d', '--name', 'v6c', '--network', 'dnet6', '--ip6', `${prefix}::42`, 'busybox', 'sleep', '1000']);
  assert.equal(r.code, 0, r.stderr);
  const ip6 = await docker(['inspect', 'v6c', '--format', '{{.NetworkSettings.Networks.dnet6.GlobalIPv6Address}} {{.NetworkSettings.Networks.dnet6.IPAddress}}']);
  const [a6, a4] = ip6.stdout.trim().split(' ');
  assert.equal(a6, `${prefix}::42`);
  assert.match(a4, new RegExp(`^${v4.replaceAll('.', '\\.')}\\.(12[89]|1[3-9]\\d|2\\d\\d)$`), 'the IPv4 address comes from the ip-range (upper half)');
  const inside = await docker(['exec', 'v6c', 'ip', '-6', 'addr', 'show', 'eth0']);
  assert.match(inside.stdout, new RegExp(`inet6 ${prefix}::42/64`));
  const listed = JSON.parse((await docker(['network', 'inspect', 'dnet6'])).stdout)[0].Containers;
  assert.equal((Object.values(listed)[0] as { IPv6Address: string }).IPv6Address, `${prefix}::42/64`);

  // --ipv6 alone: husk (as Podman) picks both subnets.
  assert.equal((await docker(['network', 'create', '--ipv6', 'dnet6auto'])).code, 0);
  const auto = JSON.parse((await docker(['network', 'inspect', 'dnet6auto'])).stdout)[0];
  assert.equal(auto.IPAM.Config.length, 2);
  assert.match(auto.IPAM.Config[0].Subnet, /^10\.\d+\.\d+\.0\/24$/);
  assert.match(auto.IPAM.Config[1].Subnet, /^fd[0-9a-f:]+::\/64$/);
});
