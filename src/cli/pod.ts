// Pod commands: create, ps, start, stop, restart, kill, pause, unpause, rm,
// inspect, top, logs, stats, exists, prune.
import { Command, Option } from 'commander';
import { HuskError, invalidArgument } from '../common/errors.ts';
import type { EngineContext } from '../engine/context.ts';
import * as P from '../engine/pod/pods.ts';
import { containerLogs } from '../engine/container/logs.ts';
import { topContainer } from '../engine/container/query.ts';
import type { Container } from '../engine/types.ts';
import { ago, collect, each, engineFor, parseIntFlag, parseLabels, parseTime, print } from './common.ts';
import { renderList } from './format/index.ts';
import { printInspect } from './inspect.ts';
import { addStatsFlags, printStatsStream, statsOptions } from './stats.ts';

type Opts = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Exit codes of the per-pod commands, as Podman's: 1 no such pod, 2 pod in a wrong state. */
const POD_CODES = { NO_SUCH_POD: 1, POD_STATE: 2 } as const;

function allOr(e: EngineContext, names: string[], all: boolean, latest = false): string[] {
  if (all) return P.listPods(e).map((p) => p.config.id);
  if (latest) return P.listPods(e).sort((a, b) => b.config.created.localeCompare(a.config.created)).slice(0, 1).map((p) => p.config.id);
  if (!names.length) throw invalidArgument('you must provide at least one pod name or ID');
  return names;
}

function makeCreate(): Command {
  return new Command('create').description('Create a new empty pod')
    .option('-n, --name <name>', 'Assign a name to the pod')
    .option('-p, --publish <port>', 'Publish a port or a range of ports from the pod to the host', collect, [])
    .option('-l, --label <label>', 'Set metadata on the pod', collect, [])
    .option('--hostname <name>', 'Set the pod\'s hostname (default: the pod name)')
    .addOption(new Option('--infra [bool]', 'Create an infra container associated with the pod to share namespaces with').argParser((v) => v !== 'false').default(true))
    .option('--infra-image <image>', `Image to use for the infra container (default: ${P.PAUSE_IMAGE}, built from catatonit)`)
    .option('--infra-command <cmd>', 'Command to run in the infra container')
    .option('--infra-name <name>', 'Name for the infra container')
    .option('--share <namespaces>', 'Kernel namespaces to share (ipc, net, pid, uts, or none)', 'ipc,net,uts')
    .option('--network <mode>', 'Connect the pod to a network (bridge, a network name, host, none)')
    .option('--network-alias <alias>', 'Add a network-scoped alias for the pod', collect, [])
    .option('--dns <ip>', 'Set custom DNS servers for the pod', collect, [])
    .option('--dns-search <domain>', 'Set custom DNS search domains for the pod', collect, [])
    .option('--add-host <host:ip>', 'Add a custom host-to-IP mapping to the pod\'s /etc/hosts', collect, [])
    .option('--no-hosts', 'Do not create /etc/hosts for the pod')
    .option('--pod-id-file <file>', 'Write the pod ID to the file')
    .argument('[name]', 'pod name (same as --name)')
    .action(async function (this: Command, name: string | undefined, o: Opts) {
      if (name && o.name && name !== o.name) throw invalidArgument('cannot specify a pod name both as an argument and with --name');
      if (o.podIdFile) {
        const { existsSync } = await import('node:fs');
        if (existsSync(o.podIdFile)) throw invalidArgument(`pod id file exists. Ensure another pod is not using it or delete ${o.podIdFile}`);
      }
      const pod = await P.createPod(engineFor(this), {
        name: name ?? o.name, labels: parseLabels(o.label), hostname: o.hostname, infra: o.infra, infraImage: o.infraImage,
        infraCommand: o.infraCommand ? [o.infraCommand] : undefined, infraName: o.infraName, share: [o.share],
        network: o.network, publish: o.publish, networkAliases: o.networkAlias, dns: o.dns, dnsSearch: o.dnsSearch,
        addHost: o.addHost, noHosts: o.hosts === false, createCommand: ['husk', ...process.argv.slice(2)],
      });
      if (o.podIdFile) (await import('node:fs')).writeFileSync(o.podIdFile, pod.id);
      print(pod.id);
    });
}

