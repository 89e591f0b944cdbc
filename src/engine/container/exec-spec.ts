// The OCI process of an exec session: the container's own process from its
// config.json (capabilities, rlimits, environment, user, cwd) with the
// session's overrides applied.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Spec } from '../../runtime/spec/types.ts';
import type { TerminalSize } from '../api.ts';
import type { EngineContext } from '../context.ts';
import type { Container } from '../types.ts';
import type { ExecCreateOptions } from './api.ts';
import { rootfsPaths } from './rootfs.ts';
import { resolveUser } from './user.ts';

/** The OCI process, with runtime-spec's consoleSize (which container specs do not use). */
type Process = NonNullable<Spec['process']> & { consoleSize?: { height: number; width: number } };

/** consoleSize: the terminal's initial size (tty sessions), applied by the runtime as it creates the pty. */
export function execProcess(e: EngineContext, c: Container, o: ExecCreateOptions, consoleSize?: TerminalSize): Process {
  const spec = JSON.parse(readFileSync(join(e.bundleDir(c.config.id), 'config.json'), 'utf8')) as Spec;
  const proc: Process = structuredClone(spec.process!);
  proc.args = o.command;
  proc.terminal = !!o.tty;
  if (o.tty && consoleSize) proc.consoleSize = { height: consoleSize.rows, width: consoleSize.cols };
  if (o.workdir) proc.cwd = o.workdir;
  const env = new Map(proc.env.map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)] as [string, string]));
  if (o.tty) env.set('TERM', 'xterm');
  for (const [k, v] of Object.entries(o.env ?? {})) env.set(k, v);
  proc.env = [...env].map(([k, v]) => `${k}=${v}`);
  let uid = proc.user.uid;
  if (o.user) {
    const u = resolveUser(rootfsPaths(e.containerDir(c.config.id)).merged, o.user);
    uid = u.uid;
    proc.user = { uid: u.uid, gid: u.gid, ...(u.additionalGids.length ? { additionalGids: u.additionalGids } : {}) };
  }
  const caps = proc.capabilities;
  if (caps) {
    // As Podman: privileged gets the whole bounding set; a non-root user only what it was granted.
    if (o.privileged) proc.capabilities = { ...caps, effective: caps.bounding, permitted: caps.bounding };
    else if (o.user && uid !== 0) proc.capabilities = { ...caps, effective: [], permitted: [] };
  }
  return proc;
}
