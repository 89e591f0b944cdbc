// validateSpec: the one check of a structured ContainerSpec, as an API
// caller (not the CLI) would hand it in.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ContainerSpec } from '../../src/specgen/container.ts';
import { validateSpec } from '../../src/specgen/validate.ts';

const base: ContainerSpec = { image: 'busybox' };
const bad = (extra: Partial<ContainerSpec>, re: RegExp) => assert.throws(() => validateSpec({ ...base, ...extra }), re, JSON.stringify(extra));

test('a full, well-formed spec passes', () => {
  validateSpec({
    ...base, name: 'web', env: { A: '1' }, memory: 64 * 1024 * 1024, cpus: 0.5, stopSignal: 'SIGINT', stopTimeout: 5,
    mounts: [
      { type: 'bind', source: '/srv', destination: '/srv', options: ['ro', 'rslave'] },
      { type: 'volume', destination: '/anon', options: [], anonymous: true },
      { type: 'volume', source: 'data', destination: '/data', options: [], chown: true },
      { type: 'tmpfs', destination: '/t', options: ['size=1m', 'mode=1777', 'noexec'] },
      { type: 'image', source: 'busybox', destination: '/img', options: ['rw'] },
    ],
    volumesFrom: [{ container: 'other', mode: 'ro' }],
    portMappings: [{ containerPort: 80 }, { containerPort: 53, hostPort: 5353, protocol: 'udp', hostIp: '127.0.0.1' }, { containerPort: 90, hostPort: 9000, range: 3 }],
    ulimits: [{ name: 'nofile', soft: 1024, hard: 2048 }, { name: 'core', soft: -1, hard: -1 }],
    devices: [{ path: '/dev/fuse', permissions: 'rw' }],
    extraHosts: [{ host: 'db', ip: '10.0.0.2' }, { host: 'v6', ip: 'fd00::1' }],
    userns: { mode: 'keep-id', uid: 1000 },
    healthcheck: { test: ['CMD-SHELL', 'wget -q localhost'], interval: 30e9, timeout: 5e9, retries: 3 },
    restartPolicy: { name: 'on-failure', maximumRetryCount: 5 },
  });
});

test('mounts: destinations absolute and unique, sources where the type needs one, known options', () => {
  bad({ mounts: [{ type: 'bind', source: '/a', destination: 'rel', options: [] }] }, /invalid mount destination "rel"/);
  bad({ mounts: [{ type: 'bind', destination: '/x', options: [] }] }, /bind mount on \/x: a source is required/);
  bad({ mounts: [{ type: 'bind', source: 'rel', destination: '/x', options: [] }] }, /source "rel" must be an absolute path/);
  bad({ mounts: [{ type: 'tmpfs', source: 'x', destination: '/x', options: [] }] }, /tmpfs takes no source/);
  bad({ mounts: [{ type: 'volume', destination: '/x', options: [] }] }, /named volume needs a source/);
  bad({ mounts: [{ type: 'bind', source: '/a', destination: '/x', options: ['size=1m'] }] }, /invalid option "size=1m"/);
  bad({ mounts: [{ type: 'nfs' as 'bind', destination: '/x', options: [] }] }, /invalid mount type "nfs"/);
  bad({ mounts: [{ type: 'tmpfs', destination: '/x', options: [] }, { type: 'bind', source: '/a', destination: '/x', options: [] }] }, /\/x: duplicate mount destination/);
  bad({ mounts: [{ type: 'volume', source: 'v', destination: '/x', options: [] }, { type: 'volume', source: 'v', destination: '/x', options: ['ro'] }] }, /\/x: duplicate mount destination/);
  // The same mount twice is one mount, as Podman accepts -v vol:/x -v vol:/x.
  validateSpec({ image: 'i', mounts: [{ type: 'volume', source: 'v', destination: '/x', options: [] }, { type: 'volume', source: 'v', destination: '/x', options: [] }] });
  bad({ volumesFrom: [{ container: 'c', mode: 'rx' as 'ro' }] }, /mode must be ro or rw/);
});

