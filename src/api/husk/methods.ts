// The allow-list of husk's RPC: every method of every Engine domain, and
// whether it returns a Promise ('call') or an AsyncIterable ('iter'). The
// `satisfies` clauses make tsc fail when a domain gains, loses or renames a
// method, so the server and the remote client cannot drift from the
// interfaces; nothing outside this table is reachable over the wire.
import type { ContainersAPI, Engine, ExecAPI, ImagesAPI, NetworksAPI, PodsAPI, SecretsAPI, SystemAPI, VolumesAPI } from '../../engine/api.ts';

export type Kind = 'call' | 'iter';
type Table<T> = { [K in keyof T]-?: T[K] extends (...a: never[]) => AsyncIterable<unknown> ? 'iter' : 'call' };

const containers = {
  create: 'call', run: 'call', start: 'call', init: 'call', clone: 'call', startAttach: 'call', attach: 'call', stop: 'call', kill: 'call',
  restart: 'call', pause: 'call', unpause: 'call', remove: 'call', prune: 'call', cleanup: 'call', healthcheck: 'call', list: 'call',
  get: 'call', exists: 'call', inspect: 'call', top: 'call', logs: 'iter', wait: 'call', stats: 'iter',
  rename: 'call', update: 'call', resize: 'call', mount: 'call', unmount: 'call', mounted: 'call', diff: 'call',
  export: 'call', copy: 'call', stat: 'call', commit: 'call', checkpoint: 'call', restore: 'call',
} as const satisfies Table<ContainersAPI>;

const exec = { create: 'call', start: 'call', resize: 'call', inspect: 'call', remove: 'call' } as const satisfies Table<ExecAPI>;

const pods = {
  create: 'call', clone: 'call', start: 'call', stop: 'call', restart: 'call', kill: 'call', pause: 'call', unpause: 'call',
  remove: 'call', prune: 'call', list: 'call', get: 'call', exists: 'call', inspect: 'call', top: 'call',
  logs: 'iter', stats: 'iter',
} as const satisfies Table<PodsAPI>;

const images = {
  list: 'call', get: 'call', exists: 'call', inspect: 'call', history: 'call', tree: 'call', pull: 'call',
  push: 'call', tag: 'call', untag: 'call', remove: 'call', prune: 'call', import: 'call', load: 'call',
  save: 'call', search: 'call', mount: 'call', unmount: 'call', mounted: 'call', login: 'call',
  loginUser: 'call', logout: 'call', derive: 'call', cacheGet: 'call', cachePut: 'call', unpackContext: 'call',
  manifestCreate: 'call', manifestAdd: 'call', manifestAnnotate: 'call', manifestRemoveEntry: 'call', manifestInspect: 'call',
  manifestExists: 'call', manifestDelete: 'call', manifestPush: 'call', trustShow: 'call', trustSet: 'call', sign: 'call',
} as const satisfies Table<ImagesAPI>;

const volumes = {
  create: 'call', list: 'call', inspect: 'call', exists: 'call', remove: 'call', prune: 'call', export: 'call', import: 'call',
  mount: 'call', unmount: 'call', reload: 'call',
} as const satisfies Table<VolumesAPI>;

const networks = {
  create: 'call', list: 'call', inspect: 'call', exists: 'call', remove: 'call', prune: 'call', connect: 'call',
  disconnect: 'call', reload: 'call', update: 'call',
} as const satisfies Table<NetworksAPI>;

// unshare runs on the server's host with the server's stdio, as the interface says (the caller owns no streams).
const system = {
  info: 'call', storePaths: 'call', version: 'call', events: 'iter', unshare: 'call', migrate: 'call', autoUpdate: 'call', df: 'call', prune: 'call', reset: 'call', check: 'call', renumber: 'call',
} as const satisfies Table<SystemAPI>;

const secrets = { create: 'call', list: 'call', inspect: 'call', exists: 'call', remove: 'call' } as const satisfies Table<SecretsAPI>;

export type Domain = Exclude<keyof Engine, 'close' | 'monitorExits'>;

export const METHODS: { [D in Domain]: Record<string, Kind> } = { containers, exec, pods, images, volumes, networks, system, secrets };

/** The method's kind, or undefined when DOMAIN.METHOD is not part of the Engine interface. */
export function methodKind(domain: string, method: string): Kind | undefined {
  if (!Object.hasOwn(METHODS, domain)) return undefined;
  const t = METHODS[domain as Domain];
  return Object.hasOwn(t, method) ? t[method] : undefined;
}

export const PREFIX = '/husk/v1';

/** Positional stream arguments that are sinks (a PassThrough there is written to, not read). */
export const SINK_ARGS: Record<string, number[]> = { 'images.save': [1], 'containers.export': [1], 'volumes.export': [1] };
