// Container commands: flags → a ContainerSpec / options → one engine call → output.
import { Command, Option } from 'commander';
import { invalidArgument, HuskError } from '../common/errors.ts';
import type { Engine, ItemReport } from '../engine/api.ts';
import type { ContainerConfig, ContainerListItem } from '../engine/container/api.ts';
import { parseFilters } from '../specgen/filters.ts';
import { addLatestFlag, ago, checkAllLatest, collect, connectFor, each, isRemote, humanDuration, humanSize, latestContainer, parseIntFlag, parseTime, print, printReports, warn } from './common.ts';
import { addCreateFlags, addResourceFlags, boolWord, checkPassthrough, intentFrom, pullOptions, resourcesFrom, writeCidfile } from './createflags.ts';
import { addCidfileFlag, addUnitFlags, replaceExisting, withCidfiles, withUnitSpec } from './unitflags.ts';
// The modules of one or a few commands only (exec, stats, the output
// templates, the terminal session) are imported where they are used: each
// command then loads and deserialises only its own code (docs/architecture.md).
const session = () => import('./session.ts');
const format = () => import('./format/index.ts');

type Opts = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const fullId = (r: ItemReport) => r.id;

function makeRun(): Command {
  return addUnitFlags(addCreateFlags(new Command('run').description('Run a command in a new container')), true)
    .option('-d, --detach', 'Run container in background and print container ID', false)
    .option('--detach-keys <keys>', 'Override the key sequence for detaching a container', 'ctrl-p,ctrl-q')
    .option('--sig-proxy [bool]', 'Proxy received signals to the process', true)
    .option('--rmi', 'Remove container image unless used by other containers, implies --rm', false)
    .option('--passwd [bool]', 'add entries to /etc/passwd and /etc/group (default true)', boolWord)
    .action(async function (this: Command, image: string, command: string[], o: Opts) {
      [image, ...command] = boolFlag(o, 'sigProxy', [image, ...command]);
      const spec = withUnitSpec(intentFrom(image, command, o), o);
      if (o.rmi) Object.assign(spec, { autoRemove: true }, o.detach && !spec.rootfs ? { removeImage: true } : {});
      checkPassthrough(o, isRemote(this));
      const streams = attachStreams(o.attach);
      // Podman warns and goes on (cmd/podman/containers/run.go).
      if (o.tty && o.interactive && !process.stdin.isTTY) warn('The input device is not a TTY. The --tty and --interactive flags might not work properly');
      const engine = await connectFor(this);
      await replaceExisting(engine, o);
      // passthrough: the container reads husk's stdin itself.
      const io = (await session()).processSession({ stdin: !!o.interactive && streams.stdin && o.logDriver !== 'passthrough', raw: !!spec.interactive, sigProxy: o.sigProxy, detachKeys: o.detachKeys });
      if (!streams.stdout) io.stdout = undefined;
      if (!streams.stderr) io.stderr = undefined;
      const r = await engine.containers.run(spec, { ...io, detach: o.detach, pull: pullOptions(o), onWarning: stderrLine }).catch(runExitCode);
      await writeCidfile(o.cidfile, r.id);
      if (o.detach || r.detached) {
        if (o.detach) print(r.id);
        return;
      }
      process.exitCode = r.exitCode ?? 0;
      if (spec.interactive) process.stdin.destroy();
      // Podman's run --rmi: the image goes after the container, unless another container uses it.
      if (o.rmi && !spec.rootfs) for (const x of await engine.images.remove([spec.image])) if (x.error) warn(`Failed to remove image: ${x.error.message}`);
    });
}

/** Podman prints create's warnings (a limit the kernel lacks) as bare lines on stderr. */
const stderrLine = (msg: string) => { process.stderr.write(`${msg}\n`); };

/**
 * A boolean flag declared with an optional value, for Podman's
 * `--flag=false`: commander also takes the next word as its value, so a word
 * that is not true/false goes back to the front of the positional arguments
 * (`start -a --sig-proxy CTR`). Sets o[key] to a boolean; returns the arguments.
 */
function boolFlag(o: Opts, key: string, args: string[]): string[] {
  const v = o[key];
  if (typeof v !== 'string') return args;
  if (/^(true|false)$/i.test(v)) {
    o[key] = v.toLowerCase() === 'true';
    return args;
  }
  o[key] = true;
  return [v, ...args];
}

/** -a/--attach: which streams run attaches (all three when none is named), with Podman's message. */
function attachStreams(names: string[]): { stdin: boolean; stdout: boolean; stderr: boolean } {
  if (!names.length) return { stdin: true, stdout: true, stderr: true };
  const out = { stdin: false, stdout: false, stderr: false };
  for (const n of names) {
    const k = n.toLowerCase();
    if (k !== 'stdin' && k !== 'stdout' && k !== 'stderr') throw invalidArgument(`invalid stream "${n}" for --attach - must be one of stdin, stdout, or stderr: invalid argument`);
    out[k] = true;
  }
  return out;
}

