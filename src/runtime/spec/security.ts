// Confinement defaults matching Podman's for a rootful, unprivileged container.
import { existsSync, readdirSync } from 'node:fs';
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
