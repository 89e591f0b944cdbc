// The flags pod create and pod clone share: Podman defines them for the
// pod's infra container. Each is parsed by run/create's own parser
// (intentFrom), so the values and errors are a container's.
import type { Command } from 'commander';
import { invalidArgument } from '../common/errors.ts';
import type { PodInfraSpec, PodResources } from '../specgen/pod.ts';
import { parseLabels, readFlagFileLines } from './common.ts';
import { INFRA } from './sharedflags.ts';

type Opts = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Podman's pod create/clone flags for the infra container, its cgroup and the pod's labels. */
export function addPodInfraFlags(cmd: Command): Command {
  return cmd
    .addOption(INFRA.label())
    .addOption(INFRA.labelFile())
    .addOption(INFRA.hostname())
    .option('--infra-command <cmd>', 'Overwrite the default ENTRYPOINT of the image')
    .option('--infra-conmon-pidfile <file>', 'Path to the file that will receive the PID of conmon')
    .option('--infra-name <name>', 'Assign a name to the container')
    .addOption(INFRA.cgroupParent())
    .addOption(INFRA.cpuShares())
    .addOption(INFRA.cpus())
    .addOption(INFRA.cpusetCpus())
    .addOption(INFRA.cpusetMems())
    .addOption(INFRA.blkioWeight())
    .addOption(INFRA.blkioWeightDevice())
    .addOption(INFRA.deviceReadBps())
    .addOption(INFRA.deviceWriteBps())
    .addOption(INFRA.memory())
    .addOption(INFRA.memorySwap())
    .addOption(INFRA.device())
    .addOption(INFRA.volume())
    .addOption(INFRA.volumesFrom())
    .addOption(INFRA.securityOpt())
    .addOption(INFRA.sysctl())
    .addOption(INFRA.shmSize())
    .addOption(INFRA.userns())
    .addOption(INFRA.uidmap())
    .addOption(INFRA.gidmap())
    .addOption(INFRA.subuidname())
    .addOption(INFRA.subgidname())
    .addOption(INFRA.pid())
    .addOption(INFRA.uts());
}

export interface PodInfraSettings {
  labels: Record<string, string>;
  resources?: PodResources;
  infraSpec?: PodInfraSpec;
  ip?: string;
  ip6?: string;
  mac?: string;
}

/** The shared flags as the pod API takes them; --ip/--ip6/--mac-address too when given (pod create). */
export async function podInfraFrom(o: Opts): Promise<PodInfraSettings> {
  let labels: Record<string, string>;
  try {
    labels = { ...parseLabels((o.labelFile as string[]).flatMap(readFlagFileLines)), ...parseLabels(o.label) };
  } catch (err) {
    throw invalidArgument(`unable to process labels: ${(err as Error).message}`);
  }
  // run's parser, given only these flags (it needs its list flags present).
  const { intentFrom } = await import('./createflags.ts');
  const x = intentFrom('', [], {
    env: [], envFile: [], label: [], securityOpt: o.securityOpt, sysctl: o.sysctl, volume: o.volume, volumesFrom: o.volumesFrom, device: o.device,
    shmSize: o.shmSize, userns: o.userns, uidmap: o.uidmap, gidmap: o.gidmap, pid: o.pid, uts: o.uts, ip: o.ip, ip6: o.ip6, macAddress: o.macAddress,
    memory: o.memory, memorySwap: o.memorySwap, cpus: o.cpus, cpuShares: o.cpuShares, cpusetCpus: o.cpusetCpus,
    cpusetMems: o.cpusetMems, blkioWeight: o.blkioWeight, blkioWeightDevice: o.blkioWeightDevice, deviceReadBps: o.deviceReadBps, deviceWriteBps: o.deviceWriteBps,
    subuidname: o.subuidname, subgidname: o.subgidname,
  });
  const { POD_INFRA_KEYS, POD_RESOURCE_KEYS } = await import('../specgen/pod.ts');
  const pick = <T extends object, K extends keyof T>(from: T, keys: readonly K[]): Pick<T, K> | undefined => {
    const out = Object.fromEntries(keys.filter((k) => from[k] !== undefined && !(k === 'sysctls' && !Object.keys(from[k] as object).length)).map((k) => [k, from[k]]));
    return Object.keys(out).length ? out as Pick<T, K> : undefined;
  };
  return { labels, ip: x.ip, ip6: x.ip6, mac: x.mac, resources: pick(x, POD_RESOURCE_KEYS), infraSpec: pick(x, POD_INFRA_KEYS) };
}
