// Runs fuzz cases off the main thread so the test can stop a hung parser.
import { parentPort, workerData } from 'node:worker_threads';
import { check, corpus, fuzzCase } from './fuzz-cases.ts';

const { seed, count } = workerData as { seed: number; count: number };
const files = corpus();
const failures: { n: number; error: string }[] = [];
let parsed = 0;
const progress = new Int32Array(workerData.progress as SharedArrayBuffer);
for (let n = 0; n < count && failures.length < 5; n++) {
  Atomics.store(progress, 0, n);
  const error = check(fuzzCase(seed, n, files));
  if (error) failures.push({ n, error });
  else parsed++;
}
parentPort!.postMessage({ failures, parsed });
