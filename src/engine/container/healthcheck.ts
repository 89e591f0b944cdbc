// One run of a container's health check (`healthcheck run`, which the
// container's timer calls on schedule; see health-timer.ts): the
// test runs as an exec session, killed once the check's timeout passes;
// the result is folded into the container's health state as Podman does
// (libpod/healthcheck.go): a success makes it healthy and resets the
// failing streak, a failure outside the start period adds to the streak,
// which at `retries` makes it unhealthy. A change of status is a
// health_status event; an unhealthy container gets the on-failure action.
import { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { HuskError, containerState } from '../../common/errors.ts';
import { formatDuration } from '../../specgen/duration.ts';
import { healthArgv, type ResolvedHealthcheck } from '../../specgen/health.ts';
import type { EngineContext } from '../context.ts';
import type { Container, HealthLogEntry, HealthStatus } from '../types.ts';
import type { HealthcheckReport } from './api.ts';
import { createExec, startExec } from './exec.ts';
import { healthcheckOf, inStartup, startHealthTimer, stopHealthTimer } from './health-timer.ts';
import { getContainer, killContainer, startLocked, stopContainer, syncState } from './lifecycle.ts';
import { isoTime } from '../../common/isotime.ts';

/** Runs kept in the health log, and characters of output kept per run (Podman's defaults). */
const MAX_LOG = 5;
const MAX_OUTPUT = 500;
/** Exec failures that count as a failed check rather than an error (Podman: the OCI runtime's). */
const FAILED_RUN = new Set(['CMD_NOT_FOUND', 'CMD_CANNOT_INVOKE', 'RUNTIME']);

export async function runHealthcheck(e: EngineContext, ref: string): Promise<HealthcheckReport> {
  const c = syncState(e, getContainer(e, ref));
  const id = c.config.id;
  if (c.state.status !== 'running') throw containerState(`container ${id} is not running`);
  const hc = healthcheckOf(c);
  const argv = hc && healthArgv(hc.test);
  if (!hc || !argv?.length || !argv[0]) throw containerState(`container ${id} has no defined healthcheck`);
  if (inStartup(c)) return runStartup(e, c, hc);

  const start = new Date();
  const run = await execCheck(e, id, argv, hc.timeout);
  const end = new Date();
  const timedOut = run.timedOut || end.getTime() - start.getTime() > hc.timeout / 1e6;
  const entry: HealthLogEntry = {
    start: isoTime(start), end: isoTime(end),
    // Podman records 1 for any failure, -1 for a timeout.
    exitCode: timedOut ? -1 : run.exitCode === 0 ? 0 : 1,
    output: run.output.replace(/\n+$/, '').slice(0, MAX_OUTPUT),
  };
  const inStartPeriod = hc.startPeriod > 0 && start.getTime() < Date.parse(c.state.startedAt) + hc.startPeriod / 1e6;
  const health = record(e, c, hc, entry, inStartPeriod);
  if (health.status === 'unhealthy') await onFailure(e, id, hc);
  if (timedOut) throw new HuskError('RUNTIME', `healthcheck command exceeded timeout of ${formatDuration(hc.timeout)}`);
  return { status: entry.exitCode === 0 ? 'healthy' : 'unhealthy', health };
}

/**
 * One run of the startup check: successes in a row up to its `successes`
 * end the startup phase (the timer is replaced by one at the regular
 * check's interval); failures in a row up to its `retries` (if set)
 * restart the container, which starts the phase again. The health stays
 * `starting` throughout; the runs are logged like the regular ones.
 */
async function runStartup(e: EngineContext, c: Container, hc: ResolvedHealthcheck): Promise<HealthcheckReport> {
  const st = hc.startup!;
  const id = c.config.id;
  const start = new Date();
  const run = await execCheck(e, id, healthArgv(st.test), st.timeout);
  const end = new Date();
  const timedOut = run.timedOut || end.getTime() - start.getTime() > st.timeout / 1e6;
  const ok = !timedOut && run.exitCode === 0;
  const entry: HealthLogEntry = {
    start: isoTime(start), end: isoTime(end), exitCode: timedOut ? -1 : ok ? 0 : 1,
    output: run.output.replace(/\n+$/, '').slice(0, MAX_OUTPUT),
  };
  let passed = false;
  let restartNow = false;
  const s = e.db.updateState(id, (s) => {
    const h = s.health ?? { status: 'starting', failingStreak: 0, log: [] };
    const p = h.startup ?? { passed: false, successes: 0, failures: 0 };
    if (ok) {
      p.successes++;
      p.failures = 0;
      passed = p.successes >= Math.max(1, st.successes);
      p.passed = passed;
    } else {
      p.failures++;
      p.successes = 0;
      restartNow = st.retries > 0 && p.failures >= st.retries;
    }
    h.startup = p;
    h.log = [...h.log, entry].slice(-MAX_LOG);
    s.health = h;
  });
  if (passed) {
    // The regular check takes over, on its own schedule (started first: the old
    // systemd timer may be this run's, which then ends once it is stopped).
    const timer = startHealthTimer(e, { config: c.config, state: s });
    stopHealthTimer(id, s);
    e.db.updateState(id, (s) => {
      delete s.healthTimerPid;
      delete s.healthTimerUnit;
      Object.assign(s, timer);
    });
  }
  if (restartNow) {
    try {
      await restart(e, id);
    } catch (err) {
      throw new HuskError(err instanceof HuskError ? err.code : 'ENGINE', `restarting container after the startup health check failed: ${(err as Error).message}`);
    }
  }
  if (timedOut) throw new HuskError('RUNTIME', `startup healthcheck command exceeded timeout of ${formatDuration(st.timeout)}`);
  return { status: ok ? 'healthy' : 'unhealthy', health: s.health! };
}

/** Runs argv in the container as an exec session; output is stdout and stderr together. */
async function execCheck(e: EngineContext, id: string, argv: string[], timeoutNs: number): Promise<{ exitCode: number; output: string; timedOut: boolean }> {
  const chunks: Buffer[] = [];
  let size = 0;
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      if (size < MAX_OUTPUT * 4) chunks.push(Buffer.from(chunk));
      size += chunk.length;
      cb();
    },
  });
  const output = () => Buffer.concat(chunks).toString('utf8');
  let timedOut = false;
  try {
    const session = createExec(e, id, { command: argv, autoRemove: true });
    const stop = new AbortController();
    void sleep(Math.max(1, timeoutNs / 1e6), undefined, { signal: stop.signal, ref: false }).then(() => {
      timedOut = true;
      return killSession(e, session, stop.signal);
    }, () => {});
    try {
      const code = await startExec(e, session, { stdout: sink, stderr: sink });
      return { exitCode: code ?? -1, output: output(), timedOut };
    } finally {
      stop.abort();
    }
  } catch (err) {
    if (!(err instanceof HuskError && FAILED_RUN.has(err.code))) throw err;
    return { exitCode: 1, output: [output(), err.message].filter(Boolean).join('\n'), timedOut };
  }
}

