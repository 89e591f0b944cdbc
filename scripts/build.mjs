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

const common = { bundle: true, platform: 'node', target: 'node24', format: 'esm', logLevel: 'warning',
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" } };
rmSync(join(root, 'dist'), { recursive: true, force: true });
// The CLI: one entry file (main + commander) with each command module split
// into a chunk loaded on demand; `husk --version` then reads ~10 ms less code
// than from a single bundle of everything.
await esbuild.build({ ...common, entryPoints: { husk: join(root, 'src/cli/main.ts') }, outdir: join(root, 'dist'),
  splitting: true, chunkNames: 'chunks/[name]-[hash]' });
// The library: one self-contained file.
await esbuild.build({ ...common, entryPoints: [join(root, 'src/engine/index.ts')], outfile: join(root, 'dist/lib.js') });
