// `husk compose`: Docker Compose v2's command line over src/compose. Global
// flags pick and load the project (an invalid file fails before anything is
// created); each subcommand is one call into src/compose, progress lines to
// stderr as Compose's plain progress, data to stdout.
import { isAbsolute, resolve } from 'node:path';
import { Command } from 'commander';
import { invalidArgument } from '../common/errors.ts';
import type { Engine } from '../engine/api.ts';
import * as compose from '../compose/index.ts';
import type { ComposeOutput, ComposeProject } from '../compose/index.ts';
import { collect, connectFor, parseEnv, parseIntFlag, print } from './common.ts';
import { psRow } from './container.ts';
import { renderList } from './format/index.ts';
import { processSession } from './session.ts';

type Opts = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const OUT: ComposeOutput = {
  progress: (line) => process.stderr.write(` ${line}\n`),
  warn: (line) => process.stderr.write(`WARN[0000] ${line}\n`),
};

/** The project the global flags name, loaded (and its warnings printed), and the engine. */
async function open(cmd: Command, services?: string[]): Promise<{ engine: Engine; project: ComposeProject }> {
  const g = cmd.parent!.opts() as Opts;
  const project = compose.loadProject({
    files: g.file.length ? g.file : undefined, projectName: g.projectName, projectDirectory: g.projectDirectory,
    envFiles: g.envFile.length ? g.envFile : undefined, profiles: g.profile, services,
  });
  for (const w of project.warnings) OUT.warn(w);
  return { engine: await connectFor(cmd), project };
}

const services = (c: Command) => c.argument('[services...]');

/**
 * Attached `up`: the services' output, prefixed as `logs` does, until every
 * container exited; Ctrl+C stops them (a second one leaves at once), as
 * Docker Compose does.
 */
async function attached(engine: Engine, project: ComposeProject, names: string[], o: { abort?: boolean; exitCodeFrom?: string }): Promise<number> {
  const services = names.length ? names : undefined;
  const containers = await compose.containersOf(engine, project, services, { all: true });
  const width = Math.max(0, ...containers.map((c) => compose.shortName(project, c).length));
  const ac = new AbortController();
  let interrupted = false;
  let code = 0;
  if (o.abort) {
    // The first container to exit stops the others; its code (or --exit-code-from's service's) is up's.
    void Promise.race(containers.map((c) => engine.containers.wait(c.config.id, { signal: ac.signal }).then((n) => ({ c, n })))).then(({ c, n }) => {
      if (ac.signal.aborted) return;
      if (!o.exitCodeFrom || compose.serviceOf(c) === o.exitCodeFrom) code = n;
      interrupted = true;
      process.stderr.write(`${compose.shortName(project, c)} exited with code ${n}\nAborting on container exit...\n`);
      ac.abort();
    }, () => {});
  }
  const onInt = () => {
    if (interrupted) {
      // A second Ctrl+C: the default action (the process ends at once).
      process.off('SIGINT', onInt);
      process.kill(process.pid, 'SIGINT');
      return;
    }
    interrupted = true;
    process.stderr.write('Gracefully stopping... (press Ctrl+C again to force)\n');
    ac.abort();
  };
  process.on('SIGINT', onInt);
  try {
    for await (const l of compose.logs(engine, project, services, { follow: true, signal: ac.signal })) {
      process.stdout.write(`${l.prefix.padEnd(width)}  | ${l.text}\n`);
    }
  } catch (err) {
    if (!ac.signal.aborted) throw err;
  }
  if (interrupted) await compose.lifecycle(engine, project, 'stop', services, {}, OUT);
  ac.abort();
  process.off('SIGINT', onInt);
  if (o.exitCodeFrom) {
    const c = containers.find((x) => compose.serviceOf(x) === o.exitCodeFrom);
    if (c) code = (await engine.containers.get(c.config.id)).state.exitCode;
  }
  return code;
}

