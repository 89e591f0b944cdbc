// Podman 4.3 flags of the image, registry, network, volume, system and
// manifest commands, each checked by its real effect on a throw-away store.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { FIXTURES, HUSK, Store, TestUser, until } from '../helpers.ts';
import { startRegistry, type RunningRegistry } from '../registry-server.ts';

const s = new Store();
let reg: RunningRegistry | undefined;
/** A real registry on loopback, started by the first test that needs one. */
async function registry(): Promise<RunningRegistry> {
  return (reg ??= await startRegistry());
}
after(async () => {
  await reg?.stop();
  await s.destroyWhenIdle();
});

test('images --sort orders the rows by size, tag, repository, id and (default) newest first', () => {
  s.busybox();
  s.ok(['load', '-i', join(FIXTURES, 'layered.oci.tar')]);
  s.ok(['tag', 'busybox', 'zzz:aaa']);
  const rows = (sort: string) => s.ok(['images', '--sort', sort, '--format', '{{.Repository}}:{{.Tag}} {{.VirtualSize}} {{.Id}}']).split('\n');
  const sizes = rows('size').map((r) => Number(r.split(' ')[1]));
  assert.deepEqual(sizes, [...sizes].sort((a, b) => a - b));
  assert.notDeepEqual(sizes, [...sizes].reverse(), 'the images differ in size');
  assert.deepEqual(rows('tag').map((r) => r.split(' ')[0].split(':')[1]), ['<none>', 'aaa', 'latest']);
  assert.deepEqual(rows('repository').map((r) => r.split(' ')[0].split(':')[0]), ['<none>', 'localhost/busybox', 'localhost/zzz']);
  const ids = rows('id').map((r) => r.split(' ')[2]);
  assert.deepEqual(ids, [...ids].sort());
  // created: the layered image is years old, busybox was imported just now.
  assert.equal(rows('created').at(-1)!.split(' ')[0], '<none>:<none>');
  assert.deepEqual(s.ok(['images', '--format', '{{.Repository}}']).split('\n').at(-1), '<none>');
  const bad = s.husk(['images', '--sort', 'bogus']);
  assert.equal(bad.code, 125);
  assert.equal(bad.stderr, 'Error: "bogus" is not a valid field for sorting. Choose from: created, id, repository, size, tag\n');
});

test('images --history shows every name the image has had, current ones first (010-images.bats); inspect NamesHistory too', () => {
  s.ok(['tag', 'busybox', 'gone:1']);
  s.ok(['untag', 'busybox', 'gone:1']);
  const out = s.ok(['images', '--history', 'busybox']).split('\n');
  assert.match(out[0], /^REPOSITORY\s+TAG\s+IMAGE ID\s+CREATED\s+SIZE\s+HISTORY$/);
  assert.match(out[1], /localhost\/zzz:aaa, localhost\/busybox:latest, localhost\/gone:1$/);
  assert.equal(s.ok(['image', 'inspect', '--format', '{{.NamesHistory}}', 'busybox']), '[localhost/zzz:aaa localhost/busybox:latest localhost/gone:1]');
  // An image that never had a name.
  assert.match(s.ok(['images', '--history', '--sort', 'repository', '--noheading']).split('\n')[0], /^<none>.*<none>$/);
});

test('rmi deletes the dangling parents of a built image; --no-prune keeps them', () => {
  const ctx = join(s.dir, 'ctx-prune');
  mkdirSync(ctx);
  writeFileSync(join(ctx, 'Containerfile'), 'FROM busybox\nLABEL step=1\nLABEL step=2\n');
  const count = () => s.ok(['images', '-a', '-q']).split('\n').length;
  const before = count();
  s.ok(['build', '-q', '-t', 'child', ctx]);
  assert.equal(count(), before + 2, 'the build left an intermediate image');
  assert.equal(s.ok(['rmi', '--no-prune', 'child']).split('\n').filter((l) => l.startsWith('Deleted: ')).length, 1);
  assert.equal(count(), before + 1, 'the intermediate image is kept');
  s.ok(['build', '-q', '-t', 'child', ctx]);
  assert.equal(s.ok(['image', 'rm', 'child']).split('\n').filter((l) => l.startsWith('Deleted: ')).length, 2);
  assert.equal(count(), before, 'the intermediate image went with it');
});

/** The OCI manifest of the first image in an OCI layout directory. */
function layoutManifest(dir: string): { layers: { mediaType: string; digest: string; size: number }[]; config: { digest: string } } {
  const index = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8'));
  return JSON.parse(readFileSync(join(dir, 'blobs', 'sha256', index.manifests[0].digest.slice(7)), 'utf8'));
}

