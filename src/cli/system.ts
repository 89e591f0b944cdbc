// System commands: info, version, events, and the type-agnostic inspect.
import { execFileSync } from 'node:child_process';
import { hostname, cpus, totalmem, freemem, release } from 'node:os';
import { Command } from 'commander';
import { HuskError, invalidArgument } from '../common/errors.ts';
import * as E from '../engine/index.ts';
import { cgroupLayout } from '../runtime/cgroups.ts';
import { collect, engineFor, parseTime, print } from './common.ts';
import { renderOne } from './format/index.ts';
import { inspectImage } from './image.ts';
import { printInspect } from './inspect.ts';
import { API_VERSION, VERSION } from './version.ts';

type Opts = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function versionOf(path: string): string {
  try {
    return execFileSync(path, ['--version'], { encoding: 'utf8' }).split('\n')[0];
  } catch {
    return 'unknown';
  }
}

function makeInfo(): Command {
  return new Command('info').description('Display husk system information')
    .option('-f, --format <format>', 'Change the output format to JSON or a Go template')
    .action(function (this: Command, o: Opts) {
      const e = engineFor(this);
      const rt = e.runtimeChoice();
      const containers = E.listContainers(e);
      const count = (s: string) => containers.filter((c) => c.state.status === s).length;
      const info = {
        host: {
          arch: process.arch === 'x64' ? 'amd64' : process.arch, hostname: hostname(), kernel: release(), os: 'linux',
          cpus: cpus().length, memTotal: totalmem(), memFree: freemem(),
          cgroupManager: 'cgroupfs', cgroupVersion: cgroupLayout() === 'v2' ? 'v2' : 'v1', cgroupLayout: cgroupLayout(),
          conmon: { path: e.config.conmonPath, version: versionOf(e.config.conmonPath) },
          ociRuntime: { name: rt.name, path: rt.path, version: versionOf(rt.path), ...(rt.fallbackReason ? { fallbackReason: `using runc: ${rt.fallbackReason}` } : {}) },
          security: { rootless: !!e.config.rootless, capabilities: 'CAP_CHOWN,CAP_DAC_OVERRIDE,CAP_FOWNER,CAP_FSETID,CAP_KILL,CAP_NET_BIND_SERVICE,CAP_SETFCAP,CAP_SETGID,CAP_SETPCAP,CAP_SETUID,CAP_SYS_CHROOT' },
        },
        store: {
          configFile: e.config.configFiles.join(', '), graphDriverName: 'overlay', graphRoot: e.config.root, runRoot: e.config.runroot,
          imageStore: { number: e.images.list().length },
          containerStore: { number: containers.length, running: count('running'), paused: count('paused'), stopped: containers.length - count('running') - count('paused') },
        },
        version: { Version: VERSION, APIVersion: API_VERSION, GoVersion: process.version, OsArch: `linux/${process.arch === 'x64' ? 'amd64' : process.arch}` },
      };
      if (o.format === 'json') return print(JSON.stringify(info, null, 4));
      if (o.format) return print(renderOne(o.format, info));
      if (rt.fallbackReason) process.stderr.write(`Note: OCI runtime ${e.config.runtime ?? 'crun'} cannot be used here (${rt.fallbackReason}); husk uses runc.\n`);
      print(toYaml(info));
    });
}

/** Minimal YAML-style dump for `info` (Podman prints YAML); values are scalars or nested maps. */
function toYaml(v: unknown, indent = ''): string {
  return Object.entries(v as Record<string, unknown>).map(([k, x]) =>
    x && typeof x === 'object' ? `${indent}${k}:\n${toYaml(x, `${indent}  `)}` : `${indent}${k}: ${typeof x === 'string' && x === '' ? '""' : x}`).join('\n');
}

