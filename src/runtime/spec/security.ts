// Confinement defaults matching Podman's for a rootful, unprivileged container.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { invalidArgument } from '../../common/errors.ts';
import { linux, process_, type SpecOpt } from './types.ts';

export const DEFAULT_CAPS = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_FOWNER', 'CAP_FSETID', 'CAP_KILL', 'CAP_NET_BIND_SERVICE',
  'CAP_SETFCAP', 'CAP_SETGID', 'CAP_SETPCAP', 'CAP_SETUID', 'CAP_SYS_CHROOT',
];

export const MASKED_PATHS = [
  '/proc/acpi', '/proc/kcore', '/proc/keys', '/proc/latency_stats', '/proc/sched_debug', '/proc/scsi',
  '/proc/timer_list', '/proc/timer_stats', '/proc/interrupts', '/sys/firmware', '/sys/fs/selinux',
  '/sys/devices/virtual/powercap',
];

export const READONLY_PATHS = ['/proc/asound', '/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];

/**
 * Capabilities: a root process gets the set in bounding, effective and
 * permitted; a non-root user keeps only the bounding set (Podman gives it no
 * effective capabilities unless explicitly added).
 */
export const withCapabilities = (caps: string[], uid: number): SpecOpt => (s) => {
  const effective = uid === 0 ? caps : [];
  process_(s).capabilities = { bounding: caps, effective, permitted: effective, inheritable: [], ambient: [] };
};

// Podman also masks each /sys/devices/system/cpu/cpuN/thermal_throttle (a glob, expanded here).
export function hostMaskedPaths(): string[] {
  const base = '/sys/devices/system/cpu';
  let cpus: string[] = [];
  try { cpus = readdirSync(base).filter((d) => /^cpu\d+$/.test(d)); } catch {}
  return [...MASKED_PATHS, ...cpus.map((c) => `${base}/${c}/thermal_throttle`).filter((p) => existsSync(p))];
}

export const withMaskedPaths = (paths: string[] = MASKED_PATHS): SpecOpt => (s) => { linux(s).maskedPaths = paths; };
export const withReadonlyPaths = (paths: string[] = READONLY_PATHS): SpecOpt => (s) => { linux(s).readonlyPaths = paths; };
export const withReadonlyRootfs = (ro: boolean): SpecOpt => (s) => { s.root.readonly = ro; };

/** Every capability the kernel knows (for --privileged and --cap-add ALL). */
export const ALL_CAPS = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_DAC_READ_SEARCH', 'CAP_FOWNER', 'CAP_FSETID', 'CAP_KILL', 'CAP_SETGID',
  'CAP_SETUID', 'CAP_SETPCAP', 'CAP_LINUX_IMMUTABLE', 'CAP_NET_BIND_SERVICE', 'CAP_NET_BROADCAST', 'CAP_NET_ADMIN',
  'CAP_NET_RAW', 'CAP_IPC_LOCK', 'CAP_IPC_OWNER', 'CAP_SYS_MODULE', 'CAP_SYS_RAWIO', 'CAP_SYS_CHROOT', 'CAP_SYS_PTRACE',
  'CAP_SYS_PACCT', 'CAP_SYS_ADMIN', 'CAP_SYS_BOOT', 'CAP_SYS_NICE', 'CAP_SYS_RESOURCE', 'CAP_SYS_TIME',
  'CAP_SYS_TTY_CONFIG', 'CAP_MKNOD', 'CAP_LEASE', 'CAP_AUDIT_WRITE', 'CAP_AUDIT_CONTROL', 'CAP_SETFCAP',
  'CAP_MAC_OVERRIDE', 'CAP_MAC_ADMIN', 'CAP_SYSLOG', 'CAP_WAKE_ALARM', 'CAP_BLOCK_SUSPEND', 'CAP_AUDIT_READ',
  'CAP_PERFMON', 'CAP_BPF', 'CAP_CHECKPOINT_RESTORE',
];

/**
 * The capabilities husk itself may grant: its own bounding set (a sandboxed
 * "root" may lack some, and asking the runtime for more fails every run).
 */
export function hostCaps(): string[] {
  try {
    const m = /^CapBnd:\s*([0-9a-f]+)$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (!m) return ALL_CAPS;
    const bits = BigInt(`0x${m[1]}`);
    return ALL_CAPS.filter((_, i) => (bits >> BigInt(i)) & 1n);
  } catch {
    return ALL_CAPS;
  }
}

/** Normalises "net_admin" / "CAP_NET_ADMIN" / "ALL". */
export function capName(c: string): string {
  const u = c.trim().toUpperCase();
  return u === 'ALL' ? 'ALL' : u.startsWith('CAP_') ? u : `CAP_${u}`;
}

/** Podman's rule: start from the defaults (or all when privileged), drop, then add. */
export function effectiveCaps(o: { privileged?: boolean; capAdd?: string[]; capDrop?: string[] }): string[] {
  // The host's bounding set only when asked for: reading /proc/self/status costs ~0.3 ms.
  let caps = o.privileged ? hostCaps() : [...DEFAULT_CAPS];
  const drop = (o.capDrop ?? []).map(capName);
  const add = (o.capAdd ?? []).map(capName);
  for (const c of [...drop, ...add]) if (c !== 'ALL' && !ALL_CAPS.includes(c)) throw invalidArgument(`unknown capability "${c}"`);
  if (drop.includes('ALL')) caps = [];
  else caps = caps.filter((c) => !drop.includes(c));
  if (add.includes('ALL')) caps = hostCaps();
  else for (const c of add) if (!caps.includes(c)) caps.push(c);
  return caps;
}

export const withNoNewPrivileges = (on: boolean): SpecOpt => (s) => { if (on) process_(s).noNewPrivileges = true; };

export const withSysctls = (sysctls: Record<string, string>): SpecOpt => (s) => {
  if (Object.keys(sysctls).length) linux(s).sysctl = { ...linux(s).sysctl, ...sysctls };
};

export const withOomScoreAdj = (adj: number | undefined): SpecOpt => (s) => { if (adj !== undefined) process_(s).oomScoreAdj = adj; };
