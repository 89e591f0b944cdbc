// Health checks where systemd is PID 1: husk inside the Debian fixture's
// systemd (a --privileged --systemd=always container, set up as in
// under-systemd.test.ts) hands a container's check to a transient systemd
// timer + service pair, as Podman does, instead of its own timer process;
// the units go away with the container. DISABLE_HC_SYSTEMD=true falls back
// to the timer process.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Store, until } from '../helpers.ts';
import { bootSystemd, innerStore, stopSystemd } from './debian.ts';

const s = new Store();
const { inner, G } = innerStore(s);

/** A shell command inside the systemd container; returns stdout (trimmed), throws on failure. */
function sh(script: string): string {
  const r = s.husk(['exec', 'sysd', 'sh', '-c', script], { timeout: 120_000 });
  if (r.code !== 0) throw new Error(`exit ${r.code}: ${script}\n${r.stdout}${r.stderr}`);
  return r.stdout.trim();
}

/** The container's health-check units (loaded, whatever their state): "NAME.service", "NAME.timer". */
function units(id: string): string[] {
  return sh(`systemctl list-units --all --no-legend --plain '${id}*' | cut -d' ' -f1`).split('\n').filter(Boolean).sort();
}

/** Processes inside whose argv names husk's own timer loop (the [c] keeps grep itself out). */
function timerProcesses(): string {
  return sh("grep -l 'husk-health[c]heck' /proc/[0-9]*/cmdline 2>/dev/null || true");
}

const health = (name: string) => sh(`husk ${G} inspect --format '{{.State.Health.Status}}' ${name}`);

before(() => bootSystemd(s));
after(() => stopSystemd(s));

test('under systemd a check runs from a transient timer: healthy, then unhealthy with the event, and rm -f removes the units', async () => {
  const id = sh(`husk ${G} run -d --name hc --network none --health-cmd 'test ! -e /tmp/bad' --health-interval 1s --health-retries 2 busybox sleep 1000`);
  const [service, timer] = units(id);
  assert.match(timer, new RegExp(`^${id}-[0-9a-f]{16}\\.timer$`), `units: ${units(id).join(', ')}`);
  assert.equal(service, timer.replace(/\.timer$/, '.service'));
  assert.equal(sh(`systemctl is-active ${timer}`), 'active');
  assert.match(sh(`systemctl list-timers --all --no-legend ${timer}`), new RegExp(`${timer}\\s+${service}`));
  assert.equal(sh(`systemctl show -p TimersMonotonic --value ${timer}`).match(/OnUnitInactiveUSec/)?.[0], 'OnUnitInactiveUSec');
  assert.match(sh(`systemctl show -p ExecStart --value ${service}`), new RegExp(`--root ${inner}/root .*healthcheck run ${id} `));
  assert.equal(timerProcesses(), '', 'no timer process of husk\'s own');

  await until(() => health('hc') === 'healthy', 60_000, 500);
  sh(`husk ${G} exec hc touch /tmp/bad`);
  await until(() => health('hc') === 'unhealthy', 60_000, 500);
  const events = sh(`husk ${G} events --stream=false --filter event=health_status --filter container=hc --format '{{.HealthStatus}}'`).split('\n');
  assert.deepEqual(events, ['healthy', 'unhealthy']);
  // Failed runs (exit 1) keep the schedule going.
  const runs = JSON.parse(sh(`husk ${G} inspect --format '{{json .State.Health.Log}}' hc`)).length;
  assert.ok(runs >= 3, `runs logged: ${runs}`);
  assert.equal(sh(`systemctl is-active ${timer}`), 'active');

  sh(`husk ${G} rm -f -t0 hc >/dev/null`);
  assert.deepEqual(units(id), [], 'timer and service gone');
  assert.equal(sh(`systemctl list-timers --all --no-legend '${id}*'`), '');
});

test('under systemd a startup check has its own timer, replaced by the regular one once it passes; stop removes it', async () => {
  const id = sh(`husk ${G} run -d --name st --network none --health-cmd true --health-interval 1s --health-startup-cmd 'test -e /tmp/up' --health-startup-interval 1s busybox sleep 1000`);
  const [, first] = units(id);
  assert.match(first, /\.timer$/);
  await until(() => JSON.parse(sh(`husk ${G} inspect --format '{{json .State.Health.Log}}' st`) || 'null')?.length >= 1, 60_000, 500);
  assert.equal(health('st'), 'starting');
  sh(`husk ${G} exec st touch /tmp/up`);
  await until(() => health('st') === 'healthy', 60_000, 500);
  await until(() => !units(id).includes(first), 30_000, 500);
  const [, second] = units(id);
  assert.match(second ?? '', new RegExp(`^${id}-[0-9a-f]{16}\\.timer$`), `units: ${units(id).join(', ')}`);
  assert.notEqual(second, first);
  assert.equal(timerProcesses(), '');
  sh(`husk ${G} stop -t0 st >/dev/null`);
  assert.deepEqual(units(id), [], 'stop removed the units');
  sh(`husk ${G} rm st >/dev/null`);
});

test('under systemd --health-on-failure=restart, run from the check\'s own unit, leaves the container running under a new timer', async () => {
  // Each start clears the flag the check fails on.
  const id = sh(`husk ${G} run -d --name rs --network none --stop-timeout 1 --health-cmd 'test ! -e /tmp/bad' --health-interval 1s --health-retries 1 --health-on-failure restart busybox sh -c 'rm -f /tmp/bad; exec sleep 1000'`);
  const [, first] = units(id);
  const conmon = sh(`husk ${G} inspect --format '{{.State.ConmonPid}}' rs`);
  await until(() => health('rs') === 'healthy', 60_000, 500);
  sh(`husk ${G} exec rs touch /tmp/bad`);
  await until(() => sh(`husk ${G} inspect --format '{{.RestartCount}}' rs`) === '1', 60_000, 500);
  await until(() => health('rs') === 'healthy', 60_000, 500);
  // The run that restarted it has ended: conmon, started from that run's unit, lives on.
  await until(() => !units(id).includes(first), 30_000, 500);
  assert.equal(sh(`husk ${G} inspect --format '{{.State.Status}}' rs`), 'running');
  const conmon2 = sh(`husk ${G} inspect --format '{{.State.ConmonPid}}' rs`);
  assert.notEqual(conmon2, conmon);
  assert.equal(sh(`kill -0 ${conmon2} && echo alive`), 'alive');
  assert.equal(units(id).length, 2, `units: ${units(id).join(', ')}`);
  assert.match(sh(`cat /proc/${conmon2}/cgroup`), new RegExp(`/husk-conmon-${id}-[0-9a-f]{8}\\.scope$`, 'm'), 'conmon moved to a scope of its own');
  assert.equal(sh(`husk ${G} exec rs echo ok`), 'ok');
  sh(`husk ${G} rm -f -t0 rs >/dev/null`);
  assert.deepEqual(units(id), []);
});

test('under systemd DISABLE_HC_SYSTEMD=true (Podman\'s switch) falls back to husk\'s own timer process', async () => {
  const id = sh(`DISABLE_HC_SYSTEMD=true husk ${G} run -d --name nt --network none --health-cmd true --health-interval 1s busybox sleep 1000`);
  assert.deepEqual(units(id), []);
  assert.notEqual(timerProcesses(), '');
  await until(() => health('nt') === 'healthy', 60_000, 500);
  sh(`husk ${G} rm -f -t0 nt >/dev/null`);
  assert.equal(timerProcesses(), '');
});
