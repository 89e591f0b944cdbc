// `husk generate spec [options] {CONTAINER|POD}`: the spec a container was
// created from as Podman's SpecGenerator JSON, or a pod's as its
// PodSpecGenerator JSON: what `POST /libpod/containers/create` (and
// `/libpod/pods/create`) of husk's REST API and Podman's take, so the output
// creates a second one that runs the same way (src/specgen/libpod.ts). As
// Podman's: a container is looked up first, then a pod; --name (default
// true) renames it to the first free NAME-clone, NAME-clone1...; --compact
// prints one line; --filename writes the file and prints its path.
import { writeFileSync } from 'node:fs';
import { Command } from 'commander';
import { HuskError } from '../common/errors.ts';
import type { Engine } from '../engine/api.ts';
import type { ContainerSpec } from '../engine/container/api.ts';
import { PAUSE_IMAGE, type PodSpec } from '../engine/pod/api.ts';
import { formatPortSpec } from '../specgen/flags.ts';
import { toSpecGenerator, type Json } from '../specgen/libpod.ts';
import { podToSpecGenerator } from '../specgen/libpod-pod.ts';
import { POD_INFRA_KEYS } from '../specgen/pod.ts';
import { connectFor, print } from './common.ts';

type Opts = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Podman's generate.CheckName: NAME-clone, else (or when NAME is a clone) NAME-clone1, NAME-clone2... */
async function freeName(base: string, taken: (n: string) => Promise<boolean>): Promise<string> {
  const at = base.indexOf('-clone');
  const stem = at < 0 ? `${base}-clone` : base.slice(0, at + 6);
  if (at < 0 && !(await taken(stem))) return stem;
  for (let i = 1; ; i++) if (!(await taken(`${stem}${i}`))) return `${stem}${i}`;
}

async function containerSpec(engine: Engine, ref: string, rename: boolean): Promise<Json> {
  const { config } = await engine.containers.get(ref);
  const spec: ContainerSpec = { ...config.intent, name: config.name };
  // The command line that created the original describes that one, not what this spec creates.
  delete spec.createCommand;
  // A pod member's stored spec joins the infra container's namespaces: the pod does that for the new one.
  const pod = config.pod ? await engine.pods.get(config.pod).catch(() => undefined) : undefined;
  const join = pod?.config.infraId ? `container:${pod.config.infraId}` : undefined;
  if (join) {
    if (spec.utsMode === join) delete spec.hostname;
    for (const k of ['network', 'pidMode', 'ipcMode', 'utsMode'] as const) if (spec[k] === join) delete spec[k];
  }
  if (rename) spec.name = await freeName(config.name, (n) => engine.containers.exists(n));
  return toSpecGenerator(spec);
}

async function podSpec(engine: Engine, ref: string, rename: boolean): Promise<Json> {
  const pod = await engine.pods.get(ref);
  const c = pod.config;
  const spec: PodSpec = {
    name: c.name, labels: c.labels, hostname: c.hostname, share: c.share, infra: !!c.infraId, exitPolicy: c.exitPolicy, cgroupParent: c.cgroupParent,
    shareParent: c.shareParent, resources: c.resources,
  };
  if (c.infraId) {
    const infra = await engine.containers.get(c.infraId);
    const i = infra.config.intent;
    const first = { network: i.network!, ip: i.ip, ip6: i.ip6, mac: i.mac, aliases: i.networkAliases, interfaceName: i.interfaceName };
    Object.assign(spec, {
      // The default pause image is husk's own, built on demand: left to the new pod to make.
      infraImage: infra.config.imageName === PAUSE_IMAGE ? undefined : infra.config.imageName,
      infraName: infra.config.name, infraCommand: i.entrypoint, infraConmonPidFile: i.conmonPidFile,
      networks: i.network ? [first, ...(i.extraNetworks ?? [])] : undefined, publish: i.portMappings?.map(formatPortSpec),
      dns: i.dns, dnsSearch: i.dnsSearch, dnsOption: i.dnsOption, addHost: i.extraHosts?.map((h) => `${h.host}:${h.ip}`), noHosts: i.noHosts,
      // What the members inherit (volumes, devices, security options...), as pod create's flags set it.
      infraSpec: Object.fromEntries(POD_INFRA_KEYS.filter((k) => i[k] !== undefined).map((k) => [k, i[k]])),
    });
  }
  if (rename) {
    spec.name = await freeName(c.name, (n) => engine.pods.exists(n));
    // The original's infra container keeps its name: the new pod names its own.
    delete spec.infraName;
  }
  return podToSpecGenerator(spec);
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
      let spec: Json;
      if (await engine.containers.exists(ref)) spec = await containerSpec(engine, ref, o.name);
      else if (await engine.pods.exists(ref)) spec = await podSpec(engine, ref, o.name);
      else throw new HuskError('NO_SUCH_CONTAINER', `could not find a pod or container with the id ${ref}`);
      // Podman's json.MarshalIndent(spec, "", " "): one space a level.
      const json = o.compact ? JSON.stringify(spec) : JSON.stringify(spec, null, 1);
      if (o.filename) {
        writeFileSync(o.filename, json, { mode: 0o644 });
        print(o.filename);
      } else print(json);
    });
}
