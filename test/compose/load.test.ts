// Loading projects (load.ts, files.ts, merge.ts, extends.ts): file
// discovery and merging, project names, interpolation with .env, profiles,
// extends, env_file, the structured service attributes.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { loadProject } from '../../src/compose/load.ts';
import { cleanup, project, throwsInvalid } from './tmp.ts';

after(cleanup);

test('default files: compose.yaml plus compose.override.yaml, found from a subdirectory', () => {
  const dir = project({
    'compose.yaml': 'services:\n  web:\n    image: nginx\n',
    'compose.override.yaml': 'services:\n  web:\n    environment: {DEBUG: "1"}\n',
    'sub/deeper/.keep': '',
  });
  const p = loadProject({ workingDir: join(dir, 'sub', 'deeper'), env: {} });
  assert.deepEqual(p.configFiles, [join(dir, 'compose.yaml'), join(dir, 'compose.override.yaml')]);
  assert.equal(p.workingDir, dir);
  assert.equal(p.name, 'myapp');
  assert.deepEqual(p.services.web.environment, { DEBUG: '1' });
  const none = project({ 'README': '' });
  throwsInvalid(() => loadProject({ workingDir: none, env: {} }), /^no configuration file provided: not found/);
});

test('-f files merge in order with the spec rules', () => {
  const dir = project({
    'base.yaml': `
services:
  web:
    image: nginx:1
    command: ["echo", "base"]
    entrypoint: /bin/sh -c
    environment: {A: "1", B: "1"}
    labels: [one=1]
    ports: ["8080:80", "9090:90"]
    expose: ["80"]
    volumes: ["data:/data", "./a:/a"]
    dns: [1.1.1.1]
    cap_add: [NET_ADMIN]
    depends_on: [db]
    healthcheck: {test: ["CMD", "true"], interval: 10s, retries: 3}
    deploy: {resources: {limits: {cpus: "0.5", memory: 256m}}}
  db:
    image: postgres
volumes:
  data: {labels: {a: "1"}}
`,
    'override.yaml': `
services:
  web:
    image: nginx:2
    command: echo over
    environment: [B=2, C=3]
    labels: {two: "2"}
    ports: ["8080:80", "7070:70"]
    expose: ["80", "81"]
    volumes: ["other:/data"]
    dns: [8.8.8.8]
    cap_add: [NET_ADMIN, SYS_TIME]
    depends_on: {db: {condition: service_healthy}}
    healthcheck: {test: ["CMD", "false"], timeout: 2s}
    deploy: {resources: {limits: {memory: 512m}}}
volumes:
  data: {driver: local}
  other: {}
`,
  });
  const p = loadProject({ workingDir: dir, files: ['base.yaml', 'override.yaml'], env: {} });
  const web = p.services.web;
  assert.equal(web.image, 'nginx:2');
  assert.deepEqual(web.command, ['echo', 'over']);
  assert.deepEqual(web.entrypoint, ['/bin/sh', '-c']);
  assert.deepEqual(web.environment, { A: '1', B: '2', C: '3' });
  assert.deepEqual(web.labels, { one: '1', two: '2' });
  // ports are unique by {ip, target, published, protocol}: 8080:80 is not doubled.
  assert.deepEqual(web.ports.map((x) => `${x.published}:${x.target}`), ['8080:80', '9090:90', '7070:70']);
  assert.deepEqual(web.expose, ['80', '81']);
  // volumes are unique by target: the override's /data replaces the base's in place.
  assert.deepEqual(web.volumes.map((v) => `${v.source}:${v.target}`), ['other:/data', `${join(dir, 'a')}:/a`]);
  assert.deepEqual(web.dns, ['1.1.1.1', '8.8.8.8']);
  assert.deepEqual(web.capAdd, ['NET_ADMIN', 'SYS_TIME']);
  assert.deepEqual(web.dependsOn, { db: { condition: 'service_healthy', restart: false, required: true } });
  assert.deepEqual(web.healthcheck, { test: ['CMD', 'false'], interval: 10_000, timeout: 2000, retries: 3, disable: false });
  assert.deepEqual(web.resources, { cpus: 0.5, memory: 512 * 1024 ** 2 });
  assert.deepEqual(p.volumes.data, { name: 'myapp_data', external: false, driver: 'local', driverOpts: {}, labels: { a: '1' } });
  assert.deepEqual(p.configFiles, [join(dir, 'base.yaml'), join(dir, 'override.yaml')]);
});

