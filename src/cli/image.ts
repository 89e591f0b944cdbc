// Image commands over the local store: images, rmi, import, load, save,
// tag, inspect... They parse flags, call the images domain of the engine and
// format what it returns.
import { makeImageDiff } from './more.ts';
import { Command } from 'commander';
import { invalidArgument } from '../common/errors.ts';
import type { ImageRemoveReport, ImageSummary, ImageTreeNode } from '../engine/image/api.ts';
import { parseFilters } from '../specgen/filters.ts';
import { makeBuild } from './build.ts';
import { ago, collect, connectFor, humanSize, print, printReports } from './common.ts';
import { isJSONFormat, renderList } from './format/index.ts';
import { tabulate } from './format/table.ts';
import { printInspect } from './inspect.ts';
import { registerGroup as registerRegistryGroup } from './registry.ts';
import { makeSign, makeTrust } from './trust.ts';
import { makeScp } from './scp.ts';

type Opts = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** REPOSITORY and TAG columns of a stored (fully-qualified) name; a name pinned by digest only has no tag. */
function repoTag(name: string): { repository: string; tag: string } {
  const base = name.split('@')[0];
  const colon = base.lastIndexOf(':');
  if (colon > base.lastIndexOf('/')) return { repository: base.slice(0, colon), tag: base.slice(colon + 1) };
  return { repository: base, tag: name.includes('@') ? '<none>' : 'latest' };
}

/** Go's time.String() in UTC, as Podman prints .CreatedAt: `2024-10-11 00:00:00 +0000 UTC`. */
function goTime(iso: string): string {
  return `${new Date(iso).toISOString().slice(0, 19).replace('T', ' ')} +0000 UTC`;
}

function imageRows(images: ImageSummary[], o: Opts) {
  const rows = [];
  for (const img of images) {
    const names = img.RepoTags.length ? img.RepoTags : [undefined];
    for (const n of names) {
      const { repository, tag } = n ? repoTag(n) : { repository: '<none>', tag: '<none>' };
      rows.push({
        Repository: repository, Tag: tag, ID: o.trunc === false ? `sha256:${img.Id}` : img.Id.slice(0, 12), Id: img.Id,
        Digest: img.Digest, Created: ago(img.Created), CreatedAt: goTime(img.Created), CreatedSince: ago(img.Created),
        Size: humanSize(img.Size), VirtualSize: img.Size, Names: img.RepoTags, Labels: img.Labels,
        Dangling: img.Dangling, Containers: img.Containers, ReadOnly: false, History: (img.History ?? img.RepoTags).join(', '),
      });
    }
  }
  return rows;
}

const SORT_FIELDS = ['created', 'id', 'repository', 'size', 'tag'];

/** Podman's --sort keys: created newest first, the others ascending. */
function sortRows(rows: ReturnType<typeof imageRows>, images: ImageSummary[], key: string) {
  const byId = new Map(images.map((i) => [i.Id, i]));
  const val = (r: (typeof rows)[number]): string | number => {
    const img = byId.get(r.Id)!;
    if (key === 'id') return r.Id;
    if (key === 'repository') return r.Repository;
    if (key === 'tag') return r.Tag;
    if (key === 'size') return img.Size;
    return -new Date(img.Created).getTime();
  };
  return rows.sort((a, b) => { const x = val(a); const y = val(b); return x < y ? -1 : x > y ? 1 : 0; });
}

