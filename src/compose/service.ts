// One service of one file → a ServiceDraft: every attribute read into its
// model shape, nothing defaulted yet, so that later files and `extends` can
// merge drafts attribute by attribute (merge.ts) before finalise() fills
// the defaults and folds env_file, scale and the legacy resource keys.
import { readFileSync } from 'node:fs';
import { isErrno } from '../common/errors.ts';
import {
  bool, checkKeys, dict, int, isMap, list, map, num, optStr, str, strDict, strings, Where, type Raw,
} from './check.ts';
import { parseEnvFile } from './envfile.ts';
import { parseExpose, parsePort } from './ports.ts';
import {
  bytes, duration, NAME, parseBuild, parseDeploy, parseDependsOn, parseEnvFiles, parseExtraHosts, parseFileRefs,
  parseHealthcheck, parseRestart, parseServiceNetworks, parseUlimits,
} from './service-parts.ts';
import { shellSplit } from './shellwords.ts';
import type { ComposeService, Healthcheck, ServiceResources } from './types.ts';
import { parseVolume } from './volumes.ts';
import { Tagged } from './yaml.ts';

/** Model fields as read from files, before defaults. */
export type DraftFields = Partial<Omit<ComposeService, 'name' | 'environment' | 'replicas' | 'healthcheck'>> & {
  /** null: pass the variable through from the project environment. */
  environment?: Record<string, string | null>;
  healthcheck?: Partial<Healthcheck>;
  scale?: number;
  deployReplicas?: number;
  /** cpus, mem_limit, pids_limit: below deploy.resources.limits. */
  legacyResources?: ServiceResources;
};

export type Field = keyof DraftFields;

export interface ServiceDraft {
  name: string;
  fields: DraftFields;
  extends?: { file?: string; service: string };
  /** Fields a `!reset` removes from what earlier files (or the extended service) set. */
  resets: Set<Field>;
  /** Fields a `!override` replaces instead of merging. */
  overrides: Set<Field>;
  /** The file (as shown in errors) that last set each YAML key. */
  origin: Record<string, string>;
  /** The file that first defined the service. */
  file: string;
}

export interface ReadContext {
  /** Relative paths are resolved against this directory. */
  baseDir: string;
  lookup: (name: string) => string | undefined;
}

type Reader = (v: unknown, w: Where, ctx: ReadContext) => DraftFields;
interface Attr { fields: Field[]; read: Reader }

const one = <F extends Field>(field: F, read: (v: unknown, w: Where, ctx: ReadContext) => DraftFields[F]): Attr => ({
  fields: [field],
  read: (v, w, ctx) => ({ [field]: read(v, w, ctx) }),
});
const command = (v: unknown, w: Where): string[] => {
  if (Array.isArray(v)) return v.map((x, i) => str(x, w.at(i)));
  try {
    return shellSplit(str(v, w));
  } catch (e) {
    return w.fail((e as Error).message);
  }
};
const devices = (v: unknown, w: Where) => list(v, w).map((x, i) => {
  if (!isMap(x)) return str(x, w.at(i));
  const s = str(x.source ?? '', w.at(i).at('source'));
  return [s, optStr(x.target, w.at(i).at('target')) ?? s, optStr(x.permissions, w.at(i).at('permissions')) ?? 'rwm'].join(':');
});
const legacy = (key: keyof ServiceResources, read: (v: unknown, w: Where) => number): Attr => ({
  fields: ['legacyResources'],
  read: (v, w) => ({ legacyResources: { [key]: read(v, w) } }),
});

