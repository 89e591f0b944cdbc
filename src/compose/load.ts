// Loading a Compose project: find the files, read `.env`, then per file
// parse, interpolate, read services and apply `extends`; merge the files in
// order; name the project; read the top-level resources; finalise the
// services; check every reference; select services by profile. Any error is
// one HuskError('INVALID_ARGUMENT') naming the file, the service and the key
// path, and nothing is returned half-loaded.
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { invalidArgument } from '../common/errors.ts';
import { checkKeys, extensionsOf, isMap, map, str, Where, type Raw } from './check.ts';
import { applyExtends, type FileServices } from './extends.ts';
import { checkProjectName, composeFiles, normaliseProjectName, readDotEnv } from './files.ts';
import { findCycle } from './graph.ts';
import { interpolateTree } from './interpolate.ts';
import { mergeDrafts, mergeRaw } from './merge.ts';
import { defaultNetwork, readFileObject, readNetwork, readVolume } from './resources.ts';
import { finalise, readService, whereOf, type ServiceDraft } from './service.ts';
import type { ComposeProject, ComposeService } from './types.ts';
import { parseYaml, Tagged } from './yaml.ts';

export interface LoadOptions {
  /** Where relative -f paths and the default files are looked up (default: process.cwd()). */
  workingDir?: string;
  /** -f files, in merge order. */
  files?: string[];
  /** --project-directory (default: the first file's directory). */
  projectDirectory?: string;
  /** -p */
  projectName?: string;
  /** The process environment (default: process.env). */
  env?: Record<string, string | undefined>;
  /** --env-file (default: PROJECT_DIR/.env when present). */
  envFiles?: string[];
  /** --profile */
  profiles?: string[];
  /** Services named on the command line: enabled whatever their profiles. */
  services?: string[];
}

const TOP_KEYS = new Set(['version', 'name', 'services', 'networks', 'volumes', 'secrets', 'configs']);
const RESOURCE_KINDS = ['networks', 'volumes', 'secrets', 'configs'] as const;

