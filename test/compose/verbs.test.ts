// compose verbs end to end, real containers: build (husk's builder) and
// up --build recreating the service whose image changed, push to a
// loopback registry, --scale up and down, run --rm, events.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HUSK, Store, until } from '../helpers.ts';
import { startRegistry, type RunningRegistry } from '../registry-server.ts';

const store = new Store('husk-compose-verbs-');
let reg: RunningRegistry;
let env: Record<string, string>;

before(async () => {
  store.busybox();
  reg = await startRegistry();
  const conf = join(store.dir, 'registries.conf');
  writeFileSync(conf, `[[registry]]\nlocation = "${reg.host}"\ninsecure = true\n`);
  env = { CONTAINERS_REGISTRIES_CONF: conf };
});
after(async () => {
  await reg?.stop();
  await store.destroyWhenIdle();
});

type Compose = ((args: string[]) => ReturnType<Store['husk']>) & { dir: string };

function project(name: string, files: Record<string, string>): Compose {
  const dir = mkdtempSync(join(store.dir, `${name}-`));
  for (const [f, text] of Object.entries(files)) {
    mkdirSync(join(dir, f, '..'), { recursive: true });
    writeFileSync(join(dir, f), text);
  }
  return Object.assign((args: string[]) => store.husk(['compose', '-p', name, '-f', join(dir, 'compose.yaml'), ...args], { timeout: 180_000, env }), { dir });
}

test('build, up without rebuilding, up --build recreates what changed, push', async () => {
  // app's image adds no layer (ENV only), so it can be pushed: a RUN layer's archive is not kept by the builder yet.
  const containerfile = (word: string) => `FROM localhost/busybox:latest\nENV WORD=${word}\n`;
  const files = {
    'compose.yaml': `services:
  app:
    build: {context: ./app}
    image: ${reg.host}/proj/app:v1
    command: [sh, -c, "echo $$WORD; exec sleep 1000"]
  tool:
    build:
      context: ./tool
      dockerfile: Tool.containerfile
      args: {WORD: from-arg}
    command: [sh, -c, "cat /built; exec sleep 1000"]
`,
    'app/Containerfile': containerfile('one'),
    'tool/Tool.containerfile': 'FROM localhost/busybox:latest\nARG WORD\nRUN echo $WORD > /built\n',
  };
  const compose = project('bv', files);
  const build = compose(['build']);
  assert.equal(build.code, 0, build.stderr);
  assert.match(build.stderr, /Service app {2}Built/);
  assert.match(build.stderr, /Service tool {2}Built/);
  // A service without `image` gets PROJECT-SERVICE.
  assert.equal(store.husk(['image', 'exists', 'bv-tool']).code, 0);
  assert.equal(store.husk(['image', 'exists', `${reg.host}/proj/app:v1`]).code, 0);

  const up = compose(['up', '-d']);
  assert.equal(up.code, 0, up.stderr);
  assert.doesNotMatch(up.stderr, /Building/, 'images that exist are not built again');
  assert.doesNotMatch(up.stderr, /Pull/, 'an image the project builds is not pulled');
  await until(() => store.ok(['logs', 'bv-app-1']) === 'one', 15_000, 100);
  await until(() => store.ok(['logs', 'bv-tool-1']) === 'from-arg', 15_000, 100);

  writeFileSync(join(compose.dir, 'app/Containerfile'), containerfile('two'));
  const plain = compose(['up', '-d']);
  assert.equal(plain.code, 0, plain.stderr);
  assert.match(plain.stderr, /Container bv-app-1 {2}Running/, 'without --build the image stays');
  const rebuilt = compose(['up', '-d', '--build']);
  assert.equal(rebuilt.code, 0, rebuilt.stderr);
  assert.match(rebuilt.stderr, /Container bv-app-1 {2}Recreated/, 'a new image recreates its containers');
  assert.match(rebuilt.stderr, /Container bv-tool-1 {2}Running/, 'an unchanged image keeps them');
  await until(() => store.ok(['logs', 'bv-app-1']) === 'two', 15_000, 100);

  // push sends the services that name their image (not PROJECT-SERVICE ones).
  const pushed = compose(['push']);
  assert.equal(pushed.code, 0, pushed.stderr);
  const tags = await fetch(`http://${reg.host}/v2/proj/app/tags/list`).then((r) => r.json()) as { tags: string[] };
  assert.deepEqual(tags.tags, ['v1']);
  const catalog = await fetch(`http://${reg.host}/v2/_catalog`).then((r) => r.json()) as { repositories: string[] };
  assert.deepEqual(catalog.repositories, ['proj/app']);
  assert.equal(compose(['down', '-t', '0']).code, 0);

  const bad = project('bb', { 'compose.yaml': 'services:\n  x:\n    build: {context: ./nope}\n' });
  const r = bad(['build']);
  assert.equal(r.code, 125);
  assert.match(r.stderr, /service "x": build\.context: .*nope is not a local directory/);
});

