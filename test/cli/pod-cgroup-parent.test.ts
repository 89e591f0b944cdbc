// pod create --cgroup-parent: Podman's cgroupfs layout, read from /proc/PID/cgroup
// of real processes: the pod's cgroup is PARENT/POD_ID, each member (infra
// included) runs in PARENT/POD_ID/husk-CTR_ID and its conmon in PARENT/POD_ID/conmon.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, rmdirSync } from 'node:fs';
import { Store } from '../helpers.ts';

const s = new Store();
const parent = `/husk-test-pcp-${process.pid}`;
before(() => s.busybox());
after(async () => {
  await s.destroyWhenIdle();
  // The parent stays after pod rm, as Podman's: remove it in every hierarchy.
  for (const h of readdirSync('/sys/fs/cgroup')) try { rmdirSync(`/sys/fs/cgroup/${h}${parent}`); } catch {}
  for (const h of readdirSync('/sys/fs/cgroup')) try { rmdirSync(`/sys/fs/cgroup/${h}/husk-test-rel-${process.pid}`); } catch {}
});

/** PID's cgroup path in the v1 hierarchies of these controllers (the same in each). */
function cgroupOf(pid: string, controllers = ['pids', 'memory', 'cpu', 'freezer']): string {
  const paths = new Set<string>();
  for (const line of readFileSync(`/proc/${pid}/cgroup`, 'utf8').trim().split('\n')) {
    const [, ctl, path] = /^\d+:([^:]*):(.*)$/.exec(line)!;
    if (ctl!.split(',').some((c) => controllers.includes(c))) paths.add(path!);
  }
  assert.equal(paths.size, 1, `one path in ${controllers}: ${[...paths]}`);
  return [...paths][0]!;
}

test('infra, a member and their conmons run under PARENT/POD_ID; inspect shows it; a limit lands there; pod rm removes the pod cgroup', () => {
  const pod = s.ok(['pod', 'create', '--cgroup-parent', parent, '--name', 'cgp']);
  const member = s.ok(['run', '-d', '--pod', 'cgp', '--name', 'cgm', '--memory', '64m', 'busybox', 'sleep', '1000']);
  const infra = s.ok(['pod', 'inspect', '--format', '{{.InfraContainerId}}', 'cgp']);
  const podPath = `${parent}/${pod}`;
  for (const id of [infra, member]) {
    const [pid, conmon] = s.ok(['inspect', '--format', '{{.State.Pid}} {{.State.ConmonPid}}', id]).split(' ');
    assert.equal(cgroupOf(pid!), `${podPath}/husk-${id}`);
    assert.equal(cgroupOf(conmon!), `${podPath}/conmon`);
    assert.equal(s.ok(['inspect', '--format', '{{.HostConfig.CgroupParent}}', id]), podPath);
  }
  assert.equal(s.ok(['pod', 'inspect', '--format', '{{.CgroupParent}} {{.CgroupPath}}', 'cgp']), `${parent} ${podPath}`);
  // The runtime made the cgroup there, with the member's limit.
  assert.equal(readFileSync(`/sys/fs/cgroup/memory${podPath}/husk-${member}/memory.limit_in_bytes`, 'utf8').trim(), String(64 << 20));
  // stats reads the cgroup where it is.
  assert.match(s.ok(['stats', '--no-stream', '--format', '{{.MemUsage}}', 'cgm']), / \/ 67\.1 MB$/);
  s.ok(['pod', 'rm', '-f', '-t', '0', 'cgp']);
  assert.equal(existsSync(`/sys/fs/cgroup/pids${podPath}`), false, 'the pod cgroup is gone');
  assert.equal(existsSync(`/sys/fs/cgroup/pids${parent}`), true, 'the parent stays, as Podman\'s');
});

test('without an infra container the members still go under the pod\'s cgroup; a relative parent is taken from the root; pod clone keeps it', () => {
  const pod = s.ok(['pod', 'create', '--infra=false', '--cgroup-parent', `husk-test-rel-${process.pid}`, '--name', 'noinfra']);
  const id = s.ok(['run', '-d', '--pod', 'noinfra', 'busybox', 'sleep', '1000']);
  const pid = s.ok(['inspect', '--format', '{{.State.Pid}}', id]);
  assert.equal(cgroupOf(pid), `/husk-test-rel-${process.pid}/${pod}/husk-${id}`);
  // pod clone keeps the parent; the copy has a cgroup of its own under it.
  const copy = s.ok(['pod', 'clone', '--start', 'noinfra']);
  const copied = s.ok(['ps', '-q', '--no-trunc', '--filter', `pod=${copy}`]);
  assert.equal(cgroupOf(s.ok(['inspect', '--format', '{{.State.Pid}}', copied])), `/husk-test-rel-${process.pid}/${copy}/husk-${copied}`);
  s.ok(['pod', 'rm', '-f', '-t', '0', 'noinfra', copy]);
});

test('a systemd slice is refused with Podman\'s message (husk is a cgroupfs manager); a pod without the flag keeps husk\'s own layout', () => {
  const r = s.husk(['pod', 'create', '--cgroup-parent', 'machine.slice']);
  assert.equal(r.code, 125);
  assert.equal(r.stderr, 'Error: systemd slice received as cgroup parent when using cgroupfs: invalid argument\n');
  s.ok(['pod', 'create', '--name', 'plain']);
  const id = s.ok(['run', '-d', '--pod', 'plain', 'busybox', 'sleep', '1000']);
  assert.equal(cgroupOf(s.ok(['inspect', '--format', '{{.State.Pid}}', id])), `/husk/husk-${id}`);
  assert.equal(s.ok(['pod', 'inspect', '--format', '{{.CgroupParent}}|{{.CgroupPath}}', 'plain']), '|');
});
