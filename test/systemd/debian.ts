// The Debian 12 rootfs with systemd (test/fixtures/build-debian.sh, built
// once by test/fixtures/build.sh and cached), imported into a test store.
import { existsSync, mkdirSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { FIXTURES, REPO, until, type Store } from '../helpers.ts';

export const DEBIAN_TAR = join(FIXTURES, 'debian-systemd.tar');

/** Imports the fixture as localhost/debian:latest (the image's CMD is unset: give a command). */
export function importDebian(s: Store): string {
  if (!existsSync(DEBIAN_TAR)) throw new Error(`${DEBIAN_TAR} is missing: run sh test/fixtures/build-debian.sh (needs mmdebstrap and Debian's mirror)`);
  return s.ok(['import', DEBIAN_TAR, 'debian']);
}

/**
 * husk inside systemd: the fixture booted as PID 1 of a --privileged
 * --systemd=always container named sysd (no network: it needs none), with the
 * checkout, its node_modules, the fixtures, the inner store and conmon, runc
 * (and `extraFiles`) bound in at the same paths, husk linked into its PATH
 * and busybox imported into the inner store. Returns the inner store's flags.
 */
export async function bootSystemd(s: Store, extraFiles: string[] = []): Promise<void> {
  const { inner, G } = innerStore(s);
  const dirs = new Set([REPO, realpathSync(join(REPO, 'node_modules')), realpathSync(FIXTURES), inner]);
  // conmon's one library the minbase image lacks.
  const glib = realpathSync('/usr/lib/x86_64-linux-gnu/libglib-2.0.so.0');
  const binds = [...[...dirs].map((d) => `${d}:${d}`), ...['/usr/bin/conmon', '/usr/bin/runc', ...extraFiles].map((f) => `${f}:${f}:ro`), `${glib}:/usr/lib/x86_64-linux-gnu/libglib-2.0.so.0:ro`];
  importDebian(s);
  mkdirSync(inner, { recursive: true });
  s.ok(['run', '-d', '--name', 'sysd', '--privileged', '--systemd=always', '--network', 'none', ...binds.flatMap((b) => ['-v', b]), 'debian', '/sbin/init']);
  await until(() => ['running', 'degraded'].includes(s.husk(['exec', 'sysd', 'systemctl', 'is-system-running', '--wait'], { timeout: 60_000 }).stdout.trim()), 90_000, 500);
  s.ok(['exec', 'sysd', 'sh', '-c', `ln -sf ${join(REPO, 'bin/husk')} /usr/local/bin/husk && husk ${G} import ${join(FIXTURES, 'busybox-rootfs.tar')} busybox >/dev/null`]);
}

/** The store husk uses inside the systemd container (bound in at the same path), and its global flags. */
export function innerStore(s: Store): { inner: string; G: string } {
  const inner = join(s.dir, 'inner');
  return { inner, G: `--root ${inner}/root --runroot ${inner}/run` };
}

/** Removes what husk made inside, then the systemd container (at once: its shutdown can be slow under load), then the store. */
export async function stopSystemd(s: Store): Promise<void> {
  const { G } = innerStore(s);
  s.husk(['exec', 'sysd', 'sh', '-c', `husk ${G} rm -af -t0`], { timeout: 60_000 });
  s.husk(['rm', '-f', '-t', '0', 'sysd'], { timeout: 120_000 });
  await s.destroyWhenIdle();
}
