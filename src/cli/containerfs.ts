// Container filesystem commands: cp, diff, commit, export, and the container
// group's mount and unmount. The engine loads its tar and zlib code only for
// these calls, so registering them costs every other container command
// (conmon's `container cleanup` included) nothing.
import { createWriteStream, writeFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { HuskError, invalidArgument } from '../common/errors.ts';
import type { FileChange } from '../engine/container/api.ts';
import { addLatestFlag, checkAllLatest, collect, connectFor, latestContainer, print } from './common.ts';
import { isJSONFormat } from './format/index.ts';
import { tabulate } from './format/table.ts';

type Opts = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * Podman's boolean flags accept "--flag=false". Declared with an optional
 * value, commander also takes the next word for one ("cp -a SRC DEST"); a
 * value that is not a boolean is handed back to the positional arguments.
 */
function takeBool(value: unknown, dflt: boolean, args: string[]): boolean {
  if (typeof value === 'boolean') return value;
  if (value === undefined) return dflt;
  const s = String(value).replace(/^=/, '');
  if (/^(true|false)$/i.test(s)) return s.toLowerCase() === 'true';
  args.unshift(String(value));
  return true;
}

function arity(args: string[], min: number, max: number, usage: string): void {
  if (args.length < min || args.length > max) throw invalidArgument(`${usage}: requires ${min === max ? `exactly ${min}` : `${min} to ${max}`} arguments, got ${args.length}`);
}

function makeCp(): Command {
  return new Command('cp').description('Copy files/folders between a container and the local filesystem')
    .usage('[options] [CONTAINER:]SRC_PATH [CONTAINER:]DEST_PATH')
    .option('-a, --archive [bool]', 'Chown copied files to the primary uid/gid of the destination container (default true)')
    .option('--overwrite', 'Allow to overwrite directories with non-directories and vice versa', false)
    .argument('[paths...]')
    .action(async function (this: Command, paths: string[], o: Opts) {
      const archive = takeBool(o.archive, true, paths);
      arity(paths, 2, 2, 'cp');
      let [src, dest] = paths as [string, string];
      // Podman: "-" evaluates to /dev/stdin as a source (065-cp.bats), a tar stream either way.
      if (src === '/dev/stdin') src = '-';
      await (await connectFor(this)).containers.copy(src, dest, {
        archive, overwrite: o.overwrite,
        stdin: src === '-' ? process.stdin : undefined, stdout: dest === '-' ? process.stdout : undefined,
      });
    });
}

export function printChanges(list: FileChange[], format: string | undefined): void {
  if (format === 'json') {
    // Podman leaves out empty lists.
    const by = (k: FileChange['kind']) => list.filter((c) => c.kind === k).map((c) => c.path);
    const out: Record<string, string[]> = {};
    for (const [key, kind] of [['changed', 'C'], ['added', 'A'], ['deleted', 'D']] as const) if (by(kind).length) out[key] = by(kind);
    print(JSON.stringify(out, null, 4));
    return;
  }
  if (format) throw invalidArgument(`invalid --format "${format}": only json is supported`);
  if (list.length) process.stdout.write(list.map((c) => `${c.kind} ${c.path}\n`).join(''));
}

function makeDiff(containersOnly: boolean): Command {
  return addLatestFlag(new Command('diff').description(containersOnly ? 'Inspect changes to the container\'s file systems' : 'Display the changes to the object\'s file system'))
    .usage(containersOnly ? '[options] CONTAINER' : '[options] {CONTAINER|IMAGE}')
    .option('--format <format>', 'Change the output format (json)')
    .argument('[ref]')
    .action(async function (this: Command, ref: string | undefined, o: Opts) {
      if (ref !== undefined && o.latest) throw invalidArgument('--latest and containers cannot be used together');
      if (ref === undefined && !o.latest) {
        const path: string[] = [];
        for (let c: Command | null = this; c; c = c.parent) path.unshift(c.name());
        throw invalidArgument(`"${path.join(' ')}" requires a name, id, or the "--latest" flag`);
      }
      const engine = await connectFor(this);
      if (o.latest) ref = await latestContainer(engine).catch((err) => Promise.reject(new HuskError(err.code, `unable to get latest container: ${err.message}`)));
      // `diff` also takes an image: its top layer against the ones below.
      const list = await engine.containers.diff(ref!, { images: !containersOnly && !o.latest });
      printChanges(list, o.format);
    });
}

function makeCommit(): Command {
  return new Command('commit').description('Create new image based on the changed container')
    .usage('[options] CONTAINER [IMAGE]')
    .option('-c, --change <instruction>', 'Apply the following possible instructions to the created image: CMD | ENTRYPOINT | ENV | EXPOSE | LABEL | STOPSIGNAL | USER | VOLUME | WORKDIR', collect, [])
    .option('-m, --message <message>', 'Set commit message for imported image')
    .option('-a, --author <author>', 'Set the author for the image committed')
    .option('-p, --pause [bool]', 'Pause container during commit (default true)')
    .option('-q, --quiet', 'Suppress output', false)
    .option('--iidfile <file>', 'Write the image ID to the file')
    .option('--include-volumes', 'Include container volumes as image volumes', false)
    .option('-s, --squash', 'squash newly built layers into a single new layer', false)
    .option('-f, --format <format>', 'Format of the image manifest and metadata (oci)', 'oci')
    .argument('[args...]')
    .action(async function (this: Command, args: string[], o: Opts) {
      const pause = takeBool(o.pause, true, args);
      arity(args, 1, 2, 'commit');
      if (o.format !== 'oci' && o.format !== 'docker') throw invalidArgument(`unrecognized image type "${o.format}"`);
      const id = await (await connectFor(this)).containers.commit(args[0]!, {
        name: args[1], changes: o.change, message: o.message, author: o.author, pause, includeVolumes: o.includeVolumes, format: o.format, squash: o.squash,
      });
      if (o.iidfile) writeFileSync(o.iidfile, `sha256:${id}`);
      print(id);
    });
}

function makeExport(): Command {
  return new Command('export').description('Export container\'s filesystem contents as a tar archive')
    .option('-o, --output <file>', 'Write to a specified file (default: stdout, which must be redirected)')
    .argument('<container>')
    .action(async function (this: Command, ref: string, o: Opts) {
      if (!o.output && process.stdout.isTTY) throw invalidArgument('refusing to export to terminal. Use -o flag or redirect');
      const engine = await connectFor(this);
      if (!o.output) {
        await engine.containers.export(ref, process.stdout);
        return;
      }
      const out = createWriteStream(o.output);
      const closed = new Promise<void>((resolve, reject) => out.once('close', resolve).once('error', reject));
      try {
        await engine.containers.export(ref, out);
      } finally {
        out.end();
      }
      await closed;
    });
}

function makeMount(): Command {
  return addLatestFlag(new Command('mount').description('Mount a working container\'s root filesystem'))
    .option('-a, --all', 'Mount all containers', false)
    .option('--no-trunc', 'Do not truncate output')
    // Podman 4's spelling, still taken (its utils.AliasFlags).
    .addOption(new Option('--notruncate', 'Do not truncate output').hideHelp())
    .option('--format <format>', 'Print the mounted containers in the specified format (json)')
    .argument('[containers...]')
    .action(async function (this: Command, refs: string[], o: Opts) {
      // No name lists the mounts, so only the pairs of Podman's checks apply.
      if (o.all || o.latest) checkAllLatest(refs, o);
      const engine = await connectFor(this);
      const c = engine.containers;
      if (o.latest) refs = [await latestContainer(engine)];
      if (o.all) refs = (await c.list({ all: true })).map((x) => x.config.id);
      if (!refs.length) {
        // No container named: list what is mounted, as Podman does (ID, then mount point, through its tabwriter).
        const list = await c.mounted();
        if (o.format) {
          if (!isJSONFormat(o.format)) throw invalidArgument(`unknown --format argument: "${o.format}"`);
          return print(JSON.stringify(list.map((m) => ({ id: m.id, Names: [m.name], mountpoint: m.path })), null, 1));
        }
        const full = o.trunc === false || o.notruncate;
        process.stdout.write(tabulate(list.map((m) => `${full ? m.id : m.id.slice(0, 12)}\t${m.path}`)));
        return;
      }
      for (const r of refs) print(await c.mount(r));
    });
}

function makeUnmount(): Command {
  return addLatestFlag(new Command('unmount').aliases(['umount']).description('Unmount working container\'s root filesystem'))
    .option('-a, --all', 'Unmount all of the currently mounted containers', false)
    .option('-f, --force', 'Force the complete unmount of the specified mounted containers', false)
    .argument('[containers...]')
    .action(async function (this: Command, refs: string[], o: Opts) {
      checkAllLatest(refs, o);
      const engine = await connectFor(this);
      const c = engine.containers;
      if (o.latest) refs = [await latestContainer(engine)];
      if (o.all) refs = (await c.list({ all: true })).filter((x) => x.state.mounted && !['running', 'paused'].includes(x.state.status)).map((x) => x.config.id);
      for (const r of refs) print(await c.unmount(r, { force: o.force }));
    });
}

/** Top-level cp, diff, commit and export (plus mount/umount/unmount, which Podman also has at the top). */
export function register(program: Command): void {
  program.addCommand(makeCp());
  program.addCommand(makeDiff(false));
  program.addCommand(makeCommit());
  program.addCommand(makeExport());
  program.addCommand(makeMount());
  program.addCommand(makeUnmount());
}

/** The same commands under `container`, plus mount and unmount/umount. */
export function registerGroup(group: Command): void {
  group.addCommand(makeCp());
  group.addCommand(makeDiff(true));
  group.addCommand(makeCommit());
  group.addCommand(makeExport());
  group.addCommand(makeMount());
  group.addCommand(makeUnmount());
}

