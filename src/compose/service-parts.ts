// Readers for the structured service attributes (build, healthcheck,
// depends_on, networks, deploy, restart, env_file, ulimits, secrets/configs,
// extra_hosts): each turns every spelling the spec allows into one shape.
import { isIP } from 'node:net';
import { resolve } from 'node:path';
import {
  bool, checkKeys, dict, int, isMap, list, map, num, optBool, optInt, optStr, str, strings, type Raw, type Where,
} from './check.ts';
import type {
  DependencyCondition, EnvFileRef, ExtraHost, Healthcheck, RestartPolicy, ServiceBuild, ServiceDependency,
  ServiceFileRef, ServiceNetwork, ServiceResources, Ulimit,
} from './types.ts';
import { parseBytes, parseDuration } from './units.ts';
import { hostPath } from './volumes.ts';

export const NAME = /^[a-zA-Z0-9._-]+$/;

export function duration(v: unknown, w: Where): number {
  const ms = typeof v === 'number' && v === 0 ? 0 : parseDuration(str(v, w));
  return ms ?? w.fail(`invalid duration ${JSON.stringify(v)} (expected e.g. "30s", "1m30s", "500ms")`);
}

export function bytes(v: unknown, w: Where): number {
  const n = typeof v === 'number' || typeof v === 'string' ? parseBytes(v) : undefined;
  return n ?? w.fail(`invalid size ${JSON.stringify(v)} (expected bytes or e.g. "512m", "1g")`);
}

const isUrl = (s: string) => /^[a-z][a-z0-9+.-]*:\/\//i.test(s) || s.startsWith('git@') || s.startsWith('github.com/');

const BUILD_KEYS = new Set([
  'context', 'dockerfile', 'dockerfile_inline', 'args', 'target', 'labels', 'network', 'tags', 'no_cache', 'pull',
  'cache_from', 'cache_to', 'platforms', 'shm_size', 'extra_hosts', 'ssh', 'secrets', 'additional_contexts',
  'isolation', 'privileged', 'ulimits', 'entitlements', 'provenance', 'sbom',
]);

/** `build:` as a context string or the long form; build args without a value come from the environment. */
export function parseBuild(v: unknown, w: Where, baseDir: string, lookup: (k: string) => string | undefined): ServiceBuild {
  const context = (s: string) => (isUrl(s) ? s : resolve(baseDir, s));
  const empty = { args: {}, labels: {}, tags: [], cacheFrom: [], platforms: [] };
  if (!isMap(v)) return { context: context(str(v, w)), ...empty };
  checkKeys(v, BUILD_KEYS, w, 'build');
  const b: ServiceBuild = { context: context(optStr(v.context, w.at('context')) ?? '.'), ...empty };
  const dockerfile = optStr(v.dockerfile, w.at('dockerfile'));
  if (dockerfile) b.dockerfile = dockerfile;
  const inline = optStr(v.dockerfile_inline, w.at('dockerfile_inline'));
  if (inline) b.dockerfileInline = inline;
  if (dockerfile && inline) w.fail('dockerfile and dockerfile_inline are mutually exclusive');
  for (const [k, val] of Object.entries(dict(v.args, w.at('args')))) {
    const value = val ?? lookup(k);
    if (value !== undefined) b.args[k] = value;
  }
  for (const [k, val] of Object.entries(dict(v.labels, w.at('labels')))) b.labels[k] = val ?? '';
  const target = optStr(v.target, w.at('target'));
  if (target) b.target = target;
  const network = optStr(v.network, w.at('network'));
  if (network) b.network = network;
  b.tags = strings(v.tags, w.at('tags'));
  b.cacheFrom = strings(v.cache_from, w.at('cache_from'));
  b.platforms = strings(v.platforms, w.at('platforms'));
  const noCache = optBool(v.no_cache, w.at('no_cache'));
  if (noCache !== undefined) b.noCache = noCache;
  const pull = optBool(v.pull, w.at('pull'));
  if (pull !== undefined) b.pull = pull;
  return b;
}

