// Podman 4.3's kube play flags, checked in the containers play starts:
// --annotation, --ip/--mac-address, --log-driver/--log-opt, --no-hosts,
// --seccomp-profile-root, --userns, the registry flags and --quiet for the
// pull, and Podman's errors for bad values.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Store, until } from '../helpers.ts';
import { startRegistry, type RunningRegistry } from '../registry-server.ts';

const store = new Store('husk-kube-fidflags-');
let reg: RunningRegistry | undefined;
let n = 0;

before(() => {
  store.busybox();
});
after(async () => {
  await reg?.stop();
  await store.destroyWhenIdle();
});

/** A one-container Pod running `script`; returns the YAML file and the pod's name. */
function pod(script: string, extra: { annotations?: Record<string, string>; image?: string } = {}): { file: string; name: string } {
  const name = `fid${n++}`;
  const ann = extra.annotations ? `  annotations:\n${Object.entries(extra.annotations).map(([k, v]) => `    ${k}: ${JSON.stringify(v)}`).join('\n')}\n` : '';
  const file = join(store.dir, `${name}.yaml`);
  writeFileSync(file, `apiVersion: v1
kind: Pod
metadata:
  name: ${name}
${ann}spec:
  restartPolicy: Never
  containers:
  - name: c
    image: ${extra.image ?? 'busybox'}
    command: ["sh", "-c", ${JSON.stringify(script)}]
`);
  return { file, name };
}

/** The container's output once it has printed `marker`. */
async function output(ctr: string, marker: string): Promise<string> {
  return until(() => {
    const r = store.husk(['logs', ctr]);
    return r.stdout.includes(marker) ? r.stdout : undefined;
  }, 30_000);
}

function fails(args: string[]): string {
  const r = store.husk(['kube', 'play', ...args]);
  assert.equal(r.code, 125, r.stdout + r.stderr);
  return r.stderr;
}

test('--annotation: every container of the pods gets it', () => {
  const { file, name } = pod('sleep 1');
  store.ok(['kube', 'play', '--network', 'none', '--start=false', '--annotation', 'fid.example/key=val1', '--annotation', 'other=x', file]);
  const ann = JSON.parse(store.ok(['inspect', `${name}-c`]))[0].Config.Annotations;
  assert.equal(ann['fid.example/key'], 'val1');
  assert.equal(ann.other, 'x');
});

