// A .container file becomes a service that runs the container in the
// foreground of systemd's supervision: `run --replace --rm -d` named after
// the unit, conmon in the service's cgroup (--cgroups=split, Delegate=yes),
// READY=1 from conmon (--sdnotify=conmon, Type=notify), and removal on stop
// even when conmon died (ExecStopPost).
import { existsSync } from 'node:fs';
import {
  type QuadletContext, addAllStrings, addBooleans, addKeyVals, addLogging, addNetworks, addPodmanArgs,
  addPublishPorts, addStrings, addUserMappings, addVolumes, absolutePath, baseCommand, fail, imageSource,
  initService, serviceFile, storageSource, stem,
} from './common.ts';
import type { UnitFile } from './unitfile.ts';

const G = 'Container';
const AUTO_UPDATE_LABEL = 'io.containers.autoupdate';

/** The container's name, possibly with specifiers: ContainerName= or systemd-%N (systemd-%p_%i for templates). */
export function containerName(unit: UnitFile): string {
  const name = unit.lookup(G, 'ContainerName');
  if (name) return name;
  return unit.fileName.includes('@') ? 'systemd-%p_%i' : 'systemd-%N';
}

/** The name with %N resolved, '' when other specifiers make it unknowable before systemd runs. */
export function containerResourceName(unit: UnitFile, serviceName: string): string {
  const name = containerName(unit).replaceAll('%N', serviceName);
  return name.includes('%') ? '' : name;
}

const HEALTH: [string, string][] = [
  ['HealthCmd', 'cmd'], ['HealthInterval', 'interval'], ['HealthOnFailure', 'on-failure'],
  ['HealthLogDestination', 'log-destination'], ['HealthMaxLogCount', 'max-log-count'],
  ['HealthMaxLogSize', 'max-log-size'], ['HealthRetries', 'retries'], ['HealthStartPeriod', 'start-period'],
  ['HealthTimeout', 'timeout'], ['HealthStartupCmd', 'startup-cmd'], ['HealthStartupInterval', 'startup-interval'],
  ['HealthStartupRetries', 'startup-retries'], ['HealthStartupSuccess', 'startup-success'],
  ['HealthStartupTimeout', 'startup-timeout'],
];

