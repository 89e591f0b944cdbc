// Merging service drafts: a later file over an earlier one, and a service
// over the service it extends, by the Compose Specification's merge rules
// applied to the expanded form: mappings merge by key, sequences append,
// command/entrypoint/healthcheck.test are replaced, ports/volumes/secrets/
// configs are unique by their key (a later entry replaces an earlier one),
// `!reset` removes and `!override` replaces an attribute outright.
import { isMap } from './check.ts';
import { portKey } from './ports.ts';
import type { DraftFields, Field, ServiceDraft } from './service.ts';
import type { ServicePort, ServiceVolume, ServiceFileRef, EnvFileRef, ExtraHost } from './types.ts';

type Merger = (a: never, b: never) => unknown;

/** Appends b to a; an entry of b with the key of an entry of a replaces it in place. */
function unique<T>(key: (x: T) => string): (a: T[], b: T[]) => T[] {
  return (a, b) => {
    const out = [...a];
    const at = new Map(out.map((x, i) => [key(x), i]));
    for (const x of b) {
      const i = at.get(key(x));
      if (i === undefined) {
        at.set(key(x), out.length);
        out.push(x);
      } else {
        out[i] = x;
      }
    }
    return out;
  };
}

const strs = unique<string>((s) => s);
const maps = (a: Record<string, unknown>, b: Record<string, unknown>) => ({ ...a, ...b });
/** Maps of objects merged entry by entry (networks, depends_on). */
const entries = (a: Record<string, object>, b: Record<string, object>) => {
  const out = { ...a };
  for (const [k, v] of Object.entries(b)) out[k] = { ...a[k], ...v };
  return out;
};

/** Generic YAML merge for attributes kept as written: mappings merge, sequences append. */
export function mergeRaw(a: unknown, b: unknown): unknown {
  if (isMap(a) && isMap(b)) {
    const out: Record<string, unknown> = { ...a };
    for (const [k, v] of Object.entries(b)) out[k] = k in a && !k.startsWith('x-') ? mergeRaw(a[k], v) : v;
    return out;
  }
  if (Array.isArray(a) && Array.isArray(b)) return [...a, ...b];
  return b;
}

const MERGERS: Partial<Record<Field, Merger>> = {
  environment: maps,
  labels: maps,
  annotations: maps,
  sysctls: maps,
  ulimits: maps,
  networks: entries,
  dependsOn: entries,
  ports: unique<ServicePort>(portKey),
  volumes: unique<ServiceVolume>((v) => v.target),
  secrets: unique<ServiceFileRef>((r) => r.target),
  configs: unique<ServiceFileRef>((r) => r.target),
  envFiles: unique<EnvFileRef>((r) => r.path),
  extraHosts: unique<ExtraHost>((h) => `${h.host}=${h.ip}`),
  expose: strs,
  tmpfs: strs,
  capAdd: strs,
  capDrop: strs,
  dns: strs,
  dnsSearch: strs,
  dnsOpt: strs,
  profiles: strs,
  securityOpt: strs,
  devices: strs,
  groupAdd: strs,
  build: (a: NonNullable<DraftFields['build']>, b: NonNullable<DraftFields['build']>) => ({
    ...a, ...b, args: { ...a.args, ...b.args }, labels: { ...a.labels, ...b.labels },
    tags: strs(a.tags, b.tags), cacheFrom: strs(a.cacheFrom, b.cacheFrom), platforms: strs(a.platforms, b.platforms),
  }),
  // test is replaced like any scalar: the spec's "shell commands" exception.
  healthcheck: maps,
  resources: (a: NonNullable<DraftFields['resources']>, b: NonNullable<DraftFields['resources']>) => ({
    ...a, ...b, ...((a.reservations || b.reservations) && { reservations: { ...a.reservations, ...b.reservations } }),
  }),
  legacyResources: maps,
  // Logging options merge only when the driver stays the same (Compose's rule).
  logging: (a: NonNullable<DraftFields['logging']>, b: NonNullable<DraftFields['logging']>) =>
    !a.driver || !b.driver || a.driver === b.driver ? { ...a, ...b, options: { ...a.options, ...b.options } } : b,
  unmodelled: mergeRaw,
  extensions: (a: Record<string, unknown>, b: Record<string, unknown>) => ({ ...a, ...b }),
};

/**
 * `over` applied on top of `base`. The result keeps over's !reset/!override
 * marks (a service's own marks also apply when its file is merged onto
 * earlier files) and over's origins on top of base's; `extends` must have
 * been resolved already.
 */
export function mergeDrafts(base: ServiceDraft, over: ServiceDraft): ServiceDraft {
  const fields: Record<string, unknown> = { ...base.fields };
  for (const f of over.resets) delete fields[f];
  for (const [k, v] of Object.entries(over.fields) as [Field, unknown][]) {
    const merger = MERGERS[k];
    fields[k] = k in fields && merger && !over.overrides.has(k) ? merger(fields[k] as never, v as never) : v;
  }
  const origin = { ...base.origin, ...over.origin };
  return {
    name: over.name,
    fields: fields as DraftFields,
    resets: over.resets,
    overrides: over.overrides,
    origin,
    file: base.file,
  };
}
