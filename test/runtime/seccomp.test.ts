// Unit tests for the seccomp profile translation, on the profile Podman uses
// here (Debian's golang-github-containers-common), plus small synthetic
// profiles for the parts of the format that one does not exercise.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { constants } from 'node:os';
import { join } from 'node:path';
import { HuskError } from '../../src/common/errors.ts';
import { buildSpec, serializeSpec } from '../../src/runtime/spec/index.ts';
import { DEFAULT_CAPS } from '../../src/runtime/spec/security.ts';
import {
  COMMON_ERRNO, DEFAULT_SECCOMP_PATHS, defaultSeccompPath, loadSeccompProfile, seccompFromProfile, withSeccomp,
  type LinuxSeccomp,
} from '../../src/runtime/spec/seccomp.ts';

const PROFILE = '/usr/share/containers/seccomp.json';
const { ENOSYS, EPERM } = constants.errno;
const profile = loadSeccompProfile(PROFILE);
const forCaps = (caps: string[], arch = 'x64') => seccompFromProfile(profile, { caps, arch, kernel: '6.1.0' });
const withCap = (cap: string) => forCaps([...DEFAULT_CAPS, cap]);

/**
 * What the filter does with `name` when called with no argument conditions:
 * the rules without `args` that list it, else the default action. A syscall
 * listed by two such rules with different outcomes is a profile error.
 */
function verdict(s: LinuxSeccomp, name: string): string {
  const hits = (s.syscalls ?? []).filter((r) => r.names.includes(name) && !r.args?.length);
  const outcomes = new Set(hits.map((r) => (r.action === 'SCMP_ACT_ERRNO' ? `errno ${r.errnoRet ?? EPERM}` : r.action)));
  assert.ok(outcomes.size <= 1, `${name}: conflicting rules ${[...outcomes]}`);
  if (outcomes.size) return [...outcomes][0];
  return s.defaultAction === 'SCMP_ACT_ERRNO' ? `errno ${s.defaultErrnoRet ?? EPERM}` : s.defaultAction;
}

function expectInvalid(fn: () => unknown, message: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof HuskError, String(e));
    assert.equal(e.code, 'INVALID_ARGUMENT');
    assert.equal(e.exitCode, 125);
    assert.match(e.message, message);
    return true;
  });
}

test('default action: ERRNO with ENOSYS, as the profile says', () => {
  // Unknown syscalls get ENOSYS rather than EPERM so that programs fall back
  // (e.g. from clone3 to clone) instead of treating it as a refusal.
  const raw = profile as { defaultAction: string; defaultErrnoRet: number; defaultErrno: string };
  assert.equal(raw.defaultAction, 'SCMP_ACT_ERRNO');
  assert.equal(raw.defaultErrno, 'ENOSYS');
  const s = forCaps(DEFAULT_CAPS);
  assert.equal(s.defaultAction, 'SCMP_ACT_ERRNO');
  assert.equal(s.defaultErrnoRet, ENOSYS);
  assert.equal(verdict(s, 'no_such_syscall'), `errno ${ENOSYS}`);
});

test('default caps: key and kexec syscalls denied, keyctl allowed', () => {
  const s = forCaps(DEFAULT_CAPS);
  // Not listed at all: the default ENOSYS.
  assert.equal(verdict(s, 'add_key'), `errno ${ENOSYS}`);
  assert.equal(verdict(s, 'request_key'), `errno ${ENOSYS}`);
  // Explicit deny rules with errnoRet 1.
  assert.equal(verdict(s, 'kexec_load'), `errno ${EPERM}`);
  assert.equal(verdict(s, 'kexec_file_load'), `errno ${EPERM}`);
  assert.equal(verdict(s, 'open_by_handle_at'), `errno ${EPERM}`);
  // Unlike Docker's profile, containers-common's allows keyctl for everyone.
  assert.equal(verdict(s, 'keyctl'), 'SCMP_ACT_ALLOW');
  assert.equal(verdict(s, 'read'), 'SCMP_ACT_ALLOW');
});

test('unshare, clone and mount are allowed whatever the caps: the kernel checks CAP_SYS_ADMIN', () => {
  // containers-common (unlike Docker) has no cap-conditional or argument
  // rules for these, so namespace creation is left to capability checks.
  for (const caps of [[], DEFAULT_CAPS, [...DEFAULT_CAPS, 'CAP_SYS_ADMIN']]) {
    const s = forCaps(caps);
    for (const name of ['unshare', 'clone', 'clone3', 'mount', 'umount2', 'pivot_root']) {
      assert.equal(verdict(s, name), 'SCMP_ACT_ALLOW', `${name} with ${caps.length} caps`);
      assert.ok(s.syscalls!.filter((r) => r.names.includes(name)).every((r) => !r.args?.length), `${name} has argument rules`);
    }
  }
});

