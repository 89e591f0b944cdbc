// The CLI's own code cache (src/cli/boot.ts, docs/architecture.md
// "Start-up"): one file per command, written after the command's first run
// with what it compiled, kept while V8 accepts it, rewritten when it does
// not, and never in the way of the command.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { HUSK, REPO, Store, until } from '../helpers.ts';

const s = new Store();
let cache: string;
const env = () => ({ HUSK_CODE_CACHE: cache });
const build = () => {
  const dirs = readdirSync(cache).filter((d) => /^[0-9a-f]{16}$/.test(d));
  assert.equal(dirs.length, 1, `one build's caches: ${dirs.join(' ')}`);
  return join(cache, dirs[0]);
};
const files = () => readdirSync(build()).sort();
const align8 = (n: number) => (n + 7) & ~7;
/**
 * A cache file's entries (src/cli/boot.ts): u32 name length, u32 data
 * length, name, data; each data starts and ends on an 8-byte boundary
 * (V8 copies a cache that is not pointer-aligned).
 */
function parse(b: Buffer): [string, Buffer][] {
  const out: [string, Buffer][] = [];
  for (let o = 0; o < b.length;) {
    assert.equal(o % 8, 0, 'each entry starts 8-aligned');
    const n = b.readUInt32LE(o);
    const len = b.readUInt32LE(o + 4);
    const at = align8(o + 8 + n);
    out.push([b.toString('latin1', o + 8, o + 8 + n), b.subarray(at, at + len)]);
    o = align8(at + len);
  }
  return out;
}
function serialise(entries: [string, Buffer][]): Buffer {
  return Buffer.concat(entries.flatMap(([name, data]) => {
    const head = Buffer.alloc(align8(8 + name.length));
    head.writeUInt32LE(name.length, 0);
    head.writeUInt32LE(data.length, 4);
    head.write(name, 8, 'latin1');
    return [head, data, Buffer.alloc(align8(data.length) - data.length)];
  }));
}

before(() => {
  cache = mkdtempSync('/var/tmp/husk-code-cache-');
  s.busybox();
});
after(() => {
  rmSync(cache, { recursive: true, force: true });
  return s.destroyWhenIdle();
});

test('each command gets its cache on its first run, holding the scripts it loaded; a second run keeps it', () => {
  rmSync(cache, { recursive: true, force: true });
  assert.equal(s.husk(['ps', '-a'], { env: env() }).code, 0);
  assert.deepEqual(files(), ['ps.bin']);
  assert.equal(s.husk(['container', 'ls'], { env: env() }).code, 0);
  assert.equal(s.husk(['--version'], { env: env() }).code, 0);
  // A command that fails writes nothing: a typo leaves no file of its own.
  assert.equal(s.husk(['busybx-typo'], { env: env() }).code, 125);
  assert.equal(s.husk(['start', 'no-such-container'], { env: env() }).code, 125);
  assert.deepEqual(files(), ['container-ls.bin', 'other.bin', 'ps.bin']);
  // The file names the scripts it holds: the entry, and ps's chunks.
  const ps = readFileSync(join(build(), 'ps.bin'));
  assert.ok(ps.includes('main.cjs') && ps.includes('chunks/hot-'), 'ps.bin names main.cjs and the hot chunks');
  assert.ok(ps.length > 100_000, `ps.bin holds compiled code (${ps.length} bytes)`);
  // Accepted by V8 on the next run: not written again (a rejected one would be).
  const before = statSync(join(build(), 'ps.bin'));
  assert.match(s.ok(['ps', '-a', '--format', '{{.Image}}']), /^$|busybox/);
  const after = statSync(join(build(), 'ps.bin'));
  assert.equal(after.ino, before.ino);
  assert.equal(after.mtimeMs, before.mtimeMs);
});

