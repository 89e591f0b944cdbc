// Unit checks for the slirp4netns adapter: Podman's option parsing and
// messages, the fixed addresses, the argv, and the error mapping for ports
// that cannot be published (with a real EACCES from an unprivileged bind),
// then the adapter against a real slirp4netns in a scratch namespace.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { createNetns, deleteNetns } from '../../../src/runtime/network/netns.ts';
import {
  addPortForwards, hostfwdError, isSlirpProcess, parseSlirpMode, slirpAddresses, slirpArgs, slirpFailure, slirpRequest, startSlirp, stopSlirp,
  unprivilegedPortStart,
} from '../../../src/runtime/network/slirp.ts';

test('defaults: 10.0.2.0/24, mtu 65520, host loopback off', () => {
  assert.deepEqual(parseSlirpMode('slirp4netns'), { allowHostLoopback: false, cidr: '10.0.2.0/24', mtu: 65520, enableIPv6: false });
  assert.deepEqual(slirpAddresses('10.0.2.0/24'), { ip: '10.0.2.100', gateway: '10.0.2.2', dns: '10.0.2.3', prefix: 24 });
});

test('options: allow_host_loopback, cidr (host bits cleared), mtu, enable_ipv6, port_handler', () => {
  const o = parseSlirpMode('slirp4netns:allow_host_loopback=true,cidr=10.41.7.9/24,mtu=1500,enable_ipv6=true,port_handler=slirp4netns');
  assert.deepEqual(o, { allowHostLoopback: true, cidr: '10.41.7.0/24', mtu: 1500, enableIPv6: true, portHandler: 'slirp4netns' });
  assert.deepEqual(slirpAddresses(o.cidr), { ip: '10.41.7.100', gateway: '10.41.7.2', dns: '10.41.7.3', prefix: 24 });
  assert.equal(parseSlirpMode('slirp4netns:outbound_addr=127.0.0.1').outboundAddr, '127.0.0.1');
  assert.equal(parseSlirpMode('slirp4netns:outbound_addr=lo').outboundAddr, 'lo');
});

test('invalid options fail with one clear line', () => {
  const cases: [string, RegExp][] = [
    ['slirp4netns:foo=bar', /^unknown option for slirp4netns: "foo=bar"$/],
    ['slirp4netns:allow_host_loopback', /^unknown option for slirp4netns: "allow_host_loopback"$/],
    ['slirp4netns:allow_host_loopback=yes', /invalid value of allow_host_loopback for slirp4netns: "yes"/],
    ['slirp4netns:cidr=fd00::/64', /invalid cidr "fd00::\/64"/],
    ['slirp4netns:cidr=10.0.2.0/28', /too small/],
    ['slirp4netns:mtu=10', /invalid mtu "10"/],
    ['slirp4netns:mtu=70000', /invalid mtu "70000"/],
    ['slirp4netns:outbound_addr=no-such-if0', /invalid outbound_addr "no-such-if0"/],
    ['slirp4netns:outbound_addr6=::1', /enable_ipv6=true is required for outbound_addr6/],
    ['slirp4netns:port_handler=foo', /unknown port_handler for slirp4netns: "foo"/],
    ['slirp4netnsx', /invalid network "slirp4netnsx"/],
  ];
  for (const [mode, re] of cases) {
    assert.throws(() => parseSlirpMode(mode), (e: Error & { code?: string }) => re.test(e.message) && e.code === 'INVALID_ARGUMENT' && !e.message.includes('\n'), mode);
  }
});

test('argv: configure, mtu, cidr, sandbox, seccomp, host loopback off, fds, api socket, netns path, tap0', () => {
  const args = slirpArgs(parseSlirpMode('slirp4netns'), { netnsPath: '/run/ns/x', apiSocket: '/run/s.sock', exitFd: 3, readyFd: 4 });
  assert.deepEqual(args, [
    '--configure', '--mtu=65520', '--cidr=10.0.2.0/24', '--enable-sandbox', '--enable-seccomp', '--disable-host-loopback',
    '--exit-fd=3', '--ready-fd=4', '--api-socket=/run/s.sock', '--netns-type=path', '/run/ns/x', 'tap0',
  ]);
  assert.ok(!slirpArgs(parseSlirpMode('slirp4netns:allow_host_loopback=true'), { netnsPath: '/n', apiSocket: '/s', readyFd: 4 }).includes('--disable-host-loopback'));
  // Every flag husk passes exists in the installed slirp4netns.
  const help = spawnSync('slirp4netns', ['--help'], { encoding: 'utf8' });
  if (help.status === 0) for (const a of args.filter((x) => x.startsWith('--'))) assert.ok(help.stdout.includes(a.split('=')[0]), a);
});

