// src/cli/option-index.ts: commander's option lookup through an index.
// The CLI's own parsing is covered by every other test; this checks the
// cases where an index could go stale or disagree with commander's scan.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Command } from 'commander';
import '../../src/cli/option-index.ts';

const find = (c: Command, flag: string) => (c as unknown as { _findOption(f: string): { flags: string } | undefined })._findOption(flag)?.flags;

test('options added after a lookup are found; a flag defined twice is refused as commander refuses it', () => {
  const c = new Command('x').exitOverride();
  c.option('-a, --alpha <v>', 'a');
  assert.equal(find(c, '--alpha'), '-a, --alpha <v>');
  assert.equal(find(c, '--beta'), undefined);
  c.option('-b, --beta', 'b');
  assert.equal(find(c, '-b'), '-b, --beta');
  assert.throws(() => c.option('--alpha', 'again'), /Cannot add option '--alpha'.*conflicting flag '--alpha'/s);
  c.exitOverride().configureOutput({ writeErr: () => {} });
  c.action(() => {});
  assert.deepEqual(c.parse(['-a', '1', '--beta'], { from: 'user' }).opts(), { alpha: '1', beta: true });
  assert.throws(() => c.parse(['--gamma'], { from: 'user' }), /unknown option '--gamma'/);
});

test('a command whose option list was replaced is indexed afresh', () => {
  const c = new Command('y');
  c.option('--one', '1');
  assert.equal(find(c, '--one'), '--one');
  (c as unknown as { options: unknown[] }).options = [];
  assert.equal(find(c, '--one'), undefined);
  c.option('--two', '2');
  assert.equal(find(c, '--two'), '--two');
});
