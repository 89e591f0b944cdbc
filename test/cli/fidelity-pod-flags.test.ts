// pod create/clone flags of Podman 4.3 that act on the pod's cgroup (its
// members share the limits) or on the infra container (its members inherit
// mounts, devices, security options, /dev/shm size and user namespace, and
// see its sysctls through the shared namespaces): each checked by its effect
// in a real member container, and by pod inspect as Podman shows it.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, hostname } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { request } from 'node:http';
import { HUSK, Store, TestUser, loopDevice, until } from '../helpers.ts';

const s = new Store();
before(() => s.busybox());
after(() => s.destroyWhenIdle());

/** Runs a member of POD and returns its output. */
const inPod = (pod: string, ...cmd: string[]) => s.ok(['run', '--rm', '--pod', pod, 'busybox', ...cmd]);
const fails = (args: string[], stderr: string) => {
  const r = s.husk(args);
  assert.equal(r.code, 125, r.stderr);
  assert.equal(r.stderr, `Error: ${stderr}\n`);
};
const cg = (ctl: string, path: string, file: string) => readFileSync(`/sys/fs/cgroup/${ctl}${path}/${file}`, 'utf8').trim();

test('--memory, --memory-swap, --cpus, --cpu-shares, --cpuset-cpus: limits on the pod\'s cgroup, which every member runs under', () => {
  const pod = s.ok(['pod', 'create', '--network', 'none', '--name', 'res', '-m', '64m', '--cpus', '0.5', '-c', '512', '--cpuset-cpus', '1']);
  const id = s.ok(['run', '-d', '--pod', 'res', 'busybox', 'sleep', '1000']);
  const podPath = `/husk/${pod}`;
  assert.equal(cg('memory', podPath, 'memory.limit_in_bytes'), String(64 << 20));
  assert.equal(cg('memory', podPath, 'memory.memsw.limit_in_bytes'), String(128 << 20), 'Podman\'s default swap: twice the memory');
  assert.equal(cg('cpu', podPath, 'cpu.cfs_quota_us'), '50000');
  assert.equal(cg('cpu', podPath, 'cpu.shares'), '512');
  assert.equal(cg('cpuset', podPath, 'cpuset.cpus'), '1');
  // The member (and the infra container) run under the pod's cgroup, so the limits hold for them.
  const pid = s.ok(['inspect', '--format', '{{.State.Pid}}', id]);
  assert.match(readFileSync(`/proc/${pid}/cgroup`, 'utf8'), new RegExp(`:memory:${podPath}/husk-${id}\n`));
  assert.equal(s.ok(['exec', id, 'sh', '-c', 'grep Cpus_allowed_list /proc/self/status | cut -f2']), '1');
  const [info] = JSON.parse(s.ok(['pod', 'inspect', 'res']));
  assert.equal(info.CgroupParent, '/husk');
  assert.equal(info.CgroupPath, podPath);
  assert.equal(info.memory_limit, 64 << 20);
  assert.equal(info.memory_swap, 128 << 20);
  assert.equal(info.cpu_period, 100000);
  assert.equal(info.cpu_quota, 50000);
  assert.equal(info.cpu_shares, 512);
  assert.equal(info.cpuset_cpus, '1');
  assert.equal(info.InfraConfig.cpu_quota, 50000);
  s.ok(['pod', 'rm', '-f', '-t', '0', 'res']);
  assert.equal(existsSync(`/sys/fs/cgroup/memory${podPath}`), false, 'pod rm removes the pod\'s cgroup');
  // A pod without limits keeps husk's own layout; --memory-swap -1 is unlimited swap.
  const p2 = s.ok(['pod', 'create', '--network', 'none', '--memory', '32m', '--memory-swap', '-1', 'swapless']);
  inPod('swapless', 'true');
  assert.equal(cg('memory', `/husk/${p2}`, 'memory.limit_in_bytes'), String(32 << 20));
  assert.equal(cg('memory', `/husk/${p2}`, 'memory.memsw.limit_in_bytes'), '9223372036854771712');
  s.ok(['pod', 'rm', '-f', '-t', '0', 'swapless']);
});