test('import --arch/--os/--variant set the image config\'s platform (image inspect, the saved config)', () => {
  const gz = join(s.dir, 'bb.tar.gz');
  // A rootfs no other test imports (the busybox tree plus a file of its own),
  // so the gzip archive is the one its layer keeps.
  const tree = join(s.dir, 'plat-tree');
  mkdirSync(join(tree, 'etc'), { recursive: true });
  writeFileSync(join(tree, 'etc', 'plat-marker'), 'plat\n');
  const tar = join(s.dir, 'plat.tar');
  copyFileSync(join(FIXTURES, 'busybox-rootfs.tar'), tar);
  const t = spawnSync('tar', ['-r', '-f', tar, '--owner=0', '--group=0', '-C', tree, 'etc/plat-marker'], { encoding: 'utf8' });
  assert.equal(t.status, 0, t.stderr);
  writeFileSync(gz, gzipSync(readFileSync(tar)));
  s.ok(['import', '--arch', 'arm64', '--os', 'freebsd', '--variant', 'v8', gz, 'plat']);
  assert.equal(s.ok(['image', 'inspect', '--format', '{{.Architecture}}/{{.Os}}', 'plat']), 'arm64/freebsd');
  const out = join(s.dir, 'plat-dir');
  s.ok(['save', '--format', 'oci-dir', '-o', out, 'plat']);
  const config = JSON.parse(readFileSync(join(out, 'blobs', 'sha256', layoutManifest(out).config.digest.slice(7)), 'utf8'));
  assert.deepEqual([config.architecture, config.os, config.variant], ['arm64', 'freebsd', 'v8']);
  // Without the flags: the host's platform, no variant.
  s.ok(['image', 'import', gz, 'plain']);
  assert.equal(s.ok(['image', 'inspect', '--format', '{{.Os}}', 'plain']), 'linux');
  const bad = s.husk(['import', gz, '--arch']);
  assert.equal(bad.code, 125);
  assert.match(bad.stderr, /^Error: flag needs an argument: --arch/);
});

test('save --uncompressed writes the gzip layers of an image as plain tars (oci-dir, oci-archive), which load back', () => {
  const kept = join(s.dir, 'kept');
  s.ok(['save', '--format', 'oci-dir', '-o', kept, 'plat']);
  assert.equal(layoutManifest(kept).layers[0].mediaType, 'application/vnd.oci.image.layer.v1.tar+gzip');
  const plain = join(s.dir, 'plain-dir');
  s.ok(['save', '--uncompressed', '--format', 'oci-dir', '-o', plain, 'plat']);
  const [layer] = layoutManifest(plain).layers;
  assert.equal(layer.mediaType, 'application/vnd.oci.image.layer.v1.tar');
  const bytes = readFileSync(join(plain, 'blobs', 'sha256', layer.digest.slice(7)));
  assert.equal(`sha256:${createHash('sha256').update(bytes).digest('hex')}`, layer.digest);
  assert.equal(layer.size, bytes.length);
  assert.equal(bytes.readUInt16BE(0) === 0x1f8b, false, 'not gzip');
  assert.equal(s.ok(['image', 'inspect', '--format', '{{index .RootFS.Layers 0}}', 'plat']), layer.digest, 'the plain tar is the diff ID');
  // oci-archive too; the archive loads back as the same image.
  const archive = join(s.dir, 'plain.tar');
  s.ok(['image', 'save', '--uncompressed', '--format', 'oci-archive', '-o', archive, 'plat']);
  const id = s.ok(['image', 'inspect', '--format', '{{.Id}}', 'plat']);
  s.ok(['rmi', 'plat']);
  assert.match(s.ok(['load', '-i', archive]), /Loaded image/);
  assert.equal(s.ok(['image', 'inspect', '--format', '{{.Id}}', 'plat']), id);
});

