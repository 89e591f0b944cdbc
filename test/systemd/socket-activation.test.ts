// Socket activation (docs/systemd.md): systemd-socket-activate, systemd's
// own activator, hands husk a socket as fd 3 with LISTEN_FDS/LISTEN_PID;
// the container's process must get it as fd 3 and answer on it.
import { after, afterEach, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { join } from 'node:path';
import { HUSK, Store, until } from '../helpers.ts';
import { importDebian } from './debian.ts';

const s = new Store();
let activator: ChildProcess | undefined;
before(() => {
  s.busybox();
  importDebian(s);
});
afterEach(() => {
  activator?.kill();
  activator = undefined;
  s.husk(['rm', '-a', '-f', '-t', '0']);
});
after(() => s.destroyWhenIdle());

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise((r) => srv.close(r));
  return port;
}

/** Starts systemd-socket-activate listening on a free port; resolves once it listens. */
async function activate(args: string[], command: string[]): Promise<number> {
  const port = await freePort();
  let err = '';
  activator = spawn('systemd-socket-activate', [...args, '-l', `127.0.0.1:${port}`, HUSK, ...s.globals, ...command], { stdio: ['ignore', 'ignore', 'pipe'] });
  activator.stderr!.on('data', (d) => (err += d));
  await until(() => err.includes('Listening on'), 10_000);
  return port;
}

/** Sends one HTTP/1.0 request over a raw connection and returns all that came back. */
function request(port: number, path = '/'): Promise<string> {
  return new Promise((resolve, reject) => {
    const c = connect(port, '127.0.0.1', () => c.write(`GET ${path} HTTP/1.0\r\nHost: x\r\n\r\n`));
    let out = '';
    c.setTimeout(60_000, () => c.destroy(new Error('timed out')));
    c.on('data', (d) => (out += d));
    c.on('end', () => resolve(out));
    c.on('error', reject);
  });
}

test('a listening socket from systemd-socket-activate is fd 3 of a --network none container, with LISTEN_PID=1', async () => {
  // perl (in Debian's perl-base) accepts on the inherited socket: the container has no network of its own.
  const server = 'my $l = IO::Socket->new_from_fd(3, "r") or die "fd 3: $!"; '
    + 'while (my $c = $l->accept) { my $req = <$c>; print $c "HTTP/1.0 200 OK\\r\\n\\r\\npid $$ LISTEN_PID=$ENV{LISTEN_PID} LISTEN_FDS=$ENV{LISTEN_FDS}\\n"; close $c }';
  const port = await activate([], ['run', '-d', '--name', 'act', '--network', 'none', 'debian', 'perl', '-MIO::Socket', '-e', server]);
  const first = await request(port);
  assert.match(first, /^HTTP\/1.0 200 OK\r\n\r\npid 1 LISTEN_PID=1 LISTEN_FDS=1\n$/);
  // The same server (not one per connection) answers again.
  assert.equal(await request(port), first);
  assert.equal(s.ok(['inspect', '--format', '{{.State.Status}}', 'act']), 'running');
});

test('Accept=yes style: busybox httpd -i in a container answers the connection systemd-socket-activate passed', async () => {
  const www = join(s.dir, 'www');
  mkdirSync(www, { recursive: true });
  writeFileSync(join(www, 'index.html'), 'hello from a socket-activated container\n');
  const port = await activate(['--accept'], ['run', '--rm', '-v', `${www}:/www:ro`, 'busybox', 'sh', '-c', 'exec httpd -i -h /www <&3 >&3']);
  const r = await request(port, '/index.html');
  assert.match(r, /^HTTP\/1.[01] 200 OK\r\n/);
  assert.match(r, /\r\n\r\nhello from a socket-activated container\n$/);
  // A second connection gets a container of its own.
  assert.match(await request(port, '/index.html'), /hello from a socket-activated container/);
});

test('--preserve-fds N passes the caller\'s fds 3.. into the container; without it fd 3 is not there', () => {
  const out = join(s.dir, 'fd3.txt');
  const fd = openSync(out, 'w');
  try {
    const r = spawnSync(HUSK, [...s.globals, 'run', '--rm', '--preserve-fds', '1', 'busybox', 'sh', '-c', 'echo "to fd 3, LISTEN_FDS=[$LISTEN_FDS]" >&3'], { stdio: ['ignore', 'pipe', 'pipe', fd], encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const none = spawnSync(HUSK, [...s.globals, 'run', '--rm', 'busybox', 'sh', '-c', 'echo no >&3'], { stdio: ['ignore', 'pipe', 'pipe', fd], encoding: 'utf8' });
    assert.notEqual(none.status, 0);
  } finally {
    closeSync(fd);
  }
  assert.equal(readFileSync(out, 'utf8'), 'to fd 3, LISTEN_FDS=[]\n');
});

test('a socket-activated husk service keeps its own socket: a container started through its API gets no LISTEN_FDS and no fd 3', async () => {
  const port = await activate([], ['system', 'service', '--time', '0']);
  const docker = spawnSync('docker', ['-H', `tcp://127.0.0.1:${port}`, 'run', '--rm', '--network', 'none', 'busybox', 'sh', '-c', 'echo "LISTEN_FDS=[$LISTEN_FDS]"; ls /proc/self/fd'], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(docker.status, 0, docker.stderr);
  const [env, ...fds] = docker.stdout.trim().split('\n');
  assert.equal(env, 'LISTEN_FDS=[]');
  // ls's own fds: stdio and the directory it reads (3); a passed socket would have made that 4.
  assert.deepEqual(fds.map(Number).sort(), [0, 1, 2, 3]);
});
