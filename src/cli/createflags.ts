// The flags of run/create (and the resource flags `update` shares) and their
// translation into a ContainerSpec: the CLI's half of the spec; the parsing
// of each flag's string form lives in src/specgen/flags.ts; the engine
// validates the result (src/specgen/validate.ts).
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { resolve } from 'node:path';
import { Command, Option } from 'commander';
import { invalidArgument } from '../common/errors.ts';
import type { ContainerSpec, MountSpec, NetworkMode } from '../specgen/container.ts';
import {
  parseAddHost, parseBytes, parseDevice, parseDeviceBps, parseDeviceIops, parseExpose, parseIdMapping, parseWeightDevice, parseMountFlag, parsePublish, parseTmpfsFlag, parseUlimit, parseUserns,
  parseRestartPolicy, parseVolumeFlag, parseVolumesFrom,
  parseNetworkFlags,
} from '../specgen/flags.ts';
import type { ResourceUpdate } from '../engine/container/api.ts';
import { parseHealthFlags } from '../specgen/health.ts';
import { parseSecretFlag } from '../specgen/secrets.ts';
import { collect, parseEnv, parseEnvFiles, parseIntFlag, parseLabels, readFlagFileLines, warn } from './common.ts';
import { createProgress, type Progress } from './progress.ts';
import { INFRA } from './sharedflags.ts';
import type { PullProgress } from '../engine/image/api.ts';

type Opts = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * Resource limits shared by run/create, `update` and `container clone`;
 * `kind` drops the flags Podman lacks there (clone: the IOPS limits; both:
 * --oom-kill-disable, --cgroup-parent, --cgroup-conf).
 */
export function addResourceFlags(cmd: Command, kind: 'create' | 'update' | 'clone' = 'create'): Command {
  cmd
    .addOption(INFRA.memory())
    .option('--memory-reservation <bytes>', 'Memory soft limit')
    .addOption(INFRA.memorySwap())
    .addOption(INFRA.cpus())
    .addOption(INFRA.cpuShares())
    .addOption(INFRA.cpusetCpus())
    .option('--pids-limit <n>', 'Tune container pids limit (set -1 for unlimited)', parseIntFlag('pids-limit'))
    .option('--restart <policy>', 'Restart policy to apply when a container exits ("always"|"no"|"never"|"on-failure"|"unless-stopped")')
    // Podman's cgroup flags (containers/podman cmd/podman/common/create.go), in one block.
    .option('--cpu-period <n>', 'Limit the CPU CFS (Completely Fair Scheduler) period', parseUintFlag('cpu-period'))
    .option('--cpu-quota <n>', 'Limit the CPU CFS (Completely Fair Scheduler) quota', parseIntFlag('--cpu-quota'))
    .option('--cpu-rt-period <n>', 'Limit the CPU real-time period in microseconds', parseUintFlag('cpu-rt-period'))
    .option('--cpu-rt-runtime <n>', 'Limit the CPU real-time runtime in microseconds', parseIntFlag('--cpu-rt-runtime'))
    .addOption(INFRA.cpusetMems())
    .addOption(INFRA.blkioWeight())
    .addOption(INFRA.blkioWeightDevice())
    .addOption(INFRA.deviceReadBps())
    .addOption(INFRA.deviceWriteBps())
    .option('--memory-swappiness <n>', 'Tune container memory swappiness (0 to 100, or -1 for system default)', parseIntFlag('--memory-swappiness'), -1);
  if (kind !== 'clone') {
    cmd
      .option('--device-read-iops <path:rate>', 'Limit read rate (IO per second) from a device (e.g. --device-read-iops=/dev/sda:1000)', collect, [])
      .option('--device-write-iops <path:rate>', 'Limit write rate (IO per second) to a device (e.g. --device-write-iops=/dev/sda:1000)', collect, []);
  }
  if (kind === 'create') {
    cmd
      .option('--oom-kill-disable', 'Disable OOM Killer', false)
      .addOption(INFRA.cgroupParent())
      .option('--cgroup-conf <key=value>', 'Configure cgroup v2 (key=value)', collect, []);
  }
  return cmd;
}

