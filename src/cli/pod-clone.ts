// `husk pod clone`: flags → engine.pods.clone → the new pod's ID.
import { Command } from 'commander';
import { collect, connectFor, parseLabels, print } from './common.ts';

type Opts = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export function makePodClone(): Command {
  return new Command('clone').description('Clone an existing pod')
    .usage('[options] POD NAME')
    .option('-n, --name <name>', 'Name of the copy (default: POD-clone)')
    .option('--destroy', 'Destroy the original pod', false)
    .option('--start', 'Start the copy', false)
    .option('--label <label>', 'Set metadata on the pod (added to the original\'s)', collect, [])
    .option('--hostname <name>', 'Set the pod\'s hostname')
    .argument('<pod>')
    .argument('[name]')
    .action(async function (this: Command, ref: string, name: string | undefined, o: Opts) {
      const engine = await connectFor(this);
      const pod = await engine.pods.clone(ref, { name: o.name ?? name, labels: parseLabels(o.label), hostname: o.hostname, destroy: o.destroy, start: o.start });
      print(pod.id);
    });
}
