// Pods: an infra container (catatonit from a locally built image) holds the
// shared namespaces; members reach each other on localhost, ports are the
// pod's, stop order and removal rules follow Podman.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Store, until } from '../helpers.ts';
import { fetchRetry, fetchText } from './nettools.ts';

const s = new Store();
before(() => s.busybox());
after(() => s.destroyWhenIdle());

const links = () => readdirSync('/sys/class/net').sort();

test('a pod publishes its ports; members share net/ipc/uts with the infra container and reach each other on 127.0.0.1', async () => {
  const before = links();
  const podId = s.ok(['pod', 'create', '--name', 'web', '-p', '127.0.0.1:0:80', '--label', 'tier=front']);
  assert.match(podId, /^[0-9a-f]{64}$/);
  assert.match(s.ok(['pod', 'ps', '--format', '{{.Name}} {{.Status}} {{.NumberOfContainers}}']), /^web Created 1$/);
  // The infra image is built locally from catatonit.
  assert.match(s.ok(['images', '--format', '{{.Repository}}:{{.Tag}}']), /localhost\/husk-pause:latest/);
  s.ok(['run', '-d', '--pod', 'web', '--name', 'httpd', 'busybox', 'httpd', '-f', '-p', '80', '-h', '/etc']);
  s.ok(['run', '-d', '--pod', 'web', '--name', 'client', 'busybox', 'sleep', '1000']);
  assert.equal(s.ok(['pod', 'ps', '--format', '{{.Status}}']), 'Running');
  // Sibling on localhost.
  const body = await until(() => {
    const r = s.husk(['exec', 'client', 'wget', '-qO-', 'http://127.0.0.1:80/hostname']);
    return r.code === 0 && r.stdout;
  });
  assert.equal(body.trim(), 'web'); // the pod's hostname (shared UTS)
  // The pod's port, from the host.
  const infraId = s.ok(['pod', 'inspect', 'web', '--format', '{{.InfraContainerId}}']);
  const hostPort = s.ok(['port', infraId, '80']);
  assert.match(hostPort, /^127\.0\.0\.1:\d+$/);
  assert.equal((await fetchText(`http://${hostPort}/hostname`)).trim(), 'web');
  // ps --ns: same net/ipc/uts inodes as the infra container, own pid namespace.
  const rows = s.ok(['ps', '--ns', '--format', '{{.Names}} {{.NET}} {{.IPC}} {{.UTS}} {{.PIDNS}}']).split('\n').map((l) => l.split(' '));
  const byName = Object.fromEntries(rows.map(([n, ...r]) => [n, r]));
  const infra = byName[`${podId.slice(0, 12)}-infra`];
  for (const m of ['httpd', 'client']) {
    assert.deepEqual(byName[m].slice(0, 3), infra.slice(0, 3), `${m} shares net/ipc/uts`);
    assert.notEqual(byName[m][3], infra[3], `${m} has its own pid namespace`);
  }
  // ps --pod and its filter.
  assert.match(s.ok(['ps', '--pod', '--filter', 'pod=web', '--format', '{{.Names}} {{.PodName}}']), /httpd web/);
  assert.deepEqual(s.ok(['ps', '-a', '--filter', 'pod=web', '--format', '{{.Names}}']).split('\n').sort(), ['client', 'httpd', `${podId.slice(0, 12)}-infra`].sort());
  assert.match(s.ok(['pod', 'ps', '--ctr-names', '--filter', 'label=tier=front']), /NAMES[\s\S]*httpd/);
  // top and stats cover every running container of the pod.
  const top = s.ok(['pod', 'top', 'web']);
  assert.match(top, /catatonit/);
  assert.match(top, /httpd -f/);
  assert.equal(s.ok(['pod', 'stats', '--no-stream', '--format', '{{.Name}}', 'web']).split('\n').length, 3);
  const [info] = JSON.parse(s.ok(['pod', 'inspect', 'web']));
  assert.deepEqual(info.SharedNamespaces, ['ipc', 'net', 'uts']);
  assert.equal(info.NumContainers, 3);

  // A member cannot publish ports or pick a network of its own.
  const bad = s.husk(['create', '--pod', 'web', '-p', '8099:80', 'busybox', 'true']);
  assert.equal(bad.code, 125);
  assert.match(bad.stderr, /ports must be defined when the pod is created/);
  // The infra container only goes with the pod; a running pod needs -f.
  const rmInfra = s.husk(['rm', '-f', infraId]);
  assert.equal(rmInfra.code, 125);
  assert.match(rmInfra.stderr, /infra container of pod .* cannot be removed without removing the pod/);
  const rmPod = s.husk(['pod', 'rm', 'web']);
  assert.equal(rmPod.code, 2);
  assert.match(rmPod.stderr, /running containers/);
  assert.equal(s.ok(['pod', 'ps', '--format', '{{.Status}}']), 'Running');

  assert.equal(s.ok(['pod', 'rm', '-f', 'web']), podId);
  assert.equal(s.ok(['ps', '-aq']), '');
  assert.equal(s.husk(['pod', 'exists', 'web']).code, 1);
  assert.deepEqual(links(), before);
  assert.deepEqual(readdirSync(join(s.runroot, 'netns')), []);
});