function podFilter(filters: string[]): (p: P.Pod) => boolean {
  const tests = filters.map((f) => {
    const eq = f.indexOf('=');
    if (eq < 0) throw invalidArgument(`invalid filter "${f}": expected key=value`);
    const [key, val] = [f.slice(0, eq), f.slice(eq + 1)];
    switch (key) {
      case 'id': return (p: P.Pod) => p.config.id.startsWith(val);
      case 'name': return (p: P.Pod) => new RegExp(val).test(p.config.name);
      case 'status': {
        const valid = ['stopped', 'running', 'paused', 'exited', 'dead', 'created', 'degraded'];
        if (!valid.includes(val)) throw invalidArgument(`invalid pod status "${val}": must be one of ${valid.join(', ')}`);
        return (p: P.Pod) => p.status.toLowerCase() === val;
      }
      case 'label': {
        const i = val.indexOf('=');
        const k = i < 0 ? val : val.slice(0, i);
        return (p: P.Pod) => k in p.config.labels && (i < 0 || p.config.labels[k] === val.slice(i + 1));
      }
      case 'ctr-names': return (p: P.Pod) => p.containers.some((c) => new RegExp(val).test(c.config.name));
      case 'ctr-ids': return (p: P.Pod) => p.containers.some((c) => c.config.id.startsWith(val));
      case 'ctr-status': return (p: P.Pod) => p.containers.some((c) => c.state.status === val);
      case 'ctr-number': return (p: P.Pod) => p.containers.length === Number(val);
      case 'network': return (p: P.Pod) => p.containers.some((c) => c.config.isInfra && val in (c.config.networks ?? {}));
      default: throw invalidArgument(`invalid pod filter "${key}"`);
    }
  });
  return (p) => tests.every((t) => t(p));
}

function podRow(p: P.Pod, noTrunc: boolean) {
  const short = (id: string) => (noTrunc ? id : id.slice(0, 12));
  const infra = p.containers.find((c) => c.config.isInfra);
  return {
    ID: short(p.config.id), Id: p.config.id, Name: p.config.name, Status: p.status, Created: ago(p.config.created),
    CreatedAt: p.config.created, InfraID: p.config.infraId ? short(p.config.infraId) : '', InfraId: p.config.infraId ?? '',
    NumberOfContainers: String(p.containers.length), Labels: p.config.labels, Namespace: '', Cgroup: '',
    Networks: Object.keys(infra?.config.networks ?? {}),
    ContainerNames: p.containers.map((c) => c.config.name).join(','),
    ContainerIds: p.containers.map((c) => short(c.config.id)).join(','),
    ContainerStatuses: p.containers.map((c) => c.state.status).join(','),
    Containers: p.containers.map((c) => ({ Id: c.config.id, Names: c.config.name, Status: c.state.status, RestartCount: c.state.restartCount })),
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
    .action(function (this: Command, o: Opts) {
      const e = engineFor(this);
      let pods = P.listPods(e).filter(podFilter(o.filter));
      const keys: Record<string, (p: P.Pod) => string | number> = {
        created: (p) => p.config.created, id: (p) => p.config.id, name: (p) => p.config.name,
        'number': (p) => p.containers.length, status: (p) => p.status,
      };
      const key = keys[o.sort];
      if (!key) throw invalidArgument(`invalid option for --sort, options are: ${Object.keys(keys).join(', ')}`);
      pods.sort((a, b) => (o.sort === 'created' ? String(key(b)).localeCompare(String(key(a))) : String(key(a)).localeCompare(String(key(b)), undefined, { numeric: true })));
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
      }));
    });
}

