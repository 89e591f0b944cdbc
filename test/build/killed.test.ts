// A build SIGKILLed in the middle of a RUN leaves its container running, an
// image mounted (a bind mount from=) and a secret's scratch dir; the next
// build removes all of it before it starts, and records no half image.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HUSK, Store } from '../helpers.ts';

const store = new Store('husk-build-killed-');
before(() => {
  store.busybox();
  store.ok(['build', '-t', 'other', mkdtempSync(join(store.dir, 'ctx-')), '-f', '-'], { input: 'FROM busybox\nRUN echo other > /other.txt\n' });
});
after(() => store.destroyWhenIdle());

const scratch = () => readdirSync(join(store.runroot, 'tmp')).filter((n) => n.startsWith('build-'));

test('SIGINT or SIGTERM mid-RUN: the build kills its RUN, releases what it holds and fails, leaving nothing', async () => {
  const dir = mkdtempSync(join(store.dir, 'ctx-'));
  const secret = join(store.dir, 'secret2');
  writeFileSync(secret, 'x');
  writeFileSync(join(dir, 'Containerfile'), 'FROM busybox\nRUN --mount=type=bind,from=other,target=/o --mount=type=secret,id=s echo STA""RTED && sleep 300\n');
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    const child = spawn(HUSK, [...store.globals, 'build', '--secret', `id=s,src=${secret}`, dir], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    await new Promise<void>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`the RUN did not start: ${out}`)), 120_000);
      child.stdout.on('data', (d) => {
        out += d;
        if (out.includes('STARTED')) { clearTimeout(timer); resolve(); }
      });
    });
    const t0 = Date.now();
    child.kill(sig);
    const code = await new Promise((r) => child.on('close', r));
    assert.equal(code, 125, err);
    assert.match(err, /build interrupted/);
    assert.ok(Date.now() - t0 < 60_000, 'the sleep 300 was not waited for');
    assert.equal(store.ok(['ps', '-a', '-q']), '');
    assert.equal(store.ok(['image', 'mount']), '');
    assert.deepEqual(scratch(), []);
  }
});

test('SIGKILL mid-RUN: the next build removes the container, the image mount and the scratch dirs', async () => {
  const dir = mkdtempSync(join(store.dir, 'ctx-'));
  const secret = join(store.dir, 'secret');
  writeFileSync(secret, 'x');
  writeFileSync(join(dir, 'Containerfile'), 'FROM busybox\nRUN --mount=type=bind,from=other,target=/o --mount=type=secret,id=s cat /o/other.txt && echo STA""RTED && sleep 300\n');
  const imagesBefore = store.ok(['images', '-a', '-q']);
  const child = spawn(HUSK, [...store.globals, 'build', '--secret', `id=s,src=${secret}`, dir], { stdio: ['ignore', 'pipe', 'pipe'] });
  await new Promise<void>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`the RUN did not start: ${out}`)), 120_000);
    child.stdout.on('data', (d) => {
      out += d;
      if (out.includes('STARTED')) { clearTimeout(timer); resolve(); }
    });
  });
  child.kill('SIGKILL');
  await new Promise((r) => child.on('close', r));
  // Left behind: the RUN's container (still running), the image mount, the secret's dir.
  assert.match(store.ok(['ps', '--format', '{{.Status}}']), /^Up/);
  assert.notEqual(store.ok(['image', 'mount']), '');
  assert.ok(scratch().length >= 2, scratch().join(' '));

  const next = mkdtempSync(join(store.dir, 'ctx-'));
  writeFileSync(join(next, 'Containerfile'), 'FROM busybox\nENV A=1\n');
  store.ok(['build', next]);
  assert.equal(store.ok(['ps', '-a', '-q']), '');
  assert.equal(store.ok(['image', 'mount']), '');
  assert.deepEqual(scratch(), []);
  // The killed build recorded no image; the new one added exactly its one step.
  assert.equal(store.ok(['images', '-a', '-q']).split('\n').length, imagesBefore.split('\n').length + 1);
});
