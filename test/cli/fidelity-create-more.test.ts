// More run/create flags of Podman 4.3's that husk lacked, each checked by its
// effect inside a real container (its environment, its files, its user
// namespace) or by the inspect fields Podman shows, and by Podman's error
// for bad input. The expected values are what podman 4.3.1 gives for the
// same commands (compared on this host with `podman create` + `inspect`).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { FIXTURES, HUSK, Store, TestUser, until } from '../helpers.ts';

const s = new Store();
before(() => {
  s.busybox();
  // An image with its own proxy variable, another variable and an EXPOSE, as Podman's tests build one.
  s.ok(['import', '--change', 'ENV=http_proxy=from-image', '--change', 'ENV=FOO=bar', '--change', 'EXPOSE 7000/udp', join(FIXTURES, 'busybox-rootfs.tar'), 'envimg']);
});
after(() => s.destroyWhenIdle());

const PROXIES = { http_proxy: 'http://host-proxy:3128', HTTPS_PROXY: 'https://host-proxy:3129', no_proxy: 'localhost', FTP_PROXY: '' };

/** The container's environment as NAME=VALUE lines, sorted; the caller's environment gets `env`. */
function envOf(args: string[], env: Record<string, string> = {}): string[] {
  const r = s.husk(['run', '--rm', '--network', 'none', ...args], { env });
  assert.equal(r.code, 0, r.stderr);
  return r.stdout.trim().split('\n').filter((l) => !/^(HOSTNAME|HOME)=/.test(l)).sort();
}

test('--http-proxy: the caller\'s proxy variables reach the container, over the image\'s, under -e; --http-proxy=false keeps them out', () => {
  const on = envOf(['envimg', '/bin/env'], PROXIES);
  assert.ok(on.includes('http_proxy=http://host-proxy:3128'), on.join(' ')); // the host's wins over the image's (as podman 4.3.1)
  assert.ok(on.includes('HTTPS_PROXY=https://host-proxy:3129'));
  assert.ok(on.includes('no_proxy=localhost'));
  assert.ok(on.includes('FTP_PROXY='), 'a set but empty variable is copied too');
  assert.ok(on.includes('FOO=bar'));
  // -e wins; the flag's optional value does not swallow the image that follows it.
  const cli = envOf(['--http-proxy', '-e', 'http_proxy=from-cli', 'envimg', '/bin/env'], PROXIES);
  assert.ok(cli.includes('http_proxy=from-cli'), cli.join(' '));
  assert.deepEqual(envOf(['--http-proxy', 'envimg', '/bin/env'], PROXIES), on);
  const off = envOf(['--http-proxy=false', 'envimg', '/bin/env'], PROXIES);
  assert.ok(off.includes('http_proxy=from-image'), off.join(' '));
  assert.ok(!off.some((l) => /^(HTTPS_PROXY|no_proxy|FTP_PROXY)=/.test(l)), off.join(' '));
  // Stored at create: inspect shows them, and a later start does not read the caller's environment again.
  const id = s.husk(['create', '--network', 'none', 'busybox', '/bin/env'], { env: PROXIES }).stdout.trim();
  assert.match(s.ok(['inspect', '--format', '{{json .Config.Env}}', id]), /"http_proxy=http:\/\/host-proxy:3128"/);
  const started = s.husk(['start', '--attach', id], { env: { http_proxy: 'changed' } });
  assert.match(started.stdout, /^http_proxy=http:\/\/host-proxy:3128$/m);
  s.ok(['rm', id]);
});

