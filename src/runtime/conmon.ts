// Launching conmon, the per-container monitor (conmon 2.1 API version 1).
//
// Protocol: conmon gets two inherited fds named by environment variables.
// It blocks reading _OCI_STARTPIPE until we write, then runs `RUNTIME create`
// and reports on _OCI_SYNCPIPE one JSON line, {"data": PID} on success or a
// negative data with "message" on failure. conmon double-forks, so its first
// process exits at once and the monitor is reparented away from husk.
import { spawn } from 'node:child_process';
import { closeSync, existsSync } from 'node:fs';
import type { Socket } from 'node:net';
import { HuskError } from '../common/errors.ts';
import { conmonLogArgs, logDebug } from '../common/log.ts';
import { preservedFds, runtimeEnv, runtimeMessage, type OciRuntime } from './oci.ts';

export interface ConmonCreate {
  conmonPath: string;
  /** A command conmon is started through (personalityLauncher): it, the runtime and the container inherit what it sets. */
  launcher?: string[];
  runtime: OciRuntime;
  id: string;
  name: string;
  bundle: string;
  pidFile: string;
  conmonPidFile: string;
  exitDir: string;
  logPath: string;
  socketDir: string;
  /** Where conmon drops an "oom" file when the container is OOM-killed. */
  persistDir: string;
  terminal: boolean;
  stdin: boolean;
  /** argv conmon runs after the container exits (husk's cleanup). */
  exitCommand?: string[];
  /** Open fds conmon inherits (after the preserved ones and the two pipes) and holds until it exits, e.g. slirp4netns's exit FIFO. */
  extraFds?: number[];
  /** Our fds 3..3+N-1 go to the container process as the same numbers (runtime create --preserve-fds N). */
  preserveFds?: number;
  /** Kill the container after this many seconds (conmon's --timeout). */
  timeout?: number;
  /** The log driver (default k8s-file) and its options. */
  logDriver?: 'k8s-file' | 'journald' | 'none' | 'passthrough';
  logSizeMax?: number;
  logTag?: string;
  /** The host's notify socket: conmon binds BUNDLE/notify/notify.sock and relays READY=1 to it. */
  sdnotifySocket?: string;
  /** A checkpoint's image directory: conmon runs `RUNTIME restore` from it instead of `create` (the process then runs at once). */
  restore?: string;
  /** Extra options for the runtime's restore (--tcp-established, --file-locks). */
  restoreOpts?: string[];
}

export interface SyncResult { pid: number }

export function conmonArgs(o: ConmonCreate): string[] {
  const args = [
    '--api-version', '1', '-c', o.id, '-u', o.id, '-r', o.runtime.path, '-b', o.bundle,
    '-p', o.pidFile, '-n', o.name, '--exit-dir', o.exitDir, '--full-attach',
    '-l', o.logDriver && o.logDriver !== 'k8s-file' ? `${o.logDriver}:` : `k8s-file:${o.logPath}`,
    ...conmonLogArgs(), '--conmon-pidfile', o.conmonPidFile, '--socket-dir-path', o.socketDir,
    '--persist-dir', o.persistDir,
  ];
  for (const a of o.runtime.globalArgs()) args.push('--runtime-arg', a);
  args.push(...preservedFds(o.preserveFds).args);
  if (o.restore) args.push('--restore', o.restore);
  for (const r of o.restoreOpts ?? []) args.push('--runtime-opt', r);
  if (o.timeout) args.push('--timeout', String(o.timeout));
  if (o.logSizeMax) args.push('--log-size-max', String(o.logSizeMax));
  // conmon refuses a tag with k8s-file: only the journal has a field for it.
  if (o.logTag && o.logDriver === 'journald') args.push('--log-tag', o.logTag);
  if (o.terminal) args.push('-t');
  if (o.stdin) args.push('-i');
  if (o.sdnotifySocket) args.push('--sdnotify-socket', o.sdnotifySocket);
  if (o.exitCommand?.length) {
    args.push('--exit-command', o.exitCommand[0]);
    for (const a of o.exitCommand.slice(1)) args.push('--exit-command-arg', a);
  }
  return args;
}

const SETARCH = '/usr/bin/setarch';

/**
 * --personality for a runtime that ignores linux.personality (runc before
 * 1.2; crun sets it itself): conmon starts under util-linux's setarch, and
 * personality(2) is inherited through the runtime into the container's
 * processes, exec'd ones included.
 */
export function personalityLauncher(runtime: OciRuntime, domain: string | undefined): string[] | undefined {
  return domain === 'LINUX32' && runtime.name === 'runc' && existsSync(SETARCH) ? [SETARCH, 'linux32'] : undefined;
}

/** conmon's report on the sync pipe: the container's pid, or the runtime's error. */
function syncResult(line: string | undefined): SyncResult {
  if (line === undefined) throw new HuskError('RUNTIME', 'conmon exited before the container was created');
  let msg: { data: number; message?: string };
  try {
    msg = JSON.parse(line);
  } catch {
    throw new HuskError('RUNTIME', `conmon: unexpected sync message ${JSON.stringify(line)}`);
  }
  if (msg.data < 0) throw new HuskError('RUNTIME', runtimeMessage(msg.message ?? '') || `conmon: runtime create failed (${msg.data})`);
  return { pid: msg.data };
}

