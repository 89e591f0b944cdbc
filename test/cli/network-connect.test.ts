// network connect / disconnect (live and configured containers) and
// network reload after the firewall lost netavark's rules.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { Store } from '../helpers.ts';
import { aardvarkPids, dport, fetchRetry, fetchText, linkExists, randomPort, randomSubnet, rulesWith } from './nettools.ts';

const s = new Store();
before(() => s.busybox());
after(async () => {
  s.husk(['rm', '-af']);
  for (const n of s.ok(['network', 'ls', '-q']).split('\n')) if (n && n !== 'podman') s.husk(['network', 'rm', '-f', n]);
  await s.destroyWhenIdle();
});

const tag = process.pid % 100000;
const addrs = (ctr: string) => s.ok(['exec', ctr, 'ip', '-o', '-4', 'addr']).split('\n').map((l) => l.split(/\s+/).slice(1, 4).join(' ')).filter((l) => !l.startsWith('lo '));

test('connect and disconnect a running container: interface, /etc/hosts, resolv.conf, DNS alias, inspect, teardown', () => {
  const subnet = randomSubnet();
  const base = subnet.slice(0, -4);
  const bridge = `hc${tag}`;
  s.ok(['network', 'create', '--subnet', subnet, '--interface-name', bridge, 'cnet']);
  s.ok(['run', '-d', '--name', 'c1', 'busybox', 'httpd', '-f', '-p', '80', '-h', '/etc']);
  assert.deepEqual(addrs('c1').map((a) => a.split(' ')[0]), ['eth0']);
  assert.equal(s.ok(['network', 'connect', '--alias', 'x1', '--ip', `${base}9`, 'cnet', 'c1']), '');
  const now = addrs('c1');
  assert.equal(now.length, 2);
  assert.equal(now[1], `eth1 inet ${base}9/24`);
  const hosts = s.ok(['exec', 'c1', 'cat', '/etc/hosts']);
  assert.match(hosts, new RegExp(`^${base.replaceAll('.', '\\.')}9\\t[0-9a-f]{12} c1$`, 'm'));
  assert.match(hosts, /^10\.88\.0\.1\thost\.containers\.internal$/m, 'still the first network\'s gateway');
  assert.match(s.ok(['exec', 'c1', 'cat', '/etc/resolv.conf']), new RegExp(`^nameserver ${base.replaceAll('.', '\\.')}1$`, 'm'));
  // Another container on the network finds c1 by its new alias and by name.
  assert.equal(s.ok(['run', '--rm', '--network', 'cnet', 'busybox', 'wget', '-qO-', 'http://x1/hostname']).length, 12);
  assert.equal(s.ok(['run', '--rm', '--network', 'cnet', 'busybox', 'wget', '-qO-', 'http://c1/hostname']).length, 12);
  const nets = JSON.parse(s.ok(['inspect', 'c1', '--format', '{{json .NetworkSettings.Networks}}']));
  assert.deepEqual(Object.keys(nets), ['podman', 'cnet']);
  assert.equal(nets.cnet.IPAddress, `${base}9`);
  assert.deepEqual(nets.cnet.Aliases, ['x1']);

  const again = s.husk(['network', 'connect', 'cnet', 'c1']);
  assert.equal(again.code, 125);
  assert.match(again.stderr, /^Error: container [0-9a-f]{64} is already connected to network "cnet": network is already connected\n$/);

  assert.equal(s.ok(['network', 'disconnect', 'cnet', 'c1']), '');
  assert.deepEqual(addrs('c1').map((a) => a.split(' ')[0]), ['eth0']);
  assert.doesNotMatch(s.ok(['exec', 'c1', 'cat', '/etc/hosts']), new RegExp(base.replaceAll('.', '\\.')));
  assert.deepEqual(Object.keys(JSON.parse(s.ok(['inspect', 'c1', '--format', '{{json .NetworkSettings.Networks}}']))), ['podman']);
  // c1 was the network's last container: bridge, rules and DNS server are gone.
  assert.ok(!linkExists(bridge));
  assert.deepEqual(rulesWith([subnet]), []);
  assert.deepEqual(aardvarkPids(s.runroot), []);
  const notConn = s.husk(['network', 'disconnect', 'cnet', 'c1']);
  assert.equal(notConn.code, 125);
  assert.equal(notConn.stderr, 'Error: container c1 is not connected to network cnet\n');
  // Once rm'd, nothing of c1 remains on the default network either.
  s.ok(['rm', '-f', 'c1']);
  s.ok(['network', 'rm', 'cnet']);
});