/** Kills a session's process once it has one (it may still be starting when the timeout passes). */
async function killSession(e: EngineContext, session: string, done: AbortSignal): Promise<void> {
  while (!done.aborted) {
    const s = e.db.getExecSession(session);
    if (!s || s.state === 'stopped') return;
    if (s.pid) {
      try { process.kill(s.pid, 'SIGKILL'); } catch {}
      return;
    }
    await sleep(10, undefined, { ref: false });
  }
}

/** Folds one run into the stored health (one transaction); emits health_status when the status changed. */
function record(e: EngineContext, c: Container, hc: ResolvedHealthcheck, entry: HealthLogEntry, inStartPeriod: boolean) {
  let before: HealthStatus | undefined;
  const s = e.db.updateState(c.config.id, (s) => {
    const h = s.health ?? { status: 'starting', failingStreak: 0, log: [] };
    before = s.health?.status;
    if (entry.exitCode === 0) {
      h.status = 'healthy';
      h.failingStreak = 0;
    } else if (!inStartPeriod) {
      h.failingStreak++;
      if (h.failingStreak >= hc.retries) h.status = 'unhealthy';
    }
    h.log = [...h.log, entry].slice(-MAX_LOG);
    s.health = h;
  });
  const health = s.health!;
  if (health.status !== before) {
    e.events.write({ ID: c.config.id, Name: c.config.name, Image: c.config.imageName, Status: 'health_status', Type: 'container', HealthStatus: health.status });
  }
  return health;
}

/** Podman's --health-on-failure actions, with its messages. */
async function onFailure(e: EngineContext, id: string, hc: ResolvedHealthcheck): Promise<void> {
  const act = async (what: string, fn: () => Promise<unknown>) => {
    try {
      await fn();
    } catch (err) {
      throw new HuskError(err instanceof HuskError ? err.code : 'ENGINE', `${what}: ${(err as Error).message}`);
    }
  };
  switch (hc.onFailure) {
    case 'kill': return act('killing container health-check turned unhealthy', () => killContainer(e, id, 'SIGKILL'));
    case 'stop': return act('stopping container after health-check turned unhealthy', () => stopContainer(e, id));
    case 'restart': return act('restarting container after health-check turned unhealthy', () => restart(e, id));
    default:
  }
}

/**
 * stop, then a start that counts as a restart (as Podman's, which leaves it
 * to the restart path): RestartCount grows, a `restart` event follows the start.
 */
async function restart(e: EngineContext, id: string): Promise<void> {
  await stopContainer(e, id);
  const c = await e.withContainerLock(id, () => startLocked(e, id, { byPolicy: true }));
  e.events.write({ ID: id, Name: c.config.name, Image: c.config.imageName, Status: 'restart', Type: 'container' });
}
