// A real Docker distribution registry (Debian's docker-registry 2.8) for
// tests: its own config, storage dir and port on 127.0.0.1, optional
// htpasswd (Basic) or token (Bearer) auth. The stock /etc config points
// htpasswd at a directory, so every instance writes its own config.yml.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const REGISTRY_BIN = '/usr/bin/docker-registry';

export interface RegistryOptions {
  /** htpasswd users: the registry answers 401 with a Basic challenge. */
  auth?: { user: string; pass: string };
  /** Token auth: the registry trusts tokens signed by the key of `rootCertBundle` (a PEM file). */
  token?: { realm: string; service: string; issuer: string; rootCertBundle: string };
  /** Serve https with this certificate; with clientCAs, demand a client certificate signed by one. */
  tls?: { cert: string; key: string; clientCAs?: string[] };
}

export interface RunningRegistry {
  host: string;
  dir: string;
  stop(): Promise<void>;
}

/** A port that was free a moment ago (the registry binds it itself). */
export async function freePort(): Promise<number> {
  const srv = createServer();
  srv.listen(0, '127.0.0.1');
  await once(srv, 'listening');
  const port = (srv.address() as { port: number }).port;
  srv.close();
  await once(srv, 'close');
  return port;
}

/** GET /v2/ status, or 0 while nothing answers (a missing client certificate still proves it is up). */
function probe(host: string, tls: boolean): Promise<number> {
  return new Promise((resolve) => {
    const cb = (res: import('node:http').IncomingMessage) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    };
    const req = tls
      ? httpsRequest(`https://${host}/v2/`, { timeout: 1000, rejectUnauthorized: false }, cb)
      : request(`http://${host}/v2/`, { timeout: 1000 }, cb);
    req.on('error', (e) => resolve(tls && /certificate|alert|handshake/i.test(e.message) ? 200 : 0));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

function config(dir: string, port: number, opts: RegistryOptions): string {
  const lines = [
    'version: 0.1',
    'log:',
    '  level: error',
    '  accesslog:',
    '    disabled: true',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${join(dir, 'data')}`,
    '  delete:',
    '    enabled: true',
    'http:',
    `  addr: 127.0.0.1:${port}`,
    `  secret: ${Math.random().toString(36).slice(2)}`,
  ];
  if (opts.tls) {
    lines.push('  tls:', `    certificate: ${opts.tls.cert}`, `    key: ${opts.tls.key}`);
    if (opts.tls.clientCAs) lines.push('    clientcas:', ...opts.tls.clientCAs.map((c) => `      - ${c}`));
  }
  if (opts.auth) {
    lines.push('auth:', '  htpasswd:', '    realm: basic-realm', `    path: ${join(dir, 'htpasswd')}`);
  } else if (opts.token) {
    const t = opts.token;
    lines.push('auth:', '  token:', `    realm: ${t.realm}`, `    service: ${t.service}`, `    issuer: ${t.issuer}`, `    rootcertbundle: ${t.rootCertBundle}`);
  }
  return lines.join('\n') + '\n';
}

export async function startRegistry(opts: RegistryOptions = {}): Promise<RunningRegistry> {
  const dir = mkdtempSync(join(tmpdir(), 'husk-registry-'));
  try {
    if (opts.auth) {
      const r = spawnSync('htpasswd', ['-Bbn', opts.auth.user, opts.auth.pass], { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`htpasswd failed: ${r.stderr}`);
      writeFileSync(join(dir, 'htpasswd'), r.stdout);
    }
    // The port can be taken between freePort() and the bind: try a few.
    for (let attempt = 0; attempt < 5; attempt++) {
      const port = await freePort();
      writeFileSync(join(dir, 'config.yml'), config(dir, port, opts));
      // REGISTRY_* variables override the config file; keep ours out.
      const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('REGISTRY_')));
      const child = spawn(REGISTRY_BIN, ['serve', join(dir, 'config.yml')], { env, stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr!.on('data', (d) => (stderr += d));
      const host = `127.0.0.1:${port}`;
      if (await ready(child, host, !!opts.tls)) {
        return { host, dir, stop: () => stop(child, dir) };
      }
      await stop(child, undefined);
      if (!/address already in use/.test(stderr)) throw new Error(`docker-registry did not start: ${stderr}`);
    }
    throw new Error('docker-registry: no free port');
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}

async function ready(child: ChildProcess, host: string, tls: boolean): Promise<boolean> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) return false;
    const status = await probe(host, tls);
    if (status === 200 || status === 401) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

async function stop(child: ChildProcess, dir: string | undefined): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) {
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }
  if (dir) rmSync(dir, { recursive: true, force: true });
}
