// The system domain through the Engine interface only: info, version,
// events replayed (since/until, filters) and followed as a stream that
// ends when its AbortSignal aborts or its `until` passes.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Engine } from '../../src/engine/api.ts';
import { openEngine } from './engine.ts';
import type { HuskEvent } from '../../src/engine/system/api.ts';
import { HuskError } from '../../src/common/errors.ts';
import { FIXTURES, Store } from '../helpers.ts';

const s = new Store('husk-api-system-');
let engine: Engine;
let id = '';

before(async () => {
  engine = await openEngine({ root: s.root, runroot: s.runroot });
  id = (await engine.images.import(join(FIXTURES, 'busybox-rootfs.tar'), { reference: 'busybox' })).id;
});

after(async () => {
  await engine.close();
  s.destroy();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function collect(it: AsyncIterable<HuskEvent>): Promise<HuskEvent[]> {
  const out: HuskEvent[] = [];
  for await (const ev of it) out.push(ev);
  return out;
}

test('info and version describe the host, the store and this husk', async () => {
  const info = await engine.system.info();
  assert.equal(info.store.graphRoot, s.root);
  assert.equal(info.store.runRoot, s.runroot);
  assert.equal(info.store.imageStore.number, 1);
  assert.equal(info.store.containerStore.number, 0);
  assert.match(info.host.cgroupVersion, /^v[12]$/);
  assert.ok(['crun', 'runc'].includes(info.host.ociRuntime.name), info.host.ociRuntime.name);
  assert.equal(info.host.security.rootless, false);
  assert.deepEqual(JSON.parse(JSON.stringify(info)), info, 'JSON-serialisable');
  const v = await engine.system.version();
  assert.equal(v.Version, info.version.Version);
  assert.equal(v.NodeVersion, process.version);
});

test('unshare is for rootless husk; migrate does nothing for root', async () => {
  await assert.rejects(engine.system.unshare(['true']), (e: unknown) => e instanceof HuskError && e.code === 'INVALID_ARGUMENT');
  assert.equal(await engine.system.migrate(), undefined);
});

test('past events: replayed in order, within since/until, filtered', async () => {
  await engine.images.tag(id, ['before-mark']);
  await sleep(20);
  const mark = new Date();
  await sleep(20);
  await engine.images.tag(id, ['after-mark']);

  const all = await collect(engine.system.events());
  assert.deepEqual(all.map((e) => e.Status), ['import', 'tag', 'tag']);
  assert.ok(all.every((e, i) => i === 0 || e.timeNano >= all[i - 1].timeNano), 'oldest first');
  const names = (evs: HuskEvent[]) => evs.filter((e) => e.Status === 'tag').map((e) => e.Name);
  assert.deepEqual(names(await collect(engine.system.events({ since: mark }))), ['after-mark']);
  assert.deepEqual(names(await collect(engine.system.events({ until: mark }))), ['before-mark']);
  assert.deepEqual((await collect(engine.system.events({ filters: { event: ['import'] } }))).map((e) => e.Status), ['import']);
  assert.equal((await collect(engine.system.events({ filters: { type: ['container'] } }))).length, 0);
  assert.equal((await collect(engine.system.events({ filters: { image: [id.slice(0, 12)] } }))).length, 3);
  assert.equal((await collect(engine.system.events({ filters: { image: ['after-mark'] } }))).length, 1);
  assert.equal((await collect(engine.system.events({ filters: { event: ['tag', 'import'], type: ['image'] } }))).length, 3);
  await assert.rejects(collect(engine.system.events({ filters: { bogus: ['x'] } })), (e: unknown) => e instanceof HuskError && e.code === 'INVALID_ARGUMENT');
});

test('a stream receives an event caused after it started and ends when its signal aborts', async () => {
  const ac = new AbortController();
  const it = engine.system.events({ since: new Date(), stream: true, signal: ac.signal, filters: { event: ['tag'] } })[Symbol.asyncIterator]();
  const first = it.next();
  // Let the stream replay the (empty) past and wait for the log to change.
  await sleep(300);
  await engine.images.tag(id, ['while-streaming']);
  const got = await Promise.race([first, sleep(10_000).then(() => undefined)]);
  assert.ok(got && !got.done, 'the new event arrived');
  assert.equal(got.value.Name, 'while-streaming');
  const rest = it.next();
  ac.abort();
  const end = await Promise.race([rest, sleep(5_000).then(() => 'timeout')]);
  assert.deepEqual(end, { done: true, value: undefined });
});

test('a stream ends by itself once its until time passes', async () => {
  const t0 = Date.now();
  const evs = await collect(engine.system.events({ since: new Date(), until: new Date(t0 + 400), stream: true }));
  assert.deepEqual(evs, []);
  const took = Date.now() - t0;
  assert.ok(took >= 350 && took < 5_000, `ended after ${took} ms`);
});

test('since in a long log: the replay starts near it and misses nothing (also streaming)', async () => {
  const log = join(s.runroot, 'events', 'events.log');
  const { appendFileSync, readFileSync, writeFileSync } = await import('node:fs');
  const saved = readFileSync(log);
  try {
    // 20,000 old events (~4 MB) an hour apart from the recent ones, slightly out of order at the end.
    const t0 = Date.now() - 3_600_000;
    const line = (ms: number, name: string) => `${JSON.stringify({ ID: 'x'.repeat(64), Name: name, Status: 'create', Type: 'container', Time: new Date(ms).toISOString(), timeNano: ms * 1e6, Attributes: { pad: 'p'.repeat(100) } })}\n`;
    const old = [];
    for (let i = 0; i < 20_000; i++) old.push(line(t0 + i, 'old'));
    writeFileSync(log, old.join(''));
    const mark = Date.now();
    appendFileSync(log, line(mark + 5, 'new1') + line(mark + 2, 'new0') + line(mark - 10, 'before'));
    const names = (evs: HuskEvent[]) => evs.map((e) => e.Name);
    assert.deepEqual(names(await collect(engine.system.events({ since: new Date(mark) }))), ['new1', 'new0']);
    assert.equal((await collect(engine.system.events({ since: new Date(t0 + 19_990) }))).filter((e) => e.Name === 'old').length, 10);
    const ac = new AbortController();
    const seen: string[] = [];
    for await (const ev of engine.system.events({ since: new Date(mark), stream: true, signal: ac.signal })) {
      seen.push(ev.Name!);
      if (seen.length === 2) ac.abort();
    }
    assert.deepEqual(seen, ['new1', 'new0']);
  } finally {
    writeFileSync(log, saved);
  }
});
