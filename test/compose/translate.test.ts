// translate.ts: a loaded service as the engine's ContainerSpec, without an engine.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { containerName, loadProject, translateService } from '../../src/compose/index.ts';
import { cleanup, project, throwsInvalid } from './tmp.ts';

after(cleanup);

const load = (yaml: string) => loadProject({ workingDir: project({ 'compose.yaml': yaml }), env: {} });
const translate = (yaml: string, service = 'web', number = 1) => {
  const p = load(yaml);
  const s = p.services[service];
  return translateService(p, s, { number, name: containerName(p, s, number), serviceContainer: (x) => containerName(p, p.services[x], 1) });
};

test('a service becomes a ContainerSpec', () => {
  const { spec, extraNetworks, warnings } = translate(`
services:
  web:
    image: busybox
    command: httpd -f
    environment: {A: "1"}
    ports: ["127.0.0.1:8080:80/udp"]
    volumes: ["data:/www:ro", "./site:/site", "/x"]
    tmpfs: ["/run:size=1m"]
    networks:
      front: {aliases: [www]}
      back: {ipv4_address: 10.1.0.5}
    user: "1000"
    restart: on-failure:3
    healthcheck: {test: ["CMD", "true"], interval: 2s, retries: 4}
    deploy: {resources: {limits: {memory: 64m, cpus: "0.5"}}}
    stop_grace_period: 1500ms
    cap_add: [NET_ADMIN]
    extra_hosts: ["h:1.2.3.4"]
    dns_opt: ["ndots:2"]
    ulimits: {nofile: 1024}
    init: true
volumes: {data: {}}
networks: {front: {}, back: {}}
`);
  assert.equal(spec.name, 'myapp-web-1');
  assert.deepEqual(spec.command, ['httpd', '-f']);
  assert.deepEqual(spec.env, { A: '1' });
  assert.deepEqual(spec.portMappings, [{ containerPort: 80, hostPort: 8080, hostIp: '127.0.0.1', protocol: 'udp' }]);
  assert.deepEqual(spec.mounts?.map((m) => [m.type, m.source, m.destination, m.options]), [
    ['volume', 'myapp_data', '/www', ['ro']],
    ['bind', join(spec.labels!['com.docker.compose.project.working_dir'], 'site'), '/site', []],
    ['volume', undefined, '/x', []],
    ['tmpfs', undefined, '/run', ['size=1m']],
  ]);
  assert.equal(spec.network, 'myapp_back');
  assert.deepEqual(spec.networkAliases, ['web']);
  assert.equal(spec.ip, '10.1.0.5');
  assert.deepEqual(extraNetworks, [{ name: 'myapp_front', aliases: ['web', 'www'], ip: undefined, mac: undefined }]);
  assert.deepEqual(spec.restartPolicy, { name: 'on-failure', maximumRetryCount: 3 });
  assert.deepEqual(spec.healthcheck, { test: ['CMD', 'true'], interval: 2e9, timeout: undefined, startPeriod: undefined, retries: 4 });
  assert.equal(spec.memory, 64 * 1024 * 1024);
  assert.equal(spec.cpus, 0.5);
  assert.equal(spec.stopTimeout, 2);
  assert.deepEqual(spec.capAdd, ['NET_ADMIN']);
  assert.deepEqual(spec.dnsOption, ['ndots:2']);
  assert.deepEqual(spec.ulimits, [{ name: 'nofile', soft: 1024, hard: 1024 }]);
  assert.equal(spec.labels!['com.docker.compose.service'], 'web');
  assert.match(spec.labels!['com.docker.compose.config-hash'], /^[0-9a-f]{64}$/);
  assert.match(warnings.join('\n'), /service "web": init: not supported yet/);
});

test('network_mode, unsupported keys and builds', () => {
  assert.equal(translate(`services: {web: {image: busybox, network_mode: host}}`).spec.network, 'host');
  assert.equal(translate(`services: {db: {image: busybox}, web: {image: busybox, network_mode: "service:db"}}`).spec.network, 'container:myapp-db-1');
  assert.match(translate(`services: {web: {image: busybox, links: [x]}}`).warnings.join(), /service "web": links: not supported/);
  // A service with build and no image runs the image its build makes: PROJECT-SERVICE.
  assert.equal(translate(`services: {web: {build: .}}`).spec.image, 'myapp-web');
  throwsInvalid(() => translate(`services: {web: {image: busybox, scale: 2, networks: {default: {ipv4_address: 10.0.0.2}}}}`, 'web', 2), /single replica/);
});
