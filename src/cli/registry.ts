// Registry commands: pull, push, login, logout, search.
import { Command } from 'commander';
import { invalidArgument } from '../common/errors.ts';
import { engineFor, print } from './common.ts';
import { createProgress } from './progress.ts';
import { renderList } from './format/index.ts';

type Opts = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const tlsOption = (cmd: Command) => cmd
  .option('--tls-verify [bool]', 'Require HTTPS and verify certificates when contacting registries', (v) => v !== 'false')
  .option('--cert-dir <dir>', 'Use certificates at the specified path to access the registry')
  .option('--authfile <file>', 'Path of the authentication file (default ${XDG_RUNTIME_DIR}/containers/auth.json)')
  .option('--creds <user:pass>', 'Credentials (USERNAME:PASSWORD) to use for authenticating to a registry');

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
    .argument('<image>')
    .action(async function (this: Command, name: string, o: Opts) {
      const e = engineFor(this);
      const [pos, parch, pvariant] = o.platform ? String(o.platform).split('/') : [];
      if (o.platform && (!pos || !parch)) throw invalidArgument(`invalid platform "${o.platform}": expected OS/ARCH[/VARIANT]`);
      const p = progress(o.quiet);
      const { pull, remoteTags } = await import('../engine/image/pull.ts');
      const opts = {
        tlsVerify: o.tlsVerify, certDir: o.certDir, authfile: o.authfile, creds: o.creds,
        platform: { os: o.os ?? pos, arch: o.arch ?? parch, variant: o.variant ?? pvariant },
        onProgress: p.pull, onMessage: p.line,
      };
      const ref = name.replace(/^docker:\/\//, '');
      // --all-tags: every tag of the repository, one pull each.
      const refs = o.allTags ? (await remoteTags(ref, opts)).map((t) => `${ref}:${t}`) : [ref];
      for (const r of refs) {
        let img;
        try {
          img = await pull(e, r, opts);
        } finally {
          p.finish(); // bars end drawn as they stand, also above an error
        }
        p.line('Writing manifest to image destination');
        print(img.id);
      }
    });
}

