// Container commands beyond the everyday ones: init, container clone and
// container runlabel.
// They parse flags, call the engine and print what it reports.
import { Command } from 'commander';
import { invalidArgument } from '../common/errors.ts';
import { addLatestFlag, checkAllLatest, connectFor, print, printReports } from './common.ts';
import { addResourceFlags, resourcesFrom } from './createflags.ts';

type Opts = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export function makeInit(): Command {
  return addLatestFlag(new Command('init').description('Initialize one or more containers'))
    .usage('[options] CONTAINER [CONTAINER...]')
    .option('-a, --all', 'Initialize all containers', false)
    .addHelpText('after', `
Prepares each container as start would (mounts, network, OCI spec, conmon
and the runtime's create) without starting its process: its state is then
"initialized", and start runs it.`)
    .argument('[containers...]')
    .action(async function (this: Command, names: string[], o: Opts) {
      checkAllLatest(names, o);
      const engine = await connectFor(this);
      printReports(await engine.containers.init(names, { all: o.all, latest: o.latest }));
    });
}

export function makeClone(): Command {
  return addResourceFlags(new Command('clone').description('Clone an existing container'), 'clone')
    .usage('[options] CONTAINER NAME IMAGE')
    .option('--name <name>', 'Name of the copy (default: CONTAINER-clone)')
    .option('--destroy', 'Destroy the original container', false)
    .option('-f, --force', 'Force removal of the original container (with --destroy)', false)
    .option('--run', 'Start the copy', false)
    .option('--pod <pod>', 'Run the copy in this pod')
    .argument('<container>')
    .argument('[name]')
    .argument('[image]')
    .action(async function (this: Command, ref: string, name: string | undefined, image: string | undefined, o: Opts) {
      if (o.force && !o.destroy) throw invalidArgument('--force can only be used with --destroy');
      const { restartPolicy, ...resources } = resourcesFrom(o);
      const engine = await connectFor(this);
      const copy = await engine.containers.clone(ref, {
        name: o.name ?? name, image, destroy: o.destroy, force: o.force, run: o.run,
        overrides: { ...resources, restartPolicy, pod: o.pod }, onWarning: (m: string) => { process.stderr.write(`${m}\n`); },
      });
      print(copy.config.id);
    });
}

/** shlex-like split: whitespace separates words; quotes group; backslash escapes (outside single quotes). */
export function splitWords(s: string): string[] {
  const out: string[] = [];
  let cur = '';
  let inWord = false;
  let q: '"' | "'" | undefined;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (q) {
      if (c === q) q = undefined;
      else if (c === '\\' && q === '"' && i + 1 < s.length) cur += s[++i];
      else cur += c;
    } else if (c === '"' || c === "'") { q = c; inWord = true; }
    else if (c === '\\' && i + 1 < s.length) { cur += s[++i]; inWord = true; }
    else if (/\s/.test(c)) { if (inWord) out.push(cur); cur = ''; inWord = false; }
    else { cur += c; inWord = true; }
  }
  if (inWord) out.push(cur);
  return out;
}

/**
 * Podman's runlabel command: the label split into words, `podman`/`husk`/
 * `docker` as the first word replaced by this husk, the words IMAGE and NAME
 * (also $IMAGE, ${IMAGE}, IMAGE=IMAGE...) replaced, then $VAR/${VAR}
 * expanded (OPT1-3, NAME, IMAGE, else the environment) and empty words dropped.
 */
export function runlabelCommand(label: string, image: string, name: string, opts: Record<string, string>, args: string[], self: string): string[] {
  const words = splitWords(args.length ? `${label} ${args.join(' ')}` : label);
  if (!words.length) return [];
  const [prog, ...rest] = words;
  const cmd = [['podman', 'husk', 'docker'].includes(prog) ? self : prog, ...rest.map((w) => {
    for (const [k, v] of [['IMAGE', image], ['NAME', name]] as const) {
      if (w === k || w === `$${k}` || w === `\${${k}}`) return v;
      if (w === `${k}=${k}` || w === `${k}=$${k}` || w === `${k}=\${${k}}`) return `${k}=${v}`;
    }
    return w;
  })];
  const vars: Record<string, string> = { ...opts, NAME: name, IMAGE: image };
  const expanded = cmd.join(' ').replace(/\$\{(\w+)\}|\$(\w+)/g, (_m, a: string | undefined, b: string | undefined) => {
    const k = (a ?? b)!;
    return vars[k] ?? process.env[k] ?? '';
  });
  return expanded.split(' ').filter(Boolean);
}

