// Units under a real systemd: systemd from the Debian fixture boots in a
// --privileged --systemd=always container, with husk (this checkout), the
// host's conmon and runc, and a store directory bind-mounted in. Inside, a
// `generate systemd --new` unit and a Quadlet .container are started and
// stopped with systemctl, as on a host where systemd is PID 1.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { REPO, Store, until } from '../helpers.ts';
import { bootSystemd, innerStore, stopSystemd } from './debian.ts';

const s = new Store();
const { G } = innerStore(s);

/** A shell command inside the systemd container; returns stdout (trimmed), throws on failure. */
function sh(script: string): string {
  const r = s.husk(['exec', 'sysd', 'sh', '-c', script], { timeout: 120_000 });
  if (r.code !== 0) throw new Error(`exit ${r.code}: ${script}\n${r.stdout}${r.stderr}`);
  return r.stdout.trim();
}

before(() => bootSystemd(s, ['/usr/bin/catatonit']));
after(() => stopSystemd(s));

test('a generate systemd --new unit reaches active under systemd (MAINPID = conmon) and systemctl stop removes the container', () => {
  // busybox sleep as PID 1 ignores SIGTERM: a short stop timeout keeps the test quick.
  sh(`husk ${G} create --name web --network none --stop-timeout 2 busybox sleep 1000 >/dev/null`);
  sh(`cd /etc/systemd/system && husk ${G} generate systemd --new --files --name web >/dev/null && husk ${G} rm web >/dev/null`);
  sh('systemctl daemon-reload && systemctl start container-web.service');
  assert.equal(sh('systemctl is-active container-web.service'), 'active');
  assert.equal(sh(`husk ${G} ps --format '{{.Names}} {{.Status}}'`).split(' ')[0], 'web');
  const conmon = sh(`husk ${G} inspect --format '{{.State.ConmonPid}}' web`);
  assert.equal(sh('systemctl show -p MainPID --value container-web.service'), conmon, 'systemd tracks conmon, from --sdnotify=conmon');
  assert.equal(sh('systemctl show -p Type --value container-web.service'), 'notify');
  assert.match(sh('systemctl cat container-web.service'), /^ExecStop=\S+husk .* stop \\\n\t--ignore -t 2 \\\n\t--cidfile=%t\/%n\.ctr-id$/m);
  sh('systemctl stop container-web.service');
  // The main process (conmon) exits with the container's status (137 after the SIGKILL): inactive or failed, never active.
  assert.match(sh('systemctl is-active container-web.service || true'), /^(inactive|failed)$/);
  assert.equal(sh(`husk ${G} ps -a --format '{{.Names}}'`), '', 'ExecStopPost removed it');
});

test('a Quadlet .container becomes a unit through the generator and runs under systemd', () => {
  sh(`ln -sf ${join(REPO, 'bin/husk-quadlet-generator')} /usr/lib/systemd/system-generators/husk-system-generator && mkdir -p /etc/containers/systemd`);
  sh(`printf '%s\\n' '[Container]' 'Image=localhost/busybox' 'Exec=sleep 1000' 'Network=none' 'GlobalArgs=${G}' > /etc/containers/systemd/q.container`);
  sh('systemctl daemon-reload && systemctl start q.service');
  assert.equal(sh('systemctl is-active q.service'), 'active');
  assert.match(sh('systemctl show -p SourcePath --value q.service'), /\/etc\/containers\/systemd\/q\.container$/);
  assert.equal(sh(`husk ${G} ps --format '{{.Names}}'`), 'systemd-q');
  assert.equal(sh('systemctl show -p MainPID --value q.service'), sh(`husk ${G} inspect --format '{{.State.ConmonPid}}' systemd-q`));
  sh('systemctl stop q.service');
  assert.equal(sh(`husk ${G} ps -a --format '{{.Names}}'`), '');
});