/** conmon spawned and blocked on its start pipe: go() has it create the container; abort() kills it unstarted. */
export interface PendingConmon {
  go(): Promise<SyncResult>;
  abort(): void;
}

function conmonArgv(o: ConmonCreate): { argv: string[]; env: NodeJS.ProcessEnv; preserved: number[]; std: 'inherit' | 'ignore' } {
  if (!o.conmonPath) throw new HuskError('RUNTIME', 'conmon not found: install the conmon package');
  const preserved = preservedFds(o.preserveFds).fds;
  const argv = [...(o.launcher ?? []), o.conmonPath, ...conmonArgs(o)];
  // Podman's line, with the arguments as a field.
  logDebug(`running conmon: ${o.conmonPath}`, { args: `[${argv.slice(argv.indexOf(o.conmonPath) + 1).join(' ')}]` });
  // passthrough: conmon hands its own stdio to the container, so it gets the starter's (Podman's passthrough driver).
  const std = o.logDriver === 'passthrough' ? 'inherit' : 'ignore';
  const env = { ...runtimeEnv(), _OCI_SYNCPIPE: String(3 + preserved.length), _OCI_STARTPIPE: String(4 + preserved.length) };
  return { argv, env, preserved, std };
}

/**
 * Spawns conmon through the addon's posix_spawn with plain pipes
 * (native-spawn.ts), for short-lived callers. conmon execs, initialises and
 * then blocks reading its start pipe (~4.5 ms here), so a caller can spawn
 * it before the bundle is ready and overlap that with its own work. Until
 * go(), the caller must abort() on any failure: at EOF on the start pipe
 * conmon would go on to create the container.
 */
export async function conmonSpawn(o: ConmonCreate): Promise<PendingConmon> {
  const { argv, env, preserved, std } = conmonArgv(o);
  const ns = await import('./native-spawn.ts');
  const [syncR, syncW] = ns.pipeFromChild();
  const [startR, startW] = ns.pipeToChild();
  let pid: number;
  try {
    // cwd: conmon writes some files (an "oom" marker on cgroup v1) relative to it.
    pid = ns.spawnDetached(argv, env, [std, std, std, ...preserved, syncW, startR, ...(o.extraFds ?? [])], o.persistDir);
  } catch (e) {
    for (const fd of [syncR, syncW, startR, startW]) closeSync(fd);
    throw new HuskError('RUNTIME', `conmon: ${(e as Error).message}`);
  }
  closeSync(syncW);
  closeSync(startR);
  let settled = false;
  return {
    go: async () => {
      settled = true;
      ns.writeAndClose(startW, '0');
      return syncResult(await ns.readLine(syncR));
    },
    abort: () => {
      if (settled) return;
      settled = true;
      // Killed before its start pipe closes: it never sees the EOF it would take for a go.
      try { process.kill(pid, 'SIGKILL'); } catch {}
      closeSync(startW);
      closeSync(syncR);
    },
  };
}

/**
 * Starts conmon and resolves once the runtime has created the container.
 * native: through conmonSpawn, for short-lived callers; else child_process,
 * whose pipes are event-loop sockets (a long-lived server's choice).
 */
export async function conmonCreate(o: ConmonCreate, native = false): Promise<SyncResult> {
  if (native) return (await conmonSpawn(o)).go();
  const { argv, env, preserved, std } = conmonArgv(o);
  return conmonCreateChild(o, argv, env, preserved, std);
}

function conmonCreateChild(o: ConmonCreate, argv: string[], env: NodeJS.ProcessEnv, preserved: number[], std: 'inherit' | 'ignore'): Promise<SyncResult> {
  const child = spawn(argv[0]!, argv.slice(1), {
    stdio: [std, std, std, ...preserved, 'pipe', 'pipe', ...(o.extraFds ?? [])],
    env,
    // Own session: a Ctrl-C aimed at husk must not reach the monitor.
    detached: true,
    // conmon writes some files (an "oom" marker on cgroup v1) relative to its cwd.
    cwd: o.persistDir,
  });
  child.unref();
  const sync = child.stdio[3 + preserved.length] as Socket;
  const start = child.stdio[4 + preserved.length] as Socket;
  return new Promise<SyncResult>((resolve, reject) => {
    let buf = '';
    let done = false;
    const finish = (err: Error | undefined, res?: SyncResult) => {
      if (done) return;
      done = true;
      sync.destroy();
      start.destroy();
      if (err) reject(err);
      else resolve(res!);
    };
    child.on('error', (e) => finish(new HuskError('RUNTIME', `conmon: ${e.message}`)));
    sync.on('data', (d: Buffer) => {
      buf += d.toString('utf8');
      const nl = buf.indexOf('\n');
      if (nl < 0) return;
      try {
        finish(undefined, syncResult(buf.slice(0, nl)));
      } catch (e) {
        finish(e as Error);
      }
    });
    sync.on('close', () => finish(new HuskError('RUNTIME', 'conmon exited before the container was created')));
    sync.on('error', () => {});
    start.on('error', () => {});
    start.end('0');
  });
}