export function resourcesFrom(o: Opts): ResourceUpdate {
  return {
    // 0: no limit (Podman's --memory=0).
    memory: o.memory !== undefined && parseBytes(o.memory, 'memory') > 0 ? parseBytes(o.memory, 'memory') : undefined,
    memoryReservation: o.memoryReservation !== undefined ? parseBytes(o.memoryReservation, 'memory-reservation') : undefined,
    memorySwap: o.memorySwap === undefined ? undefined : o.memorySwap === '-1' ? -1 : parseBytes(o.memorySwap, 'memory-swap'),
    cpus: o.cpus !== undefined ? parseFloatFlag(o.cpus, 'cpus') : undefined,
    cpuShares: o.cpuShares, cpusetCpus: o.cpusetCpus, pidsLimit: o.pidsLimit,
    restartPolicy: o.restart !== undefined ? parseRestartPolicy(o.restart) : undefined,
    ...cgroupFlagsFrom(o),
  };
}

/** The block of Podman's cgroup flags above; unset (or 0, as Podman's getCPULimits) flags are left out. */
function cgroupFlagsFrom(o: Opts): Partial<ContainerSpec> {
  const out: Partial<ContainerSpec> = {};
  if (o.cpuPeriod) out.cpuPeriod = o.cpuPeriod;
  if (o.cpuQuota > 0) out.cpuQuota = o.cpuQuota;
  if (o.cpuRtPeriod) out.cpuRtPeriod = o.cpuRtPeriod;
  if (o.cpuRtRuntime > 0) out.cpuRtRuntime = o.cpuRtRuntime;
  if (o.cpusetMems) out.cpusetMems = o.cpusetMems;
  if (o.blkioWeight !== undefined && o.blkioWeight !== '') {
    const v = String(o.blkioWeight);
    if (!/^\d+$/.test(v)) throw invalidArgument(`invalid value for blkio-weight: strconv.ParseUint: parsing "${v}": invalid syntax`);
    if (Number(v) > 65535) throw invalidArgument(`invalid value for blkio-weight: strconv.ParseUint: parsing "${v}": value out of range`);
    out.blkioWeight = Number(v);
  }
  if (o.blkioWeightDevice?.length) out.blkioWeightDevice = o.blkioWeightDevice.map(parseWeightDevice);
  if (o.deviceReadBps?.length) out.deviceReadBps = o.deviceReadBps.map(parseDeviceBps);
  if (o.deviceWriteBps?.length) out.deviceWriteBps = o.deviceWriteBps.map(parseDeviceBps);
  if (o.deviceReadIops?.length) out.deviceReadIops = o.deviceReadIops.map(parseDeviceIops);
  if (o.deviceWriteIops?.length) out.deviceWriteIops = o.deviceWriteIops.map(parseDeviceIops);
  // -1, the default, and any negative value: the kernel's (Podman sets it only when >= 0).
  if (o.memorySwappiness >= 0) out.memorySwappiness = o.memorySwappiness;
  if (o.oomKillDisable) out.oomKillDisable = true;
  if (o.cgroupParent !== undefined) out.cgroupParent = o.cgroupParent;
  if (o.cgroupConf?.length) {
    out.cgroupConf = {};
    for (const kv of o.cgroupConf as string[]) {
      const eq = kv.indexOf('=');
      if (eq < 0) throw invalidArgument('--cgroup-conf must be formatted KEY=VALUE');
      out.cgroupConf[kv.slice(0, eq)] = kv.slice(eq + 1);
    }
  }
  return out;
}

/** A Go uint flag, with pflag's message. */
function parseUintFlag(name: string) {
  return (v: string): number => {
    if (!/^\+?\d+$/.test(v)) throw invalidArgument(`invalid argument "${v}" for "--${name}" flag: strconv.ParseUint: parsing "${v}": invalid syntax`);
    return Number(v);
  };
}

