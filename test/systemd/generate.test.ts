// `generate systemd` text against the units Podman 4 writes (its
// pkg/systemd/generate tests and `podman generate systemd` output of 4.3.1),
// with husk's binary in place of /usr/bin/podman; every unit also passes
// the real `systemd-analyze verify`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateSystemd, type ContainerUnitInput, type GenerateOptions, type PodUnitInput } from '../../src/systemd/generate.ts';
import { unixDate } from '../../src/systemd/header.ts';
import { HAVE_VERIFY, fakeHusk, verifyUnits } from './verify.ts';

const { exe: EXE } = fakeHusk();
const base: GenerateOptions = { executable: EXE, version: '0.1.0', noHeader: true };
const PIDFILE = '/run/containers/storage/overlay-containers/639c53578af4/userdata/conmon.pid';

const ctr = (over: Partial<ContainerUnitInput> = {}): ContainerUnitInput => ({
  id: '639c53578af4', name: 'foobar', stopTimeout: 10, conmonPidFile: PIDFILE, runRoot: '/run/containers/storage', ...over,
});
const one = (c: ContainerUnitInput, o: Partial<GenerateOptions> = {}) => generateSystemd({ kind: 'container', container: c }, { ...base, ...o })[0];

function assertVerifies(units: { fileName: string; text: string }[]) {
  if (!HAVE_VERIFY) return;
  assert.deepEqual(verifyUnits(units), []);
}

test('a container without --new starts and stops the existing container (Type=forking on conmon\'s PID)', () => {
  const u = one(ctr({ stopTimeout: 22 }), { useName: true, restartPolicy: 'always' });
  assert.equal(u.fileName, 'container-foobar.service');
  assert.equal(u.text, `# container-foobar.service

[Unit]
Description=Podman container-foobar.service
Documentation=man:podman-generate-systemd(1)
Wants=network-online.target
After=network-online.target
RequiresMountsFor=/run/containers/storage

[Service]
Environment=PODMAN_SYSTEMD_UNIT=%n
Restart=always
TimeoutStopSec=82
ExecStart=${EXE} start foobar
ExecStop=${EXE} stop  \\
\t-t 22 foobar
ExecStopPost=${EXE} stop  \\
\t-t 22 foobar
PIDFile=${PIDFILE}
Type=forking

[Install]
WantedBy=default.target
`);
  assertVerifies([u]);
});

test('--new rewrites the create command into a run that systemd supervises (Podman 4.3)', () => {
  const c = ctr({ name: 'kaleidos', createCommand: ['husk', 'run', '-d', '--name', 'kaleidos', '-p', '80:8000', '-v', '/opt/k/data:/app/data', 'ghcr.io/bionicosmos/kaleidos'] });
  const u = one(c, { new: true, useName: true });
  assert.equal(u.text, `# container-kaleidos.service

[Unit]
Description=Podman container-kaleidos.service
Documentation=man:podman-generate-systemd(1)
Wants=network-online.target
After=network-online.target
RequiresMountsFor=%t/containers

[Service]
Environment=PODMAN_SYSTEMD_UNIT=%n
Restart=on-failure
TimeoutStopSec=70
ExecStartPre=/bin/rm \\
\t-f %t/%n.ctr-id
ExecStart=${EXE} run \\
\t--cidfile=%t/%n.ctr-id \\
\t--cgroups=no-conmon \\
\t--rm \\
\t--sdnotify=conmon \\
\t--replace \\
\t-d \\
\t--name kaleidos \\
\t-p 80:8000 \\
\t-v /opt/k/data:/app/data ghcr.io/bionicosmos/kaleidos
ExecStop=${EXE} stop \\
\t--ignore -t 10 \\
\t--cidfile=%t/%n.ctr-id
ExecStopPost=${EXE} rm \\
\t-f \\
\t--ignore -t 10 \\
\t--cidfile=%t/%n.ctr-id
Type=notify
NotifyAccess=all

[Install]
WantedBy=default.target
`);
  assertVerifies([u]);
});

