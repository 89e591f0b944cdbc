// The images domain through the Engine interface only (connect(), then
// engine.images): what a library caller, the REST server and the remote
// client see. Real store, real registry on loopback, no mocks.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createReadStream, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import type { Engine } from '../../src/engine/api.ts';
import { openEngine } from './engine.ts';
import type { PullProgress, PushProgress } from '../../src/engine/image/api.ts';
import { HuskError } from '../../src/common/errors.ts';
import { FIXTURES, Store } from '../helpers.ts';
import { startRegistry, type RunningRegistry } from '../registry-server.ts';

const ROOTFS = join(FIXTURES, 'busybox-rootfs.tar');
const s = new Store('husk-api-images-');
let engine: Engine;
let busybox = '';

before(async () => {
  engine = await openEngine({ root: s.root, runroot: s.runroot });
  const img = await engine.images.import(ROOTFS, { reference: 'busybox', changes: ['LABEL stage=base'] });
  busybox = img.id;
  assert.deepEqual(img.names, ['localhost/busybox:latest']);
});

after(async () => {
  await engine.close();
  s.destroy();
});

/** Rejects with a HuskError of this code. */
async function rejectsWith(p: Promise<unknown>, code: string, message?: RegExp): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof HuskError, String(e));
    assert.equal(e.code, code);
    if (message) assert.match(e.message, message);
    return true;
  });
}

test('import from a stream, list with filters, exists', async () => {
  const img = await engine.images.import(createReadStream(ROOTFS), { reference: 'quay.io/husk/streamed:v1', message: 'from a stream' });
  assert.deepEqual(img.names, ['quay.io/husk/streamed:v1']);
  assert.ok(await engine.images.exists('husk/streamed:v1'), 'a short name finds it');
  assert.ok(!(await engine.images.exists('streamed:v1')), 'a short name is the whole path');
  assert.ok(!(await engine.images.exists('nope')));

  const all = await engine.images.list();
  assert.ok(all.length >= 2);
  const bb = all.find((i) => i.Id === busybox)!;
  assert.deepEqual(bb.RepoTags, ['localhost/busybox:latest']);
  assert.equal(bb.Labels.stage, 'base');
  assert.equal(bb.Dangling, false);
  assert.equal(bb.Containers, 0);
  assert.ok(bb.Size > 1_000_000);

  const ids = async (filters: Record<string, string[]>) => (await engine.images.list({ filters })).map((i) => i.Id).sort();
  assert.deepEqual(await ids({ label: ['stage=base'] }), [busybox]);
  assert.deepEqual(await ids({ label: ['stage'] }), [busybox]);
  assert.ok(!(await ids({ 'label!': ['stage'] })).includes(busybox));
  assert.deepEqual(await ids({ reference: ['busybox'] }), [busybox]);
  assert.deepEqual(await ids({ reference: ['quay.io/husk/*'] }), [img.id]);
  assert.deepEqual(await ids({ reference: ['streamed:v*'] }), [img.id]);
  assert.deepEqual(await ids({ reference: ['busybox', 'streamed'] }), [busybox, img.id].sort(), 'values of one key are ORed');
  assert.deepEqual(await ids({ reference: ['busybox'], label: ['nope'] }), [], 'keys are ANDed');
  assert.deepEqual(await ids({ id: [img.id.slice(0, 12)] }), [img.id]);
  assert.deepEqual(await ids({ since: ['busybox'] }), [img.id]);
  assert.deepEqual(await ids({ before: [img.id] }), [busybox]);
  assert.deepEqual(await ids({ dangling: ['true'] }), []);
  assert.deepEqual(await ids({ containers: ['true'] }), []);
  await rejectsWith(engine.images.list({ filters: { bogus: ['1'] } }), 'INVALID_ARGUMENT', /invalid image filter "bogus"/);
  await rejectsWith(engine.images.list({ filters: { dangling: ['maybe'] } }), 'INVALID_ARGUMENT');
});

