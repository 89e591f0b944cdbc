// The flags about running under systemd (docs/systemd.md): run/create
// --replace, --cgroups, --sdnotify, --preserve-fds, --systemd, and stop/rm
// --cidfile. Kept apart from createflags.ts.
import { readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { invalidArgument } from '../common/errors.ts';
import type { Engine } from '../engine/api.ts';
import type { ContainerSpec, SdNotifyMode } from '../specgen/container.ts';
import { checkPreservedFds, collect, parseUintFlag } from './common.ts';

type Opts = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** run has --preserve-fds, create not (Podman's: the fds are the caller's, and only run starts the container). */
export function addUnitFlags(cmd: Command, run = false): Command {
  cmd
    .option('--replace', 'If a container with the same name exists, replace it', false)
    .addOption(new Option('--cgroups <mode>', 'control container cgroup configuration').choices(['enabled', 'disabled', 'no-conmon', 'split']))
    .addOption(new Option('--sdnotify <mode>', 'control sd-notify behavior').choices(['container', 'conmon', 'healthy', 'ignore']));
  if (run) cmd.option('--preserve-fds <n>', 'Pass a number of additional file descriptors into the container', parseUintFlag('--preserve-fds'));
  return cmd
    .addOption(new Option('--systemd <mode>', 'Run container in systemd mode ("true"|"false"|"always")').choices(['true', 'false', 'always']));
}

/**
 * The spec with these flags' fields. The notify socket is this process's
 * NOTIFY_SOCKET (systemd's, under a unit); with --sdnotify=ignore it is
 * dropped from husk's own environment too, as Podman does. Under a unit
 * that sets PODMAN_SYSTEMD_UNIT (every generated one), the container gets
 * it as a label, as with Podman: auto-update restarts that unit.
 */
export function withUnitSpec(spec: ContainerSpec, o: Opts): ContainerSpec {
  const mode = o.sdnotify as SdNotifyMode | undefined;
  checkPreservedFds(o.preserveFds);
  if (mode === 'ignore') delete process.env.NOTIFY_SOCKET;
  const socket = process.env.NOTIFY_SOCKET;
  const unit = process.env.PODMAN_SYSTEMD_UNIT;
  return {
    ...spec,
    ...(unit ? { labels: { ...spec.labels, PODMAN_SYSTEMD_UNIT: unit } } : {}),
    ...(mode ? { sdNotifyMode: mode } : {}),
    ...(socket ? { sdNotifySocket: socket } : {}),
    ...(o.preserveFds !== undefined ? { preserveFds: o.preserveFds } : {}),
    ...(o.systemd ? { systemd: o.systemd } : {}),
    ...(o.cgroups ? { cgroupsMode: o.cgroups } : {}),
  };
}

/** --replace: the named container goes first (forced, as Podman's). */
export async function replaceExisting(engine: Engine, o: Opts): Promise<void> {
  if (!o.replace) return;
  if (!o.name) throw invalidArgument('cannot replace container without --name being set');
  await engine.containers.remove([o.name], { force: true, ignore: true });
}

export function addCidfileFlag(cmd: Command): Command {
  return cmd.option('--cidfile <file>', 'Read the container ID from the file', collect, []);
}

/** The names given plus the IDs in --cidfile files; with ignore, a missing file names nothing. */
export function withCidfiles(names: string[], o: Opts): string[] {
  const out = [...names];
  for (const f of o.cidfile ?? []) {
    try {
      out.push(readFileSync(f, 'utf8').trim());
    } catch (err) {
      if (!o.ignore) throw invalidArgument(`reading CIDFile: open ${f}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : (err as Error).message}`);
    }
  }
  return out;
}
