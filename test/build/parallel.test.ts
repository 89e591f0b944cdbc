// Parallel stages: two stages that do not depend on each other run at the
// same time (their RUNs' start..end intervals intersect); with --jobs 1
// they run one after the other (the same check then fails, so it can).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Store } from '../helpers.ts';

const store = new Store('husk-build-parallel-');
let dir: string;
before(() => {
  store.busybox();
  dir = mkdtempSync(join(store.dir, 'ctx-'));
  // Each stage records when its RUN started and ended (seconds); 4 s of sleep
  // leaves room for a slow start on a loaded machine.
  const stage = (name: string) => [
    `FROM busybox AS ${name}`,
    `RUN mkdir /t && date +%s > /t/start && echo ${name}-started && sleep 4 && date +%s > /t/end`,
  ];
  writeFileSync(join(dir, 'Containerfile'), [
    ...stage('a'), ...stage('b'),
    'FROM busybox',
    'COPY --from=a /t /a',
    'COPY --from=b /t /b',
    'CMD ["cat", "/a/start", "/a/end", "/b/start", "/b/end"]',
  ].join('\n'));
});
after(() => store.destroyWhenIdle());

function intervals(tag: string): { a: [number, number]; b: [number, number] } {
  const [as, ae, bs, be] = store.ok(['run', '--rm', tag]).split('\n').map(Number);
  return { a: [as, ae], b: [bs, be] };
}

const overlap = (x: [number, number], y: [number, number]) => Math.max(x[0], y[0]) < Math.min(x[1], y[1]);

test('independent stages run at the same time (default --jobs)', () => {
  const out = store.ok(['build', '-t', 'par', dir]);
  assert.match(out, /a-started/);
  assert.match(out, /b-started/);
  const { a, b } = intervals('par');
  assert.ok(overlap(a, b), `stage a ran ${a}, stage b ran ${b}: no overlap`);
});

test('--jobs 1 builds one stage at a time; a bad --jobs is refused', () => {
  store.ok(['build', '--no-cache', '--jobs', '1', '-t', 'seq', dir]);
  const { a, b } = intervals('seq');
  assert.ok(!overlap(a, b), `stage a ran ${a}, stage b ran ${b}: they overlap`);
  const r = store.husk(['build', '--jobs', '0', dir]);
  assert.equal(r.code, 125);
  assert.match(r.stderr, /--jobs: "0" is not a positive number/);
});

test('a failing stage fails the build while the other one still ends cleanly', () => {
  const bad = mkdtempSync(join(store.dir, 'ctx-'));
  writeFileSync(join(bad, 'Containerfile'), [
    'FROM busybox AS ok', 'RUN sleep 2 && echo ok-done',
    'FROM busybox AS broken', 'RUN exit 7',
    'FROM busybox', 'COPY --from=ok /etc/passwd /p', 'COPY --from=broken /etc/passwd /q',
  ].join('\n'));
  const r = store.husk(['build', bad]);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /exit status 7/);
  assert.equal(store.ok(['ps', '-a', '-q']), '');
  assert.equal(store.ok(['image', 'mount']), '', 'no image left mounted');
});
