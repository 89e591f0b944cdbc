// Network commands: create, ls, inspect, rm, exists, prune, connect, disconnect, reload.
// Flags in, one call to the networks API, Podman's output out.
import { makeNetworkUpdate } from './more.ts';
import { Command } from 'commander';
import { invalidArgument } from '../common/errors.ts';
import { parseFilters } from '../specgen/filters.ts';
import { collect, connectFor, print, printReports } from './common.ts';
import { renderList } from './format/index.ts';
import { printInspect } from './inspect.ts';

type Opts = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function labels(items: string[]): Record<string, string> {
  return Object.fromEntries(items.map((l) => (l.includes('=') ? [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)] : [l, ''])));
}

export function register(program: Command): void {
  const group = new Command('network').description('Manage networks');
  group.addCommand(makeNetworkUpdate());
  group.command('create').description('Create a network')
    .option('-d, --driver <driver>', 'Driver to manage the network', 'bridge')
    .option('--subnet <cidr>', 'Subnet in CIDR format')
    .option('--gateway <ip>', 'IPv4 or IPv6 gateway for the subnet')
    .option('--internal', 'Restrict external access from this network', false)
    .option('--disable-dns', 'Disable DNS plugin', false)
    .option('--label <label>', 'Set metadata on a network', collect, [])
    .option('--interface-name <name>', 'Name of the bridge interface')
    .option('--ignore', 'Don\'t fail if network already exists', false)
    .argument('[name]')
    .action(async function (this: Command, name: string | undefined, o: Opts) {
      const cfg = await (await connectFor(this)).networks.create({
        name, driver: o.driver, subnet: o.subnet, gateway: o.gateway, internal: o.internal, disableDns: o.disableDns,
        labels: labels(o.label), interfaceName: o.interfaceName, ignore: o.ignore,
      });
      print(cfg.name);
    });
  group.command('ls').alias('list').description('List networks')
    .option('-q, --quiet', 'display only names', false)
    .option('--format <format>', 'Pretty-print networks to JSON or using a Go template')
    .option('-f, --filter <filter>', 'Provide filter values (e.g. name=podman)', collect, [])
    .action(async function (this: Command, o: Opts) {
      const nets = await (await connectFor(this)).networks.list({ filters: parseFilters(o.filter) });
      if (o.quiet) return nets.forEach((n) => print(n.name));
      if (o.format === 'json') return print(JSON.stringify(nets, null, 4));
      const rows = nets.map((n) => ({ ...n, ID: n.id.slice(0, 12), Name: n.name, Driver: n.driver }));
      process.stdout.write(renderList(o.format, rows, { headers: { ID: 'NETWORK ID' }, defaultFormat: 'table {{.ID}}\t{{.Name}}\t{{.Driver}}' }));
    });
  group.command('inspect').description('Displays the network configuration for one or more networks')
    .option('-f, --format <format>', 'Pretty-print network to JSON or using a Go template', 'json')
    .argument('<networks...>')
    .action(async function (this: Command, names: string[], o: Opts) {
      const engine = await connectFor(this);
      return printInspect(names, o.format, (n) => engine.networks.inspect(n));
    });
  group.command('rm').alias('remove').description('Remove networks')
    .option('-f, --force', 'remove any containers using network', false)
    .argument('<networks...>')
    .action(async function (this: Command, names: string[], o: Opts) {
      printReports(await (await connectFor(this)).networks.remove(names, { force: o.force }), { line: (r) => r.id });
    });
  group.command('exists').description('Check if network exists')
    .argument('<network>')
    .action(async function (this: Command, name: string) {
      if (!(await (await connectFor(this)).networks.exists(name))) process.exitCode = 1;
    });
  group.command('prune').description('Remove all unused networks')
    .option('-f, --force', 'Do not prompt for confirmation', false)
    .option('--filter <filter>', 'Provide filter values (label, label!, until)', collect, [])
    .action(async function (this: Command, o: Opts) {
      const reports = await (await connectFor(this)).networks.prune({ filters: parseFilters(o.filter) });
      printReports(reports.map((r) => ({ id: r.id, rawInput: r.id, error: r.error })));
    });
  group.command('connect').description('Connect a container to a network')
    .option('--alias <name>', 'network scoped alias for container', collect, [])
    .option('--ip <address>', 'set a static ipv4 address for this container network')
    .option('--mac-address <address>', 'set a static mac address for this container network')
    .argument('<network>').argument('<container>')
    .action(async function (this: Command, net: string, ctr: string, o: Opts) {
      await (await connectFor(this)).networks.connect(net, ctr, { aliases: o.alias, ip: o.ip, mac: o.macAddress });
    });
  group.command('disconnect').description('Disconnect a container from a network')
    .option('-f, --force', 'force the container to disconnect from a network', false)
    .argument('<network>').argument('<container>')
    .action(async function (this: Command, net: string, ctr: string, o: Opts) {
      await (await connectFor(this)).networks.disconnect(net, ctr, { force: o.force });
    });
  group.command('reload').description('Reload firewall rules for one or more containers')
    .option('-a, --all', 'reload network configuration of all containers', false)
    .argument('[containers...]')
    .action(async function (this: Command, names: string[], o: Opts) {
      if (!o.all && !names.length) throw invalidArgument('you must provide at least one name or id');
      if (o.all && names.length) throw invalidArgument('--all and containers cannot be used together');
      printReports(await (await connectFor(this)).networks.reload(names, { all: o.all }), { line: (r) => r.id });
    });
  program.addCommand(group);
}
