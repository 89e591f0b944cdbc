// Seccomp: a Docker/containers-common profile (seccomp.json) resolved into the
// OCI runtime-spec `linux.seccomp` that crun/runc compile to BPF. A profile's
// rules can depend on capabilities, architecture and kernel version; those
// conditions are settled here, per container, so the runtime sees plain rules.
// Semantics follow containers/common (what Podman uses): caps are matched
// against the bounding set, `errno`/`defaultErrno` names win over the numeric
// `errnoRet`/`defaultErrnoRet`, `archMap` contributes only the host's entry.
// Docker's `minKernel` condition is honoured too.
import { readFileSync, statSync } from 'node:fs';
import { endianness, release } from 'node:os';
import { HuskError, invalidArgument, isErrno } from '../../common/errors.ts';
import { linux, type SpecOpt } from './types.ts';

/** What JSON.rawJSON returns: serialised verbatim by JSON.stringify. */
export interface RawJSON { readonly rawJSON: string }
/** A uint64 argument: a number, or raw JSON text when it exceeds 2^53. */
export type SeccompValue = number | RawJSON;

export interface LinuxSeccompArg { index: number; value: SeccompValue; valueTwo?: SeccompValue; op: string }
export interface LinuxSyscall { names: string[]; action: string; errnoRet?: number; args?: LinuxSeccompArg[] }
export interface LinuxSeccomp {
  defaultAction: string;
  defaultErrnoRet?: number;
  architectures?: string[];
  flags?: string[];
  listenerPath?: string;
  listenerMetadata?: string;
  syscalls?: LinuxSyscall[];
}

/**
 * Where the default profile is looked for, in Podman's order: the file in
 * /etc overrides the packaged one (containers.conf `seccomp_profile`, when
 * set, comes before both; pass it to defaultSeccompPath).
 */
export const DEFAULT_SECCOMP_PATHS = ['/etc/containers/seccomp.json', '/usr/share/containers/seccomp.json'];

export function defaultSeccompPath(configured?: string): string | undefined {
  if (configured) return configured;
  // A path that exists but cannot be read is still chosen, so the error
  // names it instead of silently running unconfined.
  return DEFAULT_SECCOMP_PATHS.find((p) => {
    try { statSync(p); return true; } catch (e) { return !isErrno(e, 'ENOENT') && !isErrno(e, 'ENOTDIR'); }
  });
}

// The OCI spec's closed sets; checking them here names the profile file in
// the error instead of leaving crun to fail at create.
const ACTIONS = new Set([
  'SCMP_ACT_KILL', 'SCMP_ACT_KILL_PROCESS', 'SCMP_ACT_KILL_THREAD', 'SCMP_ACT_TRAP', 'SCMP_ACT_ERRNO',
  'SCMP_ACT_TRACE', 'SCMP_ACT_ALLOW', 'SCMP_ACT_LOG', 'SCMP_ACT_NOTIFY',
]);
const OPS = new Set(['SCMP_CMP_NE', 'SCMP_CMP_LT', 'SCMP_CMP_LE', 'SCMP_CMP_EQ', 'SCMP_CMP_GE', 'SCMP_CMP_GT', 'SCMP_CMP_MASKED_EQ']);

// Node's process.arch → libseccomp's native arch name, which is what a
// profile's `includes.arches` / `excludes.arches` use (amd64, arm64, x86...).
const NODE_TO_SECCOMP: Record<string, string> = {
  x64: 'amd64', ia32: 'x86', loong64: 'loongarch64',
};
// libseccomp name → SCMP_ARCH_* where uppercasing alone is wrong.
const SCMP_ARCH: Record<string, string> = { amd64: 'SCMP_ARCH_X86_64', arm64: 'SCMP_ARCH_AARCH64' };

export function seccompArchName(arch: string = process.arch): string {
  // endianness() only here: calling it at module level loaded node:os on every start.
  if (arch === 'ppc64') return endianness() === 'LE' ? 'ppc64le' : 'ppc64';
  return NODE_TO_SECCOMP[arch] ?? arch;
}