export function register(program: Command): void {
  const group = new Command('compose').description('Define and run multi-container applications')
    .option('-f, --file <file>', 'Compose configuration files', collect, [])
    .option('-p, --project-name <name>', 'Project name')
    .option('--project-directory <dir>', 'Alternate working directory (default: the first file\'s directory)')
    .option('--env-file <file>', 'Alternate environment files', collect, [])
    .option('--profile <profile>', 'Activate a profile', collect, [])
    .enablePositionalOptions();

  services(group.command('up').description('Create and start containers'))
    .option('-d, --detach', 'Detached mode: run containers in the background', false)
    .option('--force-recreate', 'Recreate containers even if their configuration hasn\'t changed', false)
    .option('--no-recreate', 'If containers already exist, don\'t recreate them')
    .option('--no-deps', 'Don\'t start linked services')
    .option('--no-start', 'Don\'t start the services after creating them')
    .option('--remove-orphans', 'Remove containers for services not defined in the Compose file', false)
    .option('--scale <service=n>', 'Scale SERVICE to NUM instances', collect, [])
    .option('--pull <policy>', 'Pull image before running ("always"|"missing"|"never")', 'missing')
    .option('--build', 'Build images before starting containers', false)
    .option('--abort-on-container-exit', 'Stops all containers if any container was stopped. Incompatible with -d', false)
    .option('--exit-code-from <service>', 'Return the exit code of the selected service container. Implies --abort-on-container-exit')
    .option('--wait', 'Wait for services to be running|healthy. Implies detached mode.', false)
    .option('--wait-timeout <seconds>', 'Maximum duration to wait for the project to be running|healthy', parseIntFlag('wait-timeout'))
    .action(async function (this: Command, names: string[], o: Opts) {
      if (o.detach && (o.abortOnContainerExit || o.exitCodeFrom)) throw invalidArgument('--abort-on-container-exit and --exit-code-from cannot be combined with --detach');
      if (o.exitCodeFrom && !names.includes(o.exitCodeFrom) && names.length) throw invalidArgument(`--exit-code-from: service "${o.exitCodeFrom}" is not selected`);
      if (o.wait) o.detach = true;
      const { engine, project } = await open(this, names);
      const scale: Record<string, number> = {};
      for (const s of o.scale as string[]) {
        const m = /^([^=]+)=(\d+)$/.exec(s);
        if (!m) throw invalidArgument(`invalid --scale "${s}": expected SERVICE=NUM`);
        scale[m[1]] = Number(m[2]);
      }
      if (o.pull === 'always') await compose.pullMissing(engine, project, compose.dependencyOrder(project.services, names.length ? names : undefined), OUT, { always: true });
      await compose.up(engine, project, {
        services: names, forceRecreate: o.forceRecreate, noRecreate: o.recreate === false, noDeps: o.deps === false,
        removeOrphans: o.removeOrphans, scale, noStart: o.start === false, wait: o.wait, waitTimeout: o.waitTimeout, build: o.build,
      }, OUT);
      if (!o.detach && o.start !== false) process.exitCode = await attached(engine, project, names, { abort: o.abortOnContainerExit || !!o.exitCodeFrom, exitCodeFrom: o.exitCodeFrom });
    });
  services(group.command('create').description('Creates containers for a service'))
    .option('--force-recreate', 'Recreate containers even if their configuration hasn\'t changed', false)
    .option('--no-recreate', 'If containers already exist, don\'t recreate them')
    .option('--build', 'Build images before creating containers', false)
    .action(async function (this: Command, names: string[], o: Opts) {
      const { engine, project } = await open(this, names);
      await compose.up(engine, project, { services: names, forceRecreate: o.forceRecreate, noRecreate: o.recreate === false, build: o.build, noStart: true }, OUT);
    });
  group.command('down').description('Stop and remove containers, networks')
    .option('-v, --volumes', 'Remove named volumes declared in the "volumes" section and anonymous volumes', false)
    .option('--remove-orphans', 'Remove containers for services not defined in the Compose file', false)
    .option('-t, --timeout <seconds>', 'Specify a shutdown timeout in seconds', parseIntFlag('timeout'))
    .action(async function (this: Command, o: Opts) {
      const { engine, project } = await open(this);
      await compose.down(engine, project, { volumes: o.volumes, removeOrphans: o.removeOrphans, timeout: o.timeout }, OUT);
    });
  services(group.command('ps').description('List containers'))
    .option('-a, --all', 'Show all stopped containers', false)
    .option('-q, --quiet', 'Only display IDs', false)
    .option('--services', 'Display services', false)
    .option('--format <format>', 'Format output using a Go template, or json')
    .action(async function (this: Command, names: string[], o: Opts) {
      const { engine, project } = await open(this);
      const list = await compose.ps(engine, project, names, { all: o.all });
      if (o.quiet) return list.forEach((c) => print(c.config.id));
      if (o.services) return [...new Set(list.map(compose.serviceOf))].forEach((s) => print(s));
      const rows = list.map((c) => ({ ...psRow(c, false), Name: c.config.name, Service: compose.serviceOf(c), Project: project.name }));
      process.stdout.write(renderList(o.format, rows, {
        headers: { CreatedHuman: 'CREATED' },
        defaultFormat: 'table {{.Name}}\t{{.Image}}\t{{.Command}}\t{{.Service}}\t{{.CreatedHuman}}\t{{.Status}}\t{{.Ports}}',
      }));
    });
  services(group.command('logs').description('View output from containers'))
    .option('-f, --follow', 'Follow log output', false)
    .option('-n, --tail <n>', 'Number of lines to show from the end of the logs', parseIntFlag('tail'))
    .option('--no-log-prefix', 'Don\'t print prefix in logs')
    .option('-t, --timestamps', 'Show timestamps', false)
    .action(async function (this: Command, names: string[], o: Opts) {
      const { engine, project } = await open(this);
      const width = Math.max(0, ...(await compose.containersOf(engine, project, names, { all: true })).map((c) => compose.shortName(project, c).length));
      const ac = new AbortController();
      process.once('SIGINT', () => ac.abort());
      for await (const l of compose.logs(engine, project, names, { follow: o.follow, tail: o.tail, signal: ac.signal })) {
        const prefix = o.logPrefix === false ? '' : `${l.prefix.padEnd(width)}  | `;
        process.stdout.write(`${prefix}${o.timestamps ? `${l.time} ` : ''}${l.text}\n`);
      }
    });
  group.command('config').description('Parse, resolve and render compose file in canonical format')
    .option('-q, --quiet', 'Only validate the configuration, don\'t print anything', false)
    .option('--services', 'Print the service names, one per line', false)
    .option('--volumes', 'Print the volume names, one per line', false)
    .action(function (this: Command, o: Opts) {
      const g = this.parent!.opts() as Opts;
      const project = compose.loadProject({ files: g.file.length ? g.file : undefined, projectName: g.projectName, projectDirectory: g.projectDirectory, envFiles: g.envFile.length ? g.envFile : undefined, profiles: g.profile });
      for (const w of project.warnings) OUT.warn(w);
      if (o.quiet) return;
      if (o.services) return Object.keys(project.services).forEach((s) => print(s));
      if (o.volumes) return Object.keys(project.volumes).forEach((s) => print(s));
      process.stdout.write(compose.renderConfig(project));
    });
  for (const [verb, desc] of [['start', 'Start services'], ['stop', 'Stop services'], ['restart', 'Restart service containers'], ['kill', 'Force stop service containers'], ['rm', 'Removes stopped service containers'],
    ['pause', 'Pause services'], ['unpause', 'Unpause services']] as const) {
    const c = services(group.command(verb).description(desc));
    if (verb === 'stop' || verb === 'restart') c.option('-t, --timeout <seconds>', 'Specify a shutdown timeout in seconds', parseIntFlag('timeout'));
    if (verb === 'kill') c.option('-s, --signal <signal>', 'SIGNAL to send to the container', 'SIGKILL');
    if (verb === 'rm') c.option('-f, --force', 'Don\'t ask to confirm removal', false).option('-s, --stop', 'Stop the containers, if required, before removing', false).option('-v, --volumes', 'Remove any anonymous volumes attached to containers', false);
    c.action(async function (this: Command, names: string[], o: Opts) {
      const { engine, project } = await open(this);
      if (verb === 'rm' && o.stop) await compose.lifecycle(engine, project, 'stop', names, {}, OUT);
      await compose.lifecycle(engine, project, verb, names, { timeout: o.timeout, signal: o.signal, volumes: o.volumes }, OUT);
    });
  }
  group.command('exec').description('Execute a command in a running container')
    .argument('<service>').argument('<command...>')
    .option('-d, --detach', 'Detached mode: Run command in the background', false)
    .option('-e, --env <env>', 'Set environment variables', collect, [])
    .option('--index <n>', 'Index of the container if service has multiple replicas', parseIntFlag('index'), 1)
    .option('-T, --no-TTY', 'Disable pseudo-TTY allocation (default: auto-detected)')
    .option('-u, --user <user>', 'Run the command as this user')
    .option('-w, --workdir <dir>', 'Path to workdir directory for this command')
    .option('--privileged', 'Give extended privileges to the process', false)
    .passThroughOptions()
    .action(async function (this: Command, service: string, command: string[], o: Opts) {
      const { engine, project } = await open(this);
      const tty = o.TTY !== false && !!process.stdin.isTTY;
      process.exitCode = await compose.exec(engine, project, service, command, {
        index: o.index, user: o.user, workdir: o.workdir, env: parseEnv(o.env), tty, interactive: !o.detach, privileged: o.privileged,
      }, processSession({ stdin: !o.detach, raw: tty, sigProxy: true }));
    });
  group.command('run').description('Run a one-off command on a service')
    .argument('<service>').argument('[command...]')
    .option('-d, --detach', 'Run container in background and print container ID', false)
    .option('--rm', 'Automatically remove the container when it exits', false)
    .option('-e, --env <env>', 'Set environment variables', collect, [])
    .option('--entrypoint <cmd>', 'Override the entrypoint of the image')
    .option('--name <name>', 'Assign a name to the container')
    .option('--no-deps', 'Don\'t start linked services')
    .option('-T, --no-TTY', 'Disable pseudo-TTY allocation (default: auto-detected)')
    .option('-u, --user <user>', 'Run as specified username or uid')
    .option('-w, --workdir <dir>', 'Working directory inside the container')
    .option('--service-ports', 'Run command with all service\'s ports enabled and mapped to the host', false)
    .passThroughOptions()
    .action(async function (this: Command, service: string, command: string[], o: Opts) {
      const { engine, project } = await open(this);
      const tty = o.TTY !== false && !!process.stdin.isTTY && !o.detach;
      const r = await compose.run(engine, project, service, {
        rm: o.rm, noDeps: o.deps === false, command, entrypoint: o.entrypoint === undefined ? undefined : compose.shellSplit(o.entrypoint),
        env: parseEnv(o.env), user: o.user, workdir: o.workdir, name: o.name, detach: o.detach, tty, interactive: !o.detach, servicePorts: o.servicePorts,
      }, processSession({ stdin: !o.detach, raw: tty, sigProxy: true }), OUT);
      if (o.detach) print(r.name);
      else process.exitCode = r.exitCode ?? 0;
    });
  services(group.command('pull').description('Pull service images'))
    .action(async function (this: Command, names: string[]) {
      const { engine, project } = await open(this);
      await compose.pullMissing(engine, project, names.length ? names : Object.keys(project.services).sort(), OUT, { always: true });
    });
  services(group.command('build').description('Build or rebuild services'))
    .option('--no-cache', 'Do not use cache when building the image')
    .option('--pull', 'Always attempt to pull a newer version of the image', false)
    .option('-q, --quiet', 'Don\'t print anything to STDOUT', false)
    .action(async function (this: Command, names: string[], o: Opts) {
      const { engine, project } = await open(this);
      const out = o.quiet ? { ...OUT, progress: () => {} } : OUT;
      await compose.buildServices(engine, project, compose.selectServices(project, names), out, { noCache: o.cache === false, pull: o.pull });
    });
  services(group.command('push').description('Push service images'))
    .option('--ignore-push-failures', 'Push what it can and ignores images with push failures', false)
    .action(async function (this: Command, names: string[], o: Opts) {
      const { engine, project } = await open(this);
      await compose.push(engine, project, names, OUT, { ignoreFailures: o.ignorePushFailures });
    });
  services(group.command('events').description('Receive real time events from containers'))
    .option('--json', 'Output events as a stream of json objects', false)
    .action(async function (this: Command, names: string[], o: Opts) {
      const { engine, project } = await open(this);
      const ac = new AbortController();
      process.once('SIGINT', () => ac.abort());
      process.once('SIGTERM', () => ac.abort());
      for await (const e of compose.events(engine, project, names, ac.signal)) {
        if (o.json) print(JSON.stringify(e));
        else print(`${e.time} container ${e.action} ${e.id} (${Object.entries({ ...e.attributes, service: e.service }).map(([k, v]) => `${k}=${v}`).join(', ')})`);
      }
    });
  group.command('wait').description('Block until containers of all (or specified) services stop')
    .argument('<services...>')
    .option('--down-project', 'Drops project when the first container stops', false)
    .action(async function (this: Command, names: string[], o: Opts) {
      const { engine, project } = await open(this);
      const containers = await compose.containersOf(engine, project, compose.selectServices(project, names), { all: true });
      const codes = await Promise.all(containers.map((c) => engine.containers.wait(c.config.id)));
      for (const code of codes) print(String(code));
      if (o.downProject) await compose.down(engine, project, {}, OUT);
    });
  group.command('cp').description('Copy files/folders between a service container and the local filesystem')
    .argument('<src>').argument('<dest>')
    .option('--index <n>', 'Index of the container if service has multiple replicas', parseIntFlag('index'), 1)
    .option('-a, --archive', 'Archive mode (copy all uid/gid information)', false)
    .action(async function (this: Command, src: string, dest: string, o: Opts) {
      const { engine, project } = await open(this);
      // Host paths are the caller's: relative ones from the working directory.
      const host = (p: string) => (p === '-' || p.includes(':') || isAbsolute(p) ? p : resolve(p));
      const [a, b] = await compose.copyPaths(engine, project, host(src), host(dest), o.index);
      await engine.containers.copy(a, b, { archive: o.archive, stdin: a === '-' ? process.stdin : undefined, stdout: b === '-' ? process.stdout : undefined });
    });
  services(group.command('images').description('List images used by the created containers'))
    .option('-q, --quiet', 'Only display IDs', false)
    .action(async function (this: Command, names: string[], o: Opts) {
      const { engine, project } = await open(this);
      const rows = await compose.images(engine, project, names);
      if (o.quiet) return [...new Set(rows.map((r) => r.id))].forEach((id) => print(id));
      const { humanSize } = await import('./common.ts');
      process.stdout.write(renderList(undefined, rows.map((r) => ({ Container: r.container, Repository: r.repository, ID: r.id.slice(0, 12), Size: humanSize(r.size) })), {
        headers: { Container: 'CONTAINER', Repository: 'REPOSITORY', ID: 'IMAGE ID', Size: 'SIZE' }, defaultFormat: 'table {{.Container}}\t{{.Repository}}\t{{.ID}}\t{{.Size}}',
      }));
    });
  group.command('port').description('Print the public port for a port binding')
    .argument('<service>').argument('<private_port>')
    .option('--protocol <proto>', 'tcp or udp', 'tcp')
    .option('--index <n>', 'Index of the container if service has multiple replicas', parseIntFlag('index'), 1)
    .action(async function (this: Command, service: string, p: string, o: Opts) {
      const { engine, project } = await open(this);
      print(await compose.port(engine, project, service, Number(p), { protocol: o.protocol, index: o.index }));
    });
  services(group.command('top').description('Display the running processes'))
    .action(async function (this: Command, names: string[]) {
      const { engine, project } = await open(this);
      for (const { name, rows } of await compose.top(engine, project, names)) {
        print(name);
        const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
        for (const r of rows) print(r.map((x, i) => (i < r.length - 1 ? x.padEnd(widths[i]) : x)).join('  '));
        print('');
      }
    });
  program.addCommand(group);
}