test('search --filter (stars=N, is-official, is-automated) and --compatible against a real registry', async () => {
  const r = await registry();
  if (s.husk(['image', 'exists', 'busybox']).code !== 0) s.busybox();
  s.ok(['push', '-q', '--tls-verify=false', 'busybox', `${r.host}/flt/busybox:1`]);
  const search = (...args: string[]) => s.husk(['search', '--tls-verify=false', ...args, `${r.host}/flt`]);
  assert.match(search().stdout, /^NAME\s+DESCRIPTION\n.*\/flt\/busybox/);
  // The catalog has no stars and nothing official or automated: those filters drop the row, their negations keep it.
  for (const f of ['stars=1', 'is-official', 'is-automated', 'is-official=true']) assert.equal(search('--filter', f).stdout, '', f);
  for (const f of ['stars=0', 'is-official=false', 'is-automated=false,stars=0']) assert.match(search('-f', f).stdout, /flt\/busybox/, f);
  const compat = search('--compatible').stdout.split('\n');
  assert.match(compat[0], /^NAME\s+DESCRIPTION\s+STARS\s+OFFICIAL\s+AUTOMATED$/);
  assert.match(compat[1], /flt\/busybox\s+0\s*$/);
  const bad = search('--filter', 'stars=x');
  assert.equal(bad.code, 125);
  assert.equal(bad.stderr, 'Error: incorrect value type for stars filter: strconv.Atoi: parsing "x": invalid syntax\n');
  assert.equal(search('--filter', 'foo=1').stderr, 'Error: invalid filter type "foo=1"\n');
  assert.equal(s.husk(['search', '--list-tags', '--filter', 'stars=1', `${r.host}/flt/busybox`]).stderr, 'Error: filters are not applicable to list tags result\n');
});

test('image tree --whatrequires shows the layers and images built on the image (libimage\'s layer tree)', () => {
  if (s.husk(['image', 'exists', 'busybox']).code !== 0) s.busybox();
  const mk = (name: string, files: string[]) => {
    const ctx = join(s.dir, `ctx-${name}`);
    mkdirSync(ctx);
    for (const f of files) writeFileSync(join(ctx, f), f);
    writeFileSync(join(ctx, 'Containerfile'), `FROM busybox\n${files.map((f) => `COPY ${f} /${f}\n`).join('')}`);
    s.ok(['build', '-q', '-t', name, ctx]);
  };
  mk('child-one', ['one']);
  mk('child-two', ['two', 'three']);
  const out = s.ok(['image', 'tree', '--whatrequires', 'busybox']).split('\n');
  assert.equal(out[3], 'Image Layers');
  assert.match(out[4], /^└── ID: [0-9a-f]{12} Size: .* Top Layer of: \[.*localhost\/busybox:latest.*\]$/);
  // busybox's top layer has two children; child-two's second layer is not nested under its first (one child: same level).
  const below = out.slice(5);
  assert.equal(below.length, 3, out.join('\n'));
  assert.ok(below.every((l) => /^ {4}[├└]── ID: [0-9a-f]{12} Size: /.test(l)), out.join('\n'));
  assert.equal(below.filter((l) => l.endsWith('Top Layer of: [localhost/child-one:latest]')).length, 1);
  assert.equal(below.filter((l) => l.endsWith('Top Layer of: [localhost/child-two:latest]')).length, 1);
  // Without the flag: only the image's own layers.
  assert.equal(s.ok(['image', 'tree', 'busybox']).split('\n').length, 5);
  assert.equal(s.ok(['image', 'tree', '--whatrequires', 'child-one']).split('\n').length, 5, 'nothing is built on child-one');
});

test('image unmount --force unmounts completely; image prune --external prunes as without it', () => {
  const path = s.ok(['image', 'mount', 'child-one']);
  s.ok(['image', 'mount', 'child-one']);
  assert.ok(readFileSync('/proc/self/mountinfo', 'utf8').includes(` ${path} `));
  assert.match(s.ok(['image', 'unmount', '--force', 'child-one']), /^[0-9a-f]{64}$/);
  assert.ok(!readFileSync('/proc/self/mountinfo', 'utf8').includes(` ${path} `), 'not mounted any more');
  s.ok(['untag', 'child-one']);
  const pruned = s.ok(['image', 'prune', '--external', '-f']).split('\n');
  assert.ok(pruned.some((l) => /^[0-9a-f]{64}$/.test(l)), 'the dangling image was pruned');
  assert.equal(s.husk(['image', 'exists', pruned[0]]).code, 1);
});

test('login --verbose names the auth file it wrote; pull --disable-content-trust pulls', async () => {
  const authReg = await startRegistry({ auth: { user: 'bob', pass: 'pw' } });
  try {
    const authfile = join(s.dir, 'auth.json');
    const out = s.ok(['login', '-v', '--tls-verify=false', '--authfile', authfile, '-u', 'bob', '-p', 'pw', authReg.host]);
    assert.equal(out, `Used:  ${authfile}\nLogin Succeeded!`);
    assert.ok(JSON.parse(readFileSync(authfile, 'utf8')).auths[authReg.host]);
    assert.equal(s.ok(['login', '--tls-verify=false', '--authfile', authfile, '-u', 'bob', '-p', 'pw', authReg.host]), 'Login Succeeded!');
  } finally {
    await authReg.stop();
  }
  const r = await registry();
  if (s.husk(['image', 'exists', 'busybox']).code !== 0) s.busybox();
  s.ok(['push', '-q', '--tls-verify=false', 'busybox', `${r.host}/dct/busybox:1`]);
  assert.match(s.ok(['pull', '-q', '--disable-content-trust', '--tls-verify=false', `${r.host}/dct/busybox:1`]), /^[0-9a-f]{64}$/);
  assert.equal(s.husk(['image', 'exists', `${r.host}/dct/busybox:1`]).code, 0);
});