test('--share-parent=false: members keep husk\'s own cgroups and the pod has no limits (Podman\'s); bad limits are refused', () => {
  s.ok(['pod', 'create', '--network', 'none', '--share-parent=false', '--memory', '64m', '--name', 'noparent']);
  const id = s.ok(['run', '-d', '--pod', 'noparent', 'busybox', 'sleep', '1000']);
  const pid = s.ok(['inspect', '--format', '{{.State.Pid}}', id]);
  assert.match(readFileSync(`/proc/${pid}/cgroup`, 'utf8'), new RegExp(`:memory:/husk/husk-${id}\n`));
  assert.equal(s.ok(['pod', 'inspect', '--format', '{{.CgroupPath}}|{{.MemoryLimit}}', 'noparent']), '|0');
  s.ok(['pod', 'rm', '-f', '-t', '0', 'noparent']);
  // Podman clamps --cpus to the host's CPUs.
  s.ok(['pod', 'create', '--network', 'none', '--cpus', '999', '--name', 'manycpus']);
  assert.equal(s.ok(['pod', 'inspect', '--format', '{{.CPUQuota}}', 'manycpus']), String(availableParallelism() * 100000));
  s.ok(['pod', 'rm', 'manycpus']);
  fails(['pod', 'create', '--network', 'none', '--share-parent', 'mypod'], 'invalid argument "mypod" for "--share-parent" flag: strconv.ParseBool: parsing "mypod": invalid syntax');
  fails(['pod', 'create', '--network', 'none', '--memory', '1k'], 'minimum memory limit allowed is 6MB');
  fails(['pod', 'create', '--network', 'none', '--cpus', 'x'], 'invalid argument "x" for "--cpus" flag');
  assert.equal(s.ok(['pod', 'ps', '-q']), '', 'no pod is left behind');
});

test('-v, --device, --security-opt, --sysctl, --shm-size: set on the infra container, every member inherits them', () => {
  const dir = join(s.dir, 'shared');
  mkdirSync(dir);
  writeFileSync(join(dir, 'f'), 'from the host\n');
  s.ok(['pod', 'create', '--network', 'none', '--name', 'inh', '-v', `${dir}:/data:ro`, '--device', '/dev/null:/dev/mynull',
    '--security-opt', 'no-new-privileges', '--sysctl', 'kernel.msgmax=4096', '--sysctl', 'net.ipv4.ip_forward=1', '--shm-size', '2m']);
  assert.equal(inPod('inh', 'cat', '/data/f'), 'from the host');
  assert.notEqual(s.husk(['run', '--rm', '--pod', 'inh', 'busybox', 'touch', '/data/g']).code, 0, 'the :ro option is inherited');
  assert.equal(inPod('inh', 'sh', '-c', 'test -c /dev/mynull && echo char'), 'char');
  assert.equal(inPod('inh', 'sh', '-c', 'grep NoNewPrivs /proc/self/status | cut -f2'), '1');
  // Namespaced sysctls: through the shared IPC and network namespaces.
  assert.equal(inPod('inh', 'cat', '/proc/sys/kernel/msgmax'), '4096');
  assert.equal(inPod('inh', 'cat', '/proc/sys/net/ipv4/ip_forward'), '1');
  assert.equal(inPod('inh', 'sh', '-c', 'df -k /dev/shm | tail -1 | awk \'{print $2}\''), '2048');
  // What a member sets itself wins.
  assert.equal(s.ok(['run', '--rm', '--pod', 'inh', '--shm-size', '4m', 'busybox', 'sh', '-c', 'df -k /dev/shm | tail -1 | awk \'{print $2}\'']), '4096');
  const [info] = JSON.parse(s.ok(['pod', 'inspect', 'inh']));
  assert.equal(info.mounts.length, 1);
  assert.deepEqual([info.mounts[0].Type, info.mounts[0].Source, info.mounts[0].Destination, info.mounts[0].RW], ['bind', dir, '/data', false]);
  assert.deepEqual(info.security_opt, ['no-new-privileges']);
  s.ok(['pod', 'rm', '-f', '-t', '0', 'inh']);
  // Run's parsers and their errors.
  fails(['pod', 'create', '--network', 'none', '--sysctl', 'kernel.hostname=x'], 'sysctl "kernel.hostname" is not allowed');
  fails(['pod', 'create', '--network', 'none', '-v', '/nonexistent-husk-dir:/x'], 'statfs /nonexistent-husk-dir: no such file or directory');
  assert.equal(s.ok(['pod', 'ps', '-q']), '');
});

