// husk compose end to end, real containers: a web serving a named volume on
// a host port, a db that becomes healthy, a worker waiting for it on a user
// network; up -d, DNS by service name, ps, logs, recreation of the changed
// service alone, down -v; and an invalid file that creates nothing.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { Store } from '../helpers.ts';

const store = new Store('husk-compose-');
const dir = mkdtempSync(join(store.dir, 'proj-'));
let port = 0;

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
}

function composeFile(mode: string): string {
  return `name: hc
services:
  web:
    image: busybox
    command: ["httpd", "-f", "-p", "80", "-h", "/www"]
    volumes: ["data:/www"]
    ports: ["127.0.0.1:${port}:80"]
    networks: [back]
  db:
    image: busybox
    command: ["sh", "-c", "sleep 1; touch /tmp/ready; exec sleep 1000"]
    healthcheck:
      test: ["CMD-SHELL", "test -f /tmp/ready"]
      interval: 500ms
      retries: 20
    networks: [back]
  worker:
    image: busybox
    command: ["sh", "-c", "echo hello-$$MODE > /data/index.html; echo worker-up; exec sleep 1000"]
    environment: {MODE: ${mode}}
    volumes: ["data:/data"]
    networks: [back]
    depends_on:
      db: {condition: service_healthy}
      web: {condition: service_started}
volumes:
  data: {}
networks:
  back:
    driver_opts: {com.docker.network.driver.mtu: "1400", com.docker.network.bridge.enable_icc: "true"}
`;
}

const compose = (args: string[], timeout = 120_000) => store.husk(['compose', '--project-directory', dir, '-f', join(dir, 'compose.yaml'), ...args], { timeout });
const ids = () => Object.fromEntries(store.ok(['ps', '-a', '--filter', 'label=com.docker.compose.project=hc', '--format', '{{.Names}} {{.Id}}'])
  .split('\n').filter(Boolean).map((l) => l.split(' ')));

before(async () => {
  store.busybox();
  port = await freePort();
});
after(() => store.destroyWhenIdle());

test('up -d starts the services in order, DNS by name, ps, logs, recreate one, down -v', async () => {
  writeFileSync(join(dir, 'compose.yaml'), composeFile('one'));
  const up = compose(['up', '-d']);
  assert.equal(up.code, 0, up.stderr);
  assert.match(up.stderr, /Network hc_back {2}Created/);
  assert.match(up.stderr, /Volume "hc_data" {2}Created/);
  // Docker's MTU option is the network's; one netavark has no counterpart for is dropped with a warning.
  assert.match(up.stderr, /networks\.back\.driver_opts\.com\.docker\.network\.bridge\.enable_icc: not supported; ignored/);
  assert.deepEqual(JSON.parse(store.ok(['network', 'inspect', '--format', '{{json .options}}', 'hc_back'])), { mtu: '1400' });
  // The worker starts only once db is healthy.
  const lines = up.stderr.split('\n');
  const at = (re: RegExp) => lines.findIndex((l) => re.test(l));
  assert.ok(at(/Container hc-db-1 {2}Healthy/) > 0, up.stderr);
  assert.ok(at(/Container hc-db-1 {2}Healthy/) < at(/Container hc-worker-1 {2}Started/), up.stderr);
  assert.equal(store.ok(['inspect', '--format', '{{.State.Health.Status}}', 'hc-db-1']), 'healthy', 'the engine\'s own health status');

  // The web serves what the worker wrote to the shared volume, on the host port.
  let body = '';
  for (const end = Date.now() + 20_000; Date.now() < end && !body; await new Promise((r) => setTimeout(r, 200))) {
    body = await fetch(`http://127.0.0.1:${port}/index.html`).then((r) => (r.ok ? r.text() : ''), () => '');
  }
  assert.equal(body.trim(), 'hello-one');

  // Services reach each other by name through aardvark-dns.
  const viaName = compose(['exec', '-T', 'worker', 'wget', '-qO-', 'http://web:80/index.html']);
  assert.equal(viaName.code, 0, viaName.stderr);
  assert.equal(viaName.stdout.trim(), 'hello-one');
  const ns = compose(['exec', '-T', 'worker', 'nslookup', 'db']);
  assert.equal(ns.code, 0, ns.stderr);
  assert.match(ns.stdout, /Name:\s+db/);

  const ps = compose(['ps']);
  assert.equal(ps.code, 0, ps.stderr);
  for (const n of ['hc-web-1', 'hc-db-1', 'hc-worker-1']) assert.match(ps.stdout, new RegExp(n));
  assert.match(ps.stdout, new RegExp(`127.0.0.1:${port}->80/tcp`));

  const logs = compose(['logs', 'worker']);
  assert.equal(logs.code, 0, logs.stderr);
  assert.match(logs.stdout, /^worker-1 {2}\| worker-up$/m);

  // Changing one service's environment recreates that one alone.
  const before = ids();
  writeFileSync(join(dir, 'compose.yaml'), composeFile('two'));
  const again = compose(['up', '-d']);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stderr, /Container hc-web-1 {2}Running/);
  assert.match(again.stderr, /Container hc-worker-1 {2}Recreated/);
  const now = ids();
  assert.equal(now['hc-web-1'], before['hc-web-1']);
  assert.equal(now['hc-db-1'], before['hc-db-1']);
  assert.notEqual(now['hc-worker-1'], before['hc-worker-1']);

  const down = compose(['down', '-v', '-t', '0']);
  assert.equal(down.code, 0, down.stderr);
  const label = 'label=com.docker.compose.project=hc';
  assert.equal(store.ok(['ps', '-a', '--filter', label, '-q']), '');
  assert.equal(store.ok(['network', 'ls', '--filter', label, '-q']), '');
  assert.equal(store.ok(['volume', 'ls', '--filter', label, '-q']), '');
});

test('an invalid compose file creates nothing', () => {
  const bad = mkdtempSync(join(store.dir, 'bad-'));
  writeFileSync(join(bad, 'compose.yaml'), 'name: bad\nservices:\n  web:\n    image: busybox\n    bogus_key: 1\nvolumes:\n  v: {}\n');
  const r = store.husk(['compose', '-f', join(bad, 'compose.yaml'), 'up', '-d']);
  assert.equal(r.code, 125, r.stderr);
  assert.match(r.stderr, /compose\.yaml/);
  assert.match(r.stderr, /bogus_key/);
  const label = 'label=com.docker.compose.project=bad';
  assert.equal(store.ok(['ps', '-a', '--filter', label, '-q']), '');
  assert.equal(store.ok(['volume', 'ls', '--filter', label, '-q']), '');
  assert.equal(store.ok(['network', 'ls', '--filter', label, '-q']), '');
});