test('generate systemd --new units of a pod run under systemd: starting the pod unit starts its member, stopping it removes both', async () => {
  sh(`husk ${G} pod create --name pp --network none >/dev/null && husk ${G} create --pod pp --name pm --stop-timeout 1 busybox sleep 1000 >/dev/null`);
  sh(`cd /etc/systemd/system && husk ${G} generate systemd --new --files --name pp >/dev/null && husk ${G} pod rm -f pp >/dev/null`);
  sh('systemctl daemon-reload && systemctl start pod-pp.service');
  assert.equal(sh('systemctl is-active pod-pp.service'), 'active');
  // Wants= queues the member's start; systemctl does not wait for it.
  await until(() => sh('systemctl is-active container-pm.service || true') === 'active', 60_000, 500);
  const infra = sh(`husk ${G} pod inspect --format '{{.InfraContainerID}}' pp`);
  assert.equal(sh('systemctl show -p MainPID --value pod-pp.service'), sh(`husk ${G} inspect --format '{{.State.ConmonPid}}' ${infra}`), 'PIDFile= names the infra conmon');
  assert.equal(sh(`husk ${G} inspect --format '{{.State.Status}}' pm`), 'running');
  sh('systemctl stop pod-pp.service');
  assert.match(sh('systemctl is-active container-pm.service || true'), /^(inactive|failed)$/, 'BindsTo= stopped the member');
  assert.equal(sh(`husk ${G} pod ls -q; husk ${G} ps -aq`), '', 'pod and member removed');
});

test('auto-update under systemd restarts the container\'s unit (PODMAN_SYSTEMD_UNIT label) onto the new local image, and rolls a broken one back', () => {
  sh(`husk ${G} tag busybox localhost/au:latest && husk ${G} create --name au --network none --stop-timeout 1 --label io.containers.autoupdate=local localhost/au:latest sleep 1000 >/dev/null`);
  sh(`cd /etc/systemd/system && husk ${G} generate systemd --new --files --name au >/dev/null && husk ${G} rm au >/dev/null`);
  sh('systemctl daemon-reload && systemctl start container-au.service');
  const before = sh(`husk ${G} inspect --format '{{.Id}} {{index .Config.Labels "PODMAN_SYSTEMD_UNIT"}}' au`).split(' ');
  assert.equal(before[1], 'container-au.service', 'the unit\'s PODMAN_SYSTEMD_UNIT became a label');
  // A local rebuild under the same name.
  sh(`husk ${G} run --name mk --network none busybox sh -c 'echo new > /version' && husk ${G} commit -q mk localhost/au:latest >/dev/null && husk ${G} rm mk >/dev/null`);
  assert.equal(sh(`husk ${G} auto-update --format '{{.Unit}},{{.ContainerName}},{{.Policy}},{{.Updated}}'`), 'container-au.service,au,local,true');
  assert.equal(sh('systemctl is-active container-au.service'), 'active');
  const after = sh(`husk ${G} inspect --format '{{.Id}}' au`);
  assert.notEqual(after, before[0], 'the unit ran a fresh container');
  assert.equal(sh(`husk ${G} exec au cat /version`), 'new');
  // A broken rebuild (no such entrypoint): `systemctl restart` fails, the name goes back, the unit runs the previous image again.
  const good = sh(`husk ${G} image inspect --format '{{.Id}}' localhost/au:latest`);
  sh(`husk ${G} run --name mk2 --network none busybox true && husk ${G} commit -q --change 'ENTRYPOINT ["/nonexistent"]' mk2 localhost/au:latest >/dev/null && husk ${G} rm mk2 >/dev/null`);
  assert.equal(sh(`husk ${G} auto-update --format '{{.Unit}},{{.ContainerName}},{{.Policy}},{{.Updated}}'`), 'container-au.service,au,local,rolled back');
  assert.equal(sh('systemctl is-active container-au.service'), 'active');
  assert.equal(sh(`husk ${G} image inspect --format '{{.Id}}' localhost/au:latest`), good);
  assert.equal(sh(`husk ${G} exec au cat /version`), 'new');
  sh('systemctl stop container-au.service');
});