test('--new adds -d, keeps the image and its command untouched, drops --rm/--cgroups/--cidfile/--restart duplicates', () => {
  const c = ctr({ createCommand: ['husk', 'create', '--rm', '--cgroups=enabled', '--cidfile', '/x', '--detach=false', '--name', 'test', '-p', '80:80', 'img', 'somecmd', '--detach=false', '--rm'] });
  const u = one(c, { new: true, stopTimeout: 42 });
  const start = u.text.split('\n').filter((l) => /^(ExecStart=|\t)/.test(l)).join('\n');
  assert.match(start, /ExecStart=\S+ run \\\n\t--cidfile=%t\/%n.ctr-id \\\n\t--cgroups=no-conmon \\\n\t--rm \\\n\t--sdnotify=conmon \\\n\t-d \\\n\t--replace \\\n\t--name test \\\n\t-p 80:80 img somecmd \\\n\t--detach=false \\\n\t--rm\n/);
  assert.match(u.text, /TimeoutStopSec=102\n/);
  assert.match(u.text, /--ignore -t 42/);
  assertVerifies([u]);
});

test('--new: global flags stay, the container\'s restart policy becomes systemd\'s, -e KEY is set in the unit', () => {
  const c = ctr({
    env: ['PATH=/bin', 'FOO=bar baz', 'HOME=/root'],
    createCommand: ['husk', '--root', '/var/lib/x', 'container', 'run', '--restart=on-failure:5', '-e', 'FOO', '-eHOME', '-e', 'A=1', '--sdnotify=ignore', 'img'],
  });
  const u = one(c, { new: true });
  assert.match(u.text, new RegExp(`ExecStart=${EXE} \\\\\n\t--root /var/lib/x container run \\\\\n`));
  assert.match(u.text, /Environment="FOO=bar baz" HOME=\/root\n/);
  assert.match(u.text, /Restart=on-failure\nStartLimitBurst=5\n/);
  assert.doesNotMatch(u.text, /--restart|sdnotify=ignore/);
  assert.match(one(ctr({ createCommand: ['husk', 'run', '--restart', 'unless-stopped', 'img'] }), { new: true }).text, /Restart=always\n/);
  // An explicit --restart-policy wins over the container's.
  assert.match(one(c, { new: true, restartPolicy: 'no' }).text, /Restart=no\nTimeoutStopSec/);
  assertVerifies([u]);
});

test('arguments are escaped for systemd: $ and % doubled, blanks and quotes in Go quoting', () => {
  const c = ctr({ createCommand: ['husk', 'run', '--name', 'x', '-e', 'P=$HOME', '--label', 'k=%h', 'img', 'sh', '-c', 'echo "a b"', 'c\\d'] });
  const u = one(c, { new: true });
  assert.match(u.text, /-e P=\$\$HOME \\\n\t--label k=%%h img sh \\\n\t-c "echo \\"a b\\"" c\\\\d\n/);
  assertVerifies([u]);
});