/**
 * Podman's run (define.ExitCode): a container that the runtime failed to
 * start exits 127 when something was not found, else 126, not 125.
 */
function runExitCode(err: unknown): never {
  if (err instanceof HuskError && err.code === 'RUNTIME' && err.message.startsWith('OCI runtime error')) {
    throw new HuskError(/not found|no such file/i.test(err.message) ? 'CMD_NOT_FOUND' : 'CMD_CANNOT_INVOKE', err.message);
  }
  throw err;
}

function makeCreate(): Command {
  return addUnitFlags(addCreateFlags(new Command('create').description('Create but do not start a container')))
    .option('--init-ctr <type>', 'Make this a pod init container.')
    .action(async function (this: Command, image: string, command: string[], o: Opts) {
      const spec = withUnitSpec(intentFrom(image, command, o), o);
      if (o.initCtr !== undefined) spec.initContainerType = o.initCtr;
      checkPassthrough(o, isRemote(this));
      const engine = await connectFor(this);
      await replaceExisting(engine, o);
      const c = await engine.containers.create(spec, { pull: pullOptions(o), onWarning: stderrLine });
      await writeCidfile(o.cidfile, c.config.id);
      // As Podman's: a passthrough container's stdout is the caller's, so the ID stays off it.
      if (o.logDriver !== 'passthrough') print(c.config.id);
    });
}

/** `start --attach`: one container (with --all, the only one not running). */
async function startAttached(engine: Engine, names: string[], o: Opts): Promise<void> {
  if (o.latest) names = [await latestContainer(engine)];
  else if (o.all) names = (await engine.containers.list({ all: true })).filter((c) => c.state.status !== 'running').map((c) => c.config.id);
  else if (!names.length) throw invalidArgument('you must provide at least one container name or ID');
  if (names.length !== 1) throw invalidArgument('you cannot start and attach multiple containers at once');
  const c = await engine.containers.get(names[0]);
  const io = (await session()).processSession({ stdin: !!o.interactive, raw: !!(o.interactive && c.config.intent.interactive), sigProxy: o.sigProxy !== false, detachKeys: o.detachKeys });
  const r = await engine.containers.startAttach(c.config.id, io);
  if (!r.detached) process.exitCode = r.exitCode ?? 0;
  process.stdin.destroy();
}

function makeStart(): Command {
  return addLatestFlag(new Command('start')).description('Start one or more containers')
    .option('-a, --attach', 'Attach container\'s STDOUT and STDERR', false)
    .option('-i, --interactive', 'Make STDIN available to the contained process', false)
    .option('--detach-keys <keys>', 'Override the key sequence for detaching a container', 'ctrl-p,ctrl-q')
    .option('--all', 'Start all containers regardless of their state or configuration', false)
    .option('-f, --filter <filter>', 'Filter the containers --all starts', collect, [])
    .option('--sig-proxy [bool]', 'Proxy received signals to the process (default true if attaching, false otherwise)')
    .argument('[containers...]')
    .action(async function (this: Command, names: string[], o: Opts) {
      names = boolFlag(o, 'sigProxy', names);
      if (o.latest && names.length) throw invalidArgument('--latest and containers cannot be used together');
      if (o.latest && o.all) throw invalidArgument('--all and --latest cannot be used together');
      if (o.sigProxy && !o.attach) throw invalidArgument('you cannot use sig-proxy without --attach: invalid argument');
      const engine = await connectFor(this);
      if (o.attach) return startAttached(engine, names, o);
      const reports = await engine.containers.start(names, { all: o.all, latest: o.latest, filters: o.filter.length ? parseFilters(o.filter) : undefined });
      printReports(reports, o.latest ? { line: fullId } : {});
    });
}

/**
 * The selection usage errors of Podman's batch verbs: with --filter no names
 * and nothing else checked (the filter wins over --latest), else its
 * CheckAllLatestAndCIDFile. The engine's selection for these flags.
 */
function batchSelection(names: string[], o: Opts): { all?: boolean; latest?: boolean; filters?: ReturnType<typeof parseFilters> } {
  if (o.filter?.length) {
    if (names.length) throw invalidArgument('--filter takes no arguments');
    return { all: true, filters: parseFilters(o.filter) };
  }
  checkAllLatest(names, o);
  return { all: o.all, latest: o.latest };
}

/** Podman prints the IDs for --all, --filter, --latest and --cidfile, the names as given otherwise. */
const selectionLines = (names: string[]) => (names.length ? {} : { line: fullId });

