// systemd's protocols for a container started by a unit, carried out by the
// process that starts it (there is no daemon to do it later):
//
// - notify (--sdnotify, sd_notify(3)): after `RUNTIME start` the starter
//   sends MAINPID=<conmon> (conmon lives as long as the container), plus
//   READY=1 in conmon mode. In container mode conmon relays the container's
//   own READY=1/WATCHDOG=1: it binds BUNDLE/notify/notify.sock
//   (--sdnotify-socket), which the container sees as /run/notify/notify.sock.
//   In healthy mode the starter waits for the first passing health check,
//   then sends READY=1.
// - socket activation (sd_listen_fds(3)): the starter's fds 3..3+N-1 are
//   handed to conmon at the same numbers and the runtime passes them into
//   the container (--preserve-fds N); LISTEN_FDS/LISTEN_FDNAMES are copied
//   into the container's environment with LISTEN_PID=1, its own process.
//
// Neither NOTIFY_SOCKET nor LISTEN_* reach conmon or the runtime
// (runtimeEnv in src/runtime/oci.ts).
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { invalidArgument } from '../../common/errors.ts';
import type { Mount, SpecOpt } from '../../runtime/spec/index.ts';
import { process_ } from '../../runtime/spec/index.ts';
import type { ContainerSpec } from '../../specgen/container.ts';
import type { ResolvedHealthcheck } from '../../specgen/health.ts';
import type { EngineContext } from '../context.ts';
import type { Container } from '../types.ts';
import type { ResolvedConfig } from '../config.ts';

type SocketActivation = ResolvedConfig['socketActivation'] & {};

/** Where the relayed socket appears in the container (Podman's path). */
export const CONTAINER_NOTIFY_DIR = '/run/notify';

export function notifyMode(i: ContainerSpec): NonNullable<ContainerSpec['sdNotifyMode']> {
  return i.sdNotifyMode ?? 'container';
}

/** At create: the healthy mode needs a check (the spec's or the image's). */
export function checkNotifyMode(i: ContainerSpec, hc: ResolvedHealthcheck | undefined): void {
  if (notifyMode(i) === 'healthy' && !hc) throw invalidArgument('sdnotify policy "healthy" requires a healthcheck to be set');
}

/**
 * Sends one notify message (lines joined by newlines, as sd_notify). Through
 * systemd-notify, since Node has no datagram unix sockets; its sender
 * credentials are this process, which runs in the unit's cgroup. --no-block:
 * no BARRIER=1 round trip, which only a real service manager answers.
 * Failures are ignored, as Podman logs and goes on.
 */
export function sdNotify(socket: string | undefined, lines: string[]): void {
  if (!socket || !lines.length) return;
  spawnSync('systemd-notify', ['--no-block', ...lines], { stdio: 'ignore', env: { ...process.env, NOTIFY_SOCKET: socket }, timeout: 10_000 });
}

/** conmon's --sdnotify-socket (container mode with a socket), after making the directory conmon binds in. */
export function notifyRelay(c: Container, bundle: string): string | undefined {
  const i = c.config.intent;
  if (notifyMode(i) !== 'container' || !i.sdNotifySocket) return undefined;
  mkdirSync(join(bundle, 'notify'), { recursive: true });
  return i.sdNotifySocket;
}

/** The fds the starting process hands over: --preserve-fds, else the sockets systemd passed it. */
export function preservedFds(i: ContainerSpec, activation: SocketActivation | undefined): number {
  return i.preserveFds || activation?.fds || 0;
}

/** Spec options of both protocols: the relay socket's directory and the LISTEN_* variables. */
export function systemdProtocolOpts(c: Container, bundle: string, relay: string | undefined, activation: SocketActivation | undefined): SpecOpt[] {
  const opts: SpecOpt[] = [];
  const vars: Record<string, string> = {};
  if (relay) {
    const m: Mount = { destination: CONTAINER_NOTIFY_DIR, type: 'bind', source: join(bundle, 'notify'), options: ['bind', 'rprivate'] };
    opts.push((s) => { s.mounts = [...s.mounts.filter((x) => x.destination !== m.destination), m]; });
    vars.NOTIFY_SOCKET = `${CONTAINER_NOTIFY_DIR}/notify.sock`;
  }
  if (activation) {
    vars.LISTEN_FDS = String(activation.fds);
    // The container's process is PID 1 in its namespace; not all runtimes rewrite it.
    vars.LISTEN_PID = '1';
    if (activation.names !== undefined) vars.LISTEN_FDNAMES = activation.names;
  }
  if (Object.keys(vars).length) opts.push(withEnvVars(vars));
  return opts;
}

function withEnvVars(vars: Record<string, string>): SpecOpt {
  return (s) => {
    const p = process_(s);
    p.env = [...(p.env ?? []).filter((kv) => !(kv.slice(0, kv.indexOf('=')) in vars)), ...Object.entries(vars).map(([k, v]) => `${k}=${v}`)];
  };
}

/** After `RUNTIME start`: MAINPID is conmon in every mode but ignore; conmon mode is ready now. */
export function notifyStarted(c: Container): void {
  const i = c.config.intent;
  const mode = notifyMode(i);
  if (mode === 'ignore' || !i.sdNotifySocket || !c.state.conmonPid) return;
  sdNotify(i.sdNotifySocket, [`MAINPID=${c.state.conmonPid}`, ...(mode === 'conmon' ? ['READY=1'] : [])]);
}

/**
 * healthy mode, outside the container's lock (the checks take it): waits
 * until the check passes, then READY=1. Gives up silently when the container
 * stops running or is removed (the unit then fails its start timeout).
 */
export async function waitHealthyAndNotify(e: EngineContext, id: string, poll = 250): Promise<void> {
  for (;;) {
    const c = e.db.get(id);
    if (!c || notifyMode(c.config.intent) !== 'healthy') return;
    if (c.state.health?.status === 'healthy') {
      sdNotify(c.config.intent.sdNotifySocket, ['READY=1']);
      return;
    }
    if (c.state.status !== 'running' || e.readExit(id)) return;
    await new Promise((r) => setTimeout(r, poll));
  }
}
