// The Docker-compatible API driven by the real docker CLI (and docker-py)
// against a server started here on a unix socket over a temp store.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { dockerHarness } from './docker-harness.ts';

const { docker, run, raw, sock } = dockerHarness('husk-api-');

test('docker version and info talk to husk', async () => {
  const v = await docker(['version']);
  assert.equal(v.code, 0, v.stderr);
  assert.match(v.stdout, /Server: husk Engine/);
  const i = await docker(['info', '--format', '{{.ServerVersion}} {{.Images}}']);
  assert.equal(i.code, 0, i.stderr);
  assert.match(i.stdout, /^\d+\.\d+\.\d+ 1/);
});

test('docker run --rm prints the output and keeps the exit code', async () => {
  const r = await docker(['run', '--rm', 'busybox', 'sh', '-c', 'echo hi; exit 3']);
  assert.equal(r.stdout, 'hi\n');
  assert.equal(r.code, 3, r.stderr);
  assert.equal((await docker(['ps', '-aq'])).stdout.trim(), '');
});

test('wait: next-exit (docker run), not-running (docker wait), removed after rm', async () => {
  const r = await docker(['run', '--name', 'w1', 'busybox', 'sh', '-c', 'echo x; exit 2']);
  assert.equal(r.code, 2, r.stderr);
  assert.equal(r.stdout, 'x\n');
  assert.equal((await docker(['wait', 'w1'])).stdout.trim(), '2', 'an exited container answers at once');
  const id = (await docker(['run', '-d', 'busybox', 'sh', '-c', 'sleep 1; exit 7'])).stdout.trim();
  assert.equal((await docker(['wait', id])).stdout.trim(), '7');
  const gone = raw('POST', '/v1.41/containers/w1/wait?condition=removed');
  await new Promise((res) => setTimeout(res, 300));
  assert.equal((await docker(['rm', 'w1'])).code, 0);
  const w = await gone;
  assert.equal(w.status, 200);
  assert.equal(JSON.parse(w.body).StatusCode, 2);
  await docker(['rm', '-f', id]);
});

test('docker run -d -p: reachable from the host, ps shows the ports, logs, rm -f', async () => {
  const port = 20000 + (process.pid % 20000);
  const r = await docker(['run', '-d', '--name', 'web', '-p', `${port}:80`, 'busybox', 'sh', '-c', 'echo started; httpd -f -p 80 -h /etc']);
  assert.equal(r.code, 0, r.stderr);
  let body = '';
  for (let i = 0; i < 50 && !body; i++) {
    body = await fetch(`http://127.0.0.1:${port}/hostname`).then((x) => x.text(), () => '');
    if (!body) await new Promise((res) => setTimeout(res, 100));
  }
  assert.ok(body.length > 0);
  const ps = await docker(['ps']);
  assert.match(ps.stdout, new RegExp(`0\\.0\\.0\\.0:${port}->80/tcp`));
  assert.match(ps.stdout, /web/);
  const logs = await docker(['logs', 'web']);
  assert.equal(logs.stdout, 'started\n');
  const rm = await docker(['rm', '-f', 'web']);
  assert.equal(rm.code, 0, rm.stderr);
  assert.equal((await docker(['ps', '-aq'])).stdout.trim(), '');
});

test('docker logs -f ends when the container exits', async () => {
  const id = (await docker(['run', '-d', 'busybox', 'sh', '-c', 'echo a; sleep 1; echo b'])).stdout.trim();
  const r = await docker(['logs', '-f', id], 30_000);
  assert.equal(r.stdout, 'a\nb\n');
  await docker(['rm', '-f', id]);
});

test('images, tag, rmi; network and volume create; events from the past', async () => {
  assert.match((await docker(['images'])).stdout, /localhost\/busybox\s+latest/);
  assert.equal((await docker(['tag', 'busybox', 'localhost/other:1'])).code, 0);
  assert.match((await docker(['images'])).stdout, /localhost\/other\s+1/);
  assert.equal((await docker(['rmi', 'localhost/other:1'])).code, 0);
  assert.equal((await docker(['network', 'create', 'apinet'])).code, 0);
  const r = await docker(['run', '--rm', '--network', 'apinet', 'busybox', 'ip', '-4', 'addr', 'show', 'eth0']);
  assert.match(r.stdout, /inet 10\./);
  assert.equal((await docker(['volume', 'create', 'apivol'])).stdout.trim(), 'apivol');
  const ev = await docker(['events', '--since', '1m', '--until', '0s'], 20_000);
  assert.match(ev.stdout, /container create/);
  assert.match(ev.stdout, /container die/);
});