test('includes.caps: the CAP_SYS_ADMIN rule appears only with that cap; its ERRNO twin only without', () => {
  const isAdminAllow = (r: { names: string[]; action: string }) => r.names.includes('bpf') && r.action === 'SCMP_ACT_ALLOW';
  const isAdminDeny = (r: { names: string[]; action: string }) => r.names.includes('bpf') && r.action === 'SCMP_ACT_ERRNO';
  const plain = forCaps(DEFAULT_CAPS);
  assert.ok(!plain.syscalls!.some(isAdminAllow));
  assert.ok(plain.syscalls!.some(isAdminDeny));
  assert.equal(verdict(plain, 'perf_event_open'), `errno ${EPERM}`);
  const admin = withCap('CAP_SYS_ADMIN');
  assert.ok(admin.syscalls!.some(isAdminAllow));
  assert.ok(!admin.syscalls!.some(isAdminDeny));
  assert.equal(verdict(admin, 'perf_event_open'), 'SCMP_ACT_ALLOW');
  // Same pattern for the other cap-gated groups.
  assert.equal(verdict(withCap('CAP_DAC_READ_SEARCH'), 'open_by_handle_at'), 'SCMP_ACT_ALLOW');
  assert.equal(verdict(withCap('CAP_SYS_BOOT'), 'kexec_load'), `errno ${EPERM}`);
  assert.equal(verdict(withCap('CAP_SYS_TIME'), 'settimeofday'), 'SCMP_ACT_ALLOW');
  assert.equal(verdict(forCaps(DEFAULT_CAPS), 'settimeofday'), `errno ${EPERM}`);
  // chroot is in the default set, so its deny rule is left out.
  assert.equal(verdict(forCaps(DEFAULT_CAPS), 'chroot'), 'SCMP_ACT_ALLOW');
  assert.equal(verdict(forCaps([]), 'chroot'), `errno ${EPERM}`);
});

test('argument rules are copied: personality values and the AF_NETLINK audit socket', () => {
  const s = forCaps(DEFAULT_CAPS);
  const personality = s.syscalls!.filter((r) => r.names.includes('personality'));
  assert.deepEqual(personality.map((r) => r.args![0].value), [0, 8, 131072, 131080, 4294967295]);
  assert.deepEqual(personality[0].args, [{ index: 0, value: 0, op: 'SCMP_CMP_EQ' }]);
  // Without CAP_AUDIT_WRITE, socket(AF_NETLINK=16, *, NETLINK_AUDIT=9) fails with EINVAL.
  const audit = s.syscalls!.find((r) => r.names.includes('socket') && r.action === 'SCMP_ACT_ERRNO')!;
  assert.equal(audit.errnoRet, constants.errno.EINVAL);
  assert.deepEqual(audit.args, [{ index: 0, value: 16, op: 'SCMP_CMP_EQ' }, { index: 2, value: 9, op: 'SCMP_CMP_EQ' }]);
  // With the cap there is one unconditional socket rule ("args": null in the file).
  const withAudit = withCap('CAP_AUDIT_WRITE').syscalls!.filter((r) => r.names.includes('socket'));
  assert.deepEqual(withAudit, [{ names: ['socket'], action: 'SCMP_ACT_ALLOW' }]);
});

