// Store maintenance commands of `husk system`: df, prune, reset, check and
// renumber. They parse flags, ask for confirmation where Podman does, call
// the engine and print its reports in Podman's layout.
import { Command, CommanderError } from 'commander';
import { HuskError, invalidArgument } from '../common/errors.ts';
import type { PruneReport } from '../engine/api.ts';
import type { SystemCheckReport, SystemDfReport } from '../engine/system/api.ts';
import { parseDuration } from '../specgen/duration.ts';
import { parseFilters } from '../specgen/filters.ts';
import { collect, connectFor, humanDuration, print } from './common.ts';
import { isJSONFormat, renderList } from './format/index.ts';

type Opts = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** go-units HumanSize: 4 significant digits, decimal units, no space ("7.34MB", "0B"). */
export function goHumanSize(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB', 'PB'];
  let v = bytes;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) { v /= 1000; i++; }
  return `${Number(v.toPrecision(4))}${units[i]}`;
}

/** One line of stdin (Podman's confirmation prompts); undefined at EOF. */
async function readLine(): Promise<string | undefined> {
  let buf = '';
  for await (const chunk of process.stdin) {
    buf += String(chunk);
    const nl = buf.indexOf('\n');
    if (nl >= 0) return buf.slice(0, nl + 1);
  }
  return buf || undefined;
}

/** Prints the prompt; true when the answer starts with y. EOF is Podman's error `EOF` (exit code `eofExit`). */
async function confirm(prompt: string, eofExit: number): Promise<boolean> {
  process.stdout.write(prompt);
  const answer = await readLine();
  if (answer === undefined) {
    throw eofExit === 125 ? new HuskError('ENGINE', 'EOF') : new CommanderError(eofExit, 'husk.exit', 'EOF');
  }
  return answer.toLowerCase().startsWith('y');
}

interface DfSummary { Type: string; Total: number; Active: number; RawSize: number; RawReclaimable: number; Size: string; Reclaimable: string; TotalCount: number }

function dfSummaries(r: SystemDfReport): DfSummary[] {
  const row = (Type: string, Total: number, Active: number, RawSize: number, RawReclaimable: number): DfSummary => {
    const pct = RawSize > 0 ? Math.round((RawReclaimable / RawSize) * 100) : 0;
    return { Type, Total, Active, RawSize, RawReclaimable, TotalCount: Total, Size: goHumanSize(RawSize), Reclaimable: `${goHumanSize(RawReclaimable)} (${pct}%)` };
  };
  // Podman: an image is active when a container uses it; what they use is not reclaimable.
  const seen = new Set<string>();
  let active = 0;
  let used = 0;
  for (const i of r.Images) {
    if (seen.has(i.ImageID)) continue;
    seen.add(i.ImageID);
    if (i.Containers > 0) { active++; used += i.UniqueSize; }
  }
  const running = r.Containers.filter((c) => c.Status === 'running');
  return [
    row('Images', r.Images.length, active, r.ImagesSize, r.ImagesSize - used),
    row('Containers', r.Containers.length, running.length, r.Containers.reduce((n, c) => n + c.RWSize, 0),
      r.Containers.filter((c) => c.Status !== 'running').reduce((n, c) => n + c.RWSize, 0)),
    row('Local Volumes', r.Volumes.length, r.Volumes.reduce((n, v) => n + v.Links, 0), r.Volumes.reduce((n, v) => n + v.Size, 0),
      r.Volumes.reduce((n, v) => n + v.ReclaimableSize, 0)),
  ];
}

