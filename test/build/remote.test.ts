// The builder runs above the engine interface only, so `husk --url ... build`
// builds through husk's RPC (the server shares this host's filesystem):
// COPY layers stream over the wire to images.derive, RUN goes through
// containers.create/startAttach/commit, and the cache answers remotely too.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Engine } from '../../src/engine/api.ts';
import { connect } from '../../src/connect.ts';
import { Store } from '../helpers.ts';
import { serveHusk, type RunningServer } from '../api/remote-server.ts';

const store = new Store('husk-build-remote-');
let engine: Engine;
let server: RunningServer;

before(async () => {
  store.busybox();
  engine = await connect({ root: store.root, runroot: store.runroot });
  server = await serveHusk(engine, join(store.dir, 'husk.sock'));
});
after(async () => {
  await server.close();
  await engine.close();
  await store.destroyWhenIdle();
});

test('husk --url build: COPY, RUN with a cache mount, config; a rebuild is all cache hits', async () => {
  const dir = mkdtempSync(join(store.dir, 'ctx-'));
  writeFileSync(join(dir, 'r.txt'), 'remote\n');
  writeFileSync(join(dir, 'Containerfile'), 'FROM busybox\nCOPY r.txt /r.txt\nRUN --mount=type=cache,target=/c cat /r.txt > /c/x && cp /r.txt /ran\nCMD ["cat", "/ran"]\n');
  const r = await store.huskAsync(['--url', server.url, 'build', '-t', 'remote1', dir]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /Successfully tagged localhost\/remote1:latest/);
  const run = await store.huskAsync(['run', '--rm', 'remote1']);
  assert.equal(run.stdout.trim(), 'remote');
  const again = await store.huskAsync(['--url', server.url, 'build', '-t', 'remote1', dir]);
  assert.equal(again.code, 0, again.stderr);
  assert.equal(again.stdout.match(/--> Using cache/g)?.length, 3);
});