test('tag and untag, inspect, history, tree', async () => {
  await engine.images.tag('busybox', ['extra', 'quay.io/a/b:2']);
  let img = await engine.images.get(busybox);
  assert.deepEqual(img.names, ['localhost/busybox:latest', 'localhost/extra:latest', 'quay.io/a/b:2']);
  await engine.images.untag('busybox', ['extra', 'a/b:2']);
  img = await engine.images.get(busybox);
  assert.deepEqual(img.names, ['localhost/busybox:latest']);
  await rejectsWith(engine.images.untag('busybox', ['never-had-it']), 'NO_SUCH_IMAGE', /tag not known/);
  await rejectsWith(engine.images.tag('busybox', ['Bad Name']), 'INVALID_ARGUMENT');
  await rejectsWith(engine.images.tag('no-such-image', ['x']), 'NO_SUCH_IMAGE');

  const doc = await engine.images.inspect('busybox') as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  assert.equal(doc.Id, busybox);
  assert.deepEqual(doc.RepoTags, ['localhost/busybox:latest']);
  assert.deepEqual(doc.RepoDigests, [`localhost/busybox@${img.digest}`]);
  assert.equal(doc.RootFS.Layers.length, 1);
  assert.ok(existsSync(join(doc.GraphDriver.Data.UpperDir, 'bin/busybox')));
  assert.equal(doc.Labels.stage, 'base');
  assert.deepEqual(JSON.parse(JSON.stringify(doc)), doc, 'JSON-serialisable');

  const hist = await engine.images.history('busybox');
  assert.equal(hist.length, 1);
  assert.equal(hist[0].id, busybox);
  assert.equal(hist[0].size, img.size);
  assert.deepEqual(hist[0].tags, ['localhost/busybox:latest']);

  const tree = await engine.images.tree(busybox);
  assert.deepEqual(tree.layers, [{ id: img.layers[0], size: img.size }]);
  await rejectsWith(engine.images.inspect('nope'), 'NO_SUCH_IMAGE', /nope: image not known/);
});

test('save to a file and a stream, load both back', async () => {
  const file = join(s.dir, 'bb.tar');
  await engine.images.save(['busybox'], file);
  const chunks: Buffer[] = [];
  const out = new PassThrough();
  out.on('data', (c) => chunks.push(c));
  await engine.images.save(['busybox'], out, { format: 'oci-archive' });
  assert.ok(Buffer.concat(chunks).length > 1_000_000, 'the archive went to the stream');
  await rejectsWith(engine.images.save(['nope'], join(s.dir, 'none.tar')), 'NO_SUCH_IMAGE');
  assert.ok(!existsSync(join(s.dir, 'none.tar')));
  await rejectsWith(engine.images.save(['busybox'], out, { format: 'oci-dir' }), 'INVALID_ARGUMENT');

  const other = new Store('husk-api-images-load-');
  const e2 = await openEngine({ root: other.root, runroot: other.runroot });
  try {
    const [fromFile] = await e2.images.load(file);
    assert.equal(fromFile.id, busybox);
    assert.deepEqual(fromFile.names, ['localhost/busybox:latest']);
    await e2.images.remove([busybox], { force: true });
    const piped = new PassThrough();
    piped.end(Buffer.concat(chunks));
    const [fromStream] = await e2.images.load(piped);
    assert.equal(fromStream.id, busybox);
    assert.deepEqual(readdirNames(other.root, 'tmp'), [], 'the spooled stream is gone');
  } finally {
    await e2.close();
    other.destroy();
  }
});

function readdirNames(root: string, sub: string): string[] {
  const dir = join(root, sub);
  mkdirSync(dir, { recursive: true });
  return readdirSync(dir);
}

test('remove: one report per image, errors per item; ignore skips unknown ones', async () => {
  await engine.images.tag('busybox', ['two']);
  const reports = await engine.images.remove(['two', 'no-such-image']);
  assert.equal(reports.length, 2);
  assert.deepEqual(reports[0].untagged, ['localhost/two:latest']);
  assert.equal(reports[0].deleted, undefined, 'a second name is only untagged');
  assert.equal(reports[0].error, undefined);
  assert.equal(reports[1].rawInput, 'no-such-image');
  assert.equal(reports[1].error?.code, 'NO_SUCH_IMAGE');
  assert.deepEqual(await engine.images.remove(['no-such-image'], { ignore: true }), []);
  await rejectsWith(engine.images.remove([]), 'INVALID_ARGUMENT');
});

