// Image listings and their --filter keys, with Podman's semantics (libimage
// filters.go), matched by the one filter implementation (../filters.ts).
import { invalidArgument } from '../../common/errors.ts';
import { parseNamed, splitName } from '../../image/reference.ts';
import type { ImageRecord } from '../../image/types.ts';
import type { EngineContext } from '../context.ts';
import { compileFilters, labelMatcher, notLabelMatcher, untilMatcher, type Matchers } from '../filters.ts';
import type { ImageSummary, ImageListOptions } from './api.ts';

/** An image and how many containers use it: what every filter looks at. */
interface Item { img: ImageRecord; containers: number }

const labels = (i: Item) => i.img.config.config?.Labels;
const time = (img: ImageRecord) => new Date(img.created).getTime();

/** true/false filter values, as Podman parses them. */
function bool(key: string, v: string): boolean {
  if (v === 'true' || v === '1') return true;
  if (v === 'false' || v === '0') return false;
  throw invalidArgument(`invalid ${key} filter value "${v}": must be true or false`);
}

/** Go's path.Match pattern (what Docker and Podman match references with) as a RegExp. */
export function globRegExp(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '\\' && i + 1 < pattern.length) re += `\\${pattern[++i]}`;
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 2);
      if (end < 0) throw invalidArgument(`invalid reference filter "${pattern}": syntax error in pattern`);
      const body = pattern.slice(i + 1, end).replace(/^\^/, '!').replace(/\\/g, '\\\\');
      re += body.startsWith('!') ? `[^/${body.slice(1)}]` : `[${body}]`;
      i = end;
    } else re += c.replace(/[.+^${}()|\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/**
 * The forms of a stored name a reference filter is tried against (Podman's
 * filterReferences): the full name, the path, the last component, each also
 * without the tag or digest.
 */
export function referenceCandidates(name: string): string[] {
  const out = [name, name.slice(name.lastIndexOf('/') + 1)];
  try {
    const r = parseNamed(name);
    out.push(r.path);
    const trimmed = r.domain ? `${r.domain}/${r.path}` : r.path;
    if (trimmed !== name) {
      const suffix = name.slice(trimmed.length);
      out.push(trimmed, r.path + suffix, trimmed.slice(trimmed.lastIndexOf('/') + 1));
    }
  } catch {
    // A stored name that does not parse is matched as written.
  }
  return out;
}

/**
 * Intermediate images (Podman's): untagged images that are another image's
 * parent, i.e. a build step's result the next step built on. An image's
 * parent has its history less the last entry, and its layers less the last
 * one unless that entry is an empty layer.
 */
export function intermediateIds(images: ImageRecord[]): Set<string> {
  const out = new Set<string>();
  const parent = parentFinder(images);
  for (const img of images) {
    const p = parent(img);
    if (p !== undefined) out.add(p);
  }
  for (const img of images) if (img.names.length) out.delete(img.id);
  return out;
}

/** The ID of an image's parent among images (see intermediateIds), if there is one. */
export function parentFinder(images: ImageRecord[]): (img: ImageRecord) => string | undefined {
  const key = (history: unknown[], layers: string[]) => JSON.stringify([history, layers]);
  const byKey = new Map<string, string>();
  for (const img of images) byKey.set(key(img.config.history ?? [], img.layers), img.id);
  return (img) => {
    const h = img.config.history ?? [];
    if (!h.length) return undefined;
    const last = h.at(-1) as { empty_layer?: boolean };
    const parent = byKey.get(key(h.slice(0, -1), last.empty_layer ? img.layers : img.layers.slice(0, -1)));
    return parent !== img.id ? parent : undefined;
  };
}

function matchers(ctx: EngineContext, intermediate: () => Set<string>): Matchers<Item> {
  const other = (v: string) => ctx.images.resolve(v);
  return {
    before: (v) => { const t = time(other(v)); return (i) => time(i.img) < t; },
    since: (v) => { const t = time(other(v)); return (i) => time(i.img) > t; },
    until: untilMatcher((i: Item) => i.img.created),
    dangling: (v) => { const want = bool('dangling', v); return (i) => (i.img.names.length === 0) === want; },
    label: labelMatcher(labels),
    'label!': notLabelMatcher(labels),
    reference: (v) => {
      const re = globRegExp(v);
      return (i) => i.img.names.some((n) => referenceCandidates(n).some((c) => re.test(c)));
    },
    id: (v) => { const hex = v.replace(/^sha256:/, ''); return (i) => i.img.id.startsWith(hex); },
    digest: (v) => (i) => i.img.digest === v,
    containers: (v) => { const want = bool('containers', v); return (i) => (i.containers > 0) === want; },
    intermediate: (v) => { const want = bool('intermediate', v); return (i) => intermediate().has(i.img.id) === want; },
    // No image is read-only.
    readonly: (v) => { const want = bool('readonly', v); return () => !want; },
  };
}

export function summary(img: ImageRecord, containers: number, history: string[] = img.names): ImageSummary {
  return {
    Id: img.id, Digest: img.digest, RepoTags: img.names, History: history,
    RepoDigests: img.names.map((n) => `${splitName(n).repository}@${img.digest}`),
    Created: img.created, Size: img.size, Labels: img.config.config?.Labels ?? {}, Containers: containers, Dangling: img.names.length === 0,
  };
}

/** Containers per image ID. */
export function containerCounts(ctx: EngineContext): Map<string, number> {
  const n = new Map<string, number>();
  for (const c of ctx.db.list()) n.set(c.config.imageId, (n.get(c.config.imageId) ?? 0) + 1);
  return n;
}

/** Images matching the filters, newest first. */
export function listImages(ctx: EngineContext, o: ImageListOptions = {}): ImageSummary[] {
  const images = ctx.images.list();
  let inter: Set<string> | undefined;
  const intermediate = () => (inter ??= intermediateIds(images));
  const match = compileFilters(o.filters, matchers(ctx, intermediate), 'image');
  const counts = containerCounts(ctx);
  const history = ctx.images.namesHistory();
  // Without -a, build steps' intermediate images are not listed (as Podman).
  return images.filter((img) => o.all || img.names.length || !intermediate().has(img.id))
    .map((img) => ({ img, containers: counts.get(img.id) ?? 0 }))
    .filter(match)
    .map((i) => summary(i.img, i.containers, history.get(i.img.id)));
}

/** The prune filters Podman accepts (label, label!, until) over the same items. */
export function pruneMatcher(ctx: EngineContext, filters: ImageListOptions['filters']): (img: ImageRecord) => boolean {
  const all = matchers(ctx, () => new Set());
  const match = compileFilters(filters, { label: all.label, 'label!': all['label!'], until: all.until }, 'image prune');
  return (img) => match({ img, containers: 0 });
}
