// Volume commands: create, ls, inspect, rm, prune, exists, export, import.
// Flags in, one call to the volumes API, Podman's output out.
import { registerVolumeMore } from './more.ts';
import { Command } from 'commander';
import { invalidArgument } from '../common/errors.ts';
import { parseFilters } from '../specgen/filters.ts';
import { collect, connectFor, parseUintFlag, print, printReports } from './common.ts';
import { renderList } from './format/index.ts';
import { printInspect } from './inspect.ts';

type Opts = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function kv(items: string[], flag: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const it of items) {
    const eq = it.indexOf('=');
    if (eq === 0) throw invalidArgument(`invalid --${flag} "${it}"`);
    if (eq < 0) out[it] = '';
    else out[it.slice(0, eq)] = it.slice(eq + 1);
  }
  return out;
}

export function register(program: Command): void {
  const group = new Command('volume').description('Manage volumes');
  registerVolumeMore(group);
  group.command('create').description('Create a new volume')
    .option('-l, --label <label>', 'Set metadata for a volume (e.g., --label mykey=value)', collect, [])
    .option('-o, --opt <opt>', 'Set driver specific options (type, device, o)', collect, [])
    .option('-d, --driver <driver>', 'Specify volume driver name', 'local')
    .option('--ignore', 'Don\'t fail if the volume already exists', false)
    .argument('[name]')
    .action(async function (this: Command, name: string | undefined, o: Opts) {
      const engine = await connectFor(this);
      const v = await engine.volumes.create({ name, driver: o.driver, labels: kv(o.label, 'label'), options: kv(o.opt, 'opt'), ignore: o.ignore });
      print(v.Name);
    });
  group.command('ls').alias('list').description('List volumes')
    .option('-f, --filter <filter>', 'Filter volume output', collect, [])
    .option('--format <format>', 'Format volume output using Go template')
    .option('-q, --quiet', 'Print volume output in quiet mode', false)
    .option('--noheading', 'Do not print headers', false)
    .action(async function (this: Command, o: Opts) {
      const vols = await (await connectFor(this)).volumes.list({ filters: parseFilters(o.filter) });
      if (o.quiet) return vols.forEach((v) => print(v.Name));
      process.stdout.write(renderList(o.format, vols, { headers: { Name: 'VOLUME NAME' }, defaultFormat: 'table {{.Driver}}\t{{.Name}}' }, { noHeading: o.noheading }));
    });
  group.command('inspect').description('Display detailed information on one or more volumes')
    .option('-f, --format <format>', 'Format volume output using a Go template', 'json')
    .option('-a, --all', 'Inspect all volumes', false)
    .argument('[names...]')
    .action(async function (this: Command, names: string[], o: Opts) {
      const engine = await connectFor(this);
      if (o.all) names = (await engine.volumes.list()).map((v) => v.Name);
      return printInspect(names, o.format, (n) => engine.volumes.inspect(n));
    });
  group.command('rm').alias('remove').description('Remove one or more volumes')
    .option('-f, --force', 'Remove a volume by force, even if it is being used by a container', false)
    .option('-a, --all', 'Remove all volumes', false)
    .option('-t, --time <seconds>', 'Seconds to wait for running containers to stop before killing the container', parseUintFlag('-t, --time'))
    .argument('[names...]')
    .action(async function (this: Command, names: string[], o: Opts) {
      const reports = await (await connectFor(this)).volumes.remove(names, { all: o.all, force: o.force, timeout: o.time });
      // Podman: 1 for an unknown volume, 2 for one in use.
      printReports(reports, { exitCodes: { NO_SUCH_VOLUME: 1, VOLUME_IN_USE: 2 } });
    });
  group.command('prune').description('Remove all unused volumes')
    .option('-f, --force', 'Do not prompt for confirmation', false)
    .option('--filter <filter>', 'Provide filter values (e.g. label=<key>=<value>)', collect, [])
    .action(async function (this: Command, o: Opts) {
      const reports = await (await connectFor(this)).volumes.prune({ filters: parseFilters(o.filter) });
      printReports(reports.map((r) => ({ id: r.id, rawInput: r.id, error: r.error })));
    });
  group.command('exists').description('Check if a volume exists')
    .argument('<name>')
    .action(async function (this: Command, name: string) {
      if (!(await (await connectFor(this)).volumes.exists(name))) process.exitCode = 1;
    });
  group.command('export').description('Export volumes to a tar archive')
    .option('-o, --output <file>', 'Write to a specified file (default: stdout, which must not be a terminal)')
    .argument('<name>')
    .action(async function (this: Command, name: string, o: Opts) {
      if (!o.output && process.stdout.isTTY) throw invalidArgument('expected an --output file: refusing to write a tar archive to a terminal');
      const engine = await connectFor(this);
      if (!o.output) return engine.volumes.export(name, process.stdout);
      // Checked before the file is created, so an unknown volume leaves no empty archive.
      await engine.volumes.inspect(name);
      const { createWriteStream } = await import('node:fs');
      const out = createWriteStream(o.output);
      try {
        await engine.volumes.export(name, out);
      } finally {
        await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
      }
    });
  group.command('import').description('Import a tarball contents into a volume')
    .argument('<name>').argument('<source>', 'tar archive, or - for stdin')
    .action(async function (this: Command, name: string, source: string) {
      const engine = await connectFor(this);
      await engine.volumes.inspect(name);
      const { createReadStream } = await import('node:fs');
      await engine.volumes.import(name, source === '-' ? process.stdin : createReadStream(source));
    });
  program.addCommand(group);
}
