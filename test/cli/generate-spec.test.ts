// `husk generate spec` (Podman's podman-generate-spec(1)): Podman's
// SpecGenerator (PodSpecGenerator for a pod) JSON, the body of the libpod
// API's create. The JSON goes into `POST /libpod/containers/create` (and
// `/libpod/pods/create`) of a real `husk system service`, and the copy runs
// the same way as the original.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { HUSK, Store, until } from '../helpers.ts';

const s = new Store();
const sock = join(s.dir, 'api.sock');
let service: ChildProcess;

before(async () => {
  s.busybox();
  service = spawn(HUSK, [...s.globals, 'system', 'service', '--time', '0', `unix://${sock}`], { stdio: 'ignore' });
  await until(() => existsSync(sock), 30_000, 100);
});
after(async () => {
  service?.kill();
  await s.destroyWhenIdle();
});

function post(path: string, body: string): Promise<{ status: number; json: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const r = request({ agent: false, socketPath: sock, method: 'POST', path, headers: { 'content-type': 'application/json' } }, (res) => {
      let b = '';
      res.on('data', (d: Buffer) => (b += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, json: b ? JSON.parse(b) : {} }));
    });
    r.on('error', reject);
    r.end(body);
  });
}

/** What a container's inspect says about how it runs (less its identity and where husk keeps it). */
function runsAs(name: string): unknown {
  const [d] = JSON.parse(s.ok(['inspect', name]));
  const hc = d.HostConfig;
  return {
    Path: d.Path, Args: d.Args, Env: d.Config.Env, Labels: d.Config.Labels, WorkingDir: d.Config.WorkingDir, User: d.Config.User,
    Hostname: d.Config.Hostname, Tty: d.Config.Tty, Entrypoint: d.Config.Entrypoint, Cmd: d.Config.Cmd, StopSignal: d.Config.StopSignal,
    StopTimeout: d.Config.StopTimeout, CapAdd: hc.CapAdd, CapDrop: hc.CapDrop, RestartPolicy: hc.RestartPolicy, ReadonlyRootfs: hc.ReadonlyRootfs,
    Dns: hc.Dns, NetworkMode: hc.NetworkMode, Memory: hc.Memory, NanoCpus: hc.NanoCpus, Ulimits: hc.Ulimits, ExtraHosts: hc.ExtraHosts,
    Mounts: d.Mounts.map((m: Record<string, unknown>) => ({ Type: m.Type, Name: m.Name, Source: m.Type === 'volume' ? undefined : m.Source, Destination: m.Destination, RW: m.RW })),
    Ports: Object.fromEntries(Object.entries(hc.PortBindings ?? {}).map(([k, v]) => [k, (v as { HostIp: string }[]).map((b) => b.HostIp)])),
  };
}

test('help: Podman usage line', () => {
  assert.match(s.ok(['generate', 'spec', '--help']), /^Usage:\n {2}husk generate spec \[options\] \{CONTAINER\|POD\}\n/);
});

test("a container: Podman's SpecGenerator keys, renamed NAME-clone; through the libpod REST create it runs the same", async () => {
  s.ok(['create', '--name', 'orig', '-e', 'GREETING=hello', '-w', '/tmp', '--label', 'k=v', '-u', '1:1', '--hostname', 'spec-host',
    '--cap-add', 'NET_ADMIN', '--cap-drop', 'CHOWN', '--restart', 'on-failure:3', '--stop-timeout', '7', '--stop-signal', 'SIGINT', '--read-only',
    '--dns', '192.0.2.53', '--add-host', 'db:192.0.2.10', '-p', '127.0.0.1::80', '-v', 'specvol:/data', '-v', `${s.dir}:/host:ro`, '--tmpfs', '/scratch',
    '-m', '64m', '--cpus', '0.5', '--ulimit', 'nofile=512:1024', '--entrypoint', '/bin/sh',
    'busybox', '-c', 'echo $GREETING from $(pwd) as $(id -u) on $(hostname); grep db /etc/hosts; ulimit -n; touch /x 2>/dev/null || echo read-only']);
  const out = s.ok(['generate', 'spec', 'orig']);
  // Podman's json.MarshalIndent(spec, "", " ").
  assert.ok(out.includes('\n "image": "busybox"'), out);
  const spec = JSON.parse(out);
  assert.equal(spec.name, 'orig-clone');
  assert.deepEqual(spec.entrypoint, ['/bin/sh']);
  assert.equal(spec.command[0], '-c');
  assert.deepEqual(spec.env, { GREETING: 'hello' });
  assert.deepEqual(spec.labels, { k: 'v' });
  assert.equal(spec.work_dir, '/tmp');
  assert.equal(spec.user, '1:1');
  assert.equal(spec.hostname, 'spec-host');
  assert.deepEqual([spec.cap_add, spec.cap_drop], [['NET_ADMIN'], ['CHOWN']]);
  assert.deepEqual([spec.restart_policy, spec.restart_tries, spec.stop_timeout, spec.stop_signal], ['on-failure', 3, 7, 2]);
  assert.equal(spec.read_only_filesystem, true);
  assert.deepEqual([spec.dns_server, spec.hostadd], [['192.0.2.53'], ['db:192.0.2.10']]);
  assert.deepEqual(spec.netns, { nsmode: 'bridge' });
  assert.deepEqual(Object.keys(spec.Networks), ['bridge']);
  assert.deepEqual(spec.portmappings, [{ host_ip: '127.0.0.1', container_port: 80, host_port: spec.portmappings[0].host_port, range: 1, protocol: 'tcp' }]);
  assert.deepEqual(spec.volumes, [{ Name: 'specvol', Dest: '/data', Options: [], IsAnonymous: false, SubPath: '' }]);
  assert.deepEqual(spec.mounts, [{ destination: '/host', type: 'bind', source: s.dir, options: ['ro'] }, { destination: '/scratch', type: 'tmpfs' }]);
  assert.deepEqual(spec.resource_limits, { memory: { limit: 64 * 1024 * 1024 }, cpu: { quota: 50_000, period: 100_000 } });
  assert.deepEqual(spec.r_limits, [{ type: 'RLIMIT_NOFILE', hard: 1024, soft: 512 }]);
  for (const k of ['workdir', 'tty', 'capAdd', 'createCommand', 'containerCreateCommand', 'portMappings']) assert.equal(spec[k], undefined, `no husk key ${k}`);
  // --name=false keeps the name; -c prints one line.
  const compact = s.ok(['generate', 'spec', '-c', '--name=false', 'orig']);
  assert.ok(!compact.includes('\n'));
  assert.equal(JSON.parse(compact).name, 'orig');

  // The spec, as generated (the original's host port is taken: the copy gets its own), creates a twin over the REST API.
  spec.portmappings[0].host_port = 0;
  const r = await post('/v4.0.0/libpod/containers/create', JSON.stringify(spec));
  assert.equal(r.status, 201, JSON.stringify(r.json));
  assert.equal(s.ok(['inspect', '--format', '{{.Id}}', 'orig-clone']), r.json.Id);
  assert.deepEqual(runsAs('orig-clone'), runsAs('orig'));
  s.ok(['start', 'orig', 'orig-clone']);
  s.ok(['wait', 'orig', 'orig-clone']);
  const logs = s.ok(['logs', 'orig-clone']);
  assert.equal(logs, 'hello from /tmp as 1 on spec-host\n192.0.2.10\tdb\n512\nread-only');
  assert.equal(logs, s.ok(['logs', 'orig']));
  // The next free name: orig-clone is taken now.
  assert.equal(JSON.parse(s.ok(['generate', 'spec', '-c', 'orig'])).name, 'orig-clone1');
  // --filename writes the file and prints its path.
  const file = join(s.dir, 'spec.json');
  assert.equal(s.ok(['generate', 'spec', '-f', file, 'orig']), file);
  assert.equal(JSON.parse(readFileSync(file, 'utf8')).command[0], '-c');
});

