// commit, diff, export and container mount on real containers.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { join } from 'node:path';
import { HUSK, Store, overlayMounts } from '../helpers.ts';

const s = new Store();
before(() => s.busybox());
after(() => s.destroy());

const CHANGES = 'echo new > /etc/new; echo x >> /etc/passwd; rm /etc/group; mkdir -p /srv/a; echo f > /srv/a/f; rm -rf /home; mkdir /home';

test('diff lists what a container added, changed and deleted', () => {
  s.ok(['run', '--name', 'changed', 'busybox', 'sh', '-c', CHANGES]);
  assert.equal(s.ok(['diff', 'changed']), [
    'C /etc', 'D /etc/group', 'A /etc/new', 'C /etc/passwd', 'D /home', 'A /srv', 'A /srv/a', 'A /srv/a/f',
  ].join('\n'));
  assert.deepEqual(JSON.parse(s.ok(['container', 'diff', '--format', 'json', 'changed'])), {
    changed: ['/etc', '/etc/passwd'], added: ['/etc/new', '/srv', '/srv/a', '/srv/a/f'], deleted: ['/etc/group', '/home'],
  });
  // The mount points the runtime creates (/etc/hosts...) are not listed, only
  // their directory, as with Podman.
  s.ok(['run', '--name', 'fresh', 'busybox', 'true']);
  assert.equal(s.ok(['diff', 'fresh']), 'C /etc');
  assert.equal(s.husk(['diff', 'ghost']).code, 125);
});

test('commit: the new image has the changes (deletions too) and the --change instructions', () => {
  const id = s.ok(['commit', '-q', '-m', 'my message', '-a', 'Jane <j@x>', '-c', 'CMD ["cat", "/etc/new"]', '-c', 'ENV MODE=committed', 'changed', 'snap']);
  assert.match(id, /^[0-9a-f]{64}$/);
  assert.equal(s.ok(['run', '--rm', 'snap']), 'new');
  assert.equal(s.ok(['run', '--rm', 'snap', 'sh', '-c', 'test -e /etc/group || echo gone; ls -A /home; cat /srv/a/f; tail -1 /etc/passwd; echo $MODE']), 'gone\nf\nx\ncommitted');
  const [img] = JSON.parse(s.ok(['image', 'inspect', 'snap']));
  assert.equal(img.Id, id);
  assert.deepEqual(img.RepoTags, ['localhost/snap:latest']);
  assert.equal(img.RootFS.Layers.length, 2);
  assert.equal(img.Author, 'Jane <j@x>');
  assert.equal(img.Comment, 'my message');
  assert.deepEqual(img.Config.Cmd, ['cat', '/etc/new']);
  const [base] = JSON.parse(s.ok(['image', 'inspect', 'busybox']));
  assert.equal(img.RootFS.Layers[0], base.RootFS.Layers[0], 'the image layer is shared, not copied');
  // A bad instruction fails before anything is stored.
  const bad = s.husk(['commit', '-c', 'BOGUS x', 'changed', 'nope']);
  assert.equal(bad.code, 125);
  assert.match(bad.stderr, /BOGUS is not a valid instruction/);
  assert.equal(s.husk(['image', 'exists', 'nope']).code, 1);
});