test('add_hostfwd refusals map by the probe errno: EACCES names the sysctl and the port', () => {
  const fwd = { proto: 'tcp', host_addr: '0.0.0.0', host_port: 80 };
  const denied = hostfwdError(fwd, 'bad request: add_hostfwd: slirp_add_hostfwd failed', 'EACCES', 1024);
  assert.equal(denied.code, 'PORT_DENIED');
  assert.equal(denied.exitCode, 125);
  assert.equal(denied.message, "cannot expose privileged port 80, you can add 'net.ipv4.ip_unprivileged_port_start=80' to /etc/sysctl.conf (currently 1024), or choose a larger port number (>= 1024): listen tcp 0.0.0.0:80: bind: permission denied");
  const used = hostfwdError({ ...fwd, proto: 'udp', host_port: 5353 }, 'x', 'EADDRINUSE', 1024);
  assert.equal(used.message, 'cannot listen on the UDP port: listen udp 0.0.0.0:5353: bind: address already in use');
  assert.match(hostfwdError(fwd, 'slirp_add_hostfwd failed', undefined, 1024).message, /^slirp4netns could not publish tcp port 0\.0\.0\.0:80: slirp_add_hostfwd failed$/);
});

test('a real unprivileged bind below ip_unprivileged_port_start is classified EACCES', { skip: process.getuid?.() !== 0 || unprivilegedPortStart() < 2 ? 'needs root to drop to nobody, and privileged ports' : false }, () => {
  const port = unprivilegedPortStart() - 1;
  const src = join(import.meta.dirname, '../../../src/runtime/network/slirp.ts');
  const script = `import(${JSON.stringify(src)}).then(async (m) => { const e = await m.probeBind('tcp', '127.0.0.1', ${port}); const f = m.hostfwdError({ proto: 'tcp', host_addr: '127.0.0.1', host_port: ${port} }, 'x', e, m.unprivilegedPortStart()); console.log(JSON.stringify([e, f.message])); })`;
  const r = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', '--inh-caps=-all', '--bounding-set=-all', process.execPath, '-e', script], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const [errno, message] = JSON.parse(r.stdout);
  assert.equal(errno, 'EACCES');
  assert.match(message, new RegExp(`net\\.ipv4\\.ip_unprivileged_port_start=${port}' .*bind: permission denied$`));
});

test('slirp4netns failing to open /dev/net/tun is reported naming the device', () => {
  const e = slirpFailure('open("/dev/net/tun"): Permission denied; child failed(1)');
  assert.match(e.message, /^slirp4netns cannot open \/dev\/net\/tun: Permission denied \(.*chmod 0666 \/dev\/net\/tun/);
  assert.match(slirpFailure('something else').message, /^slirp4netns failed: something else$/);
});

test('real slirp4netns: tap0 configured, ports forwarded, taken ports explained, exits when the exit FIFO writer dies', { skip: process.getuid?.() !== 0 ? 'needs root' : false }, async () => {
  const tmp = mkdtempSync('/var/tmp/husk-slirp-');
  const ns = await createNetns(join(tmp, 'netns'));
  try {
    const h = await startSlirp({ netnsPath: ns, runDir: tmp, options: parseSlirpMode('slirp4netns') });
    assert.equal(readFileSync(join(tmp, 'slirp4netns.pid'), 'utf8').trim(), String(h.pid));
    assert.ok(isSlirpProcess(h.pid, ns));
    const addr = spawnSync('nsenter', [`--net=${ns}`, 'ip', '-4', '-o', 'addr', 'show', 'tap0'], { encoding: 'utf8' }).stdout;
    assert.match(addr, /inet 10\.0\.2\.100\/24/);
    // A host port held by someone else: slirp4netns refuses, the probe says why.
    const squatter = createServer().listen(0, '127.0.0.1');
    await new Promise((r) => squatter.once('listening', r));
    const taken = (squatter.address() as { port: number }).port;
    await assert.rejects(addPortForwards(h, [{ host_ip: '127.0.0.1', host_port: taken, container_port: 80, range: 1, protocol: 'tcp' }], '10.0.2.100'),
      new RegExp(`^HuskError: cannot listen on the TCP port: listen tcp 127\\.0\\.0\\.1:${taken}: bind: address already in use$`));
    squatter.close();
    await addPortForwards(h, [{ host_ip: '127.0.0.1', host_port: taken, container_port: 80, range: 1, protocol: 'tcp' }], '10.0.2.100');
    const list = await slirpRequest(h.apiSocket, { execute: 'list_hostfwd' }) as { entries?: { host_port: number; guest_port: number }[] };
    assert.deepEqual(list.entries?.map((x) => [x.host_port, x.guest_port]), [[taken, 80]]);
    // Hand the exit FIFO's write end to a stand-in for conmon, drop ours, kill the stand-in.
    const holder = spawn('sleep', ['30'], { stdio: ['ignore', 'ignore', 'ignore', h.exitWriteFd] });
    closeSync(h.exitWriteFd);
    assert.ok(isSlirpProcess(h.pid, ns), 'alive while the holder lives');
    holder.kill('SIGKILL');
    for (let i = 0; i < 100 && isSlirpProcess(h.pid, ns); i++) await new Promise((r) => setTimeout(r, 20));
    assert.ok(!isSlirpProcess(h.pid, ns), 'slirp4netns exited with its last exit-fd writer');
    await stopSlirp(tmp, ns);
    for (const f of ['slirp4netns.pid', 'slirp4netns.sock', 'slirp4netns.log']) assert.ok(!existsSync(join(tmp, f)), f);
  } finally {
    await stopSlirp(tmp, ns);
    deleteNetns(ns);
    rmSync(tmp, { recursive: true, force: true });
  }
});