export function addCreateFlags(cmd: Command): Command {
  return addResourceFlags(cmd)
    .option('-e, --env <env>', 'Set environment variables in container', collect, [])
    .option('--env-file <file>', 'Read in a file of environment variables', collect, [])
    .option('--entrypoint <cmd>', 'Overwrite the default ENTRYPOINT of the image')
    .addOption(INFRA.hostname())
    .option('-i, --interactive', 'Keep STDIN open even if not attached', false)
    .addOption(INFRA.label())
    .option('--name <name>', 'Assign a name to the container')
    .option('--network <mode>', 'Connect a container to a network: bridge (default as root), NAME[:OPTIONS] (repeatable, or NAME,NAME), none, host, container:NAME, ns:PATH, private, slirp4netns[:OPTIONS] (default rootless)', collect, [])
    .option('--pod <pod>', 'Run container in an existing pod, or new:NAME to create the pod')
    .option('--pod-id-file <file>', 'Read the pod ID from the file')
    .option('-p, --publish <port>', 'Publish a container\'s port to the host ([[ip:]hostPort:]containerPort[/proto]; needs a network)', collect, [])
    .option('-P, --publish-all', 'Publish all exposed ports to random ports on the host interfaces', false)
    .option('--ip <address>', 'Specify a static IPv4 address for the container (on its one bridge network)')
    .option('--ip6 <address>', 'Specify a static IPv6 address for the container (on its one bridge network)')
    .option('--mac-address <address>', 'Container MAC address (e.g. 92:d0:c6:0a:29:33)')
    .option('--network-alias <alias>', 'Add a network-scoped alias for the container', collect, [])
    .addOption(INFRA.pid())
    .option('--ipc <mode>', 'IPC namespace to use (private, shareable, none, host, container:NAME)')
    .addOption(INFRA.uts())
    .option('--dns <ip>', 'Set custom DNS servers', collect, [])
    .option('--dns-search <domain>', 'Set custom DNS search domains', collect, [])
    .option('--dns-option <option>', 'Set custom DNS options', collect, [])
    .addOption(new Option('--dns-opt <option>').hideHelp().argParser(collect).default([]))
    .option('--add-host <host:ip>', 'Add a custom host-to-IP mapping (host:ip)', collect, [])
    .option('--no-hosts', 'Do not create /etc/hosts within the container, instead use the version from the image')
    .addOption(new Option('--net <mode>').hideHelp().argParser(collect).default([]))
    .option('--read-only', 'Make containers root filesystem read-only', false)
    .option('--rm', 'Remove container (and pod if created) after exit', false)
    .option('--stop-signal <signal>', 'Signal to stop a container. Default is SIGTERM')
    .option('--stop-timeout <seconds>', 'Timeout (in seconds) that containers stopped by user command have to exit', parseIntFlag('stop-timeout'))
    .option('-t, --tty', 'Allocate a pseudo-TTY for container', false)
    .option('-u, --user <user>', 'Username or UID (format: <name|uid>[:<group|gid>])')
    .option('--ulimit <limit>', 'Ulimit options', collect, [])
    .option('-w, --workdir <dir>', 'Working directory inside the container')
    .option('--cidfile <file>', 'Write the container ID to the file')
    .addOption(INFRA.volume())
    .option('--mount <mount>', 'Attach a filesystem mount (type=bind|volume|tmpfs|image,source=...,target=...)', collect, [])
    .option('--tmpfs <tmpfs>', 'Mount a temporary filesystem (DEST[:OPTS])', collect, [])
    .addOption(INFRA.volumesFrom())
    .option('--secret <secret>', 'Add secret to container (NAME[,type=mount|env][,target=T][,uid=N][,gid=N][,mode=OCTAL])', collect, [])
    .option('--read-only-tmpfs [bool]', 'When running --read-only, mount tmpfs on /run, /tmp and /var/tmp', (v) => v !== 'false', true)
    .option('--pull <policy>', 'Pull image policy (always, missing, never, newer)', 'missing')
    .option('-q, --quiet', 'Suppress output information when pulling images', false)
    .option('--tls-verify [bool]', 'Require HTTPS and verify certificates when contacting registries', (v) => v !== 'false')
    .option('--authfile <file>', 'Path of the authentication file')
    .option('--creds <user:pass>', 'Credentials (USERNAME:PASSWORD) to use for authenticating to a registry')
    .option('--privileged', 'Give extended privileges to container', false)
    .option('--cap-add <cap>', 'Add capabilities to the container', collect, [])
    .option('--cap-drop <cap>', 'Drop capabilities from the container', collect, [])
    .addOption(INFRA.securityOpt())
    .addOption(INFRA.device())
    .option('--group-add <group>', 'Add additional groups to the primary container process', collect, [])
    .addOption(INFRA.sysctl())
    .addOption(INFRA.userns())
    .addOption(INFRA.uidmap())
    .addOption(INFRA.gidmap())
    .option('--oom-score-adj <n>', 'Tune the host\'s OOM preferences (-1000 to 1000)', parseIntFlag('oom-score-adj'))
    .addOption(INFRA.shmSize())
    .option('--health-cmd <command>', 'set a healthcheck command for the container (\'none\' disables the existing healthcheck)')
    .option('--health-interval <interval>', 'set an interval for the healthcheck (a value of disable results in no automatic timer setup)', '30s')
    .option('--health-retries <retries>', 'the number of retries allowed before a healthcheck is considered to be unhealthy', '3')
    .option('--health-start-period <period>', 'the initialization time needed for a container to bootstrap', '0s')
    .option('--health-timeout <timeout>', 'the maximum time allowed to complete the healthcheck before an interval is considered failed', '30s')
    .option('--health-on-failure <action>', 'action to take once the container turns unhealthy (none, kill, restart, stop)')
    .option('--no-healthcheck', 'Disable healthchecks on container')
    .option('--health-startup-cmd <command>', 'Set a startup healthcheck command for the container')
    .option('--health-startup-interval <interval>', 'Set an interval for the startup healthcheck', '30s')
    .option('--health-startup-retries <retries>', 'Set the maximum number of retries before the startup healthcheck will restart the container', '0')
    .option('--health-startup-success <n>', 'Set the number of consecutive successes before the startup healthcheck is marked as successful and the normal healthcheck begins (0 indicates any success will start the regular healthcheck)', '0')
    .option('--health-startup-timeout <timeout>', 'Set the maximum amount of time that the startup healthcheck may take before it is considered failed', '30s')
    .option('--umask <umask>', 'Set umask in container')
    .option('--personality <persona>', 'Configure execution domain using personality (e.g., LINUX/LINUX32)')
    .option('--annotation <key=value>', 'Add annotations to container (key=value)', collect, [])
    .option('--tz <timezone>', 'Set timezone in container (an IANA zone, or local for the host\'s)')
    .option('--init', 'Run an init inside the container that forwards signals and reaps processes', false)
    .option('--init-path <path>', 'Path to the container-init binary')
    .option('--timeout <seconds>', 'Maximum length of time a container is allowed to run. The container will be killed automatically after the time expires.', parseIntFlag('timeout'))
    .option('--pidfile <file>', 'Write the container process ID to the file')
    .option('--conmon-pidfile <file>', 'Path to the file that will receive the PID of conmon')
    .addOption(new Option('--cgroupns <mode>', 'cgroup namespace to use').choices(['host', 'private']))
    .option('--device-cgroup-rule <rule>', 'Add a rule to the cgroup allowed devices list', collect, [])
    .addOption(new Option('--log-driver <driver>', 'Logging driver for the container').choices(['k8s-file', 'json-file', 'journald', 'none', 'passthrough']))
    .option('--log-opt <opt>', 'Logging driver options (path=FILE, max-size=SIZE, tag=TAG)', collect, [])
    .option('--env-host', 'Use all current host environment variables in container', false)
    .addOption(INFRA.labelFile())
    .option('--requires <containers>', 'Add one or more requirement containers that must be started before this container will start', collect, [])
    .option('--kernel-memory <bytes>', 'Kernel memory limit (no longer supported: a no-op)')
    .option('--arch <arch>', 'use ARCH instead of the architecture of the machine for choosing images')
    .option('--os <os>', 'use OS instead of the running OS for choosing images')
    .option('--variant <variant>', 'Use VARIANT instead of the running architecture variant for choosing images')
    .option('--platform <platform>', 'Specify the platform for selecting the image (OS/ARCH[/VARIANT])')
    .option('--passwd-entry <entry>', 'Entry to write to /etc/passwd')
    .option('--group-entry <entry>', 'Entry to write to /etc/group')
    .option('--hostuser <name>', 'Host user account to add to /etc/passwd within container', collect, [])
    .option('--chrootdirs <dir>', 'Chroot directories inside the container', collect, [])
    // Environment, ports, image handling and Docker's no-ops (their fidelity rows: test/cli/fidelity-create-more.test.ts).
    .option('--http-proxy [bool]', 'Set proxy environment variables in the container based on the host proxy vars (default true)', boolWord)
    .option('--unsetenv <env>', 'Unset environment default variables in container', collect, [])
    .option('--unsetenv-all', 'Unset all default environment variables in container', false)
    .option('--env-merge <env>', 'Preprocess environment variables from image before injecting them into the container', collect, [])
    .option('--expose <port>', 'Expose a port or a range of ports', collect, [])
    .option('--image-volume <mode>', 'Tells podman how to handle the builtin image volumes ("bind"|"tmpfs"|"ignore")', 'bind')
    .option('--seccomp-policy <policy>', 'Policy for selecting a seccomp profile (experimental)', 'default')
    .addOption(INFRA.subuidname())
    .addOption(INFRA.subgidname())
    .option('--rootfs', 'The first argument is not an image but the rootfs to the exploded container', false)
    .option('--disable-content-trust', 'This is a Docker specific option and is a NOOP')
    // run checks the streams it attaches (container.ts); create stores nothing, as Podman 4.3's.
    .option('-a, --attach <stream>', 'Attach to STDIN, STDOUT or STDERR', collect, [])
    .passThroughOptions()
    .argument('<image>', 'image to run')
    .argument('[command...]', 'command and arguments');
}

