// The real podman-remote (Debian's podman 4.3, `podman --remote --url
// unix://SOCK`) against husk's libpod endpoints: version, info, ps, run -d
// with a published port, run attached with its exit code (also with --rm,
// where the exit code outlives the container), logs, inspect, images, pods
// (create, run a container in it, start, ps, stop, rm), rm -f.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { dockerHarness } from './docker-harness.ts';

// podman reads registry auth from $DOCKER_CONFIG/config.json, which the harness points at the store.
const h = dockerHarness('husk-podman-', { setup: async (x) => writeFileSync(join(x.store.dir, 'docker', 'config.json'), '{}') });
const podman = (args: string[]) => h.run('podman', ['--remote', '--url', `unix://${h.sock}`, ...args], { timeout: 120_000 });

test('podman --remote: version, info, images', async () => {
  const v = await podman(['version']);
  assert.equal(v.code, 0, v.stderr);
  assert.match(v.stdout, /Server:\s+Podman Engine\s+Version:\s+\d+\.\d+\.\d+/);
  const i = await podman(['info', '--format', '{{.Store.GraphRoot}}']);
  assert.equal(i.code, 0, i.stderr);
  assert.equal(i.stdout.trim(), h.store.root);
  const im = await podman(['images']);
  assert.equal(im.code, 0, im.stderr);
  assert.match(im.stdout, /localhost\/busybox\s+latest\s+[0-9a-f]{12}/);
});

test('podman --remote: run -d -p answers on the host, ps, logs, inspect, stop, rm', async () => {
  const port = 22000 + (process.pid % 20000);
  const r = await podman(['run', '-d', '--name', 'pweb', '-p', `${port}:80`, 'busybox', 'sh', '-c', 'echo serving; exec httpd -f -p 80 -h /etc']);
  assert.equal(r.code, 0, r.stderr);
  const id = r.stdout.trim();
  assert.match(id, /^[0-9a-f]{64}$/);
  let body = '';
  for (let i = 0; i < 50 && !body; i++) {
    body = await fetch(`http://127.0.0.1:${port}/hostname`).then((x) => x.text(), () => '');
    if (!body) await new Promise((res) => setTimeout(res, 100));
  }
  assert.ok(body.length > 0, 'the published port answers');
  const ps = await podman(['ps']);
  assert.equal(ps.code, 0, ps.stderr);
  assert.match(ps.stdout, new RegExp(`${id.slice(0, 12)}\\s+localhost/busybox:latest\\s+.*Up .*0\\.0\\.0\\.0:${port}->80/tcp\\s+pweb`));
  const logs = await podman(['logs', 'pweb']);
  assert.equal(logs.stdout, 'serving\n');
  const ins = await podman(['inspect', '--format', '{{.Name}} {{.State.Status}} {{.Id}}', 'pweb']);
  assert.equal(ins.code, 0, ins.stderr);
  assert.equal(ins.stdout.trim(), `pweb running ${id}`);
  assert.equal((await podman(['stop', '-t', '1', 'pweb'])).code, 0);
  const ps2 = await podman(['ps', '-a', '--format', '{{.Names}} {{.Status}}']);
  assert.match(ps2.stdout, /^pweb Exited \(\d+\) .*ago$/m);
  const rm = await podman(['rm', 'pweb']);
  assert.equal(rm.code, 0, rm.stderr);
  assert.equal((await podman(['ps', '-aq'])).stdout.trim(), '');
});

test('podman --remote run: attached output and the exit code, with and without --rm', async () => {
  const rm = await podman(['run', '--rm', 'busybox', 'sh', '-c', 'echo out; echo err >&2; exit 4']);
  assert.equal(rm.code, 4, rm.stderr);
  assert.equal(rm.stdout, 'out\n');
  assert.match(rm.stderr, /err/);
  const kept = await podman(['run', '--name', 'pkept', 'busybox', 'sh', '-c', 'echo kept; exit 5']);
  assert.equal(kept.code, 5, kept.stderr);
  assert.equal(kept.stdout, 'kept\n');
  assert.equal((await podman(['ps', '-a', '--format', '{{.Names}}'])).stdout.trim(), 'pkept');
  assert.equal((await podman(['rm', '-f', 'pkept'])).code, 0);
  assert.deepEqual((await h.engine().containers.list({ all: true })).map((c) => c.config.name), []);
});