const HEALTH_KEYS = new Set(['test', 'interval', 'timeout', 'start_period', 'start_interval', 'retries', 'disable']);

/** `healthcheck:`; `test` as a string is CMD-SHELL, as a list starts with NONE, CMD or CMD-SHELL. */
export function parseHealthcheck(v: unknown, w: Where): Partial<Healthcheck> {
  const m = map(v, w);
  checkKeys(m, HEALTH_KEYS, w, 'healthcheck');
  const h: Partial<Healthcheck> = {};
  if (m.test !== undefined && m.test !== null) {
    const t = w.at('test');
    if (typeof m.test === 'string') {
      h.test = m.test === 'NONE' ? ['NONE'] : ['CMD-SHELL', m.test];
    } else {
      const test = list(m.test, t).map((x, i) => str(x, t.at(i)));
      if (!['NONE', 'CMD', 'CMD-SHELL'].includes(test[0])) t.fail(`must start with NONE, CMD or CMD-SHELL, got ${JSON.stringify(test[0] ?? null)}`);
      if (test[0] !== 'NONE' && test.length < 2) t.fail(`${test[0]} needs a command`);
      h.test = test;
    }
  }
  for (const [key, field] of [['interval', 'interval'], ['timeout', 'timeout'], ['start_period', 'startPeriod'], ['start_interval', 'startInterval']] as const) {
    if (m[key] !== undefined && m[key] !== null) h[field] = duration(m[key], w.at(key));
  }
  const retries = optInt(m.retries, w.at('retries'));
  if (retries !== undefined) {
    if (retries < 0) w.at('retries').fail('must not be negative');
    h.retries = retries;
  }
  const disable = optBool(m.disable, w.at('disable'));
  if (disable !== undefined) h.disable = disable;
  return h;
}

const CONDITIONS = new Set<DependencyCondition>(['service_started', 'service_healthy', 'service_completed_successfully']);

/** `depends_on:` as a list (service_started) or a map of {condition, restart, required}. */
export function parseDependsOn(v: unknown, w: Where): Record<string, ServiceDependency> {
  const out: Record<string, ServiceDependency> = {};
  if (Array.isArray(v)) {
    v.forEach((x, i) => {
      out[str(x, w.at(i))] = { condition: 'service_started', restart: false, required: true };
    });
    return out;
  }
  for (const [name, entry] of Object.entries(map(v, w))) {
    const e = map(entry, w.at(name));
    checkKeys(e, new Set(['condition', 'restart', 'required']), w.at(name), 'depends_on');
    const condition = str(e.condition ?? 'service_started', w.at(name).at('condition'));
    if (!CONDITIONS.has(condition as DependencyCondition)) {
      w.at(name).at('condition').fail(`invalid condition "${condition}": expected ${[...CONDITIONS].join(', ')}`);
    }
    out[name] = {
      condition: condition as DependencyCondition,
      restart: bool(e.restart ?? false, w.at(name).at('restart')),
      required: bool(e.required ?? true, w.at(name).at('required')),
    };
  }
  return out;
}

const NET_KEYS = new Set([
  'aliases', 'ipv4_address', 'ipv6_address', 'mac_address', 'priority', 'gw_priority', 'link_local_ips', 'driver_opts', 'interface_name',
]);

