// Pod commands: create, ps, start, stop, restart, kill, pause, unpause, rm,
// inspect, top, logs, stats, exists, prune. Flags in, one call to the pods
// API, Podman's output out.
import { readFileSync } from 'node:fs';
import { makePodClone } from './pod-clone.ts';
import { addPodInfraFlags, podInfraFrom } from './podflags.ts';
import { Command, Option } from 'commander';
import { HuskError, invalidArgument } from '../common/errors.ts';
import type { Engine, ItemReport } from '../engine/api.ts';
import { PAUSE_IMAGE, type Pod, type PodContainerStats, type PodSelection } from '../engine/pod/api.ts';
import { parseFilters } from '../specgen/filters.ts';
import type { NetworkAttachSpec } from '../specgen/container.ts';
import { parseNetworkFlags } from '../specgen/flags.ts';
import { ago, collect, connectFor, parseIntFlag, parseTime, print, printReports } from './common.ts';
import { renderList } from './format/index.ts';
import { printInspect } from './inspect.ts';
import { addStatsFlags, printStatsStream, statsOptions } from './stats.ts';
import { compareText } from '../common/order.ts';

type Opts = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Exit codes of the per-pod commands, as Podman's: 1 no such pod, 2 pod in a wrong state. */
const POD_CODES = { NO_SUCH_POD: 1, POD_STATE: 2 } as const;

/** The pod a single-pod command (top, logs, inspect) names, or the newest with --latest. */
async function onePod(engine: Engine, ref: string | undefined, latest: boolean): Promise<string> {
  if (ref && !latest) return ref;
  if (!latest) throw invalidArgument('you must provide at least one pod name or ID');
  const newest = (await engine.pods.list()).sort((a, b) => compareText(b.config.created, a.config.created))[0];
  if (!newest) throw new HuskError('NO_SUCH_POD', 'no pods to act on: no such pod');
  return newest.config.id;
}

