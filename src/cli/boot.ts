// husk's entry (dist/husk.cjs, before main.ts): runs the CLI's modules (dist/main.cjs and
// dist/chunks/*.cjs, made from esbuild's ESM output by scripts/build.mjs) as
// vm.Scripts, with V8 code caches written after a command ran.
//
// Why not Node's module loader and its compile cache: V8 can serialise a
// script's code cache after it ran, holding every function the run
// compiled, but Node's compile cache (and vm.SourceTextModule) serialise a
// module before it runs. So each start compiled the functions the command
// calls all over again. Here each command word (`create`, `container ls`)
// gets its own cache file, with exactly what that command compiled, written
// once when a module it loaded had no cache (or V8 rejected it).
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Script } from 'node:vm';
import { commandIndex } from './words.ts';

declare const BUILD_ID: string; // scripts/build.mjs: a hash of the scripts

const dist = __dirname;
// Commands whose next word is their subcommand: `container ls` and
// `container create` compile different code. One missing here only makes
// that group share one cache.
const GROUPS = new Set(['container', 'image', 'pod', 'volume', 'network', 'system', 'generate', 'kube', 'manifest',
  'secret', 'healthcheck', 'compose', 'machine']);

function cacheKey(argv: string[]): string {
  const i = commandIndex(argv);
  const words = i < 0 ? [] : GROUPS.has(argv[i]) && argv[i + 1] !== undefined ? [argv[i], argv[i + 1]] : [argv[i]];
  // Words that cannot be command names (paths, upper case) share one file.
  return words.length && words.every((w) => /^[a-z][a-z0-9-]{0,30}$/.test(w)) ? words.join('-') : 'other';
}

/**
 * root's cache sits in the install; a user's in their cache directory
 * (bin/husk sets HUSK_CODE_CACHE before entering the rootless namespace,
 * where the user is uid 0 too).
 */
function cacheRoot(): string {
  if (process.env.HUSK_CODE_CACHE) return process.env.HUSK_CODE_CACHE;
  if (process.geteuid?.() === 0) return join(dist, '.cache');
  return join(process.env.XDG_CACHE_HOME || join(process.env.HOME ?? '/tmp', '.cache'), 'husk', 'code');
}

const dir = join(cacheRoot(), BUILD_ID);
const key = cacheKey(process.argv.slice(2));
// node:sqlite for any command (all but a few open the store): loaded here it
// takes ~0.3 ms, but ~2.5–5 ms when a command first opens its database, with
// its modules loaded (measured with marks; in-process time of `create` fell
// by ~1.2 ms, as part of that wait moved elsewhere). Help and --version skip it.
if (key !== 'other') process.getBuiltinModule('node:sqlite');
const file = join(dir, `${key}.bin`);
// Written by a run that failed (below), used until a run that succeeds writes the full one.
const partialFile = join(dir, `${key}.partial.bin`);

// The cache file: for each script, u32 name length, u32 data length, name,
// data, the data starting and ending on an 8-byte boundary: V8 copies a
// cache that is not pointer-aligned before reading it (measured: ~60 page
// faults and a 450 KB copy for `create`, whose caches sat at odd offsets).
// V8 checks each cache's version, flags, source length and size, and rejects
// a mismatch; it checksums the data only in debug builds (the flag that
// turns it on costs more than the cache saves). So the file is as trusted as
// the scripts beside it: written whole (a rename) and only by its owner.
// The addon's zero-copy reads (native/husk.c readLatin1, mapFile) when it loads; fs otherwise.
// (process.dlopen: Node's require of a .node file costs a module lookup more.)
interface FastRead { readLatin1(path: string): string; mapFile(path: string): Buffer | null; exit?(code: number): never }
const fast = ((): FastRead | undefined => {
  try {
    const m = { exports: {} as FastRead };
    process.dlopen(m, `${dist}/../native/build/husk.node`);
    return typeof m.exports.readLatin1 === 'function' ? m.exports : undefined;
  } catch {
    return undefined;
  }
})();

const align8 = (n: number): number => (n + 7) & ~7;
const cached = new Map<string, Buffer>();
// Mapped, not read: the file is only ever replaced by a rename (below), so a mapping never sees it change.
const readCache = (f: string): Buffer => fast?.mapFile(f) ?? readFileSync(f);
let fromPartial = false;
try {
  let b: Buffer;
  try {
    b = readCache(file);
  } catch {
    b = readCache(partialFile);
    fromPartial = true;
  }
  for (let o = 0; o + 8 <= b.length;) {
    const n = b.readUInt32LE(o);
    const len = b.readUInt32LE(o + 4);
    const name = b.toString('latin1', o + 8, o + 8 + n);
    const at = align8(o + 8 + n);
    cached.set(name, b.subarray(at, at + len));
    o = align8(at + len);
  }
} catch {
  // none yet (or unreadable): this run writes it
}

