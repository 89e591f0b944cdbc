// `inspect` (any kind of object) and the printing every inspect command
// shares: Podman prints a JSON array, or one template rendering per object
// with --format. A module of its own, so `inspect` loads none of the system
// commands' code.
import { Command } from 'commander';
import { HuskError, invalidArgument } from '../common/errors.ts';
import type { Engine } from '../engine/api.ts';
import { addLatestFlag, connectFor } from './common.ts';
import { renderOne } from './format/index.ts';

type Opts = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Looks up each name in turn (errors: all printed but the last, which is thrown after the output). */
export async function printInspect(names: string[], format: string, get: (name: string) => unknown): Promise<void> {
  if (!names.length) throw new Error('inspect requires at least one name or ID');
  const out: unknown[] = [];
  let failed: Error | undefined;
  for (const n of names) {
    try {
      out.push(await get(n));
    } catch (e) {
      if (failed) process.stderr.write(`Error: ${failed.message}\n`);
      failed = e as Error;
    }
  }
  if (!format || format === 'json' || format === '{{json .}}') process.stdout.write(`${JSON.stringify(out, null, 4)}\n`);
  else for (const o of out) process.stdout.write(`${renderOne(format, o)}\n`);
  if (failed) throw failed;
}

/**
 * inspect --latest: the newest container's ID. Podman refuses names with it,
 * and with no container prints an empty list before its error.
 */
export async function inspectLatest(engine: Engine, names: string[], format: string): Promise<string[]> {
  if (names.length) throw invalidArgument('--latest and arguments cannot be used together');
  const [c] = await engine.containers.list({ latest: true });
  if (c) return [c.config.id];
  if (!format || format === 'json') process.stdout.write('[]\n');
  throw new HuskError('NO_SUCH_CONTAINER', 'inspecting object: no containers to inspect: no such container');
}

/** Object kinds `inspect --type all` tries, in Podman's order, and how to inspect each. */
const KINDS: [string, (e: Engine, n: string) => Promise<unknown>, string][] = [
  ['container', (e, n) => e.containers.inspect(n), 'NO_SUCH_CONTAINER'],
  ['image', (e, n) => e.images.inspect(n), 'NO_SUCH_IMAGE'],
  ['volume', (e, n) => e.volumes.inspect(n), 'NO_SUCH_VOLUME'],
  ['network', (e, n) => e.networks.inspect(n), 'NO_SUCH_NETWORK'],
  ['pod', (e, n) => e.pods.inspect(n), 'NO_SUCH_POD'],
];

/** The first kind that knows the name (or, with a type, that kind's answer). */
async function inspectAny(engine: Engine, name: string, type: string): Promise<unknown> {
  const kinds = type === 'all' ? KINDS : KINDS.filter(([k]) => k === type);
  if (!kinds.length) throw new HuskError('INVALID_ARGUMENT', `invalid type "${type}": must be one of container, image, volume, network, pod, all`);
  for (const [, inspect, notFound] of kinds) {
    try {
      return await inspect(engine, name);
    } catch (err) {
      if (kinds.length === 1 || (err as HuskError).code !== notFound) throw err;
    }
  }
  throw new HuskError('NO_SUCH_CONTAINER', `no such object: "${name}"`);
}

function makeInspect(): Command {
  return addLatestFlag(new Command('inspect').description('Display the configuration of a container or image'))
    .option('-f, --format <format>', 'Format the output to a Go template or json', 'json')
    .option('-t, --type <type>', 'Specify inspect-object type (container, image, volume, network, pod, all)', 'all')
    .option('-s, --size', 'Display total file size', false)
    .argument('[names...]')
    .action(async function (this: Command, names: string[], o: Opts) {
      if (o.latest && !['all', 'container'].includes(o.type)) throw new HuskError('INVALID_ARGUMENT', `latest is not supported for type "${o.type}"`);
      if (!o.latest && !names.length) throw new HuskError('INVALID_ARGUMENT', 'no names or ids specified');
      const engine = await connectFor(this);
      if (o.latest) names = await inspectLatest(engine, names, o.format);
      return printInspect(names, o.format, (n) => inspectAny(engine, n, o.latest ? 'container' : o.type));
    });
}

export function register(program: Command): void {
  program.addCommand(makeInspect());
}
