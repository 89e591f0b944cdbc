// `husk exec` as exec sessions: what a detached one leaves behind (ExecIDs,
// a process that outlives husk), what an attached one does not, and
// signals forwarded to the process.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { HUSK, Store, until } from '../helpers.ts';

const s = new Store();
before(() => {
  s.busybox();
  s.ok(['run', '-d', '--name', 'box', 'busybox', 'sleep', '1000']);
});
after(() => s.destroyWhenIdle());

const execIds = (ref: string): string[] => JSON.parse(s.ok(['inspect', '--format', '{{json .ExecIDs}}', ref]));
/** Host pids whose command line is exactly argv. */
const pidsOf = (...argv: string[]) => readdirSync('/proc').filter((p) => {
  try { return /^\d+$/.test(p) && readFileSync(`/proc/${p}/cmdline`, 'utf8') === `${argv.join('\0')}\0`; } catch { return false; }
}).map(Number);

test('exec -d: the process outlives husk and its session is listed until the container stops', async () => {
  s.ok(['run', '-d', '--name', 'bg', 'busybox', 'sleep', '1000']);
  const before = execIds('bg');
  s.ok(['exec', 'bg', 'true']);
  assert.deepEqual(execIds('bg'), before, 'an attached exec removes its session');
  assert.equal(s.ok(['exec', '-d', 'bg', 'sleep', '4321']), '');
  const ids = execIds('bg');
  assert.equal(ids.length, before.length + 1);
  assert.match(ids.at(-1)!, /^[0-9a-f]{64}$/);
  await until(() => pidsOf('sleep', '4321').length === 1, 20_000);
  s.ok(['stop', '-t', '0', 'bg']);
  assert.deepEqual(execIds('bg'), []);
  await until(() => pidsOf('sleep', '4321').length === 0, 20_000);
});

test('signals husk receives go to the exec process', async () => {
  const child = spawn(HUSK, [...s.globals, 'exec', 'box', 'sleep', '777'], { stdio: 'ignore' });
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  await until(() => pidsOf('sleep', '777').length === 1, 10_000);
  child.kill('SIGTERM');
  assert.equal(await exited, 143, 'husk exits with the code of the process the signal killed');
  assert.deepEqual(pidsOf('sleep', '777'), []);
});
