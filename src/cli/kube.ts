// `husk kube generate|play|down` (and Podman's `generate kube`, `play kube`)
// over src/kube: flags into options, one call, Podman's output.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { Command } from 'commander';
import { invalidArgument } from '../common/errors.ts';
import { collect, collectSlice, connectFor, parseIntFlag, print } from './common.ts';
import { VERSION } from './version.ts';

type Opts = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const kube = () => import('../kube/index.ts');
const warn = (line: string) => process.stderr.write(`WARN[0000] ${line}\n`);

/** The file's text: a path, an http(s) URL, or "-" for stdin. */
async function readInput(file: string): Promise<{ text: string; source: string }> {
  if (file === '-') return { text: readFileSync(0, 'utf8'), source: 'stdin' };
  if (/^https?:\/\//i.test(file)) {
    let r: Response;
    try {
      r = await fetch(file, { signal: AbortSignal.timeout(60_000) });
    } catch (err) {
      throw invalidArgument(`${file}: ${(err as Error & { cause?: Error }).cause?.message ?? (err as Error).message}`);
    }
    if (!r.ok) throw invalidArgument(`${file}: HTTP ${r.status} ${r.statusText}`);
    return { text: await r.text(), source: file };
  }
  try {
    return { text: readFileSync(file, 'utf8'), source: file };
  } catch (err) {
    throw invalidArgument(`${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : (err as Error).message}`);
  }
}

/** --start=false as Podman spells it (a bare --start is true). */
const parseBool = (name: string) => (v: string | undefined): boolean => {
  if (v === undefined || v === 'true') return true;
  if (v === 'false') return false;
  throw invalidArgument(`invalid --${name} "${v}": expected true or false`);
};

export function makeGenerate(): Command {
  return new Command('kube').description('Generate Kubernetes YAML based on containers, pods or volumes')
    .option('-s, --service', 'Generate YAML for a Kubernetes service object', false)
    .option('-t, --type <type>', 'Generate YAML for the given Kubernetes kind (pod, deployment, daemonset, job)', 'pod')
    .option('-r, --replicas <n>', 'The value to set in the replicas field for a Deployment', parseIntFlag('replicas'))
    .option('-f, --filename <file>', 'Write output to the specified path')
    .argument('<ctr-pod-or-volume...>')
    .action(async function (this: Command, refs: string[], o: Opts) {
      if (o.filename && existsSync(o.filename)) throw invalidArgument(`cannot write to "${o.filename}": file exists`);
      const { generate } = await kube();
      const { yaml } = await generate(await connectFor(this), refs, {
        service: o.service, type: o.type, replicas: o.replicas, header: `Created with husk-${VERSION}`,
      });
      if (o.filename) writeFileSync(o.filename, yaml);
      else process.stdout.write(yaml);
    });
}

/** A bare --tls-verify is true and never takes the next word (the file) as its value, as in Podman. */
class PlayCommand extends Command {
  override parseOptions(argv: string[]) {
    const end = argv.indexOf('--');
    return super.parseOptions(argv.map((a, n) => (a === '--tls-verify' && (end < 0 || n < end) ? '--tls-verify=true' : a)));
  }
}

