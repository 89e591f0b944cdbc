// image diff, import from an http URL (a loopback server), volume
// mount/unmount/reload, with real images and volumes.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createReadStream, existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { FIXTURES, Store } from '../helpers.ts';

const s = new Store();
let server: Server;
let base: string;

before(async () => {
  s.busybox();
  server = createServer((req, res) => {
    if (req.url === '/busybox.tar') {
      res.writeHead(200, { 'Content-Type': 'application/x-tar' });
      createReadStream(join(FIXTURES, 'busybox-rootfs.tar')).pipe(res);
    } else {
      res.writeHead(404);
      res.end('not here');
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
after(async () => {
  server?.close();
  await s.destroyWhenIdle();
});

test('import from an http URL: the same image as from the file; a 404 is an error (125)', async () => {
  const fromFile = s.ok(['image', 'inspect', '--format', '{{.RootFS.Layers}}', 'busybox']);
  // Asynchronous: the server answers from this process's event loop.
  const imp = await s.huskAsync(['import', `${base}/busybox.tar`, 'fromurl']);
  assert.equal(imp.code, 0, imp.stderr);
  assert.match(imp.stdout.trim(), /^sha256:[0-9a-f]{64}$/);
  assert.equal(s.ok(['image', 'inspect', '--format', '{{.RootFS.Layers}}', 'fromurl']), fromFile, 'same layer');
  assert.equal(s.ok(['run', '--rm', 'fromurl', 'echo', 'ok']), 'ok');
  const r = await s.huskAsync(['import', `${base}/missing.tar`, 'nothing']);
  assert.equal(r.code, 125);
  assert.match(r.stderr, /^Error: downloading http:\/\/127\.0\.0\.1:\d+\/missing\.tar: invalid status code 404/);
  assert.equal(s.husk(['image', 'exists', 'nothing']).code, 1);
});

test('image diff: an image\'s top layer against the ones below; a container name is not an image', () => {
  s.ok(['run', '--name', 'w', 'busybox', 'sh', '-c', 'echo x > /added; rm /bin/ls']);
  s.ok(['commit', '-q', 'w', 'changed']);
  const out = s.ok(['image', 'diff', 'changed']).split('\n');
  assert.ok(out.includes('A /added'), out.join(';'));
  assert.ok(out.includes('D /bin/ls'), out.join(';'));
  const json = JSON.parse(s.ok(['image', 'diff', '--format', 'json', 'changed']));
  assert.ok(json.added.includes('/added') && json.deleted.includes('/bin/ls'));
  const r = s.husk(['image', 'diff', 'w']);
  assert.equal(r.code, 125, 'w is a container, not an image');
  s.ok(['rm', 'w']);
});

test('volume mount/unmount: a tmpfs volume is mounted on its mountpoint and unmounted; a plain one just answers its path; reload', () => {
  s.ok(['volume', 'create', '--opt', 'type=tmpfs', '--opt', 'device=tmpfs', '--opt', 'o=size=4m', 'tv']);
  s.ok(['volume', 'create', 'plain']);
  const path = s.ok(['volume', 'mount', 'tv']);
  assert.equal(path, s.ok(['volume', 'inspect', '--format', '{{.Mountpoint}}', 'tv']));
  const mounted = () => readFileSync('/proc/mounts', 'utf8').split('\n').some((l) => l.split(' ')[1] === path && l.startsWith('tmpfs '));
  assert.ok(mounted(), 'tmpfs mounted on the mountpoint');
  const two = s.ok(['volume', 'mount', 'tv', 'plain']).split('\n');
  assert.deepEqual(two.map((l) => l.split(' ')[0]), ['tv', 'plain']);
  assert.ok(existsSync(two[1].split(' ')[1]));
  assert.equal(s.ok(['volume', 'unmount', 'tv']), 'tv');
  assert.ok(!mounted(), 'unmounted');
  const missing = s.husk(['volume', 'mount', 'nosuch']);
  assert.equal(missing.code, 125);
  assert.match(missing.stderr, /no volume with name "nosuch" found/);
  const reload = s.husk(['volume', 'reload']);
  assert.deepEqual([reload.code, reload.stdout], [0, '']);
  s.ok(['volume', 'rm', 'tv', 'plain']);
});