function makeStop(): Command {
  return addLatestFlag(addCidfileFlag(new Command('stop').description('Stop one or more containers')))
    .option('-t, --time <seconds>', 'Seconds to wait for stop before killing the container', parseIntFlag('time'))
    // Podman's hidden alias of --time (050-stop.bats "can trap signal").
    .addOption(new Option('--timeout <seconds>').hideHelp().argParser(parseIntFlag('timeout')))
    .option('-a, --all', 'Stop all running containers', false)
    .option('-f, --filter <filter>', 'Filter output based on conditions given', collect, [])
    .option('-i, --ignore', 'Ignore errors when a specified container is missing', false)
    .argument('[containers...]')
    .action(async function (this: Command, names: string[], o: Opts) {
      const sel = batchSelection(names, o);
      const engine = await connectFor(this);
      const refs = withCidfiles(names, o);
      if (!refs.length && o.cidfile.length) return; // --ignore and the unit's container is already gone
      const reports = await engine.containers.stop(refs, { ...sel, ignore: o.ignore, timeout: o.time ?? o.timeout });
      // Podman prints the IDs for --all, --filter and --latest, the names as given otherwise (050-stop.bats).
      printReports(reports, refs.length ? {} : { line: fullId });
    });
}

function makeKill(): Command {
  return addLatestFlag(addCidfileFlag(new Command('kill').description('Kill one or more running containers with a specific signal')))
    .option('-s, --signal <signal>', 'Signal to send to the container', 'KILL')
    .option('-a, --all', 'Signal all running containers', false)
    .argument('[containers...]')
    .action(async function (this: Command, names: string[], o: Opts) {
      const sel = batchSelection(names, o);
      const engine = await connectFor(this);
      printReports(await engine.containers.kill(withCidfiles(names, o), { ...sel, signal: o.signal }), selectionLines(names));
    });
}

function makeRestart(): Command {
  return addLatestFlag(addCidfileFlag(new Command('restart').description('Restart one or more containers')))
    .option('-t, --time <seconds>', 'Seconds to wait for stop before killing the container', parseIntFlag('time'))
    .option('-a, --all', 'Restart all containers', false)
    .option('-f, --filter <filter>', 'Filter output based on conditions given', collect, [])
    .option('--running', 'Restart only running containers', false)
    .argument('[containers...]')
    .action(async function (this: Command, names: string[], o: Opts) {
      let sel = batchSelection(names, o);
      // Podman's --running: every running container, whatever is named (abi ContainerRestart).
      if (o.running) sel = { all: true, filters: { status: ['running'] } };
      const engine = await connectFor(this);
      printReports(await engine.containers.restart(withCidfiles(names, o), { ...sel, timeout: o.time }), { line: fullId });
    });
}

function makeRm(): Command {
  return addLatestFlag(addCidfileFlag(new Command('rm').description('Remove one or more containers')))
    .option('-f, --force', 'Force removal of a running or unusable container', false)
    .option('-a, --all', 'Remove all containers', false)
    .option('-i, --ignore', 'Ignore errors when a specified container is missing', false)
    .option('-v, --volumes', 'Remove anonymous volumes associated with the container', false)
    .option('--depend', 'Remove container and all containers that depend on it', false)
    .option('-t, --time <seconds>', 'Seconds to wait for stop before killing the container', parseIntFlag('time'))
    .option('--filter <filter>', 'Filter output based on conditions given', collect, [])
    .argument('[containers...]')
    .action(async function (this: Command, names: string[], o: Opts) {
      const sel = batchSelection(names, o);
      const engine = await connectFor(this);
      const refs = withCidfiles(names, o);
      if (!refs.length && o.cidfile.length) return;
      const reports = await engine.containers.remove(refs, { ...sel, ignore: o.ignore, force: o.force, volumes: o.volumes, timeout: o.time, depend: o.depend })
        // Podman: rm --latest with no container exits 1 as for any missing one.
        .catch((err) => (o.latest && err instanceof HuskError && err.code === 'NO_SUCH_CONTAINER' ? [{ id: '', rawInput: '', error: err.toJSON() }] : Promise.reject(err)));
      // Podman (055-rm.bats): prints the names as given; exits 1 for no such container, 2 for running without -f.
      printReports(reports, { exitCodes: { NO_SUCH_CONTAINER: 1, CONTAINER_STATE: 2 } });
    });
}

/** Podman's PORTS text: 0.0.0.0:8080->80/tcp. */
function formatPorts(ports: ContainerConfig['ports'] = []): string {
  return ports.map((p) => {
    const hp = p.range > 1 ? `${p.host_port}-${p.host_port + p.range - 1}` : `${p.host_port}`;
    const cp = p.range > 1 ? `${p.container_port}-${p.container_port + p.range - 1}` : `${p.container_port}`;
    return `${p.host_ip || '0.0.0.0'}:${hp}->${cp}/${p.protocol}`;
  }).join(', ');
}