test('--volumes-from: the pod\'s members get the named container\'s volumes; an anonymous -v volume is one for the whole pod', () => {
  s.ok(['run', '--name', 'vsrc', '-v', 'podflagsvol:/vf', 'busybox', 'sh', '-c', 'echo shared > /vf/file']);
  s.ok(['pod', 'create', '--network', 'none', '--name', 'vf', '--volumes-from', 'vsrc', '-v', '/anon']);
  assert.equal(inPod('vf', 'cat', '/vf/file'), 'shared');
  inPod('vf', 'sh', '-c', 'echo one > /anon/x');
  assert.equal(inPod('vf', 'cat', '/anon/x'), 'one', 'the second member sees the first one\'s write');
  assert.deepEqual(JSON.parse(s.ok(['pod', 'inspect', 'vf']))[0].volumes_from, ['vsrc']);
  assert.equal(s.ok(['pod', 'inspect', '--format', '{{.VolumesFrom}} {{.MemoryLimit}}', 'vf']), '[vsrc] 0');
  s.ok(['pod', 'rm', '-f', '-t', '0', 'vf']);
  s.ok(['rm', '-v', 'vsrc']);
  s.ok(['volume', 'rm', 'podflagsvol']);
});

test('--uts host and --pid host: the infra container\'s namespaces, which members share', () => {
  s.ok(['pod', 'create', '--network', 'none', '--name', 'hostns', '--uts', 'host', '--pid', 'host', '--share', 'ipc,net,uts,pid']);
  assert.equal(inPod('hostns', 'hostname'), hostname());
  assert.equal(inPod('hostns', 'cat', '/proc/1/comm'), readFileSync('/proc/1/comm', 'utf8').trim());
  assert.equal(s.ok(['pod', 'inspect', '--format', '{{.InfraConfig.PidNS}} {{.InfraConfig.UtsNS}}', 'hostns']), 'host host');
  assert.deepEqual(JSON.parse(s.ok(['pod', 'inspect', 'hostns']))[0].InfraConfig.pid_ns, 'host');
  s.ok(['pod', 'rm', '-f', '-t', '0', 'hostns']);
});

test('--label-file, and Podman\'s errors for a missing file and for addresses without an infra container', () => {
  const f = join(s.dir, 'podlabels');
  writeFileSync(f, 'a=1\n# comment\nb=2\n');
  s.ok(['pod', 'create', '--network', 'none', '--name', 'lf', '--label-file', f, '-l', 'b=3']);
  assert.equal(s.ok(['pod', 'inspect', '--format', '{{.Labels.a}} {{.Labels.b}}', 'lf']), '1 3');
  s.ok(['pod', 'rm', 'lf']);
  fails(['pod', 'create', '--label-file', '/nonexistent-husk'], 'unable to process labels: open /nonexistent-husk: no such file or directory');
  fails(['pod', 'create', '--infra=false', '--ip', '10.88.0.50'], 'cannot set --ip without infra container: invalid argument');
  fails(['pod', 'create', '--infra=false', '--ip6', 'fd00::5'], 'cannot set --ip6 without infra container: invalid argument');
  fails(['pod', 'create', '--infra=false', '--mac-address', '92:d0:c6:0a:29:33'], 'cannot set --mac without infra container: invalid argument');
  fails(['pod', 'create', '--ip', 'nope'], 'invalid argument "nope" for "--ip" flag: invalid IP address');
});

test('--uidmap: the members run in the pod\'s user namespace mapping (one map serves for both)', () => {
  // The mapped root must reach the store's files.
  chmodSync(s.dir, 0o711);
  s.ok(['pod', 'create', '--network', 'none', '--name', 'uns', '--uidmap', '0:200000:65536']);
  assert.equal(inPod('uns', 'sh', '-c', 'cat /proc/self/uid_map /proc/self/gid_map').replace(/\s+/g, ' '), '0 200000 65536 0 200000 65536');
  // A member naming its own mapping keeps it.
  assert.equal(s.ok(['run', '--rm', '--pod', 'uns', '--uidmap', '0:300000:65536', 'busybox', 'cat', '/proc/self/uid_map']).replace(/\s+/g, ' '), '0 300000 65536');
  const [info] = JSON.parse(s.ok(['pod', 'inspect', 'uns']));
  assert.equal(info.InfraConfig.userns, 'private');
  assert.deepEqual(info.SharedNamespaces, ['ipc', 'net', 'user', 'uts']);
  s.ok(['pod', 'rm', '-f', '-t', '0', 'uns']);
  fails(['pod', 'create', '--uidmap', 'bad'], 'invalid ID mapping "bad": expected CONTAINER_ID:HOST_ID:SIZE with SIZE > 0');
});