function makePush(): Command {
  return tlsOption(new Command('push').description('Push an image to a specified destination'))
    .option('-q, --quiet', 'Suppress output information when pushing images', false)
    .option('--compression-format <format>', 'Compression format to use (gzip, zstd)')
    .option('--force-compression', 'Use the specified compression algorithm even if the destination contains a differently-compressed variant already', false)
    .option('--digestfile <file>', 'Write the digest of the pushed image to the specified file')
    .argument('<image>').argument('[destination]')
    .action(async function (this: Command, image: string, dest: string | undefined, o: Opts) {
      if (o.compressionFormat && !['gzip', 'zstd'].includes(o.compressionFormat)) throw invalidArgument(`unsupported compression format "${o.compressionFormat}": use gzip or zstd`);
      const e = engineFor(this);
      // The config's row is labelled "config"; its digest is the image ID. An
      // unknown image is left for push itself to report.
      let config: string | undefined;
      try { config = `sha256:${e.images.resolve(image).id}`; } catch { /* reported by push */ }
      const p = progress(o.quiet, config);
      const { push } = await import('../engine/image/pull.ts');
      let digest: string;
      try {
        digest = await push(e, image, dest, {
          tlsVerify: o.tlsVerify, certDir: o.certDir, authfile: o.authfile, creds: o.creds,
          compressionFormat: o.compressionFormat, forceCompression: o.forceCompression || !!o.compressionFormat, onProgress: p.push,
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
    .argument('<registry>')
    .action(async function (this: Command, registry: string, o: Opts) {
      const { credentialsFor, saveCredentials, registryKey } = await import('../image/registry/auth.ts');
      const key = registryKey(registry.replace(/^docker:\/\//, ''));
      if (o.getLogin) {
        const c = credentialsFor(key, o.authfile);
        if (!c) throw invalidArgument(`not logged into ${key}`);
        return print(c.username);
      }
      let password: string | undefined = o.password;
      if (o.passwordStdin) {
        let text = '';
        for await (const c of process.stdin) text += c;
        password = text.replace(/\r?\n$/, '');
      }
      if (!o.username || password === undefined) throw invalidArgument('login requires --username and a password (--password or --password-stdin) when not on a terminal');
      const { RegistryClient } = await import('../image/registry/client.ts');
      const client = new RegistryClient({ registry: key.split('/')[0], insecure: o.tlsVerify === false, certDir: o.certDir, credentials: { username: o.username, password } });
      try {
        await client.ping();
      } finally {
        client.close();
      }
      saveCredentials(key, o.username, password, o.authfile);
      print('Login Succeeded!');
    });
}

function makeLogout(): Command {
  return new Command('logout').description('Log out of a container registry')
    .option('-a, --all', 'Remove the cached credentials for all registries in the auth file', false)
    .option('--authfile <file>', 'Path of the authentication file')
    .argument('[registry]')
    .action(async function (this: Command, registry: string | undefined, o: Opts) {
      const { removeCredentials, registryKey } = await import('../image/registry/auth.ts');
      if (o.all) {
        removeCredentials({ all: true }, o.authfile);
        return print('Removed login credentials for all registries');
      }
      if (!registry) throw invalidArgument('a registry must be given (or --all)');
      const key = registryKey(registry.replace(/^docker:\/\//, ''));
      if (!removeCredentials(key, o.authfile)) throw invalidArgument(`not logged into ${key}`);
      print(`Removed login credentials for ${key}`);
    });
}

function makeSearch(): Command {
  return tlsOption(new Command('search').description('Search a registry for an image'))
    .option('--limit <n>', 'Limit the number of results', (v) => Number(v), 25)
    .option('--list-tags', 'List the tags of the input registry', false)
    .option('--format <format>', 'Change the output format to JSON or a Go template')
    .option('--no-trunc', 'Do not truncate the output')
    .argument('<term>', 'REGISTRY/TERM (this registry\'s catalog is searched)')
    .action(async function (this: Command, term: string, o: Opts) {
      const slash = term.indexOf('/');
      if (slash < 0) throw invalidArgument(`search needs REGISTRY/TERM: no unqualified-search registries are used for ${term}`);
      const registry = term.slice(0, slash);
      const what = term.slice(slash + 1);
      const { RegistryClient } = await import('../image/registry/client.ts');
      const { credentialsFor } = await import('../image/registry/auth.ts');
      const client = new RegistryClient({ registry, insecure: o.tlsVerify === false, certDir: o.certDir, credentials: credentialsFor(registry, o.authfile) });
      try {
        if (o.listTags) {
          const tags = await client.tags(what.replace(/:.*$/, ''));
          process.stdout.write(renderList(o.format, tags.slice(0, o.limit).map((t) => ({ Name: `${registry}/${what}`, Tag: t })),
            { headers: { Name: 'NAME', Tag: 'TAG' }, defaultFormat: 'table {{.Name}}\t{{.Tag}}' }));
          return;
        }
        const repos = (await client.catalog()).filter((r) => r.includes(what)).slice(0, o.limit);
        process.stdout.write(renderList(o.format, repos.map((r) => ({ Index: registry, Name: `${registry}/${r}`, Description: '', Stars: 0, Official: '', Automated: '' })),
          { headers: { Name: 'NAME', Description: 'DESCRIPTION' }, defaultFormat: 'table {{.Name}}\t{{.Description}}' }));
      } finally {
        client.close();
      }
    });
}

export function register(program: Command): void {
  for (const c of [makePull(), makePush(), makeLogin(), makeLogout(), makeSearch()]) program.addCommand(c);
}

/** `image pull` and `image push`. */
export function registerGroup(group: Command): void {
  group.addCommand(makePull());
  group.addCommand(makePush());
}
