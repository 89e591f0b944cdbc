// testcontainers for Node (npm testcontainers, over dockerode) against
// husk's service. Its Ryuk reaper image lives on Docker Hub, which these
// machines cannot reach, so Ryuk is disabled and what Ryuk needs is covered
// instead: husk's socket bind-mounted at /var/run/docker.sock drives husk
// from inside a container (the host's static docker binary, mounted in),
// listing by label, starting and removing containers, networks and volumes
// the way Ryuk's label-filtered cleanup does.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dockerHarness } from './docker-harness.ts';

const h = dockerHarness('husk-tc-');

test('testcontainers: a GenericContainer with an exposed port and an HTTP wait strategy starts, answers and is removed', async () => {
  // testcontainers reads its configuration from the environment when it first connects.
  Object.assign(process.env, { DOCKER_HOST: `unix://${h.sock}`, TESTCONTAINERS_RYUK_DISABLED: 'true', DOCKER_CONFIG: h.env().DOCKER_CONFIG });
  const { GenericContainer, Wait } = await import('testcontainers');
  const c = await new GenericContainer('busybox')
    .withCommand(['sh', '-c', 'echo tc-was-here > /tmp/index.html; exec httpd -f -p 8080 -h /tmp'])
    .withExposedPorts(8080)
    .withLabels({ 'org.example.suite': 'husk' })
    .withWaitStrategy(Wait.forHttp('/index.html', 8080).forStatusCode(200))
    .withStartupTimeout(60_000)
    .start();
  const id = c.getId();
  try {
    const port = c.getMappedPort(8080);
    assert.ok(port > 0);
    const body = await fetch(`http://${c.getHost()}:${port}/index.html`).then((r) => r.text());
    assert.equal(body, 'tc-was-here\n');
    const r = await c.exec(['cat', '/tmp/index.html']);
    assert.equal(r.exitCode, 0);
    assert.equal(r.output, 'tc-was-here\n');
    const logs = await h.docker(['inspect', '--format', '{{index .Config.Labels "org.example.suite"}}', id]);
    assert.equal(logs.stdout.trim(), 'husk');
  } finally {
    await c.stop({ timeout: 1_000 });
  }
  // stop() removes the container (and its anonymous volumes) by default.
  const left = await h.engine().containers.list({ all: true });
  assert.deepEqual(left.map((x) => x.config.id).filter((x) => x === id), []);
});

test('testcontainers: the default wait strategy (listening ports, checked from the host and by exec inside)', async () => {
  const { GenericContainer } = await import('testcontainers');
  const c = await new GenericContainer('busybox').withExposedPorts(6379)
    .withCommand(['httpd', '-f', '-p', '6379', '-h', '/etc']).withStartupTimeout(60_000).start();
  try {
    assert.equal(c.getName(), `/${(await h.engine().containers.get(c.getId())).config.name}`);
    assert.equal((await fetch(`http://${c.getHost()}:${c.getMappedPort(6379)}/hostname`)).status, 200);
  } finally {
    await c.stop({ timeout: 1_000 });
  }
  assert.deepEqual((await h.engine().containers.list({ all: true })).map((x) => x.config.id), []);
});

test('husk\'s socket inside a container: the docker CLI there lists, starts and removes containers, networks and volumes by label', async () => {
  const session = `s${process.pid}`;
  const script = [
    'set -e',
    `docker run -d --name inner --label session=${session} busybox sleep 100 >/dev/null`,
    `docker network create --label session=${session} innernet >/dev/null`,
    `docker volume create --label session=${session} innervol >/dev/null`,
    'docker ps --format "ps:{{.Names}}:{{.State}}"',
    // Ryuk's cleanup: everything carrying the session label.
    `ids=$(docker ps -aq --filter label=session=${session})`,
    'docker rm -f $ids >/dev/null',
    `docker network rm $(docker network ls -q --filter label=session=${session}) >/dev/null`,
    `docker volume rm $(docker volume ls -q --filter label=session=${session}) >/dev/null`,
    `echo left:$(docker ps -aq --filter label=session=${session} | wc -l)`,
  ].join('\n');
  const r = await h.docker([
    'run', '--rm', '--name', 'driver', '-e', 'HOME=/tmp',
    '-v', `${h.sock}:/var/run/docker.sock`, '-v', '/usr/local/bin/docker:/usr/local/bin/docker:ro',
    'busybox', 'sh', '-c', script,
  ], 120_000);
  assert.equal(r.code, 0, r.stderr + r.stdout);
  // The container sees itself and the one it started.
  assert.match(r.stdout, /ps:inner:running/);
  assert.match(r.stdout, /ps:driver:running/);
  assert.match(r.stdout, /left:0/);
  const e = h.engine();
  assert.deepEqual((await e.containers.list({ all: true })).map((c) => c.config.name), []);
  assert.deepEqual((await e.networks.list()).map((n) => n.name).filter((n) => n !== 'podman'), []);
  assert.deepEqual((await e.volumes.list()).map((v) => v.Name), []);
});
