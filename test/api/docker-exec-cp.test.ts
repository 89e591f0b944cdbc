// docker exec and docker cp through husk's Docker-compatible API, with the
// real docker CLI: output streams, exit codes, detached and tty sessions;
// copies both ways, of files and directories, into directories and to new names.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { dockerHarness } from './docker-harness.ts';

const CTR = 'execcp';
const { docker, run, raw, store } = dockerHarness('husk-api-exec-', {
  async setup(h) {
    const r = await h.docker(['run', '-d', '--name', CTR, 'busybox', 'sleep', '1000']);
    assert.equal(r.code, 0, r.stderr);
  },
  async teardown(h) {
    await h.docker(['rm', '-f', CTR]);
  },
});

test('docker exec: stdout and stderr apart, the exit code from exec inspect', async () => {
  const r = await docker(['exec', CTR, 'sh', '-c', 'echo out; echo err >&2; exit 5']);
  assert.equal(r.stdout, 'out\n');
  assert.equal(r.stderr, 'err\n');
  assert.equal(r.code, 5);
});

test('docker exec -i: stdin reaches the process, and nothing but stdin', async () => {
  const r = await run('/usr/local/bin/docker', ['exec', '-i', CTR, 'cat'], { input: 'from stdin\n' });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'from stdin\n');
});

test('docker exec -d returns at once and the process runs on', async () => {
  const t0 = Date.now();
  const r = await docker(['exec', '-d', CTR, 'sh', '-c', 'sleep 1; echo done > /tmp/detached']);
  assert.equal(r.code, 0, r.stderr);
  assert.ok(Date.now() - t0 < 1000, 'exec -d waited for the process');
  assert.equal((await docker(['exec', CTR, 'cat', '/tmp/detached'])).code, 1);
  let out = '';
  for (let i = 0; i < 50 && out !== 'done\n'; i++) {
    await new Promise((res) => setTimeout(res, 100));
    out = (await docker(['exec', CTR, 'cat', '/tmp/detached'])).stdout;
  }
  assert.equal(out, 'done\n');
});

test('docker exec -it: a pty of the client terminal\'s size, and the exit code', async () => {
  // script gives the docker CLI a terminal; its stdin stays open until the session ends.
  const cmd = `stty rows 30 cols 100; /usr/local/bin/docker exec -it ${CTR} sh -c 'tty; stty size; exit 3'`;
  const r = await run('script', ['-qec', cmd, '/dev/null'], { holdStdin: 20_000 });
  assert.match(r.stdout, /\/dev\/pts\/\d+\r?\n/);
  assert.match(r.stdout, /30 100\r?\n/);
  assert.doesNotMatch(r.stdout, /Detach/); // the start request's body is not stdin
  assert.equal(r.code, 3, r.stdout + r.stderr);
});

test('docker cp host → container: a file and a directory, into a directory and to a new name', async () => {
  const host = join(store.dir, 'cp-in');
  mkdirSync(join(host, 'dir', 'sub'), { recursive: true });
  writeFileSync(join(host, 'file'), 'one\n');
  writeFileSync(join(host, 'dir', 'sub', 'deep'), 'two\n');
  assert.equal((await docker(['exec', CTR, 'mkdir', '/in'])).code, 0);
  for (const [src, dst] of [['file', '/in'], ['file', '/in/renamed'], ['dir', '/in'], ['dir', '/in/newdir']]) {
    const r = await docker(['cp', join(host, src), `${CTR}:${dst}`]);
    assert.equal(r.code, 0, `cp ${src} ${dst}: ${r.stderr}`);
  }
  const r = await docker(['exec', CTR, 'sh', '-c', 'cd /in && cat file renamed dir/sub/deep newdir/sub/deep && test -d newdir/sub && ! test -e newdir/dir && echo ok']);
  assert.equal(r.stdout, 'one\none\ntwo\ntwo\nok\n', r.stderr);
  // The parent of a new name must exist; a directory never replaces a file.
  const miss = await docker(['cp', join(host, 'file'), `${CTR}:/no/such/name`]);
  assert.notEqual(miss.code, 0);
  const clash = await docker(['cp', join(host, 'dir'), `${CTR}:/in/renamed`]);
  assert.notEqual(clash.code, 0);
  assert.equal((await docker(['exec', CTR, 'cat', '/in/renamed'])).stdout, 'one\n');
});

test('docker cp container → host: a file and a directory, into a directory and to a new name', async () => {
  const out = join(store.dir, 'cp-out');
  mkdirSync(out);
  assert.equal((await docker(['exec', CTR, 'sh', '-c', 'mkdir -p /src/sub && echo x > /src/sub/f && echo y > /y'])).code, 0);
  for (const [src, dst] of [['/y', out], ['/y', join(out, 'y2')], ['/src', out], ['/src', join(out, 'src2')]]) {
    const r = await docker(['cp', `${CTR}:${src}`, dst]);
    assert.equal(r.code, 0, `cp ${src} ${dst}: ${r.stderr}`);
  }
  assert.equal(readFileSync(join(out, 'y'), 'utf8'), 'y\n');
  assert.equal(readFileSync(join(out, 'y2'), 'utf8'), 'y\n');
  assert.equal(readFileSync(join(out, 'src', 'sub', 'f'), 'utf8'), 'x\n');
  assert.equal(readFileSync(join(out, 'src2', 'sub', 'f'), 'utf8'), 'x\n');
  assert.ok(statSync(join(out, 'src2')).isDirectory());
  const miss = await docker(['cp', `${CTR}:/nope`, out]);
  assert.notEqual(miss.code, 0);
  assert.match(miss.stderr, /could not be found|No such/i);
});

test('archive HEAD: the path stat header; 404 for a missing path', async () => {
  const h = await raw('HEAD', `/v1.41/containers/${CTR}/archive?path=/etc`);
  assert.equal(h.status, 200);
  const st = JSON.parse(Buffer.from(String(h.headers['x-docker-container-path-stat']), 'base64').toString());
  assert.equal(st.name, 'etc');
  assert.equal(st.mode, 2 ** 31 + 0o755, 'Go os.ModeDir | 0755');
  assert.equal((await raw('HEAD', `/v1.41/containers/${CTR}/archive?path=/nope`)).status, 404);
});
