// The unit of one container. Without `new` it starts and stops an existing
// container (Type=forking on conmon's PID file); with `new` it runs a fresh
// container from the stored create command on every start and removes it on
// stop (Type=notify: conmon sends READY=1 through --sdnotify=conmon).
import { invalidArgument } from '../common/errors.ts';
import {
  filterCommonContainerFlags, filterPodFlags, flagBool, flagChanged, flagString, removeDetachFalse,
  removeReplaceFalse, removeSdNotify, scanFlags,
} from './createflags.ts';
import { escapeSystemdArg, escapeSystemdArgs, formatOptions } from './escape.ts';
import {
  DEFAULT_RESTART_POLICY, INSTALL, MIN_TIMEOUT_STOP_SEC, UNIT_ENV, header, serviceName, userDependencies,
  validateRestartPolicy,
} from './header.ts';
import type { ContainerUnitInput, GenerateOptions, GeneratedUnit } from './types.ts';

/** Where a `new` unit keeps the ID of the container it ran. */
const CIDFILE = '%t/%n.ctr-id';

/** The container's unit name and the name or ID its commands use. */
export function containerServiceName(ctr: ContainerUnitInput, opts: GenerateOptions): { nameOrId: string; service: string } {
  const nameOrId = opts.useName ? ctr.name : ctr.id;
  return { nameOrId, service: serviceName(opts.containerPrefix ?? 'container', opts.separator ?? '-', nameOrId) };
}

/** What a member unit needs from its pod's unit. */
export interface PodLink {
  /** Units this one is bound to: the pod's and those of containers it depends on. */
  boundTo: string[];
  /** The pod's --pod-id-file under `new`. */
  podIdFile?: string;
}

interface ServicePart {
  type: 'forking' | 'notify';
  execStartPre?: string;
  execStart: string;
  execStop: string;
  execStopPost: string;
  pidFile?: string;
  restartPolicy: string;
  startLimitBurst?: string;
  extraEnvs: string[];
}

export function containerUnit(ctr: ContainerUnitInput, opts: GenerateOptions, pod?: PodLink): GeneratedUnit {
  const { nameOrId, service } = containerServiceName(ctr, opts);
  const exe = opts.executable;
  const stop = opts.stopTimeout ?? ctr.stopTimeout;
  const isNew = !!(opts.new || opts.template);
  if (opts.restartPolicy !== undefined) validateRestartPolicy(opts.restartPolicy);

  let part: ServicePart;
  if (isNew) {
    part = newService(ctr, opts, service, stop, pod);
  } else {
    // Podman #15284: a restart policy of the container's own fights systemd's at shutdown.
    if (ctr.restartPolicy && ctr.restartPolicy !== 'no') {
      opts.warn?.(`Container ${ctr.id} has restart policy "${ctr.restartPolicy}" which can lead to issues on shutdown: consider recreating the container without a restart policy and use systemd's restart mechanism instead`);
    }
    part = {
      type: 'forking',
      execStart: `${exe} start ${nameOrId}`,
      execStop: `${exe} stop  \\\n\t-t ${stop} ${nameOrId}`,
      execStopPost: `${exe} stop  \\\n\t-t ${stop} ${nameOrId}`,
      pidFile: ctr.conmonPidFile,
      restartPolicy: opts.restartPolicy ?? DEFAULT_RESTART_POLICY,
      extraEnvs: [],
    };
  }

  const lines = header({
    serviceName: service, template: !!opts.template, noHeader: !!opts.noHeader, version: opts.version,
    now: opts.now ?? new Date(), runRoot: isNew ? '%t/containers' : ctr.runRoot,
  });
  const bound = [...(pod?.boundTo ?? [])].sort();
  if (bound.length) {
    const units = bound.map((s) => `${s}.service`).join(' ');
    lines.push(`BindsTo=${units}`, `After=${units}`);
  }
  lines.push(...userDependencies(opts.wants ?? [], opts.after ?? [], opts.requires ?? []));
  lines.push('', '[Service]', `Environment=${UNIT_ENV}=%n${opts.template ? '-%i' : ''}`);
  if (part.extraEnvs.length) lines.push(`Environment=${part.extraEnvs.join(' ')}`);
  for (const e of opts.env ?? []) lines.push(`Environment=${escapeSystemdArg(e)}`);
  lines.push(`Restart=${part.restartPolicy}`);
  if (opts.restartSec) lines.push(`RestartSec=${opts.restartSec}`);
  if (part.startLimitBurst) lines.push(`StartLimitBurst=${part.startLimitBurst}`);
  if (opts.startTimeout) lines.push(`TimeoutStartSec=${opts.startTimeout}`);
  lines.push(`TimeoutStopSec=${MIN_TIMEOUT_STOP_SEC + stop}`);
  if (part.execStartPre) lines.push(`ExecStartPre=${part.execStartPre}`);
  lines.push(`ExecStart=${part.execStart}`, `ExecStop=${part.execStop}`, `ExecStopPost=${part.execStopPost}`);
  if (part.pidFile) lines.push(`PIDFile=${part.pidFile}`);
  lines.push(`Type=${part.type}`);
  if (part.type === 'notify') lines.push('NotifyAccess=all');
  lines.push(...INSTALL);
  return { serviceName: service, fileName: `${service}${opts.template ? '@' : ''}.service`, text: lines.join('\n') + '\n' };
}

