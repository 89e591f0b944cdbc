// The flags pod create and pod clone share: Podman defines them for the
// pod's infra container. Each is parsed by run/create's own parser
// (intentFrom), so the values and errors are a container's.
import { Command, Option } from 'commander';
import { invalidArgument } from '../common/errors.ts';
import type { PodInfraSpec, PodResources } from '../specgen/pod.ts';
import { collect, parseIntFlag, parseLabels, readFlagFileLines } from './common.ts';

type Opts = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Podman's pod create/clone flags for the infra container, its cgroup and the pod's labels. */
export function addPodInfraFlags(cmd: Command): Command {
  return cmd
    .option('-l, --label <label>', 'Set metadata on container', collect, [])
    .option('--label-file <file>', 'Read in a line delimited file of labels', collect, [])
    .option('-h, --hostname <name>', 'Set container hostname')
    .option('--infra-command <cmd>', 'Overwrite the default ENTRYPOINT of the image')
    .option('--infra-conmon-pidfile <file>', 'Path to the file that will receive the PID of conmon')
    .option('--infra-name <name>', 'Assign a name to the container')
    .option('--cgroup-parent <path>', 'Optional parent cgroup for the container')
    .option('-c, --cpu-shares <n>', 'CPU shares (relative weight)', parseIntFlag('cpu-shares'))
    .option('--cpus <n>', 'Number of CPUs. The default is 0.000 which means no limit')
    .option('--cpuset-cpus <cpus>', 'CPUs in which to allow execution (0-3, 0,1)')
    .option('-m, --memory <bytes>', 'Memory limit (format: <number>[<unit>], where unit = b (bytes), k (kibibytes), m (mebibytes), or g (gibibytes))')
    .option('--memory-swap <bytes>', 'Swap limit equal to memory plus swap: \'-1\' to enable unlimited swap')
    .option('--device <device>', 'Add a host device to the container', collect, [])
    .option('-v, --volume <volume>', 'Bind mount a volume into the container', collect, [])
    .option('--volumes-from <container>', 'Mount volumes from the specified container(s)', collect, [])
    .option('--security-opt <opt>', 'Security Options', collect, [])
    .option('--sysctl <sysctl>', 'Sysctl options', collect, [])
    .addOption(new Option('--shm-size <bytes>', 'Size of /dev/shm (format: <number>[<unit>], where unit = b (bytes), k (kibibytes), m (mebibytes), or g (gibibytes))').default(undefined, '"65536k"'))
    .option('--userns <mode>', 'User namespace to use')
    .option('--uidmap <map>', 'UID map to use for the user namespace', collect, [])
    .option('--gidmap <map>', 'GID map to use for the user namespace', collect, [])
    .option('--pid <mode>', 'PID namespace to use')
    .option('--uts <mode>', 'UTS namespace to use');
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
  });
  const { POD_INFRA_KEYS, POD_RESOURCE_KEYS } = await import('../specgen/pod.ts');
  const pick = <T extends object, K extends keyof T>(from: T, keys: readonly K[]): Pick<T, K> | undefined => {
    const out = Object.fromEntries(keys.filter((k) => from[k] !== undefined && !(k === 'sysctls' && !Object.keys(from[k] as object).length)).map((k) => [k, from[k]]));
    return Object.keys(out).length ? out as Pick<T, K> : undefined;
  };
  return { labels, ip: x.ip, ip6: x.ip6, mac: x.mac, resources: pick(x, POD_RESOURCE_KEYS), infraSpec: pick(x, POD_INFRA_KEYS) };
}
