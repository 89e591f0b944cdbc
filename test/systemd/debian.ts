// The Debian 12 rootfs with systemd (test/fixtures/build-debian.sh, built
// once by test/fixtures/build.sh and cached), imported into a test store.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { FIXTURES, type Store } from '../helpers.ts';

export const DEBIAN_TAR = join(FIXTURES, 'debian-systemd.tar');

/** Imports the fixture as localhost/debian:latest (the image's CMD is unset: give a command). */
export function importDebian(s: Store): string {
  if (!existsSync(DEBIAN_TAR)) throw new Error(`${DEBIAN_TAR} is missing: run sh test/fixtures/build-debian.sh (needs mmdebstrap and Debian's mirror)`);
  return s.ok(['import', DEBIAN_TAR, 'debian']);
}
