// Volume commands: create, ls, inspect, rm, prune, exists, export, import.
import { spawn } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { Command } from 'commander';
import { HuskError, invalidArgument } from '../common/errors.ts';
import { extractLayer } from '../image/extract.ts';
import { removeContainer } from '../engine/container/lifecycle.ts';
import * as V from '../engine/volume/volumes.ts';
import { collect, each, engineFor, print } from './common.ts';
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

function volumeFilter(filters: string[]): (v: V.Volume) => boolean {
  const tests = filters.map((f) => {
    const eq = f.indexOf('=');
    const [k, val] = [f.slice(0, eq), f.slice(eq + 1)];
    switch (k) {
      case 'name': return (v: V.Volume) => v.Name.includes(val);
      case 'driver': return (v: V.Volume) => v.Driver === val;
      case 'label': {
        const [lk, lv] = val.split('=');
        return (v: V.Volume) => lk in v.Labels && (lv === undefined || v.Labels[lk] === lv);
      }
      case 'anonymous': return (v: V.Volume) => v.Anonymous === (val === 'true');
      default: throw invalidArgument(`invalid volume filter "${f}"`);
    }
  });
  return (v) => tests.every((t) => t(v));
}

export function register(program: Command): void {
  const group = new Command('volume').description('Manage volumes');
  group.command('create').description('Create a new volume')
    .option('-l, --label <label>', 'Set metadata for a volume (e.g., --label mykey=value)', collect, [])
    .option('-o, --opt <opt>', 'Set driver specific options (type, device, o)', collect, [])
    .option('-d, --driver <driver>', 'Specify volume driver name', 'local')
    .option('--ignore', 'Don\'t fail if the volume already exists', false)
    .argument('[name]')
    .action(function (this: Command, name: string | undefined, o: Opts) {
      if (o.driver !== 'local') throw invalidArgument(`volume driver "${o.driver}" is not supported (only local)`);
      const v = V.createVolume(engineFor(this), name, { labels: kv(o.label, 'label'), options: kv(o.opt, 'opt'), ignoreExisting: o.ignore });
      print(v.Name);
    });
  group.command('ls').alias('list').description('List volumes')
    .option('-f, --filter <filter>', 'Filter volume output', collect, [])
    .option('--format <format>', 'Format volume output using Go template')
    .option('-q, --quiet', 'Print volume output in quiet mode', false)
    .action(function (this: Command, o: Opts) {
      const vols = V.listVolumes(engineFor(this)).filter(volumeFilter(o.filter));
      if (o.quiet) return vols.forEach((v) => print(v.Name));
      process.stdout.write(renderList(o.format, vols, { headers: { Name: 'VOLUME NAME' }, defaultFormat: 'table {{.Driver}}\t{{.Name}}' }));
    });
  group.command('inspect').description('Display detailed information on one or more volumes')
    .option('-f, --format <format>', 'Format volume output using a Go template', 'json')
    .option('-a, --all', 'Inspect all volumes', false)
    .argument('[names...]')
    .action(function (this: Command, names: string[], o: Opts) {
      const e = engineFor(this);
      if (o.all) names = V.listVolumes(e).map((v) => v.Name);
      return printInspect(names, o.format, (n) => {
        const v = V.getVolume(e, n);
        return { ...v, MountCount: V.volumeUsers(e, n).length, NeedsChown: false };
      });
    });
  group.command('rm').alias('remove').description('Remove one or more volumes')
    .option('-f, --force', 'Remove a volume by force, even if it is being used by a container', false)
    .option('-a, --all', 'Remove all volumes', false)
    .argument('[names...]')
    .action(async function (this: Command, names: string[], o: Opts) {
      const e = engineFor(this);
      if (o.all) names = V.listVolumes(e).map((v) => v.Name);
      if (!names.length) throw invalidArgument('choose either one or more volumes or all');
      // Podman: 1 for an unknown volume, 2 for one in use.
      await each(names, async (n) => {
        await V.removeVolume(e, n, { force: o.force, removeUsers: (id) => removeContainer(e, id, { force: true }) });
        print(n);
      }, { NO_SUCH_VOLUME: 1, VOLUME_IN_USE: 2 });
    });
  group.command('prune').description('Remove all unused volumes')
    .option('-f, --force', 'Do not prompt for confirmation', false)
    .option('--filter <filter>', 'Provide filter values (e.g. label=<key>=<value>)', collect, [])
    .action(async function (this: Command, o: Opts) {
      const e = engineFor(this);
      for (const v of V.listVolumes(e).filter(volumeFilter(o.filter))) {
        if (V.volumeUsers(e, v.Name).length) continue;
        await V.removeVolume(e, v.Name);
        print(v.Name);
      }
    });
  group.command('exists').description('Check if a volume exists')
    .argument('<name>')
    .action(function (this: Command, name: string) {
      if (!V.volumeExists(engineFor(this), name)) process.exitCode = 1;
    });
  group.command('export').description('Export volumes to a tar archive')
    .option('-o, --output <file>', 'Write to a specified file (default: stdout, which must not be a terminal)')
    .argument('<name>')
    .action(async function (this: Command, name: string, o: Opts) {
      const v = V.getVolume(engineFor(this), name);
      if (!o.output && process.stdout.isTTY) throw invalidArgument('expected an --output file: refusing to write a tar archive to a terminal');
      await new Promise<void>((resolve, reject) => {
        const tar = spawn('tar', ['--numeric-owner', '--xattrs', '-C', v.Mountpoint, '-cf', o.output ?? '-', '.'], { stdio: ['ignore', 'inherit', 'inherit'] });
        tar.on('error', reject);
        tar.on('close', (code) => (code === 0 ? resolve() : reject(new HuskError('ENGINE', `exporting volume ${name}: tar exited ${code}`))));
      });
    });
  group.command('import').description('Import a tarball contents into a volume')
    .argument('<name>').argument('<source>', 'tar archive, or - for stdin')
    .action(async function (this: Command, name: string, source: string) {
      const v = V.getVolume(engineFor(this), name);
      // The same hardened extractor as image layers: nothing lands outside the volume.
      await extractLayer(source === '-' ? process.stdin : createReadStream(source), v.Mountpoint, { plain: true });
    });
  program.addCommand(group);
}