const scripts = new Map<string, Script>();
const modules = new Map<string, { exports: unknown }>();
let stale = false;
// This file's own require (it is CommonJS): createRequire would load node:module and its source-map support.
const nodeRequire = require;

// child_process: commander requires it at load for subcommands husk does not
// use; loading it costs ~15 M instructions, so it is fetched on first use.
const lazyChildProcess = new Proxy({}, { get: (_, k) => (process.getBuiltinModule('node:child_process') as Record<string | symbol, unknown>)[k] });

function load(rel: string): unknown {
  const known = modules.get(rel);
  if (known) return known.exports;
  // Plain concatenation: rel is a clean relative path, and path.join's normalising costs more than it is worth here.
  const path = `${dist}/${rel}`;
  // Scripts are ASCII (the build escapes the rest): latin1 is the cheapest decode.
  // Each is one function expression (scripts/build.mjs wraps it), called below.
  const data = cached.get(rel);
  const script = new Script(fast ? fast.readLatin1(path) : readFileSync(path, 'latin1'), { filename: path, cachedData: data });
  if (!data || script.cachedDataRejected) stale = true;
  scripts.set(rel, script);
  const mod = { exports: {} };
  modules.set(rel, mod);
  const base = rel.includes('/') ? rel.slice(0, rel.lastIndexOf('/') + 1) : '';
  const req = (id: string): unknown => id.startsWith('./') ? load(base + id.slice(2))
    : /^(node:)?child_process$/.test(id) ? lazyChildProcess
      : process.getBuiltinModule(id) ?? nodeRequire(id);
  const fn = script.runInThisContext() as (...a: unknown[]) => void;
  fn(mod.exports, req, mod, path, base ? `${dist}/${base.slice(0, -1)}` : dist, `file://${path}`, (id: string) => Promise.resolve().then(() => req(id)));
  return mod.exports;
}

// A command that succeeded writes the full cache. One that ran and failed
// (1-124: `container exists` saying no, a container's own exit code) may
// have run only part of the code, so it writes a partial cache, used only
// until a success writes the full one: a command that always fails no
// longer compiles everything on every run (~2x the instructions). A typo or
// a usage error (125) writes nothing.
function cacheTarget(code: number): string | undefined {
  if (code === 0) return stale || fromPartial ? file : undefined;
  // A failure never replaces a full cache.
  return stale && code <= 124 && (cached.size === 0 || fromPartial) ? partialFile : undefined;
}
process.on('exit', (code) => {
  const target = cacheTarget(code);
  if (!target) return;
  try {
    const parts: Buffer[] = [];
    for (const [name, script] of scripts) {
      const data = script.createCachedData();
      const head = Buffer.alloc(align8(8 + name.length));
      head.writeUInt32LE(name.length, 0);
      head.writeUInt32LE(data.length, 4);
      head.write(name, 8, 'latin1');
      parts.push(head, data, Buffer.alloc(align8(data.length) - data.length));
    }
    // A first write for this build drops other builds' caches (only names like BUILD_ID's).
    if (mkdirSync(dir, { recursive: true }) !== undefined) {
      for (const other of readdirSync(join(dir, '..'))) {
        if (other !== BUILD_ID && /^[0-9a-f]{16}$/.test(other)) rmSync(join(dir, '..', other), { recursive: true, force: true });
      }
    }
    const tmp = `${target}.${process.pid}`;
    writeFileSync(tmp, Buffer.concat(parts), { mode: 0o644 });
    renameSync(tmp, target);
    if (target === file && fromPartial) rmSync(partialFile, { force: true });
  } catch {
    // a read-only or full disk: the next run tries again
  }
});

// process.exit runs the 'exit' listeners (the cache above, the engine's),
// then calls process.reallyExit, where Node tears itself down: it joins V8's
// worker threads and libuv's pool and frees the heap, ~2 ms of every command
// that nobody waits for. The addon's _exit ends the process there instead.
// stdout and stderr are written synchronously (files, terminals, and pipes
// on Linux; main.ts waits for a full pipe to drain). Profilers and coverage
// write their files in that teardown, so they keep it.
const profiled = !!process.env.NODE_V8_COVERAGE || process.execArgv.some((a) => /^--(cpu|heap)-prof|^--prof$/.test(a));
if (fast?.exit && !profiled) {
  const exit = fast.exit;
  (process as unknown as { reallyExit(code: number): void }).reallyExit = (code) => exit(code);
}

load('main.cjs');
