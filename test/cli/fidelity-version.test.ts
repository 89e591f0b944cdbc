// `version` in Podman's local layout (containers/podman test/system/001-basic.bats
// "podman version emits reasonable output").
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { Store } from '../helpers.ts';

const s = new Store();
after(() => s.destroy());

test('version: Version first, no Client: header, Go Version, API Version and a plausible Built', () => {
  const out = s.ok(['version']);
  const lines = out.split('\n');
  assert.match(lines[0], /^Version: +[0-9][0-9.]+/);
  assert.doesNotMatch(out, /Client:/);
  assert.match(out, /^API Version: +\S/m);
  assert.match(out, /^Go Version: +\S/m);
  assert.match(out, /^OS\/Arch: +linux\/\S+$/m);
  const built = /^Built: +(.*)$/m.exec(out)?.[1];
  assert.ok(built && Date.parse(built) > Date.parse('2019-01-01'), `Built: ${built}`);
});

test('version --format: the Client fields and json', () => {
  const v = s.ok(['version', '--format', '{{.Client.Version}}']);
  assert.match(v, /^[0-9]+\.[0-9]+\.[0-9]+/);
  const j = JSON.parse(s.ok(['version', '--format', 'json']));
  for (const k of ['APIVersion', 'Version', 'GoVersion', 'GitCommit', 'BuiltTime', 'Built', 'OsArch', 'Os']) assert.ok(k in j.Client, k);
  assert.equal(j.Client.Version, v);
  assert.equal(typeof j.Client.Built, 'number');
});
