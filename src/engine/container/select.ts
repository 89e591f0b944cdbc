// Which containers a call acts on: Podman's container filters (ps, prune,
// --all with --filter), the --all/--latest/--last selection, and the batch
// loop that turns one call per container into per-item reports.
import { HuskError, invalidArgument } from '../../common/errors.ts';
import type { ItemReport } from '../api.ts';
import type { EngineContext } from '../context.ts';
import { toReportError } from '../reports.ts';
import { compileFilters, labelMatcher, notLabelMatcher, untilMatcher, type Matchers } from '../filters.ts';
import type { Filters } from '../../specgen/filters.ts';
import type { Container } from '../types.ts';
import type { ListOptions, Selection } from './api.ts';
import { syncState } from './lifecycle.ts';
import { healthcheckOf } from './health-timer.ts';
import { compareText } from '../../common/order.ts';

const STATUSES = ['created', 'initialized', 'running', 'paused', 'exited', 'stopped', 'unknown', 'removing'];
const HEALTH = ['healthy', 'unhealthy', 'starting', 'none'];

/** Every container, its state brought up to date, newest first. */
export function allContainers(e: EngineContext): Container[] {
  return e.db.list().map((c) => syncState(e, c)).sort((a, b) => compareText(b.config.created, a.config.created));
}

function createdOf(e: EngineContext, ref: string): number {
  const c = e.db.get(e.db.lookupId(ref));
  return c ? new Date(c.config.created).getTime() : 0;
}

/** Podman's container filters; `pods` maps pod IDs to names (for pod=NAME). */
export function containerMatchers(e: EngineContext, pods: Map<string, string>): Matchers<Container> {
  return {
    id: (v) => (c) => c.config.id.startsWith(v),
    name: (v) => {
      const re = new RegExp(v);
      return (c) => re.test(c.config.name);
    },
    status: (v) => {
      if (!STATUSES.includes(v)) throw invalidArgument(`invalid status "${v}": must be one of ${STATUSES.join(', ')}`);
      // Podman's initialized: runtime-created by init, not started (husk records it as created with a pid).
      if (v === 'initialized') return (c) => c.state.status === 'created' && c.state.pid > 0;
      if (v === 'created') return (c) => c.state.status === 'created' && !c.state.pid;
      return (c) => c.state.status === v;
    },
    label: labelMatcher((c) => c.config.intent.labels),
    'label!': notLabelMatcher((c) => c.config.intent.labels),
    ancestor: (v) => {
      let id: string | undefined;
      try { id = e.images.lookup(v)?.id; } catch {}
      return (c) => c.config.imageId === id || c.config.imageName === v || c.config.imageId.startsWith(v);
    },
    exited: (v) => (c) => c.state.status === 'exited' && c.state.exitCode === Number(v),
    pod: (v) => (c) => !!c.config.pod && (c.config.pod.startsWith(v) || pods.get(c.config.pod) === v),
    network: (v) => (c) => Object.hasOwn(c.config.networks ?? {}, v),
    volume: (v) => (c) => (c.config.mounts ?? []).some((m) => m.source === v || m.destination === v),
    before: (v) => {
      const t = createdOf(e, v);
      return (c) => new Date(c.config.created).getTime() < t;
    },
    since: (v) => {
      const t = createdOf(e, v);
      return (c) => new Date(c.config.created).getTime() > t;
    },
    until: untilMatcher((c) => c.config.created),
    // Running containers by the health of their check; none: containers without a check.
    health: (v) => {
      if (!HEALTH.includes(v)) throw invalidArgument(`invalid health filter "${v}": must be one of ${HEALTH.join(', ')}`);
      if (v === 'none') return (c) => !healthcheckOf(c);
      return (c) => c.state.status === 'running' && !!healthcheckOf(c) && c.state.health?.status === v;
    },
    // No policy counts as "no" (Podman's default); the boot service selects restart-policy=always.
    'restart-policy': (v) => {
      // Podman's words; its "none" is a container created without --restart.
      if (!['none', 'no', 'always', 'on-failure', 'unless-stopped'].includes(v)) throw invalidArgument(`${v} invalid restart policy`);
      if (v === 'none') return (c) => !c.config.intent.restartPolicy;
      return (c) => (c.config.intent.restartPolicy?.name ?? 'no') === v;
    },
  };
}

export function podNames(e: EngineContext): Map<string, string> {
  return new Map(e.db.listPods().map((p) => [p.id, p.name]));
}

/** Compiles container filters into one predicate (INVALID_ARGUMENT for an unknown key or bad value). */
export function containerFilter(e: EngineContext, filters: Filters | undefined, pods = podNames(e)): (c: Container) => boolean {
  return compileFilters(filters, containerMatchers(e, pods), 'container');
}

/**
 * `ps`: running (and paused) containers, or all of them with `all`, `latest`,
 * `last` or a status filter (Podman shows every state then); newest first.
 */
export function listSelected(e: EngineContext, o: ListOptions, pods = podNames(e)): Container[] {
  const every = o.all || o.latest || o.last !== undefined || !!o.filters?.status?.length;
  const match = containerFilter(e, o.filters, pods);
  let list = allContainers(e).filter((c) => (every || c.state.status === 'running' || c.state.status === 'paused') && match(c));
  if (o.latest) list = list.slice(0, 1);
  if (o.last !== undefined && o.last >= 0) list = list.slice(0, o.last);
  return list;
}

/**
 * The containers a batch verb acts on: the named ones (as given), the latest,
 * or with `all` every container the verb applies to (`applies`) that passes
 * the filters.
 */
export function selectRefs(e: EngineContext, refs: string[], o: Selection, applies: (c: Container) => boolean = () => true): string[] {
  if (o.latest) {
    const latest = allContainers(e)[0];
    if (!latest) throw new HuskError('NO_SUCH_CONTAINER', 'no such container'); // Podman's words
    return [latest.config.id];
  }
  const filtered = !!o.filters && Object.keys(o.filters).length > 0;
  // Podman (045-start.bats, stop --filter): filters without names act on every container that passes them.
  if (o.all || (filtered && !refs.length)) {
    const match = containerFilter(e, o.filters);
    return allContainers(e).filter((c) => applies(c) && match(c)).map((c) => c.config.id);
  }
  if (!refs.length) throw invalidArgument('you must provide at least one container name or ID');
  if (!filtered) return refs;
  // Names and filters: the named containers that pass them, as given; a missing name is still an error.
  const match = containerFilter(e, o.filters);
  return refs.filter((r) => {
    let c: Container | undefined;
    try { c = e.db.get(e.db.lookupId(r)); } catch { return true; }
    return !c || match(syncState(e, c));
  });
}

/**
 * Runs fn for each ref in turn, going on after failures: one report per ref
 * with its full ID or its error. With `ignore`, refs that name no container
 * are skipped (no report).
 */
export async function eachRef(refs: string[], fn: (ref: string, warnings: string[]) => Promise<string>, ignore = false): Promise<ItemReport[]> {
  const out: ItemReport[] = [];
  for (const ref of refs) {
    const warnings: string[] = [];
    try {
      const id = await fn(ref, warnings);
      out.push({ id, rawInput: ref, ...(warnings.length ? { warnings } : {}) });
    } catch (err) {
      if (ignore && err instanceof HuskError && err.code === 'NO_SUCH_CONTAINER') continue;
      out.push({ id: ref, rawInput: ref, error: toReportError(err) });
    }
  }
  return out;
}
