// The engine as a library, without the CLI: a Node program connects to its
// own store, imports an image and runs real containers through the Engine
// interface (the same one the CLI and the REST API call).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { connect, HuskError, type Engine } from '../../src/lib.ts';
import { FIXTURES, overlayMounts, until } from '../helpers.ts';

const dir = mkdtempSync('/var/tmp/husk-lib-');
let engine: Engine;

/** A Writable that keeps what it was given. */
function collector(): Writable & { text(): string } {
  const chunks: Buffer[] = [];
  const w = new Writable({
    write(chunk, _enc, cb) {
      chunks.push(Buffer.from(chunk));
      cb();
    },
  }) as Writable & { text(): string };
  w.text = () => Buffer.concat(chunks).toString('utf8');
  return w;
}

const ids = async () => (await engine.containers.list({ all: true })).map((c) => c.config.id);

before(async () => {
  engine = await connect({ root: join(dir, 'root'), runroot: join(dir, 'run') });
  const img = await engine.images.import(join(FIXTURES, 'busybox-rootfs.tar'), { reference: 'busybox' });
  assert.match(img.id, /^[0-9a-f]{64}$/);
  assert.deepEqual(img.names, ['localhost/busybox:latest']);
});

after(async () => {
  await engine.containers.remove([], { all: true, force: true }).catch(() => {});
  await engine.close();
  const leaked = overlayMounts().filter((m) => m.includes(dir));
  // Let conmon's exit commands (`husk container cleanup`) finish, or they would recreate ROOT/state.db.
  const busy = () => readdirSync('/proc').some((p) => {
    if (!/^\d+$/.test(p) || Number(p) === process.pid) return false;
    try { return readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(dir); } catch { return false; }
  });
  await until(() => !busy(), 10_000).catch(() => {});
  rmSync(dir, { recursive: true, force: true });
  assert.deepEqual(leaked, [], 'no overlay mounts leaked');
});

test('run: output to a Writable, the exit code, and autoRemove', async () => {
  const stdout = collector();
  const stderr = collector();
  const r = await engine.containers.run({ image: 'busybox', command: ['sh', '-c', 'echo lib; echo to-err >&2; exit 4'], autoRemove: true }, { stdout, stderr });
  assert.equal(r.exitCode, 4);
  assert.equal(stdout.text(), 'lib\n');
  assert.equal(stderr.text(), 'to-err\n');
  assert.match(r.id, /^[0-9a-f]{64}$/);
  assert.deepEqual(await ids(), [], 'autoRemove removed it');
  assert.ok(!existsSync(join(dir, 'root/containers', r.id)));
});

test('run without autoRemove keeps the exited container', async () => {
  const stdout = collector();
  const r = await engine.containers.run({ image: 'busybox', command: ['echo', 'kept'], name: 'kept' }, { stdout });
  assert.equal(r.exitCode, 0);
  assert.equal(stdout.text(), 'kept\n');
  const [c] = await engine.containers.list({ all: true });
  assert.equal(c.config.name, 'kept');
  assert.equal(c.state.status, 'exited');
  assert.equal(c.state.exitCode, 0);
  assert.deepEqual(await engine.containers.remove(['kept']), [{ id: c.config.id, rawInput: 'kept' }]);
  assert.deepEqual(await ids(), []);
});

test('detached run: list shows it running; stop; remove', async () => {
  const r = await engine.containers.run({ image: 'busybox', command: ['sleep', '1000'], name: 'libdetached' }, { detach: true });
  assert.equal(r.exitCode, undefined);
  const list = await engine.containers.list();
  assert.equal(list.length, 1);
  assert.equal(list[0].config.id, r.id);
  assert.equal(list[0].state.status, 'running');
  const pid = list[0].state.pid;
  assert.ok(pid > 0 && existsSync(`/proc/${pid}`));
  assert.ok(overlayMounts().some((m) => m.includes(r.id)), 'rootfs mounted while running');

  // Removing a running container needs force: the report carries the error.
  const [refused] = await engine.containers.remove([r.id]);
  assert.equal(refused.error?.code, 'CONTAINER_STATE');

  const [stopped] = await engine.containers.stop([r.id], { timeout: 0 });
  assert.equal(stopped.error, undefined);
  const after = await engine.containers.get(r.id);
  assert.equal(after.state.status, 'exited');
  assert.equal(after.state.exitCode, 137);
  assert.ok(!overlayMounts().some((m) => m.includes(r.id)), 'unmounted after stop');

  await engine.containers.remove([r.id]);
  assert.deepEqual(await ids(), []);
  assert.deepEqual(readdirSync(join(dir, 'root/containers')), []);
});

test('create + start, stop with the stop signal, errors are HuskErrors', async () => {
  const c = await engine.containers.create({ image: 'busybox', command: ['sh', '-c', 'trap "exit 11" TERM; touch /tmp/ready; sleep 100 & wait'], name: 'libcreated' });
  assert.equal(c.state.status, 'created');
  assert.equal((await engine.containers.list({ all: true }))[0].state.status, 'created');
  assert.deepEqual(await engine.containers.start([c.config.id]), [{ id: c.config.id, rawInput: c.config.id }]);
  const started = await engine.containers.get('libcreated');
  assert.equal(started.state.status, 'running');
  assert.ok(started.state.pid > 0);
  // Stop once sh has installed its trap (TERM to an untrapped pid 1 is ignored).
  await until(() => existsSync(join(dir, 'root/containers', c.config.id, 'merged/tmp/ready')));
  const t0 = Date.now();
  await engine.containers.stop(['libcreated'], { timeout: 5 });
  assert.equal((await engine.containers.get('libcreated')).state.exitCode, 11);
  assert.ok(Date.now() - t0 < 4000, 'exited on TERM, not by the SIGKILL fallback');
  await engine.containers.remove(['libcreated']);

  await assert.rejects(engine.containers.create({ image: 'no-such-image', command: ['true'] }),
    (e: unknown) => e instanceof HuskError && e.code === 'NO_SUCH_IMAGE' && e.exitCode === 125 && e.httpStatus === 404);
  const [missing] = await engine.containers.remove(['no-such-container']);
  assert.equal(missing.error?.code, 'NO_SUCH_CONTAINER');
  await assert.rejects(engine.containers.get('no-such-container'), (e: unknown) => e instanceof HuskError && e.code === 'NO_SUCH_CONTAINER');
  assert.deepEqual(await ids(), []);
});
