// GET /containers/{id}/attach/ws driven by the `ws` package's client (the
// websocket client most Node tools use) over the service's unix socket:
// stdin sent as messages reaches the container, its output comes back as
// binary messages (text before API 1.28), closing the socket ends the
// attach but not the container, `logs` replays past output, the
// container exiting closes with 1000, and bad requests get clear answers.
import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { dockerHarness } from './docker-harness.ts';

const h = dockerHarness('husk-ws-');

interface Session { ws: WebSocket; text: () => string; binary: () => boolean[]; closed: Promise<{ code: number }>; }

// Sockets a failed test left open are closed after it, so the service can stop.
const opened = new Set<WebSocket>();
afterEach(() => { for (const ws of opened) ws.terminate(); opened.clear(); });

function open(path: string): Promise<Session> {
  const ws = new WebSocket(`ws+unix://${h.sock}:${path}`);
  opened.add(ws);
  let acc = '';
  const kinds: boolean[] = [];
  ws.on('message', (d: Buffer, isBinary: boolean) => { acc += d.toString(); kinds.push(isBinary); });
  const closed = new Promise<{ code: number }>((res) => ws.on('close', (code: number) => res({ code })));
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve({ ws, text: () => acc, binary: () => kinds, closed }));
    ws.once('error', reject);
  });
}

// Generous: CI machines are up to 3x slower than a developer's, and this file runs first on a fresh one.
async function until(f: () => boolean, what: string, s?: Session): Promise<void> {
  for (const end = Date.now() + 60_000; Date.now() < end && !f();) await new Promise((r) => setTimeout(r, 50));
  const t = s?.text() ?? '';
  assert.ok(f(), `${what}: got ${t.length} characters: ${JSON.stringify(t.slice(0, 100))} ... ${JSON.stringify(t.slice(-100))}`);
}

test('attach/ws: stdin in as messages, output out as binary messages; closing ends the attach, not the container', async () => {
  const r = await h.docker(['run', '-d', '-i', '--name', 'wsc', 'busybox', 'sh', '-c', 'while read l; do echo "got:$l"; [ ${#l} -gt 100 ] || echo "err:$l" >&2; done; echo stdin-closed; exec sleep 1000']);
  assert.equal(r.code, 0, r.stderr);
  const s = await open('/v1.44/containers/wsc/attach/ws?stream=1&stdin=1&stdout=1&stderr=1');
  s.ws.send('hello\n');
  await until(() => s.text().includes('got:hello\n') && s.text().includes('err:hello\n'), 'the echo on stdout and stderr, not multiplexed', s);
  assert.ok(s.binary().every((b) => b), 'API >= 1.28 sends binary messages');
  // 70 000 bytes: the 64-bit length form, and more than conmon takes in one packet. Echoed on
  // stdout only: stdout and stderr are not multiplexed here, so two long lines could interleave.
  s.ws.send(Buffer.from(`${'x'.repeat(70_000)}\n`));
  await until(() => s.text().includes(`got:${'x'.repeat(70_000)}\n`), 'the echo of a large message', s);
  s.ws.close(1000);
  assert.equal((await s.closed).code, 1000);
  // As with every attach client under conmon (and Podman), the client leaving closes the
  // container's stdin; the container itself goes on.
  let logs = '';
  for (const end = Date.now() + 60_000; Date.now() < end && !logs.includes('stdin-closed');) {
    logs = (await h.docker(['logs', 'wsc'])).stdout;
    if (!logs.includes('stdin-closed')) await new Promise((res) => setTimeout(res, 100));
  }
  assert.match(logs, /stdin-closed/);
  assert.equal((await h.engine().containers.get('wsc')).state.status, 'running');
  assert.equal((await h.docker(['rm', '-f', 'wsc'])).code, 0);
});

test('attach/ws: before API 1.42 every stream is attached without flags; before 1.28 as text messages', async () => {
  const r = await h.docker(['run', '-d', '-i', '--name', 'wso', 'busybox', 'sh', '-c', 'while read l; do echo "got:$l"; done']);
  assert.equal(r.code, 0, r.stderr);
  const s = await open('/v1.27/containers/wso/attach/ws?stream=1');
  s.ws.send('old\n');
  await until(() => s.text().includes('got:old\n'), 'the echo under API 1.27', s);
  assert.ok(s.binary().length > 0 && s.binary().every((b) => !b), 'API < 1.28 sends text messages');
  s.ws.close();
  await s.closed;
  assert.equal((await h.docker(['rm', '-f', 'wso'])).code, 0);
});

test('attach/ws: logs=1 replays past output; the container exiting closes with 1000', async () => {
  const r = await h.docker(['run', '-d', '-i', '--name', 'wsl', 'busybox', 'sh', '-c', 'echo before; read l; echo "last:$l"']);
  assert.equal(r.code, 0, r.stderr);
  for (const end = Date.now() + 60_000; Date.now() < end;) {
    if ((await h.docker(['logs', 'wsl'])).stdout.includes('before')) break;
    await new Promise((res) => setTimeout(res, 50));
  }
  const s = await open('/containers/wsl/attach/ws?logs=1&stream=1&stdin=1&stdout=1');
  await until(() => s.text() === 'before\n', 'the replayed log line', s);
  s.ws.send('bye\n');
  assert.equal((await s.closed).code, 1000);
  assert.equal(s.text(), 'before\nlast:bye\n');
  // stream=0: only the logs, then a normal close.
  const past = await open('/containers/wsl/attach/ws?logs=1&stdout=1');
  assert.equal((await past.closed).code, 1000);
  assert.equal(past.text(), 'before\nlast:bye\n');
  assert.equal((await h.docker(['rm', '-f', 'wsl'])).code, 0);
});

test('attach/ws: a plain request, an unknown container and an oversized message get clear answers, the server stays up', async () => {
  const r = await h.docker(['run', '-d', '-i', '--name', 'wsb', 'busybox', 'sh', '-c', 'cat; exec sleep 1000']);
  assert.equal(r.code, 0, r.stderr);
  const plain = await h.raw('GET', '/containers/wsb/attach/ws');
  assert.equal(plain.status, 400);
  assert.match(JSON.parse(plain.body).message, /websocket/);
  const missing = await open('/containers/nosuch/attach/ws?stream=1').then(() => 0, (e: Error) => e.message);
  assert.match(String(missing), /Unexpected server response: 404/);
  const s = await open('/containers/wsb/attach/ws?stream=1&stdin=1&stdout=1');
  s.ws.send(Buffer.alloc(17 * 1024 * 1024, 0x61));
  assert.equal((await s.closed).code, 1009, 'a message over 16 MiB closes with "message too big"');
  assert.equal((await h.raw('GET', '/_ping')).body, 'OK');
  assert.equal((await h.engine().containers.get('wsb')).state.status, 'running');
  assert.equal((await h.docker(['rm', '-f', 'wsb'])).code, 0);
});