/** go-units' HumanSizeWithPrecision(n, 3), as Podman's SIZE column: decimal units, no space. */
const goSize = (n: number) => humanSize(n).replace(' ', '');

export function psRow(c: ContainerListItem, noTrunc: boolean) {
  const { config: cfg, state: st } = c;
  const status = st.stopping && st.status === 'running' ? 'stopping' : st.status;
  const cmd = cfg.args.join(' ');
  let text = status === 'created' && st.pid ? 'Initialized' : 'Created';
  // Podman: "Up 5 seconds (healthy)" for a running container with a check.
  if (status === 'running') text = `Up ${humanDuration(Date.now() - new Date(st.startedAt).getTime())}${st.health ? ` (${st.health.status})` : ''}`;
  else if (status === 'paused') text = 'Paused';
  else if (status === 'stopping') text = 'Stopping';
  else if (status === 'exited' || status === 'stopped') text = `Exited (${st.exitCode}) ${ago(st.finishedAt)}`;
  return {
    ID: noTrunc ? cfg.id : cfg.id.slice(0, 12), Id: cfg.id, Image: cfg.imageName, ImageID: cfg.imageId,
    Command: noTrunc || cmd.length <= 17 ? cmd : `${cmd.slice(0, 17)}...`, CreatedHuman: ago(cfg.created),
    Created: Math.floor(new Date(cfg.created).getTime() / 1000), CreatedAt: cfg.created, RunningFor: ago(cfg.created),
    Status: text, State: status === 'created' && st.pid ? 'initialized' : status, Ports: formatPorts(cfg.ports), Names: cfg.name, Labels: cfg.intent.labels ?? {}, Pid: st.pid,
    // Podman's psReporter method: {{.Label "key"}} (040-ps.bats); dropped from JSON.
    Label: (k: string) => cfg.intent.labels?.[k] ?? '',
    ExitCode: st.exitCode, Exited: status === 'exited', AutoRemove: !!cfg.intent.autoRemove,
    StartedAt: Math.floor(new Date(st.startedAt).getTime() / 1000), ExitedAt: Math.floor(new Date(st.finishedAt).getTime() / 1000),
    Pod: cfg.pod ? (noTrunc ? cfg.pod : cfg.pod.slice(0, 12)) : '', PodName: c.podName ?? '',
    // psReporter's methods: Networks joined with commas, Restarts as text; JSON keeps the list (below).
    Mounts: [], Networks: Object.keys(cfg.networks ?? {}).join(','), Size: c.size ? `${goSize(c.size.rwSize)} (virtual ${goSize(c.size.rootFsSize)})` : '', IsInfra: !!cfg.isInfra, Namespaces: {},
    Restarts: String(st.restartCount ?? 0),
  };
}

const by = <T>(key: (c: ContainerListItem) => T) => (a: ContainerListItem, b: ContainerListItem) => {
  const x = key(a);
  const y = key(b);
  return x < y ? -1 : x > y ? 1 : 0;
};

/** ps --sort: Podman's keys, ascending (entities.SortPsOutput); size sorts by the rw layer's size with --size (else keeps the order). */
const PS_SORT: Record<string, (a: ContainerListItem, b: ContainerListItem) => number> = {
  command: by((c) => c.config.args.join(' ')), created: by((c) => c.config.created), id: by((c) => c.config.id),
  image: by((c) => c.config.imageName), names: by((c) => c.config.name), runningfor: by((c) => c.state.startedAt),
  size: by((c) => c.size?.rwSize ?? 0), status: by((c) => c.state.status),
};