test('ports, ulimits, devices, extra hosts', () => {
  bad({ portMappings: [{ containerPort: 0 }] }, /invalid container port 0/);
  bad({ portMappings: [{ containerPort: 80, hostPort: 70000 }] }, /host port 70000/);
  bad({ portMappings: [{ containerPort: 80, range: 2 }] }, /random host port cannot be used with a range/);
  bad({ portMappings: [{ containerPort: 65535, hostPort: 1, range: 2 }] }, /range 2/);
  bad({ portMappings: [{ containerPort: 80, protocol: 'icmp' as 'tcp' }] }, /unknown protocol "icmp"/);
  bad({ portMappings: [{ containerPort: 80, hostIp: 'localhost' }] }, /invalid host IP address "localhost"/);
  bad({ ulimits: [{ name: 'bogus', soft: 1, hard: 1 }] }, /unknown ulimit "bogus"/);
  bad({ ulimits: [{ name: 'nofile', soft: 10, hard: 5 }] }, /soft limit 10 exceeds hard limit 5/);
  bad({ ulimits: [{ name: 'nofile', soft: 1.5, hard: 5 }] }, /must be integers/);
  bad({ devices: [{ path: 'dev/null' }] }, /paths must be absolute/);
  bad({ devices: [{ path: '/dev/null', permissions: 'x' }] }, /permissions "x"/);
  bad({ extraHosts: [{ host: 'db', ip: 'nope' }] }, /invalid extra host "db:nope"/);
  bad({ extraHosts: [{ host: 'a b', ip: '1.2.3.4' }] }, /invalid extra host/);
});

test('user namespaces: known modes, positive sizes, not combined with explicit maps', () => {
  bad({ userns: { mode: 'private' } as never }, /invalid user namespace mode "private"/);
  bad({ userns: { mode: 'auto', size: 0 } }, /size must be positive/);
  bad({ uidMap: [{ containerID: 0, hostID: 1, size: 0 }] }, /invalid ID mapping 0:1:0/);
  bad({ userns: { mode: 'auto' }, gidMap: [{ containerID: 0, hostID: 1, size: 10 }] }, /cannot be combined/);
  validateSpec({ ...base, userns: { mode: 'host' }, uidMap: [{ containerID: 0, hostID: 1, size: 10 }] });
});

test('healthcheck and restart policy', () => {
  for (const t of [['CMD'], ['CMD-SHELL'], ['CMD-SHELL', 'a', 'b'], ['NONE', 'x'], ['RUN', 'x']]) bad({ healthcheck: { test: t } }, /invalid healthcheck test/);
  validateSpec({ ...base, healthcheck: { test: ['NONE'] } });
  validateSpec({ ...base, healthcheck: { test: [], onFailure: 'kill' } }); // the image's test
  validateSpec({ ...base, healthcheck: { test: ['CMD', 'true'], interval: 0 } });
  validateSpec({ ...base, healthcheck: { test: ['CMD', 'true'], interval: -1 } }); // no schedule
  bad({ healthcheck: { test: ['CMD', 'true'], timeout: -1 } }, /invalid healthcheck timeout -1/);
  bad({ healthcheck: { test: ['CMD', 'true'], interval: 500 } }, /interval 500: must be 0 .* or at least 1ms/);
  bad({ healthcheck: { test: ['CMD', 'true'], retries: -1 } }, /retries/);
  bad({ healthcheck: { test: ['CMD', 'true'], onFailure: 'explode' as 'kill' } }, /invalid on-failure action "explode" for health check: supported actions are none,kill,restart,stop/);
  bad({ restartPolicy: { name: 'sometimes' as 'no' } }, /invalid restart policy "sometimes"/);
  bad({ restartPolicy: { name: 'always', maximumRetryCount: 3 } }, /only be used with on-failure/);
  validateSpec({ ...base, restartPolicy: { name: 'unless-stopped' } });
});