test('connect/disconnect on created and stopped containers change the config only; the next start uses it', () => {
  const subnet = randomSubnet();
  s.ok(['network', 'create', '--subnet', subnet, 'knet']);
  s.ok(['create', '--name', 'c2', 'busybox', 'ip', '-o', '-4', 'addr']);
  s.ok(['network', 'connect', 'knet', 'c2']);
  s.ok(['network', 'disconnect', 'podman', 'c2']);
  assert.deepEqual(Object.keys(JSON.parse(s.ok(['inspect', 'c2', '--format', '{{json .NetworkSettings.Networks}}']))), ['knet']);
  const out = s.ok(['start', '-a', 'c2']);
  assert.match(out, new RegExp(`eth1\\s+inet ${subnet.slice(0, -5).replaceAll('.', '\\.')}\\.\\d+/24`));
  assert.doesNotMatch(out, /10\.88\./);
  // Stopped now: reconnecting the default network is again a config change.
  s.ok(['network', 'connect', 'podman', 'c2']);
  assert.match(s.ok(['start', '-a', 'c2']), /eth0\s+inet 10\.88\./);
  const busy = s.husk(['network', 'rm', 'knet']);
  assert.equal(busy.code, 125);
  s.ok(['rm', 'c2']);
  s.ok(['network', 'rm', 'knet']);
});

test('connect/disconnect errors: unknown network or container, non-bridge mode', () => {
  s.ok(['create', '--name', 'lonely', '--network', 'none', 'busybox', 'true']);
  for (const [args, msg] of [
    [['connect', 'nosuchnet', 'lonely'], /^Error: unable to find network with name or ID nosuchnet: network not found\n$/],
    [['connect', 'podman', 'nosuchctr'], /^Error: no container with name or ID "nosuchctr" found: no such container\n$/],
    [['connect', 'podman', 'lonely'], /^Error: "none" is not supported: invalid network mode\n$/],
    [['disconnect', 'podman', 'lonely'], /^Error: container lonely is not connected to network podman\n$/],
    [['connect', '--ip', '10.99.99.9', 'podman', 'lonely'], /invalid network mode|not in any subnet/],
  ] as [string[], RegExp][]) {
    const r = s.husk(['network', ...args]);
    assert.equal(r.code, 125, args.join(' '));
    assert.match(r.stderr, msg);
  }
  s.ok(['rm', 'lonely']);
});

/** Deletes every rule mentioning one of the needles, as a firewall reload (firewall-cmd --reload) would. */
function flushRules(needles: string[]): number {
  let table = '';
  const out: string[] = [];
  let n = 0;
  for (const l of execFileSync('iptables-save', { encoding: 'utf8' }).split('\n')) {
    if (l.startsWith('*')) { table = l; continue; }
    if (!l.startsWith('-A ') || !needles.some((x) => l.includes(x))) continue;
    out.push(table, `-D ${l.slice(3)}`, 'COMMIT');
    n++;
  }
  execFileSync('iptables-restore', ['--noflush'], { input: out.join('\n') + '\n' });
  return n;
}

test('network reload restores a published port after its firewall rules were flushed, same address and MAC', async () => {
  const subnet = randomSubnet();
  s.ok(['network', 'create', '--subnet', subnet, 'rnet']);
  const port = randomPort();
  const id = s.ok(['run', '-d', '--name', 'web', '--network', 'rnet', '-p', `127.0.0.1:${port}:80`, 'busybox', 'httpd', '-f', '-p', '80', '-h', '/etc']);
  s.ok(['create', '--name', 'idle', 'busybox', 'true']);
  const url = `http://127.0.0.1:${port}/hostname`;
  assert.equal((await fetchRetry(url)).trim(), id.slice(0, 12));
  const fmt = '{{.NetworkSettings.IPAddress}} {{.NetworkSettings.MacAddress}}';
  const before = s.ok(['inspect', 'web', '--format', fmt]);
  assert.ok(flushRules([subnet, dport(port)]) >= 3);
  assert.equal(await fetchText(url, 1000).catch(() => 'unreachable'), 'unreachable');
  assert.equal(s.ok(['network', 'reload', 'web']), id);
  assert.equal((await fetchRetry(url)).trim(), id.slice(0, 12));
  assert.equal(s.ok(['inspect', 'web', '--format', fmt]), before);
  assert.equal(s.ok(['exec', 'web', 'ip', '-o', 'link', 'show', 'eth0']).includes(before.split(' ')[1]), true);
  // --all: only running containers with networks; a named stopped one is an error.
  assert.equal(s.ok(['network', 'reload', '--all']), id);
  assert.equal((await fetchRetry(url)).trim(), id.slice(0, 12));
  const stopped = s.husk(['network', 'reload', 'idle']);
  assert.equal(stopped.code, 125);
  assert.match(stopped.stderr, /cannot reload network unless container network has been configured/);
  assert.equal(s.husk(['network', 'reload']).code, 125);
  s.ok(['rm', '-f', 'web', 'idle']);
  assert.deepEqual(rulesWith([subnet, dport(port)]), []);
  s.ok(['network', 'rm', 'rnet']);
});
