// How a command ends (src/cli/boot.ts): after its 'exit' listeners, the
// process ends with _exit, skipping Node's own teardown. Nothing a caller
// sees may change: all of stdout, even through a pipe read slowly, and the
// exit code. A child sharing its memory frees it after the process has
// gone (native/husk.c js_exit); where PID 1 never reaps orphans (a container
// kept alive by `sleep infinity`) no process of a command may be left
// behind, not even a zombie.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { HUSK, Store } from '../helpers.ts';

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

/** pid → [state, ppid] of every process, from /proc/PID/stat. */
function processes(): Map<number, [string, number]> {
  const out = new Map<number, [string, number]>();
  for (const p of readdirSync('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    try {
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(Number(p), [state!, Number(ppid)]);
    } catch {}
  }
  return out;
}

test('under a PID 1 that never reaps (sleep), a command leaves no process, zombie or not, in its PID namespace', async () => {
  const s = new Store();
  // unshare forks the sleep as PID 1 of a new PID namespace, with its own /proc.
  const ns = spawn('unshare', ['--fork', '--pid', '--mount-proc', 'sleep', '120'], { stdio: 'ignore' });
  try {
    let init = 0;
    for (let i = 0; i < 100 && !init; i++) {
      init = [...processes()].find(([, [, ppid]]) => ppid === ns.pid)?.[0] ?? 0;
      if (!init) await new Promise((r) => setTimeout(r, 20));
    }
    assert.ok(init, 'the namespace\'s PID 1');
    assert.equal(readFileSync(`/proc/${init}/comm`, 'utf8').trim(), 'sleep');
    for (const args of [['--version'], [...s.globals, 'ps', '-a'], [...s.globals, 'images']]) {
      const r = spawnSync('nsenter', ['-t', String(init), '-p', '-m', HUSK, ...args], { encoding: 'utf8', timeout: 60_000 });
      assert.equal(r.status, 0, r.stderr);
    }
    await new Promise((r) => setTimeout(r, 200));
    const left = [...processes()].filter(([, [, ppid]]) => ppid === init);
    assert.deepEqual(left, [], 'children of the namespace\'s PID 1');
  } finally {
    ns.kill('SIGKILL');
    s.destroy();
  }
});
