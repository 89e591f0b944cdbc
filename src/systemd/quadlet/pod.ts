// .pod and .kube files. A pod service creates the pod in ExecStartPre and
// starts it (Type=forking on the infra container's conmon PID file); its
// member containers bind to it and it Wants=/Before= them. A kube service
// plays the YAML with a service container that systemd supervises.
import {
  type QuadletContext, absolutePath, addLogging, addNetworks, addPodmanArgs, addPublishPorts, addAllStrings,
  addKeyVals, addStrings, addUserMappings, addVolumes, baseCommand, fail, initService, setWorkingDirectory, stem,
} from './common.ts';
import type { UnitFile } from './unitfile.ts';

/** PodName=, or systemd-STEM. */
export const podName = (unit: UnitFile) => unit.lookup('Pod', 'PodName') || `systemd-${stem(unit.fileName)}`;

export function convertPod(ctx: QuadletContext, unit: UnitFile): UnitFile {
  const G = 'Pod';
  const { service, info } = initService(ctx, unit, G);
  const name = podName(unit);
  for (const member of info.containersToStart) {
    service.add('Unit', 'Wants', member);
    service.add('Unit', 'Before', member);
  }
  if (!unit.has('Service', 'SyslogIdentifier')) service.set('Service', 'SyslogIdentifier', '%N');
  service.addCmdline('Service', 'ExecStart', baseCommand(ctx, unit, G).add('pod', 'start', name).args);
  service.addCmdline('Service', 'ExecStop', baseCommand(ctx, unit, G).add('pod', 'stop', '--ignore', '--time=10', name).args);
  service.addCmdline('Service', 'ExecStopPost', baseCommand(ctx, unit, G).add('pod', 'rm', '--ignore', '--force', name).args);

  const create = baseCommand(ctx, unit, G).add('pod', 'create', '--infra-conmon-pidfile=%t/%N.pid', '--replace');
  create.add('--exit-policy', unit.lookup(G, 'ExitPolicy') ?? 'stop');
  addUserMappings(unit, G, create, true);
  addPublishPorts(unit, G, create);
  addKeyVals(unit, G, create, [['Label', '--label']]);
  addNetworks(ctx, unit, G, service, create);
  addStrings(unit, G, create, [['IP', '--ip'], ['IP6', '--ip6'], ['ShmSize', '--shm-size']]);
  addAllStrings(unit, G, create, [
    ['NetworkAlias', '--network-alias'], ['DNS', '--dns'], ['DNSOption', '--dns-option'], ['DNSSearch', '--dns-search'],
    ['AddHost', '--add-host'], ['HostName', '--hostname'],
  ]);
  addVolumes(ctx, unit, G, service, create);
  create.add('--infra-name', `${name}-infra`, '--name', name);
  addPodmanArgs(unit, G, create);
  service.addCmdline('Service', 'ExecStartPre', create.args);

  service.set('Service', 'Environment', 'PODMAN_SYSTEMD_UNIT=%n');
  service.set('Service', 'Type', 'forking');
  service.set('Service', 'Restart', 'on-failure');
  service.set('Service', 'PIDFile', '%t/%N.pid');
  return service;
}

export function convertKube(ctx: QuadletContext, unit: UnitFile): UnitFile {
  const G = 'Kube';
  const { service } = initService(ctx, unit, G);
  const yamlKey = unit.lookup(G, 'Yaml');
  if (!yamlKey) throw fail(unit, 'no Yaml key specified');
  const yaml = absolutePath(unit, yamlKey);

  const killMode = unit.lookup('Service', 'KillMode');
  if (killMode === undefined) service.set('Service', 'KillMode', 'mixed');
  else if (killMode !== 'mixed' && killMode !== 'control-group') throw fail(unit, `invalid KillMode '${killMode}'`);
  service.add('Service', 'Environment', 'PODMAN_SYSTEMD_UNIT=%n');
  // Type=oneshot allows YAML with only volumes or config maps, which has no service container.
  const type = unit.lookup('Service', 'Type');
  if (type !== undefined && type !== 'notify' && type !== 'oneshot') throw fail(unit, `invalid service Type '${type}'`);
  if (type !== 'oneshot') {
    service.set('Service', 'Type', 'notify');
    service.set('Service', 'NotifyAccess', 'all');
  }
  if (!unit.has('Service', 'SyslogIdentifier')) service.set('Service', 'SyslogIdentifier', '%N');

  const play = baseCommand(ctx, unit, G).add('kube', 'play', '--replace', '--service-container=true');
  const ecp = unit.lookup(G, 'ExitCodePropagation');
  if (ecp) play.add(`--service-exit-code-propagation=${ecp}`);
  addLogging(unit, G, play);
  addUserMappings(unit, G, play, false);
  addNetworks(ctx, unit, G, service, play);
  // AutoUpdate=registry applies to every container; AutoUpdate=ctr/registry to one.
  for (const update of unit.lookupAllStrv(G, 'AutoUpdate')) {
    const slash = update.indexOf('/');
    play.add(slash < 0
      ? `--annotation=io.containers.autoupdate=${update}`
      : `--annotation=io.containers.autoupdate/${update.slice(0, slash)}=${update.slice(slash + 1)}`);
  }
  for (const cm of unit.lookupAllStrv(G, 'ConfigMap')) play.add('--configmap', absolutePath(unit, cm));
  addPublishPorts(unit, G, play);
  addPodmanArgs(unit, G, play);
  play.add(yaml);
  service.addCmdline('Service', 'ExecStart', play.args);

  // ExecStopPost cleans up even after a failed start, where ExecStop would not run.
  const down = baseCommand(ctx, unit, G).add('kube', 'down');
  const force = unit.lookupBoolean(G, 'KubeDownForce');
  if (force !== undefined) down.addBool('--force', force);
  service.addCmdline('Service', 'ExecStopPost', down.add(yaml).args);
  setWorkingDirectory(unit, G, service);
  return service;
}