test('options: prefixes, separator, restart-sec, start timeout, user dependencies, --env', () => {
  const u = one(ctr(), {
    containerPrefix: 'svc', separator: '_', restartSec: 15, startTimeout: 30, stopTimeout: 5,
    wants: ['a.service', 'b.target'], after: ['a.service'], requires: ['c.service'], env: ['FOO=bar', 'X=a b'],
  });
  assert.equal(u.fileName, 'svc_639c53578af4.service');
  assert.match(u.text, /RequiresMountsFor=\/run\/containers\/storage\n\n# User-defined dependencies\nWants=a.service b.target\nAfter=a.service\nRequires=c.service\n\n\[Service\]/);
  assert.match(u.text, /Environment=PODMAN_SYSTEMD_UNIT=%n\nEnvironment=FOO=bar\nEnvironment="X=a b"\nRestart=on-failure\nRestartSec=15\nTimeoutStartSec=30\nTimeoutStopSec=65\n/);
  assert.equal(one(ctr(), { containerPrefix: '' }).fileName, '639c53578af4.service');
  assertVerifies([u]);
});

test('the header names husk\'s version and the date in Go\'s UnixDate layout', () => {
  const now = new Date(2024, 0, 5, 9, 7, 3);
  const u = one(ctr(), { noHeader: false, now });
  const lines = u.text.split('\n');
  assert.equal(lines[0], '# container-639c53578af4.service');
  assert.equal(lines[1], '# autogenerated by husk 0.1.0');
  assert.match(lines[2], /^# Fri Jan  5 09:07:03 \S+ 2024$/);
  assert.equal(lines[2], `# ${unixDate(now)}`);
  assertVerifies([u]);
});

test('--template: name@.service, an instance-specific container name and unit variable', () => {
  const named = one(ctr({ createCommand: ['husk', 'run', '--name', 'web', 'img'] }), { template: true, useName: true });
  assert.equal(named.fileName, 'container-foobar@.service');
  assert.match(named.text, /^# container-foobar@.service\n/);
  assert.match(named.text, /Description=Podman container-foobar.service for %I\n/);
  assert.match(named.text, /Environment=PODMAN_SYSTEMD_UNIT=%n-%i\n/);
  assert.match(named.text, /--name web-%i img\n/);
  const unnamed = one(ctr({ createCommand: ['husk', 'run', 'img'] }), { template: true });
  assert.match(unnamed.text, /run \\\n\t--name=container-639c53578af4-%i \\\n\t--cidfile/);
  assert.throws(() => one(ctr({ createCommand: ['husk', 'run', 'img'] }), { template: true, new: false }), /--template cannot be set without --new/);
  assertVerifies([named, unnamed]);
});

test('errors: an invalid restart policy, --new without a create command', () => {
  assert.throws(() => one(ctr(), { restartPolicy: 'never' }), /never is not a valid restart policy/);
  assert.throws(() => one(ctr(), { new: true }), /no create command found/);
  assert.throws(() => one(ctr({ createCommand: ['husk', 'start', 'x'] }), { new: true }), /too short or invalid/);
});

test('a restart policy of the container itself warns without --new (Podman #15284)', () => {
  const warnings: string[] = [];
  one(ctr({ restartPolicy: 'always' }), { warn: (m) => warnings.push(m) });
  assert.equal(warnings.length, 1);
  assert.match(warnings[0], /restart policy "always"/);
});

const pod = (over: Partial<PodUnitInput> = {}): PodUnitInput => ({
  id: 'd38b33e5e047',
  name: 'gitea',
  createCommand: ['husk', 'pod', 'create', '--name', 'gitea', '-p', '3000:3000', '-p', '2222:22'],
  infra: ctr({ id: '62511c70363d', name: 'd38b33e5e047-infra', runRoot: '/run/user/1000/containers' }),
  containers: [
    ctr({ id: '54eb4d9d4857', name: 'gitea-app', createCommand: ['husk', 'run', '-d', '--pod', 'gitea', '--name', 'gitea-app', 'docker.io/gitea/gitea:latest-rootless'] }),
    ctr({ id: '57478a1ad761', name: 'gitea-db', createCommand: ['husk', 'run', '--pod=gitea', '--name', 'gitea-db', 'docker.io/library/mysql:8'] }),
  ],
  ...over,
});

test('a pod with --new: the pod unit creates the pod, member units join it by --pod-id-file (Podman 4.3.1)', () => {
  const units = generateSystemd({ kind: 'pod', pod: pod() }, { ...base, new: true, useName: true });
  assert.deepEqual(units.map((u) => u.fileName), ['pod-gitea.service', 'container-gitea-app.service', 'container-gitea-db.service']);
  assert.equal(units[0].text, `# pod-gitea.service

[Unit]
Description=Podman pod-gitea.service
Documentation=man:podman-generate-systemd(1)
Wants=network-online.target
After=network-online.target
RequiresMountsFor=/run/user/1000/containers
Wants=container-gitea-app.service container-gitea-db.service
Before=container-gitea-app.service container-gitea-db.service

[Service]
Environment=PODMAN_SYSTEMD_UNIT=%n
Restart=on-failure
TimeoutStopSec=70
ExecStartPre=/bin/rm \\
\t-f %t/pod-gitea.pid %t/pod-gitea.pod-id
ExecStartPre=${EXE} pod create \\
\t--infra-conmon-pidfile %t/pod-gitea.pid \\
\t--pod-id-file %t/pod-gitea.pod-id \\
\t--exit-policy=stop \\
\t--name gitea \\
\t-p 3000:3000 \\
\t-p 2222:22 \\
\t--replace
ExecStart=${EXE} pod start \\
\t--pod-id-file %t/pod-gitea.pod-id
ExecStop=${EXE} pod stop \\
\t--ignore \\
\t--pod-id-file %t/pod-gitea.pod-id  \\
\t-t 10
ExecStopPost=${EXE} pod rm \\
\t--ignore \\
\t-f \\
\t--pod-id-file %t/pod-gitea.pod-id
PIDFile=%t/pod-gitea.pid
Type=forking

[Install]
WantedBy=default.target
`);
  assert.equal(units[2].text, `# container-gitea-db.service

[Unit]
Description=Podman container-gitea-db.service
Documentation=man:podman-generate-systemd(1)
Wants=network-online.target
After=network-online.target
RequiresMountsFor=%t/containers
BindsTo=pod-gitea.service
After=pod-gitea.service

[Service]
Environment=PODMAN_SYSTEMD_UNIT=%n
Restart=on-failure
TimeoutStopSec=70
ExecStartPre=/bin/rm \\
\t-f %t/%n.ctr-id
ExecStart=${EXE} run \\
\t--cidfile=%t/%n.ctr-id \\
\t--cgroups=no-conmon \\
\t--rm \\
\t--pod-id-file %t/pod-gitea.pod-id \\
\t--sdnotify=conmon \\
\t-d \\
\t--replace \\
\t--name gitea-db docker.io/library/mysql:8
ExecStop=${EXE} stop \\
\t--ignore -t 10 \\
\t--cidfile=%t/%n.ctr-id
ExecStopPost=${EXE} rm \\
\t-f \\
\t--ignore -t 10 \\
\t--cidfile=%t/%n.ctr-id
Type=notify
NotifyAccess=all

[Install]
WantedBy=default.target
`);
  assert.match(units[1].text, /--pod-id-file %t\/pod-gitea.pod-id \\\n\t--sdnotify=conmon \\\n\t--replace \\\n\t-d \\\n\t--name gitea-app docker/);
  assertVerifies(units);
});

test('a pod without --new starts its infra container; members are bound to it (and to their dependencies)', () => {
  const p = pod({ createCommand: undefined });
  p.containers[0].dependsOn = [p.containers[1].id];
  const units = generateSystemd({ kind: 'pod', pod: p }, { ...base, stopTimeout: 42 });
  assert.deepEqual(units.map((u) => u.fileName), ['pod-d38b33e5e047.service', 'container-54eb4d9d4857.service', 'container-57478a1ad761.service']);
  assert.equal(units[0].text, `# pod-d38b33e5e047.service

[Unit]
Description=Podman pod-d38b33e5e047.service
Documentation=man:podman-generate-systemd(1)
Wants=network-online.target
After=network-online.target
RequiresMountsFor=/run/user/1000/containers
Wants=container-54eb4d9d4857.service container-57478a1ad761.service
Before=container-54eb4d9d4857.service container-57478a1ad761.service

[Service]
Environment=PODMAN_SYSTEMD_UNIT=%n
Restart=on-failure
TimeoutStopSec=102
ExecStart=${EXE} start 62511c70363d
ExecStop=${EXE} stop  \\
\t-t 42 62511c70363d
ExecStopPost=${EXE} stop  \\
\t-t 42 62511c70363d
PIDFile=${PIDFILE}
Type=forking

[Install]
WantedBy=default.target
`);
  assert.match(units[1].text, /BindsTo=container-57478a1ad761.service pod-d38b33e5e047.service\nAfter=container-57478a1ad761.service pod-d38b33e5e047.service\n/);
  assert.match(units[2].text, /BindsTo=pod-d38b33e5e047.service\nAfter=pod-d38b33e5e047.service\n/);
  assertVerifies(units);
});

test('pods: global flags carried to every pod command, an own --exit-policy kept, --replace=false dropped', () => {
  const p = pod({ createCommand: ['husk', '--root', '/r', 'pod', 'create', '--name', 'foo', '--replace=false', '--exit-policy=continue', '--infra-conmon-pidfile', '/tmp/x.pid'] });
  const [u] = generateSystemd({ kind: 'pod', pod: p }, { ...base, new: true, useName: true });
  assert.match(u.text, new RegExp(`ExecStartPre=${EXE} \\\\\n\t--root /r pod create \\\\\n\t--infra-conmon-pidfile %t/pod-gitea.pid \\\\\n\t--pod-id-file %t/pod-gitea.pod-id \\\\\n\t--name foo \\\\\n\t--exit-policy=continue \\\\\n\t--replace\n`));
  assert.match(u.text, new RegExp(`ExecStart=${EXE} --root /r pod start \\\\\n`));
  assert.throws(() => generateSystemd({ kind: 'pod', pod: pod({ createCommand: ['husk', 'run', '--pod', 'new:x', 'img'] }) }, { ...base, new: true }), /pod create/);
  assert.throws(() => generateSystemd({ kind: 'pod', pod: pod() }, { ...base, template: true }), /--template is not supported for pods/);
  assertVerifies([u]);
});