function makeImages(name = 'images'): Command {
  return new Command(name).description('List images in local storage')
    .option('-a, --all', 'Show all images (default hides intermediate images)', false)
    .option('-q, --quiet', 'Display only image IDs', false)
    .option('--digests', 'Show digests', false)
    .option('--no-trunc', 'Do not truncate output')
    .option('--format <format>', 'Change the output format to JSON or a Go template')
    .option('-f, --filter <filter>', 'Filter output based on conditions provided', collect, [])
    .option('-n, --noheading', 'Do not print column headings', false)
    .option('--sort <field>', `Sort by ${SORT_FIELDS.join(', ')}`, 'created')
    .option('--history', 'Display the image name history', false)
    .argument('[reference]')
    .action(async function (this: Command, ref: string | undefined, o: Opts) {
      if (!SORT_FIELDS.includes(o.sort)) throw invalidArgument(`"${o.sort}" is not a valid field for sorting. Choose from: ${SORT_FIELDS.join(', ')}`);
      const engine = await connectFor(this);
      let images = await engine.images.list({ all: o.all, filters: parseFilters(o.filter) });
      if (ref) {
        const id = await engine.images.get(ref).then((i) => i.id, () => undefined);
        images = images.filter((i) => i.Id === id);
      }
      const rows = sortRows(imageRows(images, o), images, o.sort);
      if (o.quiet) return [...new Set(rows.map((r) => r.ID))].forEach((id) => print(id));
      if (o.format === 'json') {
        const order = [...new Set(rows.map((r) => r.Id))];
        images = order.map((id) => images.find((i) => i.Id === id)!);
        return print(JSON.stringify(images.map((i) => ({
          Id: i.Id, Digest: i.Digest, RepoTags: i.RepoTags, Size: i.Size, Created: Math.floor(new Date(i.Created).getTime() / 1000),
          Labels: Object.keys(i.Labels).length ? i.Labels : null, Names: i.RepoTags, Dangling: i.Dangling, History: i.History,
        })), null, 4));
      }
      const def = `table {{.Repository}}\t{{.Tag}}${o.digests ? '\t{{.Digest}}' : ''}\t{{.ID}}\t{{.Created}}\t{{.Size}}${o.history ? '\t{{if .History}}{{.History}}{{else}}<none>{{end}}' : ''}`;
      let out = renderList(o.format, rows, { headers: { ID: 'IMAGE ID', CreatedSince: 'CREATED' }, defaultFormat: def });
      if (o.noheading && (!o.format || o.format.startsWith('table'))) out = out.split('\n').slice(1).join('\n');
      process.stdout.write(out);
    });
}

function makeRmi(name = 'rmi'): Command {
  return new Command(name).description('Remove one or more images from local storage')
    .option('-f, --force', 'Force removal of the image and any containers using it', false)
    .option('-a, --all', 'Remove all images', false)
    .option('-i, --ignore', 'Ignore errors if a specified image does not exist', false)
    .option('--no-prune', 'Do not remove dangling images')
    .argument('[images...]')
    .action(async function (this: Command, refs: string[], o: Opts) {
      const reports = await (await connectFor(this)).images.remove(refs, { force: o.force, all: o.all, ignore: o.ignore, noPrune: o.prune === false });
      // Podman: 1 when an image is unknown, 2 when in use, 125 otherwise.
      printReports(reports, {
        line: (r) => {
          const rep = r as ImageRemoveReport;
          const lines = [...rep.untagged.map((u) => `Untagged: ${u}`), ...(rep.deleted ? [`Deleted: ${rep.deleted}`] : []), ...(rep.pruned ?? []).map((p) => `Deleted: ${p}`)];
          return lines.length ? lines.join('\n') : undefined;
        },
        exitCodes: { NO_SUCH_IMAGE: 1, IMAGE_IN_USE: 2 },
      });
    });
}

function makeImport(): Command {
  return new Command('import').description('Import a tarball to create a filesystem image')
    .option('-c, --change <instruction>', 'Apply the following possible instructions to the created image: CMD | ENTRYPOINT | ENV | EXPOSE | LABEL | STOPSIGNAL | USER | VOLUME | WORKDIR', collect, [])
    .option('-m, --message <message>', 'Set commit message for imported image')
    .option('-q, --quiet', 'Suppress output', false)
    .option('--arch <arch>', 'Set the architecture of the imported image')
    .option('--os <os>', 'Set the OS of the imported image')
    .option('--variant <variant>', 'Set the variant of the imported image')
    .argument('<path>', 'tarball of a root filesystem (plain, gzip or zstd)')
    .argument('[reference]', 'name for the image')
    .action(async function (this: Command, path: string, ref: string | undefined, o: Opts) {
      const img = await (await connectFor(this)).images.import(path, { reference: ref, changes: o.change, message: o.message, arch: o.arch, os: o.os, variant: o.variant });
      print(`sha256:${img.id}`);
    });
}

