// build --output: the final image's root filesystem written out, as
// Buildah does it: type=local copies it into a directory (owners, modes,
// links kept), type=tar writes one tar file (or the output stream for `-`).
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync } from 'node:fs';
import { HuskError } from '../common/errors.ts';

export async function exportRootfs(root: string, to: { type: 'local' | 'tar'; dest: string }, out?: NodeJS.WritableStream): Promise<void> {
  let argv: string[];
  if (to.type === 'local') {
    mkdirSync(to.dest, { recursive: true });
    argv = ['cp', '-a', '--', `${root}/.`, to.dest];
  } else {
    // The root's entries by name, as Buildah's tar has them (no "./" prefix, no entry for the root itself).
    argv = ['tar', '--numeric-owner', '-C', root, '-cf', to.dest === '-' ? '-' : to.dest, '--', ...readdirSync(root).sort()];
  }
  // A stream with a file descriptor (stdout) is handed to tar itself: nothing is left buffered here when the command exits.
  const fd = (out as { fd?: unknown } | undefined)?.fd;
  const direct = to.dest === '-' && typeof fd === 'number';
  const child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', direct ? fd : to.dest === '-' ? 'pipe' : 'ignore', 'pipe'] });
  if (to.dest === '-' && !direct && out) child.stdout!.pipe(out, { end: false });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => { err += d; });
  const code = await new Promise<number | null>((res) => child.on('close', res));
  if (code !== 0) throw new HuskError('ENGINE', `exporting the build output to ${to.dest}: ${err.trim() || `${argv[0]} exited with ${code}`}`);
}