test('a command that ran and failed (exit 1-124) writes a partial cache, kept until a success writes the full one', () => {
  rmSync(cache, { recursive: true, force: true });
  // `container exists` answers no with exit 1: without a cache of its own it compiled everything on every run.
  assert.equal(s.husk(['container', 'exists', 'no-such-container'], { env: env() }).code, 1);
  assert.deepEqual(files(), ['container-exists.partial.bin']);
  const partial = join(build(), 'container-exists.partial.bin');
  assert.ok(parse(readFileSync(partial)).some(([n]) => n.startsWith('chunks/')), 'the partial cache holds the chunks the command loaded');
  const first = statSync(partial);
  // Accepted on the next failing run: not written again.
  assert.equal(s.husk(['container', 'exists', 'no-such-container'], { env: env() }).code, 1);
  const again = statSync(partial);
  assert.equal(again.ino, first.ino);
  assert.equal(again.mtimeMs, first.mtimeMs);
  // A success writes the full cache and drops the partial one.
  const id = s.ok(['create', 'busybox', 'true']);
  assert.equal(s.husk(['container', 'exists', id], { env: env() }).code, 0);
  assert.deepEqual(files().filter((f) => f.startsWith('container-exists')), ['container-exists.bin']);
  // The full cache is used from then on, by failing runs too, which write nothing.
  const full = statSync(join(build(), 'container-exists.bin'));
  assert.equal(s.husk(['container', 'exists', 'no-such-container'], { env: env() }).code, 1);
  assert.deepEqual(files().filter((f) => f.startsWith('container-exists')), ['container-exists.bin']);
  assert.equal(statSync(join(build(), 'container-exists.bin')).mtimeMs, full.mtimeMs);
  s.ok(['rm', id]);
});

test('a cache V8 rejects is rewritten, a damaged file is ignored; the command runs as without one', () => {
  s.husk(['ps'], { env: env() });
  const file = join(build(), 'ps.bin');
  const good = readFileSync(file);
  // Two scripts' caches swapped: each one's source length no longer matches, so V8 rejects both.
  const entries = parse(good);
  assert.ok(entries.length >= 3, `${entries.length} scripts`);
  [entries[0][1], entries[1][1]] = [entries[1][1], entries[0][1]];
  const swapped = serialise(entries);
  writeFileSync(file, swapped);
  const r = s.husk(['ps', '-a', '--format', '{{.Names}}'], { env: env() });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, '');
  const rewritten = readFileSync(file);
  assert.ok(!rewritten.equals(swapped), 'rewritten');
  assert.deepEqual(parse(rewritten).map(([name]) => name), entries.map(([name]) => name), 'for the same scripts');
  // Truncated mid-entry, then plain garbage: the command still works.
  for (const junk of [good.subarray(0, 1000), Buffer.from('not a cache at all')]) {
    writeFileSync(file, junk);
    const t = s.husk(['ps'], { env: env() });
    assert.equal(t.code, 0, t.stderr);
    assert.equal(t.stderr, '');
  }
});

test('an unwritable cache directory: the command works and says nothing', () => {
  const ro = join(cache, 'ro');
  mkdirSync(ro);
  chmodSync(ro, 0o555);
  // root ignores modes: a file where the directory should be makes the write fail for anyone.
  const blocked = join(cache, 'blocked');
  writeFileSync(blocked, '');
  const r = s.husk(['images', '--format', '{{.Repository}}'], { env: { HUSK_CODE_CACHE: blocked } });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, '');
  assert.equal(r.stdout.trim(), 'localhost/busybox');
});

test('the first write of a new build drops older builds\' caches, and only those', () => {
  rmSync(cache, { recursive: true, force: true });
  mkdirSync(join(cache, '0123456789abcdef'), { recursive: true });
  writeFileSync(join(cache, '0123456789abcdef', 'ps.bin'), 'old');
  mkdirSync(join(cache, 'keep-me'));
  assert.equal(s.husk(['ps'], { env: env() }).code, 0);
  assert.ok(!existsSync(join(cache, '0123456789abcdef')), 'the old build is gone');
  assert.ok(existsSync(join(cache, 'keep-me')), 'a directory not named like a build stays');
  assert.deepEqual(files(), ['ps.bin']);
});

test('root without HUSK_CODE_CACHE: the cache lives in the install (dist/.cache)', () => {
  const { HUSK_CODE_CACHE: _, ...rest } = process.env;
  assert.equal(s.husk(['volume', 'ls'], { env: rest as Record<string, string> }).code, 0);
  const builds = readdirSync(join(REPO, 'dist/.cache')).filter((d) => /^[0-9a-f]{16}$/.test(d));
  assert.equal(builds.length, 1);
  assert.ok(existsSync(join(REPO, 'dist/.cache', builds[0], 'volume-ls.bin')));
});

