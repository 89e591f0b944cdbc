// What one image looks like to `image inspect`, `history` and `image tree`:
// shapes built from the stored record and the layer table.
import type { ImageRecord } from '../../image/types.ts';
import { splitName } from '../../image/reference.ts';
import type { EngineContext } from '../context.ts';
import type { HistoryEntry, ImageInspect, ImageTree, ImageTreeNode } from './api.ts';

/** Podman's `image inspect` document. */
export function inspectImage(ctx: EngineContext, img: ImageRecord): ImageInspect {
  const c = img.config;
  const layerDir = (l: string | undefined) => (l ? ctx.images.layerDir(l) : '');
  return {
    Id: img.id, Digest: img.digest, RepoTags: img.names, RepoDigests: img.names.map((n) => `${splitName(n).repository}@${img.digest}`),
    Parent: '', Comment: c.history?.at(-1)?.comment ?? '', Created: img.created, Config: c.config ?? {}, Version: '',
    Author: c.author ?? '', Architecture: c.architecture, Os: c.os, Size: img.size, VirtualSize: img.size,
    // vfs keeps no layer directories an image could name (Podman's vfs shows no Data either).
    GraphDriver: ctx.vfs ? { Name: 'vfs', Data: null } : { Name: 'overlay', Data: { LowerDir: img.layers.slice(0, -1).reverse().map(layerDir).join(':'), UpperDir: layerDir(img.layers.at(-1)) } },
    RootFS: { Type: 'layers', Layers: img.layers }, Labels: c.config?.Labels ?? null, Annotations: img.manifest.annotations ?? {},
    ManifestType: img.manifest.mediaType ?? 'application/vnd.oci.image.manifest.v1+json', User: c.config?.User ?? '',
    History: c.history ?? [], NamesHistory: ctx.images.namesHistory().get(img.id) ?? img.names,
  };
}

/**
 * One entry per history record of the config (one per layer when it has
 * none), newest first; empty_layer records have no layer and size 0.
 */
export function imageHistory(ctx: EngineContext, img: ImageRecord): HistoryEntry[] {
  const hist = img.config.history?.length ? img.config.history : img.layers.map(() => ({}));
  let layer = 0;
  return hist.map((h) => {
    const empty = 'empty_layer' in h && h.empty_layer;
    const diff = empty ? undefined : img.layers[layer++];
    return { h: h as { created?: string; created_by?: string; comment?: string }, size: diff ? ctx.images.layerSize(diff) ?? 0 : 0 };
  }).reverse().map(({ h, size }, i) => ({
    id: i === 0 ? img.id : '<missing>',
    created: h.created ?? img.created,
    createdBy: h.created_by ?? '',
    size,
    comment: h.comment ?? '',
    tags: i === 0 ? img.names : [],
  }));
}

export function imageTree(ctx: EngineContext, img: ImageRecord, o: { whatRequires?: boolean } = {}): ImageTree {
  return {
    id: img.id, names: img.names, size: img.size,
    layers: img.layers.map((l) => ({ id: l, size: ctx.images.layerSize(l) ?? 0 })),
    ...(o.whatRequires ? { requiredBy: layerChildren(ctx, img) } : {}),
  };
}

/**
 * `image tree --whatrequires`: the image's top layer and every layer built
 * on it, as libimage's layer tree. A layer is a chain of diff IDs (layers
 * are shared by content), its children the chains one layer longer that
 * some image has; a chain's names are those of the images it is the top of.
 */
function layerChildren(ctx: EngineContext, img: ImageRecord): ImageTreeNode {
  const images = ctx.images.list();
  const key = (chain: string[]) => chain.join(',');
  const node = (chain: string[]): ImageTreeNode => {
    const k = key(chain);
    const next = new Set<string>();
    for (const i of images) if (i.layers.length > chain.length && key(i.layers.slice(0, chain.length)) === k) next.add(i.layers[chain.length]);
    return {
      id: chain.at(-1) ?? '', size: ctx.images.layerSize(chain.at(-1) ?? '') ?? 0,
      names: images.filter((i) => key(i.layers) === k).flatMap((i) => i.names),
      children: [...next].map((l) => node([...chain, l])),
    };
  };
  return node(img.layers);
}
