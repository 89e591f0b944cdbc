// --imagestore DIR (Podman 4.6+): images in DIR, containers in --root; and
// inspect's GraphDriver naming the store's real driver (vfs as well as
// overlay) in `husk inspect`, `image inspect` and the Docker API.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { FIXTURES, HUSK, Store, until } from '../helpers.ts';

const s = new Store();
const images = join(s.dir, 'images');
after(() => s.destroyWhenIdle());

const withStore = (args: string[]) => s.husk(['--imagestore', images, ...args], { timeout: 120_000 });
const ok = (args: string[]) => {
  const r = withStore(args);
  assert.equal(r.code, 0, `husk ${args.join(' ')}: ${r.stderr}`);
  return r.stdout.trim();
};

test('--imagestore: the image\'s layers, blobs and database go to DIR; the container\'s layer and the state stay in --root', async () => {
  ok(['import', join(FIXTURES, 'busybox-rootfs.tar'), 'busybox']);
  assert.ok(existsSync(join(images, 'storage.db')), 'image database in the image store');
  assert.ok(readdirSync(join(images, 'overlay')).length > 0, 'layers in the image store');
  assert.ok(!existsSync(join(s.root, 'storage.db')) && !existsSync(join(s.root, 'overlay')), 'nothing of the image in the root');
  const id = ok(['run', '-d', '--name', 'c', '--network', 'none', 'busybox', 'sh', '-c', 'echo changed > /f']);
  assert.ok(existsSync(join(s.root, 'containers', id)), 'the container\'s directories in the root');
  assert.ok(existsSync(join(s.root, 'state.db')));
  assert.match(ok(['inspect', '--format', '{{.GraphDriver.Data.LowerDir}}', 'c']), new RegExp(`^${images}/overlay/`));
  // conmon's exit command carries --imagestore: the detached container is cleaned up by it.
  await until(() => withStore(['inspect', '--format', '{{.State.Status}}', 'c']).stdout.trim() === 'exited', 60_000, 200);
  assert.equal(ok(['start', '-a', 'c']), '');
  assert.equal(ok(['run', '--rm', '--network', 'none', 'busybox', 'cat', '/etc/hostname']).length, 12);
  // The root alone has no images: they are only where --imagestore points.
  assert.equal(s.ok(['images', '-q']), '');
  assert.equal(ok(['images', '--format', '{{.Repository}}']), 'localhost/busybox');
  ok(['rm', 'c']);
  ok(['rmi', 'busybox']);
  assert.deepEqual(readdirSync(join(images, 'overlay')), [], 'rmi removed the layers from the image store');
});

test('GraphDriver: vfs where the store is vfs (husk inspect, image inspect, Docker API), overlay otherwise', async () => {
  const v = new Store('husk-vfs-gd-');
  try {
    const vfs = (args: string[]) => {
      const r = v.husk(['--storage-driver', 'vfs', ...args], { timeout: 120_000 });
      assert.equal(r.code, 0, r.stderr);
      return r.stdout.trim();
    };
    vfs(['import', join(FIXTURES, 'busybox-rootfs.tar'), 'busybox']);
    vfs(['create', '--name', 'vc', '--network', 'none', 'busybox', 'true']);
    assert.equal(vfs(['inspect', '--format', '{{.GraphDriver.Name}}', 'vc']), 'vfs');
    assert.equal(vfs(['image', 'inspect', '--format', '{{.GraphDriver.Name}}', 'busybox']), 'vfs');
    // The Docker API of a service on that store.
    const sock = join(v.dir, 'api.sock');
    const srv = spawn(HUSK, [...v.globals, '--storage-driver', 'vfs', 'system', 'service', '--time', '0', `unix://${sock}`], { stdio: 'ignore' });
    try {
      await until(() => existsSync(sock), 30_000, 100);
      const docker = (args: string[]) => new Promise<string>((resolve, reject) => {
        const p = spawn('docker', args, { env: { ...process.env, DOCKER_HOST: `unix://${sock}`, DOCKER_CONFIG: join(v.dir, 'docker') } });
        let out = '';
        let err = '';
        p.stdout.on('data', (d: Buffer) => (out += d));
        p.stderr.on('data', (d: Buffer) => (err += d));
        p.on('close', (code) => (code === 0 ? resolve(out.trim()) : reject(new Error(`docker ${args.join(' ')}: ${err}`))));
      });
      assert.equal(await docker(['inspect', '--format', '{{.GraphDriver.Name}} {{.Driver}}', 'vc']), 'vfs vfs');
      assert.equal(await docker(['image', 'inspect', '--format', '{{.GraphDriver.Name}}', 'busybox']), 'vfs');
    } finally {
      srv.kill();
    }
  } finally {
    await v.destroyWhenIdle();
  }
  // And the overlay store of the first test says overlay.
  ok(['import', join(FIXTURES, 'busybox-rootfs.tar'), 'busybox']);
  assert.equal(ok(['image', 'inspect', '--format', '{{.GraphDriver.Name}}', 'busybox']), 'overlay');
});
