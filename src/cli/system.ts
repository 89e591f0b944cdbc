// System commands: info, version, events, the type-agnostic inspect, and
// the rootless namespace (unshare, migrate). They parse flags, call the
// engine and format what it reports.
import { Command } from 'commander';
import { HuskError } from '../common/errors.ts';
import { parseFilters } from '../specgen/filters.ts';
import { collect, connectFor, parseTime, print } from './common.ts';
import { makeConnection } from './connection.ts';
import { registerStoreCommands } from './system-more.ts';
import { renderOne } from './format/index.ts';

type Opts = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function makeInfo(): Command {
  return new Command('info').description('Display husk system information')
    .option('-f, --format <format>', 'Change the output format to JSON or a Go template')
    .action(async function (this: Command, o: Opts) {
      const { warnings, ...info } = await (await connectFor(this)).system.info();
      if (o.format === 'json') return print(JSON.stringify(info, null, 4));
      if (o.format) return print(renderOne(o.format, info));
      for (const w of warnings ?? []) process.stderr.write(`Note: ${w}\n`);
      print(toYaml(info));
    });
}

/** Minimal YAML-style dump for `info` (Podman prints YAML); values are scalars or nested maps. */
function toYaml(v: unknown, indent = ''): string {
  return Object.entries(v as Record<string, unknown>).map(([k, x]) =>
    x && typeof x === 'object' ? `${indent}${k}:\n${toYaml(x, `${indent}  `)}` : `${indent}${k}: ${typeof x === 'string' && x === '' ? '""' : x}`).join('\n');
}

function makeEvents(): Command {
  return new Command('events').description('Show husk events')
    .option('-f, --filter <filter>', 'Filter output', collect, [])
    .option('--format <format>', 'Format the output using a Go template or json')
    .option('--since <time>', 'Show all events created since timestamp')
    .option('--until <time>', 'Show all events created until timestamp')
    .option('--stream [bool]', 'Stream new events; for testing only', (v) => v !== 'false', true)
    .option('--no-trunc', 'Do not truncate the output')
    .action(async function (this: Command, o: Opts) {
      const engine = await connectFor(this);
      const events = engine.system.events({
        since: o.since ? parseTime(o.since) : undefined, until: o.until ? parseTime(o.until) : undefined,
        filters: parseFilters(o.filter), stream: o.stream,
      });
      for await (const ev of events) {
        if (o.format === 'json') {
          print(JSON.stringify({ ID: ev.ID, Image: ev.Image, Name: ev.Name, Status: ev.Status, Time: ev.Time, Type: ev.Type, ContainerExitCode: ev.ContainerExitCode, HealthStatus: ev.HealthStatus, Attributes: ev.Attributes }));
        } else if (o.format) print(renderOne(o.format, ev));
        else {
          const attrs = [ev.Image && `image=${ev.Image}`, ev.Name && `name=${ev.Name}`, ev.HealthStatus && `health_status=${ev.HealthStatus}`].filter(Boolean).join(', ');
          print(`${new Date(ev.timeNano / 1e6).toISOString().replace('T', ' ').replace('Z', '')} +0000 UTC ${ev.Type} ${ev.Status} ${ev.ID}${attrs ? ` (${attrs})` : ''}`);
        }
      }
    });
}

function makeUnshare(): Command {
  return new Command('unshare').description("Run a command in husk's rootless user namespace")
    .usage('[options] [COMMAND [ARG...]]')
    .addHelpText('after', `
Runs COMMAND (default: $SHELL) as root of the user namespace rootless husk
uses, joined to its mount namespace, with CONTAINERS_GRAPHROOT and
CONTAINERS_RUNROOT set: for inspecting or cleaning the store, whose files
belong to subordinate ids outside it. Only for rootless husk.

Example: husk unshare cat /proc/self/uid_map`)
    .option('--rootless-netns', 'Join the rootless network namespace used for CNI and netavark networking', false)
    .passThroughOptions()
    .argument('[command...]')
    .action(async function (this: Command, command: string[], o: Opts) {
      process.exitCode = await (await connectFor(this)).system.unshare(command, { stdio: 'inherit', rootlessNetns: o.rootlessNetns });
    });
}

function makeMigrate(): Command {
  return new Command('migrate').description('Stop containers and the rootless pause process, so new subuid/subgid ranges apply')
    .addHelpText('after', `
Rootless husk keeps its user namespace alive in a pause process, so changes
to /etc/subuid and /etc/subgid do not reach it. migrate stops every running
container, kills the pause process and deletes its pid file; the next husk
command creates the namespace anew with the current ranges. Does nothing
for root.`)
    .option('--new-runtime <runtime>', 'Specify a new runtime for all containers')
    .action(async function (this: Command, o: Opts) {
      await (await connectFor(this)).system.migrate({ newRuntime: o.newRuntime });
    });
}

function makeService(): Command {
  return new Command('service').description('Run the API service (Docker-compatible REST API)')
    .usage('[options] [URI]')
    .argument('[uri]', 'unix:///path or tcp://host:port (default: unix:///run/husk/husk.sock as root)')
    .option('-t, --time <seconds>', 'Exit after this many idle seconds (0: never)', '5')
    .option('--tls-cert <path>', 'PEM certificate for tcp://')
    .option('--tls-key <path>', 'PEM key for tcp://')
    .option('--tls-client-ca <path>', 'Require client certificates signed by this CA')
    .option('--cors <origin>', 'Set CORS Headers')
    .action(async function (this: Command, uri: string | undefined, o: Opts) {
      const idle = Number(o.time);
      if (!Number.isInteger(idle) || idle < 0) throw new HuskError('INVALID_ARGUMENT', `invalid --time "${o.time}"`);
      // Loaded only here: no other command pays for the server's modules.
      const { activationFd, createApiServer } = await import('../api/server.ts');
      const { huskRoutes } = await import('../api/husk/index.ts');
      const engine = await connectFor(this, { ownSockets: true });
      const srv = await createApiServer(engine, {
        // husk's own RPC (the remote client) beside the Docker-compatible routes.
        routes: huskRoutes(), uri, idleSeconds: idle, tlsCert: o.tlsCert, tlsKey: o.tlsKey, tlsClientCa: o.tlsClientCa, listenFd: activationFd(), cors: o.cors,
      });
      await new Promise<void>((resolve) => {
        srv.server.once('close', resolve);
        const stop = () => { void srv.close(); };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      await engine.close();
    });
}

export function register(program: Command): void {
  program.addCommand(makeUnshare());
  program.addCommand(makeInfo());
  program.addCommand(makeEvents());
  const group = new Command('system').description('Manage husk');
  group.addCommand(makeInfo());
  group.addCommand(makeEvents());
  group.addCommand(makeMigrate());
  group.addCommand(makeService());
  group.addCommand(makeConnection());
  registerStoreCommands(group);
  program.addCommand(group);
}