test('--unsetenv drops defaults and image variables; --unsetenv-all drops them all but -e and the proxies', () => {
  const some = envOf(['--unsetenv', 'PATH', '--unsetenv', 'FOO', '--unsetenv', 'container', '-e', 'KEEP=1', 'envimg', '/bin/env'], {});
  assert.ok(!some.some((l) => /^(PATH|FOO|container)=/.test(l)), some.join(' '));
  assert.ok(some.includes('KEEP=1') && some.includes('http_proxy=from-image'), some.join(' '));
  // --unsetenv NAME with -e NAME: the explicit value stays.
  assert.ok(envOf(['--unsetenv', 'FOO', '-e', 'FOO=mine', 'envimg', '/bin/env']).includes('FOO=mine'));
  // As podman 4.3.1: nothing of the defaults (not even TERM with -t), -e and the host's proxies remain.
  const all = envOf(['--unsetenv-all', '-t', '-e', 'A=b', 'envimg', '/bin/env'], { http_proxy: 'h' });
  const lines = all.map((l) => l.replace(/\r$/, ''));
  assert.ok(lines.includes('http_proxy=h'), lines.join(' '));
  assert.deepEqual(lines.filter((l) => !/^(http|https|ftp|no)_proxy=/i.test(l)), ['A=b']);
  const id = s.ok(['create', '--network', 'none', '--http-proxy=false', '--unsetenv-all', 'envimg', '/bin/env']);
  assert.equal(s.ok(['inspect', '--format', '{{json .Config.Env}}', id]).replace(/"HOSTNAME=[0-9a-f]+"/, 'H'), '[H]');
  s.ok(['rm', id]);
});