test('--cpuset-mems, --device-read-bps, --device-write-bps on the pod\'s cgroup; --blkio-weight without the kernel\'s file is refused, as Podman\'s pod create fails', () => {
  const loop = loopDevice(s.dir);
  try {
    const pod = s.ok(['pod', 'create', '--network', 'none', '--name', 'io', '--cpuset-mems', '0', '--device-read-bps', `${loop.path}:1mb`, '--device-write-bps', `${loop.path}:2m`]);
    const id = s.ok(['run', '-d', '--pod', 'io', 'busybox', 'sleep', '1000']);
    const podPath = `/husk/${pod}`;
    assert.equal(cg('blkio', podPath, 'blkio.throttle.read_bps_device'), `${loop.majmin} 1048576`);
    assert.equal(cg('blkio', podPath, 'blkio.throttle.write_bps_device'), `${loop.majmin} 2097152`);
    assert.equal(cg('cpuset', podPath, 'cpuset.mems'), '0');
    const pid = s.ok(['inspect', '--format', '{{.State.Pid}}', id]);
    assert.match(readFileSync(`/proc/${pid}/cgroup`, 'utf8'), new RegExp(`:blkio:${podPath}/husk-${id}\n`));
    // Podman's inspect keys and Go names.
    const [info] = JSON.parse(s.ok(['pod', 'inspect', 'io']));
    assert.equal(info.cpuset_mems, '0');
    assert.deepEqual(info.device_read_bps, [{ Path: loop.path, Rate: 1048576 }]);
    assert.deepEqual(info.device_write_bps, [{ Path: loop.path, Rate: 2097152 }]);
    assert.equal(info.blkio_weight, undefined);
    assert.equal(s.ok(['pod', 'inspect', '--format', '{{.CPUSetMems}} {{.BlkioDeviceReadBps}} {{.BlkioWeight}} {{.BlkioWeightDevice}}', 'io']), `0 [{${loop.path} 1048576}] 0 []`);
    // A clone keeps the throttles; a flag given replaces its own.
    const clone = s.ok(['pod', 'clone', '--device-read-bps', `${loop.path}:3mb`, 'io', 'io2']);
    const [c] = JSON.parse(s.ok(['pod', 'inspect', clone]));
    assert.deepEqual([c.device_read_bps, c.device_write_bps, c.cpuset_mems], [[{ Path: loop.path, Rate: 3 << 20 }], [{ Path: loop.path, Rate: 2 << 20 }], '0']);
    s.ok(['pod', 'rm', '-f', '-t', '0', 'io', 'io2']);
  } finally {
    loop.detach();
  }
  if (!existsSync('/sys/fs/cgroup/blkio/blkio.weight')) {
    fails(['pod', 'create', '--blkio-weight', '300'], 'cannot set the pod\'s limits: your kernel does not support Block I/O weight or the cgroup is not mounted');
    assert.equal(s.ok(['pod', 'ps', '-q']), '', 'no pod left');
  }
  fails(['pod', 'create', '--device-read-bps', '/dev/nonesuch:1mb'], 'could not parse throttle device at /dev/nonesuch: no such file or directory');
  fails(['pod', 'create', '--cpuset-mems', '7'], `requested memory nodes are not available - requested 7, available: ${readFileSync('/sys/devices/system/node/online', 'utf8').trim()}`);
});

test('--subuidname/--subgidname: the pod\'s user namespace is the named user\'s subordinate range, which members share', () => {
  const u = new TestUser(`hpsub${process.pid % 100000}`, 70000);
  chmodSync(s.dir, 0o711);
  try {
    const sub = u.subuid()!;
    s.ok(['pod', 'create', '--network', 'none', '--name', 'subns', '--subuidname', u.name, '--subgidname', u.name]);
    assert.equal(inPod('subns', 'cat', '/proc/self/uid_map').trim().split(/\s+/).join(' '), `0 ${sub.start} ${sub.count}`);
    const [info] = JSON.parse(s.ok(['pod', 'inspect', 'subns']));
    assert.equal(info.InfraConfig.userns, 'private');
    assert.deepEqual(info.SharedNamespaces, ['ipc', 'net', 'user', 'uts']);
    s.ok(['pod', 'rm', '-f', '-t', '0', 'subns']);
  } finally {
    u.remove();
  }
  fails(['pod', 'create', '--subuidname', 'no-such-user-x'], 'no subuid ranges found for user "no-such-user-x" in /etc/subuid');
});

