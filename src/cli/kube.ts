// `husk kube generate|play|down` (and Podman's `generate kube`, `play kube`)
// over src/kube: flags into options, one call, Podman's output.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { Command } from 'commander';
import { invalidArgument } from '../common/errors.ts';
import { collect, connectFor, parseIntFlag, print } from './common.ts';
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

export function makePlay(): Command {
  return new Command('kube').description('Play a pod or volume based on Kubernetes YAML')
    .option('--start [bool]', 'Start the pod after creating it', parseBool('start'), true)
    .option('--replace', 'Delete and recreate pods defined in the YAML file', false)
    .option('--down', 'Stop pods defined in the YAML file and remove them', false)
    .option('--force', 'With --down: also remove the volumes of the file\'s PersistentVolumeClaims', false)
    .option('--configmap <file>', 'Path to a YAML file with a Kubernetes ConfigMap', collect, [])
    .option('--network <network>', 'Connect the pods to this network (instead of the default bridge)')
    .option('--publish <port>', 'Publish a container port, or override the file\'s for that container port ([[ip:][hostPort]:]containerPort[/protocol])', collect, [])
    .option('--build [bool]', 'Build images from directories named after them (default: those missing; false: never)')
    .option('--context-dir <dir>', 'Path to the directories of --build (default: the YAML file\'s directory, else the working directory)')
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
      const configMaps: string[] = [];
      for (const c of (o.configmap as string[]).flatMap((x) => x.split(',')).filter(Boolean)) configMaps.push((await readInput(c)).text);
      const report = await k.play(engine, text, source, { start: o.start, replace: o.replace, configMaps, network: o.network, publish: o.publish, warn,
        build: o.build, contextDir, buildOutput: process.stderr });
      if (report.volumes.length) print(`Volumes:\n${report.volumes.join('\n')}`);
      if (report.secrets.length) print(`Secrets:\n${report.secrets.join('\n')}`);
      for (const p of report.pods) print(`Pod:\n${p.id}\nContainers:\n${p.containers.join('\n')}\n`);
    });
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
