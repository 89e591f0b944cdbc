// `husk container checkpoint` and `husk container restore`: flags as
// Podman 4.3's, checked in the same order with the same words, then one
// engine call; each container's name or ID as given is printed, or with
// --print-stats Podman's statistics JSON.
import { Command } from 'commander';
import { invalidArgument } from '../common/errors.ts';
import type { CheckpointReport } from '../engine/container/api.ts';
import { addLatestFlag, collect, connectFor, print, printReports } from './common.ts';

type Opts = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const COMPRESSIONS = ['gzip', 'none', 'zstd'];

function printStats(reports: CheckpointReport[], verb: 'checkpoint' | 'restore', started: number): void {
  const ok = reports.filter((r) => !r.error);
  print(JSON.stringify({
    [`podman_${verb}_duration`]: Math.round((performance.now() - started) * 1000),
    container_statistics: ok.map((r) => ({ Id: r.id, RawInput: r.rawInput, [`runtime_${verb}_duration`]: r.runtimeDuration ?? 0 })),
  }, null, 4));
  printReports(reports.filter((r) => r.error));
}

export function makeCheckpoint(): Command {
  return addLatestFlag(new Command('checkpoint').description('Checkpoint one or more containers'))
    .usage('[options] CONTAINER [CONTAINER...]')
    .option('-k, --keep', 'Keep all temporary checkpoint files', false)
    .option('-R, --leave-running', 'Leave the container running after writing checkpoint to disk', false)
    .option('--tcp-established', 'Checkpoint a container with established TCP connections', false)
    .option('--file-locks', 'Checkpoint a container with file locks', false)
    .option('-a, --all', 'Checkpoint all running containers', false)
    .option('-e, --export <file>', 'Export the checkpoint image to a tar.gz')
    .option('--ignore-rootfs', 'Do not include root file-system changes when exporting', false)
    .option('--ignore-volumes', 'Do not export volumes associated with container', false)
    .option('-P, --pre-checkpoint', "Dump container's memory information only, leave the container running", false)
    .option('--with-previous', 'Checkpoint container with pre-checkpoint images', false)
    .option('-c, --compress <algorithm>', 'Select compression algorithm (gzip, none, zstd) for checkpoint archive.', 'zstd')
    .option('--print-stats', 'Display checkpoint statistics', false)
    .argument('[containers...]')
    .action(async function (this: Command, names: string[], o: Opts) {
      const started = performance.now();
      if ((o.all || o.latest) && names.length) throw invalidArgument('--all, --latest and containers cannot be used together');
      if (!o.all && !o.latest && !names.length) throw invalidArgument('you must provide at least one name or id');
      if (this.getOptionValueSource('compress') === 'cli') {
        if (!o.export) throw invalidArgument('--compress can only be used with --export');
        if (!COMPRESSIONS.includes(String(o.compress).toLowerCase())) {
          throw invalidArgument(`selected compression algorithm ("${o.compress}") not supported. Please select one from: gzip, none, zstd`);
        }
      }
      if (!o.export && o.ignoreRootfs) throw invalidArgument('--ignore-rootfs can only be used with --export');
      if (!o.export && o.ignoreVolumes) throw invalidArgument('--ignore-volumes can only be used with --export');
      if (o.withPrevious && o.preCheckpoint) throw invalidArgument('--with-previous can not be used with --pre-checkpoint');
      const engine = await connectFor(this);
      const reports = await engine.containers.checkpoint(names, {
        all: o.all, latest: o.latest, keep: o.keep, leaveRunning: o.leaveRunning, tcpEstablished: o.tcpEstablished, fileLocks: o.fileLocks,
        export: o.export, ignoreRootfs: o.ignoreRootfs, ignoreVolumes: o.ignoreVolumes, preCheckpoint: o.preCheckpoint,
        withPrevious: o.withPrevious, compress: String(o.compress).toLowerCase() as 'none' | 'gzip' | 'zstd',
      });
      if (o.printStats) printStats(reports, 'checkpoint', started);
      else printReports(reports, { line: (r) => r.rawInput || r.id });
    });
}

export function makeRestore(): Command {
  return addLatestFlag(new Command('restore').description('Restore one or more containers from a checkpoint'))
    .usage('[options] CONTAINER|IMAGE [CONTAINER|IMAGE...]')
    .option('-a, --all', 'Restore all checkpointed containers', false)
    .option('-k, --keep', 'Keep all temporary checkpoint files', false)
    .option('--tcp-established', 'Restore a container with established TCP connections', false)
    .option('--file-locks', 'Restore a container with file locks', false)
    .option('-i, --import <file>', 'Restore from exported checkpoint archive (tar.gz)')
    .option('-n, --name <name>', 'Specify new name for container restored from exported checkpoint (only works with image or --import)')
    .option('--ignore-rootfs', 'Do not apply root file-system changes when importing from exported checkpoint', false)
    .option('--ignore-static-ip', 'Ignore IP address set via --static-ip', false)
    .option('--ignore-static-mac', 'Ignore MAC address set via --mac-address', false)
    .option('--ignore-volumes', 'Do not export volumes associated with container', false)
    .option('-p, --publish <port>', "Publish a container's port, or a range of ports, to the host (default [])", collect, [])
    .option('--pod <pod>', 'Restore container into existing Pod (only works with image or --import)')
    .option('--print-stats', 'Display restore statistics', false)
    .argument('[containers...]')
    .action(async function (this: Command, names: string[], o: Opts) {
      const started = performance.now();
      // The flag combinations with --import are the engine's to check (restoreContainers), for every front end.
      if (!o.import && (o.all || o.latest) && names.length) throw invalidArgument('--all or --latest and containers cannot be used together');
      if (!names.length && !o.all && !o.latest && !o.import) throw invalidArgument('you must provide at least one name or id');
      const engine = await connectFor(this);
      const reports = await engine.containers.restore(names, {
        all: o.all, latest: o.latest, keep: o.keep, tcpEstablished: o.tcpEstablished, fileLocks: o.fileLocks, import: o.import,
        name: o.name, ignoreRootfs: o.ignoreRootfs, ignoreVolumes: o.ignoreVolumes, ignoreStaticIP: o.ignoreStaticIp,
        ignoreStaticMAC: o.ignoreStaticMac, publish: o.publish, pod: o.pod,
      });
      if (o.printStats) printStats(reports, 'restore', started);
      else printReports(reports, { line: (r) => r.rawInput || r.id });
    });
}
