// The engine as a library, without the CLI: a Node program opens an Engine
// on its own store, imports an image and runs real containers.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import {
  EngineContext, HuskError, runContainer, createContainer, startContainer, stopContainer, removeContainer, listContainers, importTarball,
} from '../../src/engine/index.ts';
import { FIXTURES, overlayMounts, until } from '../helpers.ts';

const dir = mkdtempSync('/var/tmp/husk-lib-');
let engine: EngineContext;

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

before(async () => {
  engine = new EngineContext({ root: join(dir, 'root'), runroot: join(dir, 'run') });
  const img = await importTarball(engine.images, join(FIXTURES, 'busybox-rootfs.tar'), 'busybox');
  assert.match(img.id, /^[0-9a-f]{64}$/);
  assert.deepEqual(img.names, ['localhost/busybox:latest']);
});

after(async () => {
  for (const c of listContainers(engine)) await removeContainer(engine, c.config.id, { force: true }).catch(() => {});
  engine.close();
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

test('runContainer: output to a Writable, the exit code, and autoRemove', async () => {
  const stdout = collector();
  const stderr = collector();
  const r = await runContainer(engine, { image: 'busybox', command: ['sh', '-c', 'echo lib; echo to-err >&2; exit 4'], autoRemove: true }, { stdout, stderr });
  assert.equal(r.exitCode, 4);
  assert.equal(stdout.text(), 'lib\n');
  assert.equal(stderr.text(), 'to-err\n');
  assert.match(r.container.config.id, /^[0-9a-f]{64}$/);
  assert.deepEqual(listContainers(engine), [], 'autoRemove removed it');
  assert.ok(!existsSync(join(dir, 'root/containers', r.container.config.id)));
});

test('runContainer without autoRemove keeps the exited container', async () => {
  const stdout = collector();
  const r = await runContainer(engine, { image: 'busybox', command: ['echo', 'kept'], name: 'kept' }, { stdout });
  assert.equal(r.exitCode, 0);
  assert.equal(stdout.text(), 'kept\n');
  const [c] = listContainers(engine);
  assert.equal(c.config.name, 'kept');
  assert.equal(c.state.status, 'exited');
  assert.equal(c.state.exitCode, 0);
  assert.equal(await removeContainer(engine, 'kept'), c.config.id);
  assert.deepEqual(listContainers(engine), []);
});

test('detached run: listContainers shows it running; stop; remove', async () => {
  const r = await runContainer(engine, { image: 'busybox', command: ['sleep', '1000'], name: 'libdetached' }, { detach: true });
  assert.equal(r.exitCode, undefined);
  const id = r.container.config.id;
  const list = listContainers(engine);
  assert.equal(list.length, 1);
  assert.equal(list[0].config.id, id);
  assert.equal(list[0].state.status, 'running');
  const pid = list[0].state.pid;
  assert.ok(pid > 0 && existsSync(`/proc/${pid}`));
  assert.ok(overlayMounts().some((m) => m.includes(id)), 'rootfs mounted while running');

  // Removing a running container needs force.
  await assert.rejects(removeContainer(engine, id), (e: unknown) => e instanceof HuskError && e.code === 'CONTAINER_STATE');

  const stopped = await stopContainer(engine, id, 0);
  assert.equal(stopped.state.status, 'exited');
  assert.equal(stopped.state.exitCode, 137);
  assert.equal(listContainers(engine)[0].state.status, 'exited');
  assert.ok(!overlayMounts().some((m) => m.includes(id)), 'unmounted after stop');

  await removeContainer(engine, id);
  assert.deepEqual(listContainers(engine), []);
  assert.deepEqual(readdirSync(join(dir, 'root/containers')), []);
});

test('createContainer + startContainer, stop with the stop signal, errors are HuskErrors', async () => {
  const c = await createContainer(engine, { image: 'busybox', command: ['sh', '-c', 'trap "exit 11" TERM; touch /tmp/ready; sleep 100 & wait'], name: 'libcreated' });
  assert.equal(c.state.status, 'created');
  assert.equal(listContainers(engine)[0].state.status, 'created');
  const started = await startContainer(engine, c.config.id);
  assert.equal(started.state.status, 'running');
  assert.ok(started.state.pid > 0);
  // Stop once sh has installed its trap (TERM to an untrapped pid 1 is ignored).
  await until(() => existsSync(join(engine.containerDir(c.config.id), 'merged/tmp/ready')));
  const t0 = Date.now();
  const stopped = await stopContainer(engine, 'libcreated', 5);
  assert.equal(stopped.state.exitCode, 11);
  assert.ok(Date.now() - t0 < 4000, 'exited on TERM, not by the SIGKILL fallback');
  await removeContainer(engine, 'libcreated');

  await assert.rejects(createContainer(engine, { image: 'no-such-image', command: ['true'] }),
    (e: unknown) => e instanceof HuskError && e.code === 'NO_SUCH_IMAGE' && e.exitCode === 125);
  await assert.rejects(removeContainer(engine, 'no-such-container'),
    (e: unknown) => e instanceof HuskError && e.code === 'NO_SUCH_CONTAINER');
  assert.deepEqual(listContainers(engine), []);
});