test('--scale up and back, run --rm, events', async () => {
  const compose = project('sc', { 'compose.yaml': 'services:\n  web:\n    image: busybox\n    command: [sleep, "1000"]\n    stop_grace_period: 1s\n' });
  const names = () => store.ok(['ps', '-a', '--filter', 'label=com.docker.compose.project=sc', '--format', '{{.Names}}']).split('\n').filter(Boolean).sort();
  assert.equal(compose(['up', '-d', '--scale', 'web=3']).code, 0);
  assert.deepEqual(names(), ['sc-web-1', 'sc-web-2', 'sc-web-3']);
  const down = compose(['up', '-d', '--scale', 'web=1']);
  assert.equal(down.code, 0, down.stderr);
  assert.deepEqual(names(), ['sc-web-1']);

  const run = compose(['run', '--rm', '-T', 'web', 'echo', 'one-off']);
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.stdout.trim(), 'one-off');
  assert.deepEqual(names(), ['sc-web-1'], 'run --rm leaves no container');

  // events: the project's container events as JSON, as they happen.
  const child = spawn(HUSK, [...store.globals, 'compose', '-p', 'sc', '-f', join(compose.dir, 'compose.yaml'), 'events', '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  try {
    await new Promise((r) => setTimeout(r, 1500));
    store.ok(['run', '-d', '--name', 'unrelated', 'busybox', 'true']);
    assert.equal(compose(['stop', '-t', '0', 'web']).code, 0);
    await until(() => out.split('\n').some((l) => l.includes('"action":"stop"')), 20_000, 100);
  } finally {
    child.kill('SIGTERM');
  }
  const events = out.split('\n').filter(Boolean).map((l) => JSON.parse(l));
  assert.ok(events.length > 0);
  for (const e of events) assert.deepEqual([e.type, e.service, e.attributes.name], ['container', 'web', 'sc-web-1']);
  assert.ok(events.some((e) => e.action === 'stop'), out);
  assert.equal(compose(['down', '-t', '0']).code, 0);
});

