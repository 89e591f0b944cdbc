// `extends`: a service starts from another service of the same file or of
// another file, then its own attributes merge on top (merge.ts rules).
// Resolved per file before the files are merged, as Compose does. Relative
// paths of a service from another file were read against that file's
// directory, so they keep pointing where its author meant.
import { dirname, resolve } from 'node:path';
import { Where } from './check.ts';
import { mergeDrafts } from './merge.ts';
import type { ServiceDraft } from './service.ts';

/** The services of one file, read but with `extends` not yet applied. */
export interface FileServices {
  /** Absolute path. */
  path: string;
  /** As shown in errors. */
  display: string;
  drafts: Map<string, ServiceDraft>;
}

/** Reads (once) a file that services extend from; services only, other keys are ignored. */
export type LoadExtended = (path: string, by: Where) => FileServices;

/** Every draft of `file` with its `extends` chain applied. */
export function applyExtends(file: FileServices, load: LoadExtended): Map<string, ServiceDraft> {
  const done = new Map<string, ServiceDraft>();
  const out = new Map<string, ServiceDraft>();
  for (const name of file.drafts.keys()) out.set(name, resolveOne(file, name, load, done, []));
  return out;
}

function resolveOne(
  file: FileServices, name: string, load: LoadExtended, done: Map<string, ServiceDraft>, stack: string[],
): ServiceDraft {
  const id = `${file.path}#${name}`;
  const cached = done.get(id);
  if (cached) return cached;
  const d = file.drafts.get(name)!;
  if (!d.extends) {
    done.set(id, d);
    return d;
  }
  const w = new Where(d.origin.extends ?? file.display, `services.${name}.extends`);
  if (stack.includes(id)) {
    const chain = [...stack.slice(stack.indexOf(id)), id].map((s) => s.split('#')[1]);
    w.fail(`circular reference: ${chain.join(' -> ')}`);
  }
  const target = d.extends.file ? load(resolve(dirname(file.path), d.extends.file), w.at('file')) : file;
  if (!target.drafts.has(d.extends.service)) {
    w.at('service').fail(`service "${d.extends.service}" not found${d.extends.file ? ` in ${target.display}` : ''}`);
  }
  const base = resolveOne(target, d.extends.service, load, done, [...stack, id]);
  const local: ServiceDraft = { ...d, extends: undefined };
  delete local.extends;
  const merged = mergeDrafts({ ...base, name, origin: { ...base.origin } }, local);
  merged.file = file.display;
  done.set(id, merged);
  return merged;
}