function makeCreate(): Command {
  return addPodInfraFlags(new Command('create').description('Create a new empty pod'))
    .option('-n, --name <name>', 'Assign a name to the pod')
    .option('-p, --publish <port>', 'Publish a port or a range of ports from the pod to the host', collect, [])
    .addOption(new Option('--infra [bool]', 'Create an infra container associated with the pod to share namespaces with').argParser((v) => v !== 'false').default(true))
    .option('--infra-image <image>', `Image to use for the infra container (default: ${PAUSE_IMAGE}, built from catatonit)`)
    .option('--share <namespaces>', 'Kernel namespaces to share (ipc, net, pid, uts, or none)', 'ipc,net,uts')
    .option('--network <mode>', 'Connect the pod to networks (bridge, network names with NAME:options or a comma list, host, none)', collect, [])
    .option('--network-alias <alias>', 'Add a network-scoped alias for the pod', collect, [])
    .option('--dns <ip>', 'Set custom DNS servers for the pod', collect, [])
    .option('--dns-search <domain>', 'Set custom DNS search domains for the pod', collect, [])
    .option('--dns-option <option>', 'Set custom DNS options for the pod', collect, [])
    .addOption(new Option('--dns-opt <option>').hideHelp().argParser(collect).default([]))
    .option('--add-host <host:ip>', 'Add a custom host-to-IP mapping to the pod\'s /etc/hosts', collect, [])
    .option('--no-hosts', 'Do not create /etc/hosts for the pod')
    .option('--pod-id-file <file>', 'Write the pod ID to the file')
    .addOption(new Option('--exit-policy <policy>', 'Behaviour when the last container exits').choices(['continue', 'stop']).default('continue'))
    .option('--replace', 'If a pod with the same name exists, replace it', false)
    .option('--ip <address>', 'Specify a static IPv4 address for the container')
    .option('--ip6 <address>', 'Specify a static IPv6 address for the container')
    .option('--mac-address <address>', 'Container MAC address (e.g. 92:d0:c6:0a:29:33)')
    // Podman's bool flag: --share-parent=false. Any other value is an error rather than a pod name taken as the value.
    .addOption(new Option('--share-parent [bool]', 'Set the pod\'s cgroup as the cgroup parent for all containers joining the pod').argParser((v) => {
      if (v === 'true' || v === 'false') return v === 'true';
      throw invalidArgument(`invalid argument "${v}" for "--share-parent" flag: strconv.ParseBool: parsing "${v}": invalid syntax`);
    }).default(true))
    .argument('[name]', 'pod name (same as --name)')
    .action(async function (this: Command, name: string | undefined, o: Opts) {
      if (name && o.name && name !== o.name) throw invalidArgument('cannot specify a pod name both as an argument and with --name');
      if (o.podIdFile) {
        const { existsSync } = await import('node:fs');
        if (existsSync(o.podIdFile)) throw invalidArgument(`pod id file exists. Ensure another pod is not using it or delete ${o.podIdFile}`);
      }
      const settings = await podInfraFrom(o);
      const engine = await connectFor(this);
      if (o.replace) {
        // As Podman: the named pod and its containers go first (forced).
        if (!(name ?? o.name)) throw invalidArgument('cannot replace pod without --name being set');
        printReports(await engine.pods.remove([name ?? o.name], { force: true, ignore: true }), { line: () => undefined });
      }
      const pod = await engine.pods.create({
        name: name ?? o.name, ...settings, shareParent: o.shareParent, hostname: o.hostname, infra: o.infra, infraImage: o.infraImage,
        infraCommand: o.infraCommand ? [o.infraCommand] : undefined, infraName: o.infraName, share: [o.share],
        networks: podNetworks(o.network), publish: o.publish, networkAliases: o.networkAlias, dns: o.dns, dnsSearch: o.dnsSearch,
        dnsOption: [...o.dnsOption, ...o.dnsOpt], addHost: o.addHost, noHosts: o.hosts === false, createCommand: ['husk', ...process.argv.slice(2)],
        infraConmonPidFile: o.infraConmonPidfile, exitPolicy: o.exitPolicy, cgroupParent: o.cgroupParent,
      });
      if (o.podIdFile) (await import('node:fs')).writeFileSync(o.podIdFile, pod.id);
      print(pod.id);
    });
}

function podRow(p: Pod, noTrunc: boolean) {
  const short = (id: string) => (noTrunc ? id : id.slice(0, 12));
  return {
    ID: short(p.config.id), Id: p.config.id, Name: p.config.name, Status: p.status, Created: ago(p.config.created),
    CreatedAt: p.config.created, InfraID: p.config.infraId ? short(p.config.infraId) : '', InfraId: p.config.infraId ?? '',
    NumberOfContainers: String(p.containers.length), Labels: p.config.labels, Namespace: '', Cgroup: '',
    Networks: p.networks,
    ContainerNames: p.containers.map((c) => c.name).join(','),
    ContainerIds: p.containers.map((c) => short(c.id)).join(','),
    ContainerStatuses: p.containers.map((c) => c.status).join(','),
    Containers: p.containers.map((c) => ({ Id: c.id, Names: c.name, Status: c.status, RestartCount: c.restartCount })),
  };
}

