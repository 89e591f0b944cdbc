// husk's entry point. Only this file exits the process. Command modules are
// loaded lazily: the first non-flag word picks the one module that defines
// that command's flags, so start-up never pays for the others.
import { openSync, writeSync } from 'node:fs';
import { Command, CommanderError, Help, Option } from 'commander';
import './option-index.ts';
import { HuskError } from '../common/errors.ts';
import type { LogLevel } from '../common/log.ts';
import { checkpointOnExit } from '../common/sqlite.ts';
import { commandPath, podmanError, podmanHelp } from './usage.ts';
import { VERSION } from './version.ts';
import { commandWord } from './words.ts';
import { drained, lazyStdio } from '../common/stdio.ts';

// A reader that went away (`husk images | head -1`) is not an error.
lazyStdio((name, s) => {
  if (name === 'stdout') s.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(0);
    throw e;
  });
});

/** A command module; register may add only `word`'s command when it defines it alone. */
type Loader = () => Promise<{ register(program: Command, word: string, tree?: () => Promise<Command>): void | Promise<void> }>;

const container: Loader = () => import('./container.ts');
const image: Loader = () => import('./image.ts');
const system: Loader = () => import('./system.ts');
const inspect: Loader = () => import('./inspect.ts');
const version: Loader = () => import('./version.ts');
const volume: Loader = () => import('./volume.ts');
const containerfs: Loader = () => import('./containerfs.ts');
const registry: Loader = () => import('./registry.ts');
const network: Loader = () => import('./network.ts');
const pod: Loader = () => import('./pod.ts');
const generate: Loader = () => import('./generate.ts');
const quadlet: Loader = () => import('./quadlet.ts');
const build: Loader = () => import('./build.ts');
const compose: Loader = () => import('./compose.ts');
const kube: Loader = () => import('./kube.ts');
const healthcheck: Loader = () => import('./healthcheck.ts');
const autoupdate: Loader = () => import('./autoupdate.ts');
const completion: Loader = () => import('./completion.ts');
const manifest: Loader = () => import('./manifest.ts');
const secret: Loader = () => import('./secret.ts');

/** Command word → [module, one-line description for `husk --help`]. */
const COMMANDS: Record<string, [Loader, string]> = {
  attach: [container, 'Attach to a running container'],
  'auto-update': [autoupdate, 'Auto update containers according to their auto-update policy'],
  build: [build, 'Build an image using instructions from Containerfiles'],
  buildx: [build, 'Build images (buildx compatibility)'],
  completion: [completion, 'Generate shell autocompletions'],
  compose: [compose, 'Define and run multi-container applications'],
  commit: [containerfs, 'Create new image based on the changed container'],
  container: [container, 'Manage containers'],
  cp: [containerfs, 'Copy files/folders between a container and the local filesystem'],
  create: [container, 'Create but do not start a container'],
  diff: [containerfs, "Display the changes to the object's file system"],
  events: [system, 'Show husk events'],
  exec: [container, 'Run a process in a running container'],
  generate: [generate, 'Generate structured data based on containers, pods or volumes'],
  healthcheck: [healthcheck, 'Manage health checks on containers'],
  export: [containerfs, "Export container's filesystem contents as a tar archive"],
  history: [image, 'Show history of a specified image'],
  image: [image, 'Manage images'],
  images: [image, 'List images in local storage'],
  import: [image, 'Import a tarball to create a filesystem image'],
  init: [container, 'Initialize one or more containers'],
  info: [system, 'Display husk system information'],
  inspect: [inspect, 'Display the configuration of a container or image'],
  kube: [kube, 'Play containers, pods or volumes from a structured file'],
  kill: [container, 'Kill one or more running containers with a specific signal'],
  load: [image, 'Load image(s) from a tar archive'],
  login: [registry, 'Log in to a container registry'],
  logout: [registry, 'Log out of a container registry'],
  logs: [container, 'Fetch the logs of one or more containers'],
  manifest: [manifest, 'Manipulate manifest lists and image indexes'],
  mount: [containerfs, "Mount a working container's root filesystem"],
  network: [network, 'Manage networks'],
  pause: [container, 'Pause all the processes in one or more containers'],
  play: [kube, 'Play containers, pods or volumes from a structured file'],
  pod: [pod, 'Manage pods'],
  port: [container, 'List port mappings or a specific mapping for the container'],
  ps: [container, 'List containers'],
  pull: [registry, 'Pull an image from a registry'],
  push: [registry, 'Push an image to a specified destination'],
  quadlet: [quadlet, 'Generate systemd units from Quadlet files'],
  rename: [container, 'Rename an existing container'],
  restart: [container, 'Restart one or more containers'],
  rm: [container, 'Remove one or more containers'],
  rmi: [image, 'Remove one or more images from local storage'],
  run: [container, 'Run a command in a new container'],
  save: [image, 'Save image(s) to an archive'],
  search: [registry, 'Search a registry for an image'],
  secret: [secret, 'Manage secrets'],
  start: [container, 'Start one or more containers'],
  stats: [container, 'Display a live stream of container resource usage statistics'],
  stop: [container, 'Stop one or more containers'],
  system: [system, 'Manage husk'],
  tag: [image, 'Add an additional name to a local image'],
  top: [container, 'Display the running processes of a container'],
  umount: [containerfs, "Unmount working container's root filesystem"],
  unmount: [containerfs, "Unmount working container's root filesystem"],
  untag: [image, 'Remove a name from a local image'],
  unshare: [system, "Run a command in husk's rootless user namespace"],
  unpause: [container, 'Unpause the processes in one or more containers'],
  update: [container, 'Update an existing container\'s resource limits'],
  version: [version, 'Display the husk version information'],
  volume: [volume, 'Manage volumes'],
  wait: [container, 'Block on one or more containers'],
};

