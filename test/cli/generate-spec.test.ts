// `husk generate spec` (Podman's podman-generate-spec(1)): the JSON is the
// structured spec the engine's create takes, so a spec generated from one
// container creates a second one that runs the same way.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect } from '../../src/connect.ts';
import { Store } from '../helpers.ts';

const s = new Store();
before(() => s.busybox());
after(() => s.destroyWhenIdle());

test('help: Podman usage line', () => {
  assert.match(s.ok(['generate', 'spec', '--help']), /^Usage:\n {2}husk generate spec \[options\] \{CONTAINER\|POD\}\n/);
});

test('a container: its spec as JSON, renamed NAME-clone; it creates a twin that runs the same', async () => {
  s.ok(['create', '--name', 'orig', '-e', 'GREETING=hello', '-w', '/tmp', '--label', 'k=v', 'busybox', 'sh', '-c', 'echo $GREETING from $(pwd)']);
  const out = s.ok(['generate', 'spec', 'orig']);
  assert.ok(out.includes('\n    "image": "busybox"'), 'indented JSON');
  const spec = JSON.parse(out);
  assert.equal(spec.name, 'orig-clone');
  assert.deepEqual(spec.command, ['sh', '-c', 'echo $GREETING from $(pwd)']);
  assert.deepEqual(spec.env, { GREETING: 'hello' });
  assert.deepEqual(spec.labels, { k: 'v' });
  assert.equal(spec.workdir, '/tmp');
  assert.equal(spec.createCommand, undefined, "the original's command line is not part of the new spec");
  // --name=false keeps the name; -c prints one line.
  const compact = s.ok(['generate', 'spec', '-c', '--name=false', 'orig']);
  assert.ok(!compact.includes('\n'));
  assert.equal(JSON.parse(compact).name, 'orig');
  // The spec goes straight into the engine's create (what husk's REST API takes too).
  const engine = await connect({ root: s.root, runroot: s.runroot });
  try {
    const twin = await engine.containers.create(spec);
    assert.equal(twin.config.name, 'orig-clone');
  } finally {
    await engine.close();
  }
  s.ok(['start', 'orig', 'orig-clone']);
  s.ok(['wait', 'orig', 'orig-clone']);
  assert.equal(s.ok(['logs', 'orig-clone']), 'hello from /tmp');
  assert.equal(s.ok(['logs', 'orig-clone']), s.ok(['logs', 'orig']));
  // The next free name: orig-clone is taken now.
  assert.equal(JSON.parse(s.ok(['generate', 'spec', '-c', 'orig'])).name, 'orig-clone1');
  // --filename writes the file and prints its path.
  const file = join(s.dir, 'spec.json');
  assert.equal(s.ok(['generate', 'spec', '-f', file, 'orig']), file);
  assert.equal(JSON.parse(readFileSync(file, 'utf8')).command[0], 'sh');
});

test('a pod: its PodSpec, renamed; unknown names in Podman words', async () => {
  s.ok(['pod', 'create', '--name', 'gp', '--label', 'app=x', '--infra-name', 'gp-infra']);
  const spec = JSON.parse(s.ok(['generate', 'spec', 'gp']));
  assert.equal(spec.name, 'gp-clone');
  assert.deepEqual(spec.labels, { app: 'x' });
  assert.equal(spec.infra, true);
  assert.equal(spec.infraName, undefined, "a renamed pod does not take the original's infra name");
  assert.equal(JSON.parse(s.ok(['generate', 'spec', '--name=false', 'gp'])).infraName, 'gp-infra');
  const engine = await connect({ root: s.root, runroot: s.runroot });
  try {
    await engine.pods.create(spec);
  } finally {
    await engine.close();
  }
  assert.equal(s.ok(['pod', 'inspect', '--format', '{{.Labels.app}}', 'gp-clone']), 'x');
  const r = s.husk(['generate', 'spec', 'nosuch']);
  assert.equal(r.code, 125);
  assert.equal(r.stderr, 'Error: could not find a pod or container with the id nosuch\n');
  const missing = s.husk(['generate', 'spec']);
  assert.equal(missing.code, 125);
});
