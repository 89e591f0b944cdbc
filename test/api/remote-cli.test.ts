// The CLI against a remote engine: `husk --url unix://SOCK ...` through
// huskRoutes() served in-process over the same store prints what the local
// CLI prints, and fails with the same exit code and message.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Engine } from '../../src/engine/api.ts';
import { connect } from '../../src/connect.ts';
import { Store } from '../helpers.ts';
import { serveHusk, type RunningServer } from './remote-server.ts';

const store = new Store('husk-remote-cli-');
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

// The server answers in this process, so husk must run asynchronously.
const remote = (args: string[]) => store.huskAsync(['--url', server.url, ...args]);
const local = (args: string[]) => store.huskAsync(args);

/** The two commands run a moment apart: relative times (and the column widths they set) may differ. */
const timeless = (s: string) => s.replace(/(\d+ seconds?|Less than a second|About a minute)/g, 'T').replace(/ {2,}/g, '  ');

test('run -d, ps, logs, exec, rm -f: remote output is the local output', async () => {
  const run = await remote(['run', '-d', '--name', 'rc1', 'busybox', 'sh', '-c', 'echo out; echo err >&2; exec sleep 1000']);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /^[0-9a-f]{64}\n$/);
  await new Promise((r) => setTimeout(r, 500));

  for (const args of [['ps'], ['ps', '-a', '--no-trunc'], ['logs', 'rc1'], ['exec', 'rc1', 'sh', '-c', 'echo in; echo e >&2; exit 3'], ['inspect', '--format', '{{.State.Status}} {{.Name}}', 'rc1']]) {
    const [r, l] = await Promise.all([remote(args), local(args)]);
    assert.equal(r.code, l.code, `${args.join(' ')}: ${r.stderr}`);
    assert.equal(timeless(r.stdout), timeless(l.stdout), args.join(' '));
    assert.equal(r.stderr, l.stderr, args.join(' '));
  }

  const rm = await remote(['rm', '-f', 'rc1']);
  assert.equal(rm.code, 0, rm.stderr);
  assert.equal(rm.stdout, 'rc1\n', 'rm -f prints the name as given, as locally (Podman 055-rm.bats)');
  assert.equal((await local(['ps', '-aq'])).stdout, '');
});

test('errors keep their code and message: rm nosuch, inspect nosuch', async () => {
  for (const args of [['rm', 'nosuch'], ['inspect', 'nosuch'], ['stop', 'nosuch'], ['volume', 'rm', 'nosuch']]) {
    const [r, l] = await Promise.all([remote(args), local(args)]);
    assert.notEqual(l.code, 0);
    assert.equal(r.code, l.code, args.join(' '));
    assert.equal(r.stderr, l.stderr, args.join(' '));
  }
});

test('an unreachable service is a clear engine error', async () => {
  const r = await store.huskAsync(['--url', `unix://${join(store.dir, 'nothing.sock')}`, 'ps']);
  assert.equal(r.code, 125);
  assert.match(r.stderr, /unable to connect to husk at unix:\/\/.*nothing\.sock/);
});

test('secrets over the remote engine: create, ls, inspect, run --secret, rm, as locally', async () => {
  const { writeFileSync } = await import('node:fs');
  const f = join(store.dir, 'remote-secret');
  writeFileSync(f, 'remote-data');
  const c = await remote(['secret', 'create', '--label', 'k=v', 'rsec', f]);
  assert.equal(c.code, 0, c.stderr);
  for (const args of [['secret', 'ls', '--format', '{{.ID}} {{.Name}} {{.Driver}}'], ['secret', 'inspect', '--showsecret', 'rsec'], ['secret', 'exists', 'rsec'], ['secret', 'inspect', 'nosuch'], ['secret', 'rm', 'nosuch']]) {
    const [r, l] = await Promise.all([remote(args), local(args)]);
    assert.equal(r.code, l.code, `${args.join(' ')}: ${r.stderr}`);
    assert.equal(r.stdout, l.stdout, args.join(' '));
    assert.equal(r.stderr, l.stderr, args.join(' '));
  }
  const run = await remote(['run', '--rm', '--secret', 'rsec', '--secret', 'rsec,type=env,target=RS', 'busybox', 'sh', '-c', 'cat /run/secrets/rsec; echo " $RS"']);
  assert.equal(run.stdout, 'remote-data remote-data\n', run.stderr);
  const rm = await remote(['secret', 'rm', 'rsec']);
  assert.equal(rm.stdout.trim(), c.stdout.trim());
  assert.equal((await local(['secret', 'exists', 'rsec'])).code, 1);
});
