// Build: the native addon (plain cc against the pinned Node's N-API headers,
// no node-gyp download needed offline) and one ESM bundle for the CLI.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
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

mkdirSync(join(root, 'native/build'), { recursive: true });
execFileSync('cc', ['-O2', '-Wall', '-Werror', '-shared', '-fPIC', '-DNAPI_VERSION=8', '-DNODE_GYP_MODULE_NAME=husk',
  `-I${napiInclude()}`, '-o', join(root, 'native/build/husk.node'), join(root, 'native/husk.c')], { stdio: 'inherit' });
// The rootless launcher step (bin/husk execs it for non-root users).
execFileSync('cc', ['-O2', '-Wall', '-Werror', '-o', join(root, 'native/build/husk-ns'), join(root, 'native/husk-ns.c')], { stdio: 'inherit' });
// crun's wrapper on hybrid cgroup hosts (src/runtime/oci.ts chooseRuntime).
execFileSync('cc', ['-O2', '-Wall', '-Werror', '-o', join(root, 'native/build/husk-crun'), join(root, 'native/husk-crun.c')], { stdio: 'inherit' });

// `import { x } from 'node:fs'` in ESM builds fs's module facade, which reads
// every export, so its lazy getters (fs.promises, ReadStream, Dir...) load
// fs/promises, readline, watchers and file streams: ~2 ms of every start.
// Our imports go through this shim instead: fs's plain values, no getters
// (importing a getter name fails the build, loudly).
const fsShim = {
  name: 'fs-without-facade',
  setup(build) {
    build.onResolve({ filter: /^(node:)?fs$/ }, (a) => (a.kind === 'import-statement' ? { path: 'fs', namespace: 'fs-shim' } : undefined));
    build.onLoad({ filter: /.*/, namespace: 'fs-shim' }, () => {
      // Asked of a fresh Node: in this process the facade has resolved the getters already.
      const names = JSON.parse(execFileSync(process.execPath, ['-e', `const d = Object.getOwnPropertyDescriptors(require('fs'));
        console.log(JSON.stringify(Object.keys(d).filter((k) => 'value' in d[k] && /^[A-Za-z_$][\\w$]*$/.test(k))))`], { encoding: 'utf8' }));
      return { contents: `const fs = process.getBuiltinModule('node:fs');\nexport const { ${names.join(', ')} } = fs;\nexport default fs;\n`, loader: 'js' };
    });
  },
};

// kube's schema check (kubernetes-models → ajv-formats-draft2019) requires
// Node's deprecated punycode module (a DEP0040 warning on stderr): bundle the
// userland package of the same API instead.
const common = { bundle: true, platform: 'node', target: 'node24', format: 'esm', logLevel: 'warning', plugins: [fsShim],
  alias: { punycode: 'punycode/' },
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" } };
rmSync(join(root, 'dist'), { recursive: true, force: true });
// The CLI: one entry file (main + commander) with each command module split
// into a chunk loaded on demand; `husk --version` then reads ~10 ms less code
// than from a single bundle of everything.
await esbuild.build({ ...common, entryPoints: { husk: join(root, 'src/cli/main.ts') }, outdir: join(root, 'dist'),
  splitting: true, chunkNames: 'chunks/[name]-[hash]' });
// The library: one self-contained file.
await esbuild.build({ ...common, entryPoints: [join(root, 'src/lib.ts')], outfile: join(root, 'dist/lib.js') });
