// `husk generate spec [options] {CONTAINER|POD}`: the structured spec a
// container was created from (husk's ContainerSpec, what the engine's create
// and husk's REST API take), or a pod's PodSpec, as JSON. As Podman's: a
// container is looked up first, then a pod; --name (default true) renames
// it to the first free NAME-clone, NAME-clone1... so the output can create a
// second one; --compact prints one line; --filename writes the file and
// prints its path.
import { writeFileSync } from 'node:fs';
import { Command } from 'commander';
import { HuskError } from '../common/errors.ts';
import type { Engine } from '../engine/api.ts';
import type { ContainerSpec } from '../engine/container/api.ts';
import type { PodSpec } from '../engine/pod/api.ts';
import { connectFor, print } from './common.ts';

type Opts = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Podman's generate.CheckName: NAME-clone, else (or when NAME is a clone) NAME-clone1, NAME-clone2... */
async function freeName(base: string, taken: (n: string) => Promise<boolean>): Promise<string> {
  const at = base.indexOf('-clone');
  const stem = at < 0 ? `${base}-clone` : base.slice(0, at + 6);
  if (at < 0 && !(await taken(stem))) return stem;
  for (let i = 1; ; i++) if (!(await taken(`${stem}${i}`))) return `${stem}${i}`;
}

async function containerSpec(engine: Engine, ref: string, rename: boolean): Promise<ContainerSpec> {
  const { config } = await engine.containers.get(ref);
  const spec: ContainerSpec = { ...config.intent, name: config.name };
  // The command line that created the original describes that one, not what this spec creates.
  delete spec.createCommand;
  if (rename) spec.name = await freeName(config.name, (n) => engine.containers.exists(n));
  return spec;
}

async function podSpec(engine: Engine, ref: string, rename: boolean): Promise<PodSpec> {
  const pod = await engine.pods.get(ref);
  const c = pod.config;
  const spec: PodSpec = { name: c.name, labels: c.labels, hostname: c.hostname, share: c.share, infra: !!c.infraId, exitPolicy: c.exitPolicy };
  if (c.infraId) {
    const infra = await engine.containers.get(c.infraId);
    const i = infra.config.intent;
    Object.assign(spec, {
      infraImage: infra.config.imageName, infraName: infra.config.name, infraCommand: i.command, network: i.network,
      publish: i.portMappings?.map((p) => `${p.hostIp ? `${p.hostIp}:` : ''}${p.hostPort ?? ''}:${p.containerPort}/${p.protocol ?? 'tcp'}`),
      networkAliases: i.networkAliases, dns: i.dns, dnsSearch: i.dnsSearch, addHost: i.extraHosts?.map((h) => `${h.host}:${h.ip}`), noHosts: i.noHosts,
    });
  }
  if (rename) {
    spec.name = await freeName(c.name, (n) => engine.pods.exists(n));
    // The original's infra container keeps its name: the new pod names its own.
    delete spec.infraName;
  }
  // Undefined fields are left out of the JSON, as Podman's omitempty does.
  return spec;
}

export function makeGenerateSpec(): Command {
  return new Command('spec').description('Generate Specgen JSON based on containers or pods')
    .usage('[options] {CONTAINER|POD}')
    .option('-f, --filename <file>', 'Write output to the specified path')
    .option('-c, --compact', 'Print the json in a compact format for consumption', false)
    .option('-n, --name [bool]', 'Specify a new name for the generated spec (default true)', (v) => v !== 'false', true)
    .argument('<container|pod>')
    .action(async function (this: Command, ref: string, o: Opts) {
      const engine = await connectFor(this);
      let spec: ContainerSpec | PodSpec;
      if (await engine.containers.exists(ref)) spec = await containerSpec(engine, ref, o.name);
      else if (await engine.pods.exists(ref)) spec = await podSpec(engine, ref, o.name);
      else throw new HuskError('NO_SUCH_CONTAINER', `could not find a pod or container with the id ${ref}`);
      const json = o.compact ? JSON.stringify(spec) : JSON.stringify(spec, null, 4);
      if (o.filename) {
        writeFileSync(o.filename, json, { mode: 0o644 });
        print(o.filename);
      } else print(json);
    });
}
