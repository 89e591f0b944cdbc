// Every command has --help; bad invocations fail like Podman (125, one clear line).
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { Store } from '../helpers.ts';

const s = new Store();
after(() => s.destroy());

const COMMANDS = ['attach', 'create', 'events', 'exec', 'images', 'import', 'info', 'inspect', 'kill', 'load', 'logs',
  'pause', 'ps', 'rename', 'restart', 'rm', 'rmi', 'run', 'start', 'stop', 'tag', 'top', 'unpause', 'version', 'wait',
  'container ps', 'container ls', 'container inspect', 'container prune', 'container exists', 'container cleanup',
  'image ls', 'image rm', 'image inspect', 'image exists', 'image tag', 'image untag', 'system info'];

test('husk COMMAND --help works for every command', () => {
  for (const c of COMMANDS) {
    const r = s.husk([...c.split(' '), '--help']);
    assert.equal(r.code, 0, `${c}: ${r.stderr}`);
    assert.match(r.stdout, new RegExp(`^Usage:\n  husk ${c}( |$)`, "m"), c);
  }
});

test('bad invocations exit 125 with one Error line', () => {
  for (const args of [['run', '--bogus', 'busybox'], ['run'], ['bogus'], [], ['stop', '-t', 'x', 'c'], ['logs', '--tail', 'abc', 'c']]) {
    const r = s.husk(args);
    assert.equal(r.code, 125, args.join(' '));
    const errors = r.stderr.split('\n').filter((l) => l.startsWith('Error: '));
    assert.equal(errors.length, 1, `${args.join(' ')}: ${r.stderr}`);
  }
});

test('operations on a missing container name it and exit 125', () => {
  // rm is Podman's exception: 1 for no such container (fidelity-exit-codes.test.ts).
  for (const cmd of ['start', 'stop', 'kill', 'logs', 'inspect', 'wait', 'pause', 'top']) {
    const r = s.husk([cmd, 'no-such-ctr']);
    assert.equal(r.code, 125, cmd);
    assert.match(r.stderr, /no-such-ctr/, cmd);
  }
});
