// compose `secrets:`, real containers: a file secret (a read-only bind
// mount, as Docker Compose does without swarm) and an external secret from
// husk's secret store (copied in with its uid/gid/mode, as podman-compose
// reads external secrets), an environment secret (a project-labelled copy in
// the store, removed by down); a missing external secret is Podman's error.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Store } from '../helpers.ts';

const store = new Store('husk-compose-secrets-');
before(() => store.busybox());
after(() => store.destroyWhenIdle());

function project(name: string, compose: string) {
  const dir = mkdtempSync(join(store.dir, `${name}-`));
  writeFileSync(join(dir, 'compose.yaml'), compose);
  writeFileSync(join(dir, 'token.txt'), 'file-token');
  return (args: string[], env: Record<string, string> = {}) => store.husk(['compose', '-p', name, '-f', join(dir, 'compose.yaml'), ...args], { timeout: 180_000, env });
}

const file = (external: string) => `services:
  app:
    image: localhost/busybox
    network_mode: none
    command: [sh, -c, 'cat /run/secrets/token; echo; cat /run/secrets/db; echo; stat -c "%u %g %a" /run/secrets/db; cat /etc/pw; echo; cat /run/secrets/fromenv; echo']
    secrets:
      - token
      - {source: db, uid: "1000", gid: "1000", mode: 0400}
      - {source: db, target: /etc/pw}
      - fromenv
secrets:
  token: {file: ./token.txt}
  db: {external: true, name: ${external}}
  fromenv: {environment: HUSK_TEST_ENV_SECRET}
`;

test('file, external and environment secrets reach the container', () => {
  store.ok(['secret', 'create', 'proj-db', '-'], { input: 'store-pass' });
  const compose = project('sec', file('proj-db'));
  const r = compose(['run', '--rm', 'app'], { HUSK_TEST_ENV_SECRET: 'env-value' });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.trim(), 'file-token\nstore-pass\n1000 1000 400\nstore-pass\nenv-value');
  // The environment secret is a project-labelled copy in the store, gone with down; the external one stays.
  assert.equal(store.ok(['secret', 'ls', '--filter', 'label=com.docker.compose.project=sec', '--format', '{{.Name}}']), 'sec_fromenv');
  const unset = compose(['run', '--rm', 'app']);
  assert.equal(unset.code, 125);
  assert.match(unset.stderr, /secrets\.fromenv\.environment: environment variable HUSK_TEST_ENV_SECRET is not set/);
  assert.equal(compose(['down', '-t', '0']).code, 0);
  assert.equal(store.husk(['secret', 'exists', 'sec_fromenv']).code, 1);
  assert.equal(store.husk(['secret', 'exists', 'proj-db']).code, 0);
});

test('a missing external secret fails with Podman\'s message', () => {
  const compose = project('miss', file('not-there'));
  const r = compose(['up', '-d'], { HUSK_TEST_ENV_SECRET: 'v' });
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /no secret with name or id "not-there": no such secret/);
  compose(['down', '-t', '0']);
});