test('create --init-ctr: pod start runs the init containers in order, to success, before the others; once is removed; restart runs none', async () => {
  fails(['create', '--init-ctr', 'always', 'busybox', 'true'], 'must specify pod value with init-ctr');
  s.ok(['pod', 'create', '--network', 'none', '--name', 'inits']);
  fails(['create', '--pod', 'inits', '--init-ctr', 'bogus', 'busybox', 'true'], "init-ctr value must be 'always' or 'once'");
  // Each leaves a line in a shared volume; the member prints what it finds there.
  const v = ['-v', `ini${process.pid}:/w`];
  s.ok(['create', '--pod', 'inits', ...v, '--init-ctr', 'always', '--name', 'i-always', 'busybox', 'sh', '-c', 'sleep 1; echo always >> /w/log']);
  s.ok(['create', '--pod', 'inits', ...v, '--init-ctr', 'once', '--name', 'i-once', 'busybox', 'sh', '-c', 'echo once >> /w/log']);
  s.ok(['create', '--pod', 'inits', ...v, '--name', 'i-main', 'busybox', 'sh', '-c', 'cat /w/log; echo main >> /w/log; sleep 1000']);
  s.ok(['pod', 'start', 'inits']);
  await until(() => s.ok(['logs', 'i-main']) === 'always\nonce');
  assert.equal(s.husk(['container', 'exists', 'i-once']).code, 1, 'once: removed after its run');
  assert.equal(s.ok(['inspect', '--format', '{{.State.Status}} {{.State.ExitCode}}', 'i-always']), 'exited 0');
  fails(['create', '--pod', 'inits', '--init-ctr', 'always', 'busybox', 'true'], 'cannot add init-ctr to a running pod');
  // A restart runs no init container; a stop and start runs the always one again.
  s.ok(['pod', 'restart', '-t', '0', 'inits']);
  await until(() => s.ok(['exec', 'i-main', 'cat', '/w/log']).endsWith('main\nmain'));
  s.ok(['pod', 'stop', '-t', '0', 'inits']);
  s.ok(['pod', 'start', 'inits']);
  await until(() => s.ok(['exec', 'i-main', 'cat', '/w/log']).endsWith('main\nalways\nmain'));
  // generate kube: initContainers and Podman's annotation of their type.
  const yaml = s.ok(['generate', 'kube', 'inits']);
  assert.match(yaml, /io\.podman\.annotations\.init\.container\.type: always/);
  assert.match(yaml, /\n {2}initContainers:\n {4}- name: i-always\n(.*\n)*? {2}containers:\n {4}- name: i-main\n/);
  // A failing init container fails the start (125, Podman's words); the other members stay down.
  s.ok(['pod', 'stop', '-t', '0', 'inits']);
  const bad = s.ok(['create', '--pod', 'inits', '--init-ctr', 'always', '--name', 'i-bad', 'busybox', 'sh', '-c', 'exit 3']);
  fails(['pod', 'start', 'inits'], `init container ${bad} exited with code 3`);
  assert.equal(s.ok(['inspect', '--format', '{{.State.Status}}', 'i-main']), 'exited');
  s.ok(['pod', 'rm', '-f', '-t', '0', 'inits']);
  s.ok(['volume', 'rm', `ini${process.pid}`]);
});

test('pod ps --sort: names in Go\'s byte order (capitals first), numbers as numbers, newest first by default', () => {
  for (const n of ['sortB', 'sorta', 'sortc']) s.ok(['pod', 'create', '--network', 'none', '--name', n]);
  s.ok(['create', '--pod', 'sorta', 'busybox', 'true']);
  const names = (...a: string[]) => s.ok(['pod', 'ps', ...a, '--filter', 'name=sort', '--format', '{{.Name}}']);
  assert.equal(names('--sort', 'name'), 'sortB\nsorta\nsortc');
  assert.equal(names(), 'sortc\nsorta\nsortB');
  assert.equal(names('--sort', 'number').split('\n').at(-1), 'sorta');
  s.ok(['pod', 'rm', '-f', 'sortB', 'sorta', 'sortc']);
});

