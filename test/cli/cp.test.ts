// `husk cp` both ways, with tar streams, for running and stopped containers,
// and against containers whose symlinks try to reach host files.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { join } from 'node:path';
import { HUSK, Store, overlayMounts } from '../helpers.ts';

const s = new Store();
const host = join(s.dir, 'host');
let liveId = '';

/** husk with binary stdin/stdout (tar streams). */
function raw(args: string[], input?: Buffer): { code: number; stdout: Buffer; stderr: string } {
  const r = spawnSync(HUSK, [...s.globals, ...args], { input: input ?? Buffer.alloc(0), timeout: 60_000 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr.toString() };
}

const inCtr = (ctr: string, script: string) => s.ok(['exec', ctr, 'sh', '-c', script]);
const tarList = (tar: Buffer) => execFileSync('tar', ['-tvf', '-', '--numeric-owner'], { input: tar }).toString().trim().split('\n');
const mountsOf = (id: string) => overlayMounts().filter((m) => m.includes(id));

before(() => {
  s.busybox();
  liveId = s.ok(['run', '-d', '--name', 'live', 'busybox', 'sleep', '1000']);
  fs.mkdirSync(join(host, 'tree/sub'), { recursive: true });
  fs.writeFileSync(join(host, 'tree/sub/f'), 'deep\n');
  fs.writeFileSync(join(host, 'tree/top'), 'top\n');
  fs.symlinkSync('sub/f', join(host, 'tree/link'));
  fs.writeFileSync(join(host, 'file'), 'from host\n');
  fs.chmodSync(join(host, 'file'), 0o750);
  fs.chownSync(join(host, 'file'), 1234, 1234);
});
after(() => s.destroy());

test('host to a running container: files, directories, DIR/. and ownership', () => {
  s.ok(['cp', join(host, 'file'), 'live:/tmp']); // into an existing dir
  s.ok(['cp', join(host, 'file'), 'live:/tmp/renamed']); // a new name
  s.ok(['cp', join(host, 'tree'), 'live:/tmp']); // a dir into a dir keeps its name
  s.ok(['cp', join(host, 'tree'), 'live:/tmp/newtree']); // a dir to a new name is the copy
  s.ok(['cp', `${join(host, 'tree')}/.`, 'live:/tmp/newtree']); // contents into an existing dir
  s.ok(['cp', '--archive=false', join(host, 'file'), 'live:/tmp/kept-owner']);
  assert.equal(inCtr('live', 'cat /tmp/file /tmp/renamed /tmp/tree/sub/f /tmp/newtree/top /tmp/newtree/sub/f'), 'from host\nfrom host\ndeep\ntop\ndeep');
  assert.equal(inCtr('live', 'stat -c "%a %u:%g" /tmp/file /tmp/kept-owner'), '750 0:0\n750 1234:1234');
  assert.equal(inCtr('live', 'readlink /tmp/tree/link; test -d /tmp/newtree/tree || echo no-nesting'), 'sub/f\nno-nesting');
});

test('a running container to the host: modes, ownership and names as in the container', () => {
  inCtr('live', 'mkdir -p /out/d && echo data > /out/d/x && chown -R 1000:1000 /out/d && chmod 700 /out/d && ln -s /etc/passwd /out/lnk');
  const dest = join(s.dir, 'from-live');
  fs.mkdirSync(dest);
  s.ok(['cp', 'live:/out/d', dest]);
  s.ok(['cp', 'live:/out/d/x', join(dest, 'copy-of-x')]);
  s.ok(['cp', 'live:/etc/hostname', dest]); // the generated file the container sees
  s.ok(['cp', 'live:/out/lnk', dest]); // Podman copies a symlink's target, under the target's name
  const st = fs.statSync(join(dest, 'd'));
  assert.deepEqual([st.mode & 0o7777, st.uid, st.gid], [0o700, 1000, 1000]);
  assert.equal(fs.readFileSync(join(dest, 'd/x'), 'utf8'), 'data\n');
  assert.equal(fs.readFileSync(join(dest, 'copy-of-x'), 'utf8'), 'data\n');
  assert.equal(fs.readFileSync(join(dest, 'hostname'), 'utf8'), `${liveId.slice(0, 12)}\n`);
  assert.equal(fs.readFileSync(join(dest, 'passwd'), 'utf8'), inCtr('live', 'cat /etc/passwd') + '\n');
});

test('"-" streams a tar to stdout and extracts one from stdin', () => {
  inCtr('live', 'mkdir -p /s/in && echo 1 > /s/in/one');
  const out = raw(['cp', 'live:/s', '-']);
  assert.equal(out.code, 0, out.stderr);
  assert.deepEqual(tarList(out.stdout).map((l) => l.split(/\s+/).at(-1)), ['s/', 's/in/', 's/in/one']);
  assert.deepEqual(tarList(raw(['cp', 'live:/s/.', '-']).stdout).map((l) => l.split(/\s+/).at(-1)), ['in/', 'in/one']);

  const tar = execFileSync('tar', ['-cf', '-', '-C', host, 'tree']);
  const gz = execFileSync('gzip', ['-c'], { input: tar });
  assert.equal(raw(['cp', '-', 'live:/s'], tar).code, 0);
  assert.equal(raw(['cp', '-', 'live:/s/in'], gz).code, 0);
  assert.equal(inCtr('live', 'cat /s/tree/sub/f /s/in/tree/top; stat -c %u /s/tree/top'), 'deep\ntop\n0');
  const bad = raw(['cp', '-', 'live:/s/in/one'], tar);
  assert.equal(bad.code, 125);
  assert.match(bad.stderr, /destination must be a directory when copying from stdin/);
});

test('stopped containers are mounted for the copy and unmounted after', () => {
  const id = s.ok(['create', '--name', 'cold', 'busybox', 'cat', '/copied/file']);
  s.ok(['cp', join(host, 'file'), 'cold:/copied']); // /copied does not exist: the file is named so
  const r = s.husk(['cp', join(host, 'file'), 'cold:/copied/file']);
  assert.equal(r.code, 125, 'the parent /copied is a file now');
  s.ok(['cp', join(host, 'tree'), 'cold:/copied-tree']);
  assert.deepEqual(mountsOf(id), []);
  const out = join(s.dir, 'from-cold');
  s.ok(['cp', 'cold:/copied-tree', out]);
  assert.equal(fs.readFileSync(join(out, 'sub/f'), 'utf8'), 'deep\n');
  assert.deepEqual(mountsOf(id), []);
  // And after it ran and exited.
  s.ok(['rm', 'cold']);
  s.ok(['run', '--name', 'exited', 'busybox', 'sh', '-c', 'echo made > /made']);
  s.ok(['cp', 'exited:/made', join(s.dir, 'made')]);
  assert.equal(fs.readFileSync(join(s.dir, 'made'), 'utf8'), 'made\n');
  s.ok(['cp', join(host, 'file'), 'exited:/made']);
  s.ok(['start', 'exited']);
  assert.equal(s.ok(['wait', 'exited']), '0');
});

test('symlinks in the container never lead to host files, running or stopped', () => {
  assert.ok(!fs.existsSync('/pwned') && !fs.existsSync('/husk-escape'), 'precondition: the host has no /pwned');
  for (const ctr of ['live', 'evil-stopped']) {
    if (ctr === 'evil-stopped') s.ok(['run', '--name', ctr, 'busybox', 'sh', '-c', 'ln -s / /etc/evil; ln -s ../../../.. /tmp/up; mkdir /target; ln -s / /target/link']);
    else inCtr(ctr, 'ln -s / /etc/evil; ln -s ../../../.. /tmp/up; mkdir /target; ln -s / /target/link');
    s.ok(['cp', join(host, 'file'), `${ctr}:/etc/evil/pwned`]);
    assert.ok(!fs.existsSync('/pwned'), 'a file was written on the host');
    // It landed at the container's own root instead.
    const out = join(s.dir, `pwned-${ctr}`);
    s.ok(['cp', `${ctr}:/pwned`, out]);
    assert.equal(fs.readFileSync(out, 'utf8'), 'from host\n');

    // busybox has no /etc/shadow: the host's must not be found through ../../../..
    const shadow = join(s.dir, `shadow-${ctr}`);
    const r = s.husk(['cp', `${ctr}:/tmp/up/etc/shadow`, shadow]);
    assert.equal(r.code, 125);
    assert.match(r.stderr, /could not be found on container/);
    assert.ok(!fs.existsSync(shadow));
    const passwd = join(s.dir, `passwd-${ctr}`);
    s.ok(['cp', `${ctr}:/tmp/up/etc/passwd`, passwd]);
    assert.equal(fs.readFileSync(passwd, 'utf8'), `${s.ok(['run', '--rm', 'busybox', 'cat', '/etc/passwd'])}\n`);
    assert.notEqual(fs.readFileSync(passwd, 'utf8'), fs.readFileSync('/etc/passwd', 'utf8'));

    // A directory copied over a symlink below the destination is refused, not followed.
    fs.mkdirSync(join(s.dir, 'target/link'), { recursive: true });
    fs.writeFileSync(join(s.dir, 'target/link/husk-escape'), 'x');
    const over = s.husk(['cp', join(s.dir, 'target'), `${ctr}:/`]);
    assert.equal(over.code, 125);
    assert.match(over.stderr, /cannot overwrite non-directory "\/target\/link" with directory/);
    assert.ok(!fs.existsSync('/husk-escape'));
  }
});

test('bad arguments and missing paths exit 125 and write nothing', () => {
  const cases: [string[], RegExp][] = [
    [['cp', 'live:/nope', s.dir], /"\/nope" could not be found on container live: no such file or directory/],
    [['cp', join(host, 'file'), 'live:/no/such/dir/file'], /"\/no\/such\/dir\/file" could not be found on container live/],
    [['cp', join(host, 'file'), 'live:/newdir/'], /could not be found on container live/],
    [['cp', join(host, 'nope'), 'live:/tmp'], /could not be found on the host/],
    [['cp', 'live:/etc/passwd', join(s.dir, 'no/such/x')], /could not be found on the host/],
    [['cp', join(host, 'tree'), 'live:/etc/passwd'], /destination must be a directory when copying a directory/],
    [['cp', join(host, 'file'), join(s.dir, 'x')], /you must use just one container/],
    [['cp', join(host, 'file'), 'ghost:/tmp'], /no container with name or ID "ghost" found/],
    [['cp', join(host, 'file')], /requires exactly 2 arguments/],
  ];
  for (const [args, msg] of cases) {
    const r = s.husk(args);
    assert.equal(r.code, 125, args.join(' '));
    assert.match(r.stderr, msg, args.join(' '));
  }
  assert.equal(inCtr('live', 'ls -d /no /newdir 2>/dev/null; echo end'), 'end');
  assert.ok(!fs.existsSync(join(s.dir, 'no')));
});

test('paths under volumes and bind mounts go to their host directories', () => {
  const bind = join(s.dir, 'bind');
  fs.mkdirSync(bind);
  s.ok(['run', '-d', '--name', 'vols', '-v', 'cpvol:/data', '-v', `${bind}:/b`, '-v', `${host}:/ro:ro`, 'busybox', 'sleep', '1000']);
  s.ok(['cp', join(host, 'file'), 'vols:/data/f']);
  s.ok(['cp', join(host, 'tree'), 'vols:/b']);
  assert.equal(inCtr('vols', 'cat /data/f /b/tree/top'), 'from host\ntop');
  assert.equal(fs.readFileSync(join(bind, 'tree/top'), 'utf8'), 'top\n');
  inCtr('vols', 'echo v > /data/made-inside');
  s.ok(['cp', 'vols:/data/made-inside', join(s.dir, 'made-inside')]);
  assert.equal(fs.readFileSync(join(s.dir, 'made-inside'), 'utf8'), 'v\n');
  const ro = s.husk(['cp', join(host, 'file'), 'vols:/ro/x']);
  assert.equal(ro.code, 125);
  assert.match(ro.stderr, /read-only mount/);
  s.ok(['rm', '-f', 'vols']);
});

test('a tmpfs mount of a running container: copied into and out of, symlinks resolved as the container sees them, never to the host', () => {
  s.ok(['run', '-d', '--name', 'tmpfsed', '--tmpfs', '/scratch', 'busybox', 'sleep', '1000']);
  try {
    fs.writeFileSync(join(host, 'note'), 'into tmpfs\n');
    s.ok(['cp', join(host, 'note'), 'tmpfsed:/scratch/']);
    assert.equal(inCtr('tmpfsed', 'cat /scratch/note; grep -c " /scratch tmpfs" /proc/mounts'), 'into tmpfs\n1');
    // The file is in the tmpfs only: not in the container's overlay upper directory.
    assert.ok(!execFileSync('find', [join(s.dir, 'root'), '-name', 'note']).toString().trim(), 'not written below the overlay');
    inCtr('tmpfsed', 'mkdir /scratch/d && echo made-inside > /scratch/d/f && ln -s /etc /scratch/etc-link && ln -s /../../../../../../tmp /scratch/up');
    const out = join(host, 'fromtmpfs');
    s.ok(['cp', 'tmpfsed:/scratch/d', out]);
    assert.equal(fs.readFileSync(join(out, 'f'), 'utf8'), 'made-inside\n');
    // An absolute link inside the tmpfs leads to the container's /etc, not the host's.
    s.ok(['cp', join(host, 'note'), 'tmpfsed:/scratch/etc-link/']);
    assert.equal(inCtr('tmpfsed', 'cat /etc/note'), 'into tmpfs');
    assert.ok(!fs.existsSync('/etc/note'));
    // A link climbing out stays in the container's root: its /tmp, never the host's.
    const marker = `husk-cp-tmpfs-${process.pid}`;
    fs.writeFileSync(join(host, marker), 'x\n');
    s.ok(['cp', join(host, marker), 'tmpfsed:/scratch/up/']);
    assert.equal(inCtr('tmpfsed', `cat /tmp/${marker}`), 'x');
    assert.ok(!fs.existsSync(join('/tmp', marker)), 'nothing written to the host\'s /tmp');
  } finally {
    s.husk(['rm', '-f', '-t', '0', 'tmpfsed']);
  }
});

test('a tmpfs mount of a created container: the copy lands in the image\'s directory and is copied up into the tmpfs at start (tmpcopyup, Podman\'s default)', () => {
  fs.writeFileSync(join(host, 'early'), 'before start\n');
  s.ok(['create', '--name', 'tmpfs-created', '--mount', 'type=tmpfs,dst=/tmp', 'busybox', 'sleep', '1000']);
  try {
    s.ok(['cp', join(host, 'early'), 'tmpfs-created:/tmp']);
    s.ok(['start', 'tmpfs-created']);
    assert.equal(inCtr('tmpfs-created', 'cat /tmp/early; grep -c " /tmp tmpfs" /proc/mounts'), 'before start\n1');
  } finally {
    s.husk(['rm', '-f', '-t', '0', 'tmpfs-created']);
  }
  // notmpcopyup: the tmpfs starts empty.
  assert.equal(s.ok(['run', '--rm', '--tmpfs', '/etc:notmpcopyup', 'busybox', 'ls', '-A', '/etc']).split('\n').filter((f) => !['hosts', 'hostname', 'resolv.conf', 'passwd', 'group'].includes(f)).join(','), '');
});