test('prune: dangling images only, then all unused ones matching filters', async () => {
  const dangling = await engine.images.import(ROOTFS);
  assert.deepEqual(dangling.names, []);
  const keep = await engine.images.import(ROOTFS, { reference: 'keep', changes: ['LABEL keep=yes'] });
  const pruned = await engine.images.prune();
  assert.deepEqual(pruned.map((r) => r.id), [dangling.id]);
  assert.ok(!(await engine.images.exists(dangling.id)));
  const byLabel = await engine.images.prune({ all: true, filters: { 'label!': ['keep'], reference: [] } });
  assert.ok(!byLabel.some((r) => r.id === keep.id), 'label! spares it');
  assert.ok(await engine.images.exists('keep'));
  await rejectsWith(engine.images.prune({ filters: { dangling: ['true'] } }), 'INVALID_ARGUMENT');
  // Put busybox back for the registry test.
  if (!(await engine.images.exists('busybox'))) busybox = (await engine.images.import(ROOTFS, { reference: 'busybox' })).id;
});

test('push and pull against a real registry, with progress callbacks', async () => {
  let reg: RunningRegistry | undefined;
  try {
    reg = await startRegistry();
    const dest = `${reg.host}/api/busybox:v1`;
    const pushed: PushProgress[] = [];
    const digest = await engine.images.push('busybox', dest, { tlsVerify: false, onProgress: (p) => pushed.push(p) });
    assert.match(digest, /^sha256:[0-9a-f]{64}$/);
    assert.ok(pushed.some((p) => p.kind === 'upload'));
    assert.equal(pushed.at(-1)?.kind, 'manifest');

    const id = (await engine.images.get('busybox')).id;
    await engine.images.remove([id], { force: true });
    const progress: PullProgress[] = [];
    const messages: string[] = [];
    const [img] = await engine.images.pull(`docker://${dest}`, { tlsVerify: false, onProgress: (p) => progress.push(p), onMessage: (m) => messages.push(m) });
    assert.equal(img.id, id);
    assert.equal(img.digest, digest);
    assert.deepEqual(img.names, [dest]);
    assert.ok(progress.some((p) => p.kind === 'done'));
    assert.deepEqual(messages, [`Trying to pull ${dest}...`, 'Writing manifest to image destination']);

    await engine.images.push(dest, `${reg.host}/api/busybox:v2`, { tlsVerify: false });
    const tags = await engine.images.pull(`${reg.host}/api/busybox`, { tlsVerify: false, allTags: true });
    assert.equal(tags.length, 2, 'one pull per tag');
    const names = (await engine.images.get(id)).names;
    for (const t of ['v1', 'v2']) assert.ok(names.includes(`${reg.host}/api/busybox:${t}`), names.join(' '));
    const found = await engine.images.search(`${reg.host}/api`, { tlsVerify: false });
    assert.deepEqual(found.map((r) => r.Name), [`${reg.host}/api/busybox`]);
    const listed = await engine.images.search(`${reg.host}/api/busybox`, { tlsVerify: false, listTags: true });
    assert.deepEqual(listed.map((r) => r.Tag).sort(), ['v1', 'v2']);
    await rejectsWith(engine.images.pull(`${reg.host}/api/nothing:v1`, { tlsVerify: false }), 'MANIFEST_UNKNOWN');
  } finally {
    await reg?.stop();
  }
});

test('events: what the images domain did is recorded', async () => {
  const seen = new Set<string>();
  for await (const ev of engine.system.events({ filters: { type: ['image'] } })) seen.add(ev.Status);
  for (const st of ['import', 'tag', 'untag', 'remove', 'save', 'push', 'pull']) assert.ok(seen.has(st), `${st} in ${[...seen].join(', ')}`);
  assert.ok(readFileSync(join(s.runroot, 'events/events.log'), 'utf8').includes('"Status":"loadfromarchive"') === false, 'the load went to the other store');
});
