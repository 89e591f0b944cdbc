// Temporary project directories with real Compose files for the loader tests.
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import assert from 'node:assert/strict';
import { HuskError } from '../../src/common/errors.ts';

const dirs: string[] = [];

/** A fresh directory (named `name`, so the default project name is predictable) holding `files`. */
export function project(files: Record<string, string>, name = 'myapp'): string {
  const root = mkdtempSync(join(tmpdir(), 'husk-compose-'));
  dirs.push(root);
  const dir = join(root, name);
  mkdirSync(dir);
  for (const [f, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, f)), { recursive: true });
    writeFileSync(join(dir, f), text);
  }
  return dir;
}

export function cleanup(): void {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
}

/** Asserts fn throws HuskError INVALID_ARGUMENT whose message matches. */
export function throwsInvalid(fn: () => unknown, message: string | RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof HuskError, `expected a HuskError, got ${String(e)}`);
    assert.equal(e.code, 'INVALID_ARGUMENT');
    if (typeof message === 'string') assert.equal(e.message, message);
    else assert.match(e.message, message);
    return true;
  });
}
