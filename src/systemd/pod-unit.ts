// The units of a pod: one for the pod, whose main process is the infra
// container's conmon, and one per member container, bound to it. The pod
// unit Wants= its members and orders itself Before= them, so starting the
// pod starts everything and stopping it takes the members down with it.
import { invalidArgument } from '../common/errors.ts';
import { containerServiceName, containerUnit } from './container-unit.ts';
import { filterPodFlags, flagBool, flagChanged, removeReplaceFalse, scanFlags } from './createflags.ts';
import { escapeSystemdArgs, formatOptions } from './escape.ts';
import { DEFAULT_RESTART_POLICY, INSTALL, MIN_TIMEOUT_STOP_SEC, UNIT_ENV, header, serviceName, validateRestartPolicy } from './header.ts';
import type { GenerateOptions, GeneratedUnit, PodUnitInput } from './types.ts';
import { compareText } from '../common/order.ts';

export function podServiceName(pod: PodUnitInput, opts: GenerateOptions): string {
  return serviceName(opts.podPrefix ?? 'pod', opts.separator ?? '-', opts.useName ? pod.name : pod.id);
}

/** The pod unit first, then its members sorted by unit name. */
export function podUnits(pod: PodUnitInput, opts: GenerateOptions): GeneratedUnit[] {
  if (opts.template) throw invalidArgument('--template is not supported for pods');
  const podService = podServiceName(pod, opts);
  const podIdFile = opts.new ? `%t/${podService}.pod-id` : undefined;
  const byId = new Map(pod.containers.map((c) => [c.id, c]));

  const members = pod.containers.map((ctr) => {
    // Bound to the pod (the infra container) and to the members it depends on.
    const boundTo = [podService];
    for (const dep of ctr.dependsOn ?? []) {
      const other = byId.get(dep);
      if (other) boundTo.push(containerServiceName(other, opts).service);
    }
    return containerUnit(ctr, opts, { boundTo, podIdFile });
  });
  members.sort((a, b) => compareText(a.serviceName, b.serviceName));
  return [podUnit(pod, opts, podService, members.map((m) => m.serviceName)), ...members];
}

function podUnit(pod: PodUnitInput, opts: GenerateOptions, service: string, required: string[]): GeneratedUnit {
  if (opts.restartPolicy !== undefined) validateRestartPolicy(opts.restartPolicy);
  const exe = opts.executable;
  const infra = opts.useName ? pod.infra.name : pod.infra.id;
  const stop = opts.stopTimeout ?? pod.infra.stopTimeout;

  let pidFile = pod.infra.conmonPidFile;
  let execStartPre: string[] = [];
  let execStart = `${exe} start ${infra}`;
  let execStop = `${exe} stop  \\\n\t-t ${stop} ${infra}`;
  let execStopPost = execStop;
  if (opts.new) {
    pidFile = `%t/${service}.pid`;
    const podIdFile = `%t/${service}.pod-id`;
    const cmd = pod.createCommand ?? [];
    const at = cmd.findIndex((a, i) => i > 0 && cmd[i - 1] === 'pod' && a === 'create');
    if (cmd.length < 3 || at < 0) {
      throw invalidArgument(`pod does not appear to be created via \`husk pod create\`: [${cmd.join(' ')}]`);
    }
    const globals = cmd.slice(1, at - 1);
    let args = filterPodFlags(cmd.slice(at + 1), 0);
    const flags = scanFlags(args);
    if (flagChanged(flags, 'name') && !flagBool(flags, 'replace')) {
      if (flagChanged(flags, 'replace')) args = removeReplaceFalse(args, flags.nArg);
      args.push('--replace');
    }
    // The pod unit is the pod: when its last member exits, the pod (and unit) stops.
    const exitPolicy = args.some((a) => a === '--exit-policy' || a.startsWith('--exit-policy='));
    const create = [
      ...escapeSystemdArgs([exe, ...globals]), 'pod', 'create',
      '--infra-conmon-pidfile', pidFile, '--pod-id-file', podIdFile,
      ...(exitPolicy ? [] : ['--exit-policy=stop']), ...escapeSystemdArgs(args),
    ];
    const root = globals.length ? escapeSystemdArgs(globals).join(' ') + ' ' : '';
    execStartPre = [`/bin/rm \\\n\t-f ${pidFile} ${podIdFile}`, formatOptions(create)];
    execStart = `${exe} ${root}pod start \\\n\t--pod-id-file ${podIdFile}`;
    execStop = `${exe} ${root}pod stop \\\n\t--ignore \\\n\t--pod-id-file ${podIdFile}  \\\n\t-t ${stop}`;
    execStopPost = `${exe} ${root}pod rm \\\n\t--ignore \\\n\t-f \\\n\t--pod-id-file ${podIdFile}`;
  }

  const lines = header({
    serviceName: service, template: false, noHeader: !!opts.noHeader, version: opts.version,
    now: opts.now ?? new Date(), runRoot: pod.infra.runRoot,
  });
  const units = [...required].sort().map((s) => `${s}.service`).join(' ');
  lines.push(`Wants=${units}`, `Before=${units}`);
  lines.push('', '[Service]', `Environment=${UNIT_ENV}=%n`, `Restart=${opts.restartPolicy ?? DEFAULT_RESTART_POLICY}`);
  if (opts.restartSec) lines.push(`RestartSec=${opts.restartSec}`);
  lines.push(`TimeoutStopSec=${MIN_TIMEOUT_STOP_SEC + stop}`);
  for (const pre of execStartPre) lines.push(`ExecStartPre=${pre}`);
  lines.push(`ExecStart=${execStart}`, `ExecStop=${execStop}`, `ExecStopPost=${execStopPost}`, `PIDFile=${pidFile}`, 'Type=forking');
  lines.push(...INSTALL);
  return { serviceName: service, fileName: `${service}.service`, text: lines.join('\n') + '\n' };
}