test('architectures come from archMap for the host arch; arch-only rules follow it', () => {
  const x64 = forCaps(DEFAULT_CAPS, 'x64');
  assert.deepEqual(x64.architectures, ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32']);
  assert.deepEqual(forCaps(DEFAULT_CAPS, 'amd64').architectures, x64.architectures);
  assert.equal(verdict(x64, 'arch_prctl'), 'SCMP_ACT_ALLOW');
  assert.equal(verdict(x64, 'modify_ldt'), 'SCMP_ACT_ALLOW');
  assert.equal(verdict(x64, 'set_tls'), `errno ${ENOSYS}`);
  const arm64 = forCaps(DEFAULT_CAPS, 'arm64');
  assert.deepEqual(arm64.architectures, ['SCMP_ARCH_AARCH64', 'SCMP_ARCH_ARM']);
  assert.equal(verdict(arm64, 'set_tls'), 'SCMP_ACT_ALLOW');
  assert.equal(verdict(arm64, 'arch_prctl'), `errno ${ENOSYS}`);
  // No archMap entry (riscv64 here): no list, the runtime uses the native arch.
  assert.equal(forCaps(DEFAULT_CAPS, 'riscv64').architectures, undefined);
  // The default is this host.
  const host = seccompFromProfile(profile, { caps: DEFAULT_CAPS });
  if (process.arch === 'x64') assert.deepEqual(host.architectures, x64.architectures);
  // Output carries only OCI fields (no comment/includes/excludes/errno names).
  for (const r of host.syscalls!) for (const k of Object.keys(r)) assert.ok(['names', 'action', 'errnoRet', 'args'].includes(k), k);
});

test('synthetic: minKernel, excludes, name, errno names, flags, unknown fields', () => {
  const p = {
    defaultAction: 'SCMP_ACT_ALLOW',
    defaultErrno: 'EPERM',
    flags: ['SECCOMP_FILTER_FLAG_LOG'],
    futureField: { anything: true },
    architectures: ['SCMP_ARCH_X86_64'],
    syscalls: [
      { names: ['new_call'], action: 'SCMP_ACT_ERRNO', includes: { minKernel: '5.8' } },
      { names: ['old_call'], action: 'SCMP_ACT_ERRNO', excludes: { minKernel: '5.8' } },
      { names: ['not_on_amd64'], action: 'SCMP_ACT_LOG', excludes: { arches: ['amd64'] } },
      { names: ['needs_two'], action: 'SCMP_ACT_ALLOW', includes: { caps: ['CAP_A', 'CAP_B'] } },
      { name: 'single', action: 'SCMP_ACT_ERRNO', errno: 'EACCES', errnoRet: 1, comment: 'errno wins' },
      { names: ['masked'], action: 'SCMP_ACT_ERRNO', args: [{ index: 1, value: 2080505856, valueTwo: 0x10000000, op: 'SCMP_CMP_MASKED_EQ' }] },
      { names: [], action: 'SCMP_ACT_ALLOW' },
    ],
  };
  const on = (kernel: string, caps: string[] = []) => seccompFromProfile(p, { caps, arch: 'x64', kernel });
  const names = (s: LinuxSeccomp) => s.syscalls!.flatMap((r) => r.names);
  assert.deepEqual(names(on('6.1.0-13-amd64')), ['new_call', 'single', 'masked']);
  assert.deepEqual(names(on('5.8.0')), ['new_call', 'single', 'masked']);
  assert.deepEqual(names(on('5.4.0', ['CAP_A'])), ['old_call', 'single', 'masked']);
  assert.deepEqual(names(on('5.4.0', ['CAP_A', 'CAP_B'])), ['old_call', 'needs_two', 'single', 'masked']);
  assert.deepEqual(names(seccompFromProfile(p, { caps: [], arch: 'arm64', kernel: '6.1' })), ['new_call', 'not_on_amd64', 'single', 'masked']);
  const s = on('6.1.0');
  assert.equal(s.defaultErrnoRet, EPERM);
  assert.deepEqual(s.flags, ['SECCOMP_FILTER_FLAG_LOG']);
  assert.deepEqual(s.architectures, ['SCMP_ARCH_X86_64']);
  assert.equal(s.syscalls![1].errnoRet, constants.errno.EACCES);
  assert.deepEqual(s.syscalls![2].args, [{ index: 1, value: 2080505856, valueTwo: 0x10000000, op: 'SCMP_CMP_MASKED_EQ' }]);
  assert.ok(!('futureField' in s));
  assert.ok(!('errno' in s.syscalls![1]) && !('comment' in s.syscalls![1]));
});

test('uint64 argument values beyond 2^53 survive into config.json exactly', () => {
  const dir = mkdtempSync('/var/tmp/husk-seccomp-');
  try {
    const path = join(dir, 'big.json');
    writeFileSync(path, '{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["ioctl"],"action":"SCMP_ACT_ERRNO",'
      + '"args":[{"index":1,"value":18446744073709551615,"valueTwo":9007199254740993,"op":"SCMP_CMP_MASKED_EQ"}]}]}');
    const s = seccompFromProfile(loadSeccompProfile(path), { caps: [], source: path });
    const text = serializeSpec(buildSpec('/r', [withSeccomp(s)]));
    assert.match(text, /"value":18446744073709551615,"valueTwo":9007199254740993,/);
    // Already rounded by a plain JSON.parse: refused rather than changed.
    expectInvalid(() => seccompFromProfile(JSON.parse(`{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["x"],"action":"SCMP_ACT_ALLOW","args":[{"index":0,"value":18446744073709551615,"op":"SCMP_CMP_EQ"}]}]}`), { caps: [] }), /args\[0\]\.value .*2\^53/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('withSeccomp sets linux.seccomp; undefined removes it', () => {
  const s = forCaps(DEFAULT_CAPS);
  const spec = buildSpec('/r', [withSeccomp(s)]);
  assert.equal(spec.linux!.seccomp, s);
  assert.equal(buildSpec('/r', [withSeccomp(s), withSeccomp(undefined)]).linux!.seccomp, undefined);
  assert.equal(buildSpec('/r', [withSeccomp(undefined)]).linux, undefined);
});

test('bad profiles: clear INVALID_ARGUMENT errors naming the file', () => {
  const dir = mkdtempSync('/var/tmp/husk-seccomp-');
  const file = (name: string, text: string) => { const p = join(dir, name); writeFileSync(p, text); return p; };
  try {
    const bad = file('bad.json', '{"defaultAction": "SCMP_ACT_ALLOW",');
    // Worded as Podman words them.
    expectInvalid(() => loadSeccompProfile(bad), new RegExp(`^loading seccomp profile \\(${bad}\\) failed: decoding seccomp profile failed: .*JSON`));
    const missing = join(dir, 'missing.json');
    expectInvalid(() => loadSeccompProfile(missing), new RegExp(`^opening seccomp profile failed: open ${missing}: no such file or directory$`));
    expectInvalid(() => loadSeccompProfile(dir), /: is a directory$/);
    const noDefault = file('nodefault.json', '{"syscalls": []}');
    expectInvalid(() => loadSeccompProfile(noDefault), new RegExp(`\\(${noDefault}\\) failed: missing "defaultAction"`));
    expectInvalid(() => loadSeccompProfile(file('array.json', '[]')), /expected a JSON object/);
    const conv = (p: object) => seccompFromProfile(p, { caps: [], arch: 'x64', kernel: '6.1', source: '/x.json' });
    expectInvalid(() => conv({}), /^loading seccomp profile \(\/x\.json\) failed: missing "defaultAction"/);
    expectInvalid(() => seccompFromProfile({ defaultAction: 1 }, { caps: [] }), /^invalid seccomp profile: missing "defaultAction"/);
    expectInvalid(() => conv({ defaultAction: 'SCMP_ACT_NOPE' }), /defaultAction: unknown action "SCMP_ACT_NOPE"/);
    expectInvalid(() => conv({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['a'], action: 'ALLOW' }] }), /syscalls\[0\]\.action: unknown action/);
    expectInvalid(() => conv({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: 'read', action: 'SCMP_ACT_ALLOW' }] }), /syscalls\[0\]\.names must be an array of strings/);
    expectInvalid(() => conv({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ name: 'a', names: ['b'], action: 'SCMP_ACT_ALLOW' }] }), /both "name" and "names"/);
    expectInvalid(() => conv({ defaultAction: 'SCMP_ACT_ALLOW', architectures: ['SCMP_ARCH_X86'], archMap: [{ architecture: 'SCMP_ARCH_X86_64' }] }), /both "architectures" and "archMap"/);
    expectInvalid(() => conv({ defaultAction: 'SCMP_ACT_ERRNO', defaultErrno: 'ENOTANERRNO' }), /unknown errno "ENOTANERRNO"/);
    expectInvalid(() => conv({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['a'], action: 'SCMP_ACT_ALLOW', includes: { minKernel: 'five' } }] }), /invalid minKernel "five"/);
    expectInvalid(() => conv({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['a'], action: 'SCMP_ACT_ALLOW', args: [{ index: 7, value: 0, op: 'SCMP_CMP_EQ' }] }] }), /args\[0\]\.index must be 0\.\.5/);
    expectInvalid(() => conv({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['a'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: -1, op: 'SCMP_CMP_EQ' }] }] }), /args\[0\]\.value must be an integer/);
    expectInvalid(() => conv({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['a'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 1, op: 'EQ' }] }] }), /unknown op "EQ"/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('defaultSeccompPath: configured path first, then /etc over /usr/share', () => {
  assert.equal(defaultSeccompPath('/my/profile.json'), '/my/profile.json');
  assert.deepEqual(DEFAULT_SECCOMP_PATHS, ['/etc/containers/seccomp.json', '/usr/share/containers/seccomp.json']);
  const found = defaultSeccompPath();
  assert.ok(found === undefined || DEFAULT_SECCOMP_PATHS.includes(found));
});

test('load + translate stays well under 2 ms per container start', () => {
  const times: number[] = [];
  for (let i = 0; i < 25; i++) {
    const t = process.hrtime.bigint();
    seccompFromProfile(loadSeccompProfile(PROFILE), { caps: DEFAULT_CAPS });
    times.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  const median = times.sort((a, b) => a - b)[12];
  assert.ok(median < 2, `median ${median.toFixed(3)} ms`);
});

test("COMMON_ERRNO: the numbers this machine's Node (its libc headers) has for those names", () => {
  for (const [name, n] of Object.entries(COMMON_ERRNO)) {
    assert.equal(n, (constants.errno as Record<string, number>)[name], name);
  }
});
