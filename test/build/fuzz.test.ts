// Fuzzing the parser (and planning and expansion behind it): thousands of
// seeded mutations of test/build/corpus/ must each give a Dockerfile or a
// HuskError naming file and line — never another exception, never a hang.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Worker } from 'node:worker_threads';
import { check, corpus, fuzzCase } from './fuzz-cases.ts';

const SEED = 20240612;
const COUNT = 10_000;
const LIMIT_MS = 120_000;

test('the corpus itself parses and plans cleanly', () => {
  for (const text of corpus()) assert.equal(check(text), undefined);
});

test(`${COUNT} mutated Containerfiles: an AST or a HuskError, within ${LIMIT_MS / 1000}s`, async () => {
  const progress = new SharedArrayBuffer(4);
  const worker = new Worker(new URL('./fuzz-worker.ts', import.meta.url), { workerData: { seed: SEED, count: COUNT, progress } });
  const result = await new Promise<{ failures: { n: number; error: string }[] }>((resolve, reject) => {
    const timer = setTimeout(() => {
      const n = Atomics.load(new Int32Array(progress), 0);
      void worker.terminate();
      reject(new Error(`fuzz case ${n} did not finish in time; input:\n${JSON.stringify(fuzzCase(SEED, n, corpus()))}`));
    }, LIMIT_MS);
    worker.once('message', (m) => {
      clearTimeout(timer);
      resolve(m);
    });
    worker.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
  await worker.terminate();
  const files = corpus();
  const report = result.failures.map((f) => `case ${f.n}: ${f.error}\ninput: ${JSON.stringify(fuzzCase(SEED, f.n, files))}`);
  assert.deepEqual(report, []);
});
