// The flag-string parsers of src/specgen/flags.ts: pure functions, so tested
// here without containers; the CLI tests run the same flags for real.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  formatPortSpec, formatUlimit, parseAddHost, parseBytes, parseDevice, parseMountFlag, parsePublish, parseTmpfsFlag, parseUlimit,
  parseVolumeFlag, parseVolumesFrom,
} from '../../src/specgen/flags.ts';

test('parseVolumeFlag: bind, named and anonymous volumes, options', () => {
  assert.deepEqual(parseVolumeFlag('/data'), { type: 'volume', destination: '/data', options: [], anonymous: true });
  assert.deepEqual(parseVolumeFlag('/host//dir:/b:ro,U'), { type: 'bind', source: '/host/dir', destination: '/b', options: ['ro'], chown: true });
  assert.deepEqual(parseVolumeFlag('vol:/v//x:z,nosuid'), { type: 'volume', source: 'vol', destination: '/v/x', options: ['nosuid'], chown: false });
  assert.throws(() => parseVolumeFlag('a:b:c:d'), /invalid volume specification "a:b:c:d"/);
  assert.throws(() => parseVolumeFlag('vol:relative'), /invalid container path "relative".*absolute/);
  assert.throws(() => parseVolumeFlag('/h:/c:bogus'), /invalid option "bogus" in volume/);
});

test('parseMountFlag: every type, aliases, tmpfs size/mode; required fields are errors', () => {
  assert.deepEqual(parseMountFlag('type=bind,src=/h,dst=/c,readonly,bind-propagation=rslave'),
    { type: 'bind', source: '/h', destination: '/c', options: ['ro', 'rslave'] });
  assert.deepEqual(parseMountFlag('type=volume,target=/m'), { type: 'volume', destination: '/m', options: [], anonymous: true });
  assert.deepEqual(parseMountFlag('type=tmpfs,target=/t,tmpfs-size=2m,tmpfs-mode=1777'), { type: 'tmpfs', destination: '/t', options: ['size=2m', 'mode=1777'] });
  assert.deepEqual(parseMountFlag('type=image,source=busybox,target=/img,rw'), { type: 'image', source: 'busybox', destination: '/img', options: ['rw'] });
  for (const [bad, re] of [
    ['type=bogus,target=/x', /type must be bind, volume, tmpfs or image/],
    ['type=bind,target=/x', /source is required for type=bind/],
    ['type=volume,source=v', /target is required/],
    ['type=tmpfs,target=/x,color=red', /unknown option "color"/],
    ['type=tmpfs,source=x,target=/x', /tmpfs takes no source/],
  ] as const) assert.throws(() => parseMountFlag(bad), re, bad);
});

test('parseTmpfsFlag and parseVolumesFrom', () => {
  assert.deepEqual(parseTmpfsFlag('/scratch:size=1m,noexec'), { type: 'tmpfs', destination: '/scratch', options: ['size=1m', 'noexec'] });
  assert.deepEqual(parseTmpfsFlag('/t'), { type: 'tmpfs', destination: '/t', options: [] });
  assert.deepEqual(parseVolumesFrom('src'), { container: 'src' });
  assert.deepEqual(parseVolumesFrom('src:ro'), { container: 'src', mode: 'ro' });
  assert.throws(() => parseVolumesFrom('src:rx'), /mode must be ro or rw/);
});

test('parsePublish: ports, ranges, addresses and protocols; host port 0 is left to the engine', () => {
  assert.deepEqual(parsePublish('80'), { containerPort: 80, hostPort: 0, protocol: 'tcp', range: 1 });
  assert.deepEqual(parsePublish('8080:80/udp'), { containerPort: 80, hostPort: 8080, protocol: 'udp', range: 1 });
  assert.deepEqual(parsePublish('127.0.0.1:8080-8081:80-81'), { containerPort: 80, hostPort: 8080, hostIp: '127.0.0.1', protocol: 'tcp', range: 2 });
  assert.deepEqual(parsePublish('[::1]:53:53/udp'), { containerPort: 53, hostPort: 53, hostIp: '::1', protocol: 'udp', range: 1 });
  assert.deepEqual(parsePublish('0.0.0.0:9000:90'), { containerPort: 90, hostPort: 9000, protocol: 'tcp', range: 1 });
  for (const [bad, re] of [
    ['80/icmp', /unknown protocol "icmp"/],
    ['0', /invalid container port "0"/],
    ['80-81', /random host port cannot be used with a range/],
    ['8080-8082:80-81', /ranges differ/],
    ['1:2:3:4', /expected \[\[ip:\]hostPort:\]containerPort/],
  ] as const) assert.throws(() => parsePublish(bad), re, bad);
  assert.equal(formatPortSpec(parsePublish('127.0.0.1:8080-8081:80-81')), '127.0.0.1:8080-8081:80-81/tcp');
  assert.equal(formatPortSpec(parsePublish('9/sctp')), '9/sctp');
});

test('parseUlimit: NAME=SOFT[:HARD], -1 unlimited; formatUlimit gives the flag form back', () => {
  assert.deepEqual(parseUlimit('nproc=50:60'), { name: 'nproc', soft: 50, hard: 60 });
  assert.deepEqual(parseUlimit('nofile=1024'), { name: 'nofile', soft: 1024, hard: 1024 });
  assert.deepEqual(parseUlimit('core=-1'), { name: 'core', soft: -1, hard: -1 });
  assert.throws(() => parseUlimit('bogus=1'), /invalid ulimit "bogus=1"/);
  assert.throws(() => parseUlimit('nofile=10:5'), /soft limit exceeds hard limit/);
  assert.equal(formatUlimit(parseUlimit('nproc=50:60')), 'nproc=50:60');
  assert.equal(formatUlimit(parseUlimit('nofile=1024')), 'nofile=1024');
});

test('parseDevice: HOST[:CONTAINER][:PERMS], without touching the host', () => {
  assert.deepEqual(parseDevice('/dev/null'), { path: '/dev/null' });
  assert.deepEqual(parseDevice('/dev/null:/dev/mynull'), { path: '/dev/null', containerPath: '/dev/mynull' });
  assert.deepEqual(parseDevice('/dev/null:r'), { path: '/dev/null', permissions: 'r' });
  assert.deepEqual(parseDevice('/dev/nonexistent:/dev/x:rw'), { path: '/dev/nonexistent', containerPath: '/dev/x', permissions: 'rw' });
  assert.throws(() => parseDevice('/dev/null:/x:q'), /invalid device permissions "q"/);
  assert.throws(() => parseDevice('dev/null'), /paths must be absolute/);
});

test('parseAddHost and parseBytes', () => {
  assert.deepEqual(parseAddHost('db:10.1.2.3'), { host: 'db', ip: '10.1.2.3' });
  assert.deepEqual(parseAddHost('v6:fd00::1'), { host: 'v6', ip: 'fd00::1' });
  assert.throws(() => parseAddHost('nocolon'), /invalid --add-host "nocolon": expected HOST:IP/);
  assert.equal(parseBytes('64m', 'memory'), 64 * 1024 * 1024);
  assert.equal(parseBytes('1.5k', 'memory'), 1536);
  assert.throws(() => parseBytes('lots', 'memory'), /invalid size "lots" for --memory/);
});