export interface GlobalOptions { root?: string; runroot?: string; runtime?: string; logLevel?: string; remote?: boolean; url?: string; connection?: string }

// Podman's levels (logrus); a bad one exits 1, not 125, and its message has
// no "Error: " (001-basic.bats "--log-level"; Podman writes it and exits itself).
const LOG_LEVELS: readonly LogLevel[] = ['trace', 'debug', 'info', 'warn', 'warning', 'error', 'fatal', 'panic'];
function parseLogLevel(v: string): string {
  if (!(LOG_LEVELS as readonly string[]).includes(v.toLowerCase())) {
    throw new CommanderError(1, 'husk.exitBare', `Log Level "${v}" is not supported, choose from: ${LOG_LEVELS.join(', ')}`);
  }
  return v.toLowerCase();
}

const collectGlobal = (v: string, prev: string[] = []) => [...prev, v];

let journaldEvents = false;

/** journald needs a journal, which hosts without systemd as PID 1 lack: the file backend, with Podman's kind of warning. */
function parseEventsBackend(v: string): string {
  if (!['file', 'journald', 'none'].includes(v)) throw new CommanderError(125, 'husk.exit', `unsupported events backend "${v}"`);
  if (v === 'journald') {
    // Said once the log level is known (applyProcessFlags).
    journaldEvents = true;
    return 'file';
  }
  return v;
}

/**
 * Global flags acting on the process rather than the engine: --noout drops
 * stdout, --out sends it to a file, --tmpdir sets TMPDIR, --ssl-verify=false
 * turns TLS verification off for the whole process, --log-level sets what
 * goes to stderr. Returns the logger when it was loaded.
 */
