// Disk usage of a directory tree: the apparent size of every file (lstat,
// hard links counted once), as containers/storage's directory.Size counts.
import { lstatSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

export function du(dir: string): number {
  const seen = new Set<string>();
  let total = 0;
  const walk = (p: string) => {
    let names: string[];
    try { names = readdirSync(p); } catch { return; }
    for (const n of names) {
      const f = join(p, n);
      let st;
      try { st = lstatSync(f, { bigint: false }); } catch { continue; }
      if (st.isDirectory()) { walk(f); continue; }
      if (st.nlink > 1) {
        const key = `${st.dev}:${st.ino}`;
        if (seen.has(key)) continue;
        seen.add(key);
      }
      total += st.size;
    }
  };
  walk(dir);
  return total;
}
