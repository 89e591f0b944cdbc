// system df / prune / check / renumber / reset with real containers, compared
// with Podman's 320-system-df.bats, 331-system-check.bats, 760-system-renumber.bats
// and cmd/podman/system/{df,prune,reset,check}.go (layout, prompts, exit codes).
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Store, until } from '../helpers.ts';

const s = new Store();
after(() => s.destroyWhenIdle());

test('system df on a store with one image: Podman\'s summary table', () => {
  s.busybox();
  const out = s.ok(['system', 'df']);
  assert.match(out, /^TYPE +TOTAL +ACTIVE +SIZE +RECLAIMABLE\n/);
  assert.match(out, /\nImages +1 +0 +[\d.]+[kM]B +[\d.]+[kM]B \(100%\)\n/);
  assert.match(out, /\nContainers +0 +0 +0B +0B \(0%\)\n/);
  assert.match(out, /\nLocal Volumes +0 +0 +0B +0B \(0%\)$/);
});

test('system df with active containers and volumes: --format, -v, json (320-system-df.bats)', () => {
  s.ok(['run', '-v', '/myvol1', '--name', 'c1', 'busybox', 'sh', '-c', 'head -c 100000 /dev/zero > /blob']);
  s.ok(['run', '-d', '-v', '/myvol2', '--name', 'c2', 'busybox', 'sh', '-c', 'while ! test -e /stop; do sleep 0.1; done']);
  assert.equal(s.ok(['system', 'df', '--format', '{{ .Type }}:{{ .Total }}:{{ .Active }}--']).replace(/\n/g, ''),
    'Images:1:1--Containers:2:1--Local Volumes:2:1--');
  // bats `lines` skips empty lines; so does this.
  const lines = s.ok(['system', 'df', '-v']).split('\n').filter((l) => l.trim());
  assert.equal(lines[0], 'Images space usage:');
  assert.match(lines[1], /^REPOSITORY +TAG +IMAGE ID +CREATED +SIZE +SHARED SIZE +UNIQUE SIZE +CONTAINERS$/);
  assert.match(lines[2], /^localhost\/busybox +latest +[0-9a-f]{12} .* 2$/);
  assert.equal(lines[3], 'Containers space usage:');
  assert.match(lines[5], /^[0-9a-f]{12} +[0-9a-f]{12} .* 1 .* c[12]$/);
  assert.match(lines[6], /^[0-9a-f]{12} +[0-9a-f]{12} .* 1 .* c[12]$/);
  // c1 wrote 100 kB into its own layer.
  assert.match(lines.find((l) => / c1$/.test(l))!, / 100kB /);
  assert.equal(lines[7], 'Local Volumes space usage:');
  assert.match(lines[9], /^[0-9a-f]{64} +[01] +0B$/);
  assert.match(lines[10], /^[0-9a-f]{64} +[01] +0B$/);
  const json = JSON.parse(s.ok(['system', 'df', '--format', 'json']));
  assert.deepEqual(json.map((r: { Type: string }) => r.Type), ['Images', 'Containers', 'Local Volumes']);
  assert.equal(json[1].RawSize, 100000);
  assert.equal(json[1].Reclaimable, '100kB (100%)');
  const both = s.husk(['system', 'df', '-v', '--format', 'json']);
  assert.equal(both.code, 125);
  assert.equal(both.stderr, 'Error: cannot combine --format and --verbose flags\n');
});

test('system prune: prompt (no answer: nothing; EOF: 125), -f removes stopped containers, --volumes, -a images', () => {
  const no = s.husk(['system', 'prune'], { input: 'n\n' });
  assert.equal(no.code, 0);
  assert.match(no.stdout, /^WARNING! This command removes:\n\t- all stopped containers\n\t- all networks not used by at least one container\n\t- all dangling images\n\t- all dangling build cache\n\nAre you sure you want to continue\? \[y\/N\] $/);
  assert.equal(s.husk(['container', 'exists', 'c1']).code, 0, 'nothing removed');
  const eof = s.husk(['system', 'prune']);
  assert.equal(eof.code, 125);
  assert.match(eof.stderr, /Error: EOF/);
  const c1 = s.ok(['inspect', '--format', '{{.Id}}', 'c1']);
  s.ok(['volume', 'create', 'unused']);
  const yes = s.husk(['system', 'prune'], { input: 'y\n' });
  assert.equal(yes.code, 0, yes.stderr);
  assert.match(yes.stdout, new RegExp(`\\[y/N\\] Deleted Containers\\n${c1}\\nTotal reclaimed space: 100kB\\n$`));
  assert.equal(s.husk(['container', 'exists', 'c2']).code, 0, 'the running one stays');
  assert.equal(s.husk(['volume', 'exists', 'unused']).code, 0, 'volumes only with --volumes');
  const vols = s.ok(['system', 'prune', '-f', '--volumes']);
  assert.match(vols, /^Deleted Volumes\n(?:[0-9a-f]{64}\n)?unused\nTotal reclaimed space: 0B$/);
  assert.equal(s.husk(['volume', 'exists', 'unused']).code, 1);
  // -a: the image stays while c2 uses it, and goes with c2.
  assert.doesNotMatch(s.ok(['system', 'prune', '-af']), /Deleted Images/);
  s.ok(['rm', '-f', '-t', '0', 'c2']);
  assert.match(s.ok(['system', 'prune', '-af']), /Deleted Images\n[0-9a-f]{64}\nTotal reclaimed space: [\d.]+MB$/);
  assert.equal(s.ok(['images', '-q']), '');
});