function makeDf(): Command {
  return new Command('df').description('Show husk disk usage')
    .option('-v, --verbose', 'Show detailed information on disk usage', false)
    .option('--format <format>', 'Pretty-print images using a Go template')
    .action(async function (this: Command, o: Opts) {
      if (o.format !== undefined && o.verbose) throw invalidArgument('cannot combine --format and --verbose flags');
      const r = await (await connectFor(this)).system.df();
      if (!o.verbose) {
        const rows = dfSummaries(r);
        if (o.format !== undefined && isJSONFormat(o.format)) {
          const json = rows.map(({ Type, Total, Active, RawSize, RawReclaimable, TotalCount, Size, Reclaimable }) => ({ Type, Total, Active, RawSize, RawReclaimable, TotalCount, Size, Reclaimable }));
          print(JSON.stringify(json, null, 4));
        } else {
          process.stdout.write(renderList(o.format, rows, { headers: {}, defaultFormat: 'table {{.Type}}\t{{.Total}}\t{{.Active}}\t{{.Size}}\t{{.Reclaimable}}' }));
        }
        return;
      }
      const since = (t: string) => humanDuration(Date.now() - new Date(t).getTime());
      process.stdout.write('Images space usage:\n\n');
      process.stdout.write(renderList(undefined, r.Images.map((i) => ({
        ...i, ImageID: i.ImageID.slice(0, 12), Created: since(i.Created), Size: goHumanSize(i.Size), SharedSize: goHumanSize(i.SharedSize), UniqueSize: goHumanSize(i.UniqueSize),
      })), { headers: { ImageID: 'IMAGE ID', SharedSize: 'SHARED SIZE', UniqueSize: 'UNIQUE SIZE' }, defaultFormat: 'table {{.Repository}}\t{{.Tag}}\t{{.ImageID}}\t{{.Created}}\t{{.Size}}\t{{.SharedSize}}\t{{.UniqueSize}}\t{{.Containers}}' }));
      process.stdout.write('\nContainers space usage:\n\n');
      process.stdout.write(renderList(undefined, r.Containers.map((c) => ({
        ...c, ContainerID: c.ContainerID.slice(0, 12), Image: c.Image.slice(0, 12), Command: c.Command.join(' '), RWSize: goHumanSize(c.RWSize), Created: since(c.Created),
      })), { headers: { ContainerID: 'CONTAINER ID', LocalVolumes: 'LOCAL VOLUMES', RWSize: 'SIZE' }, defaultFormat: 'table {{.ContainerID}}\t{{.Image}}\t{{.Command}}\t{{.LocalVolumes}}\t{{.RWSize}}\t{{.Created}}\t{{.Status}}\t{{.Names}}' }));
      process.stdout.write('\nLocal Volumes space usage:\n\n');
      process.stdout.write(renderList(undefined, r.Volumes.map((v) => ({ ...v, Size: goHumanSize(v.Size) })),
        { headers: { VolumeName: 'VOLUME NAME' }, defaultFormat: 'table {{.VolumeName}}\t{{.Links}}\t{{.Size}}' }));
    });
}

/** Podman's utils.Print*PruneResults: a heading when anything went, one ID per line, errors last. */
function printPruned(heading: string, reports: PruneReport[], errors: string[]): void {
  if (reports.length) print(heading);
  for (const r of reports) {
    if (r.error) errors.push(r.error.message);
    else print(r.id);
  }
}

function makePrune(): Command {
  return new Command('prune').description('Remove unused data')
    .option('-a, --all', 'Remove all unused data', false)
    .option('-f, --force', 'Do not prompt for confirmation.  The default is false', false)
    .option('--volumes', 'Prune volumes', false)
    .option('--filter <filter>', "Provide filter values (e.g. 'label=<key>=<value>')", collect, [])
    .option('--external', 'Remove container data in storage not controlled by husk (husk keeps none: nothing to do)', false)
    .action(async function (this: Command, o: Opts) {
      if (o.external) return;
      const filters = parseFilters(o.filter);
      if (!o.force) {
        const vol = o.volumes ? '\n\t- all volumes not used by at least one container' : '';
        const text = o.all
          ? `WARNING! This command removes:\n\t- all stopped containers\n\t- all networks not used by at least one container${vol}\n\t- all images without at least one container associated with them\n\t- all build cache\n\n`
          : `WARNING! This command removes:\n\t- all stopped containers\n\t- all networks not used by at least one container${vol}\n\t- all dangling images\n\t- all dangling build cache\n\n`;
        if (!(await confirm(`${text}Are you sure you want to continue? [y/N] `, 125))) return;
      }
      const r = await (await connectFor(this)).system.prune({ all: o.all, volumes: o.volumes, filters });
      const errors: string[] = [];
      printPruned('Deleted Containers', r.containers, errors);
      printPruned('Deleted Pods', r.pods, errors);
      if (o.volumes) printPruned('Deleted Volumes', r.volumes, errors);
      printPruned('Deleted Images', r.images, errors);
      printPruned('Deleted Networks', r.networks, errors);
      print(`Total reclaimed space: ${goHumanSize(r.reclaimedSpace)}`);
      if (errors.length) {
        for (const m of errors.slice(0, -1)) process.stderr.write(`Error: ${m}\n`);
        throw new HuskError('ENGINE', errors.at(-1)!);
      }
    });
}

