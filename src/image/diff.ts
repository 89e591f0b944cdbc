// A container's changes are its overlay upper dir: what it holds was added or
// changed, and overlay's whiteouts (0:0 character devices) and opaque
// directories record deletions. From it come `diff`'s listing and the layer
// `commit` stores. Layer dirs use the same encoding (see extract.ts), so the
// lower side is read the same way.
import { lstatSync, type BigIntStats, type Stats } from 'node:fs';
import { native } from '../common/native.ts';
import { overlayXattr } from '../common/userns.ts';
import { scanTree, tarDirectory } from './tarwriter.ts';

export type ChangeKind = 'A' | 'C' | 'D';

export interface Change {
  kind: ChangeKind;
  /** Absolute path inside the container. */
  path: string;
}

const isWhiteout = (st: Stats | BigIntStats) => st.isCharacterDevice() && Number(st.rdev) === 0;
const isOpaque = (path: string) => native().lgetxattr(path, overlayXattr('opaque'))?.toString() === 'y';

/**
 * Whether `rel` exists in the union of the lower layer dirs, as overlay
 * would show it: layers are consulted top down, a whiteout or a
 * non-directory on the way hides everything below, and an opaque directory
 * hides the layers under the one holding it.
 */
export function existsInLayers(rel: string, lowerLayerDirs: string[]): boolean {
  const parts = rel.split('/').filter(Boolean);
  if (!parts.length) return true;
  for (let i = lowerLayerDirs.length - 1; i >= 0; i--) {
    let path = lowerLayerDirs[i]!;
    let opaque = false;
    for (let k = 0; k < parts.length; k++) {
      path += `/${parts[k]}`;
      const st = lstatSync(path, { throwIfNoEntry: false });
      if (!st) break;
      if (isWhiteout(st)) return false;
      if (k === parts.length - 1) return true;
      if (!st.isDirectory()) return false;
      if (isOpaque(path)) opaque = true;
    }
    if (opaque) return false;
  }
  return false;
}

/**
 * The changes an upper dir makes to its lower layers (given bottom first, as
 * an image lists them), sorted by path. Directories that only hold changed
 * files are listed as changed, as Podman does. An opaque directory that
 * replaced a lower one is reported deleted; its entries are then compared
 * with the lower layers one by one.
 */
export function changes(upper: string, lowerLayerDirs: string[]): Change[] {
  const out: Change[] = [];
  for (const { rel, path, st } of scanTree(upper)) {
    if (!rel) continue;
    const p = `/${rel}`;
    if (isWhiteout(st)) out.push({ kind: 'D', path: p });
    else if (st.isDirectory() && isOpaque(path)) out.push({ kind: existsInLayers(rel, lowerLayerDirs) ? 'D' : 'A', path: p });
    else out.push({ kind: existsInLayers(rel, lowerLayerDirs) ? 'C' : 'A', path: p });
  }
  // Byte order of the whole path ("/a-b" before "/a/b"), as Podman sorts.
  return out.sort((a, b) => Buffer.compare(Buffer.from(a.path), Buffer.from(b.path)));
}

/** The OCI layer tar (uncompressed) of an upper dir: whiteouts in `.wh.` form, no overlay xattrs. */
export function layerFromUpper(upper: string): AsyncGenerator<Buffer> {
  return tarDirectory(upper, { whiteouts: 'oci' });
}