function makePs(name: string): Command {
  return new Command(name).description('List pods')
    .option('-q, --quiet', 'Print the numeric IDs of the pods only', false)
    .option('--no-trunc', 'Do not truncate pod and container IDs')
    .option('--ctr-names', 'Display the container names', false)
    .option('--ctr-ids', 'Display the container UUIDs. If no-trunc is not set they will be truncated', false)
    .option('--ctr-status', 'Display the container status', false)
    .option('--ns', 'Display namespace information of the pod', false)
    .option('-l, --latest', 'Act on the latest pod husk is aware of', false)
    .option('-f, --filter <filter>', 'Filter output based on conditions given', collect, [])
    .option('--format <format>', 'Pretty-print pods to JSON or using a Go template')
    .option('--sort <field>', 'Sort output by created, id, name, number of containers or status', 'created')
    .option('--noheading', 'Do not print headers', false)
    .action(async function (this: Command, o: Opts) {
      const keys: Record<string, (p: Pod) => string | number> = {
        created: (p) => p.config.created, id: (p) => p.config.id, name: (p) => p.config.name,
        'number': (p) => p.containers.length, status: (p) => p.status,
      };
      const key = keys[o.sort];
      if (!key) throw invalidArgument(`invalid option for --sort, options are: ${Object.keys(keys).join(', ')}`);
      const engine = await connectFor(this);
      let pods = await engine.pods.list({ filters: parseFilters(o.filter) });
      // Numbers as numbers, text by code unit (Go's order; localeCompare would set up ICU's collator, ~65 M instructions).
      const cmp = (x: string | number, y: string | number) => (typeof x === 'number' && typeof y === 'number' ? x - y : compareText(String(x), String(y)));
      pods.sort((a, b) => (o.sort === 'created' ? cmp(key(b), key(a)) : cmp(key(a), key(b))));
      if (o.latest) pods = pods.slice(0, 1);
      const rows = pods.map((p) => podRow(p, o.trunc === false));
      if (o.quiet) return rows.forEach((r) => print(r.ID));
      if (o.format === 'json') {
        process.stdout.write(renderList('json', rows.map((r) => ({ ...r, ID: undefined, Created: r.CreatedAt, InfraId: r.InfraId, Id: r.Id })), { headers: {}, defaultFormat: '' }, { jsonIndent: 4 }));
        return;
      }
      let format = 'table {{.ID}}\t{{.Name}}\t{{.Status}}\t{{.Created}}\t{{.InfraID}}';
      if (o.ctrIds) format += '\t{{.ContainerIds}}';
      if (o.ctrNames) format += '\t{{.ContainerNames}}';
      if (o.ctrStatus) format += '\t{{.ContainerStatuses}}';
      if (!o.ctrIds && !o.ctrNames && !o.ctrStatus) format += '\t{{.NumberOfContainers}}';
      process.stdout.write(renderList(o.format, rows, {
        headers: { ID: 'POD ID', InfraID: 'INFRA ID', NumberOfContainers: '# OF CONTAINERS', ContainerIds: 'IDS', ContainerNames: 'NAMES', ContainerStatuses: 'STATUS' },
        defaultFormat: format,
      }, { noHeading: o.noheading }));
    });
}

/** start/stop/restart/kill/pause/unpause/rm: the same shape, one pods API call for all. */
function makeAction(name: string, desc: string, run: (e: Engine, refs: string[], o: Opts & PodSelection) => Promise<ItemReport[]>, flags: (c: Command) => Command = (c) => c): Command {
  return flags(new Command(name).description(desc))
    .option('-a, --all', `${name[0].toUpperCase()}${name.slice(1)} all pods`, false)
    .option('-l, --latest', 'Act on the latest pod husk is aware of', false)
    .argument('[pods...]')
    .action(async function (this: Command, names: string[], o: Opts) {
      const engine = await connectFor(this);
      const ids = podIdFiles(o);
      // --ignore and the unit's pod is already gone: nothing to do.
      if (ids.missing && !names.length && !ids.refs.length) return;
      const reports = await run(engine, [...names, ...ids.refs], o);
      // Only `pod rm` has Podman's 1/2 exit codes; the other verbs fail with 125.
      printReports(reports, { line: (r) => r.id, exitCodes: name === 'rm' ? POD_CODES : undefined });
    });
}

/** start/stop/rm --pod-id-file (generated pod units): the pod IDs in the files; with --ignore a missing file names none. */
function podIdFiles(o: Opts): { refs: string[]; missing: boolean } {
  const refs: string[] = [];
  let missing = false;
  for (const f of (o.podIdFile ?? []) as string[]) {
    try {
      refs.push(readFileSync(f, 'utf8').trim());
    } catch (err) {
      if (!o.ignore) throw invalidArgument(`reading pod ID file ${f}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : (err as Error).message}`);
      missing = true;
    }
  }
  return { refs, missing };
}

