// `husk pod clone`: flags → engine.pods.clone → the new pod's ID.
import { Command } from 'commander';
import { connectFor, print } from './common.ts';
import { addPodInfraFlags, podInfraFrom } from './podflags.ts';

type Opts = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export function makePodClone(): Command {
  return addPodInfraFlags(new Command('clone').description('Clone an existing pod')
    .usage('[options] POD NAME')
    .option('-n, --name <name>', 'name the new pod')
    .option('--destroy', 'destroy the original pod', false)
    .option('--start', 'start the new pod', false))
    .argument('<pod>')
    .argument('[name]')
    .action(async function (this: Command, ref: string, name: string | undefined, o: Opts) {
      // Labels are added to the original's; the other flags replace the original's settings.
      const { labels, resources, infraSpec } = await podInfraFrom(o);
      const engine = await connectFor(this);
      const pod = await engine.pods.clone(ref, {
        name: o.name ?? name, labels, hostname: o.hostname, destroy: o.destroy, start: o.start, resources, infraSpec,
        infraCommand: o.infraCommand ? [o.infraCommand] : undefined, infraName: o.infraName, infraConmonPidFile: o.infraConmonPidfile, cgroupParent: o.cgroupParent,
      });
      print(pod.id);
    });
}
