// Image store integrity under interruption and concurrency.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FIXTURES, HUSK, Store, until } from '../helpers.ts';

const s = new Store();
after(() => s.destroy());

test('an import killed mid-way leaves no image and no layer; the next import cleans up', async () => {
  const big = join(s.dir, 'big.tar');
  // 40 000 small files: slow enough to interrupt, quick to make (tarring /usr took a minute).
  const src = join(s.dir, 'many');
  for (let d = 0; d < 200; d++) {
    mkdirSync(join(src, `d${d}`), { recursive: true });
    for (let f = 0; f < 200; f++) writeFileSync(join(src, `d${d}`, `f${f}`), `${d}/${f}\n`);
  }
  const t = spawnSync('tar', ['-cf', big, '-C', src, '.'], { stdio: 'ignore' });
  rmSync(src, { recursive: true });
  assert.ok(existsSync(big), `tar exited ${t.status}`);
  const child = spawn(HUSK, [...s.globals, 'import', big, 'big'], { stdio: 'ignore' });
  // Kill it once it is mid-way (its staging dir holds something), however slow the machine is today.
  const tmp = join(s.root, 'tmp');
  await until(() => existsSync(tmp) && readdirSync(tmp).length > 0, 60_000);
  child.kill('SIGKILL');
  await new Promise((r) => child.on('close', r));
  assert.equal(s.ok(['images', '-q']), '');
  const overlay = join(s.root, 'overlay');
  assert.deepEqual(existsSync(overlay) ? readdirSync(overlay) : [], []);
  assert.ok(readdirSync(tmp).length > 0, 'the killed import left its staging dir');
  s.busybox();
  assert.deepEqual(readdirSync(tmp), []);
  assert.equal(readdirSync(overlay).length, 1);
});

test('concurrent imports of the same tarball all succeed and share one layer', async () => {
  const runs = await Promise.all([1, 2, 3, 4].map((i) => s.huskAsync(['import', join(FIXTURES, 'busybox-rootfs.tar'), `same${i}`])));
  for (const r of runs) assert.equal(r.code, 0, r.stderr);
  // Each import is its own image (the config records its creation time), on one shared layer.
  for (const r of runs) assert.match(r.stdout.trim(), /^sha256:[0-9a-f]{64}$/);
  assert.equal(readdirSync(join(s.root, 'overlay')).length, 1);
  const names = s.ok(['images', '--format', '{{.Repository}}']).split('\n').sort();
  for (const i of [1, 2, 3, 4]) assert.ok(names.includes(`localhost/same${i}`));
});

test('after a reboot (other boot ID, processes gone) containers read as exited and rm works', async () => {
  s.husk(['import', join(FIXTURES, 'busybox-rootfs.tar'), 'busybox']);
  const id = s.ok(['run', '-d', 'busybox', 'sleep', '1000']);
  const st = JSON.parse(s.ok(['inspect', id]))[0].State;
  // Simulate the reboot: conmon dies first (so no exit file), then the process.
  process.kill(st.ConmonPid, 'SIGKILL');
  process.kill(st.Pid, 'SIGKILL');
  const { DatabaseSync } = await import('node:sqlite');
  const db = new DatabaseSync(join(s.root, 'state.db'));
  const row = db.prepare('SELECT state FROM container_state WHERE id = ?').get(id) as { state: string };
  db.prepare('UPDATE container_state SET state = ? WHERE id = ?').run(JSON.stringify({ ...JSON.parse(row.state), bootId: 'another-boot' }), id);
  db.close();
  assert.match(s.ok(['ps', '-a', '--filter', `id=${id}`, '--format', '{{.Status}}']), /^Exited/);
  assert.equal(s.ok(['ps', '-q']), '');
  s.ok(['rm', id]);
  assert.equal(s.husk(['container', 'exists', id]).code, 1);
});

test('the state database\'s WAL stays bounded across commands: a writer past 256 KiB checkpoints and truncates it', () => {
  const st = new Store();
  try {
    st.busybox();
    const wal = join(st.root, 'state.db-wal');
    const sizes: number[] = [];
    for (let i = 0; i < 24; i++) {
      st.ok(['create', '--network', 'none', '--name', `w${i}`, 'busybox', 'true']);
      sizes.push(statSync(wal).size);
    }
    // Each create appends ~28 KiB: unbounded, 24 of them would leave ~700 KiB.
    assert.ok(Math.max(...sizes) < 256 * 1024 + 96 * 1024, `WAL sizes: ${sizes.join(' ')}`);
    assert.ok(sizes.some((s, i) => i > 0 && s < sizes[i - 1]), `truncated at least once: ${sizes.join(' ')}`);
    // Nothing lost on the way.
    assert.equal(st.ok(['ps', '-a', '-q']).split('\n').length, 24);
  } finally {
    st.destroy();
  }
});
