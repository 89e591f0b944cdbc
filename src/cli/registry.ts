// Registry commands: pull, push, login, logout, search. They parse flags,
// call the images domain of the engine and print what it reports.
import { Command } from 'commander';
import { invalidArgument } from '../common/errors.ts';
import { connectFor, print } from './common.ts';
import { createProgress } from './progress.ts';
import { renderList } from './format/index.ts';

type Opts = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** A StringSlice flag: repeatable, each value split at commas (as cobra's). */
const collectComma = (v: string, prev: string[] = []) => [...prev, ...v.split(',')];

const tlsOption = (cmd: Command) => cmd
  .option('--tls-verify [bool]', 'Require HTTPS and verify certificates when contacting registries', (v) => v !== 'false')
  .option('--cert-dir <dir>', 'Use certificates at the specified path to access the registry')
  .option('--authfile <file>', 'Path of the authentication file (default ${XDG_RUNTIME_DIR}/containers/auth.json)')
  .option('--creds <user:pass>', 'Credentials (USERNAME:PASSWORD) to use for authenticating to a registry');

/** push's and manifest push's signing flags (Podman's wording). */
export const signOptions = (cmd: Command) => cmd
  .option('--remove-signatures', 'Discard any pre-existing signatures in the image', false)
  .option('--sign-by <key>', 'Add a signature at the destination using the specified key')
  .option('--sign-by-sigstore-private-key <path>', 'Sign the image using a sigstore private key at PATH')
  .option('--sign-passphrase-file <path>', 'Read a passphrase for signing an image from PATH');

/** The signing options of the flags; the passphrase file is read here, on the caller's side, as Podman reads it. */
export async function signingFrom(o: Opts): Promise<{ signBy?: string; signPassphrase?: string; signBySigstorePrivateKey?: string }> {
  let signPassphrase: string | undefined;
  if (o.signPassphraseFile !== undefined) {
    const { readFileSync } = await import('node:fs');
    try {
      signPassphrase = readFileSync(o.signPassphraseFile, 'utf8').split('\n')[0];
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      throw invalidArgument(`open ${o.signPassphraseFile}: ${err.code === 'ENOENT' ? 'no such file or directory' : err.message}`);
    }
  }
  return { signBy: o.signBy, signPassphrase, signBySigstorePrivateKey: o.signBySigstorePrivateKey };
}

/** Podman's --compression-format values husk writes. */
export function checkCompression(format: string | undefined): void {
  if (format && !['gzip', 'zstd'].includes(format)) throw invalidArgument(`unsupported compression format "${format}": use gzip or zstd`);
}

/** Progress on stderr: bars on a terminal, one plain line per blob otherwise, nothing with -q. */
function progress(quiet: boolean, pushConfig?: string) {
  return createProgress({ quiet, out: process.stderr, pushConfig });
}

function makePull(): Command {
  return tlsOption(new Command('pull').description('Pull an image from a registry'))
    .option('-q, --quiet', 'Suppress output information when pulling images', false)
    .option('--platform <os/arch[/variant]>', 'Specify the platform for selecting the image')
    .option('--arch <arch>', 'Use ARCH instead of the architecture of the machine for choosing images')
    .option('--os <os>', 'Use OS instead of the running OS for choosing images')
    .option('--variant <variant>', 'Use VARIANT instead of the running architecture variant for choosing images')
    .option('-a, --all-tags', 'All tagged images in the repository will be pulled', false)
    .option('--disable-content-trust', 'This is a Docker specific option and is a NOOP', false)
    .argument('<image>')
    .action(async function (this: Command, name: string, o: Opts) {
      const [pos, parch, pvariant] = o.platform ? String(o.platform).split('/') : [];
      if (o.platform && (!pos || !parch)) throw invalidArgument(`invalid platform "${o.platform}": expected OS/ARCH[/VARIANT]`);
      const engine = await connectFor(this);
      const p = progress(o.quiet);
      let imgs;
      try {
        imgs = await engine.images.pull(name, {
          tlsVerify: o.tlsVerify, certDir: o.certDir, authfile: o.authfile, creds: o.creds, allTags: o.allTags,
          platform: { os: o.os ?? pos, arch: o.arch ?? parch, variant: o.variant ?? pvariant },
          // A message comes between transfers: bars above it end drawn as they stand.
          onProgress: p.pull, onMessage: (line) => { p.finish(); p.line(line); },
        });
      } finally {
        p.finish(); // also above an error
      }
      for (const img of imgs) print(img.id);
    });
}

function makePush(): Command {
  return signOptions(tlsOption(new Command('push').description('Push an image to a specified destination')))
    .option('-q, --quiet', 'Suppress output information when pushing images', false)
    .option('--compression-format <format>', 'Compression format to use (gzip, zstd)')
    .option('-f, --format <format>', 'Manifest type (oci, v2s2) to use in the destination (default: the image\'s own)')
    .option('--force-compression', 'Use the specified compression algorithm even if the destination contains a differently-compressed variant already', false)
    .option('--digestfile <file>', 'Write the digest of the pushed image to the specified file')
    // Registries only: there is no 'dir' transport to compress for, and Docker's content trust is a no-op in Podman too.
    .option('--compress', 'Compress tarball image layers when pushing to a directory using the \'dir\' transport. (default is same compression type as source)', false)
    .option('--disable-content-trust', 'This is a Docker specific option and is a NOOP', false)
    .argument('<image>').argument('[destination]')
    .action(async function (this: Command, image: string, dest: string | undefined, o: Opts) {
      checkCompression(o.compressionFormat);
      const signing = await signingFrom(o);
      if (o.format !== undefined && o.format !== 'oci' && o.format !== 'v2s2') throw invalidArgument(`unsupported manifest type "${o.format}": use oci or v2s2`);
      const engine = await connectFor(this);
      // The config's row is labelled "config"; its digest is the image ID. An
      // unknown image is left for push itself to report.
      const config = await engine.images.get(image).then((img) => `sha256:${img.id}`, () => undefined);
      const p = progress(o.quiet, config);
      let digest: string;
      try {
        digest = await engine.images.push(image, dest, {
          tlsVerify: o.tlsVerify, certDir: o.certDir, authfile: o.authfile, creds: o.creds,
          compressionFormat: o.compressionFormat, manifestFormat: o.format, forceCompression: o.forceCompression || !!o.compressionFormat, onProgress: p.push, ...signing,
        });
      } finally {
        p.finish();
      }
      if (o.digestfile) (await import('node:fs')).writeFileSync(o.digestfile, digest);
    });
}

function makeLogin(): Command {
  return new Command('login').description('Log in to a container registry')
    .option('-u, --username <user>', 'Username for registry')
    .option('-p, --password <pass>', 'Password for registry')
    .option('--password-stdin', 'Take the password from stdin', false)
    .option('--authfile <file>', 'Path of the authentication file')
    .option('--tls-verify [bool]', 'Require HTTPS and verify certificates when contacting registries', (v) => v !== 'false')
    .option('--cert-dir <dir>', 'Use certificates at the specified path to access the registry')
    .option('--get-login', 'Return the current login user for the registry', false)
    .option('-v, --verbose', 'Write more detailed information to stdout', false)
    .argument('<registry>')
    .action(async function (this: Command, registry: string, o: Opts) {
      const engine = await connectFor(this);
      if (o.getLogin) return print(await engine.images.loginUser(registry, { authfile: o.authfile }));
      let password: string | undefined = o.password;
      if (o.passwordStdin) {
        let text = '';
        for await (const c of process.stdin) text += c;
        password = text.replace(/\r?\n$/, '');
      }
      if (!o.username || password === undefined) throw invalidArgument('login requires --username and a password (--password or --password-stdin) when not on a terminal');
      const { authfile } = await engine.images.login(registry, { username: o.username, password, authfile: o.authfile, tlsVerify: o.tlsVerify, certDir: o.certDir });
      if (o.verbose) print(`Used:  ${authfile}`); // Go's Println("Used: ", file)
      print('Login Succeeded!');
    });
}

function makeLogout(): Command {
  return new Command('logout').description('Log out of a container registry')
    .option('-a, --all', 'Remove the cached credentials for all registries in the auth file', false)
    .option('--authfile <file>', 'Path of the authentication file')
    .argument('[registry]')
    .action(async function (this: Command, registry: string | undefined, o: Opts) {
      const key = await (await connectFor(this)).images.logout(registry, { authfile: o.authfile, all: o.all });
      print(key === undefined ? 'Removed login credentials for all registries' : `Removed login credentials for ${key}`);
    });
}

function makeSearch(): Command {
  return tlsOption(new Command('search').description('Search a registry for an image'))
    .option('--limit <n>', 'Limit the number of results', (v) => Number(v), 25)
    .option('--list-tags', 'List the tags of the input registry', false)
    .option('--format <format>', 'Change the output format to JSON or a Go template')
    .option('--no-trunc', 'Do not truncate the output')
    .option('-f, --filter <filter>', 'Filter output based on conditions provided (default [])', collectComma, [])
    .option('--compatible', 'List stars, official and automated columns (Docker compatibility)', false)
    .argument('<term>', 'REGISTRY/TERM (this registry\'s catalog is searched)')
    .action(async function (this: Command, term: string, o: Opts) {
      const engine = await connectFor(this);
      const rows = await engine.images.search(term, { tlsVerify: o.tlsVerify, certDir: o.certDir, authfile: o.authfile, limit: o.limit, listTags: o.listTags, filters: o.filter });
      if (!rows.length) return; // as Podman: no header, not even an empty JSON list
      const def = o.compatible ? 'table {{.Name}}\t{{.Description}}\t{{.Stars}}\t{{.Official}}\t{{.Automated}}' : 'table {{.Name}}\t{{.Description}}';
      process.stdout.write(o.listTags
        ? renderList(o.format, rows.map((r) => ({ Name: r.Name, Tag: r.Tag })), { headers: { Name: 'NAME', Tag: 'TAG' }, defaultFormat: 'table {{.Name}}\t{{.Tag}}' })
        : renderList(o.format, rows.map(({ Tag: _tag, ...r }) => r), { headers: { Name: 'NAME', Description: 'DESCRIPTION', Stars: 'STARS', Official: 'OFFICIAL', Automated: 'AUTOMATED' }, defaultFormat: def }));
    });
}

export function register(program: Command): void {
  for (const c of [makePull(), makePush(), makeLogin(), makeLogout(), makeSearch()]) program.addCommand(c);
}

/** `image pull`, `image push` and `image search`. */
export function registerGroup(group: Command): void {
  group.addCommand(makePull());
  group.addCommand(makePush());
  group.addCommand(makeSearch());
}