test('messages describe the spec, not a CLI flag', () => {
  bad({ ip: 'nonsense' }, /invalid static IP address "nonsense"/);
  bad({ pidMode: 'bogus' }, /invalid pid namespace mode "bogus"/);
  bad({ cpuShares: 1 }, /CPU shares must be between 2 and 262144/);
  bad({ shmSize: 0 }, /size of \/dev\/shm/);
  bad({ memory: 1024 }, /minimum memory limit allowed is 6MB/);
  for (const extra of [{ ip: 'x' }, { pidMode: 'x' }, { cpuShares: 1 }, { shmSize: 0 }, { ulimits: [{ name: 'x', soft: 1, hard: 1 }] }] as Partial<ContainerSpec>[]) {
    assert.throws(() => validateSpec({ ...base, ...extra }), (err: Error) => !/--[a-z]/.test(err.message));
  }
});

test('issue 15 fields: umask, ipc and cgroup namespace modes, timeout, device cgroup rules, log driver, chroot dirs', () => {
  bad({ umask: '9' }, /invalid umask string 9/);
  bad({ ipcMode: 'bogus' }, /invalid ipc namespace mode "bogus"/);
  bad({ cgroupns: 'bogus' as 'host' }, /invalid cgroup namespace mode/);
  bad({ timeout: -1 }, /timeout must be a non-negative integer/);
  bad({ deviceCgroupRules: ['c 1:3'] }, /invalid device cgroup rule "c 1:3"/);
  bad({ logDriver: 'syslog' as 'none' }, /invalid log driver: syslog/);
  bad({ logDriver: 'passthrough', tty: true }, /passthrough log driver cannot be used with a terminal/);
  bad({ chrootDirs: ['rel'] }, /must be an absolute path/);
  for (const ipcMode of ['private', 'shareable', 'none', 'host', 'container:x']) validateSpec({ image: 'i', ipcMode });
  validateSpec({ image: 'i', umask: '0077', cgroupns: 'host', timeout: 5, deviceCgroupRules: ['c 1:3 rwm', 'a *:* m'], logDriver: 'json-file', chrootDirs: ['/jail'] });
});

test('extra networks: only after a bridge mode, each a network name with valid addresses', () => {
  bad({ network: 'host', extraNetworks: [{ network: 'b' }] }, /cannot set multiple networks without bridge network mode, selected mode host: invalid argument/);
  bad({ network: 'ns:/run/netns/x', extraNetworks: [{ network: 'b' }] }, /selected mode path/);
  bad({ network: 'a', extraNetworks: [{ network: 'bridge' }] }, /invalid extra network "bridge"/);
  bad({ network: 'a', extraNetworks: [{ network: 'b', ip: 'x' }] }, /invalid static IP address "x" on network b/);
  bad({ network: 'a', extraNetworks: [{ network: 'b', mac: '12' }] }, /invalid MAC address/);
  validateSpec({ image: 'i', network: 'bridge', interfaceName: 'eth5', extraNetworks: [{ network: 'b', ip: '10.1.0.5', mac: '92:d0:c6:0a:29:33', aliases: ['x'], interfaceName: 'net1' }] });
  validateSpec({ image: 'i', extraNetworks: [{ network: 'b' }] });
});

test('extra hosts: not on a container joined to another\'s network namespace, whoever asks (Podman\'s specgen Validate)', () => {
  bad({ network: 'container:x', extraHosts: [{ host: 'db', ip: '10.0.0.2' }] }, /: invalid config provided: cannot set extra host entries when the container is joined to another containers network namespace: invalid configuration$/);
  // DNS settings there are the CLI's refusal only: the API takes them.
  validateSpec({ image: 'i', network: 'container:x', dns: ['1.1.1.1'], dnsSearch: ['example.com'], dnsOption: ['ndots:2'] });
  validateSpec({ image: 'i', network: 'host', extraHosts: [{ host: 'db', ip: '10.0.0.2' }] });
});