const MAX_U64 = 18446744073709551615n;

function rawJSON(text: string): RawJSON {
  return (JSON as unknown as { rawJSON(t: string): RawJSON }).rawJSON(text);
}

// Error wording follows Podman's ("opening seccomp profile failed: open
// PATH: no such file or directory", "loading seccomp profile (PATH) failed").
const OPEN_ERRORS: Record<string, string> = {
  ENOENT: 'no such file or directory', EACCES: 'permission denied', EISDIR: 'is a directory', ENOTDIR: 'not a directory',
};
const loading = (path: string) => `loading seccomp profile (${path}) failed`;

/**
 * Reads and parses a profile. Integers beyond 2^53 (possible in argument
 * masks) would be rounded by JSON.parse and silently change the filter, so
 * when the text has such long literals they are kept as raw JSON text.
 */
export function loadSeccompProfile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as { code?: string }).code ?? '';
    const why = OPEN_ERRORS[code] ?? (e as Error).message;
    throw new HuskError('INVALID_ARGUMENT', `opening seccomp profile failed: open ${path}: ${why}`, { cause: e });
  }
  let profile: unknown;
  try {
    profile = /\d{16}/.test(text)
      ? JSON.parse(text, (_k: string, v: unknown, ctx?: { source?: string }) =>
        typeof v === 'number' && !Number.isSafeInteger(v) && ctx?.source && /^\d+$/.test(ctx.source) ? rawJSON(ctx.source) : v)
      : JSON.parse(text);
  } catch (e) {
    throw new HuskError('INVALID_ARGUMENT', `${loading(path)}: decoding seccomp profile failed: ${(e as Error).message}`, { cause: e });
  }
  checkTopLevel(profile, loading(path));
  return profile;
}

function checkTopLevel(p: unknown, src: string): asserts p is Record<string, unknown> {
  if (typeof p !== 'object' || p === null || Array.isArray(p)) throw invalidArgument(`${src}: expected a JSON object`);
  if (typeof (p as Record<string, unknown>).defaultAction !== 'string' || !(p as Record<string, unknown>).defaultAction) {
    throw invalidArgument(`${src}: missing "defaultAction"`);
  }
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function strings(v: unknown, where: string, src: string): string[] {
  if (v === undefined || v === null) return [];
  // A plain loop: this runs over every syscall name at each container start.
  let ok = Array.isArray(v);
  for (let i = 0; ok && i < (v as unknown[]).length; i++) ok = typeof (v as unknown[])[i] === 'string';
  if (!ok) throw invalidArgument(`${src}: ${where} must be an array of strings`);
  return v as string[];
}

/** The errno names seccomp profiles use most (Podman's default: ENOSYS), as on x86-64 and arm64 (asm-generic). */
export const COMMON_ERRNO: Record<string, number | undefined> = { EPERM: 1, EACCES: 13, EINVAL: 22, ENOSYS: 38 };

function errnoOf(name: unknown, ret: unknown, where: string, src: string): number | undefined {
  if (typeof name === 'string' && name !== '') {
    if (/^\d+$/.test(name)) return Number(name);
    // The default profile's names come from a table: node:os (where the rest
    // are looked up) costs ~2 M instructions to load on every start.
    const n = COMMON_ERRNO[name] ?? (process.getBuiltinModule('node:os').constants.errno as Record<string, number>)[name];
    if (n === undefined) throw invalidArgument(`${src}: ${where}: unknown errno "${name}"`);
    return n;
  }
  if (ret === undefined || ret === null) return undefined;
  if (!Number.isInteger(ret) || (ret as number) < 0) throw invalidArgument(`${src}: ${where}: errnoRet must be a non-negative integer`);
  return ret as number;
}

function u64(v: unknown, where: string, src: string): SeccompValue {
  if (typeof v === 'number') {
    if (Number.isSafeInteger(v) && v >= 0) return v;
    throw invalidArgument(`${src}: ${where} must be an integer in 0..2^64-1${Number.isInteger(v) && v > 0 ? ' (beyond 2^53 it must be loaded with loadSeccompProfile)' : ''}`);
  }
  if (isObj(v) && typeof v.rawJSON === 'string' && /^\d+$/.test(v.rawJSON) && BigInt(v.rawJSON) <= MAX_U64) return v as unknown as RawJSON;
  throw invalidArgument(`${src}: ${where} must be an integer in 0..2^64-1`);
}

/** "6.18.44-fc" or "4.8" → [major, minor, patch]; undefined if not numeric. */
function kernelVersion(s: string): number[] | undefined {
  const m = /^(\d+)\.(\d+)(?:\.(\d+))?/.exec(s);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)] : undefined;
}