/** A service's `networks:` as a list of keys or a map of {aliases, ipv4_address ...}. */
export function parseServiceNetworks(v: unknown, w: Where): Record<string, ServiceNetwork> {
  const out: Record<string, ServiceNetwork> = {};
  if (Array.isArray(v)) {
    v.forEach((x, i) => {
      out[str(x, w.at(i))] = { aliases: [] };
    });
    return out;
  }
  for (const [name, entry] of Object.entries(map(v, w))) {
    const e = map(entry, w.at(name));
    const at = w.at(name);
    checkKeys(e, NET_KEYS, at, 'network');
    const n: ServiceNetwork = { aliases: strings(e.aliases, at.at('aliases')) };
    const v4 = optStr(e.ipv4_address, at.at('ipv4_address'));
    if (v4) {
      if (isIP(v4) !== 4) at.at('ipv4_address').fail(`invalid IPv4 address "${v4}"`);
      n.ipv4Address = v4;
    }
    const v6 = optStr(e.ipv6_address, at.at('ipv6_address'));
    if (v6) {
      if (isIP(v6) !== 6) at.at('ipv6_address').fail(`invalid IPv6 address "${v6}"`);
      n.ipv6Address = v6;
    }
    const mac = optStr(e.mac_address, at.at('mac_address'));
    if (mac) n.macAddress = mac;
    if (e.priority !== undefined && e.priority !== null) n.priority = num(e.priority, at.at('priority'));
    out[name] = n;
  }
  return out;
}

const DEPLOY_KEYS = new Set(['mode', 'endpoint_mode', 'replicas', 'labels', 'rollback_config', 'update_config', 'resources', 'restart_policy', 'placement']);

/** `deploy:`: replicas and resources are modelled; the rest is returned as written. */
export function parseDeploy(v: unknown, w: Where): { replicas?: number; resources?: ServiceResources; rest: Raw } {
  const m = map(v, w);
  checkKeys(m, DEPLOY_KEYS, w, 'deploy');
  const out: { replicas?: number; resources?: ServiceResources; rest: Raw } = { rest: {} };
  const replicas = optInt(m.replicas, w.at('replicas'));
  if (replicas !== undefined) {
    if (replicas < 0) w.at('replicas').fail('must not be negative');
    out.replicas = replicas;
  }
  if (m.resources !== undefined && m.resources !== null) {
    const r = map(m.resources, w.at('resources'));
    checkKeys(r, new Set(['limits', 'reservations']), w.at('resources'), 'resources');
    const lw = w.at('resources').at('limits');
    const l = map(r.limits, lw);
    checkKeys(l, new Set(['cpus', 'memory', 'pids']), lw, 'limits');
    const res: ServiceResources = {};
    if (l.cpus !== undefined && l.cpus !== null) res.cpus = num(l.cpus, lw.at('cpus'));
    if (l.memory !== undefined && l.memory !== null) res.memory = bytes(l.memory, lw.at('memory'));
    if (l.pids !== undefined && l.pids !== null) res.pids = int(l.pids, lw.at('pids'));
    const rw = w.at('resources').at('reservations');
    const rv = map(r.reservations, rw);
    checkKeys(rv, new Set(['cpus', 'memory', 'devices', 'generic_resources']), rw, 'reservations');
    if (rv.cpus !== undefined || rv.memory !== undefined) {
      res.reservations = {};
      if (rv.cpus !== undefined && rv.cpus !== null) res.reservations.cpus = num(rv.cpus, rw.at('cpus'));
      if (rv.memory !== undefined && rv.memory !== null) res.reservations.memory = bytes(rv.memory, rw.at('memory'));
    }
    out.resources = res;
  }
  for (const [k, val] of Object.entries(m)) if (k !== 'replicas' && k !== 'resources') out.rest[k] = val;
  return out;
}

/** `restart:` no | always | on-failure[:N] | unless-stopped. */
export function parseRestart(v: unknown, w: Where): RestartPolicy {
  const s = str(v, w);
  const m = /^(no|always|unless-stopped|on-failure)(?::(\d+))?$/.exec(s);
  if (!m || (m[2] !== undefined && m[1] !== 'on-failure')) w.fail(`invalid restart policy "${s}": expected no, always, on-failure[:N] or unless-stopped`);
  const p: RestartPolicy = { name: m[1] as RestartPolicy['name'] };
  if (m[2] !== undefined) p.maxRetries = Number(m[2]);
  return p;
}