export function convertContainer(ctx: QuadletContext, unit: UnitFile): UnitFile {
  const { service } = initService(ctx, unit, G);
  let image = unit.lookup(G, 'Image') ?? '';
  const rootfs = unit.lookup(G, 'Rootfs') ?? '';
  if (!image && !rootfs) throw fail(unit, 'no Image or Rootfs key specified');
  if (image && rootfs) throw fail(unit, 'the Image And Rootfs keys conflict can not be specified together');
  if (image) image = imageSource(ctx, unit, service, image);
  const name = containerName(unit);

  // PODMAN_SYSTEMD_UNIT lets auto-update find and restart the unit.
  service.add('Service', 'Environment', 'PODMAN_SYSTEMD_UNIT=%n');
  // mixed lets conmon stop the container; anything that kills conmon first leaks it.
  const killMode = unit.lookup('Service', 'KillMode');
  if (killMode === undefined) service.set('Service', 'KillMode', 'mixed');
  else if (killMode !== 'mixed' && killMode !== 'control-group') throw fail(unit, `invalid KillMode '${killMode}'`);

  // conmon may die without removing the container: remove it by name, -i for when it is gone.
  const stop = baseCommand(ctx, unit, G).add('rm', '-v', '-f', '-i', name);
  service.addCmdline('Service', 'ExecStop', stop.args);
  // ExecStop does not run when the main process (conmon) was killed; *Post does.
  service.addCmdline('Service', 'ExecStopPost', ['-' + stop.args[0], ...stop.args.slice(1)]);
  addReload(ctx, unit, service, name);

  const cmd = baseCommand(ctx, unit, G).add('run', '--name', name, '--replace', '--rm');
  addLogging(unit, G, cmd);
  service.add('Service', 'Delegate', 'yes');
  const cgroups = unit.lookup(G, 'CgroupsMode');
  cmd.add(...(cgroups ? ['--cgroups', cgroups] : ['--cgroups=split']));

  addStrings(unit, G, cmd, [
    ['Timezone', '--tz'], ['PidsLimit', '--pids-limit'], ['ShmSize', '--shm-size'], ['Entrypoint', '--entrypoint'],
    ['WorkingDir', '--workdir'], ['IP', '--ip'], ['IP6', '--ip6'], ['HostName', '--hostname'],
    ['StopSignal', '--stop-signal'], ['StopTimeout', '--stop-timeout'], ['Pull', '--pull'], ['Memory', '--memory'],
    ['Retry', '--retry'], ['RetryDelay', '--retry-delay'],
  ]);
  addAllStrings(unit, G, cmd, [
    ['NetworkAlias', '--network-alias'], ['Ulimit', '--ulimit'], ['DNS', '--dns'], ['DNSOption', '--dns-option'],
    ['DNSSearch', '--dns-search'], ['GroupAdd', '--group-add'], ['AddHost', '--add-host'], ['Tmpfs', '--tmpfs'],
  ]);
  addBooleans(unit, G, cmd, [['RunInit', '--init'], ['EnvironmentHost', '--env-host'], ['ReadOnlyTmpfs', '--read-only-tmpfs']]);
  addNetworks(ctx, unit, G, service, cmd);

  const type = unit.lookup('Service', 'Type');
  if (type !== undefined && type !== 'notify' && type !== 'oneshot') throw fail(unit, `invalid service Type '${type}'`);
  if (type !== 'oneshot') {
    // Some form of sd_notify always: conmon's READY=1, or the container's own with Notify=yes.
    const notify = unit.lookup(G, 'Notify');
    if (notify?.toLowerCase() === 'healthy') cmd.add('--sdnotify=healthy');
    else if (unit.lookupBooleanOr(G, 'Notify', false)) cmd.add('--sdnotify=container');
    else cmd.add('--sdnotify=conmon');
    service.set('Service', 'Type', 'notify');
    service.set('Service', 'NotifyAccess', 'all');
    cmd.add('-d');
  }
  if (!unit.has('Service', 'SyslogIdentifier')) service.set('Service', 'SyslogIdentifier', '%N');

  if (unit.lookupBooleanOr(G, 'NoNewPrivileges', false)) cmd.add('--security-opt=no-new-privileges');
  if (unit.lookupBooleanOr(G, 'SecurityLabelDisable', false)) cmd.add('--security-opt', 'label=disable');
  if (unit.lookupBooleanOr(G, 'SecurityLabelNested', false)) cmd.add('--security-opt', 'label=nested');
  for (const [key, opt] of [['SecurityLabelType', 'type'], ['SecurityLabelFileType', 'filetype'], ['SecurityLabelLevel', 'level']]) {
    const v = unit.lookup(G, key);
    if (v) cmd.add('--security-opt', `label=${opt}:${v}`);
  }
  for (let device of unit.lookupAllStrv(G, 'AddDevice')) {
    // A leading "-" makes the device optional: skipped when the host lacks it.
    if (device.startsWith('-')) {
      device = device.slice(1);
      if (!existsSync(device.split(':')[0])) continue;
    }
    cmd.add('--device', device);
  }
  const seccomp = unit.lookup(G, 'SeccompProfile');
  if (seccomp !== undefined) cmd.add('--security-opt', `seccomp=${seccomp}`);
  for (const cap of unit.lookupAllStrv(G, 'DropCapability')) cmd.add('--cap-drop', cap.toLowerCase());
  for (const cap of unit.lookupAllStrv(G, 'AddCapability')) cmd.add('--cap-add', cap.toLowerCase());
  for (const s of unit.lookupAllStrv(G, 'Sysctl')) cmd.add('--sysctl', s);
  const readOnly = unit.lookupBoolean(G, 'ReadOnly');
  if (readOnly !== undefined) cmd.addBool('--read-only', readOnly);
  if (unit.lookupBooleanOr(G, 'VolatileTmp', false) && !readOnly) cmd.add('--tmpfs', '/tmp:rw,size=512M,mode=1777');

  const user = unit.lookup(G, 'User');
  const group = unit.lookup(G, 'Group');
  if (group && !user) throw fail(unit, 'invalid Group set without User');
  if (user) cmd.add('--user', group ? `${user}:${group}` : user);
  addUserMappings(unit, G, cmd, true);
  addVolumes(ctx, unit, G, service, cmd);

  const update = unit.lookup(G, 'AutoUpdate');
  if (update) cmd.add('--label', `${AUTO_UPDATE_LABEL}=${update}`);
  for (const port of unit.lookupAll(G, 'ExposeHostPort').map((p) => p.trim())) {
    if (!/\d+(-\d+)?(\/udp|\/tcp)?$/.test(port)) throw fail(unit, `invalid port format '${port}'`);
    cmd.add('--expose', port);
  }
  addPublishPorts(unit, G, cmd);
  addKeyVals(unit, G, cmd, [['Environment', '--env'], ['Label', '--label'], ['Annotation', '--annotation']]);
  for (const m of unit.lookupAllArgs(G, 'Mask')) cmd.add('--security-opt', `mask=${m}`);
  for (const m of unit.lookupAllArgs(G, 'Unmask')) cmd.add('--security-opt', `unmask=${m}`);
  for (const f of unit.lookupAllArgs(G, 'EnvironmentFile')) cmd.add('--env-file', absolutePath(unit, f));
  for (const s of unit.lookupAllArgs(G, 'Secret')) cmd.add('--secret', s);
  for (const m of unit.lookupAllArgs(G, 'Mount')) cmd.add('--mount', mountParams(ctx, unit, service, m));
  for (const [key, arg] of HEALTH) {
    const v = unit.lookup(G, key);
    if (v) cmd.add(`--health-${arg}`, v);
  }
  addPod(ctx, unit, service, cmd);
  addPodmanArgs(unit, G, cmd);
  if (image) cmd.add(image);
  else cmd.add('--rootfs', rootfs);
  cmd.add(...(unit.lookupLastArgs(G, 'Exec') ?? []));
  service.addCmdline('Service', 'ExecStart', cmd.args);
  return service;
}

