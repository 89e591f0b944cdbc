// mount and image mount listings as Podman prints them (060-mount.bats,
// podman-mount.1.md, podman-image-mount.1.md; checked against Podman 4.3):
// ID and mount point through its tabwriter, --notruncate/--no-trunc, the json
// shape, and the `unknown --format argument` error.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Store } from '../helpers.ts';

const s = new Store();
before(() => s.busybox());
after(() => s.destroyWhenIdle());

test('mount: the mount point; no argument lists "ID  PATH" (12 hex, or 64 with --notruncate/--no-trunc); json; a non-json --format is refused', () => {
  s.ok(['run', '--name', 'mnt', 'busybox', 'sh', '-c', 'echo hello > /tmp/f']);
  const id = s.ok(['inspect', '--format', '{{.Id}}', 'mnt']);
  const path = s.ok(['mount', 'mnt']);
  assert.equal(readFileSync(join(path, 'tmp/f'), 'utf8'), 'hello\n');
  // Podman's report writer: minwidth 12, padding 2, so two spaces after a 12-character ID.
  assert.equal(s.husk(['mount']).stdout, `${id.slice(0, 12)}  ${path}\n`);
  for (const flag of ['--notruncate', '--no-trunc']) {
    const out = s.husk(['mount', flag]).stdout;
    assert.equal(out, `${id}  ${path}\n`, flag);
    assert.equal(out.split(/\s+/)[1], path, `awk '{print $2}' gives the mount point (060-mount.bats, ${flag})`);
  }
  assert.equal(s.husk(['mount', '--format', 'json']).stdout, `[\n {\n  "id": "${id}",\n  "Names": [\n   "mnt"\n  ],\n  "mountpoint": "${path}"\n }\n]\n`);
  const bad = s.husk(['mount', '--format', '{{.ID}}']);
  assert.deepEqual([bad.code, bad.stderr], [125, 'Error: unknown --format argument: "{{.ID}}"\n']);
  assert.ok(!s.husk(['mount', '--help']).stdout.includes('--notruncate'), 'the old spelling is taken but not advertised');
  s.ok(['umount', 'mnt']);
  assert.ok(!existsSync(join(path, 'tmp/f')), 'gone after umount');
  assert.equal(s.husk(['mount']).stdout, '');
});

test('image mount: the mount point for one image; otherwise "NAME  PATH" rows (the first name, else the full ID), one per image asked for; json with Names = the digest', () => {
  const iid = s.ok(['image', 'inspect', '--format', '{{.Id}}', 'busybox']);
  const digest = s.ok(['image', 'inspect', '--format', '{{.Digest}}', 'busybox']);
  const path = s.ok(['image', 'mount', 'busybox']);
  assert.ok(existsSync(join(path, 'bin/busybox')));
  // 060-mount.bats: is "$output" "$IMAGE *$mount_path"
  assert.equal(s.husk(['image', 'mount']).stdout, `localhost/busybox:latest  ${path}\n`);
  assert.equal(s.husk(['image', 'mount', 'busybox', iid]).stdout, `localhost/busybox:latest  ${path}\n`.repeat(2));
  assert.equal(s.husk(['image', 'mount', '--format', 'json']).stdout,
    `[\n {\n  "id": "${iid}",\n  "Names": [\n   "${digest}"\n  ],\n  "Repositories": [\n   "localhost/busybox:latest"\n  ],\n  "mountpoint": "${path}"\n }\n]\n`);
  // An image without a name: its full ID.
  s.ok(['tag', 'busybox', 'other:1']);
  s.ok(['untag', 'busybox', 'localhost/busybox:latest']);
  assert.equal(s.husk(['image', 'mount']).stdout, `localhost/other:1  ${path}\n`);
  s.ok(['untag', iid]);
  assert.equal(s.husk(['image', 'mount']).stdout, `${iid}  ${path}\n`);
  const all = s.husk(['image', 'mount', '--all', iid]);
  assert.deepEqual([all.code, all.stderr], [125, 'Error: when using the --all switch, you may not pass any image names or IDs\n']);
  const bad = s.husk(['image', 'mount', '--format', 'table']);
  assert.deepEqual([bad.code, bad.stderr], [125, 'Error: unknown --format argument: "table"\n']);
  assert.equal(s.ok(['image', 'umount', iid]), iid, 'image umount prints the image ID (060-mount.bats)');
  assert.equal(s.husk(['image', 'mount']).stdout, '', 'nothing listed after umount');
  s.ok(['tag', iid, 'busybox']);
});
