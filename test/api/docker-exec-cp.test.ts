// docker exec and docker cp through husk's Docker-compatible API, with the
// real docker CLI: output streams, exit codes, detached and tty sessions;
// copies both ways, of files and directories, into directories and to new names.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { dockerHarness } from './docker-harness.ts';

const { docker, run } = dockerHarness('husk-api-exec-');
const CTR = 'execcp';

before(async () => {
  const r = await docker(['run', '-d', '--name', CTR, 'busybox', 'sleep', '1000']);
  assert.equal(r.code, 0, r.stderr);
});

after(async () => {
  await docker(['rm', '-f', CTR]);
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