/** The `new` variant: the create command rewritten into a `run` that systemd supervises. */
function newService(ctr: ContainerUnitInput, opts: GenerateOptions, service: string, stop: number, pod?: PodLink): ServicePart {
  const cmd = ctr.createCommand;
  if (!cmd) {
    throw invalidArgument(`cannot use --new on container "${ctr.id}": no create command found: only works on containers created directly with husk but not via REST API`);
  }
  const at = cmd.findIndex((a) => a === 'run' || a === 'create');
  if (at < 0) throw invalidArgument(`container's create command is too short or invalid: [${cmd.join(' ')}]`);

  // Words before the subcommand (global flags, "container") stay; create becomes run.
  // `start` holds words already escaped: the %t paths must reach systemd as specifiers.
  const globals = cmd.slice(1, at);
  const start = [...escapeSystemdArgs([opts.executable, ...globals]), 'run', '--cidfile=' + CIDFILE, '--cgroups=no-conmon', '--rm'];
  let rest = cmd.slice(at + 1);
  const flags = scanFlags(rest);
  rest = filterCommonContainerFlags(rest, flags.nArg);
  if (pod?.podIdFile) {
    start.push('--pod-id-file', pod.podIdFile);
    rest = filterPodFlags(rest, flags.nArg);
  }
  // Type=notify needs READY=1: conmon sends it unless the container was set to.
  const sdnotify = flagString(flags, 'sdnotify');
  if (sdnotify === undefined) start.push('--sdnotify=conmon');
  else if (sdnotify === 'ignore') {
    rest = removeSdNotify(rest, flags.nArg);
    start.push('--sdnotify=conmon');
  }
  // A run in the foreground would hold ExecStart until the container exits.
  if (!flagBool(flags, 'detach')) {
    start.push('-d');
    if (flagChanged(flags, 'detach')) rest = removeDetachFalse(rest, flags.nArg);
  }
  // A named container left over from a crash must not block the next start (Podman #5485).
  if (flagChanged(flags, 'name') && !flagBool(flags, 'replace')) {
    start.push('--replace');
    if (flagChanged(flags, 'replace')) rest = removeReplaceFalse(rest, flags.nArg);
  }

  let restartPolicy = opts.restartPolicy ?? DEFAULT_RESTART_POLICY;
  let startLimitBurst: string | undefined;
  const own = flagString(flags, 'restart');
  if (opts.restartPolicy === undefined && own) {
    // The container's policy becomes systemd's: on-failure:N as a start limit, unless-stopped as always.
    const [policy, count] = own.split(':');
    restartPolicy = policy === 'unless-stopped' ? 'always' : policy;
    if (policy === 'on-failure' && count !== undefined) startLimitBurst = count;
  }

  // `-e KEY` reads KEY from the caller's environment: the unit must set it.
  const extraEnvs: string[] = [];
  for (const e of flags.values.get('env') ?? []) {
    if (e.includes('=')) continue;
    for (const kv of ctr.env ?? []) if (kv.split('=')[0] === e) extraEnvs.push(escapeSystemdArg(kv));
  }

  let words = [...start, ...escapeSystemdArgs(rest)];
  if (opts.template) words = nameForTemplate(words, service);
  const exe = opts.executable;
  // Podman's RootFlags: stop and rm must reach the store (--root/--runroot) the container was run in.
  const rootFlags = globals.filter((g) => g !== 'container');
  const root = rootFlags.length ? escapeSystemdArgs(rootFlags).join(' ') + ' ' : '';
  return {
    type: 'notify',
    execStartPre: `/bin/rm \\\n\t-f ${CIDFILE}`,
    execStart: formatOptions(words),
    execStop: `${exe} ${root}stop \\\n\t--ignore -t ${stop} \\\n\t--cidfile=${CIDFILE}`,
    execStopPost: `${exe} ${root}rm \\\n\t-f \\\n\t--ignore -t ${stop} \\\n\t--cidfile=${CIDFILE}`,
    restartPolicy,
    startLimitBurst,
    extraEnvs,
  };
}

/** Every instance of a template unit needs its own container name: NAME-%i. */
function nameForTemplate(words: string[], service: string): string[] {
  const out = [...words];
  for (let i = 0; i < out.length; i++) {
    if (out[i] === '--name' && i + 1 < out.length) { out[i + 1] += '-%i'; return out; }
    if (out[i].startsWith('--name=')) { out[i] += '-%i'; return out; }
  }
  const run = out.indexOf('run');
  out.splice(run + 1, 0, `--name=${service}-%i`);
  return out;
}