test('--env-merge expands the image\'s variables; a name the defaults lack is ignored (podman 4.3.1); bad words are refused', () => {
  const env = envOf(['--env-merge', 'PATH=/opt/bin:${PATH}', '--env-merge', 'FOO=$FOO-${FOO}', '--env-merge', 'NEW=x', 'envimg', '/bin/env']);
  assert.ok(env.includes('PATH=/opt/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'), env.join(' '));
  assert.ok(env.includes('FOO=bar-bar'), env.join(' '));
  assert.ok(!env.some((l) => l.startsWith('NEW=')), env.join(' '));
  // ${VAR:-default}, and -e over the merge.
  assert.ok(envOf(['--env-merge', 'FOO=${UNSET:-dflt}', 'envimg', '/bin/env']).includes('FOO=dflt'));
  assert.ok(envOf(['--env-merge', 'FOO=${FOO}x', '-e', 'FOO=cli', 'envimg', '/bin/env']).includes('FOO=cli'));
  const bad = s.husk(['create', '--env-merge', 'FOO=${FOO', 'envimg', 'true']);
  assert.equal(bad.code, 125);
  assert.match(bad.stderr, /^Error: unable to process variables for --env-merge FOO=\$\{FOO: /);
  const noEq = s.husk(['create', '--env-merge', 'FOO', 'envimg', 'true']);
  assert.equal(noEq.code, 125);
  assert.equal(noEq.stderr.trim(), 'Error: missing `=` for --env-merge substitution FOO');
});

test('--expose: ports and ranges shown unpublished in inspect, published by -P like the image\'s EXPOSE; Podman\'s errors', () => {
  const id = s.ok(['create', '--expose', '8080', '--expose', '9000-9001/udp,9100/SCTP', 'envimg', 'true']);
  const ports = JSON.parse(s.ok(['inspect', '--format', '{{json .NetworkSettings.Ports}}', id]));
  assert.deepEqual(ports, { '7000/udp': null, '8080/tcp': null, '9000/udp': null, '9001/udp': null, '9100/sctp': null });
  s.ok(['rm', id]);
  // -P publishes the image's and --expose's ports on random host ports.
  const pub = s.ok(['create', '-P', '--expose', '8081', 'envimg', 'true']);
  const lines = s.ok(['port', pub]).split('\n').sort();
  assert.equal(lines.length, 2, lines.join('\n'));
  assert.match(lines[0], /^7000\/udp -> 0\.0\.0\.0:\d+$/);
  assert.match(lines[1], /^8081\/tcp -> 0\.0\.0\.0:\d+$/);
  s.ok(['rm', pub]);
  // Without a network of its own, nothing is exposed (as Podman's --network none).
  const none = s.ok(['create', '--network', 'none', '--expose', '8080', 'envimg', 'true']);
  assert.equal(s.ok(['inspect', '--format', '{{json .NetworkSettings.Ports}}', none]), '{}');
  s.ok(['rm', none]);
  for (const [v, msg] of [
    ['foo', 'invalid range format for --expose: foo: strconv.ParseUint: parsing "foo": invalid syntax'],
    ['0', 'port numbers must be between 1 and 65535 (inclusive), got 0'],
    ['70000', 'invalid range format for --expose: 70000: strconv.ParseUint: parsing "70000": value out of range'],
    ['80/xyz', 'validating protocols for exposed port 80: unrecognized protocol "xyz" in port mapping'],
    ['9-5', 'invalid range format for --expose: 9-5: Invalid range specified for the Port: 9-5'],
  ]) {
    const r = s.husk(['create', '--expose', v, 'busybox', 'true']);
    assert.equal(r.code, 125, v);
    assert.equal(r.stderr.trim(), `Error: ${msg}`);
  }
});

test('run --passwd: a --user uid the image lacks gets an /etc/passwd line; --passwd=false leaves the image\'s files alone', () => {
  const r = s.husk(['run', '--rm', '--network', 'none', '--user', '4242', 'busybox', 'grep', '^4242:', '/etc/passwd']);
  assert.equal(r.stdout.trim(), '4242:*:4242:0:container user:/:/bin/sh');
  const off = s.husk(['run', '--rm', '--network', 'none', '--passwd=false', '--user', '4242', 'busybox', 'grep', '-c', '^4242:', '/etc/passwd']);
  assert.equal(off.stdout.trim(), '0');
  assert.equal(off.code, 1);
  // The flag without a value does not take the image for its value.
  assert.equal(s.ok(['run', '--rm', '--network', 'none', '--passwd', '--user', '4242', 'busybox', 'id', '-un']), '4242');
  // create has no --passwd (run only, as Podman's).
  assert.equal(s.husk(['create', '--passwd=false', 'busybox', 'true']).code, 125);
});

test('run --rmi: the container and its image go after the exit; an image another container uses stays, with Podman\'s warning', async () => {
  s.ok(['import', join(FIXTURES, 'busybox-rootfs.tar'), 'rmi-solo']);
  assert.equal(s.ok(['run', '--network', 'none', '--rmi', 'rmi-solo', 'echo', 'ran']), 'ran');
  assert.equal(s.husk(['image', 'exists', 'rmi-solo']).code, 1);
  assert.equal(s.ok(['ps', '-a', '--filter', 'ancestor=rmi-solo', '-q']), '');
  s.ok(['import', join(FIXTURES, 'busybox-rootfs.tar'), 'rmi-held']);
  const holder = s.ok(['create', '--network', 'none', 'rmi-held', 'true']);
  const r = s.husk(['run', '--network', 'none', '--rmi', 'rmi-held', 'sh', '-c', 'exit 3']);
  assert.equal(r.code, 3, 'the container\'s exit code, not the removal\'s');
  assert.match(r.stderr, new RegExp(`level=warning msg="Failed to remove image: image used by ${holder}: image is in use by a container`));
  assert.equal(s.husk(['image', 'exists', 'rmi-held']).code, 0);
  assert.equal(s.ok(['ps', '-a', '-q', '--no-trunc']), holder, '--rmi implies --rm');
  s.ok(['rm', holder]);
  // -d: the exit's cleanup removes the container, then the image.
  s.ok(['import', join(FIXTURES, 'busybox-rootfs.tar'), 'rmi-detached']);
  s.ok(['run', '-d', '--network', 'none', '--rmi', 'rmi-detached', 'true']);
  await until(() => s.husk(['image', 'exists', 'rmi-detached']).code === 1, 20_000, 200);
  assert.equal(s.ok(['ps', '-a', '-q']), '');
});

test('create -a/--attach and --disable-content-trust are accepted (Podman stores nothing for them); run -a still checks its streams', () => {
  const id = s.ok(['create', '--network', 'none', '-a', 'stdout', '--attach', 'stderr', '--disable-content-trust', 'busybox', 'echo', 'attached']);
  assert.equal(s.ok(['start', '--attach', id]), 'attached');
  s.ok(['rm', id]);
  assert.equal(s.ok(['run', '--rm', '--network', 'none', '--disable-content-trust', '-a', 'stdout', 'busybox', 'echo', 'out']), 'out');
  const bad = s.husk(['run', '--rm', '-a', 'bogus', 'busybox', 'true']);
  assert.equal(bad.code, 125);
  assert.equal(bad.stderr.trim(), 'Error: invalid stream "bogus" for --attach - must be one of stdin, stdout, or stderr: invalid argument');
});

/** An image with two VOLUMEs and a seccomp profile in its label that makes mkdir fail with EPERM. */
function buildVolSecImage(): void {
  const profile = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO', errnoRet: 1 }] };
  writeFileSync(join(s.dir, 'Containerfile'), `FROM busybox\nLABEL io.containers.seccomp.profile='${JSON.stringify(profile)}'\nVOLUME /data\nVOLUME /cache\n`);
  s.ok(['build', '-q', '-t', 'volsec', s.dir]);
}

test('--image-volume bind|tmpfs|ignore: the image\'s VOLUMEs as anonymous volumes, tmpfs mounts, or nothing; Podman\'s error', () => {
  buildVolSecImage();
  const mounts = (mode: string) => s.ok(['run', '--rm', '--network', 'none', '--image-volume', mode, 'volsec', 'sh', '-c', 'grep -E " /(data|cache) " /proc/mounts | cut -d" " -f2,3 | sort; true']);
  // bind (the default): an anonymous volume each.
  const volumes = () => s.ok(['volume', 'ls', '-q']).split('\n').filter(Boolean).length;
  const before = volumes();
  const id = s.ok(['create', '--network', 'none', 'volsec', 'true']);
  assert.equal(volumes(), before + 2);
  s.ok(['rm', '-v', id]);
  assert.equal(mounts('bind').split('\n').length, 2);
  assert.equal(mounts('tmpfs'), '/cache tmpfs\n/data tmpfs');
  // As Podman's: exec (not --tmpfs's noexec), writable.
  assert.equal(s.ok(['run', '--rm', '--network', 'none', '--image-volume', 'tmpfs', 'volsec', 'sh', '-c', 'grep " /data " /proc/mounts | grep -c noexec; touch /data/f && echo written']), '0\nwritten');
  assert.equal(mounts('ignore'), '');
  const kept = volumes();
  s.ok(['create', '--network', 'none', '--image-volume', 'ignore', 'volsec', 'true']);
  assert.equal(volumes(), kept, 'ignore creates no volume');
  const bad = s.husk(['create', '--image-volume', 'foo', 'busybox', 'true']);
  assert.equal(bad.code, 125);
  assert.equal(bad.stderr.trim(), 'Error: invalid image volume mode "foo" required value: bind, tmpfs, ignore');
});

test('--seccomp-policy=image: the profile in the image\'s label applies; an image without one is refused at create', () => {
  if (s.husk(['image', 'exists', 'volsec']).code !== 0) buildVolSecImage();
  const denied = s.husk(['run', '--rm', '--network', 'none', '--seccomp-policy=image', 'volsec', 'mkdir', '/tmp/x']);
  assert.equal(denied.code, 1);
  assert.match(denied.stderr, /Operation not permitted/);
  assert.equal(s.ok(['run', '--rm', '--network', 'none', '--seccomp-policy', 'default', 'volsec', 'sh', '-c', 'mkdir /tmp/x && echo made']), 'made');
  assert.equal(s.ok(['run', '--rm', '--network', 'none', '--seccomp-policy=image', '--security-opt', 'seccomp=unconfined', 'volsec', 'sh', '-c', 'mkdir /tmp/x && echo made']), 'made');
  const none = s.husk(['create', '--seccomp-policy', 'image', 'busybox', 'true']);
  assert.equal(none.code, 125);
  assert.equal(none.stderr.trim(), 'Error: no seccomp policy defined by image');
  const bad = s.husk(['create', '--seccomp-policy', 'foo', 'busybox', 'true']);
  assert.equal(bad.code, 125);
  assert.equal(bad.stderr.trim(), 'Error: invalid seccomp policy "foo": valid policies are ["default" "image"]');
});

test('--subuidname/--subgidname: the user namespace maps the named user\'s /etc/subuid and /etc/subgid ranges from 0', async () => {
  const u = new TestUser(`hsubid${process.pid % 100000}`, 70000);
  const m = new Store();
  // The mapped root must traverse to the rootfs: mkdtemp's 0700 would stop it.
  chmodSync(m.dir, 0o711);
  try {
    m.busybox();
    const sub = u.subuid()!;
    const subgid = readSub('/etc/subgid', u.name);
    const maps = m.ok(['run', '--rm', '--network', 'none', '--subuidname', u.name, '--subgidname', u.name, 'busybox', 'sh', '-c', 'cat /proc/self/uid_map /proc/self/gid_map']);
    assert.deepEqual(maps.split('\n').map((l) => l.trim().split(/\s+/).map(Number)), [[0, sub.start, sub.count], [0, subgid.start, subgid.count]]);
    // One name serves for both (as Podman's).
    const gidOnly = m.ok(['run', '--rm', '--network', 'none', '--subuidname', u.name, 'busybox', 'cat', '/proc/self/gid_map']);
    assert.deepEqual(gidOnly.trim().split(/\s+/).map(Number), [0, subgid.start, subgid.count]);
    // Files of the image belong to the container's root inside.
    assert.equal(m.ok(['run', '--rm', '--network', 'none', '--subuidname', u.name, 'busybox', 'stat', '-c', '%u:%g', '/bin']), '0:0');
  } finally {
    u.remove();
    await m.destroyWhenIdle();
  }
  for (const flag of ['--subuidname', '--subgidname']) {
    const r = s.husk(['create', flag, 'no-such-user-x', 'busybox', 'true']);
    assert.equal(r.code, 125);
    assert.equal(r.stderr.trim(), 'Error: no subuid ranges found for user "no-such-user-x" in /etc/subuid');
  }
});

function readSub(file: string, name: string): { start: number; count: number } {
  const l = readFileSync(file, 'utf8').split('\n').find((x) => x.startsWith(`${name}:`))!;
  return { start: Number(l.split(':')[1]), count: Number(l.split(':')[2]) };
}

test('--rootfs DIR: the container runs in (and writes to) the directory; DIR:O overlays it; inspect Rootfs, no image; rm keeps DIR', () => {
  const dir = join(s.dir, 'exploded');
  mkdirSync(dir);
  spawnSync('tar', ['-xf', join(FIXTURES, 'busybox-rootfs.tar'), '-C', dir]);
  // :O: the container sees its writes, the directory does not get them.
  assert.equal(s.ok(['run', '--rm', '--network', 'none', '--rootfs', `${dir}:O`, 'sh', '-c', 'echo o > /overlaid && cat /overlaid']), 'o');
  assert.equal(existsSync(join(dir, 'overlaid')), false);
  // Without :O the directory is the root (as Podman's).
  s.ok(['run', '--rm', '--network', 'none', '--rootfs', dir, 'sh', '-c', 'echo w > /written']);
  assert.equal(readFileSync(join(dir, 'written'), 'utf8'), 'w\n');
  const id = s.ok(['create', '--network', 'none', '--rootfs', `${dir}:O`, 'cat', '/written']);
  assert.equal(s.ok(['inspect', '--format', '{{.Rootfs}}|{{.Image}}|{{.ImageName}}|{{.Config.Image}}', id]), `${dir}|||`);
  assert.equal(s.ok(['start', '--attach', id]), 'w');
  // No image layers: mount and commit say so instead of an "image is gone".
  assert.match(s.husk(['mount', id]).stderr, /runs on --rootfs .*, which has no image layers to mount/);
  assert.match(s.husk(['commit', id, 'x']).stderr, /runs on --rootfs .*: it has no image to commit on/);
  s.ok(['rm', '-f', id]);
  // A running one removed by force: the directory and its files stay.
  s.ok(['run', '-d', '--name', 'rootfs-live', '--network', 'none', '--rootfs', dir, 'sleep', '100']);
  s.ok(['rm', '-f', '-t', '0', 'rootfs-live']);
  assert.ok(existsSync(join(dir, 'bin', 'busybox')) && existsSync(join(dir, 'written')));
  // No image: no container=husk (Podman sets container=podman only from an image).
  assert.doesNotMatch(s.ok(['run', '--rm', '--network', 'none', '--rootfs', dir, '/bin/env']), /^container=/m);
  const missing = s.husk(['create', '--rootfs', join(s.dir, 'nope'), 'true']);
  assert.equal(missing.code, 125);
  assert.equal(missing.stderr.trim(), `Error: running container create option: stat ${join(s.dir, 'nope')}: no such file or directory`);
  const noCmd = s.husk(['create', '--rootfs', dir]);
  assert.equal(noCmd.code, 125);
  assert.equal(noCmd.stderr.trim(), 'Error: no command or entrypoint provided, and no CMD or ENTRYPOINT from image');
});

test('generate spec: the new settings under Podman\'s SpecGenerator keys', () => {
  if (s.husk(['image', 'exists', 'volsec']).code !== 0) buildVolSecImage();
  const id = s.ok(['create', '--network', 'none', '--expose', '8080/udp', '--expose', '8080', '--unsetenv', 'FOO', '--unsetenv-all', '--env-merge', 'PATH=/x:$PATH',
    '--image-volume', 'tmpfs', '--seccomp-policy', 'image', 'volsec', 'true']);
  const spec = JSON.parse(s.ok(['generate', 'spec', id]));
  assert.deepEqual(
    [spec.expose, spec.unsetenv, spec.unsetenvall, spec.envmerge, spec.image_volume_mode, spec.seccomp_policy, spec.httpproxy],
    [{ 8080: 'udp,tcp' }, ['FOO'], true, ['PATH=/x:$PATH'], 'tmpfs', 'image', true],
  );
  s.ok(['rm', id]);
  const dir = join(s.dir, 'exploded');
  mkdirSync(dir, { recursive: true });
  const r = JSON.parse(s.ok(['generate', 'spec', s.ok(['create', '--network', 'none', '--http-proxy=false', '--rootfs', `${dir}:O`, 'true'])]));
  assert.deepEqual([r.rootfs, r.rootfs_overlay, r.image, r.httpproxy], [dir, true, '', undefined]);
});

test('Docker API: a create body\'s ExposedPorts are exposed ports (PublishAllPorts publishes them)', async () => {
  const sock = join(s.dir, 'api.sock');
  const service = spawn(HUSK, [...s.globals, 'system', 'service', '--time', '0', `unix://${sock}`], { stdio: 'ignore' });
  try {
    await until(() => existsSync(sock), 30_000, 100);
    const body = JSON.stringify({ Image: 'busybox', Cmd: ['true'], ExposedPorts: { '9090/tcp': {}, '9091/udp': {} }, HostConfig: { PublishAllPorts: true } });
    const res = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const r = request({ socketPath: sock, method: 'POST', path: '/v1.41/containers/create?name=exposed-api', headers: { 'content-type': 'application/json' } }, (m) => {
        let b = '';
        m.on('data', (d: Buffer) => (b += d));
        m.on('end', () => resolve({ status: m.statusCode ?? 0, body: b }));
      });
      r.on('error', reject);
      r.end(body);
    });
    assert.equal(res.status, 201, res.body);
    const lines = s.ok(['port', 'exposed-api']).split('\n').sort();
    assert.match(lines.join('\n'), /^9090\/tcp -> 0\.0\.0\.0:\d+\n9091\/udp -> 0\.0\.0\.0:\d+$/);
    s.ok(['rm', 'exposed-api']);
  } finally {
    service.kill();
  }
});
