// Bridge networks for rootless users (Podman's rootless netns), driven as a
// real unprivileged user made for this file with real containers: network
// create/ls/rm and an address on it, two containers reaching each other by
// name and the host's loopback, published ports reachable from the host,
// and nothing of the rootless netns (slirp4netns, aardvark-dns, the netns
// mount) left once the last container is gone.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FIXTURES, huskForUsers, TestUser, until } from '../helpers.ts';
import { fetchRetry } from './nettools.ts';

const root = process.getuid?.() === 0;
const opts = { skip: root ? false : 'needs root (creates users)' };
const tag = `${process.pid % 10000}`;
let u: TestUser;
let tmp: string;
let run: string; // the user's run dir (no XDG_RUNTIME_DIR): /tmp/husk-run-UID/husk
const servers: ChildProcess[] = [];

before(() => {
  if (!root) return;
  tmp = mkdtempSync('/tmp/husk-rlnet-test-');
  chmodSync(tmp, 0o755);
  const image = join(tmp, 'busybox.tar');
  copyFileSync(join(FIXTURES, 'busybox-rootfs.tar'), image);
  chmodSync(image, 0o644);
  u = new TestUser(`hsrn${tag}`);
  run = `/tmp/husk-run-${u.uid}/husk`;
  u.ok(['import', image, 'busybox']);
});

