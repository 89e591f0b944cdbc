// The flags generated systemd units call (src/systemd): run/create
// --replace, --cgroups, --sdnotify, and stop/rm --cidfile. Kept apart from
// createflags.ts: they are about running under systemd, not the spec.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { invalidArgument } from '../common/errors.ts';
import type { Engine } from '../engine/api.ts';
import { collect } from './common.ts';

type Opts = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export function addUnitFlags(cmd: Command): Command {
  return cmd
    .option('--replace', 'If a container with the same name exists, replace it', false)
    // Accepted as Podman's units pass them; conmon stays where husk always puts it.
    .addOption(new Option('--cgroups <mode>', 'control container cgroup configuration').choices(['enabled', 'disabled', 'no-conmon', 'split']))
    .addOption(new Option('--sdnotify <mode>', 'control sd-notify behavior').choices(['container', 'conmon', 'healthy', 'ignore']));
}

/** --replace: the named container goes first (forced, as Podman's). */
export async function replaceExisting(engine: Engine, o: Opts): Promise<void> {
  if (!o.replace) return;
  if (!o.name) throw invalidArgument('cannot replace container without --name being set');
  await engine.containers.remove([o.name], { force: true, ignore: true });
}

/**
 * --sdnotify=conmon under a Type=notify unit: MAINPID is conmon (it
 * outlives husk) and READY=1 once the container runs. systemd-notify
 * sends it; the units set NotifyAccess=all so a helper may.
 */
export async function notifyReady(engine: Engine, id: string, o: Opts): Promise<void> {
  if (!process.env.NOTIFY_SOCKET || (o.sdnotify ?? 'conmon') !== 'conmon') return;
  const { state } = await engine.containers.get(id);
  spawnSync('systemd-notify', [...(state.conmonPid ? [`MAINPID=${state.conmonPid}`] : []), 'READY=1'], { stdio: 'ignore' });
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