test('V8\'s hash seed: a command keeps the snapshot\'s (--no-rehash-snapshot), system service a random one', async () => {
  const argvOf = (pid: number) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  const sock = join(s.dir, 'seed.sock');
  const service = spawn(HUSK, [...s.globals, 'system', 'service', '--time', '0', `unix://${sock}`], { stdio: 'ignore' });
  const events = spawn(HUSK, [...s.globals, 'events'], { stdio: 'ignore' });
  try {
    // The launcher execs Node in its own process.
    await until(() => argvOf(service.pid!).some((a) => a.endsWith('dist/husk.cjs')) && argvOf(events.pid!).some((a) => a.endsWith('dist/husk.cjs')));
    assert.ok(argvOf(service.pid!).includes('--rehash-snapshot'), argvOf(service.pid!).join(' '));
    assert.ok(!argvOf(service.pid!).includes('--no-rehash-snapshot'));
    assert.ok(argvOf(events.pid!).includes('--no-rehash-snapshot'), argvOf(events.pid!).join(' '));
  } finally {
    service.kill();
    events.kill();
  }
});

test('--jitless for the short container commands only, whatever global flags come first (bin/husk)', async () => {
  const argvOf = (pid: number) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  const started = (p: ReturnType<typeof spawn>) => until(() => argvOf(p.pid!).some((a) => a.endsWith('dist/husk.cjs')) && argvOf(p.pid!));
  const id = s.ok(['run', '-d', 'busybox', 'sleep', '30']);
  // A flag's value that is a short command's word does not count: `events` keeps the JIT.
  const events = spawn(HUSK, [...s.globals, '--tmpdir', 'run', 'events'], { stdio: 'ignore' });
  const exec = spawn(HUSK, [...s.globals, 'exec', id, 'sleep', '5'], { stdio: 'ignore' });
  const cexec = spawn(HUSK, [...s.globals, 'container', 'exec', id, 'sleep', '5'], { stdio: 'ignore' });
  try {
    assert.ok(!(await started(events)).includes('--jitless'), argvOf(events.pid!).join(' '));
    assert.ok((await started(exec)).includes('--jitless'), argvOf(exec.pid!).join(' '));
    assert.ok((await started(cexec)).includes('--jitless'), argvOf(cexec.pid!).join(' '));
  } finally {
    for (const p of [events, exec, cexec]) p.kill();
    s.ok(['rm', '-f', '-t', '0', id]);
  }
});

test('create, run, ps and images run without a scavenge: bin/husk starts V8 with a 4 MB young generation', async () => {
  const id = s.ok(['run', '-d', 'busybox', 'sleep', '30']);
  // bin/husk's Node flags, read from a running `exec`, then run again by hand with --trace-gc.
  const p = spawn(HUSK, [...s.globals, 'exec', id, 'sleep', '5'], { stdio: 'ignore' });
  try {
    const argv = await until(() => {
      try {
        const a = readFileSync(`/proc/${p.pid}/cmdline`, 'utf8').split('\0');
        return a.some((x) => x.endsWith('dist/husk.cjs')) && a;
      } catch { return false; }
    });
    assert.ok(argv.includes('--min-semi-space-size=4'), argv.join(' '));
    const flags = argv.slice(1, argv.indexOf('--'));
    const script = argv[argv.indexOf('--') + 1];
    const traced = (f: string[], cmd: string[]) => {
      const r = spawnSync(argv[0], [...f, '--trace-gc', '--', script, ...s.globals, ...cmd], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      return r.stdout;
    };
    for (const cmd of [['create', 'busybox', 'true'], ['run', '--rm', 'busybox', 'true'], ['ps', '-a'], ['images']]) {
      const out = traced(flags, cmd);
      assert.doesNotMatch(out, /Scavenge|Mark-Compact/, cmd.join(' '));
      if (cmd[0] === 'create') s.ok(['rm', out.trim().split('\n').pop()!]);
    }
    // V8's default young generation (1 MB) collects during `run` (the test measures something).
    assert.match(traced(flags.filter((f) => !f.startsWith('--min-semi-space-size')), ['run', '--rm', 'busybox', 'true']), /Scavenge/);
  } finally {
    p.kill();
    s.ok(['rm', '-f', '-t', '0', id]);
  }
});

test('the loader reads through the addon: the cache file is mapped, not copied', async () => {
  assert.equal(s.husk(['events', '--since', '1s', '--until', '0s'], { env: env() }).code, 0); // writes events.bin
  const events = spawn(HUSK, [...s.globals, 'events'], { stdio: 'ignore', env: { ...process.env, ...env() } });
  try {
    const maps = () => { try { return readFileSync(`/proc/${events.pid}/maps`, 'utf8'); } catch { return ''; } };
    await until(() => maps().includes('events.bin'));
    assert.match(maps(), /native\/build\/husk\.node/);
    assert.match(maps(), new RegExp(`${build()}/events\\.bin`));
  } finally {
    events.kill();
  }
});
