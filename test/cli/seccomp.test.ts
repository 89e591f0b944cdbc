// Seccomp from inside real containers. /bin/probe (test/fixtures/probe.c)
// makes one syscall family and exits 10 when seccomp blocked it, 0 when the
// call reached the kernel (even if the kernel then refused it).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FIXTURES, REPO, Store } from '../helpers.ts';

const FAMILIES = ['keyctl', 'add_key', 'request_key', 'kexec_load', 'open_by_handle_at', 'unshare-user', 'unshare-ns', 'mount'];
// What containers-common's profile denies for the default caps: add_key and
// request_key are not listed (ENOSYS), kexec_load and open_by_handle_at have
// explicit EPERM rules. It allows keyctl, unshare and mount outright.
const DENIED = ['add_key', 'request_key', 'kexec_load', 'open_by_handle_at'];

const s = new Store();
let profiles = '';
before(() => {
  const b = spawnSync('sh', [join(REPO, 'test/fixtures/build-probe.sh')], { encoding: 'utf8' });
  if (b.status !== 0) throw new Error(`build-probe.sh failed (${b.status}): ${b.stderr}`);
  s.ok(['import', join(FIXTURES, 'probe-rootfs.tar'), 'probe']);
  profiles = mkdtempSync(join(s.dir, 'profiles-'));
});
after(() => s.destroy());

interface Probe { code: number; line: string }

/** Runs every family in one container; also returns the Seccomp mode from /proc. */
function probeAll(flags: string[]): { mode: string; results: Map<string, Probe> } {
  const script = `grep '^Seccomp:' /proc/self/status; for f in ${FAMILIES.join(' ')}; do /bin/probe $f; echo "rc $f $?"; done`;
  const r = s.husk(['run', '--rm', ...flags, 'probe', 'sh', '-c', script]);
  assert.equal(r.code, 0, `husk run ${flags.join(' ')}: ${r.stderr}`);
  const lines = r.stdout.trim().split('\n');
  const results = new Map<string, Probe>();
  for (const f of FAMILIES) {
    const rc = lines.find((l) => l.startsWith(`rc ${f} `));
    assert.ok(rc, `no result for ${f} in:\n${r.stdout}${r.stderr}`);
    results.set(f, { code: Number(rc.split(' ')[2]), line: lines.find((l) => l.startsWith(`${f}: `)) ?? '' });
  }
  return { mode: /^Seccomp:\s+(\d)/m.exec(r.stdout)?.[1] ?? '?', results };
}

test('default profile: the denied families are blocked by seccomp, the others reach the kernel', () => {
  const { mode, results } = probeAll([]);
  assert.equal(mode, '2', 'a seccomp filter is installed');
  for (const f of DENIED) {
    const p = results.get(f)!;
    assert.equal(p.code, 10, `${f}: ${p.line}`);
  }
  // Unlisted syscalls get the profile's default errno, ENOSYS; explicit deny rules EPERM.
  assert.match(results.get('add_key')!.line, /ENOSYS \(seccomp\)/);
  assert.match(results.get('request_key')!.line, /ENOSYS \(seccomp\)/);
  assert.match(results.get('kexec_load')!.line, /EPERM \(seccomp\)/);
  assert.match(results.get('open_by_handle_at')!.line, /EPERM \(seccomp\)/);
  assert.deepEqual(results.get('keyctl'), { code: 0, line: 'keyctl: ok' });
  assert.deepEqual(results.get('unshare-user'), { code: 0, line: 'unshare-user: ok' });
  // Allowed by seccomp, refused by the kernel: no CAP_SYS_ADMIN.
  for (const f of ['unshare-ns', 'mount']) {
    const p = results.get(f)!;
    assert.equal(p.code, 0, p.line);
    assert.match(p.line, /EPERM \(kernel/);
  }
});

test('--cap-add DAC_READ_SEARCH: the profile then allows open_by_handle_at', () => {
  const r = s.husk(['run', '--rm', '--cap-add', 'DAC_READ_SEARCH', 'probe', '/bin/probe', 'open_by_handle_at']);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /\(kernel\)/);
});

for (const [label, flags] of [['--security-opt seccomp=unconfined', ['--security-opt', 'seccomp=unconfined']], ['--privileged', ['--privileged']]] as const) {
  test(`${label}: no filter, every family reaches the kernel`, () => {
    const { mode, results } = probeAll([...flags]);
    assert.equal(mode, '0', 'no seccomp filter');
    for (const [f, p] of results) assert.equal(p.code, 0, `${f}: ${p.line}`);
    if (label === '--privileged') {
      // With every capability the namespace and mount calls succeed outright.
      for (const f of ['unshare-user', 'unshare-ns', 'mount', 'add_key']) assert.equal(results.get(f)!.line, `${f}: ok`);
    }
  });
}

test('--security-opt seccomp=PROFILE: a custom profile replaces the default', () => {
  const custom = join(profiles, 'no-mkdir.json');
  writeFileSync(custom, JSON.stringify({
    defaultAction: 'SCMP_ACT_ALLOW',
    // busybox's mkdir may use either syscall depending on the libc.
    syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO', errnoRet: 1 }],
  }));
  const r = s.husk(['run', '--rm', '--security-opt', `seccomp=${custom}`, 'probe', 'sh', '-c', 'touch /tmp/file && mkdir /tmp/x']);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /mkdir: can't create directory '\/tmp\/x': Operation not permitted/);
  // The default profile is gone: add_key is no longer denied.
  const k = s.husk(['run', '--rm', '--security-opt', `seccomp=${custom}`, 'probe', '/bin/probe', 'add_key']);
  assert.equal(k.code, 0, k.stdout + k.stderr);
  // And without the option mkdir works.
  assert.equal(s.husk(['run', '--rm', 'probe', 'mkdir', '/tmp/x']).code, 0);
  // --privileged drops only the default profile: an explicit one still
  // applies (checked against Podman 4.3.1).
  const p = s.husk(['run', '--rm', '--privileged', '--security-opt', `seccomp=${custom}`, 'probe', 'mkdir', '/tmp/x']);
  assert.equal(p.code, 1, p.stderr);
  assert.match(p.stderr, /Operation not permitted/);
});

test('a missing or malformed profile fails with 125 and names the file', () => {
  const missing = join(profiles, 'does-not-exist.json');
  const m = s.husk(['run', '--rm', '--security-opt', `seccomp=${missing}`, 'probe', 'true']);
  assert.equal(m.code, 125, m.stderr);
  assert.match(m.stderr, new RegExp(`opening seccomp profile failed: open ${missing}: no such file or directory`));
  const bad = join(profiles, 'bad.json');
  writeFileSync(bad, '{"defaultAction": ');
  const b = s.husk(['run', '--rm', '--security-opt', `seccomp=${bad}`, 'probe', 'true']);
  assert.equal(b.code, 125, b.stderr);
  assert.ok(b.stderr.includes(bad), b.stderr);
  assert.equal(s.ok(['ps', '-aq']), '');
});
