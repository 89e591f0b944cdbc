// `network ls/prune --filter` keys, Podman's set, through the shared matcher
// (engine/filters.ts).
import { invalidArgument } from '../../common/errors.ts';
import { compileFilters, labelMatcher, notLabelMatcher, untilMatcher, type Matchers } from '../filters.ts';
import type { Filters } from '../api.ts';
import type { NetworkConfig } from './api.ts';

const regexp = (v: string) => {
  try {
    return new RegExp(v);
  } catch {
    throw invalidArgument(`invalid regular expression "${v}" in network filter`);
  }
};

const COMMON: Matchers<NetworkConfig> = {
  label: labelMatcher((n) => n.labels),
  'label!': notLabelMatcher((n) => n.labels),
  until: untilMatcher((n) => n.created ?? 0),
};

/** `inUse` tells whether a container is attached to the network (for dangling). */
export function networkFilter(filters: Filters | undefined, inUse: (n: NetworkConfig) => boolean): (n: NetworkConfig) => boolean {
  return compileFilters(filters, {
    ...COMMON,
    name: (v) => { const re = regexp(v); return (n) => re.test(n.name); },
    id: (v) => (n) => n.id.startsWith(v),
    driver: (v) => (n) => n.driver === v,
    dangling: (v) => {
      if (v !== 'true' && v !== 'false') throw invalidArgument(`invalid dangling filter value "${v}": must be true or false`);
      return (n) => !inUse(n) === (v === 'true');
    },
  }, 'network');
}

/** prune accepts only label, label! and until, as Podman. */
export function networkPruneFilter(filters: Filters | undefined): (n: NetworkConfig) => boolean {
  return compileFilters(filters, COMMON, 'network prune');
}
