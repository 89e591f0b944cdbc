// `container clone` (Podman's): a new container from an existing one's
// stored spec, with a new name and the caller's overrides; the original may
// be removed (destroy) and the copy started (run).
import { HuskError, containerState } from '../../common/errors.ts';
import type { ContainerSpec } from '../../specgen/container.ts';
import type { EngineContext } from '../context.ts';
import type { Container } from '../types.ts';
import type { CloneOptions } from './api.ts';
import { getContainer, removeContainer, startContainer, syncState } from './lifecycle.ts';
import { createContainer } from './create.ts';

/**
 * Podman's generate.CheckName: NAME-clone, and when that is taken (or NAME
 * is a clone already) NAME-clone1, NAME-clone2... up to the first free one.
 */
export function cloneName(base: string, taken: (n: string) => boolean): string {
  const at = base.indexOf('-clone');
  const stem = at < 0 ? `${base}-clone` : base.slice(0, at + 6);
  if (at < 0 && !taken(stem)) return stem;
  for (let i = 1; ; i++) if (!taken(`${stem}${i}`)) return `${stem}${i}`;
}

/**
 * The spec a member was created with, without what joining its pod wrote
 * into it (the infra container's namespaces, the pod's hostname), so it can
 * join a pod again.
 */
export function specOutsidePod(e: EngineContext, c: Container): ContainerSpec {
  const spec: ContainerSpec = { ...c.config.intent };
  delete spec.name;
  const pod = c.config.pod ? e.db.getPod(c.config.pod) : undefined;
  if (!pod?.infraId) return spec;
  const join = `container:${pod.infraId}`;
  if (spec.network === join) delete spec.network;
  for (const key of ['pidMode', 'ipcMode', 'utsMode'] as const) if (spec[key] === join) delete spec[key];
  if (pod.share.includes('uts') && spec.hostname === pod.hostname) delete spec.hostname;
  return spec;
}

export async function cloneContainer(e: EngineContext, ref: string, o: CloneOptions = {}): Promise<Container> {
  const c = getContainer(e, ref);
  if (c.config.isInfra) throw new HuskError('INVALID_ARGUMENT', `container ${c.config.id} is the infra container of a pod: clone the pod instead`);
  const taken = (n: string) => !!e.db.db.prepare('SELECT 1 FROM containers WHERE name = ?').get(n);
  const spec: ContainerSpec = {
    ...specOutsidePod(e, c),
    // The same image, by ID: its name may point elsewhere by now.
    image: o.image ?? c.config.imageId,
    ...(o.image ? {} : { pull: 'never' as const }),
    ...Object.fromEntries(Object.entries(o.overrides ?? {}).filter(([, v]) => v !== undefined)),
    name: o.name ?? cloneName(c.config.name, taken),
  };
  // Refused before anything is created (Podman creates the copy first and then fails).
  const live = ['running', 'paused'].includes(syncState(e, c).state.status);
  if (o.destroy && live && !o.force) {
    throw containerState(`cannot remove container ${c.config.id} as it is ${c.state.status} - running or paused containers cannot be removed without force: container state improper`);
  }
  let copy: Container;
  try {
    copy = await createContainer(e, spec, { onWarning: o.onWarning });
  } catch (err) {
    // The original's published ports block the copy's; with destroy they are about to be freed.
    if (!(o.destroy && err instanceof HuskError && err.code === 'PORT_IN_USE')) throw err;
    await removeContainer(e, c.config.id, { force: o.force });
    copy = await createContainer(e, spec, { onWarning: o.onWarning });
  }
  if (o.destroy && e.db.get(c.config.id)) await removeContainer(e, c.config.id, { force: o.force });
  if (o.run) return startContainer(e, copy.config.id);
  return copy;
}
