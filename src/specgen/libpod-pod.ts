// PodSpec <-> Podman's PodSpecGenerator JSON (pkg/specgen/podspecgen.go):
// what `podman generate spec POD` prints and `POST /libpod/pods/create`
// takes. As for containers (./libpod.ts), one table serves both directions.
// Every PodSpec field has a key; the network ones share ./libpod.ts's
// helpers with the container's.
import { POD_INFRA_KEYS, POD_RESOURCE_KEYS, type PodInfraSpec, type PodSpec } from './pod.ts';
import type { ContainerSpec, NetworkAttachSpec } from './container.ts';
import { formatPortSpec, parsePublish } from './flags.ts';
import { CONTAINER_FIELDS, keysOf, netFromLibpod, netToLibpod, portFromLibpod, portToLibpod, readBy, same as sameField, writeBy, type Field, type Json, type NetSettings } from './libpod.ts';

// The container table's field under another name, for PodSpec.
const same = (ours: keyof PodSpec, theirs: string, kind: 'string' | 'strings' | 'bool' | 'stringMap'): Field<PodSpec> => sameField<PodSpec>(ours, theirs, kind);

/** A pod's networks (PodSpec.networks, or network with networkAliases) as a container's network settings, and back. */
function podNet(p: PodSpec): NetSettings {
  const list = p.networks?.length ? p.networks : p.network ? [{ network: p.network }] : [];
  if (!list.length) return {};
  const [first, ...extra] = list;
  return {
    network: first.network, networkAliases: p.networkAliases?.length ? p.networkAliases : first.aliases, ip: first.ip, ip6: first.ip6, mac: first.mac,
    interfaceName: first.interfaceName, extraNetworks: extra.length ? extra : undefined,
  };
}

function attachList(n: NetSettings): NetworkAttachSpec[] | undefined {
  if (!n.network) return undefined;
  const first: NetworkAttachSpec = { network: n.network, ip: n.ip, ip6: n.ip6, mac: n.mac, aliases: n.networkAliases, interfaceName: n.interfaceName };
  for (const k of Object.keys(first) as (keyof NetworkAttachSpec)[]) if (first[k] === undefined) delete first[k];
  return [first, ...(n.extraNetworks ?? [])];
}

/**
 * The pod's resources and the infra settings its members inherit, under the
 * container table's keys (Podman's PodSpecGenerator names them alike):
 * resource_limits, mounts/volumes/image_volumes, volumes_from, devices,
 * shm_size, sysctl, pidns, utsns, userns/idmappings.
 */
const INFRA_KEYS = ['resource_limits', 'mounts', 'volumes', 'image_volumes', 'volumes_from', 'devices', 'shm_size', 'sysctl', 'pidns', 'utsns', 'userns', 'idmappings'];
const infraFields = CONTAINER_FIELDS.filter((f) => Object.keys(f.keys).some((k) => INFRA_KEYS.includes(k)));
const INFRA: Field<PodSpec> = {
  keys: Object.fromEntries(Object.entries(keysOf(infraFields)).filter(([k]) => INFRA_KEYS.includes(k))),
  to: (p, out) => {
    const c: ContainerSpec = { image: '', ...p.resources, ...p.infraSpec };
    const all: Json = {};
    for (const f of infraFields) f.to(c, all);
    // Only ours: the namespace fields are written as Podman's {} when unset.
    for (const k of INFRA_KEYS) if (all[k] !== undefined) out[k] = all[k];
  },
  from: (s, p) => {
    const c = { image: '' } as ContainerSpec;
    for (const f of infraFields) f.from(Object.fromEntries(Object.entries(s).filter(([k]) => INFRA_KEYS.includes(k))), c);
    const pick = <K extends keyof ContainerSpec>(keys: readonly K[]) => {
      const o = Object.fromEntries(keys.filter((k) => c[k] !== undefined).map((k) => [k, c[k]]));
      return Object.keys(o).length ? o as Pick<ContainerSpec, K> : undefined;
    };
    const resources = pick(POD_RESOURCE_KEYS);
    const infraSpec = pick(POD_INFRA_KEYS);
    if (resources) p.resources = resources;
    if (infraSpec) p.infraSpec = { ...p.infraSpec, ...infraSpec };
  },
};

