// The containers domain through the Engine interface alone: real containers,
// no mocks, nothing but `connect()` and the API's types. Written against the
// interface so the same tests can later run against the remote client.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable, Writable } from 'node:stream';
import { openEngine } from './engine.ts';
import type { Engine, ItemReport, TerminalSize } from '../../src/engine/api.ts';
import type { ContainerSpec, LogLine } from '../../src/engine/container/api.ts';
import { Store } from '../helpers.ts';

const store = new Store('husk-api-ctr-');
let engine: Engine;

before(async () => {
  store.busybox();
  engine = await openEngine({ root: store.root, runroot: store.runroot });
});

after(async () => {
  await engine.close();
  await store.destroyWhenIdle();
});

/** A Writable that keeps what it was given. */
function collector(): Writable & { text(): string } {
  const chunks: Buffer[] = [];
  const w = new Writable({ write(chunk, _enc, cb) { chunks.push(Buffer.from(chunk)); cb(); } }) as Writable & { text(): string };
  w.text = () => Buffer.concat(chunks).toString('utf8');
  return w;
}

/** An AsyncIterable yielding the given values, each after a delay. */
async function* later<T>(ms: number, ...values: T[]): AsyncGenerator<T> {
  for (const v of values) {
    await new Promise((r) => setTimeout(r, ms));
    yield v;
  }
}

const spec = (name: string, command: string[], extra: Partial<ContainerSpec> = {}): ContainerSpec => ({ image: 'busybox', name, command, ...extra });

async function started(name: string, command: string[], extra: Partial<ContainerSpec> = {}): Promise<string> {
  const c = await engine.containers.create(spec(name, command, extra));
  const [r] = await engine.containers.start([c.config.id]);
  assert.equal(r.error, undefined);
  return c.config.id;
}

const ok = (reports: ItemReport[]) => reports.filter((r) => !r.error).map((r) => r.rawInput);

test('create, start, list with filters (values of a key OR, keys AND, labels all-of)', async () => {
  const web = await started('f-web', ['sleep', '100'], { labels: { tier: 'web', env: 'prod' } });
  const db = await engine.containers.create(spec('f-db', ['true'], { labels: { tier: 'db' } }));
  const names = async (o: Parameters<Engine['containers']['list']>[0]) => (await engine.containers.list(o)).map((c) => c.config.name).sort();

  assert.deepEqual(await names({ filters: { name: ['^f-'] } }), ['f-web'], 'running only by default');
  assert.deepEqual(await names({ all: true, filters: { name: ['^f-'] } }), ['f-db', 'f-web']);
  assert.deepEqual(await names({ filters: { status: ['created'], name: ['^f-'] } }), ['f-db'], 'a status filter lists every state');
  assert.deepEqual(await names({ all: true, filters: { label: ['tier=web', 'tier=db'] } }), [], 'labels: all must hold');
  assert.deepEqual(await names({ all: true, filters: { label: ['tier=web', 'env=prod'] } }), ['f-web']);
  assert.deepEqual(await names({ all: true, filters: { name: ['f-web', 'f-db'] } }), ['f-db', 'f-web'], 'names OR');
  assert.deepEqual(await names({ all: true, filters: { name: ['f-web', 'f-db'], status: ['running'] } }), ['f-web'], 'keys AND');
  assert.deepEqual((await engine.containers.list({ latest: true })).map((c) => c.config.id), [db.config.id]);
  await assert.rejects(engine.containers.list({ filters: { bogus: ['x'] } }), { code: 'INVALID_ARGUMENT' });

  assert.equal(await engine.containers.exists('f-web'), true);
  assert.equal(await engine.containers.exists('f-nope'), false);
  assert.equal((await engine.containers.get('f-web')).config.id, web);
  const reports = await engine.containers.remove(['f-web', 'f-db'], { force: true });
  assert.deepEqual(reports.map((r) => r.id), [web, db.config.id]);
});

