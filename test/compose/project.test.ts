// What `up` builds on (naming.ts, hash.ts, graph.ts, render.ts): config
// hashes, dependency order, Docker Compose names and labels, `config`
// output; and a realistic three-service project loaded end to end.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  configHash, containerLabels, containerName, dependencyOrder, dependents, loadProject, networkAliases, networkLabels,
  networkName, oneoffContainerName, renderConfig, volumeLabels, volumeName, COMPOSE_VERSION,
} from '../../src/compose/index.ts';
import { cleanup, project } from './tmp.ts';

after(cleanup);

const STACK = `
services:
  web:
    image: nginx:1.27
    ports: ["8080:80"]
    environment:
      DB_HOST: db
    depends_on:
      db:
        condition: service_healthy
    networks: [front, back]
  db:
    image: postgres:16
    environment:
      POSTGRES_PASSWORD: secret
    volumes:
      - dbdata:/var/lib/postgresql/data
    healthcheck:
      test: ["CMD-SHELL", "pg_isready -U postgres"]
      interval: 2s
      timeout: 1s
      retries: 5
      start_period: 10s
    networks:
      back:
        aliases: [database]
  worker:
    image: busybox
    command: ["sh", "-c", "while sleep 1; do nc -z db 5432; done"]
    depends_on:
      db:
        condition: service_healthy
        restart: true
    networks: [back]
    restart: unless-stopped
volumes:
  dbdata:
networks:
  front:
  back:
`;

test('a realistic three-service project, end to end', () => {
  const dir = project({ 'compose.yaml': STACK }, 'shop');
  const p = loadProject({ workingDir: dir, env: {} });
  assert.equal(p.name, 'shop');
  assert.deepEqual(Object.keys(p.services).sort(), ['db', 'web', 'worker']);
  assert.deepEqual(dependencyOrder(p.services), ['db', 'web', 'worker']);
  assert.deepEqual(dependencyOrder(p.services, ['worker']), ['db', 'worker']);
  assert.deepEqual(dependents(p.services, 'db'), ['web', 'worker']);
  assert.deepEqual(p.services.db.healthcheck, {
    test: ['CMD-SHELL', 'pg_isready -U postgres'], interval: 2000, timeout: 1000, retries: 5, startPeriod: 10_000, disable: false,
  });
  assert.deepEqual(p.services.worker.dependsOn, { db: { condition: 'service_healthy', restart: true, required: true } });
  assert.deepEqual(p.services.web.ports, [{ target: 80, published: 8080, protocol: 'tcp', mode: 'ingress' }]);
  assert.deepEqual(p.services.db.volumes, [{ type: 'volume', source: 'dbdata', target: '/var/lib/postgresql/data', readOnly: false }]);
  assert.deepEqual(Object.keys(p.networks).sort(), ['back', 'front'], 'no service uses the default network');
  assert.equal(networkName(p, 'back'), 'shop_back');
  assert.equal(volumeName(p, 'dbdata'), 'shop_dbdata');
  assert.deepEqual(networkAliases(p.services.db, 'back'), ['db', 'database']);
  assert.equal(containerName(p, p.services.worker, 1), 'shop-worker-1');

  const labels = containerLabels(p, p.services.worker, { number: 1 });
  assert.deepEqual(labels, {
    'com.docker.compose.project': 'shop',
    'com.docker.compose.service': 'worker',
    'com.docker.compose.container-number': '1',
    'com.docker.compose.oneoff': 'False',
    'com.docker.compose.config-hash': configHash(p.services.worker),
    'com.docker.compose.project.working_dir': dir,
    'com.docker.compose.project.config_files': join(dir, 'compose.yaml'),
    'com.docker.compose.depends_on': 'db:service_healthy:true',
    'com.docker.compose.version': COMPOSE_VERSION,
  });
  assert.match(labels['com.docker.compose.config-hash'], /^[0-9a-f]{64}$/);

  // Changing one service's env changes only that service's hash.
  writeFileSync(join(dir, 'compose.yaml'), STACK.replace('DB_HOST: db', 'DB_HOST: db2'));
  const q = loadProject({ workingDir: dir, env: {} });
  assert.notEqual(configHash(q.services.web), configHash(p.services.web));
  assert.equal(configHash(q.services.db), configHash(p.services.db));
  assert.equal(configHash(q.services.worker), configHash(p.services.worker));
});

test('config hash: stable, key order irrelevant, ignores replicas/depends_on/profiles/build', () => {
  const a = project({ 'compose.yaml': 'services:\n  s:\n    image: x\n    environment: {A: "1", B: "2"}\n    labels: [l=1]\n    user: "1"\n' });
  const b = project({ 'compose.yaml': 'services:\n  s:\n    user: "1"\n    labels: {l: "1"}\n    environment: [B=2, A=1]\n    image: x\n    scale: 3\n    profiles: [p]\n' });
  const c = project({ 'compose.yaml': 'services:\n  s:\n    image: x\n    environment: {A: "1", B: "3"}\n    labels: [l=1]\n    user: "1"\n' });
  const h = (dir: string) => configHash(loadProject({ workingDir: dir, env: {}, profiles: ['p'] }).services.s);
  assert.equal(h(a), h(a));
  assert.equal(h(a), h(b));
  assert.notEqual(h(a), h(c));
});

