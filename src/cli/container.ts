// Container commands: flags → ContainerIntent / options → one engine call → output.
import { Command } from 'commander';
import { invalidArgument, HuskError } from '../common/errors.ts';
import * as L from '../engine/container/lifecycle.ts';
import * as A from '../engine/container/attach.ts';
import * as Q from '../engine/container/query.ts';
import { containerLogs } from '../engine/container/logs.ts';
import { waitForExit } from '../engine/container/wait.ts';
import type { Container } from '../engine/types.ts';
// Named imports rather than the library's barrel: it would also load image
// import/load code (zlib, tar) that container commands never use.
const E = { ...L, ...A, ...Q, containerLogs, waitForExit };
import type { EngineContext } from '../engine/context.ts';
import { ago, collect, each, engineFor, humanDuration, parseIntFlag, parseTime, print } from './common.ts';
import { renderList } from './format/index.ts';
import { registerGroup as registerFsGroup } from './containerfs.ts';
import { addCreateFlags, addResourceFlags, intentFrom, pullOptions, resourcesFrom, writeCidfile } from './createflags.ts';
import { makeExec } from './exec.ts';
import { formatPorts } from '../engine/container/ports.ts';
import { addStatsFlags, streamStats } from './stats.ts';

type Opts = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

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