/** A running container that records a SIGTERM in DIR/got before exiting (a SIGKILL leaves nothing). */
function termRecorder(name: string, dir: string, extra: string[]): void {
  mkdirSync(dir, { recursive: true });
  s.ok(['run', '-d', '--name', name, '-v', `${dir}:/h`, ...extra, 'busybox', 'sh', '-c', 'trap "echo term > /h/got; exit 0" TERM; touch /h/up; while :; do sleep 0.1; done']);
  const end = Date.now() + 10_000;
  while (!existsSync(join(dir, 'up')) && Date.now() < end) spawnSync('sleep', ['0.1']);
}

test('network ls --noheading, --no-trunc; network rm -f --time stops the containers first (SIGTERM), without it they are killed', () => {
  if (s.husk(['image', 'exists', 'busybox']).code !== 0) s.busybox();
  s.ok(['network', 'create', 'flagnet']);
  const id = s.ok(['network', 'inspect', '--format', '{{.ID}}', 'flagnet']);
  assert.equal(id.length, 64);
  const ls = s.ok(['network', 'ls', '--noheading', '--filter', 'name=flagnet']);
  assert.match(ls, new RegExp(`^${id.slice(0, 12)}\\s+flagnet\\s+bridge$`));
  assert.match(s.ok(['network', 'ls', '--no-trunc', '--filter', 'name=flagnet']), new RegExp(`^NETWORK ID\\s+NAME\\s+DRIVER\\n${id}\\s+flagnet\\s+bridge$`));
  const stopped = join(s.dir, 'net-term');
  termRecorder('net-user', stopped, ['--network', 'flagnet']);
  assert.equal(s.ok(['network', 'rm', '-f', '-t', '5', 'flagnet']), 'flagnet');
  assert.equal(readFileSync(join(stopped, 'got'), 'utf8'), 'term\n', 'the container got the stop signal');
  assert.equal(s.husk(['container', 'exists', 'net-user']).code, 1);
  s.ok(['network', 'create', 'flagnet']);
  const killed = join(s.dir, 'net-kill');
  termRecorder('net-user', killed, ['--network', 'flagnet']);
  s.ok(['network', 'rm', '-f', 'flagnet']);
  assert.equal(existsSync(join(killed, 'got')), false, 'killed without a stop signal');
  const bad = s.husk(['network', 'rm', '--time', 'x', 'flagnet']);
  assert.equal(bad.code, 125);
  assert.match(bad.stderr, /^Error: invalid argument "x" for "-t, --time" flag: strconv.ParseUint: parsing "x": invalid syntax/);
});

test('volume ls --noheading; volume rm -f --time stops the containers first (SIGTERM)', () => {
  s.ok(['volume', 'create', 'flagvol']);
  assert.match(s.ok(['volume', 'ls', '--noheading', '--filter', 'name=flagvol']), /^local\s+flagvol$/);
  assert.match(s.ok(['volume', 'ls', '--filter', 'name=flagvol']), /^DRIVER\s+VOLUME NAME\n/);
  const stopped = join(s.dir, 'vol-term');
  termRecorder('vol-user', stopped, ['-v', 'flagvol:/data']);
  assert.equal(s.ok(['volume', 'rm', '--force', '--time', '5', 'flagvol']), 'flagvol');
  assert.equal(readFileSync(join(stopped, 'got'), 'utf8'), 'term\n');
  assert.equal(s.husk(['volume', 'exists', 'flagvol']).code, 1);
  const bad = s.husk(['volume', 'rm', '-t', '-1', 'flagvol']);
  assert.equal(bad.code, 125);
  assert.match(bad.stderr, /^Error: invalid argument "-1" for "-t, --time" flag: strconv.ParseUint: parsing "-1": invalid syntax/);
});

/** GET over a unix socket: status and headers. */
function getHeaders(sock: string, path: string): Promise<{ status: number; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const r = request({ socketPath: sock, method: 'GET', path }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
    });
    r.on('error', reject);
    r.end();
  });
}

