// POST /build driven by the docker CLI 28's legacy builder (DOCKER_BUILDKIT=0)
// and docker-py, then the image run with `docker run`; and hostile contexts
// sent raw: entries that climb out of the context and a Dockerfile that is a
// symlink to a host file are refused, and nothing is left behind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { tarStream, type TarEntry } from '../../src/build/tar.ts';
import { dockerHarness } from './docker-harness.ts';

const h = dockerHarness('husk-apibuild-');
// The CLI's legacy builder, which talks to POST /build (BuildKit would need buildx and /session).
process.env.DOCKER_BUILDKIT = '0';
const build = (args: string[]) => h.run('/usr/local/bin/docker', ['build', ...args], { timeout: 180_000 });

function context(name: string, files: Record<string, string>): string {
  const dir = join(h.store.dir, name);
  mkdirSync(dir, { recursive: true });
  for (const [f, text] of Object.entries(files)) writeFileSync(join(dir, f), text);
  return dir;
}

async function post(path: string, entries: TarEntry[]): Promise<{ status: number; body: string }> {
  const chunks: Buffer[] = [];
  for await (const c of tarStream(entries)) chunks.push(c);
  return new Promise((resolve, reject) => {
    const r = request({ socketPath: h.sock, method: 'POST', path, headers: { 'Content-Type': 'application/x-tar' } }, (res) => {
      let b = '';
      res.on('data', (d) => (b += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: b }));
    });
    r.on('error', reject);
    r.end(Buffer.concat(chunks));
  });
}

const file = (path: string, text: string): TarEntry => ({ path, type: 'file', mode: 0o644, uid: 0, gid: 0, mtime: 0, body: () => Buffer.from(text) });
const tmpLeft = () => readdirSync(join(h.store.root, 'tmp')).filter((n) => n.includes('context'));

test('docker build -t (build args, labels, COPY, RUN), then docker run --rm the image', async () => {
  const dir = context('ctx1', {
    Dockerfile: 'FROM busybox\nARG GREETING=hi\nCOPY msg.txt /msg.txt\nRUN echo "$GREETING built" > /built.txt\nCMD ["sh", "-c", "cat /msg.txt /built.txt"]\n',
    'msg.txt': 'from the context\n',
  });
  const b = await build(['-t', 'apibuilt', '--build-arg', 'GREETING=yo', '--label', 'made.by=api-test', dir]);
  assert.equal(b.code, 0, b.stderr);
  assert.match(b.stdout, /STEP 4\/5: RUN echo/);
  assert.match(b.stdout, /Successfully built [0-9a-f]{12}\n/);
  const r = await h.docker(['run', '--rm', 'apibuilt']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'from the context\nyo built\n');
  const labels = await h.docker(['inspect', '--format', '{{index .Config.Labels "made.by"}}', 'apibuilt']);
  assert.equal(labels.stdout.trim(), 'api-test');
  assert.deepEqual(tmpLeft(), [], 'the unpacked context is removed');
});

test('docker build: -f from outside the context, -q, --target of a multi-stage file', async () => {
  const dir = context('ctx2', { 'data.txt': 'two\n' });
  const outside = join(h.store.dir, 'Outside.Dockerfile');
  writeFileSync(outside, 'FROM busybox AS first\nRUN echo first > /f\nFROM busybox AS second\nCOPY --from=first /f /f\nCOPY data.txt /d\nCMD ["cat", "/f", "/d"]\nFROM busybox\nRUN exit 9\n');
  // The CLI adds the outside file to the tar, unpadded and without the end blocks.
  const b = await build(['-q', '-f', outside, '--target', 'second', '-t', 'apistage', dir]);
  assert.equal(b.code, 0, b.stderr);
  assert.match(b.stdout, /^sha256:[0-9a-f]{64}\n$/);
  const r = await h.docker(['run', '--rm', 'apistage']);
  assert.equal(r.stdout, 'first\ntwo\n');
});

test('a failing RUN fails the build with its message and leaves no container', async () => {
  const dir = context('ctx3', { Dockerfile: 'FROM busybox\nRUN echo going; exit 7\n' });
  const b = await build([dir]);
  assert.equal(b.code, 1);
  assert.match(b.stdout, /going/);
  assert.match(b.stderr, /exit status 7/);
  const bad = await build(['-f', join(context('ctx4', { Dockerfile: 'FROM busybox\nBOGUS x\n' }), 'Dockerfile'), join(h.store.dir, 'ctx4')]);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /unknown instruction: BOGUS/);
  assert.deepEqual((await h.engine().containers.list({ all: true })).map((c) => c.config.name), []);
  assert.deepEqual(tmpLeft(), []);
});

test('docker-py builds from a gzip-compressed context', async () => {
  const dir = context('ctx5', { Dockerfile: 'FROM busybox\nRUN echo py > /py\nCMD ["cat", "/py"]\n' });
  const py = `import docker
c = docker.DockerClient(base_url='unix://${h.sock}')
img, logs = c.images.build(path='${dir}', tag='pybuilt', gzip=True, rm=True)
print(img.id)
print(c.containers.run('pybuilt', remove=True).decode().strip())`;
  const r = await h.run('python3', ['-c', py], { timeout: 180_000 });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^sha256:[0-9a-f]{64}\npy\n$/);
});

test('hostile contexts: an entry that climbs out, a Dockerfile symlinked to a host file, a bad query', async () => {
  const climb = await post('/v1.41/build', [file('Dockerfile', 'FROM busybox\n'), file('../../escaped.txt', 'out')]);
  assert.equal(climb.status, 400, climb.body);
  assert.match(JSON.parse(climb.body).message, /build context: /);
  assert.equal(existsSync(join(h.store.root, 'escaped.txt')), false);
  assert.equal(existsSync(join(h.store.root, 'tmp', 'escaped.txt')), false);

  const secret = join(h.store.dir, 'secret.txt');
  writeFileSync(secret, 'FROM do-not-read-me\n');
  const link: TarEntry = { path: 'Dockerfile', type: 'symlink', mode: 0o777, uid: 0, gid: 0, mtime: 0, linkTarget: secret };
  const viaLink = await post('/v1.41/build', [link]);
  assert.equal(viaLink.status, 400, viaLink.body);
  assert.match(viaLink.body, /outside the build context/);
  assert.doesNotMatch(viaLink.body, /do-not-read-me/);
  const up = await post('/v1.41/build?dockerfile=../../secret.txt', [file('Dockerfile', 'FROM busybox\n')]);
  assert.equal(up.status, 400);
  assert.match(up.body, /outside the build context/);

  assert.equal((await post('/v1.41/build?buildargs=%7Bbad', [file('Dockerfile', 'FROM busybox\n')])).status, 400);
  const none = await post('/v1.41/build', [file('other.txt', 'x')]);
  assert.equal(none.status, 400);
  assert.match(none.body, /Cannot locate specified Dockerfile/);
  assert.deepEqual(tmpLeft(), []);
  assert.equal((await h.raw('GET', '/_ping')).body, 'OK');
});