test('--ip and --mac-address: the pod\'s address on its network, which every member has', () => {
  const net = `podflags${process.pid}`;
  const third = 100 + (process.pid % 100);
  s.ok(['network', 'create', '--subnet', `10.213.${third}.0/24`, net]);
  try {
    s.ok(['pod', 'create', '--network', net, '--name', 'addr', '--ip', `10.213.${third}.77`, '--mac-address', '92:d0:c6:0a:29:33']);
    const out = inPod('addr', 'ip', 'addr', 'show', 'eth0');
    assert.match(out, new RegExp(`inet 10\\.213\\.${third}\\.77/24`));
    assert.match(out, /link\/ether 92:d0:c6:0a:29:33/);
    s.ok(['pod', 'rm', '-f', '-t', '0', 'addr']);
  } finally {
    s.husk(['network', 'rm', '-f', net]);
  }
});

test('pod clone: the original\'s limits and infra settings, each replaced by the flag given; --infra-name, --infra-command, --infra-conmon-pidfile', () => {
  const dir = join(s.dir, 'clonedata');
  mkdirSync(dir);
  writeFileSync(join(dir, 'f'), 'cloned\n');
  s.ok(['pod', 'create', '--network', 'none', '--name', 'orig', '--memory', '64m', '-v', `${dir}:/data`, '--sysctl', 'kernel.msgmax=4096']);
  s.ok(['create', '--pod', 'orig', '--name', 'worker', 'busybox', 'sleep', '1000']);
  const pidfile = join(s.dir, 'clone-conmon.pid');
  const copy = s.ok(['pod', 'clone', '--memory', '96m', '--sysctl', 'kernel.msgmax=8192', '--infra-name', 'copyinfra',
    '--infra-conmon-pidfile', pidfile, '--label', 'copy=yes', '--start', 'orig', 'copy']);
  const infra = s.ok(['pod', 'inspect', '--format', '{{.InfraContainerId}}', 'copy']);
  assert.equal(s.ok(['inspect', '--format', '{{.Name}} {{.State.Status}}', infra]), 'copyinfra running');
  assert.equal(readFileSync(pidfile, 'utf8').trim(), s.ok(['inspect', '--format', '{{.State.ConmonPid}}', infra]));
  assert.equal(cg('memory', `/husk/${copy}`, 'memory.limit_in_bytes'), String(96 << 20));
  assert.equal(s.ok(['exec', 'worker-clone', 'cat', '/data/f']), 'cloned', 'the original\'s volume');
  assert.equal(s.ok(['exec', 'worker-clone', 'cat', '/proc/sys/kernel/msgmax']), '8192');
  assert.equal(s.ok(['pod', 'inspect', '--format', '{{.Labels.copy}} {{.MemoryLimit}}', 'copy']), `yes ${96 << 20}`);
  assert.equal(s.ok(['pod', 'inspect', '--format', '{{.MemoryLimit}}', 'orig']), String(64 << 20), 'the original keeps its limit');
  // The entrypoint of the copy's infra container.
  const third = s.ok(['pod', 'clone', '--infra-command', '/catatonit', 'orig']);
  assert.equal(s.ok(['inspect', '--format', '{{.Config.Entrypoint}}', s.ok(['pod', 'inspect', '--format', '{{.InfraContainerId}}', third])]), '[/catatonit]');
  fails(['pod', 'clone', '--memory', '1k', 'orig'], 'minimum memory limit allowed is 6MB');
  fails(['pod', 'clone', '--label-file', '/nonexistent-husk', 'orig'], 'unable to process labels: open /nonexistent-husk: no such file or directory');
  assert.equal(s.ok(['pod', 'ps', '-q']).split('\n').length, 3, 'the failed clones left nothing');
  s.ok(['pod', 'rm', '-f', '-t', '0', 'orig', 'copy', third]);
});