/** Runs `husk system service` on a socket under the store while fn runs. */
async function withService(args: string[], fn: (sock: string) => Promise<void>): Promise<void> {
  const sock = join(s.dir, `api-${Math.random().toString(36).slice(2, 8)}.sock`);
  const srv = spawn(HUSK, [...s.globals, 'system', 'service', '--time', '0', ...args, `unix://${sock}`], { stdio: 'ignore' });
  try {
    await until(() => existsSync(sock), 30_000, 100);
    await fn(sock);
  } finally {
    srv.kill();
    await new Promise((r) => srv.once('exit', r));
  }
}

test('system service --cors: every routed answer carries Access-Control-Allow-Origin (and Podman\'s allowed headers and methods)', async () => {
  await withService(['--cors', 'https://example.test'], async (sock) => {
    for (const path of ['/_ping', '/v4.0.0/libpod/info', '/v1.41/images/json', '/v1.41/containers/nosuch/json']) {
      const r = await getHeaders(sock, path);
      assert.equal(r.headers['access-control-allow-origin'], 'https://example.test', path);
      assert.equal(r.headers['access-control-allow-methods'], 'HEAD, GET, POST, DELETE, PUT, OPTIONS');
      assert.match(String(r.headers['access-control-allow-headers']), /^Origin, X-Requested-With, Content-Type, Accept, X-Registry-Auth/);
    }
    assert.equal((await getHeaders(sock, '/v1.41/containers/nosuch/json')).status, 404);
  });
  await withService([], async (sock) => {
    const r = await getHeaders(sock, '/_ping');
    assert.equal(r.status, 200);
    assert.equal(r.headers['access-control-allow-origin'], undefined, 'no CORS header without --cors');
  });
});

test('system connection add --port and --socket-path shape the stored destination; the unix one then works', async () => {
  if (s.husk(['image', 'exists', 'busybox']).code !== 0) s.busybox();
  const env = { HUSK_CONNECTIONS_CONF: join(s.dir, 'connections.json') };
  const add = (...args: string[]) => s.husk(['system', 'connection', 'add', ...args], { env });
  assert.equal(add('--port', '2222', '--socket-path', '/run/x.sock', 'c1', 'ssh://root@192.0.2.1').code, 0);
  assert.equal(add('c2', 'ssh://root@192.0.2.1/run/y.sock').code, 0);
  assert.equal(add('-p', '2200', 'c3', 'ssh://root@192.0.2.1:2022/run/z.sock').code, 0);
  const uris = () => Object.fromEntries(s.husk(['system', 'connection', 'ls', '--format', '{{.Name}} {{.URI}}'], { env }).stdout.trim().split('\n').map((l) => l.split(' ')));
  assert.deepEqual(uris(), { c1: 'ssh://root@192.0.2.1:2222/run/x.sock', c2: 'ssh://root@192.0.2.1:22/run/y.sock', c3: 'ssh://root@192.0.2.1:2200/run/z.sock' });
  const bad = add('--port', 'x', 'c4', 'ssh://root@192.0.2.1');
  assert.equal(bad.code, 125);
  assert.match(bad.stderr, /^Error: invalid argument "x" for "-p, --port" flag: strconv.ParseInt: parsing "x": invalid syntax/);
  // --socket-path replaces a unix destination's path: the connection reaches the service there.
  await withService([], async (sock) => {
    assert.equal(add('--socket-path', sock, 'local', 'unix:///nonexistent.sock').code, 0);
    assert.equal(uris().local, `unix://${sock}`);
    const r = s.husk(['--connection', 'local', 'image', 'exists', 'busybox'], { env });
    assert.equal(r.code, 0, r.stderr);
  });
});

test('system migrate --new-runtime changes every container\'s OCI runtime; an unknown runtime is refused', () => {
  if (s.husk(['image', 'exists', 'busybox']).code !== 0) s.busybox();
  s.ok(['--runtime', 'crun', 'create', '--name', 'mig', 'busybox', 'true']);
  assert.equal(s.ok(['inspect', '--format', '{{.OCIRuntime}}', 'mig']), 'crun');
  s.ok(['system', 'migrate', '--new-runtime', 'runc']);
  assert.equal(s.ok(['inspect', '--format', '{{.OCIRuntime}}', 'mig']), 'runc');
  assert.equal(s.ok(['start', '-a', 'mig']), '', 'the container runs under its new runtime');
  const bad = s.husk(['system', 'migrate', '--new-runtime', 'nosuch']);
  assert.equal(bad.code, 125);
  assert.equal(bad.stderr, 'Error: change to runtime "nosuch" requested but no such runtime is defined: invalid argument\n');
  assert.equal(s.ok(['inspect', '--format', '{{.OCIRuntime}}', 'mig']), 'runc');
});