after(() => {
  for (const s of servers) s.kill('SIGKILL');
  u?.remove();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

/** The user's live (not zombie) processes whose command line starts with `name`. */
function procs(name: string): number[] {
  return readdirSync('/proc').filter((p) => /^\d+$/.test(p)).flatMap((p) => {
    try {
      const status = readFileSync(`/proc/${p}/status`, 'utf8');
      if (Number(/^Uid:\s+(\d+)/m.exec(status)![1]) !== u.uid || /^State:\s+Z/m.test(status)) return [];
      return readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0')[0]!.endsWith(name) ? [Number(p)] : [];
    } catch { return []; }
  });
}

/** Whether the rootless netns is mounted, as the user's namespace (its pause process) sees it. */
function netnsMounted(): boolean {
  const pause = readFileSync(join(run, 'pause.pid'), 'utf8').trim();
  return readFileSync(`/proc/${pause}/mountinfo`, 'utf8').includes(`${run}/rootless-netns/netns `);
}

/** Nothing of the rootless netns is left (slirp4netns can take a moment to exit). */
async function assertNoRootlessNetns(): Promise<void> {
  await until(() => !procs('slirp4netns').length && !procs('aardvark-dns').length, 10_000).catch(() => {});
  assert.deepEqual(procs('slirp4netns'), [], 'no slirp4netns left');
  assert.deepEqual(procs('aardvark-dns'), [], 'no aardvark-dns left');
  assert.equal(netnsMounted(), false, 'rootless netns unmounted');
}

/** A port no one listens on (a probe, then released; ports from a per-process range to avoid other runs). */
let nextPort = 21000 + (process.pid % 400) * 20;
const port = () => nextPort++;

/** An HTTP server on the host serving `dir`, in its own process (husk runs synchronously here). */
async function hostServer(host: string, p: number, dir: string): Promise<void> {
  const s = spawn('python3', ['-m', 'http.server', String(p), '--bind', host, '--directory', dir], { stdio: 'ignore' });
  servers.push(s);
  await fetchRetry(`http://${host}:${p}/`);
}

test('rootless network create/ls/rm; a container on it gets an address from its subnet, its netns served by the user\'s rootless netns', opts, async () => {
  u.ok(['network', 'create', '--subnet', '10.91.7.0/24', 'rnet']);
  assert.match(u.ok(['network', 'ls', '--format', '{{.Name}} {{.Driver}}']), /^rnet bridge$/m);
  const [cfg] = JSON.parse(u.ok(['network', 'inspect', 'rnet']));
  assert.equal(cfg.subnets[0].subnet, '10.91.7.0/24');
  u.ok(['run', '-d', '--name', 'one', '--network', 'rnet', 'busybox', 'sleep', '300']);
  const addr = u.ok(['exec', 'one', 'ip', '-o', '-4', 'addr', 'show', 'eth0']);
  assert.match(addr, /inet 10\.91\.7\.\d+\/24/);
  assert.match(u.ok(['inspect', 'one', '--format', '{{.NetworkSettings.Networks.rnet.IPAddress}}']), /^10\.91\.7\.\d+$/);
  // The rootless netns: one slirp4netns of the user, for the namespace under its run dir.
  const slirp = procs('slirp4netns');
  assert.equal(slirp.length, 1);
  assert.ok(readFileSync(`/proc/${slirp[0]}/cmdline`, 'utf8').split('\0').includes(`${run}/rootless-netns/netns`));
  assert.equal(netnsMounted(), true);
  // The bridge lives in the rootless netns, not in the host's.
  assert.equal(spawnSync('ip', ['-o', '-4', 'addr'], { encoding: 'utf8' }).stdout.includes('10.91.7.1/'), false);
  const r = u.husk(['network', 'rm', 'rnet']);
  assert.equal(r.code, 125, r.stderr);
  assert.match(r.stderr, /has associated containers/);
  u.ok(['rm', '-f', '-t', '0', 'one']);
  assert.equal(u.ok(['network', 'rm', 'rnet']), 'rnet');
  assert.doesNotMatch(u.ok(['network', 'ls', '--format', '{{.Name}}']), /rnet/);
  await assertNoRootlessNetns();
});

/** Writes the user's containers.conf (read when the rootless netns is made). */
function containersConf(text: string | undefined): void {
  const dir = join(u.home, '.config/containers');
  if (text === undefined) { rmSync(join(dir, 'containers.conf'), { force: true }); return; }
  for (const d of [join(u.home, '.config'), dir]) { mkdirSync(d, { recursive: true }); chownSync(d, u.uid, u.gid); }
  writeFileSync(join(dir, 'containers.conf'), text);
  chownSync(join(dir, 'containers.conf'), u.uid, u.gid);
}

test('two containers reach each other by name and alias (aardvark-dns in the rootless netns) and the host\'s loopback with network_cmd_options', opts, async () => {
  const www = join(tmp, 'www');
  mkdirSync(www);
  writeFileSync(join(www, 'hello'), 'hello from the host\n');
  const p = port();
  await hostServer('127.0.0.1', p, www);
  containersConf('[engine]\nnetwork_cmd_options = ["allow_host_loopback=true"]\n');
  u.ok(['network', 'create', 'dnet']);
  u.ok(['run', '-d', '--name', 'a', '--network', 'dnet', '--network-alias', 'api', 'busybox', 'httpd', '-f', '-p', '80', '-h', '/etc']);
  const hostname = u.ok(['exec', 'a', 'hostname']);
  const b = (cmd: string) => u.husk(['run', '--rm', '--name', 'b', '--network', 'dnet', 'busybox', 'sh', '-c', cmd]);
  // aardvark-dns answers on the gateway: a fresh server may take a moment to listen.
  const byName = await until(() => { const r = b('wget -qO- http://a/hostname && wget -qO- http://api/hostname'); return r.code === 0 && r.stdout; }, 30_000);
  assert.equal(byName, `${hostname}\n${hostname}\n`);
  const resolv = u.ok(['exec', 'a', 'cat', '/etc/resolv.conf']);
  assert.match(resolv, /^nameserver 10\.89\.\d+\.1$/m);
  // Outbound through slirp4netns: the host's 127.0.0.1 is 10.0.2.2.
  const out = b(`wget -qO- http://10.0.2.2:${p}/hello`);
  assert.equal(out.code, 0, out.stderr);
  assert.equal(out.stdout, 'hello from the host\n');
  u.ok(['rm', '-f', '-t', '0', 'a']);
  await assertNoRootlessNetns();
  // Podman's default: no host loopback (the next rootless netns is made without it).
  containersConf(undefined);
  const denied = b(`timeout 10 wget -qO- http://10.0.2.2:${p}/hello`);
  assert.notEqual(denied.code, 0);
  assert.equal(denied.stdout, '');
  u.ok(['network', 'rm', 'dnet']);
  await assertNoRootlessNetns();
});

test('-p on a rootless bridge network: reachable from the host on every address and on 127.0.0.1 only; random ports; clashes and privileged ports refused; forwards gone after rm', opts, async () => {
  u.ok(['network', 'create', 'pnet']);
  const [p1, p2] = [port(), port()];
  u.ok(['run', '-d', '--name', 'web', '--network', 'pnet', '-p', `${p1}:80`, '-p', `127.0.0.1:${p2}:80`, '-p', '80', 'busybox', 'httpd', '-f', '-p', '80', '-h', '/etc']);
  const hostname = u.ok(['exec', 'web', 'hostname']);
  assert.equal((await fetchRetry(`http://127.0.0.1:${p1}/hostname`)).trim(), hostname);
  assert.equal((await fetchRetry(`http://127.0.0.1:${p2}/hostname`)).trim(), hostname);
  const ports = u.ok(['port', 'web']).split('\n');
  assert.ok(ports.includes(`80/tcp -> 0.0.0.0:${p1}`) && ports.includes(`80/tcp -> 127.0.0.1:${p2}`), ports.join('; '));
  const random = Number(/0\.0\.0\.0:(\d+)$/.exec(ports.find((l) => !l.endsWith(`:${p1}`) && !l.includes('127.0.0.1'))!)![1]);
  assert.equal((await fetchRetry(`http://127.0.0.1:${random}/hostname`)).trim(), hostname);
  // The host ports are ordinary sockets of the user's slirp4netns.
  const ss = spawnSync('ss', ['-Hltnp', `sport = :${p1}`], { encoding: 'utf8' }).stdout;
  assert.match(ss, /"slirp4netns"/);
  // Taken by another container, by a host process, or below the unprivileged start: 125, nothing created.
  const taken = u.husk(['run', '-d', '--name', 'web2', '--network', 'pnet', '-p', `${p1}:80`, 'busybox', 'true']);
  assert.equal(taken.code, 125);
  assert.match(taken.stderr, new RegExp(`listen tcp 0\\.0\\.0\\.0:${p1}: bind: address already in use`));
  const low = Number(readFileSync('/proc/sys/net/ipv4/ip_unprivileged_port_start', 'utf8'));
  if (low > 80) {
    const r = u.husk(['run', '-d', '--name', 'web2', '--network', 'pnet', '-p', '80:80', 'busybox', 'true']);
    assert.equal(r.code, 125);
    assert.match(r.stderr, /cannot expose privileged port 80.*net\.ipv4\.ip_unprivileged_port_start/);
  }
  assert.deepEqual(u.ok(['ps', '-a', '--format', '{{.Names}}']).split('\n'), ['web']);
  u.ok(['rm', '-f', '-t', '0', 'web']);
  await assertNoRootlessNetns();
  for (const p of [p1, p2, random]) assert.equal(await fetchRetry(`http://127.0.0.1:${p}/hostname`, 0), '', `port ${p} closed`);
  // A host port taken between create and start: the start fails, the container's network and the rootless netns are undone.
  const p3 = port();
  u.ok(['create', '--name', 'late', '--network', 'pnet', '-p', `127.0.0.1:${p3}:80`, 'busybox', 'httpd', '-f', '-p', '80']);
  const www = join(tmp, 'late');
  mkdirSync(www);
  await hostServer('127.0.0.1', p3, www);
  const late = u.husk(['start', 'late']);
  assert.equal(late.code, 125);
  assert.equal(late.stderr, `Error: cannot listen on the TCP port: listen tcp 127.0.0.1:${p3}: bind: address already in use\n`);
  await assertNoRootlessNetns();
  assert.equal(u.ok(['inspect', 'late', '--format', '{{.State.Status}}']), 'created');
  u.ok(['rm', 'late']);
  u.ok(['network', 'rm', 'pnet']);
});

/** husk as the user without blocking the event loop (several at once). */
function huskAsync(args: string[]): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    const c = spawn('runuser', ['-u', u.name, '--', huskForUsers(), ...args], { cwd: '/', env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: u.home, USER: u.name }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    c.stderr.on('data', (d) => (stderr += d));
    c.on('close', (code) => resolve({ code: code ?? -1, stderr }));
  });
}

