// Printing inspect results: Podman prints a JSON array, or one template
// rendering per object with --format.
import { HuskError, invalidArgument } from '../common/errors.ts';
import type { Engine } from '../engine/api.ts';
import { renderOne } from './format/index.ts';

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