test('unshare --rootless-netns runs the command in the rootless network namespace (slirp4netns\'s tap0), which goes again after', { skip: process.getuid?.() === 0 ? false : 'needs root (creates a user)' }, () => {
  const u = new TestUser(`hsfm${process.pid % 10000}`);
  try {
    const inNs = u.husk(['unshare', '--rootless-netns', 'ip', '-o', 'link']);
    assert.equal(inNs.code, 0, inNs.stderr);
    assert.match(inNs.stdout, /: tap0: /);
    const plain = u.husk(['unshare', 'ip', '-o', 'link']);
    assert.equal(plain.code, 0, plain.stderr);
    assert.doesNotMatch(plain.stdout, /: tap0: /, 'plain unshare stays in the host network namespace');
    assert.equal(u.husk(['unshare', '--rootless-netns', 'sh', '-c', 'exit 3']).code, 3, 'the command\'s exit code');
    // No container uses it: the namespace was released (Podman's Cleanup).
    const nsFile = `/tmp/husk-run-${u.uid}/husk/rootless-netns/netns`;
    assert.equal(u.husk(['unshare', '--rootless-netns', 'test', '-e', nsFile]).code, 0, 'there while the command runs');
    assert.equal(existsSync(nsFile), false);
  } finally {
    u.remove();
  }
  const root = s.husk(['unshare', '--rootless-netns', 'true']);
  assert.equal(root.code, 125);
  assert.equal(root.stderr, 'Error: please use unshare with rootless\n');
});

/** A throw-away GPG home with a key for signer@example.com and one with a passphrase for locked@example.com. */
function gpgHome(): { env: Record<string, string>; keyring: string } {
  const home = join(s.dir, 'gnupg');
  const env = { GNUPGHOME: home };
  const keyring = join(s.dir, 'keys.gpg');
  if (!existsSync(home)) {
    mkdirSync(home, { mode: 0o700 });
    // No cached passphrases: each signing must unlock the key itself.
    writeFileSync(join(home, 'gpg-agent.conf'), 'default-cache-ttl 0\nmax-cache-ttl 0\nallow-loopback-pinentry\n');
    const gpg = (args: string[]) => spawnSync('gpg', ['--batch', ...args], { env: { ...process.env, ...env }, encoding: 'utf8' });
    assert.equal(gpg(['--passphrase', '', '--quick-gen-key', 'Signer <signer@example.com>', 'ed25519', 'sign', 'never']).status, 0);
    assert.equal(gpg(['--pinentry-mode', 'loopback', '--passphrase', 'sesame', '--quick-gen-key', 'Locked <locked@example.com>', 'ed25519', 'sign', 'never']).status, 0);
    writeFileSync(keyring, gpg(['--export', '--armor']).stdout);
  }
  return { env, keyring };
}

/** skopeo copies REF only if a signature by one of the keyring's keys is in the lookaside at file://LOOKASIDE. */
function skopeoVerifies(ref: string, keyring: string, lookaside: string): { status: number | null; stderr: string } {
  const host = ref.split('/')[0];
  const policy = join(s.dir, `policy-${host.replace(/\W/g, '_')}.json`);
  writeFileSync(policy, JSON.stringify({ default: [{ type: 'reject' }], transports: { docker: { [host]: [{ type: 'signedBy', keyType: 'GPGKeys', keyPath: keyring }] } } }));
  const regd = join(s.dir, `registries.d-${Math.random().toString(36).slice(2, 8)}`);
  mkdirSync(regd);
  writeFileSync(join(regd, 'test.yaml'), `docker:\n  ${host}:\n    lookaside: file://${lookaside}\n`);
  const out = join(s.dir, `skopeo-out-${Math.random().toString(36).slice(2, 8)}`);
  return spawnSync('skopeo', ['--policy', policy, '--registries.d', regd, 'copy', '--src-tls-verify=false', `docker://${ref}`, `dir:${out}`], { encoding: 'utf8' });
}

// With no registries.d entry (this host has none), signatures go to containers/image's built-in lookaside.
const SIGSTORE = '/var/lib/containers/sigstore';

