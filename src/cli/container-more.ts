// Container commands beyond the everyday ones: init and container clone.
// They parse flags, call the engine and print what it reports.
import { Command } from 'commander';
import { invalidArgument } from '../common/errors.ts';
import { connectFor, print, printReports } from './common.ts';
import { addResourceFlags, resourcesFrom } from './createflags.ts';

type Opts = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export function makeInit(): Command {
  return new Command('init').description('Initialize one or more containers')
    .usage('[options] CONTAINER [CONTAINER...]')
    .option('-a, --all', 'Initialize all containers', false)
    .option('-l, --latest', 'Act on the latest container husk is aware of', false)
    .addHelpText('after', `
Prepares each container as start would (mounts, network, OCI spec, conmon
and the runtime's create) without starting its process: its state is then
"initialized", and start runs it.`)
    .argument('[containers...]')
    .action(async function (this: Command, names: string[], o: Opts) {
      if ((o.all || o.latest) && names.length) throw invalidArgument('--all, --latest and containers cannot be used together');
      const engine = await connectFor(this);
      printReports(await engine.containers.init(names, { all: o.all, latest: o.latest }));
    });
}

export function makeClone(): Command {
  return addResourceFlags(new Command('clone').description('Clone an existing container'))
    .usage('[options] CONTAINER NAME IMAGE')
    .option('--name <name>', 'Name of the copy (default: CONTAINER-clone)')
    .option('--destroy', 'Destroy the original container', false)
    .option('-f, --force', 'Force removal of the original container (with --destroy)', false)
    .option('--run', 'Start the copy', false)
    .option('--pod <pod>', 'Run the copy in this pod')
    .argument('<container>')
    .argument('[name]')
    .argument('[image]')
    .action(async function (this: Command, ref: string, name: string | undefined, image: string | undefined, o: Opts) {
      if (o.force && !o.destroy) throw invalidArgument('--force can only be used with --destroy');
      const { restartPolicy, ...resources } = resourcesFrom(o);
      const engine = await connectFor(this);
      const copy = await engine.containers.clone(ref, {
        name: o.name ?? name, image, destroy: o.destroy, force: o.force, run: o.run,
        overrides: { ...resources, restartPolicy, pod: o.pod },
      });
      print(copy.config.id);
    });
}