test('!reset and !override in a later file', () => {
  const dir = project({
    'compose.yaml': 'services:\n  app:\n    image: a\n    ports: ["8080:80"]\n    environment: {A: "1"}\n    dns: [1.1.1.1]\n  gone:\n    image: b\n',
    'compose.override.yaml': 'services:\n  app:\n    ports: !reset []\n    dns: !override [9.9.9.9]\n  gone: !reset null\n',
  });
  const p = loadProject({ workingDir: dir, env: {} });
  assert.deepEqual(p.services.app.ports, []);
  assert.deepEqual(p.services.app.dns, ['9.9.9.9']);
  assert.deepEqual(p.services.app.environment, { A: '1' });
  assert.equal(p.services.gone, undefined);
});

test('project name: -p, COMPOSE_PROJECT_NAME (also from .env), name:, directory', () => {
  const dir = project({ 'compose.yaml': 'name: declared\nservices:\n  a:\n    image: x\n' }, 'My.App Dir');
  assert.equal(loadProject({ workingDir: dir, env: {} }).name, 'declared');
  assert.equal(loadProject({ workingDir: dir, env: { COMPOSE_PROJECT_NAME: 'fromenv' } }).name, 'fromenv');
  assert.equal(loadProject({ workingDir: dir, env: { COMPOSE_PROJECT_NAME: 'fromenv' }, projectName: 'flag' }).name, 'flag');
  throwsInvalid(() => loadProject({ workingDir: dir, env: {}, projectName: 'Bad Name' }), /^project name \(-p\): "Bad Name" is not a valid project name/);
  const plain = project({ 'compose.yaml': 'services:\n  a:\n    image: x\n' }, '_My.App-Dir_2');
  assert.equal(loadProject({ workingDir: plain, env: {} }).name, 'myapp-dir_2');
  const dotenv = project({ 'compose.yaml': 'services:\n  a:\n    image: x\n', '.env': 'COMPOSE_PROJECT_NAME=dotenvname\n' });
  assert.equal(loadProject({ workingDir: dotenv, env: {} }).name, 'dotenvname');
});

test('interpolation uses the environment over .env; errors name the file and key', () => {
  const dir = project({
    '.env': '# defaults\nTAG=from-dotenv\nPORT=8000\nexport USER_ID="1000"\n',
    'compose.yaml': `
services:
  web:
    image: "nginx:\${TAG}"
    user: "\${USER_ID}:\${GID:-100}"
    ports: ["\${PORT}:80"]
    environment:
      LITERAL: "$$HOME"
      MISSING: "\${NOPE}"
`,
  });
  const p = loadProject({ workingDir: dir, env: { PORT: '9000' } });
  assert.equal(p.services.web.image, 'nginx:from-dotenv');
  assert.equal(p.services.web.user, '1000:100');
  assert.equal(p.services.web.ports[0].published, 9000);
  assert.deepEqual(p.services.web.environment, { LITERAL: '$HOME', MISSING: '' });
  assert.deepEqual(p.envFiles, [join(dir, '.env')]);
  assert.deepEqual(p.warnings, ['the "NOPE" variable is not set; defaulting to a blank string']);

  const req = project({ 'compose.yaml': 'services:\n  web:\n    image: "nginx:${TAG:?TAG must be set}"\n' });
  throwsInvalid(() => loadProject({ workingDir: req, env: {} }), 'compose.yaml: services.web.image: required variable TAG is missing a value: TAG must be set');
  assert.equal(loadProject({ workingDir: req, env: { TAG: '1' } }).services.web.image, 'nginx:1');
  // --env-file replaces .env
  const alt = project({ 'compose.yaml': 'services:\n  web:\n    image: "nginx:${TAG}"\n', '.env': 'TAG=a\n', 'prod.env': 'TAG=b\n' });
  assert.equal(loadProject({ workingDir: alt, env: {}, envFiles: ['prod.env'] }).services.web.image, 'nginx:b');
});

test('environment, env_file (short and long with required), pass-through variables', () => {
  const dir = project({
    'compose.yaml': `
services:
  app:
    image: x
    env_file:
      - common.env
      - path: ./missing.env
        required: false
    environment:
      - FROM_LIST=1
      - PASSED
      - ABSENT
      - OVERRIDDEN=by-environment
`,
    'common.env': 'COMMON=yes\nOVERRIDDEN=by-file\nREF=${HOST_VAR}\n',
  });
  const p = loadProject({ workingDir: dir, env: { PASSED: 'through', HOST_VAR: 'h' } });
  assert.deepEqual(p.services.app.environment, { COMMON: 'yes', OVERRIDDEN: 'by-environment', REF: 'h', FROM_LIST: '1', PASSED: 'through' });
  assert.deepEqual(p.services.app.envFiles, [{ path: join(dir, 'common.env'), required: true }, { path: join(dir, 'missing.env'), required: false }]);
  const missing = project({ 'compose.yaml': 'services:\n  app:\n    image: x\n    env_file: nope.env\n' });
  throwsInvalid(() => loadProject({ workingDir: missing, env: {} }), /^compose\.yaml: services\.app\.env_file: cannot read env file nope\.env/);
});

