// The pods domain through the Engine interface only (connect()), so the
// same test can later run against the remote client. The image and the
// member containers come from the CLI on the same store.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Engine } from '../../src/engine/api.ts';
import { openEngine } from './engine.ts';
import { HuskError } from '../../src/common/errors.ts';
import { Store } from '../helpers.ts';

const s = new Store();
let engine: Engine;

before(async () => {
  s.busybox();
  engine = await openEngine({ root: s.root, runroot: s.runroot });
});
after(async () => {
  await engine.close();
  await s.destroyWhenIdle();
});

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

test('create, list with filters, get, exists, inspect', async () => {
  const web = await engine.pods.create({ name: 'web', labels: { tier: 'front' } });
  assert.match(web.id, /^[0-9a-f]{64}$/);
  assert.ok(web.infraId);
  const bare = await engine.pods.create({ name: 'bare', infra: false });
  assert.equal(bare.infraId, undefined);

  const names = async (filters: Record<string, string[]>) => (await engine.pods.list({ filters })).map((p) => p.config.name).sort();
  assert.deepEqual(await names({}), ['bare', 'web']);
  assert.deepEqual(await names({ label: ['tier=front'] }), ['web']);
  assert.deepEqual(await names({ 'label!': ['tier'] }), ['bare']);
  assert.deepEqual(await names({ name: ['^b'] }), ['bare']);
  assert.deepEqual(await names({ name: ['^b', '^w'] }), ['bare', 'web'], 'values of one key are ORed');
  assert.deepEqual(await names({ name: ['^b'], label: ['tier'] }), [], 'keys are ANDed');
  assert.deepEqual(await names({ id: [web.id.slice(0, 10)] }), ['web']);
  assert.deepEqual(await names({ 'ctr-number': ['1'] }), ['web']);
  assert.deepEqual(await names({ status: ['created'] }), ['bare', 'web']);
  await assert.rejects(engine.pods.list({ filters: { color: ['red'] } }), (e: HuskError) => e.code === 'INVALID_ARGUMENT');
  await assert.rejects(engine.pods.list({ filters: { status: ['sleepy'] } }), /invalid pod status "sleepy"/);

  const got = await engine.pods.get('web');
  assert.equal(got.status, 'Created');
  assert.deepEqual(got.containers.map((c) => [c.id, c.isInfra, c.status]), [[web.infraId, true, 'created']]);
  assert.equal(await engine.pods.exists('web'), true);
  assert.equal(await engine.pods.exists(web.id.slice(0, 12)), true);
  assert.equal(await engine.pods.exists('nosuchpod'), false);
  const info = await engine.pods.inspect('web');
  assert.equal(info.Id, web.id);
  assert.deepEqual(info.SharedNamespaces, ['ipc', 'net', 'uts']);
  await assert.rejects(engine.pods.inspect('nosuchpod'), (e: HuskError) => e.code === 'NO_SUCH_POD');
  await assert.rejects(engine.pods.create({ name: 'web' }), (e: HuskError) => e.code === 'NAME_IN_USE');

  const reports = await engine.pods.remove(['web', 'nosuchpod', 'bare']);
  assert.deepEqual(reports.map((r) => [r.rawInput, r.error?.code]), [['web', undefined], ['nosuchpod', 'NO_SUCH_POD'], ['bare', undefined]]);
  assert.equal(reports[0].id, web.id);
  assert.deepEqual(await engine.pods.list(), []);
});

test('start, top, logs, stats, stop, rm and prune a pod with a member container', async () => {
  const pod = await engine.pods.create({ name: 'life' });
  const member = s.ok(['create', '--pod', 'life', '--name', 'm1', 'busybox', 'sh', '-c', 'echo hello; echo oops >&2; exec sleep 1000']);

  assert.deepEqual(await engine.pods.start(['life']), [{ id: pod.id, rawInput: 'life' }]);
  const running = await engine.pods.get('life');
  assert.equal(running.status, 'Running');
  assert.deepEqual(running.containers.map((c) => c.status), ['running', 'running']);
  assert.deepEqual((await engine.pods.list({ filters: { 'ctr-names': ['^m1$'], 'ctr-status': ['running'] } })).map((p) => p.config.id), [pod.id]);

  const top = await engine.pods.top('life', ['pid', 'args']);
  assert.deepEqual(top[0], ['PID', 'COMMAND']);
  assert.ok(top.some((r) => /catatonit/.test(r[1])));
  assert.ok(top.some((r) => r[1] === 'sleep 1000'));

  let lines = await collect(engine.pods.logs('life'));
  for (const end = Date.now() + 10_000; lines.length < 2 && Date.now() < end; await sleep(50)) lines = await collect(engine.pods.logs('life'));
  assert.deepEqual(lines.map((l) => [l.id, l.name, l.stream, l.text]), [[member, 'm1', 'stdout', 'hello'], [member, 'm1', 'stderr', 'oops']]);
  // Following: lines as they come, until the caller aborts.
  const ac0 = new AbortController();
  const followed: string[] = [];
  for await (const l of engine.pods.logs('life', { follow: true, container: 'm1', signal: ac0.signal })) {
    followed.push(l.text);
    if (followed.length === 2) ac0.abort();
  }
  assert.deepEqual(followed, ['hello', 'oops']);
  await assert.rejects(collect(engine.pods.logs('life', { container: 'nosuchctr' })), (e: HuskError) => e.code === 'NO_SUCH_CONTAINER');

  const [sample] = await collect(engine.pods.stats(['life']));
  assert.deepEqual(sample.map((x) => x.ContainerID).sort(), [member, pod.infraId].sort());
  assert.ok(sample.every((x) => x.Pod === pod.id && x.PIDs >= 1 && x.MemUsage > 0));
  const ac = new AbortController();
  let batches = 0;
  for await (const b of engine.pods.stats([], { stream: true, interval: 50, signal: ac.signal })) {
    assert.equal(b.length, 2);
    if (++batches === 3) ac.abort();
  }
  assert.equal(batches, 3);

  // Live members need force: a POD_STATE report, not a throw.
  const [busy] = await engine.pods.remove(['life']);
  assert.equal(busy.error?.code, 'POD_STATE');

  assert.deepEqual((await engine.pods.stop(['life'], { timeout: 0 })).map((r) => r.error), [undefined]);
  assert.equal((await engine.pods.get('life')).status, 'Exited');
  const [kill] = await engine.pods.kill(['life']);
  assert.equal(kill.error?.code, 'POD_STATE', 'nothing to kill');
  assert.deepEqual(await engine.pods.stop(['nosuchpod'], { ignore: true }), []);
  await assert.rejects(engine.pods.stop([]), (e: HuskError) => e.code === 'INVALID_ARGUMENT');

  const keep = await engine.pods.create({ name: 'keep' });
  assert.deepEqual(await engine.pods.prune(), [{ id: pod.id }]);
  assert.equal(s.husk(['container', 'exists', 'm1']).code, 1);
  assert.deepEqual((await engine.pods.remove([], { all: true })).map((r) => r.id), [keep.id]);
});