function makePs(name = 'ps'): Command {
  return addLatestFlag(new Command(name).description('List containers'))
    .option('-a, --all', 'Show all the containers, default is only running containers', false)
    .option('-q, --quiet', 'Print the numeric IDs of the containers only', false)
    .option('-n, --last <n>', 'Print the n last created containers (all states)', parseIntFlag('last'))
    .option('--no-trunc', 'Display the extended information')
    .option('--noheading', 'Do not print headers', false)
    .option('--format <format>', 'Pretty-print containers to JSON or using a Go template')
    .option('-f, --filter <filter>', 'Filter output based on conditions given', collect, [])
    .option('--ns', 'Display namespace information', false)
    .option('-p, --pod', 'Print the ID and name of the pod the containers are associated with', false)
    .option('-s, --size', 'Display the total file sizes', false)
    .addOption(new Option('--sort <field>', 'Sort output by: command, created, id, image, names, runningfor, size, status').choices(Object.keys(PS_SORT)))
    // husk's state is the runtime's at every listing (syncState), so --sync has nothing more to do.
    .option('--sync', 'Sync container state with OCI runtime', false)
    .option('-w, --watch <seconds>', 'Watch the ps output on an interval in seconds', (v: string) => {
      if (!/^\d+$/.test(v)) throw invalidArgument(`invalid argument "${v}" for "-w, --watch" flag: strconv.ParseUint: parsing "${v}": invalid syntax`);
      return Number(v);
    })
    // husk keeps no containers outside its database (Podman's are Buildah's): --external lists what -a lists.
    .option('--external', 'Show containers in storage not controlled by husk', false)
    .action(async function (this: Command, o: Opts) {
      if (o.watch && o.latest) throw invalidArgument('the watch and latest flags cannot be used together');
      if (o.size && o.ns) throw invalidArgument('size and namespace options conflict');
      const filters = parseFilters(o.filter);
      const { renderList, isJSONFormat } = await format();
      const engine = await connectFor(this);
      // --watch N: the table again every N seconds until interrupted (Podman: once only for -q or a non-table --format).
      const table = !o.quiet && (!o.format || /^\s*table\b/.test(o.format));
      if (!o.watch || !table || isJSONFormat(o.format ?? '')) return void process.stdout.write(await psText(engine, o, filters, renderList));
      for (;;) {
        const text = await psText(engine, o, filters, renderList);
        // goterm's Clear and MoveCursor(1,1) on a terminal, as Podman's.
        process.stdout.write(process.stdout.isTTY ? `\x1b[2J\x1b[1;1H${text}` : text);
        await new Promise((r) => setTimeout(r, o.watch * 1000));
      }
    });
}

/** One `ps` listing as text. */
async function psText(engine: Engine, o: Opts, filters: ReturnType<typeof parseFilters>, renderList: typeof import('./format/index.ts').renderList): Promise<string> {
  let list = await engine.containers.list({ all: o.all || o.external, latest: o.latest, last: o.last, filters, namespaces: o.ns, size: o.size });
  if (o.sort) list = [...list].sort(PS_SORT[o.sort as string]);
  const noTrunc = o.trunc === false;
  const noHeading = o.noheading;
  if (o.ns) {
    const nsRows = list.map((c) => {
      const n = c.namespaces ?? {};
      return { ...psRow(c, noTrunc), PID: String(c.state.pid), Cgroupns: n.cgroup ?? '', IPC: n.ipc ?? '', MNT: n.mnt ?? '', NET: n.net ?? '', PIDNS: n.pid ?? '', USERNS: n.user ?? '', UTS: n.uts ?? '' };
    });
    return renderList(o.format, nsRows, {
      headers: { ID: 'CONTAINER ID', Cgroupns: 'CGROUPNS' },
      defaultFormat: 'table {{.ID}}\t{{.Names}}\t{{.PID}}\t{{.Cgroupns}}\t{{.IPC}}\t{{.MNT}}\t{{.NET}}\t{{.PIDNS}}\t{{.USERNS}}\t{{.UTS}}',
    }, { noHeading });
  }
  const rows = list.map((c) => psRow(c, noTrunc));
  if (o.quiet) return rows.map((r) => `${r.ID}\n`).join('');
  if (o.format === 'json') {
    const full = list.map((c) => ({
      ...psRow(c, true), ID: undefined, Names: [c.config.name], Command: c.config.args,
      Networks: Object.keys(c.config.networks ?? {}), Restarts: c.state.restartCount ?? 0, Size: c.size ?? null,
    }));
    return renderList('json', full, { headers: {}, defaultFormat: '' }, { jsonIndent: 2 });
  }
  return renderList(o.format, rows, {
    headers: { ID: 'CONTAINER ID', CreatedHuman: 'CREATED', RunningFor: 'CREATED', Pod: 'POD ID', PodName: 'PODNAME' },
    defaultFormat: `table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.CreatedHuman}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}${o.pod ? '\t{{.Pod}}\t{{.PodName}}' : ''}${o.size ? '\t{{.Size}}' : ''}`,
  }, { noHeading });
}

/** The names given, or with --latest the most recently created container (Podman's usage errors for both or neither). */
async function namesOrLatest(engine: Engine, names: string[], latest: boolean): Promise<string[]> {
  if (latest && names.length) throw invalidArgument('--latest and containers cannot be used together');
  return latest ? [await latestContainer(engine)] : names;
}

/**
 * The one container of attach, wait...: its name, or the latest; Podman's
 * IDOrLatestArgs errors (the command's path in them).
 */
