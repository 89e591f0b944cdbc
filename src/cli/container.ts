// Container commands: flags → ContainerIntent / options → one engine call → output.
import { readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { invalidArgument, HuskError } from '../common/errors.ts';
import { parseBytes, type ContainerIntent, type NetworkMode } from '../engine/container/intent.ts';
import * as L from '../engine/container/lifecycle.ts';
import * as A from '../engine/container/attach.ts';
import * as Q from '../engine/container/query.ts';
import { containerLogs } from '../engine/container/logs.ts';
import { execInContainer } from '../engine/container/exec.ts';
import { waitForExit } from '../engine/container/wait.ts';
import type { Container } from '../engine/types.ts';
// Named imports rather than the library's barrel: it would also load image
// import/load code (zlib, tar) that container commands never use.
const E = { ...L, ...A, ...Q, containerLogs, execInContainer, waitForExit };
import type { EngineContext } from '../engine/context.ts';
import { ago, collect, each, engineFor, humanDuration, parseEnv, parseEnvFiles, parseIntFlag, parseLabels, parseTime, print } from './common.ts';
import { renderList } from './format/index.ts';
import { registerGroup as registerFsGroup } from './containerfs.ts';
import { createProgress } from './progress.ts';
import { formatPorts } from '../engine/container/ports.ts';
import { addStatsFlags, streamStats } from './stats.ts';

type Opts = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Resource limits shared by run/create and update. */
function addResourceFlags(cmd: Command): Command {
  return cmd
    .option('-m, --memory <bytes>', 'Memory limit (format: <number>[<unit>], where unit = b, k, m or g)')
    .option('--memory-reservation <bytes>', 'Memory soft limit')
    .option('--memory-swap <bytes>', 'Swap limit equal to memory plus swap: \'-1\' to enable unlimited swap')
    .option('--cpus <n>', 'Number of CPUs. The default is 0.000 which means no limit')
    .option('-c, --cpu-shares <n>', 'CPU shares (relative weight)', parseIntFlag('cpu-shares'))
    .option('--cpuset-cpus <cpus>', 'CPUs in which to allow execution (0-3, 0,1)')
    .option('--pids-limit <n>', 'Tune container pids limit (set -1 for unlimited)', parseIntFlag('pids-limit'));
}

function resourcesFrom(o: Opts): L.ResourceUpdate {
  return {
    memory: o.memory !== undefined ? parseBytes(o.memory, 'memory') : undefined,
    memoryReservation: o.memoryReservation !== undefined ? parseBytes(o.memoryReservation, 'memory-reservation') : undefined,
    memorySwap: o.memorySwap === undefined ? undefined : o.memorySwap === '-1' ? -1 : parseBytes(o.memorySwap, 'memory-swap'),
    cpus: o.cpus !== undefined ? parseFloatFlag(o.cpus, 'cpus') : undefined,
    cpuShares: o.cpuShares, cpusetCpus: o.cpusetCpus, pidsLimit: o.pidsLimit,
  };
}

function addCreateFlags(cmd: Command): Command {
  return addResourceFlags(cmd)
    .option('-e, --env <env>', 'Set environment variables in container', collect, [])
    .option('--env-file <file>', 'Read in a file of environment variables', collect, [])
    .option('--entrypoint <cmd>', 'Overwrite the default ENTRYPOINT of the image')
    .option('-h, --hostname <name>', 'Set container hostname')
    .option('-i, --interactive', 'Keep STDIN open even if not attached', false)
    .option('-l, --label <label>', 'Set metadata on container', collect, [])
    .option('--name <name>', 'Assign a name to the container')
    .option('--network <mode>', 'Connect a container to a network: bridge (default as root), NAME, none, host, container:NAME, ns:PATH, private, slirp4netns[:OPTIONS] (default rootless)')
    .option('--pod <pod>', 'Run container in an existing pod, or new:NAME to create the pod')
    .option('--pod-id-file <file>', 'Read the pod ID from the file')
    .option('-p, --publish <port>', 'Publish a container\'s port to the host ([[ip:]hostPort:]containerPort[/proto]; needs a network)', collect, [])
    .option('-P, --publish-all', 'Publish all exposed ports to random ports on the host interfaces', false)
    .option('--ip <address>', 'Specify a static IPv4 address for the container (on its one bridge network)')
    .option('--mac-address <address>', 'Container MAC address (e.g. 92:d0:c6:0a:29:33)')
    .option('--network-alias <alias>', 'Add a network-scoped alias for the container', collect, [])
    .option('--pid <mode>', 'PID namespace to use (private, host, container:NAME)')
    .option('--ipc <mode>', 'IPC namespace to use (private, host, container:NAME)')
    .option('--uts <mode>', 'UTS namespace to use (private, host, container:NAME)')
    .option('--dns <ip>', 'Set custom DNS servers', collect, [])
    .option('--dns-search <domain>', 'Set custom DNS search domains', collect, [])
    .option('--add-host <host:ip>', 'Add a custom host-to-IP mapping (host:ip)', collect, [])
    .option('--no-hosts', 'Do not create /etc/hosts within the container, instead use the version from the image')
    .addOption(new Option('--net <mode>').hideHelp())
    .option('--read-only', 'Make containers root filesystem read-only', false)
    .option('--rm', 'Remove container (and pod if created) after exit', false)
    .option('--stop-signal <signal>', 'Signal to stop a container. Default is SIGTERM')
    .option('--stop-timeout <seconds>', 'Timeout (in seconds) that containers stopped by user command have to exit', parseIntFlag('stop-timeout'))
    .option('-t, --tty', 'Allocate a pseudo-TTY for container', false)
    .option('-u, --user <user>', 'Username or UID (format: <name|uid>[:<group|gid>])')
    .option('--ulimit <limit>', 'Ulimit options', collect, [])
    .option('-w, --workdir <dir>', 'Working directory inside the container')
    .option('--cidfile <file>', 'Write the container ID to the file')
    .option('-v, --volume <volume>', 'Bind mount a volume into the container (SRC:DEST[:OPTS], or DEST for an anonymous volume)', collect, [])
    .option('--mount <mount>', 'Attach a filesystem mount (type=bind|volume|tmpfs|image,source=...,target=...)', collect, [])
    .option('--tmpfs <tmpfs>', 'Mount a temporary filesystem (DEST[:OPTS])', collect, [])
    .option('--volumes-from <container>', 'Mount volumes from the specified container(s) (CONTAINER[:ro|rw])', collect, [])
    .option('--read-only-tmpfs [bool]', 'When running --read-only, mount tmpfs on /run, /tmp and /var/tmp', (v) => v !== 'false', true)
    .option('--pull <policy>', 'Pull image policy (always, missing, never, newer)', 'missing')
    .option('-q, --quiet', 'Suppress output information when pulling images', false)
    .option('--tls-verify [bool]', 'Require HTTPS and verify certificates when contacting registries', (v) => v !== 'false')
    .option('--authfile <file>', 'Path of the authentication file')
    .option('--creds <user:pass>', 'Credentials (USERNAME:PASSWORD) to use for authenticating to a registry')
    .option('--privileged', 'Give extended privileges to container', false)
    .option('--cap-add <cap>', 'Add capabilities to the container', collect, [])
    .option('--cap-drop <cap>', 'Drop capabilities from the container', collect, [])
    .option('--security-opt <opt>', 'Security options: seccomp=unconfined|PROFILE, no-new-privileges, label=disable, mask=PATHS, unmask=PATHS|ALL', collect, [])
    .option('--device <device>', 'Add a host device to the container (HOST[:CONTAINER][:PERMS])', collect, [])
    .option('--group-add <group>', 'Add additional groups to the primary container process', collect, [])
    .option('--sysctl <sysctl>', 'Sysctl options (NAME=VALUE)', collect, [])
    .option('--userns <mode>', 'User namespace to use: host (default), keep-id[:uid=N,gid=N] or auto[:size=N] (rootless)')
    .option('--uidmap <map>', 'UID map for the container\'s user namespace (CONTAINER_ID:HOST_ID:SIZE)', collect, [])
    .option('--gidmap <map>', 'GID map for the container\'s user namespace (CONTAINER_ID:HOST_ID:SIZE)', collect, [])
    .option('--oom-score-adj <n>', 'Tune the host\'s OOM preferences (-1000 to 1000)', parseIntFlag('oom-score-adj'))
    .option('--shm-size <bytes>', 'Size of /dev/shm (format: <number>[<unit>])')
    .passThroughOptions()
    .argument('<image>', 'image to run')
    .argument('[command...]', 'command and arguments');
}

function intentFrom(image: string, command: string[], o: Opts): ContainerIntent {
  const network = (o.net ?? o.network) as string;
  const env = parseEnvFiles(o.envFile);
  parseEnv(o.env, env);
  let entrypoint: string[] | undefined;
  if (o.entrypoint !== undefined) {
    const ep = String(o.entrypoint);
    if (ep.trim().startsWith('[')) {
      try { entrypoint = JSON.parse(ep); } catch { throw invalidArgument(`invalid --entrypoint JSON: ${ep}`); }
    } else entrypoint = ep === '' ? [] : [ep];
  }
  return {
    image, command: command.length ? command : undefined, entrypoint, name: o.name, env, workdir: o.workdir,
    user: o.user, hostname: o.hostname, labels: parseLabels(o.label), interactive: o.interactive, tty: o.tty,
    autoRemove: o.rm, network: network as NetworkMode, pod: podRef(o), publish: o.publish, networkAliases: o.networkAlias, stopSignal: o.stopSignal,
    publishAll: o.publishAll, ip: o.ip, mac: o.macAddress,
    pidMode: o.pid, ipcMode: o.ipc, utsMode: o.uts, dns: o.dns, dnsSearch: o.dnsSearch, addHost: o.addHost, noHosts: o.hosts === false,
    stopTimeout: o.stopTimeout, readOnly: o.readOnly, ulimits: o.ulimit, pidsLimit: o.pidsLimit,
    createCommand: ['husk', ...process.argv.slice(2)],
    ...securityFrom(o),
    volumes: o.volume, mounts: o.mount, tmpfs: o.tmpfs, volumesFrom: o.volumesFrom, readOnlyTmpfs: o.readOnlyTmpfs, pull: o.pull,
    privileged: o.privileged, capAdd: o.capAdd, capDrop: o.capDrop, devices: o.device, groupAdd: o.groupAdd,
    sysctls: parseKeyValues(o.sysctl, 'sysctl'),
    ...resourcesFrom(o), oomScoreAdj: o.oomScoreAdj,
    shmSize: o.shmSize !== undefined ? parseBytes(o.shmSize, 'shm-size') : undefined,
  };
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
function securityFrom(o: Opts): Partial<ContainerIntent> {
  const out: Partial<ContainerIntent> = {};
  if (o.userns !== undefined) out.userns = o.userns;
  if (o.uidmap?.length) out.uidmap = o.uidmap;
  if (o.gidmap?.length) out.gidmap = o.gidmap;
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
function pullOptions(o: Opts) {
  const p = createProgress({ quiet: o.quiet });
  return { tlsVerify: o.tlsVerify, authfile: o.authfile, creds: o.creds, onMessage: p.line, onProgress: p.pull };
}

async function writeCidfile(path: string | undefined, id: string): Promise<void> {
  if (!path) return;
  const { writeFileSync, existsSync } = await import('node:fs');
  if (existsSync(path)) throw invalidArgument(`container id file exists. Ensure another container is not using it or delete ${path}`);
  writeFileSync(path, id);
}

function makeRun(): Command {
  return addCreateFlags(new Command('run').description('Run a command in a new container'))
    .option('-d, --detach', 'Run container in background and print container ID', false)
    .option('--detach-keys <keys>', 'Override the key sequence for detaching a container', 'ctrl-p,ctrl-q')
    .option('--sig-proxy [bool]', 'Proxy received signals to the process', (v) => v !== 'false', true)
    .action(async function (this: Command, image: string, command: string[], o: Opts) {
      const e = engineFor(this);
      const intent = intentFrom(image, command, o);
      const r = await E.runContainer(e, intent, {
        // process.stdin is created on first access (a stream, ~2 ms): only for -i.
        detach: o.detach, stdin: o.interactive ? process.stdin : undefined, stdout: process.stdout, stderr: process.stderr,
        detachKeys: o.detachKeys, proxySignals: o.sigProxy, pull: pullOptions(o),
      });
      await writeCidfile(o.cidfile, r.container.config.id);
      if (o.detach || r.detached) {
        if (o.detach) print(r.container.config.id);
        return;
      }
      process.exitCode = r.exitCode ?? 0;
      if (intent.interactive) process.stdin.destroy();
    });
}

function makeCreate(): Command {
  return addCreateFlags(new Command('create').description('Create but do not start a container'))
    .action(async function (this: Command, image: string, command: string[], o: Opts) {
      const c = await E.createContainer(engineFor(this), intentFrom(image, command, o), { pull: pullOptions(o) });
      await writeCidfile(o.cidfile, c.config.id);
      print(c.config.id);
    });
}

function allOr(e: EngineContext, names: string[], all: boolean, what: string, filter?: (c: Container) => boolean): string[] {
  if (all) return E.listContainers(e).filter(filter ?? (() => true)).map((c) => c.config.id);
  if (!names.length) throw invalidArgument(`you must provide at least one ${what} name or ID`);
  return names;
}

function makeStart(): Command {
  return new Command('start').description('Start one or more containers')
    .option('-a, --attach', 'Attach container\'s STDOUT and STDERR', false)
    .option('-i, --interactive', 'Make STDIN available to the contained process', false)
    .option('--detach-keys <keys>', 'Override the key sequence for detaching a container', 'ctrl-p,ctrl-q')
    .option('--all', 'Start all containers regardless of their state or configuration', false)
    .argument('[containers...]')
    .action(async function (this: Command, names: string[], o: Opts) {
      const e = engineFor(this);
      const ids = allOr(e, names, o.all, 'container', (c) => c.state.status !== 'running');
      if (o.attach) {
        if (ids.length !== 1) throw invalidArgument('you cannot start and attach multiple containers at once');
        const r = await E.startAndAttach(e, ids[0], { stdin: o.interactive ? process.stdin : undefined, stdout: process.stdout, stderr: process.stderr, detachKeys: o.detachKeys });
        if (!r.detached) process.exitCode = r.exitCode ?? 0;
        process.stdin.destroy();
        return;
      }
      await each(ids, async (n) => {
        await E.startContainer(e, n);
        print(n);
      });
    });
}

function makeStop(): Command {
  return new Command('stop').description('Stop one or more containers')
    .option('-t, --time <seconds>', 'Seconds to wait for stop before killing the container', parseIntFlag('time'))
    .option('-a, --all', 'Stop all running containers', false)
    .option('-i, --ignore', 'Ignore errors when a specified container is missing', false)
    .argument('[containers...]')
    .action(async function (this: Command, names: string[], o: Opts) {
      const e = engineFor(this);
      const ids = allOr(e, names, o.all, 'container', (c) => c.state.status === 'running' || c.state.status === 'paused');
      await each(ids, async (n) => {
        try {
          await E.stopContainer(e, n, o.time);
        } catch (err) {
          if (o.ignore && (err as HuskError).code === 'NO_SUCH_CONTAINER') return;
          throw err;
        }
        print(n);
      });
    });
}

function makeKill(): Command {
  return new Command('kill').description('Kill one or more running containers with a specific signal')
    .option('-s, --signal <signal>', 'Signal to send to the container', 'KILL')
    .option('-a, --all', 'Signal all running containers', false)
    .argument('[containers...]')
    .action(async function (this: Command, names: string[], o: Opts) {
      const e = engineFor(this);
      await each(allOr(e, names, o.all, 'container', (c) => c.state.status === 'running'), async (n) => {
        await E.killContainer(e, n, o.signal);
        print(n);
      });
    });
}

function makeRestart(): Command {
  return new Command('restart').description('Restart one or more containers')
    .option('-t, --time <seconds>', 'Seconds to wait for stop before killing the container', parseIntFlag('time'))
    .option('-a, --all', 'Restart all containers', false)
    .argument('[containers...]')
    .action(async function (this: Command, names: string[], o: Opts) {
      const e = engineFor(this);
      await each(allOr(e, names, o.all, 'container'), async (n) => {
        await E.stopContainer(e, n, o.time);
        const c = await E.startContainer(e, n);
        print(c.config.id);
      });
    });
}

function makeRm(): Command {
  return new Command('rm').description('Remove one or more containers')
    .option('-f, --force', 'Force removal of a running or unusable container', false)
    .option('-a, --all', 'Remove all containers', false)
    .option('-i, --ignore', 'Ignore errors when a specified container is missing', false)
    .option('-v, --volumes', 'Remove anonymous volumes associated with the container', false)
    .option('-t, --time <seconds>', 'Seconds to wait for stop before killing the container', parseIntFlag('time'))
    .argument('[containers...]')
    .action(async function (this: Command, names: string[], o: Opts) {
      const e = engineFor(this);
      await each(allOr(e, names, o.all, 'container', (c) => !c.config.isInfra), async (n) => {
        try {
          print(await E.removeContainer(e, n, { force: o.force, volumes: o.volumes }));
        } catch (err) {
          if (o.ignore && (err as HuskError).code === 'NO_SUCH_CONTAINER') return;
          throw err;
        }
      });
    });
}

export function psRow(c: Container, noTrunc: boolean, podNames: Map<string, string> = new Map()) {
  const { config: cfg, state: st } = c;
  const status = E.statusWord(c);
  const cmd = cfg.args.join(' ');
  let text = 'Created';
  if (status === 'running') text = `Up ${humanDuration(Date.now() - new Date(st.startedAt).getTime())}`;
  else if (status === 'paused') text = 'Paused';
  else if (status === 'exited' || status === 'stopped') text = `Exited (${st.exitCode}) ${ago(st.finishedAt)}`;
  return {
    ID: noTrunc ? cfg.id : cfg.id.slice(0, 12), Id: cfg.id, Image: cfg.imageName, ImageID: cfg.imageId,
    Command: noTrunc || cmd.length <= 17 ? cmd : `${cmd.slice(0, 17)}...`, CreatedHuman: ago(cfg.created),
    Created: Math.floor(new Date(cfg.created).getTime() / 1000), CreatedAt: cfg.created, RunningFor: ago(cfg.created),
    Status: text, State: status, Ports: formatPorts(cfg.ports), Names: cfg.name, Labels: cfg.intent.labels ?? {}, Pid: st.pid,
    ExitCode: st.exitCode, Exited: status === 'exited', AutoRemove: !!cfg.intent.autoRemove,
    StartedAt: Math.floor(new Date(st.startedAt).getTime() / 1000), ExitedAt: Math.floor(new Date(st.finishedAt).getTime() / 1000),
    Pod: cfg.pod ? (noTrunc ? cfg.pod : cfg.pod.slice(0, 12)) : '', PodName: cfg.pod ? podNames.get(cfg.pod) ?? '' : '',
    Mounts: [], Networks: Object.keys(cfg.networks ?? {}), Size: null, IsInfra: !!cfg.isInfra, Namespaces: {},
  };
}

function psFilter(filters: string[], e: EngineContext, podNames: Map<string, string> = new Map()): (c: Container) => boolean {
  const tests = filters.map((f) => {
    const eq = f.indexOf('=');
    if (eq < 0) throw invalidArgument(`invalid filter "${f}": expected key=value`);
    const key = f.slice(0, eq);
    const val = f.slice(eq + 1);
    switch (key) {
      case 'id': return (c: Container) => c.config.id.startsWith(val);
      case 'name': return (c: Container) => new RegExp(val).test(c.config.name);
      case 'status': {
        const valid = ['created', 'running', 'paused', 'exited', 'stopped', 'unknown', 'removing'];
        if (!valid.includes(val)) throw invalidArgument(`invalid status "${val}": must be one of ${valid.join(', ')}`);
        return (c: Container) => E.statusWord(c) === val;
      }
      case 'label': {
        const i = val.indexOf('=');
        const k = i < 0 ? val : val.slice(0, i);
        return (c: Container) => k in (c.config.intent.labels ?? {}) && (i < 0 || c.config.intent.labels![k] === val.slice(i + 1));
      }
      case 'ancestor': {
        let id: string | undefined;
        try { id = e.images.lookup(val)?.id; } catch {}
        return (c: Container) => c.config.imageId === id || c.config.imageName === val || c.config.imageId.startsWith(val);
      }
      case 'exited': return (c: Container) => E.statusWord(c) === 'exited' && c.state.exitCode === Number(val);
      case 'pod': return (c: Container) => !!c.config.pod && (c.config.pod.startsWith(val) || podNames.get(c.config.pod) === val);
      case 'network': return (c: Container) => val in (c.config.networks ?? {});
      default: throw invalidArgument(`invalid filter "${key}"`);
    }
  });
  return (c) => tests.every((t) => t(c));
}

function makePs(name = 'ps'): Command {
  return new Command(name).description('List containers')
    .option('-a, --all', 'Show all the containers, default is only running containers', false)
    .option('-q, --quiet', 'Print the numeric IDs of the containers only', false)
    .option('-l, --latest', 'Act on the latest container husk is aware of', false)
    .option('-n, --last <n>', 'Print the n last created containers (all states)', parseIntFlag('last'))
    .option('--no-trunc', 'Display the extended information')
    .option('--format <format>', 'Pretty-print containers to JSON or using a Go template')
    .option('-f, --filter <filter>', 'Filter output based on conditions given', collect, [])
    .option('--ns', 'Display namespace information', false)
    .option('-p, --pod', 'Print the ID and name of the pod the containers are associated with', false)
    .action(async function (this: Command, o: Opts) {
      const e = engineFor(this);
      let list = E.listContainers(e);
      const podNames = new Map(e.db.listPods().map((p) => [p.id, p.name]));
      const explicitAll = o.all || o.latest || o.last !== undefined || o.filter.some((f: string) => f.startsWith('status='));
      if (!explicitAll) list = list.filter((c) => c.state.status === 'running' || c.state.status === 'paused');
      list = list.filter(psFilter(o.filter, e, podNames));
      list.sort((a, b) => b.config.created.localeCompare(a.config.created));
      if (o.latest) list = list.slice(0, 1);
      if (o.last !== undefined && o.last >= 0) list = list.slice(0, o.last);
      if (o.ns) {
        const { namespaceInodes } = await import('../engine/container/namespaces.ts');
        const nsRows = list.map((c) => {
          const n = c.state.pid ? namespaceInodes(c.state.pid) : {};
          return { ...psRow(c, o.trunc === false), PID: String(c.state.pid), Cgroupns: n.cgroup ?? '', IPC: n.ipc ?? '', MNT: n.mnt ?? '', NET: n.net ?? '', PIDNS: n.pid ?? '', USERNS: n.user ?? '', UTS: n.uts ?? '' };
        });
        process.stdout.write(renderList(o.format, nsRows, {
          headers: { ID: 'CONTAINER ID', Cgroupns: 'CGROUPNS' },
          defaultFormat: 'table {{.ID}}\t{{.Names}}\t{{.PID}}\t{{.Cgroupns}}\t{{.IPC}}\t{{.MNT}}\t{{.NET}}\t{{.PIDNS}}\t{{.USERNS}}\t{{.UTS}}',
        }));
        return;
      }
      const rows = list.map((c) => psRow(c, o.trunc === false, podNames));
      if (o.quiet) return rows.forEach((r) => print(r.ID));
      if (o.format === 'json') {
        const full = list.map((c) => ({ ...psRow(c, true, podNames), ID: undefined, Names: [c.config.name], Command: c.config.args }));
        process.stdout.write(renderList('json', full, { headers: {}, defaultFormat: '' }, { jsonIndent: 2 }));
        return;
      }
      process.stdout.write(renderList(o.format, rows, {
        headers: { ID: 'CONTAINER ID', CreatedHuman: 'CREATED', RunningFor: 'CREATED', Pod: 'POD ID', PodName: 'PODNAME' },
        defaultFormat: `table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.CreatedHuman}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}${o.pod ? '\t{{.Pod}}\t{{.PodName}}' : ''}`,
      }));
    });
}

function makeLogs(): Command {
  return new Command('logs').description('Fetch the logs of one or more containers')
    .option('-f, --follow', 'Follow log output', false)
    .option('--tail <n>', 'Output the specified number of LINES at the end of the logs (-1: all)', parseIntFlag('tail'), -1)
    .option('--since <time>', 'Show logs since TIMESTAMP')
    .option('--until <time>', 'Show logs until TIMESTAMP')
    .option('-t, --timestamps', 'Output the timestamps in the log', false)
    .option('-n, --names', 'Output the container name in the log', false)
    .option('-l, --latest', 'Act on the latest container husk is aware of', false)
    .argument('[containers...]')
    .action(async function (this: Command, names: string[], o: Opts) {
      const e = engineFor(this);
      if (o.latest) names = E.listContainers(e).sort((a, b) => b.config.created.localeCompare(a.config.created)).slice(0, 1).map((c) => c.config.id);
      if (!names.length) throw invalidArgument('you must provide at least one container name or ID');
      const opts = { follow: o.follow, tail: o.tail, since: o.since ? parseTime(o.since) : undefined, until: o.until ? parseTime(o.until) : undefined };
      await each(names, async (n) => {
        const name = E.getContainer(e, n).config.name;
        await E.containerLogs(e, n, opts, (l) => {
          const prefix = `${o.names || names.length > 1 ? `${name} ` : ''}${o.timestamps ? `${l.time} ` : ''}`;
          (l.stream === 'stderr' ? process.stderr : process.stdout).write(`${prefix}${l.text}\n`);
        });
      });
    });
}

function makeExec(): Command {
  return new Command('exec').description('Run a process in a running container')
    .option('-d, --detach', 'Run the exec session in detached mode (backgrounded)', false)
    .option('-e, --env <env>', 'Set environment variables', collect, [])
    .option('--env-file <file>', 'Read in a file of environment variables', collect, [])
    .option('-i, --interactive', 'Keep STDIN open even if not attached', false)
    .option('-t, --tty', 'Allocate a pseudo-TTY', false)
    .option('-u, --user <user>', 'Sets the username or UID used and optionally the groupname or GID for the specified command')
    .option('-w, --workdir <dir>', 'Working directory inside the container')
    .option('--privileged', 'Give the process extended Linux capabilities inside the container', false)
    .passThroughOptions()
    .argument('<container>')
    .argument('<command...>')
    .action(async function (this: Command, name: string, command: string[], o: Opts) {
      const e = engineFor(this);
      const env = parseEnvFiles(o.envFile);
      parseEnv(o.env, env);
      process.exitCode = await E.execInContainer(e, name, {
        command, env, user: o.user, workdir: o.workdir, tty: o.tty, interactive: o.interactive, detach: o.detach,
      });
    });
}

function makeWait(): Command {
  return new Command('wait').description('Block on one or more containers')
    .option('--condition <state>', 'Condition to wait on', 'stopped')
    .option('-i, --interval <duration>', 'Time interval to wait before polling for completion', '250ms')
    .option('--ignore', 'Ignore if a container does not exist', false)
    .argument('<containers...>')
    .action(async function (this: Command, names: string[], o: Opts) {
      const e = engineFor(this);
      if (!['stopped', 'exited'].includes(o.condition)) throw invalidArgument(`unsupported wait condition "${o.condition}"`);
      await each(names, async (n) => {
        let c;
        try {
          c = E.getContainer(e, n);
        } catch (err) {
          if (o.ignore) return print('-1');
          throw err;
        }
        if (c.state.status === 'created' && !c.state.pid) {
          // Created, never started: nothing to wait for yet; Podman waits for a start.
        }
        const code = c.state.status === 'exited' || c.state.status === 'stopped' ? c.state.exitCode : await E.waitForExit(e, c.config.id);
        print(String(code));
      });
    });
}

function makeAttach(): Command {
  return new Command('attach').description('Attach to a running container')
    .option('--detach-keys <keys>', 'Select the key sequence for detaching a container', 'ctrl-p,ctrl-q')
    .option('--no-stdin', 'Do not attach STDIN')
    .option('--sig-proxy [bool]', 'Proxy received signals to the process', (v) => v !== 'false', true)
    .argument('<container>')
    .action(async function (this: Command, name: string, o: Opts) {
      const e = engineFor(this);
      const r = await E.attachContainer(e, name, {
        stdin: o.stdin === false ? undefined : process.stdin, stdout: process.stdout, stderr: process.stderr,
        detachKeys: o.detachKeys, proxySignals: o.sigProxy,
      });
      process.stdin.destroy();
      if (!r.detached) process.exitCode = r.exitCode ?? 0;
    });
}

function makeTop(): Command {
  return new Command('top').description('Display the running processes of a container')
    .argument('<container>')
    .argument('[descriptors...]', 'ps format descriptors (e.g. pid user args)')
    .action(async function (this: Command, name: string, descriptors: string[]) {
      const rows = await E.topContainer(engineFor(this), name, descriptors);
      const { tabulate } = await import('./format/table.ts');
      process.stdout.write(tabulate(rows.map((r) => r.join('\t'))));
    });
}

function makePause(pause: boolean): Command {
  return new Command(pause ? 'pause' : 'unpause').description(pause ? 'Pause all the processes in one or more containers' : 'Unpause the processes in one or more containers')
    .option('-a, --all', `${pause ? 'Pause' : 'Unpause'} all containers`, false)
    .argument('[containers...]')
    .action(async function (this: Command, names: string[], o: Opts) {
      const e = engineFor(this);
      await each(allOr(e, names, o.all, 'container', (c) => c.state.status === (pause ? 'running' : 'paused')), async (n) => {
        const c = await E.pauseContainer(e, n, pause);
        print(c.config.id);
      });
    });
}

function makeRename(): Command {
  return new Command('rename').description('Rename an existing container')
    .argument('<container>').argument('<name>')
    .action(function (this: Command, ref: string, name: string) {
      E.renameContainer(engineFor(this), ref, name);
    });
}

function makeInspect(): Command {
  return new Command('inspect').description('Display the configuration of a container')
    .option('-f, --format <format>', 'Format the output to a Go template or json', 'json')
    .option('-l, --latest', 'Act on the latest container husk is aware of', false)
    .option('-s, --size', 'Display total file size', false)
    .argument('[containers...]')
    .action(async function (this: Command, names: string[], o: Opts) {
      const e = engineFor(this);
      const { printInspect } = await import('./inspect.ts');
      printInspect(names, o.format, (n) => E.inspectContainer(e, n));
    });
}

function makePrune(): Command {
  return new Command('prune').description('Remove all non running containers')
    .option('-f, --force', 'Do not prompt for confirmation', false)
    .option('--filter <filter>', 'Provide filter values (e.g. label=<key>=<value>)', collect, [])
    .action(async function (this: Command, o: Opts) {
      const e = engineFor(this);
      const f = psFilter(o.filter, e);
      for (const c of E.listContainers(e).filter((c) => !['running', 'paused'].includes(c.state.status) && !c.config.isInfra && f(c))) {
        print(await E.removeContainer(e, c.config.id));
      }
    });
}

function makeExists(): Command {
  return new Command('exists').description('Check if a container exists in local storage')
    .argument('<container>')
    .action(function (this: Command, ref: string) {
      try {
        E.getContainer(engineFor(this), ref);
      } catch (err) {
        if ((err as HuskError).code === 'NO_SUCH_CONTAINER') { process.exitCode = 1; return; }
        throw err;
      }
    });
}

function makeCleanup(): Command {
  return new Command('cleanup').description('Clean up network and mountpoints of one or more containers (run by conmon)')
    .argument('<containers...>')
    .action(async function (this: Command, names: string[]) {
      const e = engineFor(this);
      for (const n of names) await E.cleanupContainer(e, n);
    });
}

function makeStats(): Command {
  return addStatsFlags(new Command('stats').description('Display a live stream of container resource usage statistics'), 'container')
    .option('-a, --all', 'Show all containers (default shows just running)', false)
    .argument('[containers...]')
    .action(async function (this: Command, names: string[], o: Opts) {
      const e = engineFor(this);
      const S = await import('../engine/container/stats.ts');
      await streamStats(o, () => S.statsTargets(e, names, o.all), {
        headers: {},
        defaultFormat: 'table {{.ID}}\t{{.Name}}\t{{.CPUPerc}}\t{{.MemUsage}}\t{{.MemPerc}}\t{{.NetIO}}\t{{.BlockIO}}\t{{.PIDS}}\t{{.CPUTime}}\t{{.AVGCPU}}',
      });
    });
}


function makePort(): Command {
  return new Command('port').description('List port mappings or a specific mapping for the container')
    .option('-a, --all', 'Display port information for all containers', false)
    .argument('[container]').argument('[port]', 'PORT[/PROTO]')
    .action(function (this: Command, ref: string | undefined, port: string | undefined, o: Opts) {
      const e = engineFor(this);
      const list = o.all ? E.listContainers(e) : ref ? [E.getContainer(e, ref)] : [];
      if (!list.length && !o.all) throw invalidArgument('you must provide a container name or ID (or --all)');
      for (const c of list) {
        for (const p of c.config.ports ?? []) {
          for (let k = 0; k < p.range; k++) {
            const cp = `${p.container_port + k}/${p.protocol}`;
            if (port && port !== cp && port !== String(p.container_port + k)) continue;
            const host = `${p.host_ip || '0.0.0.0'}:${p.host_port + k}`;
            print(port ? host : `${o.all ? `${c.config.id.slice(0, 12)}\t` : ''}${cp} -> ${host}`);
          }
        }
      }
    });
}

function makeUpdate(): Command {
  return addResourceFlags(new Command('update').description('Update an existing container\'s resource limits'))
    .argument('<container>')
    .action(async function (this: Command, ref: string, o: Opts) {
      const c = await E.updateContainer(engineFor(this), ref, resourcesFrom(o));
      print(c.config.id);
    });
}

const FACTORIES: Record<string, () => Command> = {
  run: makeRun, create: makeCreate, start: makeStart, stop: makeStop, kill: makeKill, restart: makeRestart,
  rm: makeRm, ps: makePs, logs: makeLogs, exec: makeExec, wait: makeWait, attach: makeAttach, top: makeTop,
  pause: () => makePause(true), unpause: () => makePause(false), rename: makeRename, stats: makeStats, update: makeUpdate, port: makePort,
};

export function register(program: Command, word?: string): void {
  // Only the typed command when it is a top-level one (`run`, `ps`...):
  // building all ~45 container commands and their flags costs ~5 ms.
  if (word && Object.hasOwn(FACTORIES, word)) {
    program.addCommand(FACTORIES[word]());
    return;
  }
  for (const make of Object.values(FACTORIES)) program.addCommand(make());
  const group = new Command('container').description('Manage containers').enablePositionalOptions();
  for (const make of Object.values(FACTORIES)) group.addCommand(make());
  group.addCommand(makePs('ls').aliases(['list']));
  group.addCommand(makeInspect());
  group.addCommand(makePrune());
  group.addCommand(makeExists());
  group.addCommand(makeCleanup());
  registerFsGroup(group);
  program.addCommand(group);
}