test('profiles: --profile, COMPOSE_PROFILES, services named explicitly, disabled dependencies', () => {
  const dir = project({
    'compose.yaml': `
services:
  web: {image: x}
  debug: {image: x, profiles: [debug]}
  tools: {image: x, profiles: [tools, ops]}
  needs-debug:
    image: x
    profiles: [extra]
    depends_on: [debug]
  soft:
    image: x
    depends_on: {debug: {condition: service_started, required: false}}
`,
  });
  const names = (p: ReturnType<typeof loadProject>) => Object.keys(p.services).sort();
  assert.deepEqual(names(loadProject({ workingDir: dir, env: {} })), ['soft', 'web']);
  assert.deepEqual(loadProject({ workingDir: dir, env: {} }).services.soft.dependsOn, {});
  assert.deepEqual(names(loadProject({ workingDir: dir, env: {}, profiles: ['ops'] })), ['soft', 'tools', 'web']);
  assert.deepEqual(names(loadProject({ workingDir: dir, env: { COMPOSE_PROFILES: 'debug,ops' } })), ['debug', 'soft', 'tools', 'web']);
  assert.deepEqual(names(loadProject({ workingDir: dir, env: {}, services: ['tools'] })), ['soft', 'tools', 'web']);
  assert.deepEqual(Object.keys(loadProject({ workingDir: dir, env: {} }).disabledServices).sort(), ['debug', 'needs-debug', 'tools']);
  assert.equal(loadProject({ workingDir: dir, env: {}, profiles: ['*'] }).services.debug.name, 'debug');
  throwsInvalid(() => loadProject({ workingDir: dir, env: {}, profiles: ['extra'] }),
    'compose.yaml: services.needs-debug.depends_on.debug: service "debug" is disabled by its profiles (activate one of: debug)');
});

test('extends: same file, another file (its relative paths stay its own), chains, cycles', () => {
  const dir = project({
    'compose.yaml': `
services:
  base:
    image: app:1
    environment: {A: "1", B: "1"}
    ports: ["80"]
  web:
    extends: base
    environment: {B: "2"}
    command: serve
  worker:
    extends:
      file: common/services.yaml
      service: job
    environment: {LOCAL: "1"}
`,
    'common/services.yaml': `
services:
  root:
    image: job:1
    volumes: ["./data:/data"]
    env_file: job.env
  job:
    extends: root
    command: ["run"]
`,
    'common/job.env': 'FROM_JOB_ENV=1\n',
  });
  const p = loadProject({ workingDir: dir, env: {} });
  assert.equal(p.services.web.image, 'app:1');
  assert.deepEqual(p.services.web.environment, { A: '1', B: '2' });
  assert.deepEqual(p.services.web.ports.map((x) => x.target), [80]);
  assert.deepEqual(p.services.web.command, ['serve']);
  const worker = p.services.worker;
  assert.equal(worker.image, 'job:1');
  assert.deepEqual(worker.command, ['run']);
  assert.equal(worker.volumes[0].source, join(dir, 'common', 'data'));
  assert.deepEqual(worker.environment, { FROM_JOB_ENV: '1', LOCAL: '1' });
  assert.equal(p.services.root, undefined);

  const cyc = project({ 'compose.yaml': 'services:\n  a: {image: x, extends: b}\n  b: {image: x, extends: a}\n' });
  throwsInvalid(() => loadProject({ workingDir: cyc, env: {} }), 'compose.yaml: services.a.extends: circular reference: a -> b -> a');
  const missing = project({ 'compose.yaml': 'services:\n  a: {image: x, extends: {service: nope}}\n' });
  throwsInvalid(() => loadProject({ workingDir: missing, env: {} }), 'compose.yaml: services.a.extends.service: service "nope" not found');
});

