// `husk image trust show|set`: the signature policy file as Podman's image
// trust commands show and edit it (the engine reads and writes the file).
import { Command } from 'commander';
import { invalidArgument } from '../common/errors.ts';
import { collect, connectFor, print, printReports } from './common.ts';
import { tabulate } from './format/table.ts';

type Opts = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const TYPES = ['accept', 'insecureAcceptAnything', 'reject', 'signedBy'];

/** Podman's isValidImageURI: the scope read as the host (and path) of an http URL. */
function checkScope(scope: string): void {
  let host: string;
  let fragment = '';
  try {
    const u = new URL(`http://${scope}`);
    host = u.host;
    fragment = u.hash.slice(1);
  } catch {
    throw invalidArgument(`invalid image uri: ${scope}`);
  }
  if (!/^[a-zA-Z0-9-_.]+\/?:?[0-9]*[a-z0-9-/:]*$/.test(host) || !/^[a-z0-9-:./]*$/.test(fragment)) throw invalidArgument(`invalid image uri: ${scope}`);
}

function makeSet(): Command {
  return new Command('set').description('Set default trust policy or a new trust policy for a registry')
    .usage('[options] REGISTRY')
    .option('-f, --pubkeysfile <file>', 'Path of installed public key(s) to trust for TARGET. Absolute path to keys is added to policy.json. May used multiple times to define multiple public keys. File(s) must exist before using this command', collect, [])
    .option('-t, --type <type>', 'Trust type, accept values: signedBy(default), accept, reject', 'signedBy')
    .option('--policypath <path>', 'Path of the policy file (default /etc/containers/policy.json)')
    .argument('<registry>')
    .action(async function (this: Command, scope: string, o: Opts) {
      checkScope(scope);
      if (!TYPES.includes(o.type)) throw invalidArgument(`invalid choice: ${o.type} (choose from 'accept', 'reject', 'signedBy')`);
      const engine = await connectFor(this);
      await engine.images.trustSet(scope, { policyPath: o.policypath, type: o.type, pubKeysFiles: o.pubkeysfile });
    });
}

function makeShow(): Command {
  return new Command('show').description('Display trust policy for the system')
    .usage('[options] [REGISTRY]')
    .option('-j, --json', 'Output as json', false)
    .option('--raw', 'Output raw policy file', false)
    .option('-n, --noheading', 'Do not print column headings', false)
    .option('--policypath <path>', 'Path of the policy file (default /etc/containers/policy.json)')
    .option('--registrypath <path>', 'Directory of the registries.d files (default /etc/containers/registries.d)')
    .argument('[registry]')
    .action(async function (this: Command, _registry: string | undefined, o: Opts) {
      const engine = await connectFor(this);
      const r = await engine.images.trustShow({ policyPath: o.policypath, registryPath: o.registrypath, raw: o.raw });
      if (o.raw) return void process.stdout.write(`${r.raw}\n`);
      if (o.json) return print(JSON.stringify(r.policies, null, 2));
      const rows = r.policies.map((p) => [p.transport, p.repo_name ?? '', p.type, p.gpg_id ?? '', p.sigstore ?? ''].join('\t'));
      process.stdout.write(tabulate(o.noheading ? rows : ['TRANSPORT\tNAME\tTYPE\tID\tSTORE', ...rows]));
    });
}

export function makeTrust(): Command {
  return new Command('trust').description('Manage container image trust policy')
    .usage('[command]')
    .addCommand(makeSet())
    .addCommand(makeShow());
}

/** `image sign`: Podman prints nothing on success. */
export function makeSign(): Command {
  return new Command('sign').description('Sign an image')
    .usage('[options] IMAGE [IMAGE...]')
    .option('-a, --all', 'Sign all the manifests of the multi-architecture image', false)
    .option('--authfile <path>', 'Path of the authentication file')
    .option('--cert-dir <path>', 'Use certificates at the specified path to access the registry')
    .option('-d, --directory <dir>', 'Define an alternate directory to store signatures')
    .option('--sign-by <identity>', 'Name of the signing key')
    .option('--tls-verify [bool]', 'Require HTTPS and verify certificates when contacting registries', (v) => v !== 'false')
    .argument('<images...>')
    .action(async function (this: Command, images: string[], o: Opts) {
      if (!o.signBy) throw invalidArgument('no identity provided');
      const engine = await connectFor(this);
      const reports = await engine.images.sign(images, {
        signBy: o.signBy, directory: o.directory, all: o.all, authfile: o.authfile, certDir: o.certDir, tlsVerify: o.tlsVerify,
      });
      printReports(reports, { line: () => undefined });
    });
}
