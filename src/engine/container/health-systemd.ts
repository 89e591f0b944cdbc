// The systemd back end of the health check's schedule, as Podman's
// (libpod/healthcheck_linux.go): where systemd is PID 1 and husk can talk
// to a manager, a container's check is a transient timer + service pair,
// `systemd-run --unit ID-RANDOM --on-unit-inactive=INTERVAL husk ...
// healthcheck run ID`, made when the container starts and stopped at its
// cleanup. No process of husk's stays between runs; systemd is the clock.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** `--user` for a rootless husk: its checks go to the user's manager. */
function scope(): string[] {
  return process.getuid?.() === 0 ? [] : ['--user'];
}

/**
 * Whether checks go to systemd: booted with it (sd_booted(3), Podman's
 * RunsOnSystemd: /run/systemd/system is a directory), a manager to talk to
 * (root: the system manager's private socket; rootless: the user manager's,
 * only when one runs), and not turned off with DISABLE_HC_SYSTEMD=true
 * (Podman's switch; husk then uses its own timer process).
 */
export function systemdTimersAvailable(enabled: boolean): boolean {
  if (!enabled) return false;
  try {
    if (!statSync('/run/systemd/system').isDirectory()) return false;
  } catch {
    return false;
  }
  if (process.getuid?.() === 0) return existsSync('/run/systemd/private');
  const xdg = process.env.XDG_RUNTIME_DIR;
  return !!xdg && existsSync(join(xdg, 'systemd/private'));
}

/**
 * Creates and starts the timer; returns the unit's name (without suffix),
 * or undefined when systemd-run failed (the caller falls back).
 */
export function startSystemdTimer(id: string, intervalNs: number, argv: string[], conmonPid: number): string | undefined {
  // A start from one of this container's check runs (an on-failure or startup-retries restart) spawned
  // conmon in that run's cgroup, where it would keep the finished run's unit loaded: conmon moves to a
  // scope of its own, as Podman's does (libpod-conmon-ID.scope).
  if (ownUnit()?.startsWith(`${id}-`)) adoptIntoScope(`husk-conmon-${id}-${randomBytes(4).toString('hex')}.scope`, conmonPid);
  // A fresh name per start: systemd dislikes a transient unit re-created at once under the same name (Podman's reason too).
  const unit = `${id}-${randomBytes(8).toString('hex')}`;
  const r = spawnSync('systemd-run', [
    ...scope(), '--quiet', '--unit', unit,
    `--on-unit-inactive=${Math.max(1, Math.round(intervalNs / 1e3))}us`, '--timer-property=AccuracySec=1s',
    // Each run logs only above notice; short intervals must not hit the start rate limit (as Podman).
    '--property=LogLevelMax=notice', '--property=StartLimitIntervalSec=0',
    // A failed run (unhealthy: exit 1) is unloaded with the timer instead of lingering as a failed unit.
    '--property=CollectMode=inactive-or-failed',
    // A run that restarts the container (on-failure, startup retries) starts conmon in this unit's
    // cgroup; it moves to a scope (below), and should that fail it must still outlive the run.
    '--property=KillMode=process',
    ...(process.env.PATH ? [`--setenv=PATH=${process.env.PATH}`] : []),
    ...argv,
  ], { stdio: ['ignore', 'ignore', 'pipe'], timeout: 30_000 });
  if (r.status !== 0) return undefined;
  // OnUnitInactiveSec counts from the service's last run: start it once now, so the first check runs at
  // the start (as Podman's startTimer); failures in the start period do not count (healthcheck.ts).
  spawnSync('systemctl', [...scope(), 'start', '--no-block', `${unit}.service`], { stdio: 'ignore', timeout: 30_000 });
  return unit;
}

/**
 * Stops a container's timer and its service (transient units are then
 * unloaded). Called from the service itself (an on-failure stop or restart,
 * a passed startup check), only the timer is stopped: the run ends by itself.
 */
export function stopSystemdTimer(unit: string): void {
  const self = ownUnit() === `${unit}.service`;
  spawnSync('systemctl', [...scope(), 'stop', `${unit}.timer`, ...(self ? [] : [`${unit}.service`])], { stdio: 'ignore', timeout: 60_000 });
}

/**
 * Moves pid into a new transient scope: systemd's StartTransientUnit with
 * PIDs, over D-Bus (the private socket refuses busctl's bus handshake), so
 * this needs a bus; without one the pid stays where it is.
 */
function adoptIntoScope(name: string, pid: number): void {
  spawnSync('busctl', [
    ...scope(), 'call', 'org.freedesktop.systemd1', '/org/freedesktop/systemd1', 'org.freedesktop.systemd1.Manager',
    'StartTransientUnit', 'ssa(sv)a(sa(sv))', name, 'fail', '1', 'PIDs', 'au', '1', String(pid), '0',
  ], { stdio: 'ignore', timeout: 30_000 });
}

/** The systemd unit this process runs in (the last part of its cgroup path). */
function ownUnit(): string | undefined {
  try {
    // cgroup v1: the name=systemd hierarchy; v2: the unified one.
    const lines = readFileSync('/proc/self/cgroup', 'utf8').split('\n');
    const line = lines.find((l) => l.includes(':name=systemd:')) ?? lines.find((l) => l.startsWith('0::'));
    return line?.slice(line.lastIndexOf('/') + 1);
  } catch {
    return undefined;
  }
}