/** start/stop/restart/kill/pause/unpause/rm: the same shape, one engine call per pod. */
function makeAction(name: string, desc: string, run: (e: EngineContext, id: string, o: Opts) => Promise<unknown>, flags: (c: Command) => Command = (c) => c): Command {
  return flags(new Command(name).description(desc))
    .option('-a, --all', `${name[0].toUpperCase()}${name.slice(1)} all pods`, false)
    .option('-l, --latest', 'Act on the latest pod husk is aware of', false)
    .argument('[pods...]')
    .action(async function (this: Command, names: string[], o: Opts) {
      const e = engineFor(this);
      const ids = allOr(e, names, o.all, o.latest);
      await each(ids, async (n) => {
        let id: string;
        try {
          id = P.getPod(e, n).id;
        } catch (err) {
          if (o.ignore && (err as HuskError).code === 'NO_SUCH_POD') return;
          throw err;
        }
        await run(e, id, o);
        print(id);
      }, POD_CODES);
    });
}

const timeFlag = (c: Command) => c.option('-t, --time <seconds>', 'Seconds to wait for the pod\'s containers to stop before killing them', parseIntFlag('time'));

function makeTop(): Command {
  return new Command('top').description('Display the running processes of containers in a pod')
    .option('-l, --latest', 'Act on the latest pod husk is aware of', false)
    .argument('[pod]').argument('[descriptors...]', 'ps format descriptors (e.g. pid user args)')
    .action(async function (this: Command, ref: string | undefined, descriptors: string[], o: Opts) {
      const e = engineFor(this);
      const [id] = allOr(e, ref ? [ref] : [], false, o.latest);
      const running = P.loadPod(e, id).containers.filter((c) => c.state.status === 'running');
      if (!running.length) throw new HuskError('POD_STATE', `pod ${ref ?? id} has no running containers`);
      const out: string[][] = [];
      for (const c of running) {
        const rows = await topContainer(e, c.config.id, descriptors);
        out.push(...(out.length ? rows.slice(1) : rows));
      }
      const { tabulate } = await import('./format/table.ts');
      process.stdout.write(tabulate(out.map((r) => r.join('\t'))));
    });
}

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
    .argument('[pod]')
    .action(async function (this: Command, ref: string | undefined, o: Opts) {
      const e = engineFor(this);
      const [id] = allOr(e, ref ? [ref] : [], false, o.latest);
      let members = P.loadPod(e, id).containers.filter((c) => !c.config.isInfra);
      if (o.container) {
        members = members.filter((c) => c.config.name === o.container || c.config.id.startsWith(o.container));
        if (!members.length) throw new HuskError('NO_SUCH_CONTAINER', `container ${o.container} is not in pod ${ref ?? id}: no such container`);
      }
      const opts = { follow: o.follow, tail: o.tail, since: o.since ? parseTime(o.since) : undefined, until: o.until ? parseTime(o.until) : undefined };
      const one = (c: Container) => containerLogs(e, c.config.id, opts, (l) => {
        const prefix = `${o.names ? c.config.name : c.config.id.slice(0, 12)} ${o.timestamps ? `${l.time} ` : ''}`;
        (l.stream === 'stderr' ? process.stderr : process.stdout).write(`${prefix}${l.text}\n`);
      });
      // Following runs all streams at once; otherwise one container after another.
      if (o.follow) await Promise.all(members.map(one));
      else for (const c of members) await one(c);
    });
}

