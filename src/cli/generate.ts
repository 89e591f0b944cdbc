// `husk generate systemd [options] CTR|POD`: unit files from the engine's
// view of a container or pod (src/systemd/generate.ts writes the text).
// Flags as Podman's; --files writes NAME.service into the working
// directory and prints the paths, otherwise the units are printed.
import { Command } from 'commander';
import { HuskError, invalidArgument } from '../common/errors.ts';
import type { Engine } from '../engine/api.ts';
import { generateSystemd, writeUnitFiles, RESTART_POLICIES, type ContainerUnitInput, type GenerateOptions, type GenerateTarget } from '../systemd/generate.ts';
import { collect, connectFor, parseIntFlag, print } from './common.ts';
import { makeGenerate as makeKube } from './kube.ts';
import { makeGenerateSpec } from './generate-spec.ts';
import { VERSION } from './version.ts';

type Opts = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Where Exec lines point: the installed husk (scripts/setup.sh), or HUSK_SYSTEMD_EXECUTABLE (tests). */
const EXECUTABLE = '/usr/local/bin/husk';

async function containerInput(engine: Engine, ref: string, runRoot: string): Promise<ContainerUnitInput> {
  const { config } = await engine.containers.get(ref);
  // conmon's PID file and the process environment are what inspect shows (Podman reads the same).
  const i = await engine.containers.inspect(config.id) as { ConmonPidFile: string; Config: { Env?: string[] } };
  const policy = config.intent.restartPolicy?.name;
  return {
    id: config.id, name: config.name, createCommand: config.intent.createCommand?.length ? config.intent.createCommand : undefined,
    stopTimeout: config.intent.stopTimeout ?? 10, conmonPidFile: i.ConmonPidFile, runRoot, env: i.Config.Env,
    restartPolicy: policy && policy !== 'no' ? policy : undefined,
  };
}

/** A container if one has that name or ID, else a pod (Podman tries in the same order). */
async function target(engine: Engine, ref: string): Promise<GenerateTarget> {
  const runRoot = (await engine.system.info()).store.runRoot;
  if (await engine.containers.exists(ref)) return { kind: 'container', container: await containerInput(engine, ref, runRoot) };
  let pod;
  try {
    pod = await engine.pods.get(ref);
  } catch (err) {
    if (err instanceof HuskError && err.code === 'NO_SUCH_POD') throw new HuskError('NO_SUCH_CONTAINER', `${ref} does not refer to a container or pod: no such pod or container`);
    throw err;
  }
  const infra = pod.containers.find((c) => c.isInfra);
  if (!infra) throw invalidArgument(`pod does not have an infra container`);
  const members = pod.containers.filter((c) => !c.isInfra);
  return {
    kind: 'pod',
    pod: {
      id: pod.config.id, name: pod.config.name, createCommand: pod.config.createCommand?.length ? pod.config.createCommand : undefined,
      infra: await containerInput(engine, infra.id, runRoot),
      containers: await Promise.all(members.map((m) => containerInput(engine, m.id, runRoot))),
    },
  };
}

function optionsFrom(o: Opts, cmd: Command): GenerateOptions {
  const given = (k: string) => cmd.getOptionValueSource(k) === 'cli';
  if (given('restartPolicy') && !RESTART_POLICIES.includes(o.restartPolicy)) {
    throw invalidArgument(`${o.restartPolicy} is not a valid restart policy`);
  }
  if (given('time') && given('stopTimeout')) throw invalidArgument('time and stop-timeout cannot be set at the same time');
  return {
    executable: process.env.HUSK_SYSTEMD_EXECUTABLE || EXECUTABLE, version: VERSION,
    useName: o.name, new: given('new') ? o.new : undefined, restartPolicy: given('restartPolicy') ? o.restartPolicy : undefined,
    restartSec: o.restartSec, startTimeout: o.startTimeout, stopTimeout: o.time ?? o.stopTimeout,
    containerPrefix: o.containerPrefix, podPrefix: o.podPrefix, separator: o.separator,
    wants: o.wants, after: o.after, requires: o.requires, env: o.env, noHeader: o.header === false, template: o.template,
    warn: (m) => process.stderr.write(`WARN[0000] ${m}\n`),
  };
}

function makeSystemd(): Command {
  return new Command('systemd').description('Generate systemd units')
    .option('-n, --name', 'Use container/pod names instead of IDs', false)
    .option('--new', 'Create a new container or pod instead of starting an existing one')
    .option('-f, --files', 'Generate .service files instead of printing to stdout', false)
    .option('--restart-policy <policy>', 'Systemd restart-policy', 'on-failure')
    .option('--restart-sec <seconds>', 'Configures the time to sleep before restarting a service', parseIntFlag('restart-sec'))
    .option('--start-timeout <seconds>', 'Start timeout override', parseIntFlag('start-timeout'))
    .option('--stop-timeout <seconds>', 'Stop timeout override', parseIntFlag('stop-timeout'))
    .option('-t, --time <seconds>', 'Stop timeout override', parseIntFlag('time'))
    .option('--container-prefix <prefix>', 'Systemd unit name prefix for containers', 'container')
    .option('--pod-prefix <prefix>', 'Systemd unit name prefix for pods', 'pod')
    .option('--separator <sep>', 'Systemd unit name separator between name/id and prefix', '-')
    .option('--after <unit>', 'Add dependencies order to the generated unit file', collect, [])
    .option('--wants <unit>', 'Add (weak) requirement dependencies to the generated unit file', collect, [])
    .option('--requires <unit>', 'Add (strong) requirement dependencies to the generated unit file', collect, [])
    .option('-e, --env <env>', 'Set environment variables to the systemd unit files', collect, [])
    .option('--no-header', 'Skip header generation')
    .option('--template', 'Make it a template file and use %i and %I specifiers', false)
    .option('--format <format>', 'Print the created units in specified format (json)')
    .argument('<ctr-or-pod>')
    .action(async function (this: Command, ref: string, o: Opts) {
      if (o.format !== undefined && o.format !== 'json') throw invalidArgument(`unknown --format "${o.format}": only json is supported`);
      if (o.files && o.format) throw invalidArgument('--files and --format cannot be used together');
      const opts = optionsFrom(o, this);
      const units = generateSystemd(await target(await connectFor(this), ref), opts);
      if (o.files) {
        for (const p of writeUnitFiles(units, process.cwd())) print(p);
      } else if (o.format === 'json') {
        print(JSON.stringify(Object.fromEntries(units.map((u) => [u.serviceName, u.text])), null, 4));
      } else {
        // The text opens with `# NAME.service` (or has no header); Podman puts a blank line between units.
        process.stdout.write(units.map((u) => u.text).join('\n'));
      }
    });
}

export function register(program: Command): void {
  const group = new Command('generate').description('Generate structured data based on containers, pods or volumes');
  group.addCommand(makeSystemd());
  group.addCommand(makeKube());
  group.addCommand(makeGenerateSpec());
  program.addCommand(group);
}