test('system check: clean store, unaccounted layer dir, image with a missing layer and its container (331-system-check.bats)', () => {
  s.busybox();
  assert.equal(s.husk(['system', 'check']).code, 0);
  const stray = join(s.root, 'overlay', 'a'.repeat(64));
  mkdirSync(join(stray, 'diff'), { recursive: true });
  let r = s.husk(['system', 'check']);
  assert.equal(r.code, 125);
  assert.match(r.stdout, /layer in lower level storage driver not accounted for/);
  assert.equal(r.stderr, 'Error: damage detected in local storage\n');
  r = s.husk(['system', 'check', '-r']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`Deleted damaged layer: ${'a'.repeat(64)}`));
  assert.ok(!existsSync(stray));
  assert.equal(s.husk(['system', 'check']).code, 0);

  s.ok(['create', '--name', 'user', 'busybox', 'true']);
  const layer = readdirSync(join(s.root, 'overlay'))[0];
  rmSync(join(s.root, 'overlay', layer), { recursive: true });
  r = s.husk(['system', 'check']);
  assert.equal(r.code, 125);
  assert.match(r.stdout, /image layer is missing/);
  // -r alone would leave the container without its image: refused, damage stays.
  r = s.husk(['system', 'check', '-r']);
  assert.equal(r.code, 125);
  assert.equal(r.stderr, 'Error: damage in local storage still present after repair attempt\n');
  assert.equal(s.husk(['container', 'exists', 'user']).code, 0);
  r = s.husk(['system', 'check', '-r', '-f']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /Deleted damaged image: [0-9a-f]{64}\n/);
  assert.match(r.stdout, /Deleted damaged container: [0-9a-f]{64}\n/);
  assert.equal(s.husk(['container', 'exists', 'user']).code, 1);
  assert.equal(s.husk(['system', 'check']).code, 0);
});

test('system renumber: no output, exit 0 (760-system-renumber.bats)', () => {
  assert.equal(s.ok(['volume', 'create', 'test']), 'test');
  const r = s.husk(['system', 'renumber']);
  assert.deepEqual([r.code, r.stdout, r.stderr], [0, '', '']);
  assert.equal(s.ok(['volume', 'rm', 'test']), 'test');
});

test('system reset: prompt (n: nothing, EOF: exit 1); -f removes everything, the store directories included', async () => {
  s.busybox();
  s.ok(['run', '-d', '--name', 'r1', '-v', 'v1:/data', 'busybox', 'sleep', '100']);
  s.ok(['volume', 'create', '--opt', 'type=tmpfs', '--opt', 'device=tmpfs', 'tv']);
  s.ok(['run', '-d', '-v', 'tv:/t', 'busybox', 'sleep', '100']);
  s.ok(['pod', 'create', '--name', 'p']);
  s.ok(['network', 'create', 'n1']);
  const no = s.husk(['system', 'reset'], { input: 'n\n' });
  assert.equal(no.code, 0);
  assert.match(no.stdout, /^WARNING! This will remove:\n {8}- all containers\n[^]*- the graphRoot directory: ".*root"\n {8}- the runRoot directory: ".*run"\nAre you sure you want to continue\? \[y\/N\] $/);
  assert.equal(s.husk(['container', 'exists', 'r1']).code, 0);
  assert.equal(s.husk(['system', 'reset']).code, 1, 'EOF at the prompt');
  const r = s.husk(['system', 'reset', '--force']);
  assert.equal(r.code, 0, r.stderr);
  assert.ok(!existsSync(s.root) && !existsSync(s.runroot), 'graph root and run root are gone');
  assert.ok(!readFileSync('/proc/mounts', 'utf8').includes(s.dir), 'nothing of the store stays mounted');
  await until(() => !readdirSync('/proc').some((p) => /^\d+$/.test(p) && (() => { try { return readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(s.dir); } catch { return false; } })()));
  // A fresh store afterwards: husk works on it as on a new machine.
  assert.equal(s.ok(['ps', '-aq']), '');
  assert.equal(s.ok(['images', '-q']), '');
  assert.deepEqual(s.ok(['network', 'ls', '--format', '{{.Name}}']).split('\n'), ['podman']);
});