export function intentFrom(image: string, command: string[], o: Opts): ContainerSpec {
  [image, command] = untakeBoolWords(image, command, o);
  checkAddressFlags(o);
  const { first: perNet, extra: extraNetworks } = parseNetworkFlags([...(o.network ?? []), ...(o.net ?? [])]);
  const network = perNet?.network;
  checkSingleNetworkFlags(o, 1 + extraNetworks.length);
  // --dns-opt: Podman's older name, kept as a hidden alias.
  const dnsOption: string[] = [...(o.dnsOption ?? []), ...(o.dnsOpt ?? [])];
  // Podman's CLI refuses DNS settings without a network of the container's own
  // (create.go CreateInit); its specgen, and so its API, takes them.
  const nsMode = network === 'none' ? 'none' : network?.startsWith('container:') ? 'container' : undefined;
  if (nsMode && (o.dns?.length || dnsOption.length || o.dnsSearch?.length)) throw invalidArgument(`conflicting options: dns and the network mode: ${nsMode}`);
  // Podman (cmd/podman/common/netflags.go): aliases need a bridge mode, if a mode was given.
  if (o.networkAlias?.length && network && /^(none|host|private)$|^(container|ns|slirp4netns|pasta)(:|$)/.test(network)) {
    throw invalidArgument('--network-alias can only be set when the network mode is bridge: invalid argument');
  }
  // Podman: --network-alias gives every network these aliases (replacing NAME:alias=).
  if (o.networkAlias?.length) for (const n of extraNetworks) n.aliases = o.networkAlias;
  // Podman's order: the host's environment, then --env-file, then -e.
  const env: Record<string, string> = o.envHost ? Object.fromEntries(Object.entries(process.env).filter((kv): kv is [string, string] => kv[1] !== undefined)) : {};
  parseEnvFiles(o.envFile, env);
  parseEnv(o.env, env);
  if (o.kernelMemory !== undefined) warn('The --kernel-memory flag is no longer supported. This flag is a noop.');
  let entrypoint: string[] | undefined;
  if (o.entrypoint !== undefined) {
    const ep = String(o.entrypoint);
    if (ep.trim().startsWith('[')) {
      try { entrypoint = JSON.parse(ep); } catch { throw invalidArgument(`invalid --entrypoint JSON: ${ep}`); }
    } else entrypoint = ep === '' ? [] : [ep];
  }
  return {
    image, command: command.length ? command : undefined, entrypoint, name: o.name, env, workdir: o.workdir,
    user: o.user, hostname: o.hostname, labels: { ...parseLabels((o.labelFile ?? []).flatMap(readFlagFileLines)), ...parseLabels(o.label) }, interactive: o.interactive, tty: o.tty,
    autoRemove: o.rm, network: network as NetworkMode, pod: podRef(o), portMappings: listOf(o.publish, parsePublish), networkAliases: o.networkAlias?.length ? o.networkAlias : perNet?.aliases, stopSignal: o.stopSignal,
    publishAll: o.publishAll, ip: perNet?.ip ?? o.ip, ip6: perNet?.ip6 ?? o.ip6, mac: perNet?.mac ?? o.macAddress,
    interfaceName: perNet?.interfaceName, extraNetworks: extraNetworks.length ? extraNetworks : undefined,
    pidMode: o.pid, ipcMode: o.ipc, utsMode: o.uts, dns: o.dns, dnsSearch: o.dnsSearch, dnsOption: dnsOption.length ? dnsOption : undefined, extraHosts: listOf(o.addHost, parseAddHost), noHosts: o.hosts === false,
    stopTimeout: o.stopTimeout, readOnly: o.readOnly, ulimits: listOf(o.ulimit, parseUlimit), pidsLimit: o.pidsLimit,
    createCommand: ['husk', ...process.argv.slice(2)],
    ...securityFrom(o),
    mounts: mountsFrom(o), volumesFrom: listOf(o.volumesFrom, parseVolumesFrom), secrets: listOf(o.secret, parseSecretFlag), readOnlyTmpfs: o.readOnlyTmpfs, pull: o.pull,
    privileged: o.privileged, capAdd: o.capAdd, capDrop: o.capDrop, devices: listOf(o.device, parseDevice), groupAdd: o.groupAdd,
    sysctls: parseKeyValues(o.sysctl, 'sysctl'),
    ...resourcesFrom(o), oomScoreAdj: o.oomScoreAdj,
    shmSize: o.shmSize !== undefined ? parseBytes(o.shmSize, 'shm-size') : undefined,
    ...extraFrom(o), ...envPortsFrom(o), ...(o.rootfs ? rootfsFrom(image) : {}),
    healthcheck: parseHealthFlags({
      cmd: o.healthCmd, interval: o.healthInterval, retries: o.healthRetries, startPeriod: o.healthStartPeriod,
      timeout: o.healthTimeout, onFailure: o.healthOnFailure, disable: o.healthcheck === false,
      startupCmd: o.healthStartupCmd, startupInterval: o.healthStartupInterval, startupRetries: o.healthStartupRetries,
      startupSuccess: o.healthStartupSuccess, startupTimeout: o.healthStartupTimeout,
    }),
  };
}

