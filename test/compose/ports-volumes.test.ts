// Ports and volumes, short and long syntax (ports.ts, volumes.ts), loaded
// from real files.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { loadProject } from '../../src/compose/load.ts';
import { cleanup, project, throwsInvalid } from './tmp.ts';

after(cleanup);

const load = (dir: string) => loadProject({ workingDir: dir, env: {} });

test('ports: short syntax with IPs, ranges and protocols; long syntax', () => {
  const dir = project({
    'compose.yaml': `
services:
  web:
    image: nginx
    ports:
      - 80
      - "8080:80"
      - "127.0.0.1:8443:443"
      - "127.0.0.1::5000"
      - "[::1]:6001:6001"
      - "53:53/udp"
      - "9090-9091:8080-8081"
      - "7000-7010:7000"
      - target: 3000
        published: "3001"
        host_ip: 0.0.0.0
        protocol: udp
        mode: host
        name: api
        app_protocol: http
`,
  });
  assert.deepEqual(load(dir).services.web.ports, [
    { target: 80, protocol: 'tcp', mode: 'ingress' },
    { target: 80, protocol: 'tcp', mode: 'ingress', published: 8080 },
    { target: 443, protocol: 'tcp', mode: 'ingress', hostIp: '127.0.0.1', published: 8443 },
    { target: 5000, protocol: 'tcp', mode: 'ingress', hostIp: '127.0.0.1' },
    { target: 6001, protocol: 'tcp', mode: 'ingress', hostIp: '::1', published: 6001 },
    { target: 53, protocol: 'udp', mode: 'ingress', published: 53 },
    { target: 8080, protocol: 'tcp', mode: 'ingress', published: 9090 },
    { target: 8081, protocol: 'tcp', mode: 'ingress', published: 9091 },
    { target: 7000, protocol: 'tcp', mode: 'ingress', published: 7000, publishedEnd: 7010 },
    { target: 3000, protocol: 'udp', published: 3001, hostIp: '0.0.0.0', mode: 'host', name: 'api', appProtocol: 'http' },
  ]);
});

test('ports: invalid entries name the file, service and index', () => {
  const bad = (port: string, msg: string) => {
    const dir = project({ 'compose.yaml': `services:\n  web:\n    image: nginx\n    ports:\n      - "8080:80"\n      - ${port}\n` });
    throwsInvalid(() => load(dir), msg);
  };
  bad('"80:abc"', 'compose.yaml: services.web.ports[1]: invalid port "80:abc"');
  bad('"70000"', 'compose.yaml: services.web.ports[1]: invalid port "70000"');
  bad('"80/icmp"', 'compose.yaml: services.web.ports[1]: invalid port "80/icmp"');
  bad('"1.2.3:80:80"', 'compose.yaml: services.web.ports[1]: invalid port "1.2.3:80:80"');
  bad('"8000-8002:80-81"', 'compose.yaml: services.web.ports[1]: invalid port "8000-8002:80-81": host and container port ranges differ in size');
  bad('{target: 80, protocol: icmp}', 'compose.yaml: services.web.ports[1].protocol: invalid protocol "icmp"');
  bad('{published: 80}', 'compose.yaml: services.web.ports[1].target: invalid port null');
  bad('{target: 80, bogus: 1}', 'compose.yaml: services.web.ports[1].bogus: unknown port key "bogus"');
});

test('volumes: named, anonymous, relative/absolute/home binds, modes; long syntax incl. tmpfs', () => {
  const dir = project({
    'compose.yaml': `
services:
  app:
    image: busybox
    volumes:
      - data:/data
      - /anon
      - ./src:/src:ro
      - ../shared:/shared:rw,z
      - /etc/hosts:/host-hosts:ro,rslave
      - ~/cache:/cache
      - data:/data2:nocopy
      - type: volume
        source: data
        target: /long
        read_only: true
        volume: {nocopy: true, subpath: sub}
      - type: bind
        source: ./conf
        target: /conf
        bind: {create_host_path: false, propagation: rprivate, selinux: Z}
      - type: tmpfs
        target: /scratch
        tmpfs: {size: 64m, mode: 1777}
volumes:
  data: {}
`,
  });
  const v = load(dir).services.app.volumes;
  assert.deepEqual(v, [
    { type: 'volume', source: 'data', target: '/data', readOnly: false },
    { type: 'volume', target: '/anon', readOnly: false },
    { type: 'bind', source: join(dir, 'src'), target: '/src', readOnly: true, bind: { createHostPath: true } },
    { type: 'bind', source: join(dir, '..', 'shared'), target: '/shared', readOnly: false, bind: { createHostPath: true, selinux: 'z' } },
    { type: 'bind', source: '/etc/hosts', target: '/host-hosts', readOnly: true, bind: { createHostPath: true, propagation: 'rslave' } },
    { type: 'bind', source: join(homedir(), 'cache'), target: '/cache', readOnly: false, bind: { createHostPath: true } },
    { type: 'volume', source: 'data', target: '/data2', readOnly: false, volume: { nocopy: true } },
    { type: 'volume', source: 'data', target: '/long', readOnly: true, volume: { nocopy: true, subpath: 'sub' } },
    { type: 'bind', source: join(dir, 'conf'), target: '/conf', readOnly: false, bind: { propagation: 'rprivate', createHostPath: false, selinux: 'Z' } },
    { type: 'tmpfs', target: '/scratch', readOnly: false, tmpfs: { size: 64 * 1024 ** 2, mode: 0o1777 } },
  ]);
});

test('volumes: invalid entries and undefined named volumes are errors', () => {
  const bad = (vol: string, msg: string, extra = '') => {
    const dir = project({ 'compose.yaml': `services:\n  app:\n    image: busybox\n    volumes:\n      - ${vol}\n${extra}` });
    throwsInvalid(() => load(dir), msg);
  };
  bad('data:/data', 'compose.yaml: services.app.volumes[0]: undefined volume "data"');
  bad('data:relative', 'compose.yaml: services.app.volumes[0]: invalid volume "data:relative": the target "relative" must be an absolute path');
  bad('./x:/x:bogus', 'compose.yaml: services.app.volumes[0]: invalid volume "./x:/x:bogus": unknown mode "bogus"');
  bad('{type: npipe, target: /x}', 'compose.yaml: services.app.volumes[0].type: unsupported volume type "npipe": expected volume, bind or tmpfs');
  bad('{type: bind, target: /x}', 'compose.yaml: services.app.volumes[0].source: a bind mount needs a source');
  bad('{type: tmpfs, target: /x, tmpfs: {size: huge}}', 'compose.yaml: services.app.volumes[0].tmpfs.size: invalid size "huge"');
});
