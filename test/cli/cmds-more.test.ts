// image diff, import from an http URL (a loopback server), volume
// mount/unmount/reload, with real images and volumes.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createReadStream, existsSync, mkdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { FIXTURES, REPO, Store } from '../helpers.ts';

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

test('container runlabel: --display as 037-runlabel.bats; a missing label is 125; the label runs with its exit code', () => {
  const ctx = join(s.dir, 'runlabel');
  mkdirSync(ctx);
  writeFileSync(join(ctx, 'Containerfile'), [
    'FROM busybox',
    'LABEL INSTALL podman run -t -i --rm \\${OPT1} --privileged -v /:/host -e HOMEDIR=\\$HOME -e NAME=\\${NAME} -e IMAGE=\\${IMAGE} -e CONFDIR=/etc/\\${NAME} \\${IMAGE} \\${OPT2} /bin/install.sh \\${OPT3}',
    'LABEL RUN touch \\${OPT1}/\\${NAME}.ran',
    'LABEL FAIL false',
    '',
  ].join('\n'));
  s.ok(['build', '-q', '-t', 'runlabel_image', ctx]);
  // The install's launcher (bin/husk, a link to native/build/husk), as Podman puts its own path.
  const self = join(realpathSync(REPO), 'bin', 'husk');
  const home = process.env.HOME;
  assert.equal(s.ok(['container', 'runlabel', '--opt1=r1', '--opt2=r2', '--opt3=r3', '--name', 'test1', '--display', 'install', 'runlabel_image']),
    `command: ${self} run -t -i --rm r1 --privileged -v /:/host -e HOMEDIR=${home} -e NAME=test1 -e IMAGE=localhost/runlabel_image:latest -e CONFDIR=/etc/test1 localhost/runlabel_image:latest r2 /bin/install.sh r3`);
  assert.equal(s.ok(['container', 'runlabel', '--opt3=r3', '--display', 'install', 'runlabel_image']),
    `command: ${self} run -t -i --rm --privileged -v /:/host -e HOMEDIR=${home} -e NAME=runlabel_image -e IMAGE=localhost/runlabel_image:latest -e CONFDIR=/etc/runlabel_image localhost/runlabel_image:latest /bin/install.sh r3`);
  const r = s.husk(['container', 'runlabel', '--display', 'nolabel', 'runlabel_image']);
  assert.equal(r.code, 125);
  assert.equal(r.stderr, 'Error: cannot find the value of label: nolabel in image: runlabel_image\n');
  s.ok(['container', 'runlabel', '--opt1', ctx, 'run', 'runlabel_image']);
  assert.ok(existsSync(join(ctx, 'runlabel_image.ran')), 'the RUN label ran on the host');
  assert.equal(s.husk(['container', 'runlabel', 'fail', 'runlabel_image']).code, 1, 'the command\'s exit code');
});

test('network update --dns-add/--dns-drop: the network config\'s DNS servers; the default network and bad addresses are refused', () => {
  s.ok(['network', 'create', 'upd']);
  assert.equal(s.ok(['network', 'update', '--dns-add', '8.8.8.8,1.1.1.1', 'upd']), 'upd');
  const servers = () => s.ok(['network', 'inspect', '--format', '{{json .network_dns_servers}}', 'upd']);
  assert.equal(servers(), '["8.8.8.8","1.1.1.1"]');
  s.ok(['network', 'update', '--dns-drop', '8.8.8.8', '--dns-add', '9.9.9.9', 'upd']);
  assert.equal(servers(), '["1.1.1.1","9.9.9.9"]');
  const bad = s.husk(['network', 'update', '--dns-add', 'nope', 'upd']);
  assert.equal(bad.code, 125);
  assert.equal(bad.stderr, 'Error: nope is not a valid IP address\n');
  assert.equal(s.husk(['network', 'update', '--dns-add', '8.8.8.8', 'podman']).code, 125);
  assert.equal(s.husk(['network', 'update', '--dns-add', '8.8.8.8', 'nosuchnet']).code, 125);
  s.ok(['network', 'rm', 'upd']);
});