test('push --sign-by signs the pushed manifest into the lookaside (skopeo\'s signedBy policy accepts it); --sign-passphrase-file unlocks a key', async () => {
  const r = await registry();
  if (s.husk(['image', 'exists', 'busybox']).code !== 0) s.busybox();
  const { env, keyring } = gpgHome();
  const ns = `husk-fidsign-${process.pid}`;
  const hadSigstore = existsSync(SIGSTORE);
  try {
    const signed = `${r.host}/${ns}/busybox:signed`;
    const digestFile = join(s.dir, 'signed.digest');
    const push = s.husk(['push', '--tls-verify=false', '--remove-signatures', '--compress', '--disable-content-trust', '--sign-by', 'signer@example.com', '--digestfile', digestFile, 'busybox', signed], { env });
    assert.equal(push.code, 0, push.stderr);
    const digest = readFileSync(digestFile, 'utf8');
    assert.ok(existsSync(join(SIGSTORE, ns, `busybox@${digest.replace(':', '=')}`, 'signature-1')));
    const ok = skopeoVerifies(signed, keyring, SIGSTORE);
    assert.equal(ok.status, 0, ok.stderr);
    s.ok(['push', '-q', '--tls-verify=false', 'busybox', `${r.host}/${ns}/other:unsigned`]);
    assert.notEqual(skopeoVerifies(`${r.host}/${ns}/other:unsigned`, keyring, SIGSTORE).status, 0, 'an unsigned image is refused by the same policy');
    // A passphrase-protected key, unlocked by the file's first line (a wrong one fails the push).
    const pass = join(s.dir, 'pass');
    writeFileSync(pass, 'wrong\n');
    const wrong = s.husk(['push', '--tls-verify=false', '--sign-by', 'locked@example.com', '--sign-passphrase-file', pass, 'busybox', `${r.host}/${ns}/other:wrong`], { env });
    assert.equal(wrong.code, 125, wrong.stderr);
    assert.match(wrong.stderr, /\nError: creating signature: signing: gpg: .*Bad passphrase\n$/);
    writeFileSync(pass, 'sesame\n');
    const locked = s.husk(['push', '--tls-verify=false', '--sign-by', 'locked@example.com', '--sign-passphrase-file', pass, 'busybox', `${r.host}/${ns}/other:locked`], { env });
    assert.equal(locked.code, 0, locked.stderr);
    assert.equal(skopeoVerifies(`${r.host}/${ns}/other:locked`, keyring, SIGSTORE).status, 0);
  } finally {
    rmSync(join(SIGSTORE, ns), { recursive: true, force: true });
    if (!hadSigstore) rmSync(SIGSTORE, { recursive: true, force: true });
  }
  const missing = s.husk(['push', '--tls-verify=false', '--sign-by', 'x', '--sign-passphrase-file', join(s.dir, 'nope'), 'busybox', `${r.host}/${ns}/x:1`], { env });
  assert.equal(missing.code, 125);
  assert.equal(missing.stderr, `Error: open ${join(s.dir, 'nope')}: no such file or directory\n`);
  const sigstore = s.husk(['push', '--tls-verify=false', '--sign-by-sigstore-private-key', join(s.dir, 'cosign.key'), 'busybox', `${r.host}/${ns}/x:1`]);
  assert.equal(sigstore.code, 125);
  assert.match(sigstore.stderr, /^Error: creating signature: signing with a sigstore private key is not supported by husk/);
  assert.notEqual(spawnSync('skopeo', ['inspect', '--tls-verify=false', `docker://${r.host}/${ns}/x:1`]).status, 0, 'nothing was pushed');
});

test('manifest create/add registry flags are accepted; annotate --os-features sets the entry\'s os.features', () => {
  if (s.husk(['image', 'exists', 'busybox']).code !== 0) s.busybox();
  s.ok(['manifest', 'create', '--tls-verify=false', 'flaglist']);
  s.ok(['manifest', 'add', '--tls-verify=false', '--authfile', join(s.dir, 'none.json'), '--cert-dir', s.dir, '--creds', 'u:p', 'flaglist', 'busybox']);
  const digest = JSON.parse(s.ok(['manifest', 'inspect', 'flaglist'])).manifests[0].digest;
  s.ok(['manifest', 'annotate', '--os-features', 'win32k,other', 'flaglist', digest]);
  assert.deepEqual(JSON.parse(s.ok(['manifest', 'inspect', 'flaglist'])).manifests[0].platform['os.features'], ['win32k', 'other']);
});