test('podman --remote pods: create, a container in it, start, ps, stop, rm', async () => {
  const c = await podman(['pod', 'create', '--name', 'ppod']);
  assert.equal(c.code, 0, c.stderr);
  const podId = c.stdout.trim();
  const r = await podman(['run', '-d', '--pod', 'ppod', '--name', 'inpod', 'busybox', 'sleep', '100']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal((await podman(['pod', 'start', 'ppod'])).code, 0);
  const ps = await podman(['pod', 'ps']);
  assert.equal(ps.code, 0, ps.stderr);
  assert.match(ps.stdout, new RegExp(`${podId.slice(0, 12)}\\s+ppod\\s+Running\\s+.*\\s2\\n`));
  const members = await podman(['ps', '-a', '--pod', '--format', '{{.Names}} {{.PodName}}']);
  assert.match(members.stdout, /inpod ppod/);
  assert.equal((await podman(['pod', 'stop', '-t', '1', 'ppod'])).code, 0);
  assert.match((await podman(['pod', 'ps', '--format', '{{.Name}} {{.Status}}'])).stdout, /ppod (Exited|Stopped)/);
  const rm = await podman(['pod', 'rm', 'ppod']);
  assert.equal(rm.code, 0, rm.stderr);
  assert.equal(rm.stdout.trim(), podId);
  assert.equal((await podman(['pod', 'ps', '-q'])).stdout.trim(), '');
  assert.deepEqual((await h.engine().containers.list({ all: true })).map((x) => x.config.name), []);
});

test('podman --remote: errors come back as podman\'s', async () => {
  const r = await podman(['inspect', '--type', 'container', 'nosuch']);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /no such container/i);
  const s = await podman(['stop', 'nosuch']);
  assert.notEqual(s.code, 0);
  assert.match(s.stderr, /nosuch/);
});

test('podman --remote: secret create/ls/inspect/rm and run --secret (file and env)', async () => {
  // podman wants a FIFO on stdin for `-`; node's pipes are socket pairs, so the data comes from a file.
  const data = join(h.store.dir, 'psec-data');
  writeFileSync(data, 'remote-secret');
  const c = await podman(['secret', 'create', '--label', 'k=v', 'psec', data]);
  assert.equal(c.code, 0, c.stderr);
  assert.match(c.stdout.trim(), /^[0-9a-f]{25}$/);
  const ls = await podman(['secret', 'ls', '--format', '{{.ID}} {{.Name}} {{.Driver}}']);
  assert.equal(ls.stdout.trim(), `${c.stdout.trim()} psec file`);
  const [info] = JSON.parse((await podman(['secret', 'inspect', 'psec'])).stdout);
  assert.deepEqual(info.Spec.Labels, { k: 'v' });
  const run = await podman(['run', '--rm', '--secret', 'psec', '--secret', 'psec,type=env,target=PS', 'busybox', 'sh', '-c', 'cat /run/secrets/psec; echo " $PS"']);
  assert.equal(run.stdout, 'remote-secret remote-secret\n', run.stderr);
  const dup = await podman(['secret', 'create', 'psec', data]);
  assert.equal(dup.code, 125);
  assert.match(dup.stderr, /psec: secret name in use/);
  const bogus = await podman(['secret', 'inspect', 'bogus']);
  assert.equal(bogus.code, 125);
  assert.match(bogus.stderr, /no such secret "bogus"/);
  const rm = await podman(['secret', 'rm', 'psec']);
  assert.equal(rm.code, 0, rm.stderr);
  assert.equal(rm.stdout.trim(), c.stdout.trim());
  assert.equal((await podman(['secret', 'rm', 'psec'])).code, 125);
});