/** A repeatable flag's values parsed, or undefined when it was not given. */
function listOf<T>(values: string[] | undefined, parse: (s: string) => T): T[] | undefined {
  return values?.length ? values.map(parse) : undefined;
}

/** -v, --mount and --tmpfs, in that order; bind sources relative to the CLI's working directory made absolute. */
function mountsFrom(o: Opts): MountSpec[] | undefined {
  const all = [...(o.volume ?? []).map(parseVolumeFlag), ...(o.mount ?? []).map(parseMountFlag), ...(o.tmpfs ?? []).map(parseTmpfsFlag)];
  for (const m of all) if (m.type === 'bind' && m.source) m.source = resolve(m.source);
  return all.length ? all : undefined;
}

/** --ip and --mac-address, with Podman's messages (the engine's name the spec fields instead). */
function checkAddressFlags(o: Opts): void {
  if (o.ip && !isIP(o.ip)) throw invalidArgument(`invalid argument "${o.ip}" for "--ip" flag: invalid IP address`);
  if (o.ip6 && !isIP(o.ip6)) throw invalidArgument(`invalid argument "${o.ip6}" for "--ip6" flag: invalid IP address`);
  if (o.ip6 && isIP(o.ip6) !== 6) throw invalidArgument(`${o.ip6} is not an IPv6 address`);
  if (o.macAddress && !/^[0-9a-fA-F]{2}([:-])[0-9a-fA-F]{2}(\1[0-9a-fA-F]{2}){4}$/.test(o.macAddress)) {
    throw invalidArgument(`invalid argument "${o.macAddress}" for "--mac-address" flag: address ${o.macAddress}: invalid MAC address`);
  }
}

