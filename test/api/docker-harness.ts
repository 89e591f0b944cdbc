// The docker CLI against an in-process `husk system service` (createApiServer
// on a unix socket over a temp store with busybox), for the tests that drive
// the Docker-compatible API with real clients. Children run asynchronously:
// a synchronous one would block this process, and the server with it.
import { after, before } from 'node:test';
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { connect } from '../../src/connect.ts';
import type { Engine } from '../../src/engine/api.ts';
import { createApiServer, type ApiServer } from '../../src/api/server.ts';
import { Store, type Result } from '../helpers.ts';

export interface DockerHarness {
  store: Store;
  /** The service's socket. */
  sock: string;
  engine(): Engine;
  /** DOCKER_HOST and DOCKER_CONFIG for the service. */
  env(): NodeJS.ProcessEnv;
  docker(args: string[], timeout?: number): Promise<Result>;
  /** Any command with env(); `input` is written to its stdin, which then closes after `holdStdin` ms. */
  run(cmd: string, args: string[], o?: { timeout?: number; input?: string; holdStdin?: number }): Promise<Result>;
  raw(method: string, path: string, body?: string): Promise<{ status: number; body: string; headers: Record<string, string | string[] | undefined> }>;
}

export interface HarnessHooks {
  /** Runs once the service is up (a separate before hook may run concurrently with the harness's). */
  setup?: (h: DockerHarness) => Promise<void>;
  /** Runs before the service stops. */
  teardown?: (h: DockerHarness) => Promise<void>;
}

/** Registers before/after hooks that start and stop the service; use the result inside tests. */
export function dockerHarness(prefix = 'husk-api-', hooks: HarnessHooks = {}): DockerHarness {
  const store = new Store(prefix);
  const sock = join(store.dir, 'api.sock');
  let engine: Engine;
  let srv: ApiServer;
  const env = () => ({ ...process.env, DOCKER_HOST: `unix://${sock}`, DOCKER_CONFIG: join(store.dir, 'docker') });

  function run(cmd: string, args: string[], o: { timeout?: number; input?: string; holdStdin?: number } = {}): Promise<Result> {
    return new Promise((resolve) => {
      const p = spawn(cmd, args, { env: env() });
      let stdout = '';
      let stderr = '';
      p.stdout.on('data', (d: Buffer) => (stdout += d));
      p.stderr.on('data', (d: Buffer) => (stderr += d));
      p.stdin.on('error', () => {});
      if (o.input) p.stdin.write(o.input);
      const hold = setTimeout(() => p.stdin.end(), o.holdStdin ?? 0);
      const t = setTimeout(() => p.kill(), o.timeout ?? 60_000);
      p.on('close', (code: number | null) => { clearTimeout(t); clearTimeout(hold); resolve({ code: code ?? -1, stdout, stderr }); });
    });
  }

  before(async () => {
    mkdirSync(join(store.dir, 'docker'), { recursive: true });
    store.busybox();
    engine = await connect({ root: store.root, runroot: store.runroot });
    srv = await createApiServer(engine, { uri: `unix://${sock}` });
    await hooks.setup?.(h);
  });

  after(async () => {
    if (srv) await hooks.teardown?.(h).catch(() => {});
    await srv?.close();
    await engine?.close();
    await store.destroyWhenIdle();
  });

  const h: DockerHarness = {
    store, sock, env,
    engine: () => engine,
    docker: (args, timeout = 60_000) => run('/usr/local/bin/docker', args, { timeout }),
    run,
    raw: (method, path, body) => new Promise((resolve, reject) => {
      const r = request({ socketPath: sock, method, path }, (res) => {
        let b = '';
        res.on('data', (d) => (b += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: b, headers: res.headers }));
      });
      r.on('error', reject);
      r.end(body);
    }),
  };
  return h;
}
