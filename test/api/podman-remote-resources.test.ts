// The real podman-remote (Debian's podman 4.3, `podman --remote --url
// unix://SOCK`) against husk's libpod exec, volume, network and kube
// endpoints: each command's output and exit code are podman's, and the
// engine (read directly, not through the API) holds what the command made.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { dockerHarness } from './docker-harness.ts';

const h = dockerHarness('husk-podman-res-', { setup: async (x) => writeFileSync(join(x.store.dir, 'docker', 'config.json'), '{}') });
const url = () => `unix://${h.sock}`;
const podman = (args: string[], o: { input?: string } = {}) => h.run('podman', ['--remote', '--url', url(), ...args], { timeout: 120_000, ...o });

test('podman --remote exec: output, exit code, stdin, -d, a tty with the terminal\'s size', async () => {
  assert.equal((await podman(['run', '-d', '--name', 'ex', 'busybox', 'sleep', '1000'])).code, 0);
  const e = await podman(['exec', 'ex', 'sh', '-c', 'echo out; echo err >&2; exit 3']);
  assert.equal(e.code, 3);
  assert.equal(e.stdout, 'out\n');
  assert.equal(e.stderr, 'err\n');
  // stdin on the connection podman started the session with (a plain POST, no Upgrade).
  const i = await podman(['exec', '-i', 'ex', 'sh', '-c', 'read a; read b; echo "$b-$a"'], { input: 'one\ntwo\n' });
  assert.equal(i.code, 0, i.stderr);
  assert.equal(i.stdout, 'two-one\n');
  const d = await podman(['exec', '-d', 'ex', 'sh', '-c', 'echo detached > /tmp/mark']);
  assert.equal(d.code, 0, d.stderr);
  assert.match(d.stdout.trim(), /^[0-9a-f]{64}$/);
  let mark = '';
  for (let k = 0; k < 300 && mark !== 'detached\n'; k++) {
    mark = (await podman(['exec', 'ex', 'cat', '/tmp/mark'])).stdout;
    if (mark !== 'detached\n') await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal(mark, 'detached\n');
  // -it under a pty of 33x77 (script(1) gives podman a terminal): the session's tty gets that size through exec resize.
  const t = await new Promise<string>((resolve) => {
    const p = spawn('script', ['-qec', `stty rows 33 cols 77; podman --remote --url ${url()} exec -it ex stty size`, '/dev/null'], { env: h.env() });
    let out = '';
    p.stdout.on('data', (b: Buffer) => (out += b));
    p.stdin.end();
    p.on('close', () => resolve(out));
  });
  assert.match(t, /33 77/);
  assert.equal((await podman(['rm', '-f', 'ex'])).code, 0);
});

test('podman --remote volume: create, ls, inspect, exists, rm, prune', async () => {
  const c = await podman(['volume', 'create', '--label', 'k=v', 'pv1']);
  assert.equal(c.code, 0, c.stderr);
  assert.equal(c.stdout.trim(), 'pv1');
  assert.equal((await podman(['volume', 'create', 'pv2'])).code, 0);
  const ls = await podman(['volume', 'ls', '--format', '{{.Name}} {{.Driver}}']);
  assert.equal(ls.stdout, 'pv1 local\npv2 local\n');
  const f = await podman(['volume', 'ls', '-q', '--filter', 'label=k=v']);
  assert.equal(f.stdout, 'pv1\n');
  const ins = await podman(['volume', 'inspect', 'pv1']);
  assert.equal(ins.code, 0, ins.stderr);
  const doc = JSON.parse(ins.stdout)[0];
  assert.equal(doc.Name, 'pv1');
  assert.deepEqual(doc.Labels, { k: 'v' });
  assert.equal(doc.Mountpoint, (await h.engine().volumes.inspect('pv1')).Mountpoint);
  assert.equal((await podman(['volume', 'exists', 'pv1'])).code, 0);
  assert.equal((await podman(['volume', 'exists', 'nosuch'])).code, 1);
  const missing = await podman(['volume', 'inspect', 'nosuch']);
  assert.equal(missing.code, 125);
  assert.match(missing.stderr, /no such volume/);
  // In use: rm refuses, rm -f takes the container with it.
  assert.equal((await podman(['run', '-d', '--name', 'vuser', '-v', 'pv1:/data', 'busybox', 'sleep', '1000'])).code, 0);
  const busy = await podman(['volume', 'rm', 'pv1']);
  assert.notEqual(busy.code, 0);
  assert.match(busy.stderr, /in use|being used/i);
  assert.equal((await podman(['rm', '-f', 'vuser'])).code, 0);
  const rm = await podman(['volume', 'rm', 'pv1']);
  assert.equal(rm.code, 0, rm.stderr);
  assert.equal(rm.stdout.trim(), 'pv1');
  const prune = await podman(['volume', 'prune', '-f']);
  assert.equal(prune.code, 0, prune.stderr);
  assert.equal(prune.stdout.trim(), 'pv2');
  assert.deepEqual(await h.engine().volumes.list(), []);
});

test('podman --remote network: create, ls, inspect, exists, connect, disconnect, rm', async () => {
  const c = await podman(['network', 'create', '--subnet', '10.89.77.0/24', '--label', 'a=b', 'pnet']);
  assert.equal(c.code, 0, c.stderr);
  assert.equal(c.stdout.trim(), 'pnet');
  const ls = await podman(['network', 'ls', '--format', '{{.Name}} {{.Driver}}']);
  assert.match(ls.stdout, /^pnet bridge$/m);
  assert.match(ls.stdout, /^podman bridge$/m);
  const ins = JSON.parse((await podman(['network', 'inspect', 'pnet'])).stdout)[0];
  assert.equal(ins.subnets[0].subnet, '10.89.77.0/24');
  assert.deepEqual(ins.labels, { a: 'b' });
  assert.equal((await podman(['network', 'exists', 'pnet'])).code, 0);
  assert.equal((await podman(['network', 'exists', 'nosuch'])).code, 1);
  assert.equal((await podman(['run', '-d', '--name', 'nc', 'busybox', 'sleep', '1000'])).code, 0);
  const con = await podman(['network', 'connect', '--alias', 'svc', 'pnet', 'nc']);
  assert.equal(con.code, 0, con.stderr);
  const addr = await podman(['exec', 'nc', 'ip', '-4', '-o', 'addr']);
  assert.match(addr.stdout, /inet 10\.89\.77\.\d+\/24/);
  assert.deepEqual(Object.keys((await h.engine().containers.get('nc')).config.networks ?? {}).sort(), ['pnet', 'podman']);
  const dis = await podman(['network', 'disconnect', 'pnet', 'nc']);
  assert.equal(dis.code, 0, dis.stderr);
  assert.doesNotMatch((await podman(['exec', 'nc', 'ip', '-4', '-o', 'addr'])).stdout, /10\.89\.77\./);
  assert.equal((await podman(['rm', '-f', 'nc'])).code, 0);
  const rm = await podman(['network', 'rm', 'pnet']);
  assert.equal(rm.code, 0, rm.stderr);
  assert.equal(rm.stdout.trim(), 'pnet');
  assert.equal(await h.engine().networks.exists('pnet'), false);
  const again = await podman(['network', 'rm', 'pnet']);
  assert.notEqual(again.code, 0);
  assert.match(again.stderr, /pnet/);
});

test('podman --remote pod create on two networks, one with a named interface: a member sees both', async () => {
  assert.equal((await podman(['network', 'create', '--subnet', '10.89.81.0/24', 'podn1'])).code, 0);
  assert.equal((await podman(['network', 'create', '--subnet', '10.89.82.0/24', 'podn2'])).code, 0);
  const c = await podman(['pod', 'create', '--name', 'npod', '--network', 'podn1', '--network', 'podn2:interface_name=pn9,ip=10.89.82.9']);
  assert.equal(c.code, 0, c.stderr);
  const r = await podman(['run', '--rm', '--pod', 'npod', 'busybox', 'ip', '-o', '-4', 'addr']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /eth0\s+inet 10\.89\.81\.\d+\/24/);
  assert.match(r.stdout, /pn9\s+inet 10\.89\.82\.9\/24/);
  assert.equal((await podman(['pod', 'rm', '-f', 'npod'])).code, 0);
  assert.equal((await podman(['network', 'rm', 'podn1', 'podn2'])).code, 0);
});

test('podman --remote network create: dual stack with a subnet, gateway and ip-range per family; --ipv6 alone', async () => {
  const c = await podman(['network', 'create', '--ipv6', '--subnet', '10.89.78.0/24', '--gateway', '10.89.78.254', '--ip-range', '10.89.78.128/25', '--subnet', 'fd78:1::/64', 'dual']);
  assert.equal(c.code, 0, c.stderr);
  const ins = JSON.parse((await podman(['network', 'inspect', 'dual'])).stdout)[0];
  assert.equal(ins.ipv6_enabled, true);
  assert.deepEqual(ins.subnets, [
    { subnet: '10.89.78.0/24', gateway: '10.89.78.254', lease_range: { start_ip: '10.89.78.129', end_ip: '10.89.78.255' } },
    { subnet: 'fd78:1::/64', gateway: 'fd78:1::1' },
  ]);
  // A container on it gets an address of each family, the IPv4 one from the range.
  const addr = await podman(['run', '--rm', '--network', 'dual', 'busybox', 'ip', '-o', 'addr', 'show', 'eth0']);
  assert.equal(addr.code, 0, addr.stderr);
  assert.match(addr.stdout, /inet 10\.89\.78\.(1(29|[3-9]\d)|2\d\d)\/24/);
  assert.match(addr.stdout, /inet6 fd78:1::[0-9a-f:]+\/64 scope global/);
  // --ip6 and --ip reach the engine as the network's static addresses.
  const fixed = await podman(['run', '--rm', '--network', 'dual', '--ip6', 'fd78:1::99', '--ip', '10.89.78.200', 'busybox', 'ip', '-o', 'addr', 'show', 'eth0']);
  assert.equal(fixed.code, 0, fixed.stderr);
  assert.match(fixed.stdout, /inet 10\.89\.78\.200\/24/);
  assert.match(fixed.stdout, /inet6 fd78:1::99\/64 scope global/);
  // --ipv6 with no subnet: a free IPv4 subnet and an IPv6 ULA /64.
  assert.equal((await podman(['network', 'create', '--ipv6', 'auto6'])).code, 0);
  const auto = JSON.parse((await podman(['network', 'inspect', 'auto6'])).stdout)[0];
  assert.deepEqual(auto.subnets.map((x: { subnet: string }) => x.subnet.includes(':') ? 6 : 4).sort(), [4, 6]);
  assert.match(auto.subnets.find((x: { subnet: string }) => x.subnet.includes(':')).subnet, /^fd[0-9a-f]{2}:[0-9a-f:]+\/64$/);
  // A range outside its subnet: one error, nothing created.
  const bad = await podman(['network', 'create', '--subnet', '10.89.79.0/24', '--ip-range', '10.90.0.0/25', 'badrange']);
  assert.notEqual(bad.code, 0);
  assert.equal(await h.engine().networks.exists('badrange'), false);
  assert.equal((await podman(['network', 'rm', 'dual', 'auto6'])).code, 0);
});

test('podman --remote run on two networks: the second network and interface_name reach the engine', async () => {
  assert.equal((await podman(['network', 'create', '--subnet', '10.89.180.0/24', 'rn1'])).code, 0);
  assert.equal((await podman(['network', 'create', '--subnet', '10.89.181.0/24', 'rn2'])).code, 0);
  const r = await podman(['run', '--rm', '--network', 'rn1:interface_name=eth5,ip=10.89.180.40', '--network', 'rn2', 'busybox', 'ip', '-o', '-4', 'addr']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /eth5\s+inet 10\.89\.180\.40\/24/);
  assert.match(r.stdout, /eth0\s+inet 10\.89\.181\.\d+\/24/);
  assert.equal((await podman(['network', 'rm', 'rn1', 'rn2'])).code, 0);
});

test('podman --remote generate kube and play kube (up and --down)', async () => {
  assert.equal((await podman(['run', '-d', '--name', 'kc', '-e', 'GREETING=hi', 'busybox', 'sh', '-c', 'echo $GREETING; exec sleep 1000'])).code, 0);
  const g = await podman(['generate', 'kube', 'kc']);
  assert.equal(g.code, 0, g.stderr);
  assert.match(g.stdout, /^kind: Pod$/m);
  assert.match(g.stdout, /name: GREETING\n\s+value: hi/);
  assert.equal((await podman(['rm', '-f', 'kc'])).code, 0);
  const file = join(h.store.dir, 'kube.yaml');
  writeFileSync(file, g.stdout.replace(/name: kc-pod/g, 'name: kplay'));
  const p = await podman(['play', 'kube', file]);
  assert.equal(p.code, 0, p.stderr);
  const pods = await h.engine().pods.list();
  assert.equal(pods.length, 1);
  assert.equal(pods[0].config.name, 'kplay');
  assert.match(p.stdout, new RegExp(`Pod:\\n${pods[0].config.id}\\nContainer:\\n[0-9a-f]{64}\\n`));
  let logs = '';
  for (let k = 0; k < 300 && logs !== 'hi\n'; k++) {
    logs = (await podman(['logs', 'kplay-kc'])).stdout;
    if (logs !== 'hi\n') await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal(logs, 'hi\n');
  const d = await podman(['play', 'kube', '--down', file]);
  assert.equal(d.code, 0, d.stderr);
  assert.equal(d.stdout, `Pods stopped:\n${pods[0].config.id}\nPods removed:\n${pods[0].config.id}\n`);
  assert.deepEqual(await h.engine().pods.list(), []);
  assert.deepEqual((await h.engine().containers.list({ all: true })).map((c) => c.config.name), []);
  const bad = await podman(['play', 'kube', '/dev/null']);
  assert.notEqual(bad.code, 0);
});