test('attached up: prefixed output until the containers exit; Ctrl+C stops them', async () => {
  const short = project('att', { 'compose.yaml': 'services:\n  a:\n    image: busybox\n    command: [sh, -c, "echo from-a; sleep 1; echo bye-a"]\n  bb:\n    image: busybox\n    command: [echo, from-bb]\n' });
  const r = short(['up']);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.split('\n').filter(Boolean).sort();
  assert.deepEqual(lines, ['a-1   | bye-a', 'a-1   | from-a', 'bb-1  | from-bb']);

  const long = project('attlong', { 'compose.yaml': 'services:\n  s:\n    image: busybox\n    command: [sh, -c, "echo started; exec sleep 1000"]\n    stop_grace_period: 1s\n' });
  const child = spawn(HUSK, [...store.globals, 'compose', '-p', 'attlong', '-f', join(long.dir, 'compose.yaml'), 'up'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (err += d));
  const exited = new Promise<number | null>((r) => child.on('close', (code) => r(code)));
  await until(() => out.includes('s-1  | started'), 30_000, 100);
  child.kill('SIGINT');
  assert.equal(await exited, 0, err);
  assert.match(err, /Gracefully stopping/);
  assert.match(err, /Container attlong-s-1 {2}Stopped/);
  assert.equal(inspectStatus('attlong-s-1'), 'exited');
  assert.equal(long(['down', '-t', '0']).code, 0);
  assert.equal(short(['down', '-t', '0']).code, 0);
});

const inspectStatus = (c: string) => store.ok(['inspect', '--format', '{{.State.Status}}', c]);

test('create, start, pause, unpause, cp, wait', async () => {
  const compose = project('pz', { 'compose.yaml': 'services:\n  a:\n    image: busybox\n    command: [sleep, "1000"]\n' });
  assert.equal(compose(['create']).code, 0);
  assert.equal(inspectStatus('pz-a-1'), 'created');
  assert.equal(compose(['start']).code, 0);
  assert.equal(inspectStatus('pz-a-1'), 'running');
  const p = compose(['pause']);
  assert.equal(p.code, 0, p.stderr);
  assert.match(p.stderr, /Container pz-a-1 {2}Paused/);
  assert.equal(inspectStatus('pz-a-1'), 'paused');
  assert.equal(compose(['unpause']).code, 0);
  assert.equal(inspectStatus('pz-a-1'), 'running');
  // cp both ways, SERVICE:PATH naming the service's container.
  writeFileSync(join(compose.dir, 'in.txt'), 'copied\n');
  assert.equal(compose(['cp', join(compose.dir, 'in.txt'), 'a:/tmp/in.txt']).code, 0);
  assert.equal(store.ok(['exec', 'pz-a-1', 'cat', '/tmp/in.txt']), 'copied');
  const back = compose(['cp', 'a:/tmp/in.txt', join(compose.dir, 'out.txt')]);
  assert.equal(back.code, 0, back.stderr);
  assert.equal((await import('node:fs')).readFileSync(join(compose.dir, 'out.txt'), 'utf8'), 'copied\n');
  assert.equal(compose(['cp', join(compose.dir, 'in.txt'), join(compose.dir, 'x')]).code, 125);
  // wait: blocks until the service's containers stop, and prints their exit codes.
  const child = spawn(HUSK, [...store.globals, 'compose', '-p', 'pz', '-f', join(compose.dir, 'compose.yaml'), 'wait', 'a'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  const done = new Promise<number | null>((r) => child.on('close', r));
  store.ok(['kill', 'pz-a-1']);
  assert.equal(await done, 0);
  assert.equal(out.trim(), '137');
  assert.equal(compose(['down', '-t', '0']).code, 0);
});

test('attached up --abort-on-container-exit and --exit-code-from', () => {
  const compose = project('ab', { 'compose.yaml': 'services:\n  quick:\n    image: busybox\n    command: [sh, -c, "echo done; exit 3"]\n  slow:\n    image: busybox\n    command: [sleep, "1000"]\n    stop_grace_period: 1s\n' });
  const r = compose(['up', '--exit-code-from', 'quick']);
  assert.equal(r.code, 3, r.stderr);
  assert.match(r.stdout, /quick-1 {2}\| done/);
  assert.match(r.stderr, /Aborting on container exit/);
  assert.equal(inspectStatus('ab-slow-1'), 'exited');
  const plain = compose(['up', '--abort-on-container-exit']);
  assert.equal(plain.code, 3, plain.stderr);
  assert.equal(compose(['up', '-d', '--abort-on-container-exit']).code, 125);
  assert.equal(compose(['down', '-t', '0']).code, 0);
});

test('depends_on.restart: a dependent is restarted when its dependency is recreated; others are left alone', () => {
  const file = (v: string) => `services:\n  db:\n    image: busybox\n    command: [sleep, "1000"]\n    environment: {V: "${v}"}\n  app:\n    image: busybox\n    command: [sleep, "1000"]\n    stop_grace_period: 1s\n    depends_on: {db: {condition: service_started, restart: true}}\n  other:\n    image: busybox\n    command: [sleep, "1000"]\n    depends_on: [db]\n`;
  const compose = project('dr', { 'compose.yaml': file('1') });
  assert.equal(compose(['up', '-d']).code, 0);
  const pid = (c: string) => store.ok(['inspect', '--format', '{{.Id}} {{.State.Pid}}', c]);
  const [app, other] = [pid('dr-app-1'), pid('dr-other-1')];
  writeFileSync(join(compose.dir, 'compose.yaml'), file('2'));
  const r = compose(['up', '-d']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /Container dr-db-1 {2}Recreated/);
  assert.match(r.stderr, /Container dr-app-1 {2}Restarted/);
  assert.match(r.stderr, /Container dr-other-1 {2}Running/);
  const [appId, appPid] = pid('dr-app-1').split(' ');
  assert.equal(appId, app.split(' ')[0], 'restarted, not recreated');
  assert.notEqual(appPid, app.split(' ')[1]);
  assert.equal(pid('dr-other-1'), other);
  assert.equal(compose(['down', '-t', '0']).code, 0);
});
