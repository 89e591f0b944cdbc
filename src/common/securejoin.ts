// Resolving a path inside a container root filesystem the way the container
// would see it: symlinks (absolute or relative) are followed but clamped to
// the root, so a hostile image cannot make husk read or write host files.
import { lstatSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';

export function secureJoin(root: string, path: string): string {
  const parts = path.split('/').filter((p) => p && p !== '.');
  const resolved: string[] = [];
  let hops = 0;
  while (parts.length) {
    const p = parts.shift()!;
    if (p === '..') {
      resolved.pop();
      continue;
    }
    const candidate = join(root, ...resolved, p);
    let st;
    try {
      st = lstatSync(candidate);
    } catch {
      resolved.push(p);
      continue;
    }
    if (st.isSymbolicLink()) {
      if (++hops > 255) throw new Error(`too many levels of symbolic links resolving ${path}`);
      const target = readlinkSync(candidate);
      if (target.startsWith('/')) resolved.length = 0;
      parts.unshift(...target.split('/').filter((x) => x && x !== '.'));
      continue;
    }
    resolved.push(p);
  }
  return join(root, ...resolved);
}