export const POD_FIELDS: Field<PodSpec>[] = [
  // PodBasicConfig
  same('name', 'name', 'string'), same('hostname', 'hostname', 'string'), same('exitPolicy', 'exit_policy', 'string'), same('labels', 'labels', 'stringMap'),
  {
    keys: { no_infra: 'bool' },
    to: (p, out) => { if (p.infra === false) out.no_infra = true; },
    from: (s, p) => { if (s.no_infra === true) p.infra = false; },
  },
  same('infraConmonPidFile', 'infra_conmon_pid_file', 'string'), same('infraCommand', 'infra_command', 'strings'),
  same('infraImage', 'infra_image', 'string'), same('infraName', 'infra_name', 'string'),
  same('share', 'shared_namespaces', 'strings'), same('createCommand', 'pod_create_command', 'strings'),
  {
    // Structs without omitempty in Podman: written as {} (husk's pods take their namespaces from share).
    keys: {},
    to: (_p, out) => { Object.assign(out, { ipcns: {}, pidns: {}, userns: {}, utsns: {} }); },
    from: () => {},
  },
  // PodNetworkConfig
  {
    keys: { netns: 'object', Networks: 'objectMap', networks: 'objectMap', network_options: 'object' },
    to: (p, out) => netToLibpod(podNet(p), out),
    from: (s, p) => {
      const n = netFromLibpod(s);
      const list = attachList(n);
      if (list) p.networks = list;
    },
  },
  {
    keys: { portmappings: 'objects' },
    to: (p, out) => { if (p.publish?.length) out.portmappings = p.publish.map((x) => portToLibpod(parsePublish(x))); },
    from: (s, p) => { if (Array.isArray(s.portmappings) && s.portmappings.length) p.publish = s.portmappings.map((x: Json) => formatPortSpec(portFromLibpod(x))); },
  },
  same('dns', 'dns_server', 'strings'), same('dnsSearch', 'dns_search', 'strings'), same('dnsOption', 'dns_option', 'strings'), same('noHosts', 'no_manage_hosts', 'bool'),
  same('addHost', 'hostadd', 'strings'),
  // PodCgroupConfig
  same('cgroupParent', 'cgroup_parent', 'string'),
  {
    keys: { share_parent: 'bool' },
    to: (p, out) => { if (p.shareParent === false) out.share_parent = false; },
    from: (s, p) => { if (s.share_parent === false) p.shareParent = false; },
  },
  INFRA,
  {
    // PodSecurityConfig: --security-opt as given (the infra container's fields, back to their flag form).
    keys: { security_opt: 'strings' },
    to: (p, out) => {
      const i = p.infraSpec ?? {};
      const opts = [...(i.seccompProfile ? [`seccomp=${i.seccompProfile}`] : []), ...(i.noNewPrivileges ? ['no-new-privileges'] : []),
        ...(i.mask?.length ? [`mask=${i.mask.join(':')}`] : []), ...(i.unmask?.length ? [`unmask=${i.unmask.join(':')}`] : [])];
      if (opts.length) out.security_opt = opts;
    },
    from: (s, p) => {
      const i: PodInfraSpec = {};
      for (const opt of Array.isArray(s.security_opt) ? s.security_opt.map(String) : []) {
        const [k, v = ''] = opt.includes('=') ? [opt.slice(0, opt.indexOf('=')), opt.slice(opt.indexOf('=') + 1)] : opt.split(':');
        if (k === 'seccomp') i.seccompProfile = v;
        else if (k === 'no-new-privileges') i.noNewPrivileges = v === '' || v === 'true';
        else if (k === 'mask' || k === 'unmask') i[k] = v.split(':').filter(Boolean);
      }
      if (Object.keys(i).length) p.infraSpec = { ...p.infraSpec, ...i };
    },
  },
];

export const POD_SPECGEN_KEYS = keysOf(POD_FIELDS);

/** A PodSpec as Podman's PodSpecGenerator JSON. */
export const podToSpecGenerator = (p: PodSpec): Json => writeBy(POD_FIELDS, p);

/** PodSpecGenerator JSON as a PodSpec; keys not in the table are ignored. */
export const podFromSpecGenerator = (s: Json): PodSpec => readBy(POD_FIELDS, s);
