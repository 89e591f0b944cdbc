// --log-driver=journald under a real journal: these hosts have no
// systemd-journald (PID 1 is not systemd), so systemd from the Debian fixture
// boots in a --privileged --systemd=always container (as under-systemd.test.ts
// does) and husk runs inside it, where conmon writes to that journal.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Store } from '../helpers.ts';
import { bootSystemd, innerStore, stopSystemd } from './debian.ts';

const s = new Store();
const { G } = innerStore(s);

function sh(script: string): { code: number; out: string; err: string } {
  const r = s.husk(['exec', 'sysd', 'sh', '-c', script], { timeout: 120_000 });
  return { code: r.code, out: r.stdout.trim(), err: r.stderr.trim() };
}
function ok(script: string): string {
  const r = sh(script);
  if (r.code !== 0) throw new Error(`exit ${r.code}: ${script}\n${r.out}\n${r.err}`);
  return r.out;
}

before(() => bootSystemd(s));
after(() => stopSystemd(s));

test('journald: lines land in the journal with conmon\'s fields, and logs reads them back (stdout, stderr, --tail, inspect)', () => {
  const id = ok(`husk ${G} run -d --name jl --network none --log-driver=journald busybox sh -c 'echo one; echo two >&2; printf three; sleep 0.2; echo " and more"; printf last'`);
  ok(`husk ${G} wait jl`);
  // The entries, as journalctl shows them (Podman's bats read them the same way).
  const entries = ok(`journalctl --sync; journalctl -o json CONTAINER_ID_FULL=${id}`).split('\n').map((l) => JSON.parse(l) as Record<string, string>);
  // conmon keeps a partial line until its newline comes, and sends what is left at the exit as partial.
  assert.deepEqual(entries.map((x) => x.MESSAGE?.replace(/\n$/, '')), ['one', 'two', 'three and more', 'last']);
  const first = entries[0]!;
  assert.equal(first.CONTAINER_ID, id.slice(0, 12));
  assert.equal(first.CONTAINER_NAME, 'jl');
  assert.equal(first.SYSLOG_IDENTIFIER, 'jl', 'without a tag, conmon names the entries after the container');
  assert.equal(first.PRIORITY, '6');
  assert.equal(entries[1]!.PRIORITY, '3', 'stderr at error priority');
  assert.equal(entries[2]!.CONTAINER_PARTIAL_MESSAGE, undefined);
  assert.equal(entries[3]!.CONTAINER_PARTIAL_MESSAGE, 'true', 'the last line had no newline');
  // logs: both streams on their own stream, the partial line joined.
  const r = sh(`husk ${G} logs jl 2>/tmp/err; echo "|"; cat /tmp/err`);
  assert.equal(r.out, 'one\nthree and more\nlast\n|\ntwo');
  assert.equal(ok(`husk ${G} logs --tail 2 jl 2>&1`), 'three and more\nlast');
  assert.match(ok(`husk ${G} logs -t --tail 1 jl`), /^\d{4}-\d\d-\d\dT[\d:.]+(Z|[+-][\d:]+) last$/);
  assert.equal(ok(`husk ${G} inspect --format '{{.HostConfig.LogConfig.Type}}|{{.HostConfig.LogConfig.Path}}' jl`), 'journald|', 'no log file, as Podman');
});

test('journald: --log-opt tag= becomes SYSLOG_IDENTIFIER and CONTAINER_TAG; the last --log-driver wins', () => {
  const id = ok(`husk ${G} run --name jt --network none --log-driver=none --log-driver=journald --log-opt tag=mytag busybox echo tagged`);
  assert.equal(id, 'tagged', 'run attached still shows the output');
  const full = ok(`husk ${G} inspect --format '{{.Id}}' jt`);
  const e = JSON.parse(ok(`journalctl --sync; journalctl -o json CONTAINER_ID_FULL=${full}`)) as Record<string, string>;
  assert.equal(e.SYSLOG_IDENTIFIER, 'mytag');
  assert.equal(e.CONTAINER_TAG, 'mytag');
  assert.equal(ok(`journalctl --output cat -t mytag`), 'tagged');
  assert.equal(ok(`husk ${G} inspect --format '{{.HostConfig.LogConfig.Tag}}' jt`), 'mytag');
});

test('journald: a --log-opt tag= Go template is rendered over the inspect data when conmon starts (Podman\'s getLogTag); inspect keeps it as typed', () => {
  const tmpl = '{{.Name}}.{{.ImageName}}.{{printf "%.12s" .ID}}.{{.Config.Hostname}}';
  ok(`husk ${G} run --name jtt --network none --log-driver=journald --log-opt 'tag=${tmpl}' busybox echo templated`);
  const [full, image, hostname] = ok(`husk ${G} inspect --format '{{.Id}} {{.ImageName}} {{.Config.Hostname}}' jtt`).split(' ');
  const want = `jtt.${image}.${full!.slice(0, 12)}.${hostname}`;
  assert.match(want, /^jtt\.\S+\.[0-9a-f]{12}\.[0-9a-f]{12}$/);
  const e = JSON.parse(ok(`journalctl --sync; journalctl -o json CONTAINER_ID_FULL=${full}`)) as Record<string, string>;
  assert.equal(e.MESSAGE?.replace(/\n$/, ''), 'templated');
  assert.equal(e.SYSLOG_IDENTIFIER, want);
  assert.equal(e.CONTAINER_TAG, want);
  assert.equal(ok(`husk ${G} inspect --format '{{.HostConfig.LogConfig.Tag}}' jtt`), tmpl);
  // A field inspect does not have, and a template that does not parse: the start fails (125) with Go's message.
  const bad = sh(`husk ${G} run --name jtb --network none --log-driver=journald --log-opt 'tag={{.Bogus}}' busybox true`);
  assert.equal(bad.code, 125);
  assert.match(bad.err, /^Error: template: container:1:2: executing "container" at <\.Bogus>: can't evaluate field Bogus/);
  const unparsed = sh(`husk ${G} run --rm --network none --log-driver=journald --log-opt 'tag={{.Name' busybox true`);
  assert.equal(unparsed.code, 125);
  assert.match(unparsed.err, /^Error: template parsing error \{\{\.Name: template: container:1: /);
});

test('journald: logs --follow streams a running container until it exits; --since filters', () => {
  ok(`husk ${G} run -d --name jf --network none --log-driver=journald busybox sh -c 'echo before; sleep 2; echo after; sleep 1'`);
  const t0 = Date.now();
  assert.equal(ok(`husk ${G} logs -f jf`), 'before\nafter');
  assert.ok(Date.now() - t0 >= 1500, 'follow waited for the second line');
  ok(`husk ${G} run -d --name js --network none --log-driver=journald busybox sh -c 'echo early; sleep 2; echo late'`);
  ok(`husk ${G} wait js`);
  const early = ok(`husk ${G} logs -t js`).split('\n')[0]!.split(' ')[0]!;
  const mid = new Date(new Date(early).getTime() + 1000).toISOString();
  assert.equal(ok(`husk ${G} logs --since ${mid} js`), 'late');
  assert.equal(ok(`husk ${G} logs --until ${mid} js`), 'early');
  assert.equal(ok(`husk ${G} logs js`), 'early\nlate');
  // A finished container: --follow returns what there is.
  assert.equal(ok(`husk ${G} logs -f --tail 1 js`), 'late');
});