function makeReset(): Command {
  return new Command('reset').description('Reset husk storage')
    .option('-f, --force', 'Do not prompt for confirmation', false)
    .addHelpText('after', `
All containers will be stopped and removed, and all images, volumes,
networks and container content will be removed: the graph root and the run
root directories are deleted.`)
    .action(async function (this: Command, o: Opts) {
      const engine = await connectFor(this);
      if (!o.force) {
        const info = await engine.system.info().catch(() => undefined);
        const dirs = info ? `        - the graphRoot directory: ${JSON.stringify(info.store.graphRoot)}\n        - the runRoot directory: ${JSON.stringify(info.store.runRoot)}\n` : '';
        const prompt = 'WARNING! This will remove:\n        - all containers\n        - all pods\n        - all images\n        - all networks\n        - all build cache\n        - all machines\n        - all volumes\n';
        if (!(await confirm(`${prompt}${dirs}Are you sure you want to continue? [y/N] `, 1))) return;
      }
      await engine.system.reset();
    });
}

/** hashicorp/go-multierror's text, as Podman prints each damaged object's errors. */
function multiError(msgs: string[]): string {
  const n = msgs.length;
  return `${n} error${n === 1 ? '' : 's'} occurred:\n${msgs.map((m) => `\t* ${m}`).join('\n')}\n\n`;
}

function printCheck(r: SystemCheckReport): void {
  if (!r.errors) return;
  let out = '';
  for (const [id, msgs] of Object.entries(r.layers)) out += `Damaged layer ${id}:\n${multiError(msgs)}`;
  for (const id of r.removedLayers) out += `Deleted damaged layer: ${id}\n`;
  for (const [id, msgs] of Object.entries(r.images)) out += `Damaged image ${id}:\n${multiError(msgs)}`;
  for (const id of r.removedImages) out += `Deleted damaged image: ${id}\n`;
  for (const [id, msgs] of Object.entries(r.containers)) out += `Damaged container ${id}:\n${multiError(msgs)}`;
  for (const id of r.removedContainers) out += `Deleted damaged container: ${id}\n`;
  process.stdout.write(out);
}

function makeCheck(): Command {
  return new Command('check').description('Check storage consistency')
    .option('-f, --force', 'Remove inconsistent images and containers', false)
    .option('-m, --max <duration>', 'Maximum allowed age of unreferenced layers', '24h0m0s')
    .option('-q, --quick', 'Skip time-consuming checks. The default is to include time-consuming checks', false)
    .option('-r, --repair', 'Remove inconsistent images', false)
    .action(async function (this: Command, o: Opts) {
      const maxAge = parseDuration(o.max) / 1e6;
      const engine = await connectFor(this);
      const r = await engine.system.check({ repair: o.repair, force: o.force, maxAge, quick: o.quick });
      printCheck(r);
      if (!o.repair && !o.force) {
        if (r.errors) throw new HuskError('ENGINE', 'damage detected in local storage');
        return;
      }
      if ((await engine.system.check({ maxAge, quick: o.quick })).errors) throw new HuskError('ENGINE', 'damage in local storage still present after repair attempt');
    });
}

function makeRenumber(): Command {
  return new Command('renumber').description('Migrate lock numbers')
    .addHelpText('after', `
Podman reallocates its lock numbers after num_locks changed. husk's locks are
files named after each object, so there is nothing to renumber: the command
succeeds and changes nothing.`)
    .action(async function (this: Command) {
      await (await connectFor(this)).system.renumber();
    });
}

export function registerStoreCommands(group: Command): void {
  for (const make of [makeDf, makePrune, makeReset, makeCheck, makeRenumber]) group.addCommand(make());
}