function makeVersion(): Command {
  return new Command('version').description('Display the husk version information')
    .option('-f, --format <format>', 'Change the output format to JSON or a Go template')
    .action((o: Opts) => {
      const client = { APIVersion: API_VERSION, Version: VERSION, GoVersion: process.version, BuiltTime: '', OsArch: `linux/${process.arch === 'x64' ? 'amd64' : process.arch}`, Os: 'linux' };
      if (o.format === 'json') return print(JSON.stringify({ Client: client }, null, 4));
      if (o.format) return print(renderOne(o.format, { Client: client, ...client }));
      print(`Client:       husk\nVersion:      ${VERSION}\nAPI Version:  ${API_VERSION}\nNode Version: ${process.version}\nOS/Arch:      ${client.OsArch}`);
    });
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
      const e = engineFor(this);
      const since = o.since ? parseTime(o.since).getTime() : undefined;
      const until = o.until ? parseTime(o.until).getTime() : undefined;
      const filters = (o.filter as string[]).map((f) => {
        const i = f.indexOf('=');
        if (i < 0) throw invalidArgument(`invalid filter "${f}"`);
        return [f.slice(0, i), f.slice(i + 1)] as const;
      });
      const match = (ev: E.HuskEventLike) => filters.every(([k, v]) => {
        switch (k) {
          case 'type': return ev.Type === v;
          case 'event': case 'status': return ev.Status === v;
          case 'container': return ev.Type === 'container' && (ev.ID.startsWith(v) || ev.Name === v);
          case 'image': return ev.Image === v || (ev.Type === 'image' && (ev.ID.startsWith(v) || ev.Name === v));
          case 'label': return true;
          default: throw invalidArgument(`invalid filter "${k}"`);
        }
      });
      const show = (ev: E.HuskEventLike) => {
        const t = ev.timeNano / 1e6;
        if ((since !== undefined && t < since) || (until !== undefined && t > until) || !match(ev)) return;
        if (o.format === 'json') return print(JSON.stringify({ ID: ev.ID, Image: ev.Image, Name: ev.Name, Status: ev.Status, Time: ev.Time, Type: ev.Type, ContainerExitCode: ev.ContainerExitCode, Attributes: ev.Attributes }));
        if (o.format) return print(renderOne(o.format, ev));
        const attrs = [ev.Image && `image=${ev.Image}`, ev.Name && `name=${ev.Name}`].filter(Boolean).join(', ');
        print(`${new Date(t).toISOString().replace('T', ' ').replace('Z', '')} +0000 UTC ${ev.Type} ${ev.Status} ${ev.ID}${attrs ? ` (${attrs})` : ''}`);
      };
      let seen = 0;
      const drain = () => { const all = e.events.read(); all.slice(seen).forEach(show); seen = all.length; };
      drain();
      const stream = o.stream && until === undefined;
      if (!stream) return;
      await new Promise<void>(() => setInterval(drain, 200));
    });
}

function makeInspect(): Command {
  return new Command('inspect').description('Display the configuration of a container or image')
    .option('-f, --format <format>', 'Format the output to a Go template or json', 'json')
    .option('-t, --type <type>', 'Specify inspect-object type (container, image, all)', 'all')
    .option('-s, --size', 'Display total file size', false)
    .argument('<names...>')
    .action(function (this: Command, names: string[], o: Opts) {
      const e = engineFor(this);
      return printInspect(names, o.format, (n) => {
        if (o.type !== 'image') {
          try {
            return E.inspectContainer(e, n);
          } catch (err) {
            if (o.type === 'container' || (err as HuskError).code !== 'NO_SUCH_CONTAINER') throw err;
          }
        }
        const img = e.images.lookup(n);
        if (!img) throw new HuskError('NO_SUCH_CONTAINER', `no such object: "${n}"`);
        return inspectImage(img, (l) => (l ? e.images.layerDir(l) : ''));
      });
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
    .passThroughOptions()
    .argument('[command...]')
    .action(function (this: Command, command: string[]) {
      process.exitCode = E.unshare(engineFor(this), command);
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
    .action(async function (this: Command) {
      await E.migrate(engineFor(this));
    });
}

export function register(program: Command): void {
  program.addCommand(makeUnshare());
  program.addCommand(makeInfo());
  program.addCommand(makeVersion());
  program.addCommand(makeEvents());
  program.addCommand(makeInspect());
  const group = new Command('system').description('Manage husk');
  group.addCommand(makeInfo());
  group.addCommand(makeEvents());
  group.addCommand(makeMigrate());
  program.addCommand(group);
}