test('commit records the container\'s command, env and workdir; a running container is paused and resumed', () => {
  s.ok(['run', '-d', '--name', 'busy', '-e', 'GREETING=hi', '-w', '/tmp', 'busybox', 'sh', '-c', 'echo $GREETING > /tmp/out; sleep 1000']);
  s.ok(['exec', 'busy', 'sh', '-c', 'while [ ! -s /tmp/out ]; do sleep 0.05; done']);
  const id = s.ok(['container', 'commit', 'busy']);
  assert.equal(s.ok(['inspect', '--format', '{{.State.Status}}', 'busy']), 'running');
  const [img] = JSON.parse(s.ok(['image', 'inspect', id]));
  assert.deepEqual(img.RepoTags, []);
  assert.deepEqual(img.Config.Cmd, ['sh', '-c', 'echo $GREETING > /tmp/out; sleep 1000']);
  assert.equal(img.Config.WorkingDir, '/tmp');
  assert.ok(img.Config.Env.includes('GREETING=hi'));
  assert.equal(s.ok(['run', '--rm', id, 'cat', 'out']), 'hi');
  const events = s.ok(['events', '--stream=false', '--filter', 'container=busy', '--format', '{{.Status}}']).split('\n');
  assert.deepEqual(events.filter((e) => ['pause', 'unpause', 'commit'].includes(e)), ['pause', 'unpause', 'commit']);
  s.ok(['commit', '--pause=false', 'busy', 'busy-nopause']);
  s.ok(['rm', '-f', 'busy']);
});

test('export writes the merged filesystem as one flat tar', () => {
  const out = join(s.dir, 'changed.tar');
  s.ok(['export', '-o', out, 'changed']);
  const names = execFileSync('tar', ['-tf', out]).toString().split('\n');
  for (const n of ['etc/new', 'srv/a/f', 'bin/busybox', 'etc/passwd']) assert.ok(names.includes(n), n);
  assert.ok(!names.includes('etc/group') && !names.some((n) => n.includes('.wh.')), 'deleted files and whiteouts are not exported');
  assert.equal(execFileSync('tar', ['-xOf', out, 'etc/new']).toString(), 'new\n');
  // To stdout (not a terminal here), and from a running container.
  s.ok(['run', '-d', '--name', 'exp', 'busybox', 'sh', '-c', 'echo live > /live; sleep 1000']);
  s.ok(['exec', 'exp', 'sh', '-c', 'while [ ! -s /live ]; do sleep 0.05; done']);
  const tar = execFileSync(HUSK, [...s.globals, 'export', 'exp'], { maxBuffer: 64 << 20 });
  assert.equal(execFileSync('tar', ['-xOf', '-', 'live'], { input: tar }).toString(), 'live\n');
  s.ok(['rm', '-f', 'exp']);
  assert.equal(s.husk(['export', 'ghost']).code, 125);
});

test('container mount keeps the rootfs mounted until unmount', () => {
  const id = s.ok(['create', '--name', 'mnt', 'busybox', 'true']);
  s.ok(['cp', join(s.dir, 'changed.tar'), 'mnt:/in.tar']);
  const path = s.ok(['container', 'mount', 'mnt']);
  assert.ok(overlayMounts().includes(path));
  assert.ok(fs.existsSync(join(path, 'in.tar')) && fs.existsSync(join(path, 'bin/busybox')));
  fs.writeFileSync(join(path, 'via-mount'), 'm\n');
  assert.equal(s.ok(['container', 'mount', 'mnt']), path, 'mounting again gives the same path');
  assert.equal(s.ok(['container', 'mount']), `${id.slice(0, 12)}  ${path}`);
  assert.match(s.ok(['diff', 'mnt']), /^A \/via-mount$/m);
  assert.equal(s.ok(['container', 'unmount', 'mnt']), id);
  assert.ok(!overlayMounts().includes(path));
  assert.equal(s.ok(['container', 'mount']), '');
  assert.equal(s.ok(['container', 'umount', 'mnt']), id, 'unmounting an unmounted container is fine');
  // A running container is already mounted and stays so.
  s.ok(['run', '-d', '--name', 'mrun', 'busybox', 'sleep', '1000']);
  assert.ok(fs.existsSync(join(s.ok(['container', 'mount', 'mrun']), 'bin/busybox')));
  assert.equal(s.husk(['container', 'unmount', 'mrun']).code, 125);
  s.ok(['rm', '-f', 'mrun']);
  // rm of a mounted container unmounts it.
  s.ok(['container', 'mount', 'mnt']);
  s.ok(['rm', 'mnt']);
  assert.ok(!overlayMounts().includes(path));
});