test('the rootless netns lives exactly as long as its last container: exit by itself, stop, a killed slirp4netns, parallel starts', opts, async () => {
  u.ok(['network', 'create', 'tnet']);
  u.ok(['run', '-d', '--name', 'x', '--network', 'tnet', 'busybox', 'httpd', '-f', '-p', '80', '-h', '/etc']);
  // A container that exits by itself is cleaned up by conmon's exit command; x keeps the namespace.
  u.ok(['run', '-d', '--name', 'y', '--network', 'tnet', 'busybox', 'sleep', '1']);
  await until(() => u.ok(['ps', '-a', '--format', '{{.Names}} {{.State}}']).includes('y exited'), 30_000);
  assert.equal(procs('slirp4netns').length, 1);
  assert.equal(netnsMounted(), true);
  // stop of the last one tears it down; start makes a new one.
  u.ok(['stop', '-t', '0', 'x']);
  await assertNoRootlessNetns();
  u.ok(['start', 'x']);
  assert.equal(procs('slirp4netns').length, 1);
  // slirp4netns killed under a running container: the next start serves the same namespace again.
  const [dead] = procs('slirp4netns');
  process.kill(dead!, 'SIGKILL');
  await until(() => !procs('slirp4netns').length);
  const r = u.husk(['run', '--rm', '--network', 'tnet', 'busybox', 'wget', '-qO-', 'http://x/hostname']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.trim(), u.ok(['exec', 'x', 'hostname']));
  assert.equal(procs('slirp4netns').length, 1);
  // Three first starts at once share one namespace (the netavark lock orders them).
  u.ok(['rm', '-f', '-t', '0', 'x', 'y']);
  await assertNoRootlessNetns();
  const runs = await Promise.all(['p1', 'p2', 'p3'].map((n) => huskAsync(['run', '-d', '--name', n, '--network', 'tnet', 'busybox', 'httpd', '-f', '-p', '80', '-h', '/etc'])));
  for (const x of runs) assert.equal(x.code, 0, x.stderr);
  assert.equal(procs('slirp4netns').length, 1);
  const names = u.husk(['exec', 'p1', 'sh', '-c', 'wget -qO- http://p2/hostname && wget -qO- http://p3/hostname']);
  assert.equal(names.code, 0, names.stderr);
  assert.equal(names.stdout.split('\n').filter(Boolean).length, 2);
  u.ok(['rm', '-f', '-t', '0', 'p1', 'p2', 'p3']);
  await assertNoRootlessNetns();
  u.ok(['network', 'rm', 'tnet']);
});