test('pod stop stops the members before the infra container; start brings them back', async () => {
  s.ok(['pod', 'create', '--name', 'order']);
  s.ok(['run', '-d', '--pod', 'order', '--name', 'm1', 'busybox', 'sleep', '1000']);
  s.ok(['run', '-d', '--pod', 'order', '--name', 'm2', 'busybox', 'sleep', '1000']);
  const infra = s.ok(['pod', 'inspect', 'order', '--format', '{{.InfraContainerId}}']);
  s.ok(['pod', 'stop', '-t', '0', 'order']);
  assert.equal(s.ok(['pod', 'ps', '--filter', 'name=order', '--format', '{{.Status}}']), 'Exited');
  const finished = (ref: string) => new Date(s.ok(['inspect', ref, '--format', '{{.State.FinishedAt}}'])).getTime();
  assert.ok(finished(infra) >= Math.max(finished('m1'), finished('m2')), 'infra stopped last');
  // Starting a member alone starts the infra container first.
  s.ok(['start', 'm1']);
  assert.equal(s.ok(['inspect', infra, '--format', '{{.State.Status}}']), 'running');
  assert.equal(s.ok(['pod', 'ps', '--filter', 'name=order', '--format', '{{.Status}}']), 'Degraded');
  s.ok(['pod', 'start', 'order']);
  assert.equal(s.ok(['pod', 'ps', '--filter', 'name=order', '--format', '{{.Status}}']), 'Running');
  s.ok(['pod', 'pause', 'order']);
  assert.equal(s.ok(['pod', 'ps', '--filter', 'name=order', '--format', '{{.Status}}']), 'Paused');
  s.ok(['pod', 'unpause', 'order']);
  s.ok(['pod', 'kill', 'order']);
  await until(() => s.ok(['pod', 'ps', '--filter', 'name=order', '--format', '{{.Status}}']) === 'Exited');
  const id = s.ok(['pod', 'ps', '-q', '--no-trunc', '--filter', 'name=order']);
  s.ok(['pod', 'create', '--name', 'keep']); // Created, not stopped: prune leaves it
  assert.equal(s.ok(['pod', 'prune']), id);
  assert.equal(s.ok(['pod', 'ps', '--format', '{{.Name}}']), 'keep');
  s.ok(['pod', 'rm', 'keep']);
});

test('--share pid lets members see each other\'s processes; --pod new: creates the pod with the container\'s ports', async () => {
  s.ok(['pod', 'create', '--name', 'pids', '--share', 'pid,net']);
  s.ok(['run', '-d', '--pod', 'pids', '--name', 'sleeper', 'busybox', 'sleep', '1234']);
  const ps = s.ok(['run', '--rm', '--pod', 'pids', 'busybox', 'ps', 'ax']);
  assert.match(ps, /sleep 1234/);
  assert.match(ps, /catatonit/);
  s.ok(['pod', 'rm', '-f', 'pids']);

  const id = s.ok(['run', '-d', '--pod', 'new:onthefly', '-p', '127.0.0.1:0:80', '--name', 'srv', 'busybox', 'httpd', '-f', '-p', '80', '-h', '/etc']);
  assert.match(id, /^[0-9a-f]{64}$/);
  const [info] = JSON.parse(s.ok(['pod', 'inspect', 'onthefly']));
  assert.equal(Object.keys(info.InfraConfig.PortBindings)[0], '80/tcp');
  const port = info.InfraConfig.PortBindings['80/tcp'][0].HostPort;
  const body = await fetchRetry(`http://127.0.0.1:${port}/hostname`);
  assert.equal(body.trim(), 'onthefly');
  s.ok(['pod', 'rm', '-f', 'onthefly']);
});

