// `husk manifest`: manifest lists (image indexes) of local images, pushed
// with their images to a registry. Flags → engine.images.manifest* → output.
import { writeFileSync } from 'node:fs';
import { Command } from 'commander';
import { collect, connectFor, parseLabels, print, printReports } from './common.ts';
import type { ManifestAddOptions } from '../engine/image/api.ts';
import { invalidArgument } from '../common/errors.ts';
import { checkCompression, signingFrom, signOptions } from './registry.ts';

type Opts = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const tlsVerify = (v: string) => v !== 'false';

/**
 * create's and add's registry flags. husk's lists name local images only,
 * so there is no registry to reach: accepted (scripts pass them), no effect.
 */
function registryFlags(c: Command, tlsOnly = false): Command {
  c.option('--tls-verify [bool]', 'require HTTPS and verify certificates when accessing the registry', tlsVerify);
  if (tlsOnly) return c;
  return c
    .option('--authfile <path>', 'path of the authentication file. Use REGISTRY_AUTH_FILE environment variable to override')
    .option('--cert-dir <path>', 'use certificates at the specified path to access the registry')
    .option('--creds <creds>', 'use [username[:password]] for accessing the registry');
}

function platformFlags(c: Command): Command {
  return c
    .option('--annotation <annotation>', 'Set an annotation (KEY=VALUE)', collect, [])
    .option('--arch <arch>', 'Override the architecture of the image')
    .option('--os <os>', 'Override the operating system of the image')
    .option('--os-version <version>', 'Override the OS version of the image')
    .option('--features <features>', 'Override the OS features of the image', collect, [])
    .option('--variant <variant>', 'Override the architecture variant of the image');
}

function platformFrom(o: Opts): ManifestAddOptions {
  return { arch: o.arch, os: o.os, osVersion: o.osVersion, variant: o.variant, features: o.features.flatMap((f: string) => f.split(',')), annotations: parseLabels(o.annotation) };
}

export function register(program: Command): void {
  const group = new Command('manifest').description('Manipulate manifest lists and image indexes');
  registryFlags(group.command('create').description('Create manifest list or image index'), true)
    .usage('[options] LIST [IMAGE...]')
    .option('--all', 'Add all of the lists\' images if the images to add are lists (husk lists name local images)', false)
    .option('-a, --amend', 'Modify an existing list if one with the desired name already exists', false)
    .argument('<list>').argument('[images...]')
    .action(async function (this: Command, list: string, images: string[], o: Opts) {
      print(await (await connectFor(this)).images.manifestCreate(list, images, { amend: o.amend }));
    });
  registryFlags(platformFlags(group.command('add').description('Add images to a manifest list or image index')))
    .usage('[options] LIST IMAGE')
    .option('--all', 'Add all of the list\'s images if the image is a list', false)
    .argument('<list>').argument('<image>')
    .action(async function (this: Command, list: string, image: string, o: Opts) {
      print(await (await connectFor(this)).images.manifestAdd(list, image, platformFrom(o)));
    });
  platformFlags(group.command('annotate').description('Add or update information about an entry in a manifest list or image index'))
    .usage('[options] LIST IMAGEORMANIFESTDIGEST')
    .option('--index', 'Apply the annotations to the index itself', false)
    .option('--os-features <features>', 'override the OS features of the specified image', collect, [])
    .argument('<list>').argument('[digest]')
    .action(async function (this: Command, list: string, digest: string | undefined, o: Opts) {
      const engine = await connectFor(this);
      if (!o.index && !digest) throw new (await import('../common/errors.ts')).HuskError('INVALID_ARGUMENT', 'requires exactly 2 arguments (or --index)');
      print(await engine.images.manifestAnnotate(list, digest ?? '', { ...platformFrom(o), index: o.index, osFeatures: o.osFeatures.flatMap((f: string) => f.split(',')) }));
    });
  group.command('inspect').description('Display the contents of a manifest list or image index')
    .usage('[options] IMAGE')
    .option('--tls-verify [bool]', 'Require HTTPS and verify certificates when contacting registries', tlsVerify)
    .option('--authfile <path>', 'Path of the authentication file')
    .option('-v, --verbose', 'Show additional information', false)
    .argument('<list>')
    .action(async function (this: Command, list: string) {
      print(JSON.stringify(await (await connectFor(this)).images.manifestInspect(list), null, 4));
    });
  signOptions(group.command('push').description('Push a manifest list or image index to a registry'))
    .usage('[options] LIST DESTINATION')
    .option('--all [bool]', 'Push images in the list as well as the list (always: husk pushes each entry\'s local image)', tlsVerify, true)
    .option('--rm', 'Remove the manifest list once it is pushed', false)
    .option('--tls-verify [bool]', 'Require HTTPS and verify certificates when contacting registries', tlsVerify)
    .option('--authfile <path>', 'Path of the authentication file')
    .option('--cert-dir <path>', 'Use certificates at the specified path to access the registry')
    .option('--creds <creds>', 'Use [username[:password]] for accessing the registry')
    .option('--digestfile <file>', 'After copying the image, write the digest of the resulting image to the file')
    .option('-q, --quiet', 'Don\'t output progress information when pushing lists', false)
    .option('--compression-format <format>', 'compression format to use')
    .option('-f, --format <format>', 'manifest type (oci or v2s2) to attempt to use when pushing the manifest list (default is manifest type of source)')
    .argument('<list>').argument('[destination]')
    .action(async function (this: Command, list: string, destination: string | undefined, o: Opts) {
      checkCompression(o.compressionFormat);
      if (o.format !== undefined && !['oci', 'v2s2', 'docker'].includes(o.format)) throw invalidArgument(`unknown format "${o.format}". Choose one of the supported formats: 'oci' or 'v2s2'`);
      const signing = await signingFrom(o);
      const digest = await (await connectFor(this)).images.manifestPush(list, destination ?? list, {
        rm: o.rm, tlsVerify: o.tlsVerify, authfile: o.authfile, certDir: o.certDir, creds: o.creds,
        compressionFormat: o.compressionFormat, manifestFormat: o.format === 'docker' ? 'v2s2' : o.format, ...signing,
      });
      if (!o.quiet) process.stderr.write(`Writing manifest list to image destination\n`);
      if (o.digestfile) writeFileSync(o.digestfile, digest);
    });
  group.command('rm').description('Remove manifest list or image index from local storage')
    .usage('[options] LIST [LIST...]')
    .argument('<lists...>')
    .action(async function (this: Command, lists: string[]) {
      printReports(await (await connectFor(this)).images.manifestDelete(lists), { line: (r) => `Untagged: ${r.rawInput}\nDeleted: ${r.id}` });
    });
  group.command('remove').description('Remove an item from a manifest list or image index')
    .usage('[options] LIST DIGEST')
    .argument('<list>').argument('<digest>')
    .action(async function (this: Command, list: string, digest: string) {
      // Podman's own spacing: "ID :DIGEST".
      print(`${await (await connectFor(this)).images.manifestRemoveEntry(list, digest)} :${digest}`);
    });
  group.command('exists').description('Check if a manifest list exists in local storage')
    .usage('[options] LIST')
    .argument('<list>')
    .action(async function (this: Command, list: string) {
      if (!(await (await connectFor(this)).images.manifestExists(list))) process.exitCode = 1;
    });
  program.addCommand(group);
}