test('network connect and disconnect of a running rootless container', opts, async () => {
  u.ok(['network', 'create', 'c1']);
  u.ok(['network', 'create', 'c2']);
  u.ok(['run', '-d', '--name', 's1', '--network', 'c1', 'busybox', 'httpd', '-f', '-p', '80', '-h', '/etc']);
  u.ok(['run', '-d', '--name', 's2', '--network', 'c2', 'busybox', 'sleep', '300']);
  const fromS2 = () => u.husk(['exec', 's2', 'wget', '-qO-', 'http://s1/hostname']);
  assert.notEqual(fromS2().code, 0);
  u.ok(['network', 'connect', 'c2', 's1']);
  assert.match(u.ok(['exec', 's1', 'ip', '-o', 'link']), /eth1/);
  const got = await until(() => { const r = fromS2(); return r.code === 0 && r.stdout.trim(); }, 30_000);
  assert.equal(got, u.ok(['exec', 's1', 'hostname']));
  u.ok(['network', 'disconnect', 'c2', 's1']);
  assert.doesNotMatch(u.ok(['exec', 's1', 'ip', '-o', 'link']), /eth1/);
  assert.notEqual(fromS2().code, 0);
  // Both networks at run, one with a named interface (--network a:interface_name=…).
  assert.deepEqual(u.ok(['run', '--rm', '--network', 'c1:interface_name=net5', '--network', 'c2', 'busybox', 'ls', '/sys/class/net']).split(/\s+/).sort(), ['eth0', 'lo', 'net5']);
  u.ok(['rm', '-f', '-t', '0', 's1', 's2']);
  await assertNoRootlessNetns();
  u.ok(['network', 'rm', 'c1', 'c2']);
});
