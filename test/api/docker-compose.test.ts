// docker-compose v1 (Debian's python docker-compose, over docker-py) against
// husk's service with DOCKER_HOST: three services on a user network with a
// named volume and a published port, depends_on ordering, service-name DNS,
// a second `up` that finds everything up to date, a changed service
// recreated (compose reads the image's ContainerConfig then), and `down -v`
// leaving no container, network or volume behind. (The shells ignore
// SIGTERM as pid 1: a short stop_grace_period keeps the stops quick.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { dockerHarness } from './docker-harness.ts';

const h = dockerHarness('husk-compose-');
const port = 21000 + (process.pid % 20000);

const composeFile = (dbGreeting: string) => `version: "3.7"
services:
  web:
    image: busybox
    command: ["httpd", "-f", "-p", "80", "-h", "/www"]
    ports: ["${port}:80"]
    volumes: ["data:/www"]
    networks: [back]
    stop_grace_period: 1s
    depends_on: [db]
  db:
    image: busybox
    command: ["sh", "-c", "echo ${dbGreeting}; echo hello-from-db > /data/index.html; while true; do nc -l -p 5432 -e echo pong; done"]
    volumes: ["data:/data"]
    networks: [back]
    stop_grace_period: 1s
  worker:
    image: busybox
    command: ["sh", "-c", "while true; do nc db 5432 </dev/null | sed s/^/worker-got-/; sleep 1; done"]
    depends_on: [db, web]
    networks: [back]
    stop_grace_period: 1s
volumes:
  data: {}
networks:
  back: {}
`;

const compose = (args: string[]) => h.run('docker-compose', ['-f', join(h.store.dir, 'docker-compose.yml'), '-p', 'hc', ...args], { timeout: 180_000 });

async function poll<T>(what: string, f: () => Promise<T | undefined>, ms = 30_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

test('docker-compose up -d, ps, logs, a no-op up, a recreate, down -v', async () => {
  writeFileSync(join(h.store.dir, 'docker-compose.yml'), composeFile('db-ready'));
  const up = await compose(['up', '-d']);
  assert.equal(up.code, 0, up.stderr);
  // depends_on: db before web before worker.
  const order = [...up.stderr.matchAll(/Creating (hc_\w+_1) \.\.\. done/g)].map((m) => m[1]);
  assert.deepEqual(order, ['hc_db_1', 'hc_web_1', 'hc_worker_1'], up.stderr);

  // The web serves from the named volume the db wrote to, on the host port.
  const body = await poll('the web on the host port', async () => {
    const r = await fetch(`http://127.0.0.1:${port}/index.html`).then((x) => (x.ok ? x.text() : undefined), () => undefined);
    return r || undefined;
  });
  assert.equal(body, 'hello-from-db\n');

  const ps = await compose(['ps']);
  assert.equal(ps.code, 0, ps.stderr);
  for (const s of ['db', 'web', 'worker']) assert.match(ps.stdout, new RegExp(`hc_${s}_1 .* Up`), ps.stdout);
  assert.match(ps.stdout, new RegExp(`0\\.0\\.0\\.0:${port}->80/tcp`));

  // The worker reaches the db by its service name on the user network.
  const logs = await poll('the worker reaching the db', async () => {
    const r = await compose(['logs', '--no-color', 'worker']);
    return r.stdout.includes('worker-got-pong') ? r : undefined;
  });
  assert.equal(logs.code, 0, logs.stderr);
  const dbLogs = await compose(['logs', '--no-color', 'db']);
  assert.match(dbLogs.stdout, /db_1 +\| db-ready/);

  const again = await compose(['up', '-d']);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stderr, /hc_db_1 is up-to-date/);
  assert.match(again.stderr, /hc_worker_1 is up-to-date/);

  writeFileSync(join(h.store.dir, 'docker-compose.yml'), composeFile('db-ready-2'));
  const re = await compose(['up', '-d']);
  assert.equal(re.code, 0, re.stderr);
  assert.match(re.stderr, /Recreating hc_db_1 \.\.\. done/);
  const dbLogs2 = await poll('the recreated db', async () => {
    const r = await compose(['logs', '--no-color', 'db']);
    return r.stdout.includes('db-ready-2') ? r : undefined;
  });
  assert.equal(dbLogs2.code, 0);

  const down = await compose(['down', '-v']);
  assert.equal(down.code, 0, down.stderr);
  assert.match(down.stderr, /Removing network hc_back/);
  assert.match(down.stderr, /Removing volume hc_data/);
  const e = h.engine();
  assert.deepEqual((await e.containers.list({ all: true })).map((c) => c.config.name), []);
  assert.deepEqual((await e.networks.list()).map((n) => n.name).filter((n) => n !== 'podman'), []);
  assert.deepEqual((await e.volumes.list()).map((v) => v.Name), []);
  assert.equal((await h.docker(['ps', '-aq'])).stdout.trim(), '');
});
