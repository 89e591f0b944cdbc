// Health checks in the spec: run/create's --health-* flags parsed into a
// HealthcheckSpec (Podman's makeHealthCheckFromCli, with its messages), and
// the merge at create of the spec's check with the image's HEALTHCHECK into
// the check the engine runs, every default filled in. Pure.
import { invalidArgument } from '../common/errors.ts';
import type { HealthcheckSpec, HealthOnFailure, StartupHealthcheckSpec } from './container.ts';
import { parseDuration } from './duration.ts';

export const DEFAULT_INTERVAL = 30e9;
export const DEFAULT_TIMEOUT = 30e9;
export const DEFAULT_RETRIES = 3;

/** A startup check with every field set. */
export type ResolvedStartupHealthcheck = Required<StartupHealthcheckSpec>;

/** The check a container runs: HealthcheckSpec with every field set (interval -1: no schedule), and its startup check if any. */
export type ResolvedHealthcheck = Required<Omit<HealthcheckSpec, 'startup'>> & { startup?: ResolvedStartupHealthcheck };

/** An image config's Healthcheck (Docker's HealthConfig; durations in nanoseconds). */
export interface ImageHealthConfig {
  Test?: string[] | null;
  Interval?: number;
  Timeout?: number;
  StartPeriod?: number;
  Retries?: number;
}

/** The --health-* flags of run/create, as typed. */
export interface HealthFlags {
  cmd?: string;
  interval?: string;
  retries?: string;
  startPeriod?: string;
  timeout?: string;
  onFailure?: string;
  /** --no-healthcheck */
  disable?: boolean;
  /** --health-startup-cmd and its options (only with --health-cmd, as in Podman). */
  startupCmd?: string;
  startupInterval?: string;
  startupRetries?: string;
  startupSuccess?: string;
  startupTimeout?: string;
}

/**
 * The flags as a HealthcheckSpec, or undefined when none was given. The
 * other --health-* flags apply only with --health-cmd (as in Podman);
 * --health-on-failure alone keeps the image's check ({test: []}).
 */
export function parseHealthFlags(f: HealthFlags): HealthcheckSpec | undefined {
  if (f.disable && f.cmd !== undefined) throw invalidArgument('cannot specify both --no-healthcheck and --health-cmd');
  if (f.startupCmd !== undefined && (f.cmd === undefined || f.disable)) throw invalidArgument('--health-startup-cmd needs a regular healthcheck (--health-cmd)');
  const onFailure = f.onFailure as HealthOnFailure | undefined;
  if (f.disable) return { test: ['NONE'], ...(onFailure ? { onFailure } : {}) };
  if (f.cmd === undefined) return onFailure ? { test: [], onFailure } : undefined;
  const test = healthTest(f.cmd);
  if (test[0] === 'NONE') return { test, ...(onFailure ? { onFailure } : {}) };
  const interval = f.interval === 'disable' ? 0 : flagDuration(f.interval ?? '30s', 'healthcheck-interval');
  const retries = f.retries === undefined ? DEFAULT_RETRIES : Number(f.retries);
  if (!/^\d+$/.test(f.retries ?? '3')) throw invalidArgument(`invalid argument "${f.retries}" for "--health-retries" flag: strconv.ParseUint: parsing "${f.retries}": invalid syntax`);
  if (retries < 1) throw invalidArgument('healthcheck-retries must be greater than 0');
  const timeout = flagDuration(f.timeout ?? '30s', 'healthcheck-timeout');
  if (timeout < 1) throw invalidArgument('healthcheck-timeout must be at least 1 second');
  const startPeriod = flagDuration(f.startPeriod ?? '0s', 'healthcheck-start-period');
  if (startPeriod < 0) throw invalidArgument('healthcheck-start-period must be 0 seconds or greater');
  const startup = parseStartupFlags(f);
  // Podman's interval 0 is "no timer"; the spec's 0 is Docker's "the default".
  return { test, interval: interval <= 0 ? -1 : interval, timeout, startPeriod, retries, ...(onFailure ? { onFailure } : {}), ...(startup ? { startup } : {}) };
}