test('--ip and --mac-address: the pod\'s address on its network', async () => {
  store.ok(['network', 'create', '--subnet', '10.89.77.0/24', 'fidnet']);
  const { file, name } = pod('ip addr show eth0; echo DONE; sleep 30');
  store.ok(['kube', 'play', '--network', 'fidnet', '--ip', '10.89.77.23', '--mac-address', '92:d0:c6:0a:29:33', file]);
  const out = await output(`${name}-c`, 'DONE');
  assert.match(out, /inet 10\.89\.77\.23\//);
  assert.match(out, /link\/ether 92:d0:c6:0a:29:33/);
  store.ok(['kube', 'down', file]);
});

test('--log-driver and --log-opt path=: the container\'s output goes to that file', async () => {
  const log = join(store.dir, 'fid-ctr.log');
  const { file, name } = pod('echo to-the-log-file');
  store.ok(['kube', 'play', '--network', 'none', '--log-driver', 'k8s-file', '--log-opt', `path=${log}`, file]);
  await until(() => existsSync(log) && readFileSync(log, 'utf8').includes('to-the-log-file'), 30_000);
  const none = pod('echo nothing-kept');
  store.ok(['kube', 'play', '--network', 'none', '--log-driver', 'none', none.file]);
  assert.equal(JSON.parse(store.ok(['inspect', `${none.name}-c`]))[0].HostConfig.LogConfig.Type, 'none');
  void name;
});

test('--no-hosts: the containers keep the image\'s /etc/hosts', async () => {
  const script = 'echo "HOSTS:$(cat /etc/hosts 2>&1 | tr "\\n" " ")"; echo DONE';
  const withHosts = pod(script);
  store.ok(['kube', 'play', '--network', 'none', withHosts.file]);
  assert.match(await output(`${withHosts.name}-c`, 'DONE'), new RegExp(`HOSTS:.*${withHosts.name}`));
  const noHosts = pod(script);
  store.ok(['kube', 'play', '--network', 'none', '--no-hosts', noHosts.file]);
  assert.doesNotMatch(await output(`${noHosts.name}-c`, 'DONE'), new RegExp(`HOSTS:.*${noHosts.name}`));
});

test('--seccomp-profile-root: a localhost/ profile of the annotation is read from there; unconfined turns seccomp off', async () => {
  const root = join(store.dir, 'seccomp');
  mkdirSync(root);
  writeFileSync(join(root, 'nomkdir.json'), JSON.stringify({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO' }] }));
  const blocked = pod('mkdir /tmp/x && echo MADE || echo BLOCKED; echo DONE', { annotations: { 'seccomp.security.alpha.kubernetes.io/pod': 'localhost/nomkdir.json' } });
  store.ok(['kube', 'play', '--network', 'none', '--seccomp-profile-root', root, blocked.file]);
  assert.match(await output(`${blocked.name}-c`, 'DONE'), /BLOCKED/);
  const open = pod('echo "SECCOMP:$(grep Seccomp: /proc/self/status | cut -f2)"; echo DONE', { annotations: { 'container.seccomp.security.alpha.kubernetes.io/c': 'unconfined' } });
  store.ok(['kube', 'play', '--network', 'none', open.file]);
  assert.match(await output(`${open.name}-c`, 'DONE'), /SECCOMP:0\n/);
  const bad = pod('true', { annotations: { 'seccomp.security.alpha.kubernetes.io/pod': 'bogus' } });
  assert.match(fails(['--network', 'none', bad.file]), /invalid seccomp profile: bogus/);
});

test('--userns reaches every container: host runs as before, auto is refused by rootful husk as the engine refuses it for run', async () => {
  const { file, name } = pod('echo "MAP:$(cat /proc/self/uid_map | tr -s " ")"; echo DONE');
  store.ok(['kube', 'play', '--network', 'none', '--userns', 'host', file]);
  assert.match(await output(`${name}-c`, 'DONE'), /MAP: 0 0 4294967295/);
  const auto = pod('true');
  const r = store.husk(['kube', 'play', '--network', 'none', '--userns', 'auto', auto.file]);
  assert.equal(r.code, 125);
  assert.match(r.stderr, /^Error: .*user namespace mode auto is only supported for rootless husk$/m);
  // Nothing of the file is left.
  assert.equal(store.husk(['pod', 'exists', auto.name]).code, 1);
});

test('--tls-verify, --quiet: the pull from a registry, with and without its progress', async () => {
  reg = await startRegistry();
  const image = `${reg.host}/fid/bb:1`;
  store.ok(['push', '--tls-verify=false', 'busybox', image]);
  const loud = pod('true', { image });
  const r = store.husk(['kube', 'play', '--network', 'none', '--start=false', '--tls-verify=false', loud.file]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /Trying to pull|Copying|Writing manifest/);
  store.ok(['rmi', '-f', image]);
  const quiet = pod('true', { image });
  const q = store.husk(['kube', 'play', '--network', 'none', '--start=false', '--tls-verify', '-q', '--authfile', join(store.dir, 'none.json'), quiet.file]);
  // A bare --tls-verify is true: the plain-http registry is refused, so the flag reached the pull.
  assert.notEqual(q.code, 0);
  const ok = store.husk(['kube', 'play', '--network', 'none', '--start=false', '--tls-verify=false', '-q', quiet.file]);
  assert.equal(ok.code, 0, ok.stderr);
  assert.doesNotMatch(ok.stderr, /Trying to pull|Copying|Writing manifest/);
});

test('bad values: Podman\'s errors, exit 125', () => {
  const { file } = pod('true');
  assert.match(fails(['--ip', 'bogus', file]), /^Error: invalid argument "bogus" for "--ip" flag: invalid string being converted to IP address: bogus$/m);
  assert.match(fails(['--mac-address', 'bogus', file]), /^Error: address bogus: invalid MAC address$/m);
  assert.match(fails(['--annotation', 'novalue', file]), /^Error: annotation "novalue" must include an '=' sign$/m);
  assert.match(fails(['--network', 'none', '--log-driver', 'bogus', file]), /^Error: .*invalid log driver: bogus$/m);
  assert.match(fails(['--userns', 'bogus', file]), /^Error: .*userns/m);
});
