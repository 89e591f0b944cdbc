// `pod ps --filter` keys, Podman's set, through the shared matcher
// (engine/filters.ts): values of one key are ORed, keys ANDed.
import { invalidArgument } from '../../common/errors.ts';
import { compileFilters, labelMatcher, notLabelMatcher, untilMatcher, type Matchers } from '../filters.ts';
import type { Filters } from '../api.ts';
import type { Pod } from './api.ts';

const STATUSES = ['stopped', 'running', 'paused', 'exited', 'dead', 'created', 'degraded'];

const regexp = (v: string) => {
  try {
    return new RegExp(v);
  } catch {
    throw invalidArgument(`invalid regular expression "${v}" in pod filter`);
  }
};

const MATCHERS: Matchers<Pod> = {
  id: (v) => (p) => p.config.id.startsWith(v),
  name: (v) => { const re = regexp(v); return (p) => re.test(p.config.name); },
  status: (v) => {
    if (!STATUSES.includes(v)) throw invalidArgument(`invalid pod status "${v}": must be one of ${STATUSES.join(', ')}`);
    return (p) => p.status.toLowerCase() === v;
  },
  label: labelMatcher((p) => p.config.labels),
  'label!': notLabelMatcher((p) => p.config.labels),
  until: untilMatcher((p) => p.config.created),
  'ctr-names': (v) => { const re = regexp(v); return (p) => p.containers.some((c) => re.test(c.name)); },
  'ctr-ids': (v) => (p) => p.containers.some((c) => c.id.startsWith(v)),
  'ctr-status': (v) => (p) => p.containers.some((c) => c.status === v),
  'ctr-number': (v) => (p) => p.containers.length === Number(v),
  network: (v) => (p) => p.networks.includes(v),
};

export function podFilter(filters: Filters | undefined): (p: Pod) => boolean {
  return compileFilters(filters, MATCHERS, 'pod');
}