function makeStats(): Command {
  return addStatsFlags(new Command('stats').description('Display a live stream of resource usage statistics for the containers in one or more pods'), 'pod')
    .option('-a, --all', 'Provide stats for all running pods', false)
    .option('-l, --latest', 'Act on the latest pod husk is aware of', false)
    .argument('[pods...]')
    .action(async function (this: Command, names: string[], o: Opts) {
      const e = engineFor(this);
      const ids = names.length || o.latest ? allOr(e, names, false, o.latest) : P.listPods(e).map((p) => p.config.id);
      const podOf = new Map<string, string>();
      const targets = () => ids.flatMap((id) => {
        const p = P.loadPod(e, id);
        const running = p.containers.filter((c) => c.state.status === 'running');
        for (const c of running) podOf.set(c.config.id, p.config.id.slice(0, 12));
        return running;
      });
      const { statsStream } = await import('../engine/container/stats.ts');
      await printStatsStream(o, statsStream(e, targets, statsOptions(o)), {
        headers: { Pod: 'POD', CID: 'CID', MemUsage: 'MEM USAGE/ LIMIT' },
        defaultFormat: 'table {{.Pod}}\t{{.CID}}\t{{.Name}}\t{{.CPUPerc}}\t{{.MemUsage}}\t{{.MemPerc}}\t{{.NetIO}}\t{{.BlockIO}}\t{{.PIDS}}',
      }, (s) => ({ Pod: podOf.get(s.ContainerID) ?? '', CID: s.ContainerID.slice(0, 12) }));
    });
}

export function register(program: Command): void {
  const group = new Command('pod').description('Manage pods').enablePositionalOptions();
  group.addCommand(makeCreate());
  group.addCommand(makePs('ps').aliases(['ls', 'list']));
  group.addCommand(makeAction('start', 'Start one or more pods', (e, id) => P.startPod(e, id)));
  group.addCommand(makeAction('stop', 'Stop one or more pods', (e, id, o) => P.stopPod(e, id, o.time),
    (c) => timeFlag(c).option('-i, --ignore', 'Ignore errors when a specified pod is missing', false)));
  group.addCommand(makeAction('restart', 'Restart one or more pods', (e, id, o) => P.restartPod(e, id, o.time), timeFlag));
  group.addCommand(makeAction('kill', 'Send the specified signal or SIGKILL to containers in a pod', (e, id, o) => P.killPod(e, id, o.signal),
    (c) => c.option('-s, --signal <signal>', 'Signal to send to the containers in the pod', 'KILL')));
  group.addCommand(makeAction('pause', 'Pause one or more pods', (e, id) => P.pausePod(e, id, true)));
  group.addCommand(makeAction('unpause', 'Unpause one or more pods', (e, id) => P.pausePod(e, id, false)));
  group.addCommand(makeAction('rm', 'Remove one or more stopped pods and their containers', (e, id, o) => P.removePod(e, id, { force: o.force, timeout: o.time }),
    (c) => timeFlag(c).option('-f, --force', 'Stop running containers and delete all stopped containers before removal of the pod', false)
      .option('-i, --ignore', 'Ignore errors when a specified pod is missing', false)).aliases(['remove']));
  group.command('inspect').description('Display a pod configuration')
    .option('-f, --format <format>', 'Format the output to a Go template or json', 'json')
    .option('-l, --latest', 'Act on the latest pod husk is aware of', false)
    .argument('[pods...]')
    .action(function (this: Command, names: string[], o: Opts) {
      const e = engineFor(this);
      return printInspect(allOr(e, names, false, o.latest), o.format, (n) => P.inspectPod(e, n));
    });
  group.addCommand(makeTop());
  group.addCommand(makeLogs());
  group.addCommand(makeStats());
  group.command('exists').description('Check if a pod exists in local storage')
    .argument('<pod>')
    .action(function (this: Command, ref: string) {
      try {
        P.getPod(engineFor(this), ref);
      } catch (err) {
        if ((err as HuskError).code === 'NO_SUCH_POD') { process.exitCode = 1; return; }
        throw err;
      }
    });
  group.command('prune').description('Remove all stopped pods and their containers')
    .option('-f, --force', 'Do not prompt for confirmation', false)
    .action(async function (this: Command) {
      for (const id of await P.prunePods(engineFor(this))) print(id);
    });
  program.addCommand(group);
}
