// The engine-API suites again, against the remote client: each suite file
// runs in a child with HUSK_TEST_REMOTE=1, so openEngine() (test/engine/
// engine.ts) hands it a RemoteEngine over an in-process husk server.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { REPO } from '../helpers.ts';

const SUITES = ['api-containers', 'api-exec', 'api-pods', 'api-volumes', 'api-networks', 'api-images', 'api-system', 'api-secrets'];

for (const suite of SUITES) {
  test(`${suite} over the remote client`, () => {
    const r = spawnSync(process.execPath, ['--test', '--test-concurrency=1', '--test-timeout=300000', join(REPO, 'test/engine', `${suite}.test.ts`)], {
      env: { ...process.env, HUSK_TEST_REMOTE: '1' }, encoding: 'utf8', timeout: 900_000,
    });
    assert.equal(r.status, 0, `${suite} failed remotely:\n${r.stdout.split('\n').filter((l) => /not ok|Error|assert/i.test(l)).slice(0, 40).join('\n')}`);
  });
}
