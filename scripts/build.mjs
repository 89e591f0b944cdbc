// Build: the native addon (plain cc against the pinned Node's N-API headers,
// no node-gyp download needed offline), the CLI as split scripts with their
// loader (dist/husk.cjs), and the library as one ESM file (dist/lib.js).
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { builtinModules } from 'node:module';
import { dirname, join, relative } from 'node:path';
import * as esbuild from 'esbuild';

const root = join(import.meta.dirname, '..');

function napiInclude() {
  // node-api-headers is the pinned source; the others are fallbacks.
  const candidates = [join(root, 'node_modules/node-api-headers/include')];
  candidates.push(join(dirname(process.execPath), '../include/node'), '/usr/include/node');
  const found = candidates.find((d) => existsSync(join(d, 'node_api.h')));
  if (!found) throw new Error(`node_api.h not found in ${candidates.join(', ')}`);
  return found;
}

// uv.h, for the addon's fd watch on Node's loop: the pinned Node's own headers
// (libuv keeps its ABI within 1.x, so Debian's are a fallback).
function uvInclude() {
  const pkgs = join(root, 'node_modules/node/node_modules');
  const candidates = (existsSync(pkgs) ? readdirSync(pkgs) : []).filter((d) => d.startsWith('node-linux-')).map((d) => join(pkgs, d, 'include/node'));
  candidates.push(join(dirname(process.execPath), '../include/node'), '/usr/include/node');
  const found = candidates.find((d) => existsSync(join(d, 'uv.h')));
  if (!found) throw new Error(`uv.h not found in ${candidates.join(', ')}`);
  return found;
}

mkdirSync(join(root, 'native/build'), { recursive: true });
execFileSync('cc', ['-O2', '-Wall', '-Werror', '-shared', '-fPIC', '-DNAPI_VERSION=10', '-DNODE_GYP_MODULE_NAME=husk',
  `-I${napiInclude()}`, `-I${uvInclude()}`, '-o', join(root, 'native/build/husk.node'), join(root, 'native/husk.c')], { stdio: 'inherit' });