export function makePlay(): Command {
  return new PlayCommand('kube').description('Play a pod or volume based on Kubernetes YAML')
    .option('--start [bool]', 'Start the pod after creating it', parseBool('start'), true)
    .option('--replace', 'Delete and recreate pods defined in the YAML file', false)
    .option('--down', 'Stop pods defined in the YAML file and remove them', false)
    .option('--force', 'With --down: also remove the volumes of the file\'s PersistentVolumeClaims', false)
    .option('--configmap <file>', 'Path to a YAML file with a Kubernetes ConfigMap', collect, [])
    .option('--network <network>', 'Connect the pods to this network (instead of the default bridge)')
    .option('--publish <port>', 'Publish a container port, or override the file\'s for that container port ([[ip:][hostPort]:]containerPort[/protocol])', collect, [])
    .option('--build [bool]', 'Build images from directories named after them (default: those missing; false: never)')
    .option('--context-dir <dir>', 'Path to the directories of --build (default: the YAML file\'s directory, else the working directory)')
    .option('--annotation <key=value>', 'Add annotations to pods (key=value)', collectSlice, [])
    .option('--authfile <file>', 'Path of the authentication file. Use REGISTRY_AUTH_FILE environment variable to override')
    .option('--cert-dir <Pathname>', 'Pathname of a directory containing TLS certificates and keys')
    .option('--creds <Credentials>', 'Credentials (USERNAME:PASSWORD) to use for authenticating to a registry')
    .option('--tls-verify [bool]', 'Require HTTPS and verify certificates when contacting registries (default true)', parseBool('tls-verify'))
    .option('--ip <ip>', 'Static IP addresses to assign to the pods', collectSlice, [])
    .option('--mac-address <mac>', 'Static MAC addresses to assign to the pods', collectSlice, [])
    .option('--log-driver <driver>', 'Logging driver for the container (default "k8s-file")')
    .option('--log-opt <opt>', 'Logging driver options', collectSlice, [])
    .option('--no-hosts', 'Do not create /etc/hosts within the pod\'s containers, instead use the version from the image')
    .option('-q, --quiet', 'Suppress output information when pulling images', false)
    .option('--seccomp-profile-root <dir>', 'Directory path for seccomp profiles', '/var/lib/kubelet/seccomp')
    .option('--userns <mode>', 'User namespace to use')
    .argument('[file]', 'YAML file, URL, or - for stdin')
    .action(async function (this: Command, fileArg: string | undefined, o: Opts) {
      // A bare --build takes the file as its value (`--build app.yaml`): give it back.
      let file = fileArg;
      if (typeof o.build === 'string' && o.build !== 'true' && o.build !== 'false') {
        if (file) throw invalidArgument(`invalid --build "${o.build}": expected true or false`);
        [file, o.build] = [o.build, true];
      } else if (typeof o.build === 'string') {
        o.build = o.build === 'true';
      }
      if (!file) throw invalidArgument('kube play needs a YAML file, a URL or -');
      const { text, source } = await readInput(file);
      const engine = await connectFor(this);
      const k = await kube();
      const contextDir = resolve(o.contextDir ?? (file === '-' || /^https?:\/\//i.test(file) ? '.' : dirname(file)));
      if (o.down) {
        printDown(await k.down(engine, text, source, { force: o.force }));
        return;
      }
      const flags = await playFlags(o);
      const configMaps: string[] = [];
      for (const c of (o.configmap as string[]).flatMap((x) => x.split(',')).filter(Boolean)) configMaps.push((await readInput(c)).text);
      const report = await k.play(engine, text, source, { start: o.start, replace: o.replace, configMaps, network: o.network, publish: o.publish, warn,
        build: o.build, contextDir, buildOutput: process.stderr, ...flags });
      if (report.volumes.length) print(`Volumes:\n${report.volumes.join('\n')}`);
      if (report.secrets.length) print(`Secrets:\n${report.secrets.join('\n')}`);
      for (const p of report.pods) print(`Pod:\n${p.id}\nContainers:\n${p.containers.join('\n')}\n`);
    });
}


/** The flags applied to every pod or container, checked as Podman checks them (its messages). */
async function playFlags(o: Opts) {
  const { isIP } = await import('node:net');
  const { parseUserns } = await import('../specgen/flags.ts');
  for (const ip of o.ip as string[]) if (!isIP(ip)) throw invalidArgument(`invalid argument "${ip}" for "--ip" flag: invalid string being converted to IP address: ${ip}`);
  for (const mac of o.macAddress as string[]) {
    if (!/^[0-9a-fA-F]{2}([:-])[0-9a-fA-F]{2}(\1[0-9a-fA-F]{2}){4}$/.test(mac)) throw invalidArgument(`address ${mac}: invalid MAC address`);
  }
  const annotations: Record<string, string> = {};
  for (const a of o.annotation as string[]) {
    const eq = a.indexOf('=');
    if (eq < 0) throw invalidArgument(`annotation "${a}" must include an '=' sign`);
    const value = a.slice(eq + 1);
    // Podman's limit (define.MaxKubeAnnotation).
    if (value.length > 63) throw invalidArgument(`annotation exceeds maximum size, 63, of kubernetes annotation: ${value}`);
    annotations[a.slice(0, eq)] = value;
  }
  const logOptions = (o.logOpt as string[]).length ? (await import('./createflags.ts')).logOptionsFrom(o.logOpt) : undefined;
  return {
    annotations, ips: o.ip, macs: o.macAddress, noHosts: o.hosts === false,
    logDriver: o.logDriver, logOptions, userns: o.userns !== undefined ? parseUserns(o.userns) : undefined,
    seccompRoot: o.seccompProfileRoot,
    registry: { tlsVerify: o.tlsVerify, authfile: o.authfile, creds: o.creds, certDir: o.certDir },
    pullOutput: o.quiet ? undefined : (line: string) => process.stderr.write(`${line}\n`),
  };
}

function printDown(r: { pods: string[]; volumes: string[]; secrets: string[] }): void {
  print(`Pods stopped:\n${r.pods.map((p) => `${p}\n`).join('')}Pods removed:\n${r.pods.map((p) => `${p}\n`).join('')}${r.secrets.length ? `Secrets removed:\n${r.secrets.map((x) => `${x}\n`).join('')}` : ''}Volumes removed:\n${r.volumes.map((v) => `${v}\n`).join('')}`);
}

function makeDown(): Command {
  return new Command('down').description('Remove pods based on Kubernetes YAML')
    .option('--force', 'Also remove the volumes of the file\'s PersistentVolumeClaims', false)
    .argument('<file>', 'YAML file, URL, or - for stdin')
    .action(async function (this: Command, file: string, o: Opts) {
      const { text, source } = await readInput(file);
      const { down } = await kube();
      printDown(await down(await connectFor(this), text, source, { force: o.force }));
    });
}

export function register(program: Command, word: string): void {
  if (word === 'play') {
    program.addCommand(new Command('play').description('Play containers, pods or volumes from a structured file').addCommand(makePlay()));
    return;
  }
  const group = new Command('kube').description('Play containers, pods or volumes from a structured file');
  group.addCommand(makeGenerate().name('generate'));
  group.addCommand(makePlay().name('play'));
  group.addCommand(makeDown());
  program.addCommand(group);
}
