// Network commands: create, ls, inspect, rm, exists, prune, connect, disconnect, reload.
// Flags in, one call to the networks API, Podman's output out.
import { makeNetworkUpdate } from './more.ts';
import { Command } from 'commander';
import { isIP } from 'node:net';
import { invalidArgument } from '../common/errors.ts';
import type { SubnetOptions } from '../engine/network/api.ts';
import { parseFilters } from '../specgen/filters.ts';
import { addLatestFlag, checkAllLatest, collect, connectFor, latestContainer, parseUintFlag, print, printReports } from './common.ts';
import { renderList } from './format/index.ts';
import { printInspect } from './inspect.ts';

type Opts = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function labels(items: string[]): Record<string, string> {
  return Object.fromEntries(items.map((l) => (l.includes('=') ? [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)] : [l, ''])));
}

/** --subnet/--gateway/--ip-range lists paired in order, with Podman's checks and messages. */
function subnetOptions(subnets: string[], gateways: string[], ranges: string[]): SubnetOptions[] | undefined {
  if (gateways.length > subnets.length) throw invalidArgument(subnets.length ? 'cannot set more gateways than subnets' : 'cannot set gateway without subnet');
  if (ranges.length > subnets.length) throw invalidArgument(subnets.length ? 'cannot set more ranges than subnets' : 'cannot set ip-range without subnet');
  for (const g of gateways) if (!isIP(g)) throw invalidArgument(`invalid argument "${g}" for "--gateway" flag: invalid string being converted to IP address: ${g}`);
  for (const r of ranges) if (!isCidr(r)) throw invalidArgument(`invalid argument "${r}" for "--ip-range" flag: invalid CIDR address: ${r}`);
  for (const s of subnets) if (!isCidr(s)) throw invalidArgument(`invalid argument "${s}" for "--subnet" flag: invalid CIDR address: ${s}`);
  return subnets.length ? subnets.map((subnet, i) => ({ subnet, gateway: gateways[i], ipRange: ranges[i] })) : undefined;
}

function isCidr(s: string): boolean {
  const m = /^([^/]+)\/(\d{1,3})$/.exec(s);
  return !!m && isIP(m[1]) !== 0 && Number(m[2]) <= (isIP(m[1]) === 4 ? 32 : 128);
}

export function register(program: Command): void {
  const group = new Command('network').description('Manage networks');
  group.addCommand(makeNetworkUpdate());
  group.command('create').description('Create a network')
    .option('-d, --driver <driver>', 'Driver to manage the network', 'bridge')
    .option('--subnet <cidr>', 'Subnet in CIDR format (repeatable: one IPv4 and one IPv6 for dual stack)', collect, [])
    .option('--gateway <ip>', 'IPv4 or IPv6 gateway for the subnet (one per --subnet, in order)', collect, [])
    .option('--ip-range <cidr>', 'Allocate container IP from range (one per --subnet, in order)', collect, [])
    .option('--ipv6', 'Enable IPv6 (dual-stack) networking', false)
    .option('--internal', 'Restrict external access from this network', false)
    .option('--disable-dns', 'Disable DNS plugin', false)
    .option('--label <label>', 'Set metadata on a network', collect, [])
    .option('--dns <ip>', 'DNS servers this network will use', (v: string, prev: string[] = []) => [...prev, ...v.split(',')], [])
    .option('-o, --opt <option>', 'Set driver specific options (mtu, metric, isolate)', collect, [])
    .option('--ipam-driver <driver>', 'IP Address Management Driver (host-local, none)')
    .option('--interface-name <name>', 'Name of the bridge interface')
    .option('--ignore', 'Don\'t fail if network already exists', false)
    .argument('[name]')
    .action(async function (this: Command, name: string | undefined, o: Opts) {
      const subnets = subnetOptions(o.subnet, o.gateway, o.ipRange);
      const cfg = await (await connectFor(this)).networks.create({
        name, driver: o.driver, subnets, ipv6: o.ipv6, internal: o.internal, disableDns: o.disableDns,
        labels: labels(o.label), options: labels(o.opt), dnsServers: o.dns.length ? o.dns : undefined, ipamDriver: o.ipamDriver, interfaceName: o.interfaceName, ignore: o.ignore,
      });
      print(cfg.name);
    });
  group.command('ls').alias('list').description('List networks')
    .option('-q, --quiet', 'display only names', false)
    .option('--format <format>', 'Pretty-print networks to JSON or using a Go template')
    .option('-f, --filter <filter>', 'Provide filter values (e.g. name=podman)', collect, [])
    .option('--noheading', 'Do not print headers', false)
    .option('--no-trunc', 'Do not truncate the network ID')
    .action(async function (this: Command, o: Opts) {
      const nets = await (await connectFor(this)).networks.list({ filters: parseFilters(o.filter) });
      if (o.quiet) return nets.forEach((n) => print(n.name));
      if (o.format === 'json') return print(JSON.stringify(nets, null, 4));
      const rows = nets.map((n) => ({ ...n, ID: o.trunc === false ? n.id : n.id.slice(0, 12), Name: n.name, Driver: n.driver }));
      process.stdout.write(renderList(o.format, rows, { headers: { ID: 'NETWORK ID' }, defaultFormat: 'table {{.ID}}\t{{.Name}}\t{{.Driver}}' }, { noHeading: o.noheading }));
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
    .option('-t, --time <seconds>', 'Seconds to wait for running containers to stop before killing the container', parseUintFlag('-t, --time'))
    .argument('<networks...>')
    .action(async function (this: Command, names: string[], o: Opts) {
      printReports(await (await connectFor(this)).networks.remove(names, { force: o.force, timeout: o.time }), { line: (r) => r.id });
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
    .option('--ip6 <address>', 'set a static ipv6 address for this container network')
    .option('--mac-address <address>', 'set a static mac address for this container network')
    .argument('<network>').argument('<container>')
    .action(async function (this: Command, net: string, ctr: string, o: Opts) {
      await (await connectFor(this)).networks.connect(net, ctr, { aliases: o.alias, ip: o.ip, ip6: o.ip6, mac: o.macAddress });
    });
  group.command('disconnect').description('Disconnect a container from a network')
    .option('-f, --force', 'force the container to disconnect from a network', false)
    .argument('<network>').argument('<container>')
    .action(async function (this: Command, net: string, ctr: string, o: Opts) {
      await (await connectFor(this)).networks.disconnect(net, ctr, { force: o.force });
    });
  addLatestFlag(group.command('reload').description('Reload firewall rules for one or more containers'))
    .option('-a, --all', 'reload network configuration of all containers', false)
    .argument('[containers...]')
    .action(async function (this: Command, names: string[], o: Opts) {
      checkAllLatest(names, o);
      const engine = await connectFor(this);
      if (o.latest) names = [await latestContainer(engine)];
      printReports(await engine.networks.reload(names, { all: o.all }), { line: (r) => r.id });
    });
  program.addCommand(group);
}