function makeLoad(): Command {
  return new Command('load').description('Load image(s) from a tar archive or OCI layout directory')
    .option('-i, --input <path>', 'Read from specified archive file (default: stdin)')
    .option('-q, --quiet', 'Suppress the output', false)
    .action(async function (this: Command, o: Opts) {
      if (!o.input && process.stdin.isTTY) throw invalidArgument('cannot read from terminal, use command-line redirection or the --input flag');
      const imgs = await (await connectFor(this)).images.load(o.input ?? process.stdin);
      for (const img of imgs) print(`Loaded image: ${img.names.length ? img.names.join(', ') : `sha256:${img.id}`}`);
    });
}

function makeSave(): Command {
  return new Command('save').description('Save image(s) to an archive')
    .option('-o, --output <path>', 'Write to a specified file (default: stdout, which must not be a terminal)')
    .option('--format <format>', 'Save image to oci-archive, oci-dir (directory with oci manifest type), docker-archive', 'docker-archive')
    .option('-m, --multi-image-archive', 'Interpret additional arguments as images not tags and create a multi-image-archive (only for docker-archive)', false)
    .option('-q, --quiet', 'Suppress the output', false)
    .option('--compress', 'Compress tarball image layers when saving to a directory using the \'dir\' transport', false)
    .option('--uncompressed', 'Accept uncompressed layers when copying OCI images', false)
    .argument('<images...>')
    .action(async function (this: Command, refs: string[], o: Opts) {
      if (!['docker-archive', 'oci-archive', 'oci-dir'].includes(o.format)) throw invalidArgument(`unsupported format "${o.format}" for save: use docker-archive, oci-archive or oci-dir`);
      if (!o.output && process.stdout.isTTY) throw invalidArgument('refusing to save to terminal. Use -o flag or redirect');
      await (await connectFor(this)).images.save(refs, o.output ?? process.stdout, { format: o.format, uncompressed: o.uncompressed });
    });
}

function makeHistory(): Command {
  return new Command('history').description('Show history of a specified image')
    .option('-H, --human [bool]', 'Display sizes and dates in human readable format', (v) => v !== 'false', true)
    .option('--no-trunc', 'Do not truncate the output')
    .option('-q, --quiet', 'Display the numeric IDs only', false)
    .option('--format <format>', 'Change the output to JSON or a Go template')
    .argument('<image>')
    .action(async function (this: Command, ref: string, o: Opts) {
      const hist = await (await connectFor(this)).images.history(ref);
      const rows = hist.map((h) => ({
        ID: h.id === '<missing>' || o.trunc === false ? h.id : h.id.slice(0, 12),
        Created: o.human ? ago(h.created) : h.created, CreatedAt: h.created,
        CreatedBy: o.trunc === false || h.createdBy.length <= 45 ? h.createdBy : `${h.createdBy.slice(0, 42)}...`,
        Size: o.human ? humanSize(h.size) : String(h.size), Comment: h.comment, Tags: h.tags,
      }));
      if (o.quiet) return rows.forEach((r) => print(r.ID));
      // Podman prints the layers themselves as json, with their own lower-case keys.
      if (o.format === 'json') {
        return print(JSON.stringify(hist.map((h) => ({ id: h.id, created: h.created, createdBy: h.createdBy, size: h.size, comment: h.comment, tags: h.tags })), null, 4));
      }
      process.stdout.write(renderList(o.format, rows, {
        headers: { CreatedBy: 'CREATED BY' }, defaultFormat: 'table {{.ID}}\t{{.Created}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}',
      }));
    });
}