async function applyProcessFlags(g: Record<string, unknown>): Promise<typeof import('../common/log.ts') | undefined> {
  // Podman's log lines go to stderr from here on, at the level asked. The
  // logger is loaded only when it has something to say: at the default level
  // with no warning, the engine's log calls stay no-ops and start-up loads
  // no module for them (the engine's copy sits in its merged hot chunk).
  const level = (g.logLevel ?? 'warn') as LogLevel;
  const warnSystemd = g.cgroupManager === 'systemd';
  let log: typeof import('../common/log.ts') | undefined;
  if ((level !== 'warn' && level !== 'warning') || journaldEvents || warnSystemd) {
    log = await import('../common/log.ts');
    log.configureLog(level, (line) => process.stderr.write(line), () => !!process.stderr.isTTY);
    log.logInfo(`husk filtering at log level ${level}`);
    if (journaldEvents) log.logWarn('husk records events in a file: the journald events backend is not supported, using file');
    // Without systemd as PID 1 there is no systemd cgroup manager; husk always uses cgroupfs.
    if (warnSystemd) log.logWarn('the systemd cgroup manager is not supported by husk: using cgroupfs');
  }
  // The commands' own warnings (a report's, printed by common.ts): loaded here only to silence them.
  if (level === 'error' || level === 'fatal' || level === 'panic') (await import('./common.ts')).hideWarnings();
  if (g.tmpdir) process.env.TMPDIR = String(g.tmpdir);
  if (g.sslVerify === false) process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';
  if (g.noout || g.out) {
    const fd = g.noout ? undefined : openSync(String(g.out), 'w');
    process.stdout.write = ((chunk: string | Uint8Array, enc?: unknown, cb?: unknown) => {
      if (fd !== undefined) writeSync(fd, typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
      const done = typeof enc === 'function' ? enc : cb;
      if (typeof done === 'function') done();
      return true;
    }) as typeof process.stdout.write;
  }
  return log;
}

function buildProgram(): Command {
  const program = new Command('husk')
    .description('Manage pods, containers and images, daemonless')
    .usage('[options] command')
    .version(`husk version ${VERSION}`, '-v, --version', 'Print the version')
    .option('--root <path>', 'Path to the graph root directory where images and containers are stored')
    .option('--runroot <path>', 'Path to the runtime root directory for volatile state')
    .option('--runtime <name>', 'Path or name of the OCI runtime (crun, runc)')
    .option('-r, --remote', 'Access a remote husk service (CONTAINER_HOST, or the default connection)')
    .option('--url <uri>', 'URL of the remote husk service (unix://PATH, tcp://HOST:PORT, ssh://[USER@]HOST[:PORT]/PATH)')
    .option('-c, --connection <name>', 'Connection to use for remote husk service (see husk system connection)')
    .option('--storage-driver <driver>', 'Select which storage driver is used to manage storage of images and containers (overlay, vfs)')
    .option('--imagestore <path>', 'Path to the image store, kept apart from the graph root (which keeps the containers)')
    .option('--storage-opt <opt>', 'Used to pass an option to the storage driver (overlay.mount_program=PATH, vfs.ignore_chown_errors=true)', collectGlobal, [])
    .option('--runtime-flag <flag>', 'add global flags for the container runtime', collectGlobal, [])
    .addOption(new Option('--events-backend <backend>', 'Events backend to use (file, journald, none)').argParser(parseEventsBackend))
    .addOption(new Option('--cgroup-manager <manager>', 'Cgroup manager to use (cgroupfs, systemd)').choices(['cgroupfs', 'systemd']))
    .option('--module <path>', 'Load the containers.conf(5) module', collectGlobal, [])
    .option('--noout', 'do not output to stdout', false)
    .option('--out <path>', 'Send output (stdout) from husk to a file')
    .option('--tmpdir <path>', 'Path to the tmp directory for husk state content')
    .option('--ssl-verify [bool]', 'Enable or disable ssl verify for all TLS connections (default true)', (v) => v !== 'false')
    .option('--network-config-dir <path>', 'Path of the configuration directory for networks')
    .option('--cni-config-dir <path>', 'Path of the configuration directory for CNI networks (same as --network-config-dir)')
    .addOption(new Option('--log-level <level>', `Log messages above specified level (${LOG_LEVELS.join(', ')})`).argParser(parseLogLevel).default('warn'))
    .enablePositionalOptions()
    .exitOverride();
  return program;
}

/**
 * Every command as its module defines it for its own word (some modules
 * define a word differently alone, e.g. `play`), for `completion`: each
 * comes from a scratch program, so no module's other commands double up.
 */
async function fullTree(): Promise<Command> {
  const program = buildProgram();
  for (const [name, [load]] of Object.entries(COMMANDS)) {
    if (program.commands.some((c) => c.name() === name || c.aliases().includes(name))) continue; // an alias (umount)
    const scratch = new Command().enablePositionalOptions();
    await (await load()).register(scratch, name);
    const cmd = scratch.commands.find((c) => c.name() === name || c.aliases().includes(name));
    if (cmd) program.addCommand(cmd);
  }
  return program;
}

async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  const word = commandWord(argv);
  const entry = word ? COMMANDS[word] : undefined;
  if (entry) {
    const mod = await entry[0]();
    await mod.register(program, word!, fullTree);
  } else {
    // Help or an unknown command: list every command without loading modules.
    for (const [name, [, desc]] of Object.entries(COMMANDS)) program.command(name).description(desc);
  }
  // addCommand does not pass these settings down, so apply them to the whole tree.
  // Usage errors and help in Podman's words (usage.ts).
  const walk = (c: Command) => {
    c.exitOverride().configureOutput({ outputError: (s, write) => write(podmanError(c, s, argv)) })
      .configureHelp({ formatHelp: (cmd, helper) => podmanHelp(cmd, Help.prototype.formatHelp.call(helper, cmd, helper), argv) });
    c.commands.forEach(walk);
  };
  walk(program);
  if (!word && !argv.some((a) => /^(-h|--help|-v|--version)$/.test(a))) {
    process.stderr.write(`${program.helpInformation()}\nError: missing command 'husk COMMAND'\nTry 'husk --help' for more information.\n`);
    return 125;
  }
  try {
    let log: typeof import('../common/log.ts') | undefined;
    const called = (hook: string, action: Command) => log?.logDebug(`Called ${action.name()}.${hook}(husk ${argv.join(' ')})`);
    program.hook('preAction', async (_, action) => {
      log = await applyProcessFlags(program.opts());
      called('PersistentPreRunE', action);
    });
    program.hook('postAction', (_, action) => called('PersistentPostRunE', action));
    await program.parseAsync(argv, { from: 'user' });
    return process.exitCode === undefined ? 0 : Number(process.exitCode);
  } catch (e) {
    // A command group without its subcommand: commander printed its help to stderr.
    if (e instanceof CommanderError && e.code === 'commander.help' && e.exitCode !== 0) {
      let group = program;
      for (const a of argv) group = group.commands.find((c) => c.name() === a) ?? group;
      const path = commandPath(group);
      process.stderr.write(`Error: missing command '${path} COMMAND'\nTry '${path} --help' for more information.\n`);
      return 125;
    }
    return reportError(e);
  }
}

export function reportError(e: unknown): number {
  if (e instanceof CommanderError) {
    if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return 0;
    // Our own usage errors with their own exit code: commander has not printed them.
    if (e.code === 'husk.exit') {
      process.stderr.write(`Error: ${e.message}\n`);
      return e.exitCode;
    }
    if (e.code === 'husk.exitBare') {
      process.stderr.write(`${e.message}\n`);
      return e.exitCode;
    }
    return 125;
  }
  if (e instanceof HuskError) {
    process.stderr.write(`Error: ${e.message}\n`);
    return e.exitCode;
  }
  process.stderr.write(`Error: ${(e as Error)?.message ?? String(e)}\n`);
  if (process.env.HUSK_DEBUG) process.stderr.write(`${(e as Error)?.stack}\n`);
  return 125;
}


// The process exits as soon as the command is done, instead of waiting for
// the event loop to drain and Node to close the sqlite handles: closing
// checkpoints and deletes the WAL, and the next husk re-creates it (with a
// file and a directory fsync). See checkpointOnExit for what stays durable.
main(process.argv.slice(2)).then(
  (code) => code,
  (e) => reportError(e),
).then(async (code) => {
  checkpointOnExit();
  await drained();
  process.exit(code);
});