test('names and labels: container_name, one-off, external and named resources, resource labels', () => {
  const dir = project({
    'compose.yaml': `
services:
  app: {image: x, container_name: fixed}
  job: {image: x}
volumes:
  data: {labels: {keep: "1"}}
  ext: {external: true}
  named: {name: exactly-this}
networks:
  outside: {external: true, name: corp-net}
`,
    '.env': 'X=1\n',
  }, 'Proj');
  const p = loadProject({ workingDir: dir, env: {} });
  assert.equal(p.name, 'proj');
  assert.equal(containerName(p, p.services.app, 1), 'fixed');
  assert.equal(containerName(p, p.services.job, 3), 'proj-job-3');
  assert.equal(oneoffContainerName(p, p.services.job, '0123456789abcdef'), 'proj-job-run-0123456789ab');
  assert.equal(volumeName(p, 'data'), 'proj_data');
  assert.equal(volumeName(p, 'ext'), 'ext');
  assert.equal(volumeName(p, 'named'), 'exactly-this');
  assert.equal(networkName(p, 'default'), 'proj_default');
  assert.equal(networkName(p, 'outside'), 'corp-net');
  assert.deepEqual(volumeLabels(p, 'data'), {
    keep: '1', 'com.docker.compose.project': 'proj', 'com.docker.compose.volume': 'data', 'com.docker.compose.version': COMPOSE_VERSION,
  });
  assert.deepEqual(networkLabels(p, 'default'), {
    'com.docker.compose.project': 'proj', 'com.docker.compose.network': 'default', 'com.docker.compose.version': COMPOSE_VERSION,
  });
  const run = containerLabels(p, p.services.job, { number: 1, oneoff: true, slug: 'abc' });
  assert.equal(run['com.docker.compose.oneoff'], 'True');
  assert.equal(run['com.docker.compose.slug'], 'abc');
  assert.equal(run['com.docker.compose.project.environment_file'], join(dir, '.env'));
});

test('config output: long syntax, Go durations, absolute paths; loading it again gives the same model', () => {
  const dir = project({
    'compose.yaml': `${STACK}
  extra:
    image: x
    volumes: ["./src:/src:ro", "/tmp"]
    stop_grace_period: 90s
    environment: [ANSWER=on, OCTAL=0755]
    secrets: [{source: s, mode: 0400}]
    deploy: {replicas: 2, resources: {limits: {cpus: "1.5", memory: 1g}}}
secrets:
  s: {file: ./s.txt}
`.replace('volumes:\n  dbdata:\nnetworks:\n  front:\n  back:\n', '').replace(/\n {2}extra:/, '\n  extra:') + 'volumes:\n  dbdata:\nnetworks:\n  front:\n  back:\n',
  }, 'rt');
  const p = loadProject({ workingDir: dir, env: {} });
  const yaml = renderConfig(p);
  assert.match(yaml, /stop_grace_period: 1m30s/);
  assert.match(yaml, /interval: 2s/);
  assert.match(yaml, new RegExp(`source: ${join(dir, 'src')}`));
  assert.match(yaml, /ANSWER: "on"/, 'YAML 1.1 readers must see a string');
  assert.match(yaml, /published: "8080"/);
  const out = project({ 'compose.yaml': yaml }, 'elsewhere');
  const again = loadProject({ workingDir: out, env: {} });
  assert.equal(again.name, 'rt');
  for (const name of Object.keys(p.services)) {
    assert.deepEqual(again.services[name], p.services[name], name);
    assert.equal(configHash(again.services[name]), configHash(p.services[name]));
  }
  assert.deepEqual(again.volumes, p.volumes);
  assert.deepEqual(again.networks, p.networks);
  assert.deepEqual(again.secrets, p.secrets);
});

// The model is engine-independent; the verbs (up, down...) reach the engine through its interface only
// (builds through the builder's entry, which does the same).
test('src/compose imports only src/common, src/specgen, the engine interface, the builder\'s entry and npm packages', () => {
  const src = resolve(dirname(fileURLToPath(import.meta.url)), '../../src');
  const dir = join(src, 'compose');
  for (const f of readdirSync(dir)) {
    // Relative specifiers of static, type-only, re-export and dynamic imports.
    const text = readFileSync(join(dir, f), 'utf8');
    for (const [, a, b] of text.matchAll(/(?:from\s*'(\.[^']*)'|import\(\s*'(\.[^']*)'\s*\))/g)) {
      const spec = a ?? b;
      const target = relative(src, resolve(dir, spec));
      const ok = /^(compose|common|specgen)\//.test(target) || /^engine\/(api\.ts|connect\.ts|[a-z]+\/api\.ts)$/.test(target) || target === 'build/builder.ts';
      assert.ok(ok, `${f} imports ${spec}`);
    }
  }
});
