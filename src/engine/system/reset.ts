// `system reset`: everything husk stored goes — containers (killed first),
// pods, volumes (unmounted), images, networks — and then the graph root and
// run root directories themselves, as Podman's Reset removes its store.
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { native, MNT_DETACH } from '../../common/native.ts';
import type { EngineContext } from '../context.ts';
import { LocalContainers } from '../container/local.ts';
import { LocalImages } from '../image/local.ts';
import { LocalPods } from '../pod/local.ts';
import { LocalVolumes } from '../volume/local.ts';

/** Mount points at or under dir, deepest first. */
function mountsUnder(dir: string): string[] {
  return readFileSync('/proc/mounts', 'utf8').split('\n').map((l) => l.split(' ')[1]?.replace(/\\040/g, ' '))
    .filter((m): m is string => !!m && (m === dir || m.startsWith(`${dir}/`))).sort((a, b) => b.length - a.length);
}

/** Waits until no other process names one of dirs on its command line, or the time is up. */
async function idle(dirs: string[], ms: number): Promise<void> {
  const end = Date.now() + ms;
  const busy = () => readdirSync('/proc').some((p) => {
    if (!/^\d+$/.test(p) || Number(p) === process.pid) return false;
    try {
      const argv = readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0');
      return argv.some((a) => dirs.some((d) => a === d || a.startsWith(`${d}/`)));
    } catch { return false; }
  });
  while (busy() && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
}

export async function systemReset(e: EngineContext): Promise<void> {
  const { root, runroot } = e.config;
  const pods = new LocalPods(e);
  await pods.remove([], { all: true, force: true, timeout: 0 });
  const containers = new LocalContainers(e);
  await containers.remove([], { all: true, force: true, volumes: true });
  const images = new LocalImages(e);
  for (const m of await images.mounted()) await images.unmount(m.id).catch(() => {});
  await new LocalVolumes(e).prune({});
  e.close();
  // conmon's exit commands (`container cleanup`) of the containers just killed
  // may still run and would re-create files: wait for them (bounded).
  await idle([root, runroot], 10_000);
  // Whatever is still mounted (a volume's tmpfs, a leaked overlay) would keep its files.
  for (const dir of [root, runroot]) {
    for (const m of mountsUnder(dir)) try { native().umount2(m, MNT_DETACH); } catch {}
    rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
  }
}
