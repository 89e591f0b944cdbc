// `pod clone` (Podman's): a new pod with the original's settings (its infra
// container's network, ports, DNS; labels; shared namespaces) and a copy of
// each member; the original may be removed and the copy started.
import type { EngineContext } from '../context.ts';
import { HuskError } from '../../common/errors.ts';
import { cloneContainer, cloneName, specOutsidePod } from '../container/clone.ts';
import type { PodConfig } from '../types.ts';
import type { PodCloneOptions } from './api.ts';
import { POD_INFRA_KEYS } from '../../specgen/pod.ts';
import { createPodWith, loadPod, removePod, startPod } from './pods.ts';
import { compareText } from '../../common/order.ts';

export async function clonePod(e: EngineContext, ref: string, o: PodCloneOptions = {}): Promise<PodConfig> {
  const p = loadPod(e, ref);
  const infra = p.containers.find((c) => c.config.isInfra);
  const taken = (n: string) => !!e.db.db.prepare('SELECT 1 FROM pods WHERE name = ?').get(n);
  const name = o.name ?? cloneName(p.config.name, taken);
  const i = infra?.config.intent;
  // Oldest first, so the members keep their order; each keeps its name with -clone.
  const members = p.containers.filter((c) => !c.config.isInfra).sort((a, b) => compareText(a.config.created, b.config.created));
  const specs = members.map((m) => ({ ...specOutsidePod(e, m), image: m.config.imageId, pull: 'never' as const, name: m.config.name }));
  const { PAUSE_IMAGE } = await import('./api.ts');
  const create = () => createPodWith(e, {
    name, labels: { ...p.config.labels, ...o.labels },
    // A hostname that was the pod's name follows the new name.
    hostname: o.hostname ?? (p.config.hostname === p.config.name ? undefined : p.config.hostname),
    share: p.config.share, infra: !!infra, cgroupParent: o.cgroupParent ?? p.config.cgroupParent,
    shareParent: p.config.shareParent, resources: { ...p.config.resources, ...o.resources },
    ...(i ? {
      infraImage: infra!.config.imageName === PAUSE_IMAGE ? undefined : infra!.config.imageId, infraCommand: o.infraCommand ?? i.entrypoint,
      infraName: o.infraName, infraConmonPidFile: o.infraConmonPidFile,
      infraSpec: { ...Object.fromEntries(POD_INFRA_KEYS.filter((k) => i[k] !== undefined).map((k) => [k, i[k]])), ...o.infraSpec },
      network: i.network, networkAliases: i.networkAliases, dns: i.dns, dnsSearch: i.dnsSearch, dnsOption: i.dnsOption, noHosts: i.noHosts,
    } : {}),
  }, { portMappings: i?.portMappings, extraHosts: i?.extraHosts });
  let destroyed = false;
  let pod: PodConfig;
  try {
    pod = await create();
  } catch (err) {
    // The original's published ports block the copy's; with destroy they are about to be freed.
    if (!(o.destroy && err instanceof HuskError && err.code === 'PORT_IN_USE')) throw err;
    await removePod(e, p.config.id, { force: true });
    destroyed = true;
    pod = await create();
  }
  if (destroyed) {
    // The members went with the original pod: they are created from their specs as they were.
    const { createContainer } = await import('../container/create.ts');
    for (const m of specs) await createContainer(e, { ...m, pod: pod.id });
  } else {
    for (const m of members) await cloneContainer(e, m.config.id, { overrides: { pod: pod.id } });
  }
  if (o.destroy && !destroyed) await removePod(e, p.config.id, { force: true });
  if (o.start) await startPod(e, pod.id);
  return e.db.getPod(pod.id) ?? pod;
}