/** ReloadCmd= (exec in the container) or ReloadSignal= (kill): ExecReload=. */
function addReload(ctx: QuadletContext, unit: UnitFile, service: UnitFile, name: string): void {
  const signal = unit.lookup(G, 'ReloadSignal');
  const reload = unit.lookupLastArgs(G, 'ReloadCmd');
  const hasCmd = !!reload?.length;
  if (!signal && !hasCmd) return;
  if (signal && hasCmd) throw fail(unit, 'ReloadCmd and ReloadSignal are mutually exclusive but both are set');
  const cmd = baseCommand(ctx, unit, G);
  if (hasCmd) cmd.add('exec', name, ...reload!);
  else cmd.add('kill', '--signal', signal!, name);
  service.addCmdline('Service', 'ExecReload', cmd.args);
}

/** Pod=foo.pod: run in the pod, bound to its service, and started by it unless StartWithPod=no. */
function addPod(ctx: QuadletContext, unit: UnitFile, service: UnitFile, cmd: { add(...a: string[]): unknown }): void {
  const pod = unit.lookup(G, 'Pod');
  if (!pod) return;
  if (!pod.endsWith('.pod')) throw fail(unit, `pod ${pod} is not Quadlet based`);
  const info = ctx.units.get(pod);
  if (!info) throw fail(unit, `quadlet pod unit ${pod} does not exist`);
  cmd.add('--pod', info.resourceName);
  service.add('Unit', 'BindsTo', serviceFile(info));
  service.add('Unit', 'After', serviceFile(info));
  if (unit.lookupBooleanOr(G, 'StartWithPod', true)) info.containersToStart.push(service.fileName);
}

/** Mount=type=volume,source=foo.volume,... with the source resolved like Volume=. */
function mountParams(ctx: QuadletContext, unit: UnitFile, service: UnitFile, mount: string): string {
  const tokens = parseCsv(mount);
  let type = 'volume';
  const rest: string[] = [];
  for (const t of tokens) {
    if (t.startsWith('type=')) type = t.slice(5);
    else rest.push(t);
  }
  if (!['volume', 'bind', 'glob', 'image'].includes(type)) return mount;
  const i = rest.findIndex((t) => t.startsWith('source=') || t.startsWith('src='));
  if (i >= 0) {
    const source = rest[i].slice(rest[i].indexOf('=') + 1);
    if (!source) throw fail(unit, 'source parameter does not include a value');
    rest[i] = `source=${storageSource(ctx, unit, service, source, true)}`;
  }
  return toCsv([`type=${type}`, ...rest]);
}

/** One line of CSV (Mount= values are CSV: a field may be quoted to hold commas). */
function parseCsv(s: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (quoted) {
      if (c === '"' && s[i + 1] === '"') { cur += '"'; i++; } else if (c === '"') quoted = false; else cur += c;
    } else if (c === '"' && cur === '') quoted = true;
    else if (c === ',') { out.push(cur); cur = ''; } else cur += c;
  }
  out.push(cur);
  return out;
}

const toCsv = (fields: string[]) =>
  fields.map((f) => (/[",\n\r]/.test(f) || f.startsWith(' ') ? `"${f.replaceAll('"', '""')}"` : f)).join(',');

/** The service name of a .container file: ServiceName= or the file's stem. */
export const containerServiceName = (unit: UnitFile) => unit.lookup(G, 'ServiceName') ?? stem(unit.fileName);
