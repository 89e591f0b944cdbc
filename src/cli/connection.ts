// `husk system connection`: named remote engines, and the resolution of the
// global --remote/--url/--connection flags. Stored as Podman stores them
// (podman-connections.json's shape, {"Connection": {"Default", "Connections":
// {NAME: {"URI", "Identity"}}}}) in husk's own file beside it:
// $XDG_CONFIG_HOME/containers/husk-connections.json (~/.config/containers/),
// or HUSK_CONNECTIONS_CONF.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { Command } from 'commander';
import { HuskError, invalidArgument } from '../common/errors.ts';
import { renderList } from './format/index.ts';
import { compareText } from '../common/order.ts';

interface Destination { URI: string; Identity?: string; IsMachine?: boolean }
interface ConnectionsFile { Connection: { Default?: string; Connections: Record<string, Destination> }; Farm?: unknown }

export function connectionsPath(): string {
  if (process.env.HUSK_CONNECTIONS_CONF) return process.env.HUSK_CONNECTIONS_CONF;
  const base = process.env.XDG_CONFIG_HOME || join(homedir(), '.config');
  return join(base, 'containers', 'husk-connections.json');
}

function load(): ConnectionsFile {
  try {
    const f = JSON.parse(readFileSync(connectionsPath(), 'utf8')) as Partial<ConnectionsFile>;
    return { ...f, Connection: { Default: f.Connection?.Default, Connections: f.Connection?.Connections ?? {} } };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { Connection: { Connections: {} }, Farm: {} };
    throw new HuskError('INVALID_ARGUMENT', `reading ${connectionsPath()}: ${(e as Error).message}`);
  }
}

function save(f: ConnectionsFile): void {
  const path = connectionsPath();
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(`${path}.tmp`, JSON.stringify(f, null, 2) + '\n', { mode: 0o600 });
  renameSync(`${path}.tmp`, path);
}

/** The URL the global flags and environment ask for, or undefined for the local engine (Podman's precedence). */
export function remoteURL(g: { remote?: boolean; url?: string; connection?: string }): string | undefined {
  if (g.url) return g.url;
  const named = g.connection ?? (g.remote ? undefined : process.env.CONTAINER_CONNECTION);
  if (named) {
    const d = load().Connection.Connections[named];
    if (!d) throw invalidArgument(`connection "${named}" not found`);
    return d.URI;
  }
  if (process.env.CONTAINER_HOST) return process.env.CONTAINER_HOST;
  if (process.env.CONTAINER_CONNECTION) return remoteURL({ connection: process.env.CONTAINER_CONNECTION });
  if (!g.remote) return undefined;
  const f = load();
  const def = f.Connection.Default && f.Connection.Connections[f.Connection.Default];
  return def ? def.URI : 'unix:///run/husk/husk.sock';
}

function checkURI(uri: string): string {
  // Podman accepts a bare ssh destination; husk keeps to full URLs.
  if (!/^(unix|tcp|ssh):\/\/./.test(uri)) throw invalidArgument(`invalid destination "${uri}": use unix://PATH, tcp://HOST:PORT or ssh://[USER@]HOST[:PORT]/PATH`);
  return uri;
}

/**
 * As Podman's connection add: an ssh destination gets --port (else its own
 * port, else 22) and --socket-path as its path; a unix one --socket-path.
 */
function withFlags(uri: string, o: { port?: number; socketPath?: string }): string {
  const u = new URL(uri);
  if (u.protocol === 'ssh:') {
    if (o.port !== undefined) u.port = String(o.port);
    else if (!u.port) u.host = `${u.hostname}:22`;
    if (o.socketPath !== undefined) u.pathname = o.socketPath;
    return u.toString();
  }
  if (u.protocol === 'unix:' && o.socketPath !== undefined) return `unix://${o.socketPath}`;
  return uri;
}

export function makeConnection(): Command {
  const group = new Command('connection').description('Manage remote husk engine destinations');

  group.command('add').description('Record destination for the husk service')
    .argument('<name>').argument('<destination>')
    .option('--identity <path>', 'path to the ssh identity file')
    .option('-d, --default', 'set connection to be default', false)
    .option('-p, --port <port>', 'SSH port number for destination (default 22)', (v: string) => {
      if (!/^[+-]?\d+$/.test(v)) throw invalidArgument(`invalid argument "${v}" for "-p, --port" flag: strconv.ParseInt: parsing "${v}": invalid syntax`);
      return Number(v);
    })
    .option('--socket-path <path>', 'path to husk socket on remote host. (default \'/run/husk/husk.sock\')')
    .action((name: string, dest: string, o: { identity?: string; default: boolean; port?: number; socketPath?: string }) => {
      const f = load();
      f.Connection.Connections[name] = { URI: withFlags(checkURI(dest), o), ...(o.identity ? { Identity: o.identity } : {}), IsMachine: false };
      if (o.default || !f.Connection.Default) f.Connection.Default = name;
      save(f);
    });

  group.command('list').alias('ls').description('List destination for the husk service(s)')
    .option('-f, --format <format>', 'Custom Go template for printing connections')
    .option('-q, --quiet', 'Only show connection names', false)
    .action((o: { format?: string; quiet: boolean }) => {
      const f = load();
      const rows = Object.entries(f.Connection.Connections).sort(([a], [b]) => compareText(a, b)).map(([Name, d]) => (
        { Name, URI: d.URI, Identity: d.Identity ?? '', Default: Name === f.Connection.Default, ReadWrite: true }));
      if (o.quiet) { for (const r of rows) process.stdout.write(`${r.Name}\n`); return; }
      process.stdout.write(renderList(o.format, rows, { headers: {}, defaultFormat: 'table {{.Name}}\t{{.URI}}\t{{.Identity}}\t{{.Default}}\t{{.ReadWrite}}' }));
    });

  group.command('remove').alias('rm').description('Delete named destination')
    .argument('[name]').option('-a, --all', 'Remove all connections', false)
    .action((name: string | undefined, o: { all: boolean }) => {
      const f = load();
      if (o.all) { f.Connection = { Connections: {} }; save(f); return; }
      if (!name) throw invalidArgument('requires a connection name or --all');
      delete f.Connection.Connections[name];
      if (f.Connection.Default === name) f.Connection.Default = Object.keys(f.Connection.Connections)[0];
      save(f);
    });

  group.command('default').description('Set named destination as default')
    .argument('<name>')
    .action((name: string) => {
      const f = load();
      if (!f.Connection.Connections[name]) throw invalidArgument(`connection "${name}" not found`);
      f.Connection.Default = name;
      save(f);
    });

  group.command('rename').description('Rename a destination')
    .argument('<old>').argument('<new>')
    .action((from: string, to: string) => {
      const f = load();
      const d = f.Connection.Connections[from];
      if (!d) throw invalidArgument(`connection "${from}" not found`);
      delete f.Connection.Connections[from];
      f.Connection.Connections[to] = d;
      if (f.Connection.Default === from) f.Connection.Default = to;
      save(f);
    });
  return group;
}
