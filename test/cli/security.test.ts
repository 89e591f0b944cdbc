// Security options, checked from inside real containers.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Store } from '../helpers.ts';

const s = new Store();
before(() => s.busybox());
after(() => s.destroy());

const capEff = (args: string[]) => s.ok(['run', '--rm', ...args, 'busybox', 'grep', 'CapEff', '/proc/self/status']).split(/\s+/)[1];
const hostBnd = /^CapBnd:\s*(\w+)$/m.exec(readFileSync('/proc/self/status', 'utf8'))![1];

test('--cap-add and --cap-drop change the effective set; ALL works both ways', () => {
  assert.equal(capEff([]), '00000000800405fb');
  // +NET_ADMIN (bit 12) and -CHOWN (bit 0)
  assert.equal(capEff(['--cap-add', 'net_admin', '--cap-drop', 'CAP_CHOWN']), '00000000800415fa');
  assert.equal(capEff(['--cap-drop', 'all']), '0000000000000000');
  assert.equal(capEff(['--cap-add', 'ALL']), hostBnd);
  const bad = s.husk(['run', '--rm', '--cap-add', 'nosuchcap', 'busybox', 'true']);
  assert.equal(bad.code, 125);
  assert.match(bad.stderr, /unknown capability "CAP_NOSUCHCAP"/);
});

test('a non-root user gets no effective capabilities', () => {
  assert.equal(capEff(['-u', '1000']), '0000000000000000');
});

test('--privileged: all of husk\'s capabilities, nothing masked, mount allowed, /sys writable', () => {
  assert.equal(capEff(['--privileged']), hostBnd);
  const def = s.ok(['run', '--rm', 'busybox', 'sh', '-c', 'wc -c < /proc/keys; mount -t tmpfs t /tmp 2>/dev/null && echo mount || echo nomount; grep " /sys " /proc/mounts | cut -d" " -f4 | cut -d, -f1']);
  assert.deepEqual(def.split('\n'), ['0', 'nomount', 'ro']);
  const priv = s.ok(['run', '--rm', '--privileged', 'busybox', 'sh', '-c', 'wc -c < /proc/keys; mount -t tmpfs t /tmp 2>/dev/null && echo mount || echo nomount; grep " /sys " /proc/mounts | cut -d" " -f4 | cut -d, -f1']);
  const [keys, mount, sys] = priv.split('\n');
  assert.ok(Number(keys) > 0);
  assert.equal(mount, 'mount');
  assert.equal(sys, 'rw');
});

test('--security-opt mask/unmask and no-new-privileges', () => {
  assert.ok(Number(s.ok(['run', '--rm', '--security-opt', 'unmask=ALL', 'busybox', 'sh', '-c', 'wc -c < /proc/keys'])) > 0);
  assert.equal(s.ok(['run', '--rm', '--security-opt', 'mask=/etc/hostname', 'busybox', 'sh', '-c', 'wc -c < /etc/hostname']), '0');
  assert.equal(s.ok(['run', '--rm', '--security-opt', 'no-new-privileges', 'busybox', 'grep', 'NoNewPrivs', '/proc/self/status']).split(/\s+/)[1], '1');
  assert.equal(s.ok(['run', '--rm', 'busybox', 'grep', 'NoNewPrivs', '/proc/self/status']).split(/\s+/)[1], '0');
  const bad = s.husk(['run', '--rm', '--security-opt', 'bogus=1', 'busybox', 'true']);
  assert.equal(bad.code, 125);
  assert.match(bad.stderr, /invalid --security-opt "bogus=1"/);
});

test('--device adds a device node; --group-add adds supplementary groups; --sysctl sets namespaced sysctls', () => {
  assert.match(s.ok(['run', '--rm', '--device', '/dev/null:/dev/mynull', 'busybox', 'ls', '-l', '/dev/mynull']), /^crw.* 1,\s+3 /);
  assert.equal(s.husk(['run', '--rm', '--device', '/nonexistent', 'busybox', 'true']).code, 125);
  assert.match(s.ok(['run', '--rm', '--group-add', '1000', '--group-add', 'nogroup', 'busybox', 'id', '-G']), /^0 1000 65534$/);
  assert.equal(s.ok(['run', '--rm', '--sysctl', 'net.ipv4.ip_forward=1', 'busybox', 'cat', '/proc/sys/net/ipv4/ip_forward']), '1');
  const host = s.husk(['run', '--rm', '--sysctl', 'kernel.hostname=x', 'busybox', 'true']);
  assert.equal(host.code, 125);
  assert.match(host.stderr, /sysctl "kernel.hostname" is not allowed/);
});
