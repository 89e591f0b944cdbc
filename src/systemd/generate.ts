// `husk generate systemd`: unit files for a container or a pod, as text.
// The CLI collects the inputs from the engine and either prints the units
// or, with --files, writes them (writeUnitFiles) into the working directory.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { invalidArgument } from '../common/errors.ts';
import { containerUnit } from './container-unit.ts';
import { podUnits } from './pod-unit.ts';
import type { ContainerUnitInput, GenerateOptions, GeneratedUnit, PodUnitInput } from './types.ts';

export type { ContainerUnitInput, GenerateOptions, GeneratedUnit, PodUnitInput } from './types.ts';
export { RESTART_POLICIES } from './header.ts';

export type GenerateTarget = { kind: 'container'; container: ContainerUnitInput } | { kind: 'pod'; pod: PodUnitInput };

/** The units for a container (one) or a pod (the pod's, then its members'). */
export function generateSystemd(target: GenerateTarget, opts: GenerateOptions): GeneratedUnit[] {
  // --template implies --new; Podman refuses an explicit --new=false with it.
  if (opts.template && opts.new === false) throw invalidArgument('--template cannot be set without --new');
  if (opts.template) opts = { ...opts, new: true };
  return target.kind === 'container' ? [containerUnit(target.container, opts)] : podUnits(target.pod, opts);
}

/** --files: writes each unit as DIR/fileName and returns the paths. */
export function writeUnitFiles(units: GeneratedUnit[], dir: string): string[] {
  return units.map((u) => {
    const path = join(dir, u.fileName);
    writeFileSync(path, u.text, { mode: 0o644 });
    return path;
  });
}
