// The volumes domain through the Engine interface only (connect()), so the
// same test can later run against the remote client. The image and the
// containers using volumes come from the CLI on the same store.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { Readable, Writable } from 'node:stream';
import type { Engine } from '../../src/engine/api.ts';
import { openEngine } from './engine.ts';
import type { HuskError } from '../../src/common/errors.ts';
import { writeTar, type TarWriteEntry } from '../../src/image/tarwriter.ts';
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

const code = (c: string) => (e: HuskError) => e.code === c;

test('create, list with filters, inspect, exists, remove reports, prune', async () => {
  const data = await engine.volumes.create({ name: 'data', labels: { app: 'web' } });
  assert.equal(data.Name, 'data');
  assert.ok(existsSync(data.Mountpoint));
  assert.equal((await engine.volumes.create({ name: 'data', ignore: true })).CreatedAt, data.CreatedAt);
  await assert.rejects(engine.volumes.create({ name: 'data' }), code('NAME_IN_USE'));
  await assert.rejects(engine.volumes.create({ name: 'x', driver: 'nfs' }), code('INVALID_ARGUMENT'));
  await assert.rejects(engine.volumes.create({ name: 'x', options: { color: 'red' } }), code('INVALID_ARGUMENT'));
  const anon = await engine.volumes.create();
  assert.match(anon.Name, /^[0-9a-f]{64}$/);
  await engine.volumes.create({ name: 'busy', options: { type: 'tmpfs', device: 'tmpfs', o: 'size=1m' } });
  s.ok(['create', '--name', 'user', '-v', 'busy:/b', 'busybox', 'true']);

  const names = async (filters: Record<string, string[]>) => (await engine.volumes.list({ filters })).map((v) => v.Name).sort();
  assert.deepEqual(await names({}), [anon.Name, 'busy', 'data'].sort());
  assert.deepEqual(await names({ label: ['app=web'] }), ['data']);
  assert.deepEqual(await names({ label: ['app=db'] }), []);
  assert.deepEqual(await names({ name: ['^dat', '^bus'] }), ['busy', 'data']);
  assert.deepEqual(await names({ opt: ['type=tmpfs'] }), ['busy']);
  assert.deepEqual(await names({ dangling: ['false'] }), ['busy']);
  assert.deepEqual(await names({ dangling: ['true'], name: ['^dat', '^bus'] }), ['data']);
  await assert.rejects(engine.volumes.list({ filters: { color: ['red'] } }), code('INVALID_ARGUMENT'));

  const info = await engine.volumes.inspect('busy');
  assert.equal(info.MountCount, 1);
  assert.deepEqual(info.Options, { type: 'tmpfs', device: 'tmpfs', o: 'size=1m' });
  await assert.rejects(engine.volumes.inspect('nope'), code('NO_SUCH_VOLUME'));
  assert.equal(await engine.volumes.exists('data'), true);
  assert.equal(await engine.volumes.exists('nope'), false);

  // Per-item errors: the CLI maps NO_SUCH_VOLUME to exit 1 and VOLUME_IN_USE to 2.
  const reports = await engine.volumes.remove(['nope', 'busy', anon.Name]);
  assert.deepEqual(reports.map((r) => [r.id, r.error?.code]), [['nope', 'NO_SUCH_VOLUME'], ['busy', 'VOLUME_IN_USE'], [anon.Name, undefined]]);
  assert.match(reports[1].error!.message, /volume busy is being used by the following container\(s\)/);
  await assert.rejects(engine.volumes.remove([]), code('INVALID_ARGUMENT'));
  // force removes the container using it first.
  assert.deepEqual(await engine.volumes.remove(['busy'], { force: true }), [{ id: 'busy', rawInput: 'busy' }]);
  assert.equal(s.husk(['container', 'exists', 'user']).code, 1);

  await engine.volumes.create({ name: 'old', labels: { tmp: '1' } });
  await engine.volumes.create({ name: 'used', labels: { tmp: '1' } });
  s.ok(['create', '--name', 'user2', '-v', 'used:/u', 'busybox', 'true']);
  assert.deepEqual(await engine.volumes.prune({ filters: { label: ['tmp'] } }), [{ id: 'old' }]);
  assert.deepEqual((await engine.volumes.list()).map((v) => v.Name), ['data', 'used']);
  s.ok(['rm', 'user2']);
  assert.deepEqual((await engine.volumes.prune()).map((r) => r.id), ['data', 'used']);
});

/** A Writable that keeps what it was given. */
function sink(): Writable & { data(): Buffer } {
  const chunks: Buffer[] = [];
  const w = new Writable({ write(chunk, _enc, cb) { chunks.push(Buffer.from(chunk)); cb(); } }) as Writable & { data(): Buffer };
  w.data = () => Buffer.concat(chunks);
  return w;
}