/** The service attributes this model reads, by YAML key. */
const ATTRS: Record<string, Attr> = {
  image: one('image', str),
  build: one('build', (v, w, ctx) => parseBuild(v, w, ctx.baseDir, ctx.lookup)),
  command: one('command', command),
  entrypoint: one('entrypoint', command),
  environment: one('environment', (v, w) => dict(v, w)),
  env_file: one('envFiles', (v, w, ctx) => parseEnvFiles(v, w, ctx.baseDir)),
  ports: one('ports', (v, w) => list(v, w).flatMap((x, i) => parsePort(x, w.at(i)))),
  expose: one('expose', (v, w) => list(v, w).map((x, i) => parseExpose(x, w.at(i)))),
  volumes: one('volumes', (v, w, ctx) => list(v, w).map((x, i) => parseVolume(x, w.at(i), ctx.baseDir))),
  tmpfs: one('tmpfs', strings),
  networks: one('networks', parseServiceNetworks),
  network_mode: one('networkMode', str),
  depends_on: one('dependsOn', parseDependsOn),
  healthcheck: one('healthcheck', parseHealthcheck),
  restart: one('restart', parseRestart),
  scale: one('scale', int),
  deploy: {
    fields: ['deployReplicas', 'resources'],
    read: (v, w) => {
      const d = parseDeploy(v, w);
      return {
        ...(d.replicas !== undefined && { deployReplicas: d.replicas }),
        ...(d.resources && { resources: d.resources }),
        ...(Object.keys(d.rest).length && { unmodelled: { deploy: d.rest } }),
      };
    },
  },
  cpus: legacy('cpus', num),
  mem_limit: legacy('memory', bytes),
  pids_limit: legacy('pids', int),
  user: one('user', str),
  working_dir: one('workingDir', str),
  labels: one('labels', strDict),
  annotations: one('annotations', strDict),
  init: one('init', bool),
  cap_add: one('capAdd', strings),
  cap_drop: one('capDrop', strings),
  privileged: one('privileged', bool),
  read_only: one('readOnly', bool),
  hostname: one('hostname', str),
  domainname: one('domainname', str),
  container_name: one('containerName', (v, w) => {
    const s = str(v, w);
    if (!/^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/.test(s)) w.fail(`invalid container name "${s}"`);
    return s;
  }),
  stop_signal: one('stopSignal', str),
  stop_grace_period: one('stopGracePeriod', duration),
  dns: one('dns', strings),
  dns_search: one('dnsSearch', strings),
  dns_opt: one('dnsOpt', strings),
  extra_hosts: one('extraHosts', parseExtraHosts),
  profiles: one('profiles', strings),
  secrets: one('secrets', (v, w) => parseFileRefs(v, w, 'secrets')),
  configs: one('configs', (v, w) => parseFileRefs(v, w, 'configs')),
  pid: one('pid', str),
  ipc: one('ipc', str),
  shm_size: one('shmSize', bytes),
  ulimits: one('ulimits', parseUlimits),
  sysctls: one('sysctls', strDict),
  tty: one('tty', bool),
  stdin_open: one('stdinOpen', bool),
  pull_policy: one('pullPolicy', (v, w) => {
    const s = str(v, w);
    if (!/^(always|never|build|if_not_present|missing|refresh|daily|weekly|every_([0-9]+[wdhms])+)$/.test(s)) w.fail(`invalid pull policy "${s}"`);
    return s === 'if_not_present' ? 'missing' : s;
  }),
  platform: one('platform', str),
  security_opt: one('securityOpt', strings),
  devices: one('devices', devices),
  group_add: one('groupAdd', strings),
  logging: one('logging', (v, w) => {
    const m = map(v, w);
    checkKeys(m, new Set(['driver', 'options']), w, 'logging');
    const options = Object.fromEntries(Object.entries(dict(m.options, w.at('options'))).map(([k, x]) => [k, x ?? '']));
    return { ...(m.driver !== undefined && { driver: str(m.driver, w.at('driver')) }), options };
  }),
};

/** Spec attributes kept as written (merged generically) for the engine to honour or reject. */
const UNMODELLED = new Set([
  'attach', 'blkio_config', 'cgroup', 'cgroup_parent', 'cpu_count', 'cpu_percent', 'cpu_shares', 'cpu_quota', 'cpu_period',
  'cpu_rt_period', 'cpu_rt_runtime', 'cpuset', 'credential_spec', 'develop', 'device_cgroup_rules', 'external_links', 'gpus',
  'isolation', 'label_file', 'links', 'mac_address', 'mem_reservation', 'mem_swappiness', 'memswap_limit', 'models',
  'oom_kill_disable', 'oom_score_adj', 'post_start', 'pre_stop', 'provider', 'pull_refresh_after', 'runtime', 'storage_opt',
  'use_api_socket', 'userns_mode', 'uts', 'volumes_from',
]);

const SERVICE_KEYS = new Set([...Object.keys(ATTRS), ...UNMODELLED, 'extends']);

/** The model fields a YAML key sets (for !reset and !override). */
export function fieldsOf(key: string): Field[] {
  if (ATTRS[key]) return ATTRS[key].fields;
  return key.startsWith('x-') ? ['extensions'] : ['unmodelled'];
}

/** Reads one service definition of one file. */
export function readService(name: string, raw: unknown, w: Where, ctx: ReadContext): ServiceDraft {
  if (!NAME.test(name)) w.fail(`invalid service name "${name}": use only [a-zA-Z0-9._-]`);
  const m = map(raw, w);
  checkKeys(m, SERVICE_KEYS, w, 'service');
  const d: ServiceDraft = { name, fields: {}, resets: new Set(), overrides: new Set(), origin: {}, file: w.file };
  for (const [key, value] of Object.entries(m)) {
    d.origin[key] = w.file;
    let v = value;
    if (v instanceof Tagged) {
      if (v.tag === 'reset') {
        for (const f of fieldsOf(key)) d.resets.add(f);
        continue;
      }
      for (const f of fieldsOf(key)) d.overrides.add(f);
      v = v.value;
    }
    if (key === 'extends') {
      d.extends = readExtends(v, w.at(key));
    } else if (key.startsWith('x-')) {
      d.fields.extensions = { ...d.fields.extensions, [key]: v };
    } else if (UNMODELLED.has(key)) {
      d.fields.unmodelled = { ...d.fields.unmodelled, [key]: v };
    } else if (v !== null && v !== undefined) {
      const read = ATTRS[key].read(v, w.at(key), ctx);
      if (read.unmodelled) read.unmodelled = { ...d.fields.unmodelled, ...read.unmodelled };
      Object.assign(d.fields, read);
    }
  }
  return d;
}