export function makeRunlabel(): Command {
  return new Command('runlabel').description('Execute the command described by an image label')
    .usage('[options] LABEL IMAGE [ARG...]')
    .option('--display', 'Preview the command that the label would run', false)
    .option('-n, --name <name>', 'Assign a name to the container')
    .option('--opt1 <value>', 'Optional parameter to pass for install')
    .option('--opt2 <value>', 'Optional parameter to pass for install')
    .option('--opt3 <value>', 'Optional parameter to pass for install')
    .option('-q, --quiet', 'Suppress output information when installing images', false)
    .option('--replace', 'Replace existing container with a new one from the image', false)
    .option('--pull [bool]', 'Pull the image if it does not exist locally prior to executing the label contents', (v) => v !== 'false', true)
    .option('--tls-verify [bool]', 'Require HTTPS and verify certificates when contacting registries', (v) => v !== 'false')
    .option('--authfile <path>', 'Path of the authentication file')
    .option('--creds <creds>', 'Credentials (USERNAME:PASSWORD) to use for authenticating to a registry')
    .option('--cert-dir <path>', 'Certificates for the registry')
    .passThroughOptions()
    .argument('<label>').argument('<image>').argument('[args...]')
    .action(async function (this: Command, label: string, image: string, args: string[], o: Opts) {
      const engine = await connectFor(this);
      let img;
      try {
        img = await engine.images.get(image);
      } catch (err) {
        if (!o.pull) throw err;
        [img] = await engine.images.pull(image, { tlsVerify: o.tlsVerify, authfile: o.authfile, creds: o.creds, certDir: o.certDir });
      }
      const labels = img.config.config?.Labels ?? {};
      const key = Object.keys(labels).find((k) => k.toLowerCase() === label.toLowerCase());
      const value = key === undefined ? '' : labels[key];
      if (!value) {
        const { HuskError } = await import('../common/errors.ts');
        throw new HuskError('INVALID_ARGUMENT', `cannot find the value of label: ${label} in image: ${image}`);
      }
      const imageName = img.names[0] ?? img.id;
      // Podman: the name given, else the last path part of the image as typed (or its name, for an ID), without its tag.
      const named = img.id.startsWith(image.replace(/^sha256:/, '')) ? imageName : image;
      const name = o.name ?? named.split('/').pop()!.split(':')[0];
      const { dirname, join } = await import('node:path');
      const { realpathSync } = await import('node:fs');
      const self = join(dirname(dirname(realpathSync(process.argv[1]))), 'bin', 'husk');
      const opts = Object.fromEntries([['OPT1', o.opt1], ['OPT2', o.opt2], ['OPT3', o.opt3]].filter(([, v]) => v !== undefined)) as Record<string, string>;
      const cmd = runlabelCommand(value, imageName, name, opts, args, self);
      if (o.display) return print(`command: ${cmd.join(' ')}`);
      if (o.replace) await engine.containers.remove([name], { force: true, ignore: true });
      const { spawn } = await import('node:child_process');
      const env = { ...process.env, ...opts, NAME: name, IMAGE: imageName, PODMAN_RUNLABEL_NESTED: '1' };
      const child = spawn(cmd[0], cmd.slice(1), { stdio: o.quiet ? 'ignore' : 'inherit', env });
      process.exitCode = await new Promise<number>((resolve, reject) => {
        child.once('error', reject);
        child.once('exit', (code, sig) => resolve(code ?? 128 + ((sig && (({ SIGKILL: 9, SIGTERM: 15, SIGINT: 2 }) as Record<string, number>)[sig]) || 0)));
      });
    });
}
