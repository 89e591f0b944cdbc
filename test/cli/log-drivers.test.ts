// --log-driver passthrough / none / k8s-file options on this host, with
// Podman's messages (030-run.bats, 035-logs.bats, cmd/podman/common). The
// journald driver needs a journal: test/systemd/journald-logs.test.ts.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { HUSK, Store } from '../helpers.ts';

const s = new Store();
before(() => s.busybox());
after(() => s.destroyWhenIdle());

/** husk with the given stdio (pipes, not a terminal), as a script's caller would run it. */
function huskPiped(args: string[], input = ''): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(HUSK, [...s.globals, ...args], { input, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

test('passthrough: the container writes to husk\'s own stdout and stderr and reads its stdin; run returns its exit code', () => {
  const r = huskPiped(['run', '--rm', '-i', '--network', 'none', '--log-driver=passthrough', 'busybox', 'sh', '-c', 'read x; echo "out $x"; echo err >&2; exit 3'], 'given\n');
  assert.deepEqual([r.code, r.stdout, r.stderr], [3, 'out given\n', 'err\n']);
  // The fds are husk's own: a file opened by the caller is where the container writes.
  const file = join(s.dir, 'pt.out');
  const sh = spawnSync('sh', ['-c', `"$0" "$@" >${file}`, HUSK, ...s.globals, 'run', '--rm', '--network', 'none', '--log-driver', 'passthrough', 'busybox', 'sh', '-c', 'ls -l /proc/self/fd/1'], { encoding: 'utf8' });
  assert.equal(sh.status, 0, sh.stderr);
  assert.match(readFileSync(file, 'utf8'), new RegExp(`-> ${file}\\n$`));
});

test('passthrough: create prints no ID, start -a waits for the exit, logs and inspect as Podman', () => {
  const r = huskPiped(['create', '--name', 'pt', '--network', 'none', '--log-driver', 'passthrough', 'busybox', 'sh', '-c', 'echo started; exit 4']);
  assert.deepEqual([r.code, r.stdout], [0, ''], 'the ID would land in the container\'s stdout');
  const st = huskPiped(['start', '-a', 'pt']);
  assert.deepEqual([st.code, st.stdout], [4, 'started\n']);
  const logs = huskPiped(['logs', 'pt']);
  assert.deepEqual([logs.code, logs.stderr.trim()], [125, "Error: this container is using the 'passthrough' log driver, cannot read logs: this container is not logging output"]);
  assert.equal(s.ok(['inspect', '--format', '{{.HostConfig.LogConfig.Type}}|{{.HostConfig.LogConfig.Path}}|{{.State.Status}}', 'pt']), 'passthrough||exited');
  s.ok(['rm', 'pt']);
});

test('passthrough: refused on a terminal (TIOCSTI) and with -t, nothing created', () => {
  // script(1) gives husk a pseudo-terminal as stdin, stdout and stderr.
  const cmd = [HUSK, ...s.globals, 'run', '--rm', '--name', 'ptty', '--log-driver=passthrough', 'busybox', 'true'].join(' ');
  const r = spawnSync('script', ['-qec', cmd, '/dev/null'], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 125);
  assert.match(r.stdout, /Error: the '--log-driver passthrough' option cannot be used on a TTY\r?\n/);
  const t = huskPiped(['run', '--rm', '-t', '--log-driver=passthrough', 'busybox', 'true']);
  assert.equal(t.code, 125);
  assert.match(t.stderr, /^Error: .*passthrough.*terminal/);
  assert.equal(s.ok(['ps', '-aq']), '');
});

test('none: run shows the output, logs says Podman\'s error, no log file', () => {
  const r = huskPiped(['run', '--name', 'nolog', '--network', 'none', '--log-driver', 'none', 'busybox', 'echo', 'hi']);
  assert.deepEqual([r.code, r.stdout], [0, 'hi\n']);
  assert.equal(s.ok(['inspect', '--format', '{{.HostConfig.LogConfig.Type}}|{{.HostConfig.LogConfig.Path}}', 'nolog']), 'none|');
  const logs = huskPiped(['logs', '-f', 'nolog']);
  assert.deepEqual([logs.code, logs.stderr], [125, "Error: this container is using the 'none' log driver, cannot read logs: this container is not logging output\n"]);
  s.ok(['rm', 'nolog']);
});

test('k8s-file: --log-opt tag= is kept (inspect) without breaking conmon, max-size= bounds the file', () => {
  assert.equal(s.ok(['run', '--name', 'tagged', '--network', 'none', '--log-opt', 'tag=mine', 'busybox', 'echo', 'hi']), 'hi');
  assert.equal(s.ok(['inspect', '--format', '{{.HostConfig.LogConfig.Type}} {{.HostConfig.LogConfig.Tag}}', 'tagged']), 'k8s-file mine');
  assert.equal(s.ok(['logs', 'tagged']), 'hi');
  // 200 lines of ~100 bytes = ~28 KiB of records: conmon starts the file over at 8 KiB.
  s.ok(['run', '--name', 'small', '--network', 'none', '--log-opt', 'max-size=8k', 'busybox', 'sh', '-c', 'i=0; while [ $i -lt 200 ]; do i=$((i+1)); printf "%03d %095d\\n" $i 0; done']);
  const path = s.ok(['inspect', '--format', '{{.HostConfig.LogConfig.Path}}', 'small']);
  assert.ok(existsSync(path));
  assert.ok(statSync(path).size <= 8192, `log file is ${statSync(path).size} bytes`);
  const lines = s.ok(['logs', 'small']).split('\n');
  assert.ok(lines.length < 200 && lines.at(-1)!.startsWith('200 '), 'only the newest lines are kept');
  assert.equal(s.ok(['inspect', '--format', '{{.HostConfig.LogConfig.Size}}', 'small']), '8.192kB', 'go-units HumanSize of 8 KiB');
  s.ok(['rm', 'tagged', 'small']);
});

test('journald without a journal on the host: a clear error at create, nothing created', { skip: existsSync('/run/systemd/journal/socket') && 'this host runs journald (covered by test/systemd/journald-logs.test.ts)' }, () => {
  const r = huskPiped(['create', '--log-driver', 'journald', 'busybox', 'true']);
  assert.deepEqual([r.code, r.stderr], [125, 'Error: the journald log driver needs systemd-journald, which does not run on this host (no /run/systemd/journal/socket): use k8s-file\n']);
  assert.equal(s.ok(['ps', '-aq']), '');
});
