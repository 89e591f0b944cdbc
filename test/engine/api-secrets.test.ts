// The secrets domain through the Engine interface only, so the same test
// runs against the remote client (test/api/remote-suites.test.ts): reports,
// error codes, replace/ignore, filters, and concurrent writers serialised by
// the store's lock (separate processes, each its own engine).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Engine } from '../../src/engine/api.ts';
import type { HuskError } from '../../src/common/errors.ts';
import { openEngine } from './engine.ts';
import { Store } from '../helpers.ts';

const s = new Store();
let engine: Engine;
const b64 = (t: string) => Buffer.from(t).toString('base64');
const code = (c: string) => (e: HuskError) => e.code === c;

before(async () => {
  engine = await openEngine({ root: s.root, runroot: s.runroot });
});
after(async () => {
  await engine.close();
  await s.destroyWhenIdle();
});

test('create, inspect (with and without data), list filters, replace, ignore, remove reports', async () => {
  const { id } = await engine.secrets.create('one', { data: b64('first'), labels: { team: 'a' } });
  assert.match(id, /^[0-9a-f]{25}$/);
  await assert.rejects(engine.secrets.create('one', { data: b64('x') }), code('NAME_IN_USE'));
  await assert.rejects(engine.secrets.create('bad/name', { data: b64('x') }), code('INVALID_ARGUMENT'));
  await assert.rejects(engine.secrets.create('empty', { data: '' }), code('INVALID_ARGUMENT'));
  await assert.rejects(engine.secrets.create('big', { data: Buffer.alloc(512000).toString('base64') }), code('INVALID_ARGUMENT'));
  const info = await engine.secrets.inspect('one');
  assert.equal(info.Spec.Name, 'one');
  assert.equal(info.SecretData, undefined);
  assert.equal((await engine.secrets.inspect(id.slice(0, 5), { showSecret: true })).SecretData, 'first');
  assert.equal((await engine.secrets.create('one', { data: b64('x'), ignore: true })).id, id);
  assert.equal((await engine.secrets.create('one', { data: b64('second'), replace: true })).id, id);
  assert.equal((await engine.secrets.inspect('one', { showSecret: true })).SecretData, 'second');
  await engine.secrets.create('two', { data: b64('2') });
  assert.deepEqual((await engine.secrets.list()).map((x) => x.Spec.Name), ['one', 'two']);
  assert.deepEqual((await engine.secrets.list({ filters: { name: ['^t'] } })).map((x) => x.Spec.Name), ['two']);
  assert.deepEqual((await engine.secrets.list({ filters: { id: [id.slice(0, 4)] } })).map((x) => x.ID), [id]);
  await assert.rejects(engine.secrets.list({ filters: { color: ['red'] } }), code('INVALID_ARGUMENT'));
  await assert.rejects(engine.secrets.inspect('nope'), code('NO_SUCH_SECRET'));
  assert.equal(await engine.secrets.exists('two'), true);
  const reports = await engine.secrets.remove(['one', 'nope']);
  assert.equal(reports[0].id, id);
  assert.equal(reports[0].error, undefined);
  assert.equal(reports[1].error?.code, 'NO_SUCH_SECRET');
  assert.deepEqual(await engine.secrets.remove(['nope'], { ignore: true }), []);
  await assert.rejects(engine.secrets.remove([]), code('INVALID_ARGUMENT'));
  assert.equal((await engine.secrets.remove([], { all: true })).length, 1);
  assert.deepEqual(await engine.secrets.list(), []);
});

test('concurrent creates from separate processes: every name once, one winner per name', async () => {
  const names = Array.from({ length: 6 }, (_, i) => `c${i}`);
  const runs = await Promise.all([...names, 'same', 'same', 'same'].map((n) => s.huskAsync(['secret', 'create', n, '/etc/hostname'])));
  assert.equal(runs.filter((r) => r.code === 0).length, names.length + 1, runs.map((r) => r.stderr).join(''));
  assert.equal(runs.filter((r) => /same: secret name in use/.test(r.stderr)).length, 2);
  const listed = (await engine.secrets.list()).map((x) => x.Spec.Name);
  assert.deepEqual(listed, [...names, 'same']);
  for (const n of listed) assert.ok((await engine.secrets.inspect(n, { showSecret: true })).SecretData);
  await engine.secrets.remove([], { all: true });
});