test('export → import round trip of real content', async () => {
  await engine.volumes.create({ name: 'src' });
  s.ok(['run', '--rm', '-v', 'src:/v', 'busybox', 'sh', '-c',
    'mkdir -p /v/d/e && echo hello > /v/d/f && chmod 640 /v/d/f && ln -s d/f /v/link && echo w > /v/.wh.plain && chown 1000:1000 /v/d/e && dd if=/dev/urandom of=/v/big bs=64k count=40 2>/dev/null']);
  const out = sink();
  await engine.volumes.export('src', out);
  assert.equal(out.writableEnded, false, 'the caller owns the stream');
  const tar = out.data();
  assert.ok(tar.length > 40 * 65536);

  const dst = await engine.volumes.create({ name: 'dst' });
  await engine.volumes.import('dst', Readable.from([tar.subarray(0, 1000), tar.subarray(1000)]));
  const src = (await engine.volumes.inspect('src')).Mountpoint;
  assert.equal(readFileSync(join(dst.Mountpoint, 'd/f'), 'utf8'), 'hello\n');
  assert.equal(statSync(join(dst.Mountpoint, 'd/f')).mode & 0o777, 0o640);
  assert.equal(statSync(join(dst.Mountpoint, 'd/e')).uid, 1000);
  assert.equal(readlinkSync(join(dst.Mountpoint, 'link')), 'd/f');
  assert.equal(readFileSync(join(dst.Mountpoint, '.wh.plain'), 'utf8'), 'w\n', 'whiteout names are plain files in a volume');
  assert.ok(readFileSync(join(dst.Mountpoint, 'big')).equals(readFileSync(join(src, 'big'))));
  // And a container sees it.
  assert.equal(s.ok(['run', '--rm', '-v', 'dst:/v', 'busybox', 'cat', '/v/link']), 'hello');

  await assert.rejects(engine.volumes.export('nope', sink()), code('NO_SUCH_VOLUME'));
  await assert.rejects(engine.volumes.import('nope', Readable.from([tar])), code('NO_SUCH_VOLUME'));
});

async function tarOf(entries: TarWriteEntry[]): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const b of writeTar(entries)) chunks.push(b);
  return Buffer.concat(chunks);
}

test('importing a hostile tar writes nothing outside the volume', async () => {
  const v = await engine.volumes.create({ name: 'target' });
  const outside = join(s.dir, 'outside');
  mkdirSync(outside);
  writeFileSync(join(outside, 'victim'), 'untouched\n');
  const up = relative(v.Mountpoint, outside); // ../../../../outside
  const meta = { mode: 0o644, uid: 0, gid: 0, mtime: 1_700_000_000 };
  const file = (name: string, text: string): TarWriteEntry => ({ ...meta, name, type: 'file', body: Buffer.from(text) });
  const link = (name: string, target: string): TarWriteEntry => ({ ...meta, name, type: 'symlink', mode: 0o777, linkname: target });

  const hostile: [string, TarWriteEntry[]][] = [
    ['.. climbing out', [file('ok-before', 'fine'), file(`../../../../outside/escape`, 'x')]],
    ['.. after a directory', [file(`a/../../${up}/escape`, 'x')]],
    ['a symlink to the outside, then a file through it', [link('out', outside), file('out/escape', 'x')]],
    ['a relative symlink climbing out, then a file through it', [link('rel', up), file('rel/escape', 'x')]],
    ['a symlink to the outside, then a directory through it', [link('dirlink', outside), { ...meta, name: 'dirlink/sub/', type: 'dir', mode: 0o755 }]],
    ['a hardlink to a file outside', [{ ...meta, name: 'hl', type: 'hardlink', linkname: `../../../../outside/victim` }]],
  ];
  for (const [what, entries] of hostile) {
    await assert.rejects(engine.volumes.import('target', Readable.from([await tarOf(entries)])), code('BAD_LAYER'), what);
  }
  // An absolute path is taken relative to the volume, never to the host root.
  const abs = join(outside, 'absolute');
  await engine.volumes.import('target', Readable.from([await tarOf([file(abs, 'inside')])]));
  assert.equal(readFileSync(join(v.Mountpoint, abs), 'utf8'), 'inside');
  // A symlink to the outside replaced by a file of the same name: the file is written in the volume, not through the link.
  await engine.volumes.import('target', Readable.from([await tarOf([link('swap', join(outside, 'victim')), file('swap', 'replaced')])]));
  assert.equal(lstatSync(join(v.Mountpoint, 'swap')).isFile(), true);

  assert.equal(readFileSync(join(outside, 'victim'), 'utf8'), 'untouched\n');
  assert.deepEqual(readdirSync(outside), ['victim']);
  assert.equal(existsSync(join(s.dir, 'escape')), false);
  assert.equal(existsSync(join(s.root, 'volumes', 'escape')), false);
  // Entries before the refused one stay.
  assert.equal(readFileSync(join(v.Mountpoint, 'ok-before'), 'utf8'), 'fine');
});
