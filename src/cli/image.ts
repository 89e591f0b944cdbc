// Image commands over the local store: images, rmi, import, load, tag, inspect.
import { Command } from 'commander';
import { HuskError, invalidArgument } from '../common/errors.ts';
import { splitName } from '../image/reference.ts';
import type { ImageRecord } from '../image/types.ts';
import * as E from '../engine/index.ts';
import { ago, collect, each, engineFor, humanSize, print } from './common.ts';
import { renderList } from './format/index.ts';
import { printInspect } from './inspect.ts';
import { registerGroup as registerRegistryGroup } from './registry.ts';

type Opts = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function imageRows(images: ImageRecord[], o: Opts) {
  const rows = [];
  for (const img of images) {
    const names = img.names.length ? img.names : [undefined];
    for (const n of names) {
      const { repository, tag } = n ? splitName(n) : { repository: '<none>', tag: '<none>' };
      rows.push({
        Repository: repository, Tag: tag, ID: o.trunc === false ? `sha256:${img.id}` : img.id.slice(0, 12), Id: img.id,
        Digest: img.digest, Created: ago(img.created), CreatedAt: img.created, CreatedSince: ago(img.created),
        Size: humanSize(img.size), VirtualSize: img.size, Names: img.names, Labels: img.config.config?.Labels ?? {},
        Dangling: img.names.length === 0, Containers: 0, ReadOnly: false,
      });
    }
  }
  return rows;
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
    .argument('[reference]')
    .action(async function (this: Command, ref: string | undefined, o: Opts) {
      const e = engineFor(this);
      let images = e.images.list();
      if (ref) images = images.filter((i) => { try { return e.images.lookup(ref)?.id === i.id; } catch { return false; } });
      for (const f of o.filter as string[]) {
        const [k, v] = [f.slice(0, f.indexOf('=')), f.slice(f.indexOf('=') + 1)];
        if (k === 'dangling') images = images.filter((i) => (i.names.length === 0) === (v === 'true'));
        else if (k === 'label') images = images.filter((i) => { const [lk, lv] = v.split('='); const l = i.config.config?.Labels ?? {}; return lk in l && (lv === undefined || l[lk] === lv); });
        else if (k === 'reference') images = images.filter((i) => i.names.some((n) => n.includes(v)));
        else throw invalidArgument(`invalid filter "${f}"`);
      }
      const rows = imageRows(images, o);
      if (o.quiet) return [...new Set(rows.map((r) => r.ID))].forEach((id) => print(id));
      if (o.format === 'json') return print(JSON.stringify(images.map((i) => ({ Id: i.id, Digest: i.digest, RepoTags: i.names, Size: i.size, Created: Math.floor(new Date(i.created).getTime() / 1000), Labels: i.config.config?.Labels ?? null, Names: i.names, Dangling: !i.names.length })), null, 4));
      const def = `table {{.Repository}}\t{{.Tag}}${o.digests ? '\t{{.Digest}}' : ''}\t{{.ID}}\t{{.Created}}\t{{.Size}}`;
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
    .argument('[images...]')
    .action(async function (this: Command, refs: string[], o: Opts) {
      const e = engineFor(this);
      if (o.all) refs = e.images.list().map((i) => i.id);
      else if (!refs.length) throw invalidArgument('image name or ID must be specified');
      // Podman: 1 when an image is unknown, 2 when in use, 125 otherwise.
      await each(refs, async (r) => {
        try {
          const rep = await E.removeImage(e, r, { force: o.force });
          for (const u of rep.untagged) print(`Untagged: ${u}`);
          if (rep.deleted) print(`Deleted: ${rep.deleted}`);
        } catch (err) {
          if (!(o.ignore && (err as HuskError).code === 'NO_SUCH_IMAGE')) throw err;
        }
      }, { NO_SUCH_IMAGE: 1, IMAGE_IN_USE: 2 });
    });
}

function makeImport(): Command {
  return new Command('import').description('Import a tarball to create a filesystem image')
    .option('-c, --change <instruction>', 'Apply the following possible instructions to the created image: CMD | ENTRYPOINT | ENV | EXPOSE | LABEL | STOPSIGNAL | USER | VOLUME | WORKDIR', collect, [])
    .option('-m, --message <message>', 'Set commit message for imported image')
    .option('-q, --quiet', 'Suppress output', false)
    .argument('<path>', 'tarball of a root filesystem (plain, gzip or zstd)')
    .argument('[reference]', 'name for the image')
    .action(async function (this: Command, path: string, ref: string | undefined, o: Opts) {
      const e = engineFor(this);
      const img = await E.importTarball(e.images, path, ref, { changes: o.change, message: o.message });
      e.events.write({ ID: img.id, Name: img.names[0] ?? '', Status: 'import', Type: 'image' });
      print(`sha256:${img.id}`);
    });
}

function makeLoad(): Command {
  return new Command('load').description('Load image(s) from a tar archive or OCI layout directory')
    .option('-i, --input <path>', 'Read from specified archive file (default: stdin)')
    .option('-q, --quiet', 'Suppress the output', false)
    .action(async function (this: Command, o: Opts) {
      const e = engineFor(this);
      let input = o.input as string | undefined;
      let tmp: string | undefined;
      if (!input) {
        if (process.stdin.isTTY) throw invalidArgument('cannot read an archive from a terminal: use --input FILE or pipe one in');
        // Archives are read twice (outer tar, then blobs), so spool stdin to a file first.
        const { createWriteStream, mkdirSync } = await import('node:fs');
        const { pipeline } = await import('node:stream/promises');
        mkdirSync(`${e.config.root}/tmp`, { recursive: true });
        input = tmp = `${e.config.root}/tmp/load-${process.pid}-stdin.tar`;
        await pipeline(process.stdin, createWriteStream(tmp));
      }
      let imgs;
      try {
        imgs = await E.loadArchive(e.images, input);
      } finally {
        if (tmp) (await import('node:fs')).rmSync(tmp, { force: true });
      }
      for (const img of imgs) {
        e.events.write({ ID: img.id, Name: img.names[0] ?? '', Status: 'loadfromarchive', Type: 'image' });
        print(`Loaded image: ${img.names.length ? img.names.join(', ') : `sha256:${img.id}`}`);
      }
    });
}

function makeSave(): Command {
  return new Command('save').description('Save image(s) to an archive')
    .option('-o, --output <path>', 'Write to a specified file (default: stdout, which must not be a terminal)')
    .option('--format <format>', 'Save image to oci-archive, oci-dir (directory with oci manifest type), docker-archive', 'docker-archive')
    .option('-m, --multi-image-archive', 'Interpret additional arguments as images not tags and create a multi-image-archive (only for docker-archive)', false)
    .option('-q, --quiet', 'Suppress the output', false)
    .option('--compress', 'Compress tarball image layers when saving to a directory using the \'dir\' transport', false)
    .argument('<images...>')
    .action(async function (this: Command, refs: string[], o: Opts) {
      if (!['docker-archive', 'oci-archive', 'oci-dir'].includes(o.format)) throw invalidArgument(`unsupported format "${o.format}" for save: use docker-archive, oci-archive or oci-dir`);
      if (!o.output && process.stdout.isTTY) throw invalidArgument('refusing to save to terminal. Use -o flag or redirect');
      const { saveImages } = await import('../image/save.ts');
      await saveImages(engineFor(this).images, refs, o.format, o.output);
    });
}

function makeHistory(): Command {
  return new Command('history').description('Show history of a specified image')
    .option('-H, --human [bool]', 'Display sizes and dates in human readable format', (v) => v !== 'false', true)
    .option('--no-trunc', 'Do not truncate the output')
    .option('-q, --quiet', 'Display the numeric IDs only', false)
    .option('--format <format>', 'Change the output to JSON or a Go template')
    .argument('<image>')
    .action(function (this: Command, ref: string, o: Opts) {
      const e = engineFor(this);
      const img = e.images.resolve(ref);
      const hist = img.config.history?.length ? img.config.history : img.layers.map(() => ({}));
      let layer = 0;
      const rows = hist.map((h) => {
        const empty = 'empty_layer' in h && h.empty_layer;
        const diff = empty ? undefined : img.layers[layer++];
        return { h, size: diff ? e.images.layerSize(diff) ?? 0 : 0 };
      }).reverse().map(({ h, size }, i) => {
        const createdBy = (h as { created_by?: string }).created_by ?? '';
        const created = (h as { created?: string }).created ?? img.created;
        return {
          ID: i === 0 ? (o.trunc === false ? img.id : img.id.slice(0, 12)) : '<missing>',
          Created: o.human ? ago(created) : created, CreatedAt: created,
          CreatedBy: o.trunc === false || createdBy.length <= 45 ? createdBy : `${createdBy.slice(0, 42)}...`,
          Size: o.human ? humanSize(size) : String(size), Comment: (h as { comment?: string }).comment ?? '', Tags: i === 0 ? img.names : [],
        };
      });
      if (o.quiet) return rows.forEach((r) => print(r.ID));
      process.stdout.write(renderList(o.format, rows, {
        headers: { CreatedBy: 'CREATED BY' }, defaultFormat: 'table {{.ID}}\t{{.Created}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}',
      }));
    });
}

function makePrune(): Command {
  return new Command('prune').description('Remove unused images')
    .option('-a, --all', 'Remove all images not in use by containers, not just dangling ones', false)
    .option('-f, --force', 'Do not prompt for confirmation', false)
    .action(async function (this: Command, o: Opts) {
      for (const id of await E.pruneImages(engineFor(this), o.all)) print(id);
    });
}

function makeTree(): Command {
  return new Command('tree').description('Print the layer hierarchy of an image in a tree format')
    .argument('<image>')
    .action(function (this: Command, ref: string) {
      const e = engineFor(this);
      const img = e.images.resolve(ref);
      const lines = [`Image ID: ${img.id.slice(0, 12)}`, `Tags:     [${img.names.join(' ')}]`, `Size:     ${humanSize(img.size)}`, 'Image Layers'];
      img.layers.forEach((l, i) => {
        const last = i === img.layers.length - 1;
        lines.push(`${last ? '└──' : '├──'} ID: ${l.slice(7, 19)} Size: ${humanSize(e.images.layerSize(l) ?? 0)}${last && img.names.length ? ` Top Layer of: [${img.names.join(' ')}]` : ''}`);
      });
      print(lines.join('\n'));
    });
}

function makeMount(): Command {
  return new Command('mount').description('Mount an image\'s root filesystem (read-only)')
    .option('-a, --all', 'Mount all images', false)
    .option('--format <format>', 'Print the mounted images in specified format (json)')
    .argument('[images...]')
    .action(function (this: Command, refs: string[], o: Opts) {
      const e = engineFor(this);
      if (o.all) refs = e.images.list().map((i) => i.id);
      if (!refs.length) {
        const m = E.mountedImages(e);
        if (o.format === 'json') return print(JSON.stringify(m.map((x) => ({ id: x.id, Repositories: x.names, mountpoint: x.path })), null, 4));
        return m.forEach((x) => print(`${x.id.slice(0, 12)} ${x.names[0] ?? ''} ${x.path}`));
      }
      for (const r of refs) print(E.mountImage(e, r));
    });
}

function makeUnmount(name: string): Command {
  return new Command(name).description('Unmount an image\'s root filesystem')
    .option('-a, --all', 'Unmount all of the currently mounted images', false)
    .argument('[images...]')
    .action(function (this: Command, refs: string[], o: Opts) {
      const e = engineFor(this);
      if (o.all) refs = E.mountedImages(e).map((m) => m.id);
      for (const r of refs) print(E.unmountImage(e, r));
    });
}

function makeTag(): Command {
  return new Command('tag').description('Add an additional name to a local image')
    .argument('<image>').argument('<names...>')
    .action(async function (this: Command, ref: string, names: string[]) {
      await E.tagImage(engineFor(this), ref, names);
    });
}

function makeUntag(): Command {
  return new Command('untag').description('Remove a name from a local image')
    .argument('<image>').argument('[names...]')
    .action(async function (this: Command, ref: string, names: string[]) {
      const e = engineFor(this);
      const img = e.images.resolve(ref);
      for (const n of names.length ? names : img.names) {
        const full = img.names.find((x) => x === n || splitName(x).repository.endsWith(`/${n.split(':')[0]}`) && splitName(x).tag === (n.split(':')[1] ?? 'latest'));
        if (!full || !(await e.images.untag(img.id, full))) throw new HuskError('NO_SUCH_IMAGE', `${n}: tag not known`);
      }
    });
}

export function inspectImage(img: ImageRecord, layerDir: (l: string) => string) {
  const c = img.config;
  return {
    Id: img.id, Digest: img.digest, RepoTags: img.names, RepoDigests: img.names.map((n) => `${splitName(n).repository}@${img.digest}`),
    Parent: '', Comment: c.history?.at(-1)?.comment ?? '', Created: img.created, Config: c.config ?? {}, Version: '',
    Author: c.author ?? '', Architecture: c.architecture, Os: c.os, Size: img.size, VirtualSize: img.size,
    GraphDriver: { Name: 'overlay', Data: { LowerDir: img.layers.slice(0, -1).reverse().map(layerDir).join(':'), UpperDir: layerDir(img.layers.at(-1) ?? '') } },
    RootFS: { Type: 'layers', Layers: img.layers }, Labels: c.config?.Labels ?? null, Annotations: img.manifest.annotations ?? {},
    ManifestType: img.manifest.mediaType ?? 'application/vnd.oci.image.manifest.v1+json', User: c.config?.User ?? '',
    History: c.history ?? [], NamesHistory: img.names,
  };
}

function makeInspect(): Command {
  return new Command('inspect').description('Display the configuration of an image')
    .option('-f, --format <format>', 'Format the output to a Go template or json', 'json')
    .argument('<images...>')
    .action(function (this: Command, refs: string[], o: Opts) {
      const e = engineFor(this);
      return printInspect(refs, o.format, (r) => inspectImage(e.images.resolve(r), (l) => (l ? e.images.layerDir(l) : '')));
    });
}

function makeExists(): Command {
  return new Command('exists').description('Check if an image exists in local storage')
    .argument('<image>')
    .action(function (this: Command, ref: string) {
      if (!engineFor(this).images.lookup(ref)) process.exitCode = 1;
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
  group.addCommand(makeMount());
  group.addCommand(makeUnmount('unmount').alias('umount'));
  registerRegistryGroup(group);
  program.addCommand(group);
}