test('pod ps --noheading; pod logs --color: Podman\'s colors per container, and a prefix only when several containers log', () => {
  s.ok(['pod', 'create', '--network', 'none', '--name', 'logs']);
  s.ok(['run', '--pod', 'logs', '--name', 'la', 'busybox', 'echo', 'one']);
  const a = s.ok(['inspect', '--format', '{{.Id}}', 'la']);
  assert.equal(s.ok(['pod', 'ps', '--noheading', '--format', 'table {{.Name}}']), 'logs');
  assert.doesNotMatch(s.ok(['pod', 'ps', '--noheading']), /POD ID/);
  assert.match(s.ok(['pod', 'ps']), /^POD ID/);
  // One member: its lines alone (Podman's Multi is off), the whole line in the first color.
  assert.equal(s.ok(['pod', 'logs', 'logs']), 'one');
  assert.equal(s.ok(['pod', 'logs', '--color', 'logs']), '\x1b[37mone\x1b[0m');
  s.ok(['run', '--pod', 'logs', '--name', 'lb', 'busybox', 'echo', 'two']);
  // The members one after another, oldest first: the first color, then the second.
  assert.equal(s.ok(['pod', 'logs', '--color', '-n', 'logs']), '\x1b[37mla one\x1b[0m\n\x1b[31mlb two\x1b[0m');
  assert.match(s.ok(['pod', 'logs', 'logs']), new RegExp(`^${a.slice(0, 12)} one$`, 'm'));
  assert.equal(s.ok(['pod', 'logs', '-c', 'lb', 'logs']), 'two', '-c: one container, no prefix');
  s.ok(['pod', 'rm', '-f', '-t', '0', 'logs']);
});

test('generate spec of a pod with limits and infra settings: PodSpecGenerator keys, and POST /libpod/pods/create makes a pod with the same effect', async () => {
  const dir = join(s.dir, 'specdata');
  mkdirSync(dir);
  writeFileSync(join(dir, 'f'), 'via the API\n');
  s.ok(['pod', 'create', '--network', 'none', '--name', 'gs', '--memory', '48m', '--cpus', '0.5', '-v', `${dir}:/data`, '--sysctl', 'kernel.msgmax=2048',
    '--security-opt', 'no-new-privileges', '--shm-size', '3m', '--device', '/dev/null:/dev/specnull', '--uts', 'host']);
  const spec = JSON.parse(s.ok(['generate', 'spec', 'gs']));
  assert.deepEqual(spec.resource_limits, { memory: { limit: 48 << 20 }, cpu: { quota: 50000, period: 100000 } });
  assert.deepEqual(spec.mounts.map((m: { destination: string }) => m.destination), ['/data']);
  assert.deepEqual(spec.sysctl, { 'kernel.msgmax': '2048' });
  assert.deepEqual(spec.security_opt, ['no-new-privileges']);
  assert.equal(spec.shm_size, 3 << 20);
  assert.deepEqual(spec.utsns, { nsmode: 'host' });
  assert.equal(spec.devices.length, 1);
  const sock = join(s.dir, 'gs.sock');
  const service = spawn(HUSK, [...s.globals, 'system', 'service', '--time', '0', `unix://${sock}`], { stdio: 'ignore' });
  try {
    await until(() => existsSync(sock), 30_000, 100);
    const res = await new Promise<number>((resolve, reject) => {
      const r = request({ socketPath: sock, method: 'POST', path: '/v4.0.0/libpod/pods/create', headers: { 'content-type': 'application/json' } }, (x) => { x.resume(); x.on('end', () => resolve(x.statusCode ?? 0)); });
      r.on('error', reject);
      r.end(JSON.stringify(spec));
    });
    assert.equal(res, 201);
  } finally {
    service.kill();
  }
  const copy = s.ok(['pod', 'inspect', '--format', '{{.Id}}', 'gs-clone']);
  assert.equal(inPod('gs-clone', 'sh', '-c', 'cat /data/f /proc/sys/kernel/msgmax; grep NoNewPrivs /proc/self/status | cut -f2; test -c /dev/specnull && hostname'),
    `via the API\n2048\n1\n${hostname()}`);
  assert.equal(cg('memory', `/husk/${copy}`, 'memory.limit_in_bytes'), String(48 << 20));
  assert.equal(cg('cpu', `/husk/${copy}`, 'cpu.cfs_quota_us'), '50000');
  s.ok(['pod', 'rm', '-f', '-t', '0', 'gs', 'gs-clone']);
});