async function oneOrLatest(cmd: Command, engine: Engine, names: string[], latest: boolean): Promise<string> {
  if (!latest && !names.length) {
    const path: string[] = [];
    for (let c: Command | null = cmd; c; c = c.parent) path.unshift(c.name());
    throw invalidArgument(`"${path.join(' ')}" requires a name, id, or the "--latest" flag`);
  }
  return (await namesOrLatest(engine, names, latest))[0]!;
}

function makeLogs(): Command {
  return addLatestFlag(new Command('logs').description('Fetch the logs of one or more containers'))
    .option('-f, --follow', 'Follow log output', false)
    .option('--tail <n>', 'Output the specified number of LINES at the end of the logs (-1: all)', parseIntFlag('tail'), -1)
    .option('--since <time>', 'Show logs since TIMESTAMP')
    .option('--until <time>', 'Show logs until TIMESTAMP')
    .option('-t, --timestamps', 'Output the timestamps in the log', false)
    .option('-n, --names', 'Output the container name in the log', false)
    .option('--color', 'Output the containers with different colors in the log.', false)
    .argument('[containers...]')
    .action(async function (this: Command, names: string[], o: Opts) {
      if (!o.latest && !names.length) throw invalidArgument('specify at least one container name or ID to log');
      const engine = await connectFor(this);
      names = await namesOrLatest(engine, names, o.latest);
      const opts = { follow: o.follow, tail: o.tail, since: o.since ? parseTime(o.since) : undefined, until: o.until ? parseTime(o.until) : undefined };
      const withName = o.names || names.length > 1;
      let k = 0;
      await each(names, async (n) => {
        // --color: each container's lines in its own ANSI color (Podman's logs.GetColor: 31 to 36 in turn).
        const [on, off] = o.color ? [`\x1b[${31 + (k++ % 6)}m`, '\x1b[0m'] : ['', ''];
        for await (const l of engine.containers.logs(n, opts)) {
          const prefix = `${withName ? `${l.name} ` : ''}${o.timestamps ? `${l.time} ` : ''}`;
          (l.stream === 'stderr' ? process.stderr : process.stdout).write(`${on}${prefix}${l.text}${off}\n`);
        }
      });
    });
}

function makeWait(): Command {
  return addLatestFlag(new Command('wait').description('Block on one or more containers'))
    .usage('[options] CONTAINER [CONTAINER...]')
    .option('--condition <state>', 'Condition to wait on', 'stopped')
    .option('-i, --interval <duration>', 'Time interval to wait before polling for completion', '250ms')
    .option('--ignore', 'Ignore if a container does not exist', false)
    .argument('[containers...]')
    .action(async function (this: Command, names: string[], o: Opts) {
      const engine = await connectFor(this);
      if (o.latest || !names.length) names = [await oneOrLatest(this, engine, names, o.latest)];
      await each(names, async (n) => {
        let code: number;
        try {
          code = await engine.containers.wait(n, { condition: o.condition });
        } catch (err) {
          if (o.ignore && err instanceof HuskError && err.code === 'NO_SUCH_CONTAINER') return print('-1');
          throw err;
        }
        print(String(code));
      });
    });
}

function makeAttach(): Command {
  return addLatestFlag(new Command('attach').description('Attach to a running container'))
    .usage('[options] CONTAINER')
    .option('--detach-keys <keys>', 'Select the key sequence for detaching a container', 'ctrl-p,ctrl-q')
    .option('--no-stdin', 'Do not attach STDIN')
    .option('--sig-proxy [bool]', 'Proxy received signals to the process', true)
    .argument('[container]')
    .action(async function (this: Command, name: string | undefined, o: Opts) {
      [name] = boolFlag(o, 'sigProxy', name === undefined ? [] : [name]);
      const engine = await connectFor(this);
      const c = await engine.containers.get(await oneOrLatest(this, engine, name ? [name] : [], o.latest));
      const stdin = o.stdin !== false;
      const io = (await session()).processSession({ stdin, raw: stdin && !!c.config.intent.interactive, sigProxy: o.sigProxy, detachKeys: o.detachKeys });
      const r = await engine.containers.attach(c.config.id, io);
      process.stdin.destroy();
      if (!r.detached) process.exitCode = r.exitCode ?? 0;
    });
}

function makeTop(): Command {
  return addLatestFlag(new Command('top').description('Display the running processes of a container'))
    .usage('[options] CONTAINER [FORMAT-DESCRIPTORS|ARGS...]')
    .argument('[container]')
    .argument('[descriptors...]', 'ps format descriptors (e.g. pid user args)')
    .action(async function (this: Command, name: string | undefined, descriptors: string[], o: Opts) {
      const engine = await connectFor(this);
      // With --latest every argument is a descriptor (Podman's top).
      if (o.latest && name !== undefined) descriptors = [name, ...descriptors];
      if (!o.latest && name === undefined) throw invalidArgument('you must provide the name or id of a running container');
      const ref = o.latest ? await latestContainer(engine).catch((err) => Promise.reject(new HuskError(err.code, `unable to look up requested container: ${err.message}`))) : name!;
      const rows = await engine.containers.top(ref, descriptors);
      const { tabulate } = await import('./format/table.ts');
      process.stdout.write(tabulate(rows.map((r) => r.join('\t'))));
    });
}