/** `env_file:` as a path, a list of paths, or {path, required}. */
export function parseEnvFiles(v: unknown, w: Where, baseDir: string): EnvFileRef[] {
  const items = Array.isArray(v) ? v : [v];
  return items.map((x, i) => {
    const at = Array.isArray(v) ? w.at(i) : w;
    if (isMap(x)) {
      checkKeys(x, new Set(['path', 'required', 'format']), at, 'env_file');
      return { path: hostPath(str(x.path ?? '', at.at('path')), baseDir), required: bool(x.required ?? true, at.at('required')) };
    }
    return { path: hostPath(str(x, at), baseDir), required: true };
  });
}

/** `ulimits:` {nofile: 1024} or {nofile: {soft, hard}}. */
export function parseUlimits(v: unknown, w: Where): Record<string, Ulimit> {
  const out: Record<string, Ulimit> = {};
  for (const [name, val] of Object.entries(map(v, w))) {
    if (isMap(val)) {
      checkKeys(val, new Set(['soft', 'hard']), w.at(name), 'ulimit');
      out[name] = { soft: int(val.soft, w.at(name).at('soft')), hard: int(val.hard, w.at(name).at('hard')) };
      if (out[name].soft > out[name].hard) w.at(name).fail('soft limit exceeds hard limit');
    } else {
      const n = int(val, w.at(name));
      out[name] = { soft: n, hard: n };
    }
  }
  return out;
}

/** A service's `secrets:`/`configs:` entries; targets default to /run/secrets/NAME and /NAME. */
export function parseFileRefs(v: unknown, w: Where, kind: 'secrets' | 'configs'): ServiceFileRef[] {
  const base = kind === 'secrets' ? '/run/secrets/' : '/';
  return list(v, w).map((x, i) => {
    const at = w.at(i);
    if (!isMap(x)) {
      const source = str(x, at);
      return { source, target: base + source };
    }
    checkKeys(x, new Set(['source', 'target', 'uid', 'gid', 'mode']), at, kind);
    const source = str(x.source ?? '', at.at('source'));
    if (!source) at.at('source').fail('is required');
    const target = optStr(x.target, at.at('target')) ?? source;
    const ref: ServiceFileRef = { source, target: target.startsWith('/') ? target : base + target };
    const uid = optStr(x.uid, at.at('uid'));
    if (uid) ref.uid = uid;
    const gid = optStr(x.gid, at.at('gid'));
    if (gid) ref.gid = gid;
    if (x.mode !== undefined && x.mode !== null) {
      // YAML 1.2 reads 0440 as decimal 440; both spellings mean octal digits.
      const s = typeof x.mode === 'number' ? x.mode.toString() : str(x.mode, at.at('mode'));
      if (!/^0?o?[0-7]{1,4}$/.test(s)) at.at('mode').fail(`invalid mode ${JSON.stringify(x.mode)}`);
      ref.mode = parseInt(s.replace(/^0?o?/, '') || '0', 8);
    }
    return ref;
  });
}

/** `extra_hosts:` as "host:ip"/"host=ip" entries or a {host: ip | [ip]} map. */
export function parseExtraHosts(v: unknown, w: Where): ExtraHost[] {
  const out: ExtraHost[] = [];
  const add = (host: string, ip: string, at: Where) => {
    const addr = ip.replace(/^\[(.*)\]$/, '$1');
    if (!host || !isIP(addr)) at.fail(`invalid extra host "${host}:${ip}"`);
    out.push({ host, ip: addr });
  };
  if (isMap(v)) {
    for (const [host, ips] of Object.entries(v)) for (const ip of strings(ips, w.at(host))) add(host, ip, w.at(host));
    return out;
  }
  list(v, w).forEach((x, i) => {
    const s = str(x, w.at(i));
    const at = s.includes('=') ? s.indexOf('=') : s.indexOf(':');
    if (at < 0) w.at(i).fail(`invalid extra host "${s}": expected HOST:IP`);
    add(s.slice(0, at), s.slice(at + 1), w.at(i));
  });
  return out;
}
