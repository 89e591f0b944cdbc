// Where a remote engine is: unix://PATH, tcp://HOST:PORT, or
// ssh://[USER@]HOST[:PORT]/PATH. ssh runs the system `ssh` binary to forward
// a private local unix socket to the server's socket (OpenSSH's
// -L LOCAL_SOCKET:REMOTE_SOCKET), so every request then goes over a unix
// socket as for unix://.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { Agent, request, type ClientRequest, type OutgoingHttpHeaders } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HuskError } from '../../common/errors.ts';

export const DEFAULT_SOCKET = '/run/husk/husk.sock';

export class Transport {
  readonly url: string;
  #target: { socketPath?: string; host?: string; port?: number } | undefined;
  #ssh?: { child: ChildProcess; dir: string };
  #agent = new Agent({ keepAlive: true });

  constructor(url: string) {
    this.url = url;
    const u = parse(url);
    if (u.protocol === 'unix:') this.#target = { socketPath: u.pathname };
    else if (u.protocol === 'tcp:' || u.protocol === 'http:') this.#target = { host: u.hostname, port: Number(u.port || 80) };
    else if (u.protocol !== 'ssh:') throw new HuskError('INVALID_ARGUMENT', `unsupported connection to "${url}": use unix://, tcp:// or ssh://`);
  }

  /**
   * Starts an HTTP request to the engine (ssh: once the tunnel is up).
   * `fresh`: on a new connection, for calls whose body cannot be replayed
   * (a kept-alive connection the server is closing fails the request).
   */
  async request(method: string, path: string, headers: OutgoingHttpHeaders, fresh = false): Promise<ClientRequest> {
    const target = this.#target ?? (this.#target = await this.#tunnel());
    return request({ ...target, agent: fresh ? false : this.#agent, method, path, headers });
  }

  /** The error to report when the engine cannot be reached. */
  unreachable(e: Error): HuskError {
    return new HuskError('ENGINE', `unable to connect to husk at ${this.url}: ${e.message} (is "husk system service" running?)`);
  }

  close(): void {
    this.#agent.destroy();
    if (this.#ssh) {
      this.#ssh.child.kill();
      rmSync(this.#ssh.dir, { recursive: true, force: true });
      this.#ssh = undefined;
    }
  }

  async #tunnel(): Promise<{ socketPath: string }> {
    const u = parse(this.url);
    const dir = mkdtempSync(join(tmpdir(), 'husk-ssh-'));
    const local = join(dir, 'husk.sock');
    const remote = decodeURIComponent(u.pathname) || DEFAULT_SOCKET;
    const args = ['-nNT', '-o', 'BatchMode=yes', '-o', 'ExitOnForwardFailure=yes', '-o', 'StreamLocalBindUnlink=yes',
      '-L', `${local}:${remote}`, ...(u.port ? ['-p', u.port] : []), `${u.username ? `${decodeURIComponent(u.username)}@` : ''}${u.hostname}`];
    const child = spawn('ssh', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    this.#ssh = { child, dir };
    let stderr = '';
    child.stderr!.on('data', (c: Buffer) => { stderr += c.toString(); });
    child.unref();
    (child.stderr as unknown as { unref?: () => void }).unref?.();
    // ssh creates the local socket once it is connected and forwarding.
    for (let i = 0; i < 300 && !existsSync(local); i++) {
      if (child.exitCode !== null || child.signalCode) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    if (!existsSync(local)) {
      this.close();
      throw new HuskError('ENGINE', `ssh to ${u.hostname} failed: ${stderr.trim() || 'no forwarded socket'}`);
    }
    return { socketPath: local };
  }
}

function parse(url: string): URL {
  try {
    return new URL(url);
  } catch {
    throw new HuskError('INVALID_ARGUMENT', `invalid connection URL "${url}"`);
  }
}
