// The service under concurrent load, and how it handles exits: it folds the
// exits of the containers it started itself (it holds their foreground lock,
// so conmon's exit command starts no husk process), hands that work back to
// the exit command when it goes away, and stays correct beside CLI
// processes working on the same store.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { connect } from '../../src/connect.ts';
import { createApiServer } from '../../src/api/server.ts';
import type { Engine } from '../../src/engine/api.ts';
import { dockerHarness } from './docker-harness.ts';
import { mountsUnder, until } from '../helpers.ts';

const h = dockerHarness('husk-api-tp-');

function call(sock: string, method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> { // eslint-disable-line @typescript-eslint/no-explicit-any
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const req = request({ socketPath: sock, method, path: `/v1.41${path}`, headers: data ? { 'Content-Type': 'application/json', 'Content-Length': data.length } : {} }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c));
      res.on('end', () => {
        if ((res.statusCode ?? 500) >= 300) return reject(new Error(`${method} ${path}: ${res.statusCode} ${text.trim()}`));
        resolve({ status: res.statusCode ?? 0, json: text.trim() ? JSON.parse(text) : undefined });
      });
    });
    req.on('error', reject);
    req.end(data);
  });
}

const fgLock = (id: string) => join(h.store.runroot, 'containers', id, 'fg.lock');
/** What conmon's exit command checks: whether `flock -n` finds the foreground lock held. */
const fgHeld = (id: string) => spawnSync('/usr/bin/flock', ['-n', '-E', '99', fgLock(id), 'true']).status === 99;
const runtimeState = (id: string) => readdirSync(join(h.store.runroot, 'runtime')).some((rt) => existsSync(join(h.store.runroot, 'runtime', rt, id)));
const mountedFor = (id: string) => mountsUnder(h.store.dir).some((m) => m.includes(id));

async function died(engine: Engine, id: string): Promise<number[]> {
  const codes: number[] = [];
  for await (const ev of engine.system.events({ filters: { container: [id], event: ['died'] } })) codes.push(ev.ContainerExitCode ?? -1);
  return codes;
}

async function createStarted(sock: string, cmd: string, hostConfig: Record<string, unknown> = {}): Promise<string> {
  const { json } = await call(sock, 'POST', '/containers/create', { Image: 'busybox', Cmd: ['sh', '-c', cmd], HostConfig: { NetworkMode: 'none', ...hostConfig } });
  await call(sock, 'POST', `/containers/${json.Id}/start`);
  return json.Id as string;
}

test('the service folds the exit of a container it started: the exit command finds the foreground lock held', async () => {
  const id = await createStarted(h.sock, 'sleep 3; exit 4');
  assert.ok(fgHeld(id), 'the service holds the foreground lock while the container runs');
  assert.equal((await call(h.sock, 'POST', `/containers/${id}/wait`)).json.StatusCode, 4);
  // Folded, released and torn down by the service: state, lock, mount, runtime state (the lock goes last).
  await until(() => !fgHeld(id), 20_000);
  assert.ok(!mountedFor(id) && !runtimeState(id));
  const c = (await call(h.sock, 'GET', `/containers/${id}/json`)).json;
  assert.equal(c.State.Status, 'exited');
  assert.equal(c.State.ExitCode, 4);
  assert.deepEqual(await died(h.engine(), id), [4], 'one "died" event: the exit was folded once');
  await call(h.sock, 'DELETE', `/containers/${id}`);
});

test('the service runs crun from a read-only view of its binary that leaves no mount behind', async (t) => {
  const id = await createStarted(h.sock, 'exit 0');
  const info = (await call(h.sock, 'GET', '/info')).json;
  if (!String(info.DefaultRuntime).includes('crun')) return t.skip(`runtime ${info.DefaultRuntime}`);
  const crun = statSync('/usr/bin/crun');
  const held = readdirSync('/proc/self/fd').filter((fd) => {
    try { const st = statSync(`/proc/self/fd/${fd}`); return st.ino === crun.ino && st.dev === crun.dev; } catch { return false; }
  });
  assert.equal(held.length, 1, 'one open view of the binary');
  // The mount's flags, through the open file (a write would say ETXTBSY while any crun runs anywhere).
  const ro = spawnSync('python3', ['-c', 'import os, sys; print(os.statvfs(sys.argv[1]).f_flag & os.ST_RDONLY)', `/proc/${process.pid}/fd/${held[0]}`], { encoding: 'utf8' });
  assert.equal(ro.stdout.trim(), '1', ro.stderr);
  assert.ok(!readFileSync('/proc/self/mountinfo', 'utf8').includes('.ro-crun'), 'the mount was detached at once');
  assert.equal((await call(h.sock, 'POST', `/containers/${id}/wait`)).json.StatusCode, 0);
  await call(h.sock, 'DELETE', `/containers/${id}`);
});

test('a service that goes away hands exits back to conmon\'s exit command', async () => {
  const engine = await connect({ root: h.store.root, runroot: h.store.runroot });
  const srv = await createApiServer(engine, { uri: `unix://${join(h.store.dir, 'second.sock')}` });
  const id = await createStarted(srv.address, 'sleep 3; exit 5');
  assert.ok(fgHeld(id));
  await srv.close();
  await engine.close();
  assert.ok(!fgHeld(id), 'a closed engine holds no lock');
  // Nobody in this process cleans up now: the exit command (a husk process) does; its "died" comes last.
  for (let i = 0; i < 300 && !(await died(h.engine(), id)).length; i++) await new Promise((r) => setTimeout(r, 100));
  assert.deepEqual(await died(h.engine(), id), [5]);
  assert.ok(!runtimeState(id) && !mountedFor(id));
  assert.equal((await h.engine().containers.get(id)).state.exitCode, 5);
  await call(h.sock, 'DELETE', `/containers/${id}`);
});

