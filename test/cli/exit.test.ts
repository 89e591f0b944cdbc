// How a command ends (src/cli/boot.ts): after its 'exit' listeners, the
// process ends with _exit, skipping Node's own teardown. Nothing a caller
// sees may change: all of stdout, even through a pipe read slowly, and the
// exit code.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { HUSK } from '../helpers.ts';

test('stdout through a pipe nobody reads for a while arrives whole', async () => {
  // ~240 KB: several times a pipe's buffer, so the writes wait for the reader.
  const dir = mkdtempSync('/var/tmp/husk-exit-');
  try {
    const file = join(dir, 'out');
    const toFile = spawnSync('sh', ['-c', `"${HUSK}" completion fish > "${file}"`]);
    assert.equal(toFile.status, 0, String(toFile.stderr));
    const expected = readFileSync(file, 'utf8');
    assert.ok(expected.length > 3 * 65536, `output of ${expected.length} bytes`);

    const p = spawn(HUSK, ['completion', 'fish'], { stdio: ['ignore', 'pipe', 'pipe'] });
    p.stdout.pause();
    await new Promise((r) => setTimeout(r, 500));
    const chunks: Buffer[] = [];
    p.stdout.on('data', (c: Buffer) => chunks.push(c));
    p.stdout.resume();
    const code = await new Promise<number | null>((r) => p.on('close', r));
    assert.equal(code, 0);
    assert.equal(Buffer.concat(chunks).toString('utf8'), expected);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('exit codes and stderr stay as the command set them', () => {
  const missing = spawnSync(HUSK, ['container', 'exists', 'no-such-container-here'], { encoding: 'utf8' });
  assert.equal(missing.status, 1);
  const usage = spawnSync(HUSK, ['ps', '--no-such-flag'], { encoding: 'utf8' });
  assert.equal(usage.status, 125);
  assert.match(usage.stderr, /^Error: unknown flag: --no-such-flag\n/);
  const bad = spawnSync(HUSK, ['--log-level=bogus', 'ps'], { encoding: 'utf8' });
  assert.equal(bad.status, 1);
});