test('logs: an async iterable of lines with id and name; follow ends when the container exits', async () => {
  const id = await started('logs', ['sh', '-c', 'echo one; echo two >&2; sleep 1; echo three']);
  const lines: LogLine[] = [];
  for await (const l of engine.containers.logs('logs', { follow: true })) lines.push(l);
  assert.deepEqual(lines.map((l) => [l.stream, l.text]), [['stdout', 'one'], ['stderr', 'two'], ['stdout', 'three']]);
  assert.ok(lines.every((l) => l.id === id && l.name === 'logs' && !Number.isNaN(Date.parse(l.time))));
  const tail: string[] = [];
  for await (const l of engine.containers.logs('logs', { tail: 1 })) tail.push(l.text);
  assert.deepEqual(tail, ['three']);
  assert.equal(await engine.containers.wait('logs'), 0);
  await engine.containers.remove(['logs']);
});

test('wait, stop, restart, kill: per-item reports', async () => {
  // PID 1 ignores signals it has no handler for: a trap makes TERM count.
  const id = await started('life', ['sh', '-c', 'trap "exit 9" TERM; while true; do sleep 0.1; done']);
  const waited = engine.containers.wait('life');
  const [stop] = await engine.containers.stop(['life'], { timeout: 0 });
  assert.deepEqual(stop, { id, rawInput: 'life' });
  assert.equal(await waited, 137);
  assert.equal((await engine.containers.get('life')).state.status, 'exited');

  const restart = await engine.containers.restart(['life', 'ghost'], { timeout: 0 });
  assert.equal(restart[0].error, undefined);
  assert.equal(restart[1].error?.code, 'NO_SUCH_CONTAINER');
  assert.equal((await engine.containers.get('life')).state.status, 'running');

  const kill = await engine.containers.kill(['life'], { signal: 'TERM' });
  assert.deepEqual(ok(kill), ['life']);
  assert.equal(await engine.containers.wait('life'), 9);
  await assert.rejects(engine.containers.kill(['life'], { signal: 'NOPE' }), { code: 'INVALID_ARGUMENT' });
  await assert.rejects(engine.containers.wait('life', { condition: 'paused' }), { code: 'INVALID_ARGUMENT' });
});

test('rm: a missing name fails for that item alone; ignore skips it; prune removes what is not running', async () => {
  const a = await engine.containers.create(spec('rm-a', ['true']));
  const reports = await engine.containers.remove(['rm-missing', 'rm-a']);
  assert.equal(reports.length, 2);
  assert.deepEqual(reports[0], { id: 'rm-missing', rawInput: 'rm-missing', error: reports[0].error });
  assert.equal(reports[0].error?.code, 'NO_SUCH_CONTAINER');
  assert.deepEqual(reports[1], { id: a.config.id, rawInput: 'rm-a' });
  assert.deepEqual(await engine.containers.remove(['rm-missing'], { ignore: true }), []);
  await assert.rejects(engine.containers.remove([]), { code: 'INVALID_ARGUMENT' });

  const running = await started('pr-run', ['sleep', '100']);
  const gone = await engine.containers.create(spec('pr-gone', ['true'], { labels: { prune: 'yes' } }));
  const kept = await engine.containers.create(spec('pr-kept', ['true']));
  const pruned = await engine.containers.prune({ filters: { label: ['prune=yes'] } });
  assert.deepEqual(pruned, [{ id: gone.config.id }]);
  const left = (await engine.containers.prune()).map((r) => r.id);
  assert.ok(left.includes(kept.config.id) && !left.includes(running));
  assert.equal(await engine.containers.exists('pr-run'), true, 'a running container is not pruned');
  await engine.containers.remove(['pr-run'], { force: true });
});

test('stats: one batch without stream; rename; inspect', async () => {
  const id = await started('st', ['sleep', '100']);
  const batches = [];
  for await (const b of engine.containers.stats(['st'], { stream: false })) batches.push(b);
  assert.equal(batches.length, 1);
  assert.equal(batches[0].length, 1);
  assert.equal(batches[0][0].ContainerID, id);
  assert.equal(batches[0][0].Name, 'st');
  assert.ok(batches[0][0].PIDs >= 1 && batches[0][0].MemUsage > 0);
  await assert.rejects(async () => { for await (const _ of engine.containers.stats(['ghost'])) void _; }, { code: 'NO_SUCH_CONTAINER' });

  await engine.containers.rename('st', 'st2');
  const doc = await engine.containers.inspect('st2');
  assert.equal(doc.Id, id);
  assert.equal(doc.Name, 'st2');
  assert.equal((doc.State as { Running: boolean }).Running, true);
  await engine.containers.remove(['st2'], { force: true });
});