test('a stop by another process of a container the service started is folded once', async () => {
  const id = await createStarted(h.sock, 'sleep 60');
  const stop = h.store.husk(['stop', '-t', '0', id]);
  assert.equal(stop.code, 0, stop.stderr);
  await until(() => !fgHeld(id) && !runtimeState(id), 20_000);
  assert.equal((await died(h.engine(), id)).length, 1);
  assert.equal(h.store.husk(['rm', id]).code, 0);
  assert.ok(!existsSync(fgLock(id)));
});

test('restart policy: the service restarts an exited container it started', async () => {
  const id = await createStarted(h.sock, 'exit 1', { RestartPolicy: { Name: 'on-failure', MaximumRetryCount: 2 } });
  let state: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  for (let i = 0; i < 300; i++) {
    state = (await call(h.sock, 'GET', `/containers/${id}/json`)).json;
    if (state.RestartCount === 2 && state.State.Status === 'exited' && !runtimeState(id)) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal(state.RestartCount, 2);
  assert.equal(state.State.Status, 'exited');
  assert.equal(state.State.ExitCode, 1);
  await call(h.sock, 'DELETE', `/containers/${id}?force=1`);
});

test('10 API clients and CLI processes on one store at once: every exit code right, nothing left behind', async () => {
  const api = Promise.all(Array.from({ length: 10 }, async (_, client) => {
    for (let k = 0; k < 3; k++) {
      const code = client * 3 + k;
      const { json } = await call(h.sock, 'POST', '/containers/create', { Image: 'busybox', Cmd: ['sh', '-c', `exit ${code}`], HostConfig: { NetworkMode: 'none' } });
      await call(h.sock, 'POST', `/containers/${json.Id}/start`);
      assert.equal((await call(h.sock, 'POST', `/containers/${json.Id}/wait`)).json.StatusCode, code);
      await call(h.sock, 'DELETE', `/containers/${json.Id}?force=1`);
    }
  }));
  const cli = Promise.all([1, 2].map(async (n) => {
    for (let k = 0; k < 2; k++) {
      const r = await h.store.huskAsync(['run', '--rm', '--network', 'none', 'busybox', 'sh', '-c', `exit ${40 + n}`]);
      assert.equal(r.code, 40 + n, r.stderr);
    }
    const d = await h.store.huskAsync(['run', '-d', '--network', 'none', 'busybox', 'true']);
    assert.equal(d.code, 0, d.stderr);
    assert.equal((await h.store.huskAsync(['wait', d.stdout.trim()])).stdout.trim(), '0');
    assert.equal((await h.store.huskAsync(['rm', d.stdout.trim()])).code, 0);
  }));
  await Promise.all([api, cli]);
  assert.deepEqual((await call(h.sock, 'GET', '/containers/json?all=1')).json, []);
  await until(() => !readdirSync(join(h.store.runroot, 'runtime')).some((rt) => readdirSync(join(h.store.runroot, 'runtime', rt)).length), 20_000);
  assert.deepEqual(mountsUnder(h.store.dir), []);
  assert.deepEqual(readdirSync(join(h.store.runroot, 'locks')), []);
  assert.deepEqual(readdirSync(join(h.store.root, 'containers')), []);
});

test('six attached clients take no thread-pool thread: the service still runs containers meanwhile', async () => {
  // An attach socket read through fs.read held one of libuv's four pool threads for as
  // long as the client stayed; with four attached, every file operation of the service waited.
  const names = [1, 2, 3, 4, 5, 6].map((i) => `held${i}`);
  for (const n of names) {
    const r = await h.docker(['run', '-d', '-i', '--name', n, 'busybox', 'sh', '-c', 'while read l; do echo "got:$l"; done']);
    assert.equal(r.code, 0, r.stderr);
  }
  const clients = names.map((n) => h.run('docker', ['attach', n], { input: `${n}\n`, holdStdin: 150_000, timeout: 180_000 }));
  // Each client's line comes back in the container's log: all six are attached.
  for (const n of names) {
    let logs = '';
    for (const end = Date.now() + 60_000; Date.now() < end && !logs.includes(`got:${n}`);) {
      logs = (await h.docker(['logs', n])).stdout;
      if (!logs.includes(`got:${n}`)) await new Promise((res) => setTimeout(res, 200));
    }
    assert.match(logs, new RegExp(`got:${n}`), `${n}'s client attached`);
  }
  const r = await h.docker(['run', '--rm', 'busybox', 'echo', 'still-served'], 60_000);
  assert.equal(r.code, 0, `run beside six attached clients: ${r.stderr}`);
  assert.equal(r.stdout, 'still-served\n');
  for (const n of names) assert.equal((await h.docker(['rm', '-f', n])).code, 0);
  for (const [i, c] of (await Promise.all(clients)).entries()) assert.match(c.stdout, new RegExp(`got:${names[i]}`));
});