function readExtends(v: unknown, w: Where): { file?: string; service: string } {
  if (!isMap(v)) return { service: str(v, w) };
  checkKeys(v, new Set(['service', 'file']), w, 'extends');
  const service = str(v.service ?? '', w.at('service'));
  if (!service) w.at('service').fail('is required');
  const file = optStr(v.file, w.at('file'));
  return file ? { file, service } : { service };
}

/** Where a merged service's key was last set, for errors after merging. */
export const whereOf = (d: ServiceDraft, key: string) => new Where(d.origin[key] ?? d.file, `services.${d.name}`).at(key);

/**
 * Defaults, env_file contents under `environment`, pass-through variables
 * from the project environment, replicas from scale/deploy.replicas, the
 * default network. `show` turns an env file path into its display name.
 */
export function finalise(d: ServiceDraft, env: Record<string, string>, show: (p: string) => string): ComposeService {
  const f = d.fields;
  const w = (key: string) => whereOf(d, key);
  if (!f.image && !f.build) w('image').fail('a service needs an image or a build section');
  const environment: Record<string, string> = {};
  for (const ref of f.envFiles ?? []) {
    let text: string;
    try {
      text = readFileSync(ref.path, 'utf8');
    } catch (e) {
      if (!ref.required && isErrno(e, 'ENOENT')) continue;
      return w('env_file').fail(`cannot read env file ${show(ref.path)}: ${(e as Error).message}`);
    }
    let entries: Record<string, string | null>;
    try {
      entries = parseEnvFile(text, (k) => env[k]);
    } catch (e) {
      return new Where(show(ref.path)).fail((e as Error).message);
    }
    for (const [k, v] of Object.entries(entries)) {
      const value = v ?? env[k];
      if (value !== undefined) environment[k] = value;
    }
  }
  for (const [k, v] of Object.entries(f.environment ?? {})) {
    const value = v ?? env[k];
    if (value !== undefined) environment[k] = value;
  }
  if (f.scale !== undefined && f.deployReplicas !== undefined && f.scale !== f.deployReplicas) {
    w('scale').fail(`scale (${f.scale}) and deploy.replicas (${f.deployReplicas}) differ`);
  }
  // Container names are unique: a fixed one allows a single replica.
  if (f.containerName && (f.scale ?? f.deployReplicas ?? 1) > 1) {
    w('container_name').fail(`"${f.containerName}" cannot be used with more than one replica`);
  }
  const hc = f.healthcheck;
  const s: ComposeService = {
    name: d.name,
    ...(f.image !== undefined && { image: f.image }),
    ...(f.build && { build: f.build }),
    ...(f.command && { command: f.command }),
    ...(f.entrypoint && { entrypoint: f.entrypoint }),
    environment,
    envFiles: f.envFiles ?? [],
    ports: f.ports ?? [],
    expose: f.expose ?? [],
    volumes: f.volumes ?? [],
    tmpfs: f.tmpfs ?? [],
    networks: f.networks ?? (f.networkMode ? {} : { default: { aliases: [] } }),
    dependsOn: f.dependsOn ?? {},
    replicas: f.scale ?? f.deployReplicas ?? 1,
    resources: { ...f.legacyResources, ...f.resources },
    labels: f.labels ?? {},
    annotations: f.annotations ?? {},
    capAdd: f.capAdd ?? [],
    capDrop: f.capDrop ?? [],
    dns: f.dns ?? [],
    dnsSearch: f.dnsSearch ?? [],
    dnsOpt: f.dnsOpt ?? [],
    extraHosts: f.extraHosts ?? [],
    profiles: f.profiles ?? [],
    secrets: f.secrets ?? [],
    configs: f.configs ?? [],
    ulimits: f.ulimits ?? {},
    sysctls: f.sysctls ?? {},
    securityOpt: f.securityOpt ?? [],
    devices: f.devices ?? [],
    groupAdd: f.groupAdd ?? [],
    unmodelled: f.unmodelled ?? {},
    extensions: f.extensions ?? {},
  };
  if (hc) s.healthcheck = { ...hc, disable: hc.disable ?? hc.test?.[0] === 'NONE' };
  if (f.networkMode && f.networks) w('network_mode').fail('network_mode and networks cannot be combined');
  for (const k of [
    'networkMode', 'restart', 'user', 'workingDir', 'init', 'privileged', 'readOnly', 'hostname', 'domainname', 'containerName',
    'stopSignal', 'stopGracePeriod', 'pid', 'ipc', 'shmSize', 'tty', 'stdinOpen', 'pullPolicy', 'platform', 'logging',
  ] as const) {
    if (f[k] !== undefined) (s as unknown as Raw)[k] = f[k];
  }
  return s;
}