function kernelAtLeast(kernel: number[], min: unknown, where: string, src: string): boolean {
  const want = typeof min === 'string' && /^\d+\.\d+(\.\d+)?$/.test(min) ? kernelVersion(min) : undefined;
  if (!want) throw invalidArgument(`${src}: ${where}: invalid minKernel ${JSON.stringify(min)} (want "major.minor")`);
  for (let i = 0; i < 3; i++) if (kernel[i] !== want[i]) return kernel[i] > want[i];
  return true;
}

export interface SeccompOptions {
  /** The container's bounding set (what Podman matches `caps` against). */
  caps: string[];
  /** process.arch style (x64) or libseccomp style (amd64); default: this host. */
  arch?: string;
  /** A kernel release like os.release(); default: the running kernel. */
  kernel?: string;
  /** Names the profile in error messages (e.g. its path). */
  source?: string;
}

/** uname's release, as os.release() gives it, without loading node:os (~2 M instructions) on every start. */
function hostKernelRelease(): string {
  try {
    return readFileSync('/proc/sys/kernel/osrelease', 'utf8').trim();
  } catch {
    return release();
  }
}

/** Resolves a Docker/containers-common profile for one container. */
export function seccompFromProfile(profile: unknown, opts: SeccompOptions): LinuxSeccomp {
  const src = opts.source ? loading(opts.source) : 'invalid seccomp profile';
  checkTopLevel(profile, src);
  const p = profile;
  const arch = seccompArchName(opts.arch);
  const caps = new Set(opts.caps);
  const kernelText = opts.kernel ?? hostKernelRelease();
  const kernel = kernelVersion(kernelText);

  const action = (v: unknown, where: string): string => {
    if (typeof v !== 'string' || !ACTIONS.has(v)) throw invalidArgument(`${src}: ${where}: unknown action ${JSON.stringify(v)}`);
    return v;
  };
  const out: LinuxSeccomp = { defaultAction: action(p.defaultAction, 'defaultAction') };
  const defErrno = errnoOf(p.defaultErrno, p.defaultErrnoRet, 'defaultErrno', src);
  if (defErrno !== undefined) out.defaultErrnoRet = defErrno;

  // `architectures` (old format) is taken as is; with `archMap` only the host
  // arch's entry counts. Neither: the runtime filters the native arch only.
  const archList = strings(p.architectures, 'architectures', src);
  const archMap = p.archMap ?? [];
  if (!Array.isArray(archMap)) throw invalidArgument(`${src}: archMap must be an array`);
  if (archList.length && archMap.length) throw invalidArgument(`${src}: both "architectures" and "archMap" are set; use one`);
  const scmpArch = SCMP_ARCH[arch] ?? `SCMP_ARCH_${arch.toUpperCase()}`;
  const entry = archMap.find((a): a is Obj => isObj(a) && a.architecture === scmpArch);
  const architectures = entry ? [scmpArch, ...strings(entry.subArchitectures, 'archMap[].subArchitectures', src)] : archList;
  if (architectures.length) out.architectures = architectures.slice();

  const flags = strings(p.flags, 'flags', src);
  if (flags.length) out.flags = flags.slice();
  if (typeof p.listenerPath === 'string' && p.listenerPath) out.listenerPath = p.listenerPath;
  if (typeof p.listenerMetadata === 'string' && p.listenerMetadata) out.listenerMetadata = p.listenerMetadata;

  const rules = p.syscalls ?? [];
  if (!Array.isArray(rules)) throw invalidArgument(`${src}: syscalls must be an array`);
  const syscalls: LinuxSyscall[] = [];
  for (let i = 0; i < rules.length; i++) {
    const r = rules[i];
    const at = `syscalls[${i}]`;
    if (!isObj(r)) throw invalidArgument(`${src}: ${at} must be an object`);
    const inc = isObj(r.includes) ? r.includes : {};
    const exc = isObj(r.excludes) ? r.excludes : {};
    // Conditions are type-checked even on rules this container skips.
    const incCaps = strings(inc.caps, `${at}.includes.caps`, src);
    const incArches = strings(inc.arches, `${at}.includes.arches`, src);
    const excCaps = strings(exc.caps, `${at}.excludes.caps`, src);
    const excArches = strings(exc.arches, `${at}.excludes.arches`, src);
    const ruleAction = action(r.action, `${at}.action`);
    if (excArches.includes(arch) || excCaps.some((c) => caps.has(c))) continue;
    if (incArches.length && !incArches.includes(arch)) continue;
    if (!incCaps.every((c) => caps.has(c))) continue;
    if (inc.minKernel !== undefined || exc.minKernel !== undefined) {
      if (!kernel) throw invalidArgument(`${src}: ${at}: cannot compare minKernel with kernel release "${kernelText}"`);
      if (inc.minKernel !== undefined && !kernelAtLeast(kernel, inc.minKernel, `${at}.includes`, src)) continue;
      if (exc.minKernel !== undefined && kernelAtLeast(kernel, exc.minKernel, `${at}.excludes`, src)) continue;
    }

    let names = strings(r.names, `${at}.names`, src);
    if (typeof r.name === 'string' && r.name) {
      if (names.length) throw invalidArgument(`${src}: ${at}: both "name" and "names" are set; use one`);
      names = [r.name];
    }
    if (!names.length) continue;
    const rule: LinuxSyscall = { names: names.slice(), action: ruleAction };
    const errno = errnoOf(r.errno, r.errnoRet, at, src);
    if (errno !== undefined) rule.errnoRet = errno;
    if (r.args !== undefined && r.args !== null) {
      if (!Array.isArray(r.args)) throw invalidArgument(`${src}: ${at}.args must be an array`);
      if (r.args.length) {
        rule.args = r.args.map((a: unknown, j: number) => {
          const aw = `${at}.args[${j}]`;
          if (!isObj(a)) throw invalidArgument(`${src}: ${aw} must be an object`);
          if (!Number.isInteger(a.index) || (a.index as number) < 0 || (a.index as number) > 5) throw invalidArgument(`${src}: ${aw}.index must be 0..5`);
          if (typeof a.op !== 'string' || !OPS.has(a.op)) throw invalidArgument(`${src}: ${aw}: unknown op ${JSON.stringify(a.op)}`);
          const value = u64(a.value ?? 0, `${aw}.value`, src);
          // Only MASKED_EQ reads valueTwo; left out when 0, as Podman writes it.
          const two = a.valueTwo === undefined || a.valueTwo === null ? 0 : u64(a.valueTwo, `${aw}.valueTwo`, src);
          const arg: LinuxSeccompArg = two === 0 ? { index: a.index as number, value, op: a.op } : { index: a.index as number, value, valueTwo: two, op: a.op };
          return arg;
        });
      }
    }
    syscalls.push(rule);
  }
  if (syscalls.length) out.syscalls = syscalls;
  return out;
}

/** Sets linux.seccomp, or removes it (unconfined; privileged without an explicit profile). */
export const withSeccomp = (seccomp: LinuxSeccomp | undefined): SpecOpt => (s) => {
  if (seccomp) linux(s).seccomp = seccomp;
  else if (s.linux) delete s.linux.seccomp;
};
