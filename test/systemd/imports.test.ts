// src/systemd/ is a pure layer: unit text from plain inputs. It may import
// only src/common/ (and Node's modules), never the engine or the CLI, so the
// engine and CLI rewrites cannot reach into it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { REPO } from '../helpers.ts';

const SRC = join(REPO, 'src');

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
    d.isDirectory() ? files(join(dir, d.name)) : d.name.endsWith('.ts') ? [join(dir, d.name)] : []);
}

test('src/systemd imports nothing of husk but src/common', () => {
  const bad: string[] = [];
  const re = /(?:from\s*|import\(\s*|^import\s+)'(\.[^']+)'/gm;
  for (const f of files(join(SRC, 'systemd'))) {
    for (const m of readFileSync(f, 'utf8').matchAll(re)) {
      const layer = relative(SRC, resolve(dirname(f), m[1])).split('/')[0];
      if (layer !== 'systemd' && layer !== 'common') bad.push(`${relative(REPO, f)} → ${m[1]}`);
    }
  }
  assert.deepEqual(bad, []);
});
