// The rootless netns as the engine configures it: one per user, under the
// user's run dir (not the store's run root: every store of the user shares
// it, as they share the address pool), served by a slirp4netns whose options
// come from containers.conf `[engine] network_cmd_options`, as in Podman
// (e.g. "allow_host_loopback=true" lets containers reach the host's
// 127.0.0.1 as 10.0.2.2).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'smol-toml';
import { rootlessRunDir } from '../../common/userns.ts';
import { RootlessNetns } from '../../runtime/network/rootless-netns.ts';
import { parseSlirpMode } from '../../runtime/network/slirp.ts';
import type { EngineContext } from '../context.ts';

/** The user's rootless netns, or undefined for root. */
export function rootlessNetns(e: EngineContext): RootlessNetns | undefined {
  const r = e.config.rootless;
  if (!r) return undefined;
  return new RootlessNetns(join(rootlessRunDir(r.uid), 'rootless-netns'), parseSlirpMode(['slirp4netns', networkCmdOptions(e.config.configFiles).join(',')].filter(Boolean).join(':')));
}

/** containers.conf `[engine] network_cmd_options` (the last file that sets it wins). */
function networkCmdOptions(files: string[]): string[] {
  let out: string[] = [];
  for (const f of files) {
    if (!existsSync(f)) continue;
    try {
      const v = (parse(readFileSync(f, 'utf8')).engine as Record<string, unknown> | undefined)?.network_cmd_options;
      if (Array.isArray(v)) out = v.map(String);
    } catch {
      // resolveConfig has already reported a broken file.
    }
  }
  return out;
}
