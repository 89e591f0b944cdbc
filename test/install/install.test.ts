// An install every user can run: a copy of this checkout in a 0700
// directory (as root's home is), built there and installed by
// scripts/install.sh, runs rootless containers for a new unprivileged user;
// and `npm run package`'s .deb carries the same files and set-up's runtime
// dependencies. Nothing is installed into the machine's own /usr/local: the
// install goes to a temporary prefix, and the .deb is checked by apt's
// simulation and by running husk from its extracted files.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, realpathSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { FIXTURES, REPO, Store, TestUser } from '../helpers.ts';

const root = process.getuid?.() === 0;
const opts = { skip: root ? false : 'needs root (creates users)' };
let work: string; // 0700: the private clone lives here
let pub: string; // 0755: install prefix, the image tarball, the extracted .deb
let clone: string;
let user: TestUser;

/** Runs a command that must succeed; returns stdout. */
function run(cmd: string, args: string[], o: { cwd?: string; env?: Record<string, string> } = {}): string {
  const r = spawnSync(cmd, args, { cwd: o.cwd, env: { ...process.env, ...o.env }, encoding: 'utf8', maxBuffer: 64 << 20, timeout: 600_000 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return r.stdout;
}

/** Every file and directory under dir (not following links), with its mode. */
function walk(dir: string, out: { path: string; mode: number; dir: boolean }[] = []) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    const st = lstatSync(p);
    if (st.isSymbolicLink()) continue;
    out.push({ path: p, mode: st.mode & 0o7777, dir: st.isDirectory() });
    if (st.isDirectory()) walk(p, out);
  }
  return out;
}

before(() => {
  if (!root) return;
  work = mkdtempSync('/var/tmp/husk-private-');
  chmodSync(work, 0o700);
  pub = mkdtempSync('/var/tmp/husk-public-');
  chmodSync(pub, 0o755);
  // The checkout as a commit of it would be (tracked and new files, not
  // ignored ones), with node_modules as `npm ci` leaves it (hard links).
  clone = join(work, 'husk');
  mkdirSync(clone);
  const files = execFileSync('git', ['-C', REPO, 'ls-files', '-z', '-c', '-o', '--exclude-standard']);
  execFileSync('sh', ['-c', `tar -C "${REPO}" --null -T - -cf - | tar -C "${clone}" -xf -`], { input: files });
  run('cp', ['-Rl', realpathSync(join(REPO, 'node_modules')), join(clone, 'node_modules')]);
  run(join(clone, 'node_modules/node/bin/node'), ['scripts/build.mjs'], { cwd: clone });
  copyFileSync(join(FIXTURES, 'busybox-rootfs.tar'), join(pub, 'busybox.tar'));
  chmodSync(join(pub, 'busybox.tar'), 0o644);
  user = new TestUser(`huskinst${process.pid % 10000}`);
});

after(() => {
  if (!root) return;
  user?.remove();
  rmSync(work, { recursive: true, force: true });
  rmSync(pub, { recursive: true, force: true });
});

test('a checkout in a 0700 directory is unusable for other users; its install is not', opts, () => {
  // The premise: the clone's own launcher is out of the user's reach.
  const direct = user.run([join(clone, 'bin/husk'), '--version']);
  assert.notEqual(direct.code, 0);

  const lib = join(pub, 'lib/husk');
  const link = join(pub, 'bin/husk');
  run('sh', [join(clone, 'scripts/install.sh'), lib, link]);
  assert.equal(readlinkSync(link), join(lib, 'bin/husk'));
  assert.equal(statSync(lib).mode & 0o777, 0o755);
  for (const f of walk(lib)) {
    const mode = f.mode.toString(8);
    assert.ok(f.mode & 0o004, `${f.path} (${mode}) is not readable by others`);
    if (f.dir || f.mode & 0o100) assert.ok(f.mode & 0o001, `${f.path} (${mode}) cannot be entered or run by others`);
    assert.equal(f.mode & 0o022, 0, `${f.path} (${mode}) is writable by others`);
  }
  // Self-contained: the pinned Node, the bundle, the native helpers, no sources.
  for (const f of ['node_modules/node/bin/node', 'dist/husk.cjs', 'native/build/husk.node', 'native/build/husk-ns', 'native/build/husk-crun', 'package.json']) {
    assert.ok(statSync(join(lib, f)).isFile(), f);
  }
  assert.ok(!readdirSync(lib).includes('src'));

  // A new unprivileged user: rootless, from the installed copy.
  const version = (JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string }).version;
  assert.ok(user.run([link, '--version']).stdout.includes(version));
  const imp = user.run([link, 'import', join(pub, 'busybox.tar'), 'busybox']);
  assert.equal(imp.code, 0, imp.stderr);
  const r = user.run([link, 'run', '--rm', 'busybox', 'true']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(user.run([link, 'run', '--rm', 'busybox', 'id', '-u']).stdout.trim(), '0');
  assert.equal(user.run([link, 'info', '--format', '{{.Host.OCIRuntime.Name}}']).stdout.trim(), 'crun');

  // Root uses the same install, with crun's wrapper from it where needed.
  const s = new Store();
  try {
    const h = (args: string[]) => run(link, [...s.globals, ...args]);
    h(['import', join(pub, 'busybox.tar'), 'busybox']);
    assert.equal(h(['run', '--rm', 'busybox', 'echo', 'hi']).trim(), 'hi');
    const rt = JSON.parse(h(['info', '--format', '{{json .Host.OCIRuntime}}'])) as { wrapper?: string };
    if (rt.wrapper) assert.equal(rt.wrapper, join(lib, 'native/build/husk-crun'));
  } finally {
    s.destroy();
  }

  // Installing again replaces the copy in one rename.
  run('sh', [join(clone, 'scripts/install.sh'), lib, link]);
  assert.equal(user.run([link, 'run', '--rm', 'busybox', 'true']).code, 0);
  assert.deepEqual(readdirSync(join(pub, 'lib')), ['husk']);
});

