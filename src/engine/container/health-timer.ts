// The health check's schedule, with no daemon and no resident Node process:
// when a container with a check starts, husk spawns one small timer process
// for it, a POSIX shell loop in its own session that sleeps the interval and
// runs `husk healthcheck run ID` (a short-lived Node process) while the
// container's conmon lives. Its pid is kept in the container's state;
// cleanup (exit, stop, rm) kills its process group, and the loop also ends
// by itself once conmon is gone. Where systemd is PID 1, the schedule is a
// transient systemd timer instead, as Podman's (health-systemd.ts,
// docs/healthchecks.md).
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolveHealthcheck, type ResolvedHealthcheck } from '../../specgen/health.ts';
import type { EngineContext } from '../context.ts';
import type { Container, ContainerState } from '../types.ts';
import { startSystemdTimer, stopSystemdTimer, systemdTimersAvailable } from './health-systemd.ts';

/** Where a container's running timer is kept in its state: a systemd unit's name or the timer process's pid. */
export type HealthTimer = Pick<ContainerState, 'healthTimerPid' | 'healthTimerUnit'>;

/** argv[0] of the loop ($0 of sh -c): how a timer is recognised before it is killed. */
const NAME = 'husk-healthcheck';
// $1 interval in seconds, $2 conmon's pid, the rest: the husk command to run.
const LOOP = 'i=$1 p=$2; shift 2; while sleep "$i"; do kill -0 "$p" 2>/dev/null || exit 0; "$@" </dev/null >/dev/null 2>&1; done';

/** The check a container runs (containers created before checks ran have only the spec's). */
export function healthcheckOf(c: Container): ResolvedHealthcheck | undefined {
  if (c.config.healthcheck) return c.config.healthcheck;
  try {
    return c.config.intent.healthcheck?.test.length ? resolveHealthcheck(c.config.intent.healthcheck, undefined) : undefined;
  } catch {
    return undefined;
  }
}

/** Whether the container's startup check has still to pass (it then runs instead of the regular one). */
export function inStartup(c: Container): boolean {
  return !!healthcheckOf(c)?.startup && !c.state.health?.startup?.passed;
}

/**
 * Starts the timer of a container that just started, at the startup
 * check's interval while it has to pass, else the check's: a systemd timer
 * where systemd can take it, else a timer process. Returns what to keep in
 * the state (none: no check, or no schedule).
 */
export function startHealthTimer(e: EngineContext, c: Container): HealthTimer | undefined {
  const hc = healthcheckOf(c);
  if (!hc || !c.state.conmonPid) return undefined;
  const interval = inStartup(c) ? hc.startup!.interval : hc.interval;
  if (interval < 0) return undefined;
  const run = e.huskCommand(['healthcheck', 'run', c.config.id]);
  if (systemdTimersAvailable(e.config.systemdHealthTimers)) {
    const unit = startSystemdTimer(c.config.id, interval, run, c.state.conmonPid);
    if (unit) return { healthTimerUnit: unit };
  }
  const seconds = String(Number((interval / 1e9).toFixed(3)) || 0.001);
  const argv = ['-c', LOOP, NAME, seconds, String(c.state.conmonPid), ...run];
  const child = spawn('/bin/sh', argv, { detached: true, stdio: 'ignore' });
  child.on('error', () => {}); // no /bin/sh: the container runs unchecked, as with no schedule
  child.unref();
  return child.pid ? { healthTimerPid: child.pid } : undefined;
}

/**
 * Stops a container's timer: its systemd units, or the timer process's
 * group (the loop and its sleep). Called from a `healthcheck run` the timer
 * started (an on-failure stop or restart), only the timer is stopped, not
 * the caller itself.
 */
export function stopHealthTimer(id: string, t: HealthTimer): void {
  if (t.healthTimerUnit) stopSystemdTimer(t.healthTimerUnit);
  const pid = t.healthTimerPid;
  if (!pid || !isTimerOf(pid, id)) return;
  try {
    process.kill(ownProcessGroup() === pid ? pid : -pid, 'SIGTERM');
  } catch {}
}

/** Whether pid is still the timer of container id (not a process that reused its pid). */
function isTimerOf(pid: number, id: string): boolean {
  try {
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    return argv[3] === NAME && argv.includes(id);
  } catch {
    return false;
  }
}

function ownProcessGroup(): number {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
  } catch {
    return 0;
  }
}
