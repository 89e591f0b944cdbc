// The container flags that pod create and pod clone share with run/create
// (Podman's pod flags are its container flags, for the infra container):
// defined once, here, and parsed by the same intentFrom.
import { Option } from 'commander';
import { collect, parseIntFlag } from './common.ts';

/** commander's .option(flags, description[, parser[, default]]) as an Option each command gets afresh. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
function opt(flags: string, description: string, parser?: (value: string, previous: any) => unknown, dflt?: unknown): Option {
  const o = new Option(flags, description);
  if (parser) o.argParser(parser);
  if (dflt !== undefined) o.default(dflt);
  return o;
}

export const INFRA = {
  label: () => opt('-l, --label <label>', 'Set metadata on container', collect, []),
  labelFile: () => opt('--label-file <file>', 'Read in a line delimited file of labels', collect, []),
  hostname: () => opt('-h, --hostname <name>', 'Set container hostname'),
  cgroupParent: () => opt('--cgroup-parent <path>', 'Optional parent cgroup for the container'),
  cpuShares: () => opt('-c, --cpu-shares <n>', 'CPU shares (relative weight)', parseIntFlag('cpu-shares')),
  cpus: () => opt('--cpus <n>', 'Number of CPUs. The default is 0.000 which means no limit'),
  cpusetCpus: () => opt('--cpuset-cpus <cpus>', 'CPUs in which to allow execution (0-3, 0,1)'),
  cpusetMems: () => opt('--cpuset-mems <mems>', 'Memory nodes (MEMs) in which to allow execution (0-3, 0,1). Only effective on NUMA systems.'),
  blkioWeight: () => opt('--blkio-weight <weight>', 'Block IO weight (relative weight) accepts a weight value between 10 and 1000.'),
  blkioWeightDevice: () => opt('--blkio-weight-device <DEVICE_NAME:WEIGHT>', 'Block IO weight (relative device weight, format: DEVICE_NAME:WEIGHT)', collect, []),
  deviceReadBps: () => opt('--device-read-bps <path:rate>', 'Limit read rate (bytes per second) from a device (e.g. --device-read-bps=/dev/sda:1mb)', collect, []),
  deviceWriteBps: () => opt('--device-write-bps <path:rate>', 'Limit write rate (bytes per second) to a device (e.g. --device-write-bps=/dev/sda:1mb)', collect, []),
  memory: () => opt('-m, --memory <bytes>', 'Memory limit (format: <number>[<unit>], where unit = b, k, m or g)'),
  memorySwap: () => opt('--memory-swap <bytes>', 'Swap limit equal to memory plus swap: \'-1\' to enable unlimited swap'),
  device: () => opt('--device <device>', 'Add a host device to the container (HOST[:CONTAINER][:PERMS])', collect, []),
  volume: () => opt('-v, --volume <volume>', 'Bind mount a volume into the container (SRC:DEST[:OPTS], or DEST for an anonymous volume)', collect, []),
  volumesFrom: () => opt('--volumes-from <container>', 'Mount volumes from the specified container(s) (CONTAINER[:ro|rw])', collect, []),
  securityOpt: () => opt('--security-opt <opt>', 'Security options: seccomp=unconfined|PROFILE, no-new-privileges, label=disable, mask=PATHS, unmask=PATHS|ALL', collect, []),
  sysctl: () => opt('--sysctl <sysctl>', 'Sysctl options (NAME=VALUE)', collect, []),
  shmSize: () => opt('--shm-size <bytes>', 'Size of /dev/shm (format: <number>[<unit>])'),
  userns: () => opt('--userns <mode>', 'User namespace to use: host (default), keep-id[:uid=N,gid=N] or auto[:size=N] (rootless)'),
  uidmap: () => opt('--uidmap <map>', 'UID map for the container\'s user namespace (CONTAINER_ID:HOST_ID:SIZE)', collect, []),
  gidmap: () => opt('--gidmap <map>', 'GID map for the container\'s user namespace (CONTAINER_ID:HOST_ID:SIZE)', collect, []),
  subuidname: () => opt('--subuidname <name>', 'Name of range listed in /etc/subuid for use in user namespace'),
  subgidname: () => opt('--subgidname <name>', 'Name of range listed in /etc/subgid for use in user namespace'),
  pid: () => opt('--pid <mode>', 'PID namespace to use (private, host, container:NAME)'),
  uts: () => opt('--uts <mode>', 'UTS namespace to use (private, host, container:NAME)'),
};