test('npm run package: a .deb with the install, set-up\'s runtime packages as Depends, that apt accepts and that runs', opts, () => {
  const out = join(work, 'deb');
  run('npm', ['run', '-s', 'package', '--', out], { cwd: clone, env: { PATH: `${join(clone, 'node_modules/node/bin')}:${process.env.PATH}` } });
  const debs = readdirSync(out).filter((f) => f.endsWith('.deb'));
  assert.equal(debs.length, 1);
  const deb = join(out, debs[0]!);
  const version = (JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string }).version;
  assert.equal(debs[0], `husk_${version}_${run('dpkg', ['--print-architecture']).trim()}.deb`);

  const field = (f: string) => run('dpkg-deb', ['-f', deb, f]).trim();
  assert.equal(field('Package'), 'husk');
  assert.equal(field('Version'), version);
  // Every dependency is one set-up installs; the engine's own helpers are all there.
  const setup = readFileSync(join(REPO, 'scripts/setup.sh'), 'utf8');
  const packages = /^PACKAGES="([^"]*)"/m.exec(setup)![1]!.split(/\s+/);
  const depends = field('Depends').split(/,\s*/).flatMap((d) => d.split(/\s*\|\s*/));
  for (const d of depends) assert.ok(packages.includes(d), `Depends ${d} is not in set-up's PACKAGES`);
  for (const need of ['conmon', 'crun', 'runc', 'netavark', 'aardvark-dns', 'slirp4netns', 'catatonit', 'uidmap', 'fuse-overlayfs', 'iptables']) {
    assert.ok(depends.includes(need), `Depends lacks ${need}`);
  }

  const listing = run('dpkg-deb', ['-c', deb]);
  for (const f of ['./usr/local/lib/husk/node_modules/node/bin/node', './usr/local/lib/husk/native/build/husk-crun', './usr/local/lib/husk/dist/husk.cjs',
    './usr/lib/systemd/system/husk-restart.service']) {
    assert.match(listing, new RegExp(`^\\S+ root/root .* ${f.replace(/[.]/g, '\\.')}$`, 'm'), f);
  }
  assert.match(listing, /^lrwxrwxrwx root\/root .* \.\/usr\/local\/bin\/husk -> \.\.\/lib\/husk\/bin\/husk$/m);
  assert.match(listing, /\.\/usr\/lib\/systemd\/system-generators\/husk-system-generator -> \/usr\/local\/lib\/husk\/bin\/husk-quadlet-generator$/m);
  assert.doesNotMatch(listing, /\/src\/|\.ts$|\/dist\/\.cache/m);

  // apt resolves it against this machine (simulated: nothing is installed).
  const sim = spawnSync('apt-get', ['install', '-s', '--no-install-recommends', deb], { encoding: 'utf8', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  assert.equal(sim.status, 0, sim.stderr);
  assert.match(sim.stdout, new RegExp(`^Inst husk \\(${version.replace(/\./g, '\\.')} `, 'm'));

  // The extracted files run containers, as root and as the user.
  const x = join(pub, 'deb-root');
  mkdirSync(x);
  run('dpkg-deb', ['-x', deb, x]);
  chmodSync(x, 0o755);
  const husk = join(x, 'usr/local/bin/husk');
  const s = new Store();
  try {
    run(husk, [...s.globals, 'import', join(pub, 'busybox.tar'), 'busybox']);
    assert.equal(run(husk, [...s.globals, 'run', '--rm', 'busybox', 'echo', 'from the deb']).trim(), 'from the deb');
  } finally {
    s.destroy();
  }
  assert.equal(user.run([husk, 'import', join(pub, 'busybox.tar'), 'busybox']).code, 0);
  const r = user.run([husk, 'run', '--rm', 'busybox', 'true']);
  assert.equal(r.code, 0, r.stderr);
});
