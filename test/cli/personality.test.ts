// --personality (issue 15): the OCI spec's linux.personality. crun sets it
// itself; runc 1.1 ignores the field, so husk starts conmon (and through it
// runc and the container) under setarch. Checked by `uname -m`, which says
// i686 under LINUX32 on x86_64, in the container and in an exec session.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { arch } from 'node:os';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Store } from '../helpers.ts';

const s = new Store();
before(() => s.busybox());
after(() => s.destroy());

const runtimes = ['crun', 'runc'].filter((r) => existsSync(`/usr/bin/${r}`) || existsSync(`/usr/sbin/${r}`));

for (const rt of runtimes) {
  test(`--personality LINUX32 under ${rt}: uname -m is i686 in the container and in exec`, { skip: arch() === 'x64' ? false : 'needs x86_64' }, () => {
    const g = ['--runtime', rt];
    assert.equal(s.ok([...g, 'run', '--rm', '--personality=LINUX32', 'busybox', 'uname', '-m']), 'i686');
    assert.equal(s.ok([...g, 'run', '--rm', '--personality', 'linux', 'busybox', 'uname', '-m']), 'x86_64');
    assert.equal(s.ok([...g, 'run', '--rm', 'busybox', 'uname', '-m']), 'x86_64');
    s.ok([...g, 'run', '-d', '--name', `p-${rt}`, '--personality=LINUX32', 'busybox', 'sleep', '300']);
    assert.equal(s.ok(['exec', `p-${rt}`, 'uname', '-m']), 'i686');
    const id = s.ok(['inspect', '--format', '{{.Id}}', `p-${rt}`]);
    const spec = JSON.parse(readFileSync(join(s.root, 'containers', id, 'userdata', 'config.json'), 'utf8'));
    assert.deepEqual(spec.linux.personality, { domain: 'LINUX32' });
    s.ok(['rm', '-f', '-t', '0', `p-${rt}`]);
  });
}

test('--personality: an unknown domain is refused before anything is created', () => {
  const r = s.husk(['create', '--name', 'bad', '--personality=BSD', 'busybox']);
  assert.deepEqual([r.code, r.stderr.trim()], [125, 'Error: invalid personality "BSD": must be LINUX or LINUX32']);
  assert.equal(s.husk(['container', 'exists', 'bad']).code, 1);
});
