// podman-remote 4.3's push and build against husk's libpod endpoints (a
// real distribution registry; skopeo reads back what was pushed), and a
// build whose client goes away (podman-remote and the docker CLI, killed
// mid-RUN): the build stops, its RUN container is removed, no image is
// recorded or tagged, and the context directory is gone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { dockerHarness } from './docker-harness.ts';
import { startRegistry, type RunningRegistry } from '../registry-server.ts';

let reg: RunningRegistry;
const h = dockerHarness('husk-podman-img-', {
  setup: async (x) => {
    writeFileSync(join(x.store.dir, 'docker', 'config.json'), '{}');
    reg = await startRegistry();
  },
  teardown: async () => { await reg?.stop(); },
});
const podmanArgs = (args: string[]) => ['--remote', '--url', `unix://${h.sock}`, ...args];
const podman = (args: string[]) => h.run('podman', podmanArgs(args), { timeout: 180_000 });

function context(name: string, files: Record<string, string>): string {
  const dir = join(h.store.dir, name);
  mkdirSync(dir, { recursive: true });
  for (const [f, text] of Object.entries(files)) writeFileSync(join(dir, f), text);
  return dir;
}

test('podman --remote push: progress on stderr, the image in the registry, credentials from the client', async () => {
  const r = await podman(['push', '--tls-verify=false', 'busybox', `${reg.host}/pushed/bb:1`]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /Getting image source signatures\n(Copying blob [0-9a-f]{12} done\n)+Copying config [0-9a-f]{12} done\nWriting manifest to image destination\n/);
  const again = await podman(['push', '--tls-verify=false', 'busybox', `${reg.host}/pushed/bb:1`]);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stderr, /skipped: already exists/);
  const insp = await h.run('skopeo', ['inspect', '--tls-verify=false', `docker://${reg.host}/pushed/bb:1`]);
  assert.equal(insp.code, 0, insp.stderr);
  const local = await h.engine().images.get('busybox');
  assert.equal(JSON.parse(insp.stdout).Layers.length, (local.config.rootfs?.diff_ids ?? []).length);
  // TLS verification asked for against a plain-HTTP registry: podman's error, exit 125.
  const tls = await podman(['push', '--tls-verify=true', 'busybox', `${reg.host}/pushed/bb:2`]);
  assert.equal(tls.code, 125);
  assert.match(tls.stderr, /Error: /);
  const missing = await podman(['push', '--tls-verify=false', 'nosuch', `${reg.host}/x:1`]);
  assert.equal(missing.code, 125);
  assert.match(missing.stderr, /nosuch/);
});

test('podman --remote build: -t, --build-arg, --label, -f, the image runs; a failing RUN exits non-zero', async () => {
  const dir = context('ctx1', {
    'Build.containerfile': 'FROM busybox\nARG WHO=nobody\nCOPY f.txt /f.txt\nRUN echo "hello $WHO" > /greeting\nCMD ["cat", "/greeting", "/f.txt"]\n',
    'f.txt': 'from the context\n',
  });
  const b = await podman(['build', '-t', 'pbuilt', '--build-arg', 'WHO=podman', '--label', 'k=v', '-f', 'Build.containerfile', dir]);
  assert.equal(b.code, 0, b.stderr);
  assert.match(b.stdout, /STEP 1\/5: FROM busybox/);
  const id = b.stdout.trim().split('\n').at(-1)!;
  assert.match(id, /^[0-9a-f]{64}$/, 'the last line is the image ID, which podman-remote reports');
  const img = await h.engine().images.get('pbuilt');
  assert.equal(img.id, id);
  assert.equal(img.config.config?.Labels?.k, 'v');
  const run = await podman(['run', '--rm', 'pbuilt']);
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.stdout, 'hello podman\nfrom the context\n');
  // Containerfiles outside the context, and several -f (podman-remote tars them in and sends a JSON list).
  const outside = context('cfs', { One: 'FROM busybox\nCOPY f.txt /f.txt\n', Two: 'RUN cat /f.txt /f.txt > /twice\nCMD ["cat", "/twice"]\n' });
  const two = await podman(['build', '-t', 'ptwo', '-f', join(outside, 'One'), '-f', join(outside, 'Two'), dir]);
  assert.equal(two.code, 0, two.stderr);
  assert.equal((await podman(['run', '--rm', 'ptwo'])).stdout, 'from the context\nfrom the context\n');
  const bad = context('ctx2', { Containerfile: 'FROM busybox\nRUN echo failing; exit 7\n' });
  const f = await podman(['build', '-t', 'pbad', bad]);
  assert.notEqual(f.code, 0);
  assert.match(f.stderr, /exit status 7|exit code 7|returned a non-zero code: 7/);
  assert.equal(await h.engine().images.exists('pbad'), false);
  assert.deepEqual((await h.engine().containers.list({ all: true })).map((c) => c.config.name), []);
});

/** Starts `cmd`, waits for `marker` in its output, kills it; resolves when it is gone. */
function killMidway(cmd: string, args: string[], marker: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { env: { ...h.env(), DOCKER_BUILDKIT: '0' } });
    let out = '';
    const t = setTimeout(() => { p.kill('SIGKILL'); reject(new Error(`no "${marker}" in: ${out}`)); }, 120_000);
    const on = (d: Buffer) => { out += d; if (out.includes(marker)) p.kill('SIGKILL'); };
    p.stdout.on('data', on);
    p.stderr.on('data', on);
    p.on('close', () => { clearTimeout(t); resolve(out); });
  });
}

async function settled(what: string, f: () => Promise<boolean>, detail?: () => Promise<unknown>): Promise<void> {
  for (let i = 0; i < 150; i++) {
    if (await f()) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  assert.fail(`${what}: ${JSON.stringify(await detail?.())}`);
}

// 'step-42' is the RUN's output (its container runs); 'STEP 2/3' is printed as
// the step begins, so the abort can land while its container is being started.
for (const [client, marker] of [['podman', 'step-42\n'], ['docker', 'step-42\n'], ['podman', 'STEP 2/3']] as const) {
  test(`${client}: a build client that disconnects at "${marker.trim()}" cancels the build and leaves nothing behind`, async () => {
    const dir = context(`cancel-${client}-${marker.length}`, { Dockerfile: 'FROM busybox\nRUN echo step-$((40+2)); sleep 120; touch /never\nRUN echo after\n' });
    const imagesBefore = (await h.engine().images.list({ all: true })).map((i) => i.Id).sort();
    const tag = `cancelled-${client}-${marker.length}`;
    const args = client === 'podman' ? podmanArgs(['build', '-t', tag, dir]) : ['build', '-t', tag, dir];
    const out = await killMidway(client === 'podman' ? 'podman' : '/usr/local/bin/docker', args, marker);
    assert.ok(out.includes(marker));
    // The RUN container is killed and removed, the context directory deleted.
    const left = async () => (await h.engine().containers.list({ all: true })).map((c) => `${c.config.name} ${c.state.status} ${c.config.args.join(' ')}`);
    await settled('the build container is removed', async () => (await left()).length === 0, left);
    await settled('the context directory is removed', async () => readdirSync(join(h.store.root, 'tmp')).filter((n) => n.includes('context')).length === 0);
    // No image: not the tag, not an untagged step image.
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(await h.engine().images.exists(tag), false);
    assert.deepEqual((await h.engine().images.list({ all: true })).map((i) => i.Id).sort(), imagesBefore);
    assert.equal((await h.raw('GET', '/_ping')).body, 'OK');
  });
}
