// Network commands: create, ls, inspect, rm, exists, prune, connect, disconnect, reload.
import { Command } from 'commander';
import { HuskError, invalidArgument } from '../common/errors.ts';
import { removeContainer } from '../engine/container/lifecycle.ts';
import * as N from '../engine/network/networks.ts';
import { collect, each, engineFor, print } from './common.ts';
import { renderList } from './format/index.ts';
import { printInspect } from './inspect.ts';

type Opts = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function labels(items: string[]): Record<string, string> {
  return Object.fromEntries(items.map((l) => (l.includes('=') ? [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)] : [l, ''])));
}

export function register(program: Command): void {
  const group = new Command('network').description('Manage networks');
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
      if (o.driver !== 'bridge') throw invalidArgument(`unsupported driver ${o.driver}: only bridge is supported`);
      const e = engineFor(this);
      const n = name ?? `podman${N.listNetworks(e).length}`;
      const cfg = await N.createNetwork(e, {
        name: n, subnet: o.subnet, gateway: o.gateway, internal: o.internal, dnsEnabled: !o.disableDns,
        labels: labels(o.label), interfaceName: o.interfaceName, ignore: o.ignore,
      });
      print(cfg.name);
    });
  group.command('ls').alias('list').description('List networks')
    .option('-q, --quiet', 'display only names', false)
    .option('--format <format>', 'Pretty-print networks to JSON or using a Go template')
    .option('-f, --filter <filter>', 'Provide filter values (e.g. name=podman)', collect, [])
    .action(function (this: Command, o: Opts) {
      let nets = N.listNetworks(engineFor(this));
      for (const f of o.filter as string[]) {
        const [k, v] = [f.slice(0, f.indexOf('=')), f.slice(f.indexOf('=') + 1)];
        if (k === 'name') nets = nets.filter((n) => new RegExp(v).test(n.name));
        else if (k === 'driver') nets = nets.filter((n) => n.driver === v);
        else if (k === 'label') nets = nets.filter((n) => { const [lk, lv] = v.split('='); return lk in (n.labels ?? {}) && (lv === undefined || n.labels![lk] === lv); });
        else throw invalidArgument(`invalid network filter "${f}"`);
      }
      if (o.quiet) return nets.forEach((n) => print(n.name));
      if (o.format === 'json') return print(JSON.stringify(nets, null, 4));
      const rows = nets.map((n) => ({ ...n, ID: n.id.slice(0, 12), Name: n.name, Driver: n.driver }));
      process.stdout.write(renderList(o.format, rows, { headers: { ID: 'NETWORK ID' }, defaultFormat: 'table {{.ID}}\t{{.Name}}\t{{.Driver}}' }));
    });
  group.command('inspect').description('Displays the network configuration for one or more networks')
    .option('-f, --format <format>', 'Pretty-print network to JSON or using a Go template', 'json')
    .argument('<networks...>')
    .action(function (this: Command, names: string[], o: Opts) {
      const e = engineFor(this);
      return printInspect(names, o.format, (n) => N.getNetwork(e, n));
    });
  group.command('rm').alias('remove').description('Remove networks')
    .option('-f, --force', 'remove any containers using network', false)
    .argument('<networks...>')
    .action(async function (this: Command, names: string[], o: Opts) {
      const e = engineFor(this);
      for (const n of names) {
        const cfg = N.getNetwork(e, n);
        const users = N.networkUsers(e, cfg.name);
        if (users.length && !o.force) {
          throw new HuskError('NETWORK_IN_USE', `"${cfg.name}" has associated containers with it. Use -f to forcibly delete containers and pods: network is being used`);
        }
        for (const id of users) await removeContainer(e, id, { force: true });
        N.removeNetworkConfig(e, cfg.name);
        print(cfg.name);
      }
    });
  group.command('exists').description('Check if network exists')
    .argument('<network>')
    .action(function (this: Command, name: string) {
      try {
        N.getNetwork(engineFor(this), name);
      } catch {
        process.exitCode = 1;
      }
    });
  group.command('prune').description('Remove all unused networks')
    .option('-f, --force', 'Do not prompt for confirmation', false)
    .action(function (this: Command) {
      const e = engineFor(this);
      for (const n of N.listNetworks(e)) {
        if (n.name === 'podman' || N.networkUsers(e, n.name).length) continue;
        N.removeNetworkConfig(e, n.name);
        print(n.name);
      }
    });
  group.command('connect').description('Connect a container to a network')
    .option('--alias <name>', 'network scoped alias for container', collect, [])
    .option('--ip <address>', 'set a static ipv4 address for this container network')
    .option('--mac-address <address>', 'set a static mac address for this container network')
    .argument('<network>').argument('<container>')
    .action(async function (this: Command, net: string, ctr: string, o: Opts) {
      const { connectNetwork } = await import('../engine/network/netconnect.ts');
      await connectNetwork(engineFor(this), net, ctr, { aliases: o.alias, ip: o.ip, mac: o.macAddress });
    });
  group.command('disconnect').description('Disconnect a container from a network')
    .option('-f, --force', 'force the container to disconnect from a network', false)
    .argument('<network>').argument('<container>')
    .action(async function (this: Command, net: string, ctr: string, o: Opts) {
      const { disconnectNetwork } = await import('../engine/network/netconnect.ts');
      await disconnectNetwork(engineFor(this), net, ctr, { force: o.force });
    });
  group.command('reload').description('Reload firewall rules for one or more containers')
    .option('-a, --all', 'reload network configuration of all containers', false)
    .argument('[containers...]')
    .action(async function (this: Command, names: string[], o: Opts) {
      if (!o.all && !names.length) throw invalidArgument('you must provide at least one name or id');
      if (o.all && names.length) throw invalidArgument('--all and containers cannot be used together');
      const { reloadNetworks } = await import('../engine/network/netconnect.ts');
      const results = await reloadNetworks(engineFor(this), names, o.all);
      await each(results.map((_, i) => String(i)), async (i) => {
        const r = results[Number(i)];
        if (r.error) throw r.error;
        print(r.id);
      });
    });
  program.addCommand(group);
}