const podIdFileFlag = (c: Command) => c.option('--pod-id-file <file>', 'Read the pod ID from the file', collect, []);

const timeFlag = (c: Command) => c.option('-t, --time <seconds>', 'Seconds to wait for the pod\'s containers to stop before killing them', parseIntFlag('time'));

function makeTop(): Command {
  return new Command('top').description('Display the running processes of containers in a pod')
    .option('-l, --latest', 'Act on the latest pod husk is aware of', false)
    .argument('[pod]').argument('[descriptors...]', 'ps format descriptors (e.g. pid user args)')
    .action(async function (this: Command, ref: string | undefined, descriptors: string[], o: Opts) {
      const engine = await connectFor(this);
      const rows = await engine.pods.top(await onePod(engine, ref, o.latest), descriptors);
      const { tabulate } = await import('./format/table.ts');
      process.stdout.write(tabulate(rows.map((r) => r.join('\t'))));
    });
}

/** The ANSI foreground colors Podman's pod logs --color gives containers, in turn. */
const LOG_COLORS = [37, 31, 33, 34, 35, 36, 32];

function makeLogs(): Command {
  return new Command('logs').description('Fetch the logs of the containers of a pod')
    .option('-c, --container <name>', 'Only the logs of this container of the pod')
    .option('-f, --follow', 'Follow log output', false)
    .option('--tail <n>', 'Output the specified number of LINES at the end of the logs (-1: all)', parseIntFlag('tail'), -1)
    .option('--since <time>', 'Show logs since TIMESTAMP')
    .option('--until <time>', 'Show logs until TIMESTAMP')
    .option('-t, --timestamps', 'Output the timestamps in the log', false)
    .option('-n, --names', 'Output container names instead of container IDs in the log', false)
    .option('-l, --latest', 'Act on the latest pod husk is aware of', false)
    .option('--color', 'Output the containers within a pod with different colors in the log', false)
    .argument('[pod]')
    .action(async function (this: Command, ref: string | undefined, o: Opts) {
      const engine = await connectFor(this);
      const pod = await onePod(engine, ref, o.latest);
      const lines = engine.pods.logs(pod, {
        container: o.container, follow: o.follow, tail: o.tail,
        since: o.since ? parseTime(o.since) : undefined, until: o.until ? parseTime(o.until) : undefined,
      });
      // Podman's multi-container logs: each line names its container only when there are several.
      const multi = !o.container && (await engine.pods.get(pod)).containers.filter((c) => !c.isInfra).length > 1;
      const colorOf = new Map<string, number>();
      for await (const l of lines) {
        let line = `${multi ? `${o.names ? l.name : l.id.slice(0, 12)} ` : ''}${o.timestamps ? `${l.time} ` : ''}${l.text}`;
        if (o.color) {
          // Podman's colors, one per container in the order they first log.
          if (!colorOf.has(l.id)) colorOf.set(l.id, colorOf.size);
          line = `\x1b[${LOG_COLORS[colorOf.get(l.id)! % LOG_COLORS.length]}m${line}\x1b[0m`;
        }
        (l.stream === 'stderr' ? process.stderr : process.stdout).write(`${line}\n`);
      }
    });
}

function makeStats(): Command {
  return addStatsFlags(new Command('stats').description('Display a live stream of resource usage statistics for the containers in one or more pods'), 'pod')
    .option('-a, --all', 'Provide stats for all running pods', false)
    .option('-l, --latest', 'Act on the latest pod husk is aware of', false)
    .argument('[pods...]')
    .action(async function (this: Command, names: string[], o: Opts) {
      const engine = await connectFor(this);
      const stats = engine.pods.stats(names, { latest: o.latest, ...statsOptions(o) });
      await printStatsStream(o, stats, {
        headers: { Pod: 'POD', CID: 'CID', MemUsage: 'MEM USAGE/ LIMIT' },
        defaultFormat: 'table {{.Pod}}\t{{.CID}}\t{{.Name}}\t{{.CPUPerc}}\t{{.MemUsage}}\t{{.MemPerc}}\t{{.NetIO}}\t{{.BlockIO}}\t{{.PIDS}}',
      }, (s) => ({ Pod: String((s as PodContainerStats).Pod ?? '').slice(0, 12), CID: s.ContainerID.slice(0, 12) }));
    });
}