function makePrune(): Command {
  return new Command('prune').description('Remove unused images')
    .option('-a, --all', 'Remove all images not in use by containers, not just dangling ones', false)
    .option('-f, --force', 'Do not prompt for confirmation', false)
    .option('--filter <filter>', 'Provide filter values (e.g. \'label=<key>=<value>\')', collect, [])
    // husk's store has no containers of other tools (Buildah's): nothing more to remove.
    .option('--external', 'Remove images even when they are used by external containers (e.g., by build containers)', false)
    .action(async function (this: Command, o: Opts) {
      const reports = await (await connectFor(this)).images.prune({ all: o.all, filters: parseFilters(o.filter) });
      printReports(reports.map((r) => ({ id: r.id, rawInput: r.id, error: r.error })), { line: (r) => r.id });
    });
}

/** gotree's drawing: each item under its parent with ├── / └── and │ for the levels still open. */
function drawTree(items: { text: string; children: { text: string; children: unknown[] }[] }[], indent = ''): string[] {
  const lines: string[] = [];
  items.forEach((it, i) => {
    const last = i === items.length - 1;
    lines.push(`${indent}${last ? '└── ' : '├── '}${it.text}`);
    lines.push(...drawTree(it.children as typeof items, `${indent}${last ? '    ' : '│   '}`));
  });
  return lines;
}

function makeTree(): Command {
  return new Command('tree').description('Print the layer hierarchy of an image in a tree format')
    .option('--whatrequires', 'Show all child images and layers of the specified image', false)
    .argument('<image>')
    .action(async function (this: Command, ref: string, o: Opts) {
      const t = await (await connectFor(this)).images.tree(ref, { whatRequires: o.whatrequires });
      const lines = [`Image ID: ${t.id.slice(0, 12)}`, `Tags:     [${t.names.join(' ')}]`, `Size:     ${humanSize(t.size)}`, t.layers.length ? 'Image Layers' : 'No Image Layers'];
      if (t.requiredBy) {
        // As libimage's imageTreeTraverseChildren: a layer with one child or none does not nest it.
        type Item = { text: string; children: Item[] };
        const add = (n: ImageTreeNode, into: Item[]) => {
          const item: Item = { text: `ID: ${n.id.slice(7, 19)} Size: ${humanSize(n.size)}${n.names.length ? ` Top Layer of: [${n.names.join(' ')}]` : ''}`, children: [] };
          into.push(item);
          for (const c of n.children) add(c, n.children.length <= 1 ? into : item.children);
        };
        const items: Item[] = [];
        add(t.requiredBy, items);
        return print([...lines, ...drawTree(items)].join('\n'));
      }
      t.layers.forEach((l, i) => {
        const last = i === t.layers.length - 1;
        lines.push(`${last ? '└──' : '├──'} ID: ${l.id.slice(7, 19)} Size: ${humanSize(l.size)}${last && t.names.length ? ` Top Layer of: [${t.names.join(' ')}]` : ''}`);
      });
      print(lines.join('\n'));
    });
}