test('docker network create -o: the MTU and bridge name kept (Podman\'s compat mapping), other Docker options dropped with a warning', async () => {
  const c = await docker(['network', 'create', '-o', 'com.docker.network.driver.mtu=1350', '-o', 'com.docker.network.bridge.enable_icc=false', 'optsnet']);
  assert.equal(c.code, 0, c.stderr);
  // The docker CLI does not print the response's Warning: ask the API directly.
  const w = await raw('POST', '/v1.41/networks/create', JSON.stringify({ Name: 'optsnet2', Options: { 'com.docker.network.bridge.name': 'hkopts2', 'com.docker.network.bridge.enable_icc': 'false' } }));
  assert.equal(w.status, 201, w.body);
  assert.equal(JSON.parse(w.body).Warning, '"com.docker.network.bridge.enable_icc: false" is not a recognized option');
  assert.equal(JSON.parse((await docker(['network', 'inspect', 'optsnet2', '--format', '{{json .}}'])).stdout).Name, 'optsnet2');
  assert.equal((await docker(['network', 'rm', 'optsnet2'])).code, 0);
  const r = await docker(['run', '--rm', '--network', 'optsnet', 'busybox', 'cat', '/sys/class/net/eth0/mtu']);
  assert.equal(r.stdout.trim(), '1350');
  assert.equal((await docker(['network', 'rm', 'optsnet'])).code, 0);
});

test('docker run with two --network flags: one endpoint per network, an interface on each', async () => {
  assert.equal((await docker(['network', 'create', '--subnet', '10.89.191.0/24', 'dn1'])).code, 0);
  assert.equal((await docker(['network', 'create', '--subnet', '10.89.192.0/24', 'dn2'])).code, 0);
  const r = await docker(['run', '--rm', '--network', 'dn1', '--network', 'dn2', 'busybox', 'ip', '-o', '-4', 'addr']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /eth0\s+inet 10\.89\.191\.\d+\/24/);
  assert.match(r.stdout, /eth1\s+inet 10\.89\.192\.\d+\/24/);
  assert.equal((await docker(['network', 'rm', 'dn1', 'dn2'])).code, 0);
});

test('docker stats --no-stream: full names, one row per container, no stray rows from past events', async () => {
  const name = 'a-rather-long-container-name-for-stats';
  await docker(['run', '-d', '--name', name, 'busybox', 'sleep', '100']);
  await docker(['create', '--name', 'st-created', 'busybox', 'true']);
  const rows = (r: { stdout: string }) => r.stdout.trim().split('\n').slice(1);
  const one = await docker(['stats', '--no-stream', name]);
  assert.equal(one.code, 0, one.stderr);
  assert.equal(rows(one).length, 1, one.stdout);
  assert.match(rows(one)[0], new RegExp(`^[0-9a-f]{12}\\s+${name}\\s+\\d`));
  // Without names: the running containers (this store has many past start events, which must not add rows).
  const all = await docker(['stats', '--no-stream'], 30_000);
  assert.equal(all.code, 0, all.stderr);
  assert.ok(rows(all).length >= 1 && rows(all).every((l) => /^[0-9a-f]{12}\s+\S/.test(l)), all.stdout);
  assert.match(all.stdout, new RegExp(name));
  // A container that is not running: Docker's zero row, not a hang.
  const idle = await docker(['stats', '--no-stream', 'st-created'], 30_000);
  assert.equal(idle.code, 0, idle.stderr);
  assert.match(rows(idle)[0], /st-created\s+0\.00%\s+0B \/ 0B/);
  await docker(['rm', '-f', name, 'st-created']);
});

test('docker ps: the image as named at create, Docker\'s singular "1 second"', async () => {
  const id = (await docker(['run', '-d', 'busybox:latest', 'sleep', '100'])).stdout.trim();
  const seen = new Set<string>();
  for (let i = 0; i < 12; i++) {
    const r = await docker(['ps', '--filter', `id=${id}`, '--format', '{{.Image}}|{{.Status}}']);
    const [image, status] = r.stdout.trim().split('|');
    assert.equal(image, 'busybox:latest');
    assert.match(status, /^Up (Less than a second|1 second|([2-9]|[1-5]\d) seconds)$/);
    seen.add(status);
    if (seen.has('1 second')) break;
    await new Promise((res) => setTimeout(res, 250));
  }
  await docker(['rm', '-f', id]);
});

test('bad requests leave the server up', async () => {
  assert.equal((await raw('POST', '/v1.41/containers/create', '{bad')).status, 400);
  const nf = await raw('GET', '/v1.41/nope');
  assert.equal(nf.status, 404);
  assert.deepEqual(JSON.parse(nf.body), { message: 'page not found' });
  assert.equal((await raw('GET', '/containers/nosuch/json')).status, 404);
  // A client that leaves in the middle of logs -f.
  const id = (await docker(['run', '-d', 'busybox', 'sleep', '100'])).stdout.trim();
  await new Promise<void>((resolve) => {
    const r = request({ socketPath: sock, path: `/containers/${id}/logs?follow=1&stdout=1` }, () => { r.destroy(); resolve(); });
    r.end();
  });
  assert.equal((await raw('GET', '/_ping')).body, 'OK');
  await docker(['rm', '-f', id]);
});

test('docker-py runs a container and reads its logs', async () => {
  const py = `import docker
c = docker.DockerClient(base_url='unix://${sock}')
print(c.containers.run('busybox', ['echo', 'from-py'], remove=True).decode().strip())`;
  // Async: a synchronous child would block this process, and the server with it.
  const r = await run('python3', ['-c', py]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.trim(), 'from-py');
});