export function loadProject(opts: LoadOptions = {}): ComposeProject {
  const cwd = resolve(opts.workingDir ?? process.cwd());
  const processEnv = defined(opts.env ?? process.env);
  const files = composeFiles(opts.files, cwd, processEnv);
  const workingDir = resolve(cwd, opts.projectDirectory ?? dirname(files[0]));
  const show = (p: string) => {
    const r = relative(cwd, p);
    return r && !r.startsWith('..') && !isAbsolute(r) ? r : p;
  };

  // The process environment wins over .env, which may itself refer to it.
  const envFiles = opts.envFiles?.map((f) => resolve(cwd, f)) ?? [join(workingDir, '.env')].filter((f) => existsSync(f));
  let dotenv: Record<string, string> = {};
  for (const f of envFiles) dotenv = { ...dotenv, ...readDotEnv(f, show(f), { ...dotenv, ...processEnv }) };
  const env = { ...dotenv, ...processEnv };
  const lookup = (k: string) => env[k];
  const warnings = new Set<string>();
  const onUnset = (k: string) => warnings.add(`the "${k}" variable is not set; defaulting to a blank string`);

  /** One file parsed and interpolated, checked to be a mapping. */
  const readTop = (path: string, display: string, by?: Where): Raw => {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (e) {
      return (by ?? new Where(display)).fail(`cannot read ${display}: ${(e as Error).message}`);
    }
    const w = new Where(display);
    const doc = parseYaml(text, w);
    if (doc === null || doc === undefined) w.fail('empty compose file');
    if (!isMap(doc)) w.fail('the top level must be a mapping');
    return interpolateTree(doc, w, lookup, onUnset) as Raw;
  };
  const readServices = (top: Raw, path: string, display: string, baseDir: string): FileServices => {
    const w = new Where(display, 'services');
    const drafts = new Map<string, ServiceDraft>();
    for (const [name, raw] of Object.entries(map(top.services, w))) {
      if (raw instanceof Tagged && raw.tag === 'reset') continue; // removed below, after extends
      drafts.set(name, readService(name, raw instanceof Tagged ? raw.value : raw, w.at(name), { baseDir, lookup }));
    }
    return { path, display, drafts };
  };
  const extended = new Map<string, FileServices>();
  const loadExtended = (path: string, by: Where): FileServices => {
    let f = extended.get(path);
    if (!f) {
      f = readServices(readTop(path, show(path), by), path, show(path), dirname(path));
      extended.set(path, f);
    }
    return f;
  };

  // Per file: read, extend, then merge onto the files before it.
  const drafts = new Map<string, ServiceDraft>();
  const resources: Record<string, Record<string, { raw: unknown; file: string }>> = { networks: {}, volumes: {}, secrets: {}, configs: {} };
  let declaredName: { name: string; file: string } | undefined;
  let extensions: Record<string, unknown> = {};
  for (const path of files) {
    const display = show(path);
    const top = readTop(path, display);
    const w = new Where(display);
    checkKeys(top, TOP_KEYS, w, 'top-level');
    if (top.name !== undefined && top.name !== null) declaredName = { name: str(top.name, w.at('name')), file: display };
    extensions = { ...extensions, ...extensionsOf(top) };
    const fileServices = readServices(top, path, display, workingDir);
    // A whole service under !reset is dropped, under !override replaced.
    const tagged = new Map<string, string>();
    for (const [name, raw] of Object.entries(map(top.services, w.at('services')))) {
      if (raw instanceof Tagged) tagged.set(name, raw.tag);
      if (tagged.get(name) === 'reset') drafts.delete(name);
    }
    for (const [name, d] of applyExtends(fileServices, loadExtended)) {
      const prev = tagged.has(name) ? undefined : drafts.get(name);
      drafts.set(name, prev ? mergeDrafts(prev, d) : d);
    }
    for (const kind of RESOURCE_KINDS) {
      for (const [key, raw] of Object.entries(map(top[kind], w.at(kind)))) {
        const prev = resources[kind][key];
        if (raw instanceof Tagged) {
          if (raw.tag === 'reset') delete resources[kind][key];
          else resources[kind][key] = { raw: raw.value, file: display };
        } else {
          resources[kind][key] = { raw: prev ? mergeRaw(prev.raw ?? {}, raw ?? {}) : raw, file: display };
        }
      }
    }
  }

  const name = opts.projectName !== undefined ? checkProjectName(opts.projectName, 'project name (-p)')
    : env.COMPOSE_PROJECT_NAME ? checkProjectName(env.COMPOSE_PROJECT_NAME, 'COMPOSE_PROJECT_NAME')
    : declaredName ? checkProjectName(declaredName.name, `${declaredName.file}: name`)
    : normaliseProjectName(basename(workingDir));
  if (!name) throw invalidArgument(`cannot derive a project name from the directory "${workingDir}": use -p or name:`);

  const read = <T>(kind: typeof RESOURCE_KINDS[number], fn: (key: string, raw: unknown, w: Where) => T) =>
    Object.fromEntries(Object.entries(resources[kind]).map(([key, r]) => [key, fn(key, r.raw, new Where(r.file, kind).at(key))]));
  const networks = read('networks', (k, raw, w) => readNetwork(k, raw, w, name));
  const volumes = read('volumes', (k, raw, w) => readVolume(k, raw, w, name));
  const secrets = read('secrets', (k, raw, w) => readFileObject(k, raw, w, name, workingDir, 'secret'));
  const configs = read('configs', (k, raw, w) => readFileObject(k, raw, w, name, workingDir, 'config'));

  const all: Record<string, ComposeService> = {};
  for (const [n, d] of drafts) all[n] = finalise(d, env, show);
  for (const [n, d] of drafts) checkReferences(all[n], d, all, { networks, volumes, secrets, configs });
  const cycle = findCycle(all);
  if (cycle) whereOf(drafts.get(cycle[0])!, 'depends_on').fail(`dependency cycle: ${cycle.join(' -> ')}`);

  // Profiles: services without any are always on; named services are on whatever their profiles.
  const profiles = [...new Set([...(opts.profiles ?? []), ...(env.COMPOSE_PROFILES ?? '').split(',')].map((p) => p.trim()).filter(Boolean))];
  for (const s of opts.services ?? []) if (!all[s]) throw invalidArgument(`no such service: ${s}`);
  const enabled = (s: ComposeService) =>
    !s.profiles.length || profiles.includes('*') || s.profiles.some((p) => profiles.includes(p)) || !!opts.services?.includes(s.name);
  const services: Record<string, ComposeService> = {};
  const disabledServices: Record<string, ComposeService> = {};
  for (const s of Object.values(all)) (enabled(s) ? services : disabledServices)[s.name] = s;
  for (const s of Object.values(services)) {
    for (const [dep, spec] of Object.entries(s.dependsOn)) {
      if (services[dep]) continue;
      if (!spec.required) {
        delete s.dependsOn[dep];
        continue;
      }
      whereOf(drafts.get(s.name)!, 'depends_on').at(dep).fail(
        `service "${dep}" is disabled by its profiles (activate one of: ${disabledServices[dep].profiles.join(', ')})`,
      );
    }
  }
  if (Object.values(services).some((s) => s.networks.default) && !networks.default) networks.default = defaultNetwork(name);

  return {
    name,
    workingDir,
    configFiles: files,
    envFiles,
    environment: env,
    profiles,
    services,
    disabledServices,
    networks,
    volumes,
    secrets,
    configs,
    extensions,
    warnings: [...warnings],
  };
}