// The launcher (bin/husk links to it: TOP/native/build/husk). It finds the
// command word as src/cli/words.ts does, with that file's regexp of the
// global flags taking a value (POSIX extended syntax there too).
const valued = /^const VALUED = \/(.+)\/;$/m.exec(readFileSync(join(root, 'src/cli/words.ts'), 'utf8'))?.[1];
if (!valued || /["\\]/.test(valued)) throw new Error('build: src/cli/words.ts VALUED not found, or not a plain regexp for the launcher');
// Static: no dynamic loader and libc to map for a process that only execs
// (perf stat -r 300 of the launcher alone: 2.6-2.9 -> 2.1 ms).
execFileSync('cc', ['-O2', '-Wall', '-Werror', '-static', `-DHUSK_VALUED="${valued}"`, '-o', join(root, 'native/build/husk'), join(root, 'native/husk-launch.c')], { stdio: 'inherit' });
// Preloaded into the Node that bin/husk execs (native/husk-preload.c).
execFileSync('cc', ['-O2', '-Wall', '-Werror', '-shared', '-fPIC', '-o', join(root, 'native/build/husk-preload.so'), join(root, 'native/husk-preload.c')], { stdio: 'inherit' });
// The rootless launcher step (bin/husk execs it for non-root users).
execFileSync('cc', ['-O2', '-Wall', '-Werror', '-o', join(root, 'native/build/husk-ns'), join(root, 'native/husk-ns.c')], { stdio: 'inherit' });
// crun's wrapper on hybrid cgroup hosts (src/runtime/oci.ts chooseRuntime).
execFileSync('cc', ['-O2', '-Wall', '-Werror', '-o', join(root, 'native/build/husk-crun'), join(root, 'native/husk-crun.c')], { stdio: 'inherit' });

// `import { x } from 'node:crypto'` in ESM builds the builtin's module
// facade, which reads every export, so its lazy getters run on every start:
// crypto's webcrypto (algorithm tables), fs's promises and streams
// (fs/promises, readline, watchers), net's BlockList, http's globalAgent and
// WebSocket (undici), events' EventEmitterAsyncResource. So our sources'
// imports of builtins become `const { x } = process.getBuiltinModule(...)`:
// the plain CommonJS object, whose getters run only when used. Rewriting the
// statement (rather than resolving to a shim module) adds no module and no
// chunk: each one costs the ESM loader ~0.5 ms. Imports sit at the top of
// each file, so the consts are set before anything in the file runs.
const builtinNames = new Set(builtinModules.map((m) => m.replace(/^node:/, '')));
const IMPORT_BUILTIN = /^import (?!type )([^'";]+?) from '(?:node:)?([a-z_/0-9]+)';$/gm;
/** [imported, local] for each value import of `{ a, b as c, type T }`. */
function importedNames(spec) {
  return spec.split(',').map((n) => n.trim()).filter((n) => n && !n.startsWith('type '))
    .map((n) => { const m = /^(\S+) as (\S+)$/.exec(n); return m ? [m[1], m[2]] : [n, n]; });
}
// Loading these costs 2–24 M instructions each at start-up (crypto 24 M,
// child_process with net and dgram 16 M, fs/promises with readline 7 M),
// although most commands never call them: a lowercase function imported
// from one (not a class, not a constant) is bound lazily instead. A wrapper
// loses the function's properties (execFile's promisify.custom), so a file
// that promisifies is refused below.
const LAZY_BUILTINS = new Set(['crypto', 'child_process', 'fs/promises', 'stream/promises', 'timers/promises',
  'net', 'http', 'https', 'zlib', 'dgram', 'tls', 'readline', 'os', 'url']);
const builtinValues = new Map();
function isPlainFunction(mod, name) {
  if (!builtinValues.has(mod)) builtinValues.set(mod, process.getBuiltinModule(`node:${mod}`));
  const v = builtinValues.get(mod)[name];
  return typeof v === 'function' && /^[a-z]/.test(name) && !(v.prototype && Object.getOwnPropertyNames(v.prototype).length > 1);
}
const builtinImports = {
  name: 'builtins-without-facade',
  setup(build) {
    build.onLoad({ filter: /\/src\/.*\.ts$/ }, async (a) => {
      const text = await readFile(a.path, 'utf8');
      const contents = text.replace(IMPORT_BUILTIN, (line, clause, mod) => {
        if (!builtinNames.has(mod)) return line;
        const get = `process.getBuiltinModule('node:${mod}')`;
        // `* as ns`, `def`, `def, { a, b }`, `{ a, b as c, type T }`
        const m = /^(?:\* as (\w+)|(\w+))?(?:,\s*)?(\{[^}]*\})?$/.exec(clause.trim());
        if (!m) throw new Error(`${a.path}: cannot rewrite ${line}`);
        const parts = [];
        if (m[1] || m[2]) parts.push(`const ${m[1] ?? m[2]} = ${get};`);
        if (m[3]) {
          const names = importedNames(m[3].slice(1, -1));
          // Functions of a heavy builtin become wrappers that load it on first call.
          const lazy = LAZY_BUILTINS.has(mod) ? names.filter(([n]) => isPlainFunction(mod, n)) : [];
          if (lazy.length && /\bpromisify\b/.test(text)) throw new Error(`${a.path}: promisify of a lazily bound builtin (see LAZY_BUILTINS)`);
          for (const [n, local] of lazy) parts.push(`const ${local} = (...a) => ${get}.${n}(...a);`);
          const eager = names.filter((x) => !lazy.includes(x));
          if (eager.length) parts.push(`const { ${eager.map(([n, local]) => (n === local ? n : `${n}: ${local}`)).join(', ')} } = ${get};`);
        }
        return parts.join(' ');
      });
      return { contents, loader: 'ts' };
    });
  },
};

// The hot commands (create, start, stop, exec, ps, run, rm) import ~45 of
// esbuild's shared chunks each: esbuild makes one chunk per set of entry
// points (dynamic import targets) sharing code, and gives no control over
// that. Each module costs Node's ESM loader ~0.6 M instructions (resolution,
// ModuleWrap, linking, a code-cache lookup) beside its code. So the chunks
// those commands load (the static closure of the modules below, found with
// strace; less what the entry itself imports, so --version and the other
// commands do not load them) are merged into modules chunks/hot-*.mjs,
// by a second esbuild pass over the first one's output; each merged chunk
// is left as a stub re-exporting its names from there, so a cold chunk that
// imports one still gets the same single instance (errors, state caches).
// Merged dynamic imports between them become esbuild's inline form.
// Merged in order, each group less the chunks before it: first what every
// engine command loads (engine/local.ts and its closure: the images, volume
// and network commands get one file too and no more code than before), then
// what every container command loads (their flags, and create), then what
// those that run something load (init, start, stop), then the sessions of
// run, attach and exec, then container inspect's (query.ts: every inspect
// and `logs` load it; 50 → 17 files for `inspect`, −9 M instructions,
// nothing more for ps or images). A command loads whole files, so `create`
// and `ps` skip the last three and `start` and `stop` the last two.
// Before them all, the entry itself with its static closure (commander,
// errors, sqlite, paths...): every command loads those, and as nine
// scripts each cost the loader ~0.1 ms of its own; dist/main.mjs becomes
// a stub importing that one file.
const HOT_GROUPS = [['src/engine/local.ts'], ['src/cli/container.ts', 'src/engine/container/create.ts', 'src/engine/network/attach.ts'],
  ['src/engine/container/lifecycle.ts', 'src/engine/container/select.ts', 'src/engine/container/restart.ts'],
  ['src/engine/container/attach.ts', 'src/engine/container/exec.ts'],
  ['src/engine/container/query.ts']];

async function mergeHotChunks(meta) {
  const out = meta.outputs;
  const dir = join(root, 'dist/chunks');
  const closure = (starts) => {
    const seen = new Set();
    const walk = (f) => {
      if (seen.has(f)) return;
      seen.add(f);
      for (const i of out[f].imports) if (i.kind === 'import-statement' && !i.external) walk(i.path);
    };
    starts.forEach(walk);
    return seen;
  };
  const byEntry = new Map(Object.entries(out).filter(([, v]) => v.entryPoint).map(([k, v]) => [v.entryPoint, k]));
  const merged = new Set();
  const stubs = new Set(); // absolute paths of chunks already merged (now stubs)
  const groups = [['dist/main.mjs'], ...HOT_GROUPS.map((entries) => entries.map((e) => {
    if (!byEntry.has(e)) throw new Error(`build: hot entry ${e} is no longer a chunk of its own: update HOT_GROUPS`);
    return byEntry.get(e);
  }))];
  // A path from the merged file (in dist/chunks) or from a stub to another output file.
  const from = (at, p) => { const r = relative(at, p); return r.startsWith('.') ? r : `./${r}`; };
  for (const starts of groups) {
    const group = [...closure(starts)].filter((f) => !merged.has(f));
    group.forEach((f) => merged.add(f));
    const inGroup = new Set(group.map((f) => join(root, f)));
    const entry = group.map((f, i) => out[f].exports.length
      ? `export { ${out[f].exports.map((e) => `${e} as h${i}_${e}`).join(', ')} } from '${from(dir, join(root, f))}';`
      : `import '${from(dir, join(root, f))}';`).join('\n');
    // An earlier group's stub is bundled too, so its names come straight from that group's file.
    const r = await esbuild.build({ stdin: { contents: entry, resolveDir: dir, sourcefile: 'hot-entry.mjs', loader: 'js' },
      bundle: true, platform: 'node', target: 'node24', format: 'esm', logLevel: 'warning', write: false, absWorkingDir: root,
      outfile: join(dir, 'hot.mjs'),
      plugins: [{ name: 'cold-chunks-stay', setup(b) {
        b.onResolve({ filter: /^\.\.?\// }, (a) => {
          const p = join(a.resolveDir, a.path);
          // Kept as imports, relative to the merged file (main.mjs's own are relative to dist/).
          return inGroup.has(p) || stubs.has(p) ? undefined : { path: from(dir, p), external: true };
        });
      } }] });
    const text = r.outputFiles[0].text;
    const name = `hot-${createHash('sha256').update(text).digest('hex').slice(0, 8).toUpperCase()}.mjs`;
    writeFileSync(join(dir, name), text);
    group.forEach((f, i) => {
      const hot = from(dirname(join(root, f)), join(dir, name));
      writeFileSync(join(root, f), out[f].exports.length
        ? `export { ${out[f].exports.map((e) => `h${i}_${e} as ${e}`).join(', ')} } from '${hot}';\n`
        : `import '${hot}';\n`);
      stubs.add(join(root, f));
    });
  }
}

// esbuild's output calls `require` for what CommonJS packages (commander,
// ws) require: every chunk defines it. It is a function, not a
// createRequire() made at load: that costs ~0.2 M instructions a chunk
// (a Module and its node_modules path list), and the merged hot chunk
// holds ~40 of these banners. Builtins come from process.getBuiltinModule.
// commander requires child_process at load (for executable subcommands,
// which husk has none of): bundled packages get it as a proxy that loads it
// on first use.
const REQUIRE_BANNER = "const require = (id) => /^(node:)?child_process$/.test(id) ? " +
  "new Proxy({}, { get: (_, k) => process.getBuiltinModule('node:child_process')[k] }) : process.getBuiltinModule(id) ?? " +
  "process.getBuiltinModule('node:module').createRequire(import.meta.url)(id);";

// kube's schema check (kubernetes-models → ajv-formats-draft2019) requires
// Node's deprecated punycode module (a DEP0040 warning on stderr): bundle the
// userland package of the same API instead.
const common = { bundle: true, platform: 'node', target: 'node24', format: 'esm', logLevel: 'warning', plugins: [builtinImports],
  alias: { punycode: 'punycode/' },
  banner: { js: REQUIRE_BANNER } };
rmSync(join(root, 'dist'), { recursive: true, force: true });
// The CLI: one entry file (main + commander) with each command module split
// into a chunk loaded on demand; `husk --version` then reads ~10 ms less code
// than from a single bundle of everything. esbuild splits only ESM; the
// chunks become scripts below (toScripts).
const cli = await esbuild.build({ ...common, entryPoints: { main: join(root, 'src/cli/main.ts') }, outdir: join(root, 'dist'),
  splitting: true, chunkNames: 'chunks/[name]-[hash]', outExtension: { '.js': '.mjs' }, metafile: true, absWorkingDir: root });
await mergeHotChunks(cli.metafile);
// The library: one self-contained file.
await esbuild.build({ ...common, entryPoints: [join(root, 'src/lib.ts')], outfile: join(root, 'dist/lib.js') });

// One non-ASCII character (a "→" in a kept doc comment, a "µ" in a regex)
// makes V8 hold the whole file as a two-byte string: twice the memory and a
// slower scan on every start for the hot chunk. esbuild escapes strings
// (charset ascii) but not comments or regex literals, where a \u escape
// means the same character.
// eslint-disable-next-line no-control-regex
const ascii = (text) => text.replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
writeFileSync(join(root, 'dist/lib.js'), ascii(readFileSync(join(root, 'dist/lib.js'), 'utf8')));

// The CLI's modules become scripts that dist/husk.cjs (src/cli/boot.ts) runs
// with vm.Script: V8 can serialise a script's code cache after it ran, with
// every function the command called compiled (Node's compile cache and
// vm.SourceTextModule both serialise before evaluation, so each start
// compiled those functions again). esbuild turns each ESM file into CommonJS
// (exports as getters, so live bindings and cycles keep working); the
// loader passes require, and __huskImport for dynamic import().
// esbuild's CommonJS interop defines each export as a getter on an empty
// object, one map transition (a new hidden class) per export, then copies
// every getter onto a second object behind one more getter. For the ~300
// exports a `create` loads that was ~7 M instructions (6% of the command).
// The exports object goes to dictionary mode first (deleting a property
// that is not the last one), where a definition is a hash insert, and is
// itself module.exports (with __esModule), so a binding is one getter deep.
const INTEROP = [
  [/^var __export = \((\w+), all\) => \{\n {2}for \(var name in all\)\n/m, 'var __export =',
    (_, t) => `var __export = (${t}, all) => {\n  ${t}.__huskA = ${t}.__huskB = 0;\n  delete ${t}.__huskA;\n  delete ${t}.__huskB;\n  for (var name in all)\n`],
  [/^var __toCommonJS = \(mod\) => __copyProps\(__defProp\(\{\}, "__esModule", \{ value: true \}\), mod\);$/m, 'var __toCommonJS =',
    () => 'var __toCommonJS = (mod) => __defProp(mod, "__esModule", { value: true });'],
];
function leanInterop(code, rel) {
  for (const [re, head, to] of INTEROP) {
    if (!code.includes(head)) continue;
    if (!re.test(code)) throw new Error(`build: ${rel}: esbuild's interop helper changed (${head}): update INTEROP`);
    code = code.replace(re, to);
  }
  return code;
}

async function toScripts() {
  const dir = join(root, 'dist');
  const files = ['main.mjs', ...readdirSync(join(dir, 'chunks')).map((n) => `chunks/${n}`)];
  const hash = createHash('sha256');
  for (const rel of files) {
    let text = readFileSync(join(dir, rel), 'utf8');
    // The loader's require replaces the banner's, which would shadow it
    // (merged chunks keep theirs renamed, reading __huskUrl; stubs have none).
    if (text.startsWith(REQUIRE_BANNER)) text = text.slice(REQUIRE_BANNER.length);
    const r = await esbuild.transform(text, { format: 'cjs', platform: 'node', target: 'node24', loader: 'js', logLevel: 'warning',
      sourcefile: rel, define: { 'import.meta.url': '__huskUrl', 'import.meta.dirname': '__dirname' } });
    // Relative and builtin dynamic imports go to the loader (a builtin's
    // CommonJS object has the named exports husk takes from it).
    const code = ascii(leanInterop(r.code, rel).replace(/require\("(\.\/[^"]+)\.mjs"\)/g, 'require("$1.cjs")')
      .replace(/\bimport\("(\.\/[^"]+)\.mjs"\)/g, '__huskImport("$1.cjs")').replace(/\bimport\("(node:[^"]+)"\)/g, '__huskImport("$1")'));
    // Any other import() would need vm's importModuleDynamically.
    if (/(^|[^\w.$])import\(\s*["'`]/.test(code)) throw new Error(`build: ${rel} keeps a dynamic import() the loader cannot serve`);
    const out = rel.replace(/\.mjs$/, '.cjs');
    // The file is the function the loader (src/cli/boot.ts load()) calls with these arguments,
    // whole on disk so V8 gets one flat string (a wrapper added at load was a copy of every source).
    // It opens on the source's first line, so line numbers in stacks hold.
    const script = `(function (exports, require, module, __filename, __dirname, __huskUrl, __huskImport) {'use strict';${code}\n})`;
    writeFileSync(join(dir, out), script);
    rmSync(join(dir, rel));
    hash.update(out).update(script);
  }
  // The loader's own code too: how it reads and writes the caches.
  for (const f of ['src/cli/boot.ts', 'src/cli/words.ts']) hash.update(readFileSync(join(root, f)));
  return hash.digest('hex').slice(0, 16);
}
const buildId = await toScripts();
// The entry: the loader, CommonJS (.cjs: the package is "type": "module").
await esbuild.build({ ...common, format: 'cjs', banner: {}, entryPoints: [join(root, 'src/cli/boot.ts')], outfile: join(root, 'dist/husk.cjs'),
  define: { BUILD_ID: JSON.stringify(buildId) } });

