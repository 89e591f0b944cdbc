// The layers of docs/architecture.md, checked on every import in src/
// (static, type-only and dynamic): a forbidden arrow fails with the file,
// the import and the rule it breaks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { REPO } from './helpers.ts';

const SRC = join(REPO, 'src');

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
    d.isDirectory() ? files(join(dir, d.name)) : d.name.endsWith('.ts') ? [join(dir, d.name)] : []);
}

/** Every relative module specifier a file imports, with its kind. */
export function importsOf(text: string): string[] {
  const out: string[] = [];
  const re = /(?:^|[\s;])(?:import|export)\s[^'";]*?from\s*'([^']+)'|import\(\s*'([^']+)'\s*\)|^import\s+'([^']+)'/gm;
  for (const m of text.matchAll(re)) out.push(m[1] ?? m[2] ?? m[3]);
  return out.filter((s) => s.startsWith('.'));
}

/**
 * cli, api, specgen, engine, image, runtime, common...: the first folder
 * under src/; the files directly in src/ (connect.ts, the factory that picks
 * the local engine or the remote client, and lib.ts, the library entry) are
 * the composition root, 'root'.
 */
const layerOf = (path: string) => {
  const parts = relative(SRC, path).split('/');
  return parts.length === 1 ? 'root' : parts[0];
};

/** Files of the engine that front ends may import: the interfaces. */
const ENGINE_FACE = /^engine\/(api\.ts|[a-z]+\/api\.ts)$/;

function violation(from: string, to: string): string | undefined {
  const a = layerOf(from);
  const b = layerOf(to);
  const target = relative(SRC, to);
  if (a === b) return undefined;
  // Everyone above the engine gets an Engine from the factory (src/connect.ts).
  if (target === 'connect.ts' && a !== 'engine' && a !== 'image' && a !== 'runtime' && a !== 'common' && a !== 'specgen') return undefined;
  switch (a) {
    case 'root':
      if (b === 'cli') return 'the composition root does not import the CLI';
      return undefined;
    case 'cli':
    case 'api':
      if (b === 'cli' && a === 'api') return 'the REST API does not import the CLI';
      if (b === 'engine' && !ENGINE_FACE.test(target)) return 'front ends use only the engine interface (engine/api.ts, engine/*/api.ts) and src/connect.ts';
      if (b === 'image' || b === 'runtime') return 'front ends reach images and runtimes through the engine';
      if (target === 'common/native.ts') return 'front ends do not call the native addon';
      return undefined;
    case 'engine':
      if (b === 'cli' || b === 'api' || b === 'root') return 'the engine does not import its front ends or the factory above it';
      return undefined;
    case 'build':
    case 'compose':
    case 'kube':
    case 'systemd':
      // Workload front ends below the CLI: they call the engine interface like the CLI does.
      if (b === 'cli' || b === 'api') return `${a}/ does not import the CLI or the REST server`;
      if (b === 'engine' && !ENGINE_FACE.test(target)) return `${a}/ calls the engine interface only`;
      if (b === 'image' || b === 'runtime') return `${a}/ reaches images and runtimes through the engine`;
      return undefined;
    case 'image':
    case 'runtime':
      if (!['common', 'specgen', 'image'].includes(b)) return `${a}/ is below the engine: it imports only common/ (and specgen/)`;
      if (b === 'image' && a === 'runtime') return 'the runtime does not import the image store';
      return undefined;
    case 'specgen':
      if (b !== 'common' && b !== 'runtime') return 'specgen/ is pure: it imports only common/ and runtime/spec types';
      return undefined;
    case 'common':
      return 'common/ imports nothing of husk';
    default:
      return undefined;
  }
}

test('no import crosses a layer the wrong way', () => {
  const bad: string[] = [];
  for (const f of files(SRC)) {
    for (const spec of importsOf(readFileSync(f, 'utf8'))) {
      const to = resolve(dirname(f), spec);
      const why = violation(f, to);
      if (why) bad.push(`${relative(REPO, f)} → ${relative(REPO, to)}: ${why}`);
    }
  }
  assert.deepEqual(bad, [], `forbidden imports:\n${bad.join('\n')}`);
});

test('the import scanner sees static, type-only, re-export and dynamic imports', () => {
  const found = importsOf([
    "import { a } from './a.ts';",
    "import type { B } from '../b.ts';",
    "export { c } from './c.ts';",
    "const d = await import('./d.ts');",
    "import './e.ts';",
    "import { x } from 'node:fs';",
  ].join('\n'));
  assert.deepEqual(found.sort(), ['../b.ts', './a.ts', './c.ts', './d.ts', './e.ts']);
});

test('the rules reject the arrows the architecture forbids', () => {
  const at = (p: string) => join(SRC, p);
  assert.ok(violation(at('cli/x.ts'), at('engine/container/lifecycle.ts')));
  assert.ok(violation(at('cli/x.ts'), at('image/store.ts')));
  assert.ok(violation(at('cli/x.ts'), at('runtime/oci.ts')));
  assert.ok(violation(at('cli/x.ts'), at('common/native.ts')));
  assert.ok(violation(at('engine/x.ts'), at('cli/main.ts')));
  assert.ok(violation(at('image/x.ts'), at('engine/context.ts')));
  assert.ok(violation(at('runtime/x.ts'), at('engine/context.ts')));
  assert.equal(violation(at('cli/x.ts'), at('engine/container/api.ts')), undefined);
  assert.equal(violation(at('cli/x.ts'), at('connect.ts')), undefined);
  assert.ok(violation(at('engine/x.ts'), at('api/remote/engine.ts')), 'the engine does not pick its remote client');
  assert.ok(violation(at('engine/x.ts'), at('connect.ts')));
  assert.equal(violation(at('connect.ts'), at('engine/local.ts')), undefined);
  assert.equal(violation(at('connect.ts'), at('api/remote/engine.ts')), undefined);
  assert.equal(violation(at('engine/x.ts'), at('image/store.ts')), undefined);
  assert.ok(violation(at('build/x.ts'), at('engine/container/lifecycle.ts')));
  assert.ok(violation(at('compose/x.ts'), at('cli/main.ts')));
  assert.equal(violation(at('build/x.ts'), at('engine/api.ts')), undefined);
});