const defined = (e: Record<string, string | undefined>) =>
  Object.fromEntries(Object.entries(e).filter((x): x is [string, string] => x[1] !== undefined));

/**
 * Every name a service uses must exist: depends_on services (unless not
 * required), networks, named volumes, secrets, configs, service:NAME modes.
 * The modes become implicit service_started dependencies, as in Compose.
 */
function checkReferences(
  s: ComposeService, d: ServiceDraft, all: Record<string, ComposeService>,
  top: Pick<ComposeProject, 'networks' | 'volumes' | 'secrets' | 'configs'>,
): void {
  for (const [key, mode] of [['network_mode', s.networkMode], ['ipc', s.ipc], ['pid', s.pid]] as const) {
    const m = /^service:(.+)$/.exec(mode ?? '');
    if (!m) continue;
    if (!all[m[1]]) whereOf(d, key).fail(`undefined service "${m[1]}"`);
    s.dependsOn[m[1]] ??= { condition: 'service_started', restart: false, required: true };
  }
  for (const [dep, spec] of Object.entries(s.dependsOn)) {
    if (dep === s.name) whereOf(d, 'depends_on').at(dep).fail('a service cannot depend on itself');
    if (all[dep]) continue;
    if (!spec.required) delete s.dependsOn[dep];
    else whereOf(d, 'depends_on').at(dep).fail(`undefined service "${dep}"`);
  }
  for (const net of Object.keys(s.networks)) {
    if (net !== 'default' && !top.networks[net]) whereOf(d, 'networks').at(net).fail(`undefined network "${net}"`);
  }
  s.volumes.forEach((v, i) => {
    if (v.type === 'volume' && v.source && !top.volumes[v.source]) whereOf(d, 'volumes').at(i).fail(`undefined volume "${v.source}"`);
  });
  for (const kind of ['secrets', 'configs'] as const) {
    s[kind].forEach((r, i) => {
      if (!top[kind][r.source]) whereOf(d, kind).at(i).fail(`undefined ${kind.slice(0, -1)} "${r.source}"`);
    });
  }
}