test('structured attributes: build, healthcheck, restart, deploy, networks, secrets, misc', () => {
  const dir = project({
    'compose.yaml': `
services:
  app:
    build:
      context: ./app
      dockerfile: Containerfile
      args: [VERSION=1, FROM_ENV]
      target: prod
      labels: {l: v}
    entrypoint: ["/init"]
    healthcheck:
      test: curl -f http://localhost
      interval: 1m30s
      timeout: 500ms
      start_period: 1h
      start_interval: 2s
      retries: "5"
    restart: on-failure:3
    scale: 2
    user: "1000"
    working_dir: /srv
    init: true
    cap_drop: [ALL]
    privileged: "false"
    read_only: true
    hostname: app
    stop_signal: SIGINT
    stop_grace_period: 1m
    tmpfs: /run
    dns: 9.9.9.9
    extra_hosts: ["db.local:10.0.0.2", "v6=::1"]
    networks:
      front:
        aliases: [www]
        ipv4_address: 172.30.0.10
      back:
    secrets: [token, {source: cert, target: tls.pem, mode: 0440}]
    configs: [conf]
    ulimits: {nofile: {soft: 1024, hard: 2048}, nproc: 512}
    sysctls: [net.core.somaxconn=1024]
    shm_size: 1g
    tty: true
    stdin_open: true
    pull_policy: if_not_present
    platform: linux/amd64
    ipc: shareable
    labels: [a=b]
    x-custom: {any: thing}
  other:
    image: x
    network_mode: "service:app"
    container_name: the-other
    healthcheck: {disable: true}
    restart: "no"
networks:
  front:
    driver: bridge
    internal: true
    ipam: {config: [{subnet: 172.30.0.0/24, gateway: 172.30.0.1}]}
    labels: {tier: front}
  back: {external: true, name: shared-back}
secrets:
  token: {file: ./token.txt}
  cert: {environment: CERT}
configs:
  conf: {content: "hello"}
`,
  });
  const p = loadProject({ workingDir: dir, env: { FROM_ENV: 'e' } });
  const app = p.services.app;
  assert.deepEqual(app.build, {
    context: join(dir, 'app'), dockerfile: 'Containerfile', args: { VERSION: '1', FROM_ENV: 'e' }, target: 'prod', labels: { l: 'v' },
    tags: [], cacheFrom: [], platforms: [],
  });
  assert.deepEqual(app.healthcheck, {
    test: ['CMD-SHELL', 'curl -f http://localhost'], interval: 90_000, timeout: 500, startPeriod: 3_600_000, startInterval: 2000, retries: 5, disable: false,
  });
  assert.deepEqual(app.restart, { name: 'on-failure', maxRetries: 3 });
  assert.equal(app.replicas, 2);
  assert.equal(app.stopGracePeriod, 60_000);
  assert.equal(app.privileged, false);
  assert.equal(app.readOnly, true);
  assert.deepEqual(app.tmpfs, ['/run']);
  assert.deepEqual(app.dns, ['9.9.9.9']);
  assert.deepEqual(app.extraHosts, [{ host: 'db.local', ip: '10.0.0.2' }, { host: 'v6', ip: '::1' }]);
  assert.deepEqual(app.networks, { front: { aliases: ['www'], ipv4Address: '172.30.0.10' }, back: { aliases: [] } });
  assert.deepEqual(app.secrets, [{ source: 'token', target: '/run/secrets/token' }, { source: 'cert', target: '/run/secrets/tls.pem', mode: 0o440 }]);
  assert.deepEqual(app.configs, [{ source: 'conf', target: '/conf' }]);
  assert.deepEqual(app.ulimits, { nofile: { soft: 1024, hard: 2048 }, nproc: { soft: 512, hard: 512 } });
  assert.deepEqual(app.sysctls, { 'net.core.somaxconn': '1024' });
  assert.equal(app.shmSize, 1024 ** 3);
  assert.equal(app.pullPolicy, 'missing');
  assert.deepEqual(app.extensions, { 'x-custom': { any: 'thing' } });
  assert.equal(p.services.other.containerName, 'the-other');
  const other = p.services.other;
  assert.equal(other.networkMode, 'service:app');
  assert.deepEqual(other.networks, {});
  assert.deepEqual(other.dependsOn, { app: { condition: 'service_started', restart: false, required: true } });
  assert.deepEqual(other.healthcheck, { disable: true });
  assert.deepEqual(other.restart, { name: 'no' });
  assert.deepEqual(p.networks.front, {
    name: 'myapp_front', external: false, driver: 'bridge', driverOpts: {}, internal: true,
    ipam: { config: [{ subnet: '172.30.0.0/24', gateway: '172.30.0.1' }] }, labels: { tier: 'front' },
  });
  assert.deepEqual(p.networks.back, { name: 'shared-back', external: true, driverOpts: {}, labels: {} });
  assert.equal(p.networks.default, undefined, 'no service uses the default network');
  assert.deepEqual(p.secrets.token, { name: 'myapp_token', external: false, file: join(dir, 'token.txt'), labels: {} });
  assert.deepEqual(p.configs.conf, { name: 'myapp_conf', external: false, content: 'hello', labels: {} });
});
