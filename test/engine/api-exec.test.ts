// Exec sessions through the Engine interface only (create, start attached
// or detached, resize, inspect, remove), so the same tests can later run
// against the remote client. The container is set up with the CLI.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { PassThrough, Writable } from 'node:stream';
import type { Engine, TerminalSize } from '../../src/engine/api.ts';
import { connect } from '../../src/engine/connect.ts';
import { HuskError } from '../../src/common/errors.ts';
import { Store } from '../helpers.ts';

const s = new Store('husk-api-exec-');
let engine: Engine;

/** A Writable that keeps what it was given. */
function collector(): Writable & { text(): string } {
  const chunks: Buffer[] = [];
  const w = new Writable({ write(chunk, _enc, cb) { chunks.push(Buffer.from(chunk)); cb(); } }) as Writable & { text(): string };
  w.text = () => Buffer.concat(chunks).toString('utf8');
  return w;
}

async function eventually<T>(fn: () => Promise<T | undefined | false>, timeoutMs = 15_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error('timed out waiting for condition');
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** ExecIDs of container inspect: the engine's, or the CLI's while containers.inspect is not on the interface yet. */
async function execIds(ref: string): Promise<string[]> {
  try {
    return (await engine.containers.inspect(ref)).ExecIDs as string[];
  } catch (e) {
    if ((e as HuskError).code !== 'NOT_IMPLEMENTED') throw e;
    return JSON.parse(s.ok(['inspect', ref]))[0].ExecIDs;
  }
}

before(async () => {
  s.busybox();
  s.ok(['run', '-d', '--name', 'box', 'busybox', 'sleep', '1000']);
  engine = await connect({ root: s.root, runroot: s.runroot });
});

after(async () => {
  await engine?.close();
  await s.destroyWhenIdle();
});

test('create → inspect (not running) → start attached: streams, exit code; the session stays inspectable', async () => {
  const id = await engine.exec.create('box', { command: ['sh', '-c', 'echo out; echo err >&2; exit 3'], env: { A: 'b' } });
  assert.match(id, /^[0-9a-f]{64}$/);
  const before = await engine.exec.inspect(id);
  assert.equal(before.ID, id);
  assert.equal(before.ContainerID, s.ok(['inspect', '--format', '{{.Id}}', 'box']));
  assert.equal(before.Running, false);
  assert.equal(before.Pid, 0);
  assert.deepEqual(before.ProcessConfig, { entrypoint: 'sh', arguments: ['-c', 'echo out; echo err >&2; exit 3'], tty: false, user: '', privileged: false });

  const out = collector(), err = collector();
  assert.equal(await engine.exec.start(id, { stdout: out, stderr: err }), 3);
  assert.equal(out.text(), 'out\n');
  assert.equal(err.text(), 'err\n');
  const after = await engine.exec.inspect(id);
  assert.equal(after.Running, false);
  assert.equal(after.ExitCode, 3);
  assert.equal(after.CanRemove, true);
  await assert.rejects(engine.exec.start(id, {}), (e: HuskError) => e.code === 'CONTAINER_STATE');
  await engine.exec.remove(id);
  await assert.rejects(engine.exec.inspect(id), (e: HuskError) => e.code === 'NO_SUCH_EXEC');
});

test('stdin reaches an interactive session; env, user and workdir apply', async () => {
  const id = await engine.exec.create('box', {
    command: ['sh', '-c', 'cat; echo "$A $(id -u) $(pwd)"'], interactive: true, env: { A: 'b' }, user: '1234', workdir: '/tmp', autoRemove: true,
  });
  const stdin = new PassThrough();
  const out = collector();
  stdin.end('from stdin\n');
  assert.equal(await engine.exec.start(id, { stdin, stdout: out, stderr: out }), 0);
  assert.equal(out.text(), 'from stdin\nb 1234 /tmp\n');
  await assert.rejects(engine.exec.inspect(id), (e: HuskError) => e.code === 'NO_SUCH_EXEC', 'autoRemove dropped the finished session');
});

test('a detached session is inspectable while it runs and after it ended; container inspect lists it', async () => {
  const id = await engine.exec.create('box', { command: ['sh', '-c', 'sleep 3; exit 7'] });
  assert.equal(await engine.exec.start(id, { detach: true }), undefined);
  const running = await engine.exec.inspect(id);
  assert.equal(running.Running, true);
  assert.ok(running.Pid > 0, 'a host pid');
  assert.match(readFileSync(`/proc/${running.Pid}/cmdline`, 'utf8'), /^sh\0-c\0sleep 3/, 'the pid is the session\'s process');
  assert.ok((await execIds('box')).includes(id), 'ExecIDs lists the session');
  await assert.rejects(engine.exec.remove(id), (e: HuskError) => e.code === 'CONTAINER_STATE', 'a running session needs force');

  const ended = await eventually(async () => { const i = await engine.exec.inspect(id); return !i.Running && i; });
  assert.equal(ended.ExitCode, 7);
  assert.equal(ended.Pid, 0);
  await engine.exec.remove(id);
  assert.ok(!(await execIds('box')).includes(id));
});

test('remove --force kills a running session', async () => {
  const id = await engine.exec.create('box', { command: ['sleep', '100'] });
  await engine.exec.start(id, { detach: true });
  const { Pid } = await engine.exec.inspect(id);
  await engine.exec.remove(id, { force: true });
  await assert.rejects(engine.exec.inspect(id), (e: HuskError) => e.code === 'NO_SUCH_EXEC');
  assert.throws(() => process.kill(Pid, 0), 'the process is gone');
});

test('127 for a missing command, 126 for a non-executable, both attached and detached', async () => {
  for (const detach of [false, true]) {
    const nf = await engine.exec.create('box', { command: ['/no/such/cmd'] });
    await assert.rejects(engine.exec.start(nf, { detach, stdout: collector(), stderr: collector() }),
      (e: HuskError) => e.code === 'CMD_NOT_FOUND' && e.exitCode === 127);
    assert.equal((await engine.exec.inspect(nf)).ExitCode, 127);
    const ni = await engine.exec.create('box', { command: ['/etc/passwd'] });
    await assert.rejects(engine.exec.start(ni, { detach, stdout: collector(), stderr: collector() }),
      (e: HuskError) => e.code === 'CMD_CANNOT_INVOKE' && e.exitCode === 126);
  }
});

test('errors: unknown container, unknown session, empty command', async () => {
  await assert.rejects(engine.exec.create('nosuch', { command: ['true'] }), (e: HuskError) => e.code === 'NO_SUCH_CONTAINER');
  await assert.rejects(engine.exec.inspect('f'.repeat(64)), (e: HuskError) => e.code === 'NO_SUCH_EXEC');
  await assert.rejects(engine.exec.create('box', { command: [] }), (e: HuskError) => e.code === 'INVALID_ARGUMENT');
});

test('a tty session starts at the first given size and follows resizes', async () => {
  const sizes = new PassThrough({ objectMode: true });
  const id = await engine.exec.create('box', {
    command: ['sh', '-c', 'stty size; while [ "$(stty size)" = "30 100" ]; do sleep 0.1; done; stty size; exit 4'], tty: true,
  });
  sizes.write({ rows: 30, cols: 100 } satisfies TerminalSize);
  const out = collector();
  const started = engine.exec.start(id, { stdout: out, resize: sizes });
  const pid = await eventually(async () => (await engine.exec.inspect(id)).Pid);
  assert.ok(pid > 0);
  await eventually(async () => out.text().includes('30 100'));
  await engine.exec.resize(id, { rows: 40, cols: 120 });
  assert.equal(await started, 4);
  assert.equal(out.text().replaceAll('\r', ''), '30 100\n40 120\n', 'a tty merges both streams, with CRLF');
  sizes.end();
});

test('stopping the container ends and drops its sessions', async () => {
  s.ok(['run', '-d', '--name', 'short', 'busybox', 'sleep', '1000']);
  const id = await engine.exec.create('short', { command: ['sleep', '100'] });
  await engine.exec.start(id, { detach: true });
  s.ok(['stop', '-t', '0', 'short']);
  await assert.rejects(engine.exec.inspect(id), (e: HuskError) => e.code === 'NO_SUCH_EXEC');
  assert.deepEqual(await execIds('short'), []);
  await assert.rejects(engine.exec.create('short', { command: ['true'] }), (e: HuskError) => e.code === 'CONTAINER_STATE');
});
