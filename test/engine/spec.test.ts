// A structured ContainerSpec handed to the engine directly (as the REST API
// and kube play will): validated before anything is created, stored as
// given, and shown by inspect (healthcheck and restart policy included,
// which husk does not act on yet).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { connect, HuskError, type ContainerSpec, type Engine } from '../../src/lib.ts';
import { FIXTURES } from '../helpers.ts';

const dir = mkdtempSync('/var/tmp/husk-spec-');
let engine: Engine;

before(async () => {
  engine = await connect({ root: join(dir, 'root'), runroot: join(dir, 'run') });
  await engine.images.import(join(FIXTURES, 'busybox-rootfs.tar'), { reference: 'busybox' });
});

after(async () => {
  await engine.containers.remove([], { all: true, force: true, volumes: true });
  await engine.close();
  rmSync(dir, { recursive: true, force: true });
});

test('a structured spec is stored as given and shown by inspect', async () => {
  const spec: ContainerSpec = {
    image: 'busybox', name: 'structured', command: ['true'], network: 'none',
    mounts: [{ type: 'volume', destination: '/anon', options: [], anonymous: true }, { type: 'tmpfs', destination: '/t', options: ['size=1m'] }],
    ulimits: [{ name: 'nofile', soft: 100, hard: 200 }],
    extraHosts: [{ host: 'db', ip: '10.0.0.2' }],
    healthcheck: { test: ['CMD-SHELL', 'true'], interval: 10e9, retries: 2 },
    restartPolicy: { name: 'on-failure', maximumRetryCount: 3 },
  };
  const c = await engine.containers.create(spec);
  assert.equal(c.config.specVersion, 2);
  assert.deepEqual(c.config.intent.mounts, spec.mounts, 'the spec keeps what was asked (the anonymous volume has no name there)');
  assert.match(c.config.mounts!.find((m) => m.destination === '/anon')!.source!, /^[0-9a-f]{64}$/);
  const info = await engine.containers.inspect('structured') as { Config: Record<string, unknown>; HostConfig: Record<string, unknown> };
  assert.deepEqual(info.HostConfig.Ulimits, ['nofile=100:200']);
  assert.deepEqual(info.HostConfig.RestartPolicy, { Name: 'on-failure', MaximumRetryCount: 3 });
  // As resolved at create: the defaults filled in, zeros omitted as Podman does.
  assert.deepEqual(info.Config.Healthcheck, { Test: ['CMD-SHELL', 'true'], Interval: 10e9, Timeout: 30e9, Retries: 2 });
  assert.deepEqual(c.config.intent.healthcheck, spec.healthcheck, 'the spec keeps what was asked');
});

test('an invalid spec is refused before anything is created, with a message about the spec', async () => {
  const before = (await engine.containers.list({ all: true })).length;
  for (const [extra, re] of [
    [{ mounts: [{ type: 'bind', source: '/tmp', destination: 'rel', options: [] }] }, /invalid mount destination "rel"/],
    [{ portMappings: [{ containerPort: 80, range: 2 }] }, /random host port cannot be used with a range/],
    [{ restartPolicy: { name: 'always', maximumRetryCount: 1 } }, /only be used with on-failure/],
    [{ devices: [{ path: '/nonexistent' }] }, /stat \/nonexistent: no such file or directory/],
  ] as [Partial<ContainerSpec>, RegExp][]) {
    await assert.rejects(engine.containers.create({ image: 'busybox', command: ['true'], network: 'none', ...extra }),
      (err: Error) => err instanceof HuskError && err.code === 'INVALID_ARGUMENT' && re.test(err.message), JSON.stringify(extra));
  }
  assert.equal((await engine.containers.list({ all: true })).length, before);
});