test('pod errors: unknown pod, bad --share, name in use; --infra=false shares nothing', () => {
  const r = s.husk(['run', '--rm', '--pod', 'nosuchpod', 'busybox', 'true']);
  assert.equal(r.code, 125);
  assert.match(r.stderr, /no pod with name or ID nosuchpod found/);
  assert.equal(s.husk(['pod', 'stop', 'nosuchpod']).code, 125);
  const share = s.husk(['pod', 'create', '--share', 'bogus']);
  assert.equal(share.code, 125);
  assert.match(share.stderr, /invalid kernel namespace to share: bogus/);
  s.ok(['pod', 'create', '--name', 'dup']);
  const dup = s.husk(['pod', 'create', '--name', 'dup']);
  assert.equal(dup.code, 125);
  assert.match(dup.stderr, /pod name "dup" is already in use/);
  s.ok(['pod', 'rm', 'dup']);
  assert.equal(s.ok(['ps', '-aq']), '');

  s.ok(['pod', 'create', '--name', 'bare', '--infra=false']);
  assert.equal(s.ok(['pod', 'inspect', 'bare', '--format', '{{.InfraContainerId}}']), '');
  s.ok(['run', '-d', '--pod', 'bare', '--name', 'b1', 'busybox', 'sleep', '1000']);
  assert.equal(s.ok(['pod', 'ps', '--filter', 'name=bare', '--format', '{{.NumberOfContainers}} {{.Status}}']), '1 Running');
  assert.notEqual(s.ok(['exec', 'b1', 'hostname']), 'bare');
  s.ok(['pod', 'rm', '-f', 'bare']);
  assert.equal(existsSync(join(s.root, 'state.db')), true);
});

test('inspect names a member\'s pod by its full ID, as ps --pod does; "" outside a pod (200-pod)', () => {
  const podId = s.ok(['pod', 'create', '--name', 'owner']);
  s.ok(['create', '--pod', 'owner', '--name', 'member', 'busybox', 'true']);
  s.ok(['create', '--name', 'loner', 'busybox', 'true']);
  assert.equal(s.ok(['inspect', '--format', '{{.Pod}}', 'member']), podId);
  assert.equal(s.ok(['container', 'inspect', '--format', '{{.Pod}} {{.IsInfra}}', `${podId.slice(0, 12)}-infra`]), `${podId} true`);
  assert.equal(s.ok(['inspect', '--format', '{{.Pod}}|{{.IsInfra}}', 'loner']), '|false');
  assert.equal(s.ok(['ps', '-a', '--pod', '--no-trunc', '--filter', 'name=member', '--format', '{{.Pod}} {{.PodName}}']), `${podId} owner`);
  s.ok(['rm', 'loner']);
  s.ok(['pod', 'rm', '-f', 'owner']);
});

test('the pod\'s --add-host entries are in every member\'s /etc/hosts, beside the pod\'s hostname; its --dns, --dns-search in resolv.conf (200-pod "pod create with options")', () => {
  s.ok(['pod', 'create', '--name', 'hosted', '--hostname', 'podhost', '--add-host', 'db:10.1.2.3', '--add-host', 'cache:10.1.2.4',
    '--dns', '9.9.9.9', '--dns-search', 'example.com']);
  s.ok(['run', '-d', '--pod', 'hosted', '--name', 'h1', 'busybox', 'sleep', '1000']);
  const hosts = s.ok(['run', '--rm', '--pod', 'hosted', 'busybox', 'cat', '/etc/hosts']);
  assert.match(hosts, /^10\.1\.2\.3\tdb\n10\.1\.2\.4\tcache\n/);
  assert.match(hosts, /\tpodhost /);
  assert.equal(s.ok(['exec', 'h1', 'grep', '-c', '^10.1.2.3\tdb$', '/etc/hosts']), '1');
  const resolv = s.ok(['exec', 'h1', 'cat', '/etc/resolv.conf']);
  assert.match(resolv, /^search example\.com$/m);
  assert.match(resolv, /^nameserver 9\.9\.9\.9$/m);
  // A member's own --dns still wins.
  assert.match(s.ok(['run', '--rm', '--pod', 'hosted', '--dns', '1.1.1.1', 'busybox', 'cat', '/etc/resolv.conf']), /^nameserver 1\.1\.1\.1$/m);
  s.ok(['pod', 'rm', '-f', '-t', '0', 'hosted']);
});

