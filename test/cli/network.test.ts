// Bridge networking through netavark: published ports reachable from the
// host, DNS between containers by name, clean teardown, clear errors.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { join } from 'node:path';
import { Store } from '../helpers.ts';

const s = new Store();
let www = '';
before(() => {
  s.busybox();
  www = join(s.dir, 'www');
  mkdirSync(www);
  writeFileSync(join(www, 'index.html'), 'hello from husk\n');
});
after(() => s.destroyWhenIdle());

const links = () => readdirSync('/sys/class/net').sort();
// netavark's base chains stay once created (as with Podman); per-container rules must not.
const rules = () => execFileSync('iptables-save', { encoding: 'utf8' }).split('\n').filter((l) => /NETAVARK|10\.88\.|10\.89\./.test(l) && !l.startsWith('#')).sort();
const fetchText = (url: string) => new Promise<string>((resolve, reject) => {
  get(url, (res) => {
    let body = '';
    res.on('data', (d) => (body += d));
    res.on('end', () => resolve(body));
  }).on('error', reject);
});

test('-p publishes a busybox httpd on 127.0.0.1; ps, port and inspect show it', async () => {
  const id = s.ok(['run', '-d', '--name', 'web', '--network', 'bridge', '-p', '127.0.0.1:0:80', '-v', `${www}:/www:ro`, 'busybox', 'httpd', '-f', '-p', '80', '-h', '/www']);
  const mapping = s.ok(['port', 'web', '80']);
  assert.match(mapping, /^127\.0\.0\.1:\d+$/);
  let body = '';
  for (let i = 0; i < 50 && !body; i++) {
    body = await fetchText(`http://${mapping}/`).catch(() => '');
    if (!body) await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal(body, 'hello from husk\n');
  assert.match(s.ok(['ps', '--format', '{{.Ports}}', '--filter', `id=${id}`]), /^127\.0\.0\.1:\d+->80\/tcp$/);
  assert.match(s.ok(['inspect', 'web', '--format', '{{.NetworkSettings.IPAddress}}']), /^10\.88\.\d+\.\d+$/);
  s.ok(['rm', '-f', 'web']);
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

test('run/rm cycles leave no veth, netns or firewall rule behind', () => {
  s.ok(['run', '--rm', '--network', 'bridge', '-p', '0:80', 'busybox', 'true']);
  const l0 = links();
  const r0 = rules();
  for (let i = 0; i < 10; i++) s.ok(['run', '--rm', '--network', 'bridge', '-p', '0:80', 'busybox', 'true']);
  assert.deepEqual(links(), l0);
  assert.deepEqual(rules(), r0);
  assert.deepEqual(readdirSync(join(s.runroot, 'netns')), []);
});

test('errors: port in use, unknown network, bad or overlapping subnets, -p without a network', () => {
  s.ok(['run', '-d', '--name', 'holder', '--network', 'bridge', '-p', '127.0.0.1:0:80', 'busybox', 'sleep', '100']);
  const port = s.ok(['port', 'holder', '80']);
  const l0 = links();
  const clash = s.husk(['run', '--rm', '--network', 'bridge', '-p', `${port}:80`, 'busybox', 'true']);
  assert.equal(clash.code, 125);
  assert.match(clash.stderr, /address already in use/);
  assert.deepEqual(links(), l0);
  s.ok(['rm', '-f', 'holder']);
  const unknown = s.husk(['run', '--rm', '--network', 'nosuchnet', 'busybox', 'true']);
  assert.equal(unknown.code, 125);
  assert.match(unknown.stderr, /unable to find network with name or ID nosuchnet/);
  for (const [args, msg] of [
    [['--subnet', '10.300.0.0/24'], /invalid/i],
    [['--subnet', '10.88.1.0/24'], /already used/],
    [['--subnet', '10.77.0.0/24', '--gateway', '10.78.0.1'], /not in subnet/],
  ] as [string[], RegExp][]) {
    const r = s.husk(['network', 'create', ...args, 'badnet']);
    assert.equal(r.code, 125, args.join(' '));
    assert.match(r.stderr, msg);
  }
  assert.equal(s.husk(['network', 'exists', 'badnet']).code, 1);
  const noNet = s.husk(['run', '--rm', '-p', '8080:80', 'busybox', 'true']);
  assert.equal(noNet.code, 125);
  assert.match(noNet.stderr, /port mappings need a network/);
});
