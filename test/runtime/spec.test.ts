// Unit tests for the config.json options: each edits only its own subtree.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as S from '../../src/runtime/spec/index.ts';
import { classifyStartError, runtimeMessage, chooseRuntime } from '../../src/runtime/oci.ts';
import { cgroupLayout } from '../../src/runtime/cgroups.ts';

test('withCapabilities: root gets the set effective; other users only bounding', () => {
  const root = S.buildSpec('/r', [S.withCapabilities(S.DEFAULT_CAPS, 0)]);
  assert.deepEqual(root.process!.capabilities!.effective, S.DEFAULT_CAPS);
  assert.deepEqual(root.process!.capabilities!.inheritable, []);
  assert.equal(S.DEFAULT_CAPS.length, 11);
  const user = S.buildSpec('/r', [S.withCapabilities(S.DEFAULT_CAPS, 1000)]);
  assert.deepEqual(user.process!.capabilities!.effective, []);
  assert.deepEqual(user.process!.capabilities!.bounding, S.DEFAULT_CAPS);
});

test('withNamespaces: private by default, host modes drop the namespace, paths join', () => {
  const s = S.buildSpec('/r', [S.withNamespaces({ network: { kind: 'host' }, ipc: { kind: 'path', path: '/proc/1/ns/ipc' } })]);
  const types = s.linux!.namespaces!.map((n) => n.type);
  assert.deepEqual(types, ['pid', 'ipc', 'uts', 'mount', 'cgroup']);
  assert.equal(s.linux!.namespaces!.find((n) => n.type === 'ipc')!.path, '/proc/1/ns/ipc');
});

test('withMounts: a later mount replaces one at the same destination', () => {
  const s = S.buildSpec('/r', [S.withMounts(S.defaultMounts({ bindSys: false })), S.withMounts([S.bindFile('/x/hosts', '/dev/shm')])]);
  const shm = s.mounts.filter((m) => m.destination === '/dev/shm');
  assert.equal(shm.length, 1);
  assert.equal(shm[0].source, '/x/hosts');
  assert.ok(s.mounts.some((m) => m.destination === '/proc' && m.type === 'proc'));
});

test('defaultMounts: host network binds /sys instead of a new sysfs', () => {
  assert.equal(S.defaultMounts({ bindSys: true }).find((m) => m.destination === '/sys')!.type, 'bind');
  assert.equal(S.defaultMounts({ bindSys: false }).find((m) => m.destination === '/sys')!.type, 'sysfs');
});

test('masked and read-only paths match Podman', () => {
  const s = S.buildSpec('/r', [S.withMaskedPaths(), S.withReadonlyPaths()]);
  assert.ok(s.linux!.maskedPaths!.includes('/proc/kcore'));
  assert.ok(s.linux!.readonlyPaths!.includes('/proc/sys'));
});

test('resources: pids limit, device deny-all, cgroups path', () => {
  const s = S.buildSpec('/r', [S.withPidsLimit(2048), S.withDefaultDevicePolicy(), S.withCgroupsPath('/husk/x')]);
  assert.deepEqual(s.linux!.resources!.pids, { limit: 2048 });
  assert.deepEqual(s.linux!.resources!.devices, [{ allow: false, access: 'rwm' }]);
  assert.equal(s.linux!.cgroupsPath, '/husk/x');
  assert.equal(S.buildSpec('/r', [S.withPidsLimit(0)]).linux, undefined);
});

test('runtime error messages map to Podman exit codes', () => {
  assert.equal(classifyStartError('exec: "/nope": stat /nope: no such file or directory', '/nope').exitCode, 127);
  assert.equal(classifyStartError('exec: "/etc/passwd": permission denied', '/etc/passwd').exitCode, 126);
  assert.equal(classifyStartError('something else broke', 'x').exitCode, 125);
  assert.equal(runtimeMessage('time="2024" level=error msg="container \\"x\\" does not exist"\n'), 'container "x" does not exist');
  assert.equal(runtimeMessage('{"level":"error","msg":"boom"}'), 'boom');
});

test('runtime choice: crun (wrapped by husk-crun on a hybrid host) falls back to runc only where it cannot run', () => {
  const paths = { crun: ['/usr/bin/crun'], runc: ['/usr/sbin/runc'] };
  const c = chooseRuntime('crun', paths);
  assert.equal(c.name, 'crun');
  assert.equal(c.fallbackReason, undefined);
  if (cgroupLayout() === 'hybrid-with-v2-controllers') {
    assert.match(c.wrapper!, /husk-crun$/);
    const without = chooseRuntime('crun', paths, '/nonexistent/husk-crun');
    assert.equal(without.name, 'runc');
    assert.match(without.fallbackReason!, /hybrid.*husk-crun is missing/);
  } else {
    assert.equal(c.wrapper, undefined);
  }
  assert.equal(chooseRuntime('runc', paths).name, 'runc');
  assert.throws(() => chooseRuntime('nope', { runc: ['/nonexistent'] }), /not found/);
});

test('withUserNamespace: a user namespace with the mappings; devpts loses gid=5 when gid 5 is unmapped', () => {
  const map = [{ containerID: 0, hostID: 1, size: 1000 }];
  const s = S.buildSpec('/r', [S.withMounts(S.defaultMounts({ bindSys: false })), S.withNamespaces({}), S.withUserNamespace(map, map)]);
  assert.deepEqual(s.linux!.namespaces!.map((n) => n.type), ['pid', 'network', 'ipc', 'uts', 'mount', 'cgroup', 'user']);
  assert.deepEqual(s.linux!.uidMappings, map);
  assert.ok(s.mounts.find((m) => m.type === 'devpts')!.options!.includes('gid=5'));
  const high = [{ containerID: 100, hostID: 1, size: 10 }];
  const t = S.buildSpec('/r', [S.withMounts(S.defaultMounts({ bindSys: false })), S.withUserNamespace(high, high)]);
  assert.ok(!t.mounts.find((m) => m.type === 'devpts')!.options!.includes('gid=5'));
});

test('serializeSpec: rlimits of -1 become 2^64-1 exactly; the rest of the spec is plain JSON', () => {
  const spec = S.buildSpec('/r', [S.withRlimits([{ type: 'RLIMIT_CORE', soft: -1, hard: -1 }, { type: 'RLIMIT_NOFILE', soft: 1024, hard: -1 }])]);
  const text = S.serializeSpec(spec);
  assert.match(text, /"rlimits":\[\{"type":"RLIMIT_CORE","soft":18446744073709551615,"hard":18446744073709551615\},\{"type":"RLIMIT_NOFILE","soft":1024,"hard":18446744073709551615\}\]/);
  assert.deepEqual(spec.process!.rlimits![0], { type: 'RLIMIT_CORE', soft: -1, hard: -1 }, 'the spec itself is left as it was');
  const plain = S.buildSpec('/r', [S.withRlimits([{ type: 'RLIMIT_NOFILE', soft: 1024, hard: 2048 }])]);
  assert.equal(S.serializeSpec(plain), JSON.stringify(plain));
});