test('run attached: the caller\'s streams, exit code; signals forwarded from SessionIO.signals', async () => {
  const stdout = collector();
  const r = await engine.containers.run(spec('io', ['sh', '-c', 'read line; echo got:$line; echo err >&2; exit 3'], { interactive: true, autoRemove: true }), {
    stdin: Readable.from([Buffer.from('hello\n')]), stdout, stderr: collector(),
  });
  assert.equal(r.exitCode, 3);
  assert.equal(stdout.text(), 'got:hello\n');
  assert.equal(await engine.containers.exists('io'), false, 'autoRemove');

  const trapped = await engine.containers.run(spec('sig', ['sh', '-c', 'trap "echo term; exit 7" TERM; echo ready; while true; do sleep 0.1; done']), {
    stdout: collector(), signals: later(1000, 'SIGTERM'),
  });
  assert.equal(trapped.exitCode, 7);
  await engine.containers.remove(['sig']);
});

test('tty: the first size from SessionIO.resize applies; attach detaches on abort and the container keeps running', async () => {
  const stdout = collector();
  const sizes: AsyncIterable<TerminalSize> = (async function* () { yield { rows: 33, cols: 101 }; })();
  const r = await engine.containers.run(spec('tty', ['sh', '-c', 'sleep 0.5; stty size'], { tty: true }), { stdout, resize: sizes });
  assert.equal(r.exitCode, 0);
  assert.match(stdout.text(), /33 101/);
  await engine.containers.remove(['tty']);

  await started('att', ['sleep', '100']);
  const ac = new AbortController();
  setTimeout(() => ac.abort(), 500);
  const a = await engine.containers.attach('att', { stdout: collector(), signal: ac.signal });
  assert.equal(a.detached, true);
  assert.equal((await engine.containers.get('att')).state.status, 'running');
  await engine.containers.remove(['att'], { force: true });
});

test('stat: lstat of a container path, symlinks resolved inside the container, NO_SUCH_PATH', async () => {
  await started('stp', ['sh', '-c', 'mkdir /d; echo abc > /d/f; ln -s f /d/rel; ln -s ../../../../../etc /d/esc; touch /d/ready; sleep 100']);
  for (let i = 0; i < 100 && !(await engine.containers.stat('stp', '/d/ready').catch(() => undefined)); i++) await new Promise((r) => setTimeout(r, 50));
  const f = await engine.containers.stat('stp', '/d/f');
  assert.deepEqual({ ...f, mtime: typeof f.mtime }, { name: 'f', size: 4, mode: 0o100644, mtime: 'string', linkTarget: '' });
  assert.ok(!Number.isNaN(Date.parse(f.mtime)));
  const d = await engine.containers.stat('stp', '/d/');
  assert.equal(d.name, 'd');
  assert.equal(d.mode & 0o170000, 0o040000);
  const rel = await engine.containers.stat('stp', '/d/rel');
  assert.equal(rel.mode & 0o170000, 0o120000);
  assert.equal(rel.linkTarget, '/d/f');
  assert.equal((await engine.containers.stat('stp', '/d/esc')).linkTarget, '/etc', 'clamped to the container');
  assert.equal((await engine.containers.stat('stp', '/')).name, '/');
  assert.equal((await engine.containers.stat('stp', '/etc/hostname')).mode & 0o170000, 0o100000);
  await assert.rejects(engine.containers.stat('stp', '/nope'), { code: 'NO_SUCH_PATH' });
  await assert.rejects(engine.containers.stat('stp', '/d/f/x'), { code: 'NO_SUCH_PATH' });
  await assert.rejects(engine.containers.stat('ghost', '/'), { code: 'NO_SUCH_CONTAINER' });
  await engine.containers.stop(['stp'], { timeout: 0 });
  assert.equal((await engine.containers.stat('stp', '/d/f')).size, 4, 'a stopped container is mounted for the stat');
  await engine.containers.remove(['stp'], { force: true });
});