function parseStartupFlags(f: HealthFlags): StartupHealthcheckSpec | undefined {
  if (f.startupCmd === undefined) return undefined;
  const test = healthTest(f.startupCmd);
  if (test[0] === 'NONE') throw invalidArgument('invalid startup healthcheck command "none"');
  const count = (v: string | undefined, flag: string) => {
    if (v === undefined) return 0;
    if (!/^\d+$/.test(v)) throw invalidArgument(`invalid argument "${v}" for "--${flag}" flag: strconv.ParseUint: parsing "${v}": invalid syntax`);
    return Number(v);
  };
  const interval = flagDuration(f.startupInterval ?? '30s', 'startup-healthcheck-interval');
  if (interval < 1) throw invalidArgument('startup-healthcheck-interval must be at least 1 second');
  const timeout = flagDuration(f.startupTimeout ?? '30s', 'startup-healthcheck-timeout');
  if (timeout < 1) throw invalidArgument('startup-healthcheck-timeout must be at least 1 second');
  return { test, interval, timeout, retries: count(f.startupRetries, 'health-startup-retries'), successes: count(f.startupSuccess, 'health-startup-success') };
}

function flagDuration(v: string, what: string): number {
  try {
    return parseDuration(v);
  } catch (err) {
    throw invalidArgument(`invalid ${what}: ${(err as Error).message}`);
  }
}

/**
 * --health-cmd: a JSON array (["CMD", ...], ["CMD-SHELL", "..."], or a
 * plain argv, run as is) or a command line for /bin/sh -c; "none" disables
 * the image's check.
 */
export function healthTest(cmd: string): string[] {
  let arr: unknown;
  try { arr = JSON.parse(cmd); } catch {}
  const isArr = Array.isArray(arr) && arr.every((x) => typeof x === 'string');
  const words = isArr ? arr as string[] : [cmd];
  if (!words.length || !words[0]) throw invalidArgument('must define a healthcheck command for all healthchecks');
  const first = (isArr ? words[0] : cmd.trim().split(/\s+/)[0]).toUpperCase();
  if (first === 'NONE') return ['NONE'];
  if (first === 'CMD' || first === 'CMD-SHELL') {
    // A command line starting with the keyword ("CMD /bin/check") is split on blanks, as Podman does.
    const parts = isArr ? words : cmd.trim().split(/\s+/);
    return first === 'CMD' ? ['CMD', ...parts.slice(1)] : ['CMD-SHELL', parts.slice(1).join(' ')];
  }
  return isArr && words.length > 1 ? ['CMD', ...words] : ['CMD-SHELL', words.join(' ')];
}

/**
 * The check a new container runs: the spec's test, else the image's (the
 * spec's [] or no spec at all); each duration and the retries from the spec
 * when set (non-zero), else the image's, else the default (Docker's merge). ["NONE"] on either side that wins
 * means no check. An on-failure action needs a check (Podman's message).
 */
export function resolveHealthcheck(spec: HealthcheckSpec | undefined, image: ImageHealthConfig | undefined): ResolvedHealthcheck | undefined {
  const onFailure = spec?.onFailure ?? 'none';
  const test = spec?.test.length ? spec.test : image?.Test ?? [];
  if (!test.length || test[0] === 'NONE') {
    if (onFailure !== 'none') throw invalidArgument(`cannot set on-failure action to ${onFailure} without a health check`);
    if (spec?.startup) throw invalidArgument('a startup health check needs a regular health check');
    return undefined;
  }
  const s = spec?.startup;
  const pick = (own: number | undefined, img: number | undefined, dflt: number) => own || img || dflt;
  return {
    test: [...test],
    interval: pick(spec?.interval, image?.Interval, DEFAULT_INTERVAL),
    timeout: pick(spec?.timeout, image?.Timeout, DEFAULT_TIMEOUT),
    startPeriod: pick(spec?.startPeriod, image?.StartPeriod, 0),
    retries: pick(spec?.retries, image?.Retries, DEFAULT_RETRIES),
    onFailure,
    ...(s ? { startup: { test: [...s.test], interval: s.interval || DEFAULT_INTERVAL, timeout: s.timeout || DEFAULT_TIMEOUT, retries: s.retries ?? 0, successes: s.successes || 1 } } : {}),
  };
}

/** The argv a check's test runs in the container: CMD's args, CMD-SHELL through /bin/sh -c, anything else as is. */
export function healthArgv(test: string[]): string[] {
  if (test[0] === 'CMD') return test.slice(1);
  if (test[0] === 'CMD-SHELL') return ['/bin/sh', '-c', test.slice(1).join(' ')];
  return test;
}
