// Top-level volumes, networks, secrets and configs, read after the files
// are merged. Engine names follow Docker Compose: `name:` when given, the
// key itself for external resources, else PROJECT_KEY.
import { isIP } from 'node:net';
import {
  bool, checkKeys, isMap, list, map, optBool, optStr, str, strDict, type Raw, type Where,
} from './check.ts';
import { NAME } from './service-parts.ts';
import type { ComposeFileObject, ComposeNetwork, ComposeVolume } from './types.ts';
import { hostPath } from './volumes.ts';

/** `external: true`, or the deprecated `external: {name}`. */
function external(m: Raw, w: Where): { external: boolean; name?: string } {
  if (isMap(m.external)) {
    checkKeys(m.external, new Set(['name']), w.at('external'), 'external');
    return { external: true, name: optStr(m.external.name, w.at('external').at('name')) };
  }
  return { external: optBool(m.external, w.at('external')) ?? false };
}

/** Options given as a mapping of strings or numbers. */
const opts = (v: unknown, w: Where) => Object.fromEntries(Object.entries(map(v, w)).map(([k, x]) => [k, str(x, w.at(k))]));

function engineName(key: string, m: Raw, ext: { external: boolean; name?: string }, project: string, w: Where): string {
  const name = optStr(m.name, w.at('name')) ?? ext.name;
  return name ?? (ext.external ? key : `${project}_${key}`);
}

/** External resources are only referenced: anything that would configure them is an error. */
function onlyName(m: Raw, w: Where, allowed: string[]) {
  for (const k of Object.keys(m)) {
    if (!allowed.includes(k) && !k.startsWith('x-')) w.at(k).fail(`conflicts with external: an external resource is not configured here`);
  }
}

const VOLUME_KEYS = new Set(['name', 'driver', 'driver_opts', 'external', 'labels']);

export function readVolume(key: string, raw: unknown, w: Where, project: string): ComposeVolume {
  if (!NAME.test(key)) w.fail(`invalid volume name "${key}"`);
  const m = map(raw, w);
  checkKeys(m, VOLUME_KEYS, w, 'volume');
  const ext = external(m, w);
  if (ext.external) onlyName(m, w, ['name', 'external']);
  const v: ComposeVolume = {
    name: engineName(key, m, ext, project, w),
    external: ext.external,
    driverOpts: opts(m.driver_opts, w.at('driver_opts')),
    labels: strDict(m.labels, w.at('labels')),
  };
  const driver = optStr(m.driver, w.at('driver'));
  if (driver) v.driver = driver;
  return v;
}

const NETWORK_KEYS = new Set([
  'name', 'driver', 'driver_opts', 'ipam', 'external', 'internal', 'attachable', 'enable_ipv6', 'enable_ipv4', 'labels',
]);

export function readNetwork(key: string, raw: unknown, w: Where, project: string): ComposeNetwork {
  if (!NAME.test(key)) w.fail(`invalid network name "${key}"`);
  const m = map(raw, w);
  checkKeys(m, NETWORK_KEYS, w, 'network');
  const ext = external(m, w);
  if (ext.external) onlyName(m, w, ['name', 'external']);
  const n: ComposeNetwork = {
    name: engineName(key, m, ext, project, w),
    external: ext.external,
    driverOpts: opts(m.driver_opts, w.at('driver_opts')),
    labels: strDict(m.labels, w.at('labels')),
  };
  const driver = optStr(m.driver, w.at('driver'));
  if (driver) n.driver = driver;
  for (const [k, field] of [['internal', 'internal'], ['attachable', 'attachable'], ['enable_ipv6', 'enableIpv6']] as const) {
    if (m[k] !== undefined && m[k] !== null) n[field] = bool(m[k], w.at(k));
  }
  if (m.ipam !== undefined && m.ipam !== null) {
    const iw = w.at('ipam');
    const ipam = map(m.ipam, iw);
    checkKeys(ipam, new Set(['driver', 'config', 'options']), iw, 'ipam');
    n.ipam = {
      ...(ipam.driver !== undefined && { driver: str(ipam.driver, iw.at('driver')) }),
      config: list(ipam.config, iw.at('config')).map((c, i) => {
        const cw = iw.at('config').at(i);
        const cm = map(c, cw);
        checkKeys(cm, new Set(['subnet', 'gateway', 'ip_range', 'aux_addresses']), cw, 'ipam config');
        const out: { subnet?: string; gateway?: string; ipRange?: string } = {};
        const subnet = optStr(cm.subnet, cw.at('subnet'));
        if (subnet) {
          const [addr, bits] = subnet.split('/');
          const max = isIP(addr) === 4 ? 32 : isIP(addr) === 6 ? 128 : 0;
          if (!max || !/^\d+$/.test(bits ?? '') || Number(bits) > max) cw.at('subnet').fail(`invalid subnet "${subnet}"`);
          out.subnet = subnet;
        }
        const gateway = optStr(cm.gateway, cw.at('gateway'));
        if (gateway) {
          if (!isIP(gateway)) cw.at('gateway').fail(`invalid gateway "${gateway}"`);
          out.gateway = gateway;
        }
        const ipRange = optStr(cm.ip_range, cw.at('ip_range'));
        if (ipRange) out.ipRange = ipRange;
        return out;
      }),
    };
  }
  return n;
}

/** The implicit `default` network of services that name no network. */
export const defaultNetwork = (project: string): ComposeNetwork => ({
  name: `${project}_default`, external: false, driverOpts: {}, labels: {},
});

/** A top-level secret or config: exactly one of file, environment, content (configs) or external. */
export function readFileObject(
  key: string, raw: unknown, w: Where, project: string, baseDir: string, kind: 'secret' | 'config',
): ComposeFileObject {
  if (!NAME.test(key)) w.fail(`invalid ${kind} name "${key}"`);
  const m = map(raw, w);
  const keys = ['name', 'file', 'environment', 'external', 'labels', 'driver', 'driver_opts', 'template_driver'];
  checkKeys(m, new Set(kind === 'config' ? [...keys, 'content'] : keys), w, kind);
  const ext = external(m, w);
  const sources = ['file', 'environment', 'content'].filter((k) => m[k] !== undefined && m[k] !== null);
  if (sources.length + (ext.external ? 1 : 0) !== 1) {
    w.fail(`a ${kind} needs exactly one of file, environment${kind === 'config' ? ', content' : ''} or external`);
  }
  const o: ComposeFileObject = {
    name: engineName(key, m, ext, project, w),
    external: ext.external,
    labels: strDict(m.labels, w.at('labels')),
  };
  if (m.file !== undefined && m.file !== null) o.file = hostPath(str(m.file, w.at('file')), baseDir);
  if (m.environment !== undefined && m.environment !== null) o.environment = str(m.environment, w.at('environment'));
  if (m.content !== undefined && m.content !== null) o.content = str(m.content, w.at('content'));
  return o;
}
