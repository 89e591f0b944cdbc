// Smaller Podman commands registered into existing groups: image diff,
// volume mount/unmount/reload, network update. Flags → one engine call → output.
import { Command } from 'commander';
import { connectFor, each, print } from './common.ts';
import { printChanges } from './containerfs.ts';

type Opts = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export function makeImageDiff(): Command {
  return new Command('diff').description('Inspect changes to the image\'s file systems')
    .usage('[options] IMAGE [IMAGE]')
    .option('--format <format>', 'Change the output format (json)')
    .argument('<image>')
    .action(async function (this: Command, ref: string, o: Opts) {
      printChanges(await (await connectFor(this)).containers.diff(ref, { imageOnly: true }), o.format);
    });
}

export function registerVolumeMore(group: Command): void {
  group.addCommand(new Command('mount').description('Mount volume')
    .usage('[options] VOLUME [VOLUME...]')
    .argument('<volumes...>')
    .action(async function (this: Command, names: string[]) {
      const engine = await connectFor(this);
      // One volume: its mountpoint; several: NAME MOUNTPOINT per line (Podman's layout).
      await each(names, async (n) => {
        const path = await engine.volumes.mount(n);
        print(names.length === 1 ? path : `${n} ${path}`);
      });
    }));
  group.addCommand(new Command('unmount').alias('umount').description('Unmount volume')
    .usage('[options] VOLUME [VOLUME...]')
    .argument('<volumes...>')
    .action(async function (this: Command, names: string[]) {
      const engine = await connectFor(this);
      await each(names, async (n) => {
        await engine.volumes.unmount(n);
        print(n);
      });
    }));
  group.addCommand(new Command('reload').description('Reload all volumes from volume plugins')
    .addHelpText('after', '\nhusk has only the local volume driver: there are no plugins to reload from.')
    .action(async function (this: Command) {
      const r = await (await connectFor(this)).volumes.reload();
      if (r.added.length) print(`Added:\n${r.added.join('\n')}`);
      if (r.removed.length) print(`Removed:\n${r.removed.join('\n')}`);
    }));
}


export function makeNetworkUpdate(): Command {
  const list = (v: string, prev: string[] = []) => [...prev, ...v.split(',').filter(Boolean)];
  return new Command('update').description('Update an existing husk network')
    .usage('[options] NETWORK')
    .option('--dns-add <servers>', 'add network level nameservers', list, [])
    .option('--dns-drop <servers>', 'remove network level nameservers', list, [])
    .argument('<network>')
    .action(async function (this: Command, name: string, o: Opts) {
      await (await connectFor(this)).networks.update(name, { dnsAdd: o.dnsAdd, dnsDrop: o.dnsDrop });
      print(name);
    });
}