/** --ip, --ip6 and --mac-address name no network: Podman refuses them with several. */
function checkSingleNetworkFlags(o: Opts, networks: number): void {
  if (networks < 2) return;
  for (const [flag, v] of [['ip', o.ip], ['ip6', o.ip6], ['mac-address', o.macAddress]]) {
    if (v) throw invalidArgument(`--${flag} can only be set for a single network: invalid argument`);
  }
}

/** --pod or --pod-id-file (which holds the pod's ID). */
function podRef(o: Opts): string | undefined {
  if (!o.podIdFile) return o.pod;
  if (o.pod) throw invalidArgument('cannot specify both --pod and --pod-id-file');
  try {
    return readFileSync(o.podIdFile, 'utf8').trim();
  } catch (err) {
    throw invalidArgument(`reading pod ID file ${o.podIdFile}: ${(err as NodeJS.ErrnoException).code}`);
  }
}


/** Flags of issue 15's list: each a spec field (undefined when not given). */
function extraFrom(o: Opts): Partial<ContainerSpec> {
  const out: Partial<ContainerSpec> = {};
  if (o.umask !== undefined) out.umask = o.umask;
  if (o.personality !== undefined) out.personality = String(o.personality).toUpperCase();
  if (o.annotation?.length) out.annotations = parseKeyValues(o.annotation, 'annotation');
  if (o.tz !== undefined) out.timezone = o.tz;
  if (o.init) out.init = true;
  if (o.initPath !== undefined) out.initPath = resolve(o.initPath);
  if (o.timeout !== undefined) out.timeout = o.timeout;
  if (o.pidfile !== undefined) out.pidFile = resolve(o.pidfile);
  if (o.conmonPidfile !== undefined) out.conmonPidFile = resolve(o.conmonPidfile);
  if (o.cgroupns !== undefined) out.cgroupns = o.cgroupns;
  if (o.deviceCgroupRule?.length) out.deviceCgroupRules = o.deviceCgroupRule;
  if (o.requires?.length) out.requires = (o.requires as string[]).flatMap((r) => r.split(',')).filter(Boolean);
  if (o.logDriver !== undefined) out.logDriver = o.logDriver;
  if (o.passwdEntry !== undefined) out.passwdEntry = o.passwdEntry;
  if (o.groupEntry !== undefined) out.groupEntry = o.groupEntry;
  if (o.hostuser?.length) out.hostUsers = o.hostuser;
  if (o.chrootdirs?.length) out.chrootDirs = o.chrootdirs;
  if (o.logOpt?.length) out.logOptions = logOptionsFrom(o.logOpt);
  return out;
}