function makePause(pause: boolean): Command {
  return addLatestFlag(addCidfileFlag(new Command(pause ? 'pause' : 'unpause').description(pause ? 'Pause all the processes in one or more containers' : 'Unpause the processes in one or more containers')))
    .option('-a, --all', `${pause ? 'Pause' : 'Unpause'} all containers`, false)
    .option('-f, --filter <filter>', 'Filter output based on conditions given', collect, [])
    .argument('[containers...]')
    .action(async function (this: Command, names: string[], o: Opts) {
      const sel = batchSelection(names, o);
      const c = (await connectFor(this)).containers;
      const refs = withCidfiles(names, o);
      printReports(await (pause ? c.pause(refs, sel) : c.unpause(refs, sel)), { line: fullId });
    });
}

function makeRename(): Command {
  return new Command('rename').description('Rename an existing container')
    .argument('<container>').argument('<name>')
    .action(async function (this: Command, ref: string, name: string) {
      await (await connectFor(this)).containers.rename(ref, name);
    });
}

function makeInspect(): Command {
  return addLatestFlag(new Command('inspect').description('Display the configuration of a container'))
    .option('-f, --format <format>', 'Format the output to a Go template or json', 'json')
    .option('-s, --size', 'Display total file size', false)
    .argument('[containers...]')
    .action(async function (this: Command, names: string[], o: Opts) {
      const engine = await connectFor(this);
      const { printInspect, inspectLatest } = await import('./inspect.ts');
      if (o.latest) names = await inspectLatest(engine, names, o.format);
      await printInspect(names, o.format, (n) => engine.containers.inspect(n, { size: o.size }));
    });
}

function makePrune(): Command {
  return new Command('prune').description('Remove all non running containers')
    .option('-f, --force', 'Do not prompt for confirmation', false)
    .option('--filter <filter>', 'Provide filter values (e.g. label=<key>=<value>)', collect, [])
    .action(async function (this: Command, o: Opts) {
      const filters = parseFilters(o.filter);
      const reports = await (await connectFor(this)).containers.prune({ filters });
      printReports(reports.map((r) => ({ id: r.id, rawInput: r.id, error: r.error })), { line: fullId });
    });
}

function makeExists(): Command {
  return new Command('exists').description('Check if a container exists in local storage')
    // husk keeps no containers outside its database: --external answers as without it.
    .option('--external', 'Check external storage containers as well as husk containers', false)
    .argument('<container>')
    .action(async function (this: Command, ref: string) {
      if (!(await (await connectFor(this)).containers.exists(ref))) process.exitCode = 1;
    });
}

function makeCleanup(): Command {
  return addLatestFlag(new Command('cleanup').description('Clean up network and mountpoints of one or more containers (run by conmon)'))
    .usage('[options] CONTAINER [CONTAINER...]')
    .option('-a, --all', 'Cleans up all containers', false)
    .option('--exec <session>', 'Clean up the given exec session instead of the container')
    .option('--rm', 'After cleanup, remove the container entirely', false)
    .option('--rmi', 'After cleanup, remove the image entirely', false)
    .argument('[containers...]')
    .action(async function (this: Command, names: string[], o: Opts) {
      checkAllLatest(names, o);
      if (o.exec !== undefined && o.all) throw invalidArgument('exec and all options conflict');
      if (o.exec !== undefined && names.length > 1) throw invalidArgument('cannot use exec option when more than one container is given');
      const engine = await connectFor(this);
      const cleanupError = (err: unknown) => {
        // Podman logs each failure at error level, then fails with the last.
        if (!(err instanceof HuskError)) return Promise.reject(err);
        process.stderr.write(`time="${new Date().toISOString().replace(/\.\d+Z$/, 'Z')}" level=error msg=${JSON.stringify(`Running container cleanup: ${err.message}`)}\n`);
        return Promise.reject(err);
      };
      if (o.latest) names = [await latestContainer(engine).catch(cleanupError)];
      // --all: the containers that are not running, as Podman's cleanup refuses the others.
      if (o.all) names = (await engine.containers.list({ all: true })).filter((c) => !['running', 'paused'].includes(c.state.status)).map((c) => c.config.id);
      await each(names, async (n) => {
        const id = await engine.containers.cleanup(n, { remove: o.rm, removeImage: o.rmi, exec: o.exec }).catch(cleanupError);
        // Podman prints each ID; the plain form stays quiet, as conmon's exit command runs it on the container's stdio with passthrough.
        if (id && (o.all || o.latest || o.rm || o.rmi || o.exec !== undefined)) print(id);
      });
    });
}