test('manifest push --format v2s2 (a Docker list of Docker manifests), --compression-format zstd, --sign-by (the list and its instances are signed)', async () => {
  const r = await registry();
  const { env, keyring } = gpgHome();
  const raw = (ref: string) => {
    const out = spawnSync('skopeo', ['inspect', '--raw', '--tls-verify=false', `docker://${ref}`], { encoding: 'utf8' });
    assert.equal(out.status, 0, out.stderr);
    return JSON.parse(out.stdout);
  };
  const ns = `husk-fidmsign-${process.pid}`;
  const hadSigstore = existsSync(SIGSTORE);
  try {
    const docker = `${r.host}/${ns}/list:docker`;
    const digestFile = join(s.dir, 'list.digest');
    const p = s.husk(['manifest', 'push', '--tls-verify=false', '--format', 'v2s2', '--remove-signatures', '--sign-by', 'signer@example.com', '--digestfile', digestFile, 'flaglist', docker], { env });
    assert.equal(p.code, 0, p.stderr);
    const list = raw(docker);
    assert.equal(list.mediaType, 'application/vnd.docker.distribution.manifest.list.v2+json');
    assert.equal(list.manifests[0].mediaType, 'application/vnd.docker.distribution.manifest.v2+json');
    assert.equal(raw(`${r.host}/${ns}/list@${list.manifests[0].digest}`).mediaType, 'application/vnd.docker.distribution.manifest.v2+json');
    const digest = readFileSync(digestFile, 'utf8');
    assert.ok(existsSync(join(SIGSTORE, ns, `list@${digest.replace(':', '=')}`, 'signature-1')), 'the list\'s digest is signed');
    assert.ok(existsSync(join(SIGSTORE, ns, `list@${list.manifests[0].digest.replace(':', '=')}`, 'signature-1')), 'and its instance');
    const ok = skopeoVerifies(docker, keyring, SIGSTORE);
    assert.equal(ok.status, 0, ok.stderr);

    const zstd = `${r.host}/${ns}/list:zstd`;
    s.ok(['manifest', 'push', '--tls-verify=false', '--format', 'oci', '--compression-format', 'zstd', 'flaglist', zstd]);
    const idx = raw(zstd);
    assert.equal(idx.mediaType, 'application/vnd.oci.image.index.v1+json');
    const entry = raw(`${r.host}/${ns}/list@${idx.manifests[0].digest}`);
    assert.deepEqual(entry.layers.map((l: { mediaType: string }) => l.mediaType), ['application/vnd.oci.image.layer.v1.tar+zstd']);
  } finally {
    rmSync(join(SIGSTORE, ns), { recursive: true, force: true });
    if (!hadSigstore) rmSync(SIGSTORE, { recursive: true, force: true });
  }
  const bad = s.husk(['manifest', 'push', '--format', 'v2s1', 'flaglist', `${r.host}/${ns}/list:x`]);
  assert.equal(bad.code, 125);
  assert.equal(bad.stderr, 'Error: unknown format "v2s1". Choose one of the supported formats: \'oci\' or \'v2s2\'\n');
  assert.match(s.husk(['manifest', 'push', '--compression-format', 'lz4', 'flaglist', `${r.host}/${ns}/list:x`]).stderr, /^Error: unsupported compression format "lz4"/);
});

test('save --format docker-dir: a dir: layout with a v2s2 manifest and plain layers, gzipped with --compress (skopeo copies both)', () => {
  if (s.husk(['image', 'exists', 'busybox']).code !== 0) s.busybox();
  const layerOf = (dir: string) => {
    const m = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
    assert.equal(m.mediaType, 'application/vnd.docker.distribution.manifest.v2+json');
    assert.equal(readFileSync(join(dir, 'version'), 'utf8'), 'Directory Transport Version: 1.1\n');
    return { layer: m.layers[0], bytes: readFileSync(join(dir, m.layers[0].digest.slice(7))) };
  };
  const plain = join(s.dir, 'docker-dir');
  s.ok(['save', '--format', 'docker-dir', '-o', plain, 'busybox']);
  const p = layerOf(plain);
  assert.equal(p.layer.mediaType, 'application/vnd.docker.image.rootfs.diff.tar');
  assert.equal(p.layer.digest, s.ok(['image', 'inspect', '--format', '{{index .RootFS.Layers 0}}', 'busybox']));
  const gz = join(s.dir, 'docker-dir-gz');
  s.ok(['image', 'save', '--format', 'docker-dir', '--compress', '-o', gz, 'busybox']);
  const z = layerOf(gz);
  assert.equal(z.layer.mediaType, 'application/vnd.docker.image.rootfs.diff.tar.gzip');
  assert.equal(z.bytes.readUInt16BE(0), 0x1f8b, 'gzip');
  assert.equal(`sha256:${createHash('sha256').update(z.bytes).digest('hex')}`, z.layer.digest);
  assert.deepEqual(gunzipSync(z.bytes), p.bytes, 'the same layer, compressed');
  for (const dir of [plain, gz]) {
    const c = spawnSync('skopeo', ['copy', `dir:${dir}`, `oci:${dir}-oci:x`], { encoding: 'utf8' });
    assert.equal(c.status, 0, c.stderr);
  }
  const bad = s.husk(['save', '--compress', '--format', 'oci-dir', '-o', join(s.dir, 'nope'), 'busybox']);
  assert.equal(bad.code, 125);
  assert.equal(bad.stderr, 'Error: --compress can only be set when --format is \'docker-dir\'\n');
});