/** --log-opt path=FILE, max-size=SIZE, tag=TAG (run/create and kube play). */
export function logOptionsFrom(list: string[]): NonNullable<ContainerSpec['logOptions']> {
  const opts: NonNullable<ContainerSpec['logOptions']> = {};
  for (const [k, v] of Object.entries(parseKeyValues(list, 'log-opt'))) {
    if (k === 'path') opts.path = resolve(v);
    else if (k === 'max-size') opts.maxSize = parseBytes(v, 'log-opt max-size');
    else if (k === 'tag') opts.tag = v;
    else throw invalidArgument(`unknown log opt: ${k}`);
  }
  return opts;
}

/** A `[bool]` flag's value: true/false, or a word that is not one (see untakeBoolWords). */
export const boolWord = (v: string): boolean | string => (/^(true|false)$/i.test(v) ? v.toLowerCase() === 'true' : v);

/** The `[bool]` flags of that block (and run's --passwd), which commander lets take the next word. */
const BOOL_WORD_FLAGS = ['httpProxy', 'passwd'];

/**
 * Podman's boolean flags take a value only as --flag=false; commander gives
 * an optional value the next word too (`--http-proxy IMAGE cmd`): such a
 * word is the image, and what commander took for the image the command's start.
 */
function untakeBoolWords(image: string, command: string[], o: Opts): [string, string[]] {
  for (const k of BOOL_WORD_FLAGS) {
    if (typeof o[k] !== 'string') continue;
    [image, command] = [o[k], [image, ...command]];
    o[k] = true;
  }
  return [image, command];
}

/** The flags of that block (and run's --passwd): spec fields (undefined when not given). */
function envPortsFrom(o: Opts): Partial<ContainerSpec> {
  const out: Partial<ContainerSpec> = { httpProxy: o.httpProxy !== false };
  if (o.passwd === false) out.passwd = false;
  if (o.imageVolume !== undefined && o.imageVolume !== 'bind') out.imageVolumeMode = o.imageVolume;
  if (o.seccompPolicy !== undefined && o.seccompPolicy !== 'default') out.seccompPolicy = o.seccompPolicy;
  if (o.subuidname !== undefined) out.subUidName = o.subuidname;
  if (o.subgidname !== undefined) out.subGidName = o.subgidname;
  if (o.unsetenv?.length) out.unsetEnv = o.unsetenv;
  if (o.unsetenvAll) out.unsetEnvAll = true;
  if (o.envMerge?.length) out.envMerge = o.envMerge;
  if (o.expose?.length) out.expose = (o.expose as string[]).flatMap((v) => v.split(',')).filter(Boolean).flatMap(parseExpose);
  return out;
}

