// Build-context filtering (src/build/ignore.ts): Docker's .dockerignore semantics, symlinks never followed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { HuskError } from '../../src/common/errors.ts';
import { loadIgnore } from '../../src/build/ignore.ts';

function context(files: Record<string, string>): { dir: string; [Symbol.dispose](): void } {
  const dir = mkdtempSync(join(tmpdir(), 'husk-ctx-'));
  for (const [path, body] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), body);
  }
  return { dir, [Symbol.dispose]: () => rmSync(dir, { recursive: true, force: true }) };
}

const paths = (dir: string, opts = {}) => loadIgnore(dir, opts).walk().map((e) => (e.type === 'dir' ? `${e.path}/` : e.path));

test('no ignore file: everything is in', () => {
  using c = context({ 'a.txt': '', 'd/b.txt': '' });
  assert.deepEqual(paths(c.dir), ['a.txt', 'd/', 'd/b.txt']);
  assert.equal(loadIgnore(c.dir).source, undefined);
});

test('** and ! exceptions, also below an excluded directory; leading / anchors', () => {
  using c = context({
    '.dockerignore': '# comment\n**/*.log\nbuild\n!build/keep.txt\n/top.md\nnode_modules\n*.tmp\n',
    'a.log': '', 'd/e/f.log': '', 'build/x.o': '', 'build/keep.txt': '', 'top.md': '', 'd/top.md': '',
    'node_modules/p/index.js': '', 'x.tmp': '', 'd/y.tmp': '', 'src/main.go': '',
  });
  assert.deepEqual(paths(c.dir), ['.dockerignore', 'build/keep.txt', 'd/', 'd/e/', 'd/top.md', 'd/y.tmp', 'src/', 'src/main.go']);
  const f = loadIgnore(c.dir);
  assert.equal(f.source, '.dockerignore');
  assert.equal(f.includes('d/e/f.log'), false);
  assert.equal(f.includes('./build/keep.txt'), true);
  assert.equal(f.includes('build/other'), false);
  assert.equal(f.includes('d/top.md'), true);
  assert.throws(() => f.includes('../etc/passwd'), HuskError);
});

test('.containerignore wins over .dockerignore; the Containerfile and ignore file stay in', () => {
  using c = context({ '.containerignore': '*\n', '.dockerignore': 'a\n', Containerfile: 'FROM x', a: '', sub: '' });
  assert.deepEqual(paths(c.dir, { containerfile: 'Containerfile' }), ['.containerignore', 'Containerfile']);
  assert.deepEqual(paths(c.dir, { containerfile: join(c.dir, 'Containerfile') }), ['.containerignore', 'Containerfile']);
  // A Containerfile outside the context is not added to it.
  assert.deepEqual(paths(c.dir, { containerfile: '/elsewhere/Containerfile' }), ['.containerignore']);
});

test('--ignorefile replaces the default files', () => {
  using c = context({ '.dockerignore': 'a\n', 'custom.ignore': 'b\n', a: '', b: '' });
  assert.deepEqual(paths(c.dir, { ignoreFile: 'custom.ignore' }), ['.dockerignore', 'a', 'custom.ignore']);
});

test('symlinks are listed as symlinks and never followed', () => {
  using c = context({ 'real/f': '' });
  symlinkSync('/etc', join(c.dir, 'etc-link'));
  symlinkSync('../../..', join(c.dir, 'real/up'));
  const entries = loadIgnore(c.dir).walk();
  assert.deepEqual(entries, [
    { path: 'etc-link', type: 'symlink', linkTarget: '/etc' },
    { path: 'real', type: 'dir' },
    { path: 'real/f', type: 'file' },
    { path: 'real/up', type: 'symlink', linkTarget: '../../..' },
  ]);
});
