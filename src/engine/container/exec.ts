// exec: runs an extra process in a running container through the runtime's
// own `exec`, with the caller's stdio. The process spec starts from the
// container's config.json (same capabilities, rlimits, env) and applies the
// exec's overrides.
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync, unlinkSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from '../../common/random.ts';
import { containerState } from '../../common/errors.ts';
import { runtimeMessage, classifyStartError } from '../../runtime/oci.ts';
import type { Spec } from '../../runtime/spec/types.ts';
import type { EngineContext } from '../context.ts';
import { getContainer, syncState } from './lifecycle.ts';
import { rootfsPaths } from './rootfs.ts';
import { resolveUser } from './user.ts';

export interface ExecOptions {
  command: string[];
  env?: Record<string, string>;
  user?: string;
  workdir?: string;
  tty?: boolean;
  interactive?: boolean;
  detach?: boolean;
  privileged?: boolean;
}

/** Runs the process; resolves with its exit code (0 when detached). */
export async function execInContainer(e: EngineContext, ref: string, o: ExecOptions): Promise<number> {
  const c = syncState(e, getContainer(e, ref));
  if (c.state.status !== 'running') throw containerState(`can only create exec sessions on running containers: container state improper`);
  if (!o.command.length) throw containerState('must provide a non-empty command to start an exec session: invalid argument');
  const spec = JSON.parse(readFileSync(join(e.bundleDir(c.config.id), 'config.json'), 'utf8')) as Spec;
  const proc = structuredClone(spec.process!);
  proc.args = o.command;
  proc.terminal = !!o.tty && !o.detach;
  if (o.workdir) proc.cwd = o.workdir;
  const env = new Map(proc.env.map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)] as [string, string]));
  if (o.tty) env.set('TERM', 'xterm');
  for (const [k, v] of Object.entries(o.env ?? {})) env.set(k, v);
  proc.env = [...env].map(([k, v]) => `${k}=${v}`);
  if (o.user) {
    const u = resolveUser(rootfsPaths(e.containerDir(c.config.id)).merged, o.user);
    proc.user = { uid: u.uid, gid: u.gid, ...(u.additionalGids.length ? { additionalGids: u.additionalGids } : {}) };
    if (u.uid !== 0 && proc.capabilities) proc.capabilities = { ...proc.capabilities, effective: [], permitted: [] };
  }
  const dir = join(e.runDir(c.config.id), 'exec');
  mkdirSync(dir, { recursive: true });
  const specPath = join(dir, `${randomBytes(8).toString('hex')}.json`);
  writeFileSync(specPath, JSON.stringify(proc));
  const rt = e.runtime(c.config.runtime);
  const args = [...rt.globalArgs(), 'exec', '--process', specPath, ...(o.detach ? ['--detach'] : []), c.config.id];
  try {
    return await new Promise<number>((resolve, reject) => {
      const child = spawn(rt.path, args, {
        // A detached process inherits the runtime's stdio: give it none of ours,
        // or husk would wait for it to close them.
        stdio: o.detach ? ['ignore', 'ignore', 'ignore'] : [o.interactive || o.tty ? 'inherit' : 'ignore', 'inherit', 'pipe'],
      });
      let errText = '';
      child.stderr?.on('data', (d: Buffer) => {
        const s = d.toString();
        // The runtime's own failure is reported by us; the process's stderr passes through.
        if (/^(time=|\{"level"|exec failed|runc |crun: )/m.test(s)) errText += s;
        else process.stderr.write(d);
      });
      child.on('error', reject);
      child.on('close', (code, signal) => {
        if (errText) {
          const msg = runtimeMessage(errText);
          if (/exec failed|executable file not found|no such file|permission denied/i.test(msg)) return reject(classifyStartError(msg, o.command[0]));
          if (code !== 0) return reject(containerState(msg));
        }
        resolve(signal ? 128 + (({ SIGKILL: 9, SIGTERM: 15, SIGINT: 2 } as Record<string, number>)[signal] ?? 1) : (code ?? 0));
      });
    });
  } finally {
    try { unlinkSync(specPath); } catch {}
  }
}