test('a member of a pod sharing its network takes no network settings of its own: Podman\'s messages, exit 125, nothing created (pod_create_test "--add-host in pod should fail")', () => {
  s.ok(['pod', 'create', '--name', 'netpod', '--add-host', 'host1:127.0.0.1']);
  const before = s.ok(['ps', '-a', '--no-trunc', '--format', '{{.ID}}']);
  const shared = 'network cannot be configured when it is shared with a pod';
  for (const [args, msg] of [
    [['--add-host', 'db:10.1.2.3'], `extra host entries must be specified on the pod: ${shared}`],
    [['-p', '8080:80'], `published or exposed ports must be defined when the pod is created: ${shared}`],
    [['-P'], `published or exposed ports must be defined when the pod is created: ${shared}`],
    // Podman's CLI makes these a "default" network entry: the networks message.
    [['--ip', '10.88.0.50'], `networks must be defined when the pod is created: ${shared}`],
    [['--mac-address', '92:d0:c6:0a:29:33'], `networks must be defined when the pod is created: ${shared}`],
    [['--network-alias', 'web'], `networks must be defined when the pod is created: ${shared}`],
    [['--hostname', 'h'], 'cannot set hostname when joining the pod UTS namespace: invalid configuration'],
  ] as const) {
    for (const cmd of ['run', 'create']) {
      const r = s.husk([cmd, '--pod', 'netpod', ...args, 'busybox', 'true']);
      assert.deepEqual([r.code, r.stderr], [125, `Error: invalid config provided: ${msg}\n`], `${cmd} ${args.join(' ')}`);
    }
  }
  assert.equal(s.ok(['ps', '-a', '--no-trunc', '--format', '{{.ID}}']), before);
  // The pod's own entry reaches its members.
  assert.match(s.ok(['run', '--rm', '--pod', 'netpod', 'busybox', 'cat', '/etc/hosts']), /^127\.0\.0\.1\thost1$/m);
  // --pod new: takes the container's --add-host for the pod, as Podman does.
  assert.match(s.ok(['run', '--pod', 'new:newhosts', '--add-host', 'db:10.1.2.3', 'busybox', 'cat', '/etc/hosts']), /^10\.1\.2\.3\tdb$/m);
  // A pod that does not share its network leaves members theirs.
  s.ok(['pod', 'create', '--name', 'ipconly', '--share', 'ipc']);
  assert.match(s.ok(['run', '--rm', '--pod', 'ipconly', '--add-host', 'db:10.1.2.3', 'busybox', 'cat', '/etc/hosts']), /^10\.1\.2\.3\tdb$/m);
  s.ok(['pod', 'rm', '-f', '-t', '0', 'netpod', 'newhosts', 'ipconly']);
});

test('pod create --dns-option: in every member\'s resolv.conf and in pod inspect; --pod new: takes the container\'s', () => {
  s.ok(['pod', 'create', '--name', 'dnsopt', '--dns-option', 'ndots:2', '--dns-opt', 'timeout:3']);
  assert.equal(s.ok(['pod', 'inspect', 'dnsopt', '--format', '{{.InfraConfig.DNSOption}}']), '[ndots:2 timeout:3]');
  const resolv = s.ok(['run', '--rm', '--pod', 'dnsopt', 'busybox', 'cat', '/etc/resolv.conf']);
  assert.equal(resolv.split('\n').filter((l) => /^options\b/.test(l)).join('\n'), 'options ndots:2 timeout:3');
  // A member's own options win, as its --dns does.
  assert.match(s.ok(['run', '--rm', '--pod', 'dnsopt', '--dns-option', 'ndots:5', 'busybox', 'cat', '/etc/resolv.conf']), /^options ndots:5$/m);
  assert.match(s.ok(['run', '--pod', 'new:dnsnew', '--dns-option', 'attempts:4', 'busybox', 'cat', '/etc/resolv.conf']), /^options attempts:4$/m);
  assert.equal(s.ok(['pod', 'inspect', 'dnsnew', '--format', '{{.InfraConfig.DNSOption}}']), '[attempts:4]');
  s.ok(['pod', 'rm', '-f', '-t', '0', 'dnsopt', 'dnsnew']);
});