/** --rootfs: the first argument is a directory (PATH[:O]), relative to the CLI's working directory; no image. */
function rootfsFrom(arg: string): Partial<ContainerSpec> {
  const overlay = arg.endsWith(':O');
  return { image: '', rootfs: resolve(overlay ? arg.slice(0, -2) : arg), ...(overlay ? { rootfsOverlay: true } : {}) };
}

/**
 * Podman's checks on --log-driver passthrough (cmd/podman/common): the
 * container would write to this process's stdio, which a terminal (TIOCSTI)
 * or a remote engine rules out.
 */
export function checkPassthrough(o: Opts, remote: boolean): void {
  if (o.logDriver !== 'passthrough') return;
  if (process.stdin.isTTY || process.stdout.isTTY || process.stderr.isTTY) throw invalidArgument("the '--log-driver passthrough' option cannot be used on a TTY");
  if (remote) throw invalidArgument("the '--log-driver passthrough' option is not supported in remote mode");
}

/** --platform OS/ARCH[/VARIANT], --os, --arch, --variant: the platform a pull picks. */
export function platformFrom(o: Opts): { os?: string; arch?: string; variant?: string } | undefined {
  let { os, arch, variant } = o as { os?: string; arch?: string; variant?: string };
  if (o.platform) {
    if (os || arch || variant) throw invalidArgument('--platform option can not be specified with --arch or --os');
    [os, arch, variant] = String(o.platform).split('/');
  }
  return os || arch || variant ? { ...(os ? { os } : {}), ...(arch ? { arch } : {}), ...(variant ? { variant } : {}) } : undefined;
}

function parseFloatFlag(v: string, flag: string): number {
  if (!/^\d+(\.\d+)?$/.test(v)) throw invalidArgument(`invalid argument "${v}" for "--${flag}" flag`);
  return Number(v);
}

function parseKeyValues(items: string[], flag: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const it of items) {
    const eq = it.indexOf('=');
    if (eq <= 0) throw invalidArgument(`invalid --${flag} "${it}": expected NAME=VALUE`);
    out[it.slice(0, eq)] = it.slice(eq + 1);
  }
  return out;
}

/** --security-opt and --userns, as Podman accepts them. */
function securityFrom(o: Opts): Partial<ContainerSpec> {
  const out: Partial<ContainerSpec> = {};
  if (o.userns !== undefined) out.userns = parseUserns(o.userns);
  if (o.uidmap?.length) out.uidMap = o.uidmap.map(parseIdMapping);
  if (o.gidmap?.length) out.gidMap = o.gidmap.map(parseIdMapping);
  for (const opt of o.securityOpt as string[]) {
    const [k, v = ''] = opt.includes('=') ? [opt.slice(0, opt.indexOf('=')), opt.slice(opt.indexOf('=') + 1)] : opt.split(':');
    switch (k) {
      case 'seccomp': out.seccompProfile = v; break;
      case 'no-new-privileges': out.noNewPrivileges = v === '' || v === 'true'; break;
      case 'label': case 'apparmor': break; // no SELinux/AppArmor on these hosts: accepted, nothing to do
      case 'mask': out.mask = [...(out.mask ?? []), ...v.split(':').filter(Boolean)]; break;
      case 'unmask': out.unmask = [...(out.unmask ?? []), ...v.split(':').filter(Boolean)]; break;
      default: throw invalidArgument(`invalid --security-opt "${opt}"`);
    }
  }
  return out;
}

/** Pull settings for run/create: progress as `husk pull` shows it, on stderr. */
export function pullOptions(o: Opts) {
  // Made at the first pull message: asking stderr whether it is a terminal loads the addon (~2 ms), which a local image never needs.
  let p: Progress | undefined;
  const progress = () => (p ??= createProgress({ quiet: o.quiet }));
  return {
    tlsVerify: o.tlsVerify, authfile: o.authfile, creds: o.creds, platform: platformFrom(o),
    onMessage: (line: string) => progress().line(line),
    onProgress: (e: PullProgress) => progress().pull(e),
  };
}

export async function writeCidfile(path: string | undefined, id: string): Promise<void> {
  if (!path) return;
  const { writeFileSync, existsSync } = await import('node:fs');
  if (existsSync(path)) throw invalidArgument(`container id file exists. Ensure another container is not using it or delete ${path}`);
  writeFileSync(path, id);
}

