// Service dependency order: depends_on (with the implicit dependencies of
// network_mode/ipc/pid "service:NAME") as a graph, ordered so that every
// service comes after what it depends on. Ties break by name so the order
// is stable; `up` starts in this order, `down` stops in reverse.
import { invalidArgument } from '../common/errors.ts';
import type { ComposeService } from './types.ts';

type Services = Record<string, Pick<ComposeService, 'dependsOn'>>;

/** A dependency cycle as [a, b, ..., a], or undefined. Dependencies outside `services` are ignored. */
export function findCycle(services: Services): string[] | undefined {
  const state = new Map<string, 'visiting' | 'done'>();
  const path: string[] = [];
  const visit = (name: string): string[] | undefined => {
    if (state.get(name) === 'done') return undefined;
    if (state.get(name) === 'visiting') return [...path.slice(path.indexOf(name)), name];
    state.set(name, 'visiting');
    path.push(name);
    for (const dep of Object.keys(services[name].dependsOn).sort()) {
      if (!services[dep]) continue;
      const cycle = visit(dep);
      if (cycle) return cycle;
    }
    path.pop();
    state.set(name, 'done');
    return undefined;
  };
  for (const name of Object.keys(services).sort()) {
    const cycle = visit(name);
    if (cycle) return cycle;
  }
  return undefined;
}

/**
 * Service names, dependencies first. With `only`, just those services and
 * what they depend on, transitively (as `up SERVICE` starts them).
 */
export function dependencyOrder(services: Services, only?: string[]): string[] {
  const cycle = findCycle(services);
  if (cycle) throw invalidArgument(`dependency cycle between services: ${cycle.join(' -> ')}`);
  const out: string[] = [];
  const seen = new Set<string>();
  const visit = (name: string) => {
    if (seen.has(name)) return;
    seen.add(name);
    if (!services[name]) throw invalidArgument(`no such service: ${name}`);
    for (const dep of Object.keys(services[name].dependsOn).sort()) if (services[dep]) visit(dep);
    out.push(name);
  };
  for (const name of only ?? Object.keys(services).sort()) visit(name);
  return out;
}

/** The services that depend on `name`, directly or not (what `stop name` must stop first). */
export function dependents(services: Services, name: string): string[] {
  const out = new Set<string>();
  const visit = (n: string) => {
    for (const [s, svc] of Object.entries(services)) {
      if (svc.dependsOn[n] && !out.has(s)) {
        out.add(s);
        visit(s);
      }
    }
  };
  visit(name);
  return [...out].sort();
}