test('a pod and a member: PodSpecGenerator keys; both round-trip through the REST creates', async () => {
  s.ok(['pod', 'create', '--name', 'gp', '--label', 'app=x', '--infra-name', 'gp-infra', '--dns', '192.0.2.53', '--add-host', 'db:192.0.2.10', '--exit-policy', 'stop']);
  s.ok(['create', '--pod', 'gp', '--name', 'member', '-e', 'X=1', 'busybox', 'sh', '-c', 'echo $X; hostname']);
  const spec = JSON.parse(s.ok(['generate', 'spec', 'gp']));
  assert.equal(spec.name, 'gp-clone');
  assert.deepEqual(spec.labels, { app: 'x' });
  assert.equal(spec.exit_policy, 'stop');
  assert.equal(spec.no_infra, undefined);
  assert.deepEqual(spec.shared_namespaces, ['ipc', 'net', 'uts']);
  assert.deepEqual([spec.dns_server, spec.hostadd], [['192.0.2.53'], ['db:192.0.2.10']]);
  assert.equal(spec.infra_name, undefined, "a renamed pod does not take the original's infra name");
  assert.equal(JSON.parse(s.ok(['generate', 'spec', '--name=false', 'gp'])).infra_name, 'gp-infra');
  for (const k of ['share', 'infra', 'exitPolicy', 'infraName']) assert.equal(spec[k], undefined, `no husk key ${k}`);

  const pod = await post('/v4.0.0/libpod/pods/create', JSON.stringify(spec));
  assert.equal(pod.status, 201, JSON.stringify(pod.json));
  const podInspect = (name: string) => {
    const [p] = [JSON.parse(s.ok(['pod', 'inspect', name]))].flat();
    return { Labels: p.Labels, SharedNamespaces: p.SharedNamespaces, ExitPolicy: p.ExitPolicy, Dns: p.InfraConfig?.DNSServer, HostAdd: p.InfraConfig?.HostAdd };
  };
  assert.deepEqual(podInspect('gp-clone'), podInspect('gp'));

  // A member's spec names its pod, not the infra container's namespaces it joined.
  const member = JSON.parse(s.ok(['generate', 'spec', 'member']));
  assert.equal(member.pod, s.ok(['pod', 'inspect', '--format', '{{.Id}}', 'gp']));
  assert.deepEqual(member.netns, {});
  assert.equal(member.hostname, undefined);
  member.pod = 'gp-clone';
  const c = await post('/v4.0.0/libpod/containers/create', JSON.stringify(member));
  assert.equal(c.status, 201, JSON.stringify(c.json));
  assert.match(s.ok(['pod', 'inspect', '--format', '{{range .Containers}}{{.Name}} {{end}}', 'gp-clone']), /\bmember-clone\b/);
  s.ok(['start', 'member', 'member-clone']);
  s.ok(['wait', 'member', 'member-clone']);
  assert.equal(s.ok(['logs', 'member']), '1\ngp');
  // The twin runs in the new pod: its hostname is that pod's (the original's, copied with the spec).
  assert.equal(s.ok(['logs', 'member-clone']), '1\ngp');

  const r = s.husk(['generate', 'spec', 'nosuch']);
  assert.equal(r.code, 125);
  assert.equal(r.stderr, 'Error: could not find a pod or container with the id nosuch\n');
  const missing = s.husk(['generate', 'spec']);
  assert.equal(missing.code, 125);
});