function makeMount(): Command {
  return new Command('mount').description('Mount an image\'s root filesystem (read-only)')
    .option('-a, --all', 'Mount all images', false)
    .option('--format <format>', 'Print the mounted images in specified format (json)')
    .argument('[images...]')
    .action(async function (this: Command, refs: string[], o: Opts) {
      if (o.all && refs.length) throw invalidArgument('when using the --all switch, you may not pass any image names or IDs');
      if (o.format && !isJSONFormat(o.format)) throw invalidArgument(`unknown --format argument: "${o.format}"`);
      const engine = await connectFor(this);
      if (o.all) refs = (await engine.images.list({ all: true })).map((i) => i.Id);
      // One image named: its mount point alone. Otherwise, as Podman, what was mounted (all mounted
      // images without names): its first name, else its full ID, then the mount point.
      const paths: string[] = [];
      for (const r of refs) paths.push(await engine.images.mount(r));
      if (refs.length === 1 && !o.all && !o.format) return print(paths[0]!);
      // One row per image asked for (a name given twice: twice, as Podman's reports).
      const mounted = await engine.images.mounted();
      const list = refs.length ? paths.flatMap((p) => mounted.filter((m) => m.path === p)) : mounted;
      const repos = (names: string[]) => names.filter((n) => !n.includes('@'));
      if (o.format) {
        return print(JSON.stringify(list.map((m) => ({ id: m.id, Names: [m.digest], Repositories: repos(m.names), mountpoint: m.path })), null, 1));
      }
      process.stdout.write(tabulate(list.map((m) => `${repos(m.names)[0] ?? m.id}\t${m.path}`)));
    });
}

function makeUnmount(name: string): Command {
  return new Command(name).description('Unmount an image\'s root filesystem')
    .option('-a, --all', 'Unmount all of the currently mounted images', false)
    // husk keeps no mount counts: every unmount is complete, as Podman's with --force.
    .option('-f, --force', 'Force the complete unmount of the specified mounted images', false)
    .argument('[images...]')
    .action(async function (this: Command, refs: string[], o: Opts) {
      const engine = await connectFor(this);
      if (o.all) refs = (await engine.images.mounted()).map((m) => m.id);
      for (const r of refs) print(await engine.images.unmount(r));
    });
}

function makeTag(): Command {
  return new Command('tag').description('Add an additional name to a local image')
    .argument('<image>').argument('<names...>')
    .action(async function (this: Command, ref: string, names: string[]) {
      await (await connectFor(this)).images.tag(ref, names);
    });
}

function makeUntag(): Command {
  return new Command('untag').description('Remove a name from a local image')
    .argument('<image>').argument('[names...]')
    .action(async function (this: Command, ref: string, names: string[]) {
      await (await connectFor(this)).images.untag(ref, names);
    });
}

function makeInspect(): Command {
  return new Command('inspect').description('Display the configuration of an image')
    .option('-f, --format <format>', 'Format the output to a Go template or json', 'json')
    .argument('<images...>')
    .action(async function (this: Command, refs: string[], o: Opts) {
      const engine = await connectFor(this);
      return printInspect(refs, o.format, (r) => engine.images.inspect(r));
    });
}

function makeExists(): Command {
  return new Command('exists').description('Check if an image exists in local storage')
    .argument('<image>')
    .action(async function (this: Command, ref: string) {
      if (!(await (await connectFor(this)).images.exists(ref))) process.exitCode = 1;
    });
}

export function register(program: Command): void {
  program.addCommand(makeImages());
  program.addCommand(makeRmi());
  program.addCommand(makeImport());
  program.addCommand(makeLoad());
  program.addCommand(makeSave());
  program.addCommand(makeHistory());
  program.addCommand(makeTag());
  program.addCommand(makeUntag());
  const group = new Command('image').description('Manage images');
  group.addCommand(makeImages('ls').aliases(['list']));
  group.addCommand(makeRmi('rm'));
  group.addCommand(makeImport());
  group.addCommand(makeLoad());
  group.addCommand(makeSave());
  group.addCommand(makeTag());
  group.addCommand(makeUntag());
  group.addCommand(makeInspect());
  group.addCommand(makeExists());
  group.addCommand(makeHistory());
  group.addCommand(makePrune());
  group.addCommand(makeTree());
  group.addCommand(makeImageDiff());
  group.addCommand(makeBuild());
  group.addCommand(makeMount());
  group.addCommand(makeUnmount('unmount').alias('umount'));
  registerRegistryGroup(group);
  group.addCommand(makeTrust());
  group.addCommand(makeSign());
  group.addCommand(makeScp());
  program.addCommand(group);
}