export function register(program: Command): void {
  const group = new Command('pod').description('Manage pods').enablePositionalOptions();
  group.addCommand(makeCreate());
  group.addCommand(makePodClone());
  group.addCommand(makePs('ps').aliases(['ls', 'list']));
  group.addCommand(makeAction('start', 'Start one or more pods', (e, refs, o) => e.pods.start(refs, o), podIdFileFlag));
  group.addCommand(makeAction('stop', 'Stop one or more pods', (e, refs, o) => e.pods.stop(refs, { ...o, timeout: o.time }),
    (c) => podIdFileFlag(timeFlag(c)).option('-i, --ignore', 'Ignore errors when a specified pod is missing', false)));
  group.addCommand(makeAction('restart', 'Restart one or more pods', (e, refs, o) => e.pods.restart(refs, { ...o, timeout: o.time }), timeFlag));
  group.addCommand(makeAction('kill', 'Send the specified signal or SIGKILL to containers in a pod', (e, refs, o) => e.pods.kill(refs, { ...o, signal: o.signal }),
    (c) => c.option('-s, --signal <signal>', 'Signal to send to the containers in the pod', 'KILL')));
  group.addCommand(makeAction('pause', 'Pause one or more pods', (e, refs, o) => e.pods.pause(refs, o)));
  group.addCommand(makeAction('unpause', 'Unpause one or more pods', (e, refs, o) => e.pods.unpause(refs, o)));
  group.addCommand(makeAction('rm', 'Remove one or more stopped pods and their containers', (e, refs, o) => e.pods.remove(refs, { ...o, force: o.force, timeout: o.time }),
    (c) => podIdFileFlag(timeFlag(c)).option('-f, --force', 'Stop running containers and delete all stopped containers before removal of the pod', false)
      .option('-i, --ignore', 'Ignore errors when a specified pod is missing', false)).aliases(['remove']));
  group.command('inspect').description('Display a pod configuration')
    .option('-f, --format <format>', 'Format the output to a Go template or json', 'json')
    .option('-l, --latest', 'Act on the latest pod husk is aware of', false)
    .argument('[pods...]')
    .action(async function (this: Command, names: string[], o: Opts) {
      const engine = await connectFor(this);
      const refs = o.latest ? [await onePod(engine, undefined, true)] : names;
      if (!refs.length) throw invalidArgument('you must provide at least one pod name or ID');
      return printInspect(refs, o.format, (n) => engine.pods.inspect(n));
    });
  group.addCommand(makeTop());
  group.addCommand(makeLogs());
  group.addCommand(makeStats());
  group.command('exists').description('Check if a pod exists in local storage')
    .argument('<pod>')
    .action(async function (this: Command, ref: string) {
      if (!(await (await connectFor(this)).pods.exists(ref))) process.exitCode = 1;
    });
  group.command('prune').description('Remove all stopped pods and their containers')
    .option('-f, --force', 'Do not prompt for confirmation', false)
    .action(async function (this: Command) {
      const reports = await (await connectFor(this)).pods.prune();
      printReports(reports.map((r) => ({ id: r.id, rawInput: r.id, error: r.error })));
    });
  program.addCommand(group);
}

/** --network values as run parses them: the first may be a mode, the rest bridge networks with their options. */
function podNetworks(values: string[]): NetworkAttachSpec[] | undefined {
  const { first, extra } = parseNetworkFlags(values);
  return first ? [first, ...extra] : undefined;
}
