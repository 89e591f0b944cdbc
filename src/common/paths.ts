// Where husk itself is installed. Works from the CLI's scripts (dist/chunks/*.cjs) and
// from the TypeScript sources (src/common/paths.ts) used by library callers.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

let root: string | undefined;

/** The directory holding husk's package.json. */
export function installRoot(): string {
  if (root) return root;
  let dir = import.meta.dirname;
  for (let i = 0; i < 4; i++) {
    if (existsSync(join(dir, 'package.json'))) return (root = dir);
    dir = dirname(dir);
  }
  throw new Error(`cannot find husk's install root from ${import.meta.dirname}`);
}

export function installPath(rel: string): string {
  return join(installRoot(), rel);
}
