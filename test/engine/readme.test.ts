// The README's library example, run as written: the ```js block under
// "Using the library" is copied into a module inside the package (so
// `import 'husk'` resolves to dist/lib.js through package.json's exports)
// and run by Node against a store of its own (HUSK_STORAGE_CONF).
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO, Store } from '../helpers.ts';

const store = new Store('husk-readme-');
const tmp = mkdtempSync(join(REPO, '.tmp-readme-'));

after(async () => {
  rmSync(tmp, { recursive: true, force: true });
  await store.destroyWhenIdle();
});

function readmeExample(): string {
  const text = readFileSync(join(REPO, 'README.md'), 'utf8');
  const section = text.slice(text.indexOf('## Using the library'));
  const m = /```js\n([\s\S]*?)```/.exec(section);
  assert.ok(m, 'README has a js block under "Using the library"');
  return m[1];
}

test('the README library example runs: create, start, stream logs, wait, remove', () => {
  store.busybox();
  const conf = join(tmp, 'storage.conf');
  writeFileSync(conf, `[storage]\ngraphroot = "${store.root}"\nrunroot = "${store.runroot}"\n`);
  const file = join(tmp, 'example.mjs');
  writeFileSync(file, readmeExample());
  const r = spawnSync(process.execPath, [file], { encoding: 'utf8', env: { ...process.env, HUSK_STORAGE_CONF: conf }, timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, 'stdout: line 1\nstdout: line 2\nstdout: line 3\nexit code 3\n');
  assert.equal(store.ok(['ps', '-aq']), '', 'the example removed its container');
});
