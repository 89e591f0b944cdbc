// Validation: one INVALID_ARGUMENT error naming the file, the service and
// the key path, for unknown keys, wrong types, bad references and cycles.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { loadProject } from '../../src/compose/load.ts';
import { cleanup, project, throwsInvalid } from './tmp.ts';

after(cleanup);

const fails = (yaml: string, msg: string | RegExp, files: Record<string, string> = {}) => {
  const dir = project({ 'compose.yaml': yaml, ...files });
  throwsInvalid(() => loadProject({ workingDir: dir, env: {} }), msg);
};

test('unknown keys are errors, x-* extensions are not', () => {
  fails('services:\n  web:\n    image: x\nfoo: 1\n', 'compose.yaml: foo: unknown top-level key "foo"');
  fails('services:\n  web:\n    image: x\n    imagee: y\n', 'compose.yaml: services.web.imagee: unknown service key "imagee"');
  fails('services:\n  web:\n    image: x\n    healthcheck: {test: [CMD, "true"], intervall: 1s}\n',
    'compose.yaml: services.web.healthcheck.intervall: unknown healthcheck key "intervall"');
  fails('services:\n  web:\n    image: x\n    deploy: {resources: {limits: {gpu: 1}}}\n',
    'compose.yaml: services.web.deploy.resources.limits.gpu: unknown limits key "gpu"');
  fails('services:\n  web:\n    image: x\nvolumes:\n  v: {drivr: local}\n', 'compose.yaml: volumes.v.drivr: unknown volume key "drivr"');
  const dir = project({ 'compose.yaml': 'x-top: 1\nservices:\n  web:\n    image: x\n    x-mine: {a: 1}\n' });
  const p = loadProject({ workingDir: dir, env: {} });
  assert.deepEqual(p.extensions, { 'x-top': 1 });
  assert.deepEqual(p.services.web.extensions, { 'x-mine': { a: 1 } });
});

test('wrong types', () => {
  fails('services:\n  web:\n    image: [x]\n', 'compose.yaml: services.web.image: must be a string, got ["x"]');
  fails('services:\n  web:\n    image: x\n    privileged: maybe\n', 'compose.yaml: services.web.privileged: must be a boolean, got "maybe"');
  fails('services:\n  web:\n    image: x\n    ports: "80:80"\n', 'compose.yaml: services.web.ports: must be a list, got "80:80"');
  fails('services:\n  web:\n    image: x\n    scale: 1.5\n', 'compose.yaml: services.web.scale: must be an integer, got 1.5');
  fails('services:\n  web:\n    image: x\n    healthcheck: {test: [CMD, "true"], interval: 10}\n',
    'compose.yaml: services.web.healthcheck.interval: invalid duration 10 (expected e.g. "30s", "1m30s", "500ms")');
  fails('services:\n  web:\n    image: x\n    healthcheck: {test: [RUN, "true"]}\n',
    'compose.yaml: services.web.healthcheck.test: must start with NONE, CMD or CMD-SHELL, got "RUN"');
  fails('services:\n  web:\n    image: x\n    restart: sometimes\n',
    'compose.yaml: services.web.restart: invalid restart policy "sometimes": expected no, always, on-failure[:N] or unless-stopped');
  fails('services:\n  web:\n    image: x\n    deploy: {resources: {limits: {memory: lots}}}\n',
    'compose.yaml: services.web.deploy.resources.limits.memory: invalid size "lots" (expected bytes or e.g. "512m", "1g")');
  fails('services:\n  web:\n    image: x\n    depends_on: {db: {condition: service_ready}}\n  db: {image: x}\n',
    'compose.yaml: services.web.depends_on.db.condition: invalid condition "service_ready": expected service_started, service_healthy, service_completed_successfully');
  fails('services:\n  web:\n    image: x\n    command: echo "unterminated\n', 'compose.yaml: services.web.command: invalid command line string: unterminated double quote');
  fails('services:\n  web: {}\n', 'compose.yaml: services.web.image: a service needs an image or a build section');
  fails('services:\n  web:\n    image: x\n    scale: 2\n    deploy: {replicas: 3}\n', 'compose.yaml: services.web.scale: scale (2) and deploy.replicas (3) differ');
  fails('services:\n  web:\n    image: x\n    container_name: fixed\n    scale: 2\n',
    'compose.yaml: services.web.container_name: "fixed" cannot be used with more than one replica');
  fails('services:\n  "bad name":\n    image: x\n', 'compose.yaml: services.bad name: invalid service name "bad name": use only [a-zA-Z0-9._-]');
  fails('services: [web]\n', 'compose.yaml: services: must be a mapping, got ["web"]');
  fails('', 'compose.yaml: empty compose file');
  fails('services:\n  web:\n    image: x\n   bad: indent\n', /^compose\.yaml: invalid YAML at line 4/);
});

test('references: depends_on, networks, volumes, secrets, configs, service: modes, cycles', () => {
  fails('services:\n  web:\n    image: x\n    depends_on: [dbx]\n', 'compose.yaml: services.web.depends_on.dbx: undefined service "dbx"');
  fails('services:\n  web:\n    image: x\n    networks: [front]\n', 'compose.yaml: services.web.networks.front: undefined network "front"');
  fails('services:\n  web:\n    image: x\n    secrets: [token]\n', 'compose.yaml: services.web.secrets[0]: undefined secret "token"');
  fails('services:\n  web:\n    image: x\n    configs: [conf]\n', 'compose.yaml: services.web.configs[0]: undefined config "conf"');
  fails('services:\n  web:\n    image: x\n    network_mode: "service:nope"\n', 'compose.yaml: services.web.network_mode: undefined service "nope"');
  fails('services:\n  a: {image: x, depends_on: [b]}\n  b: {image: x, depends_on: [c]}\n  c: {image: x, depends_on: [a]}\n',
    'compose.yaml: services.a.depends_on: dependency cycle: a -> b -> c -> a');
  fails('services:\n  a: {image: x, depends_on: [a]}\n', 'compose.yaml: services.a.depends_on.a: a service cannot depend on itself');
  fails('services:\n  a: {image: x}\nsecrets:\n  s: {}\n', 'compose.yaml: secrets.s: a secret needs exactly one of file, environment or external');
  fails('services:\n  a: {image: x}\nnetworks:\n  n: {external: true, driver: bridge}\n',
    'compose.yaml: networks.n.driver: conflicts with external: an external resource is not configured here');
  // A dependency that is not required may be missing.
  const dir = project({ 'compose.yaml': 'services:\n  a:\n    image: x\n    depends_on: {gone: {condition: service_started, required: false}}\n' });
  assert.deepEqual(loadProject({ workingDir: dir, env: {} }).services.a.dependsOn, {});
});

test('errors after merging name the file that set the key', () => {
  const dir = project({
    'compose.yaml': 'services:\n  web:\n    image: x\n',
    'compose.override.yaml': 'services:\n  web:\n    depends_on: [nope]\n',
    'other.yaml': 'services:\n  web:\n    ports: ["80:x"]\n',
  });
  throwsInvalid(() => loadProject({ workingDir: dir, env: {} }), 'compose.override.yaml: services.web.depends_on.nope: undefined service "nope"');
  throwsInvalid(() => loadProject({ workingDir: dir, env: {}, files: ['compose.yaml', 'other.yaml'] }), 'other.yaml: services.web.ports[0]: invalid port "80:x"');
});