function makeStats({ addStatsFlags, printStatsStream, statsOptions }: typeof import('./stats.ts')): Command {
  return addLatestFlag(addStatsFlags(new Command('stats').description('Display a live stream of container resource usage statistics'), 'container'))
    .option('-a, --all', 'Show all containers (default shows just running)', false)
    .option('--no-trunc', 'Do not truncate output')
    .argument('[containers...]')
    .action(async function (this: Command, names: string[], o: Opts) {
      if ((o.all || o.latest) && (names.length || (o.all && o.latest))) throw invalidArgument('--all, --latest and containers cannot be used together');
      const engine = await connectFor(this);
      if (o.latest) names = [await latestContainer(engine).catch((err) => Promise.reject(new HuskError(err.code, `unable to get list of containers: ${err.message}`)))];
      await printStatsStream(o, engine.containers.stats(names, { all: o.all, ...statsOptions(o) }), {
        headers: {},
        defaultFormat: 'table {{.ID}}\t{{.Name}}\t{{.CPUPerc}}\t{{.MemUsage}}\t{{.MemPerc}}\t{{.NetIO}}\t{{.BlockIO}}\t{{.PIDS}}\t{{.CPUTime}}\t{{.AVGCPU}}',
      });
    });
}

function makePort(): Command {
  return addLatestFlag(new Command('port').description('List port mappings or a specific mapping for the container'))
    .usage('[options] CONTAINER [PORT]')
    .option('-a, --all', 'Display port information for all containers', false)
    .argument('[container]').argument('[port]', 'PORT[/PROTO]')
    .action(async function (this: Command, ref: string | undefined, port: string | undefined, o: Opts) {
      if (o.all && o.latest) throw invalidArgument('--all and --latest cannot be used together');
      if (o.all && ref !== undefined) throw invalidArgument('no arguments are needed with --all');
      // With --latest the one argument is the port (Podman's port).
      if (o.latest && ref !== undefined) [ref, port] = [undefined, port ?? ref];
      if (!ref && !o.all && !o.latest) throw invalidArgument('you must supply a running container name or id');
      const engine = await connectFor(this);
      if (o.latest) ref = await latestContainer(engine);
      const list = o.all ? await engine.containers.list({ all: true }) : [await engine.containers.get(ref!)];
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
  return addResourceFlags(new Command('update').description('Update an existing container\'s resource limits'), 'update')
    .argument('<container>')
    .action(async function (this: Command, ref: string, o: Opts) {
      const c = await (await connectFor(this)).containers.update(ref, resourcesFrom(o));
      print(c.config.id);
    });
}

const FACTORIES: Record<string, () => Command | Promise<Command>> = {
  run: makeRun, create: makeCreate, start: makeStart, stop: makeStop, kill: makeKill, restart: makeRestart,
  rm: makeRm, ps: makePs, logs: makeLogs, exec: async () => (await import('./exec.ts')).makeExec(), wait: makeWait, attach: makeAttach, top: makeTop,
  pause: () => makePause(true), unpause: () => makePause(false), rename: makeRename, stats: async () => makeStats(await import('./stats.ts')), update: makeUpdate, port: makePort,
  init: async () => (await import('./container-more.ts')).makeInit(),
};

export async function register(program: Command, word?: string): Promise<void> {
  // Only the typed command when it is a top-level one (`run`, `ps`...):
  // building all ~45 container commands and their flags costs ~5 ms.
  if (word && Object.hasOwn(FACTORIES, word)) {
    program.addCommand(await FACTORIES[word]());
    return;
  }
  const [more, checkpoint, fs] = await Promise.all([import('./container-more.ts'), import('./checkpoint.ts'), import('./containerfs.ts')]);
  for (const make of Object.values(FACTORIES)) program.addCommand(await make());
  const group = new Command('container').description('Manage containers').enablePositionalOptions();
  for (const make of Object.values(FACTORIES)) group.addCommand(await make());
  group.addCommand(makePs('ls').aliases(['list']));
  group.addCommand(makeInspect());
  group.addCommand(makePrune());
  group.addCommand(makeExists());
  group.addCommand(makeCleanup());
  group.addCommand(more.makeClone());
  group.addCommand(more.makeRunlabel());
  group.addCommand(checkpoint.makeCheckpoint());
  group.addCommand(checkpoint.makeRestore());
  fs.registerGroup(group);
  program.addCommand(group);
}
