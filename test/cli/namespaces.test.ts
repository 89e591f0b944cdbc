// Sharing namespaces (--pid/--ipc/--uts/--network container:X and host),
// ps --ns, and the DNS/hosts options.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Store } from '../helpers.ts';

const s = new Store();
before(() => s.busybox());
after(() => s.destroyWhenIdle());

test('--pid container:first sees first\'s processes; ps --ns shows the same pid namespace and different networks', () => {
  s.ok(['run', '-d', '--name', 'first', 'busybox', 'sleep', '1000']);
  assert.match(s.ok(['run', '--rm', '--pid', 'container:first', 'busybox', 'ps']), /sleep 1000/);
  s.ok(['run', '-d', '--name', 'second', '--pid', 'container:first', 'busybox', 'sleep', '999']);
  const rows = s.ok(['ps', '--ns', '--format', '{{.Names}} {{.PIDNS}} {{.NET}}']).split('\n').map((l) => l.split(' '));
  const first = rows.find((r) => r[0] === 'first')!;
  const second = rows.find((r) => r[0] === 'second')!;
  assert.equal(first[1], second[1]);
  assert.notEqual(first[2], second[2]);
  assert.match(s.ok(['ps', '--ns']).split('\n')[0], /^CONTAINER ID\s+NAMES\s+PID\s+CGROUPNS\s+IPC\s+MNT\s+NET\s+PIDNS\s+USERNS\s+UTS$/);
  // The network and UTS namespaces of first: same hostname; --pid host sees the host's processes.
  const id = s.ok(['inspect', '--format', '{{.Id}}', 'first']);
  assert.equal(s.ok(['run', '--rm', '--network', 'container:first', '--uts', 'container:first', 'busybox', 'hostname']), id.slice(0, 12));
  assert.ok(Number(s.ok(['run', '--rm', '--pid', 'host', 'busybox', 'sh', '-c', 'ps | wc -l'])) > 10);
  s.ok(['rm', '-f', 'second', 'first']);
});

test('joining a missing or stopped container, or a bad mode, fails with 125', () => {
  s.ok(['create', '--name', 'stopped', 'busybox', 'true']);
  for (const args of [['--pid', 'container:nope'], ['--ipc', 'container:stopped'], ['--uts', 'sideways']]) {
    const r = s.husk(['run', '--rm', ...args, 'busybox', 'true']);
    assert.equal(r.code, 125, args.join(' '));
  }
  s.ok(['rm', 'stopped']);
  assert.equal(s.ok(['ps', '-aq']), '');
});

test('--dns, --dns-search and --add-host shape resolv.conf and /etc/hosts', () => {
  const out = s.ok(['run', '--rm', '--dns', '9.9.9.9', '--dns-search', 'example.com', '--add-host', 'db:10.1.2.3', 'busybox', 'sh', '-c', 'cat /etc/resolv.conf; grep db /etc/hosts']);
  assert.match(out, /^search example\.com\nnameserver 9\.9\.9\.9\n/);
  assert.doesNotMatch(out.split('\n').slice(2).join('\n'), /nameserver/);
  assert.match(out, /10\.1\.2\.3\tdb/);
  assert.equal(s.husk(['run', '--rm', '--add-host', 'nocolon', 'busybox', 'true']).code, 125);
});
