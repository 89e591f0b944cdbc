// `volume ls/prune --filter` keys, Podman's set (plus husk's `anonymous`),
// through the shared matcher (engine/filters.ts).
import { invalidArgument } from '../../common/errors.ts';
import { compileFilters, labelMatcher, notLabelMatcher, untilMatcher, type Matchers } from '../filters.ts';
import type { Filters } from '../api.ts';
import type { Volume } from './api.ts';

const bool = (key: string, v: string) => {
  if (v !== 'true' && v !== 'false') throw invalidArgument(`invalid ${key} filter value "${v}": must be true or false`);
  return v === 'true';
};

/** `inUse` tells whether a container uses the volume (for dangling). */
export function volumeFilter(filters: Filters | undefined, inUse: (v: Volume) => boolean): (v: Volume) => boolean {
  const matchers: Matchers<Volume> = {
    name: (v) => {
      let re: RegExp;
      try { re = new RegExp(v); } catch { throw invalidArgument(`invalid regular expression "${v}" in volume filter`); }
      return (vol) => re.test(vol.Name);
    },
    driver: (v) => (vol) => vol.Driver === v,
    scope: (v) => (vol) => vol.Scope === v,
    label: labelMatcher((vol) => vol.Labels),
    'label!': notLabelMatcher((vol) => vol.Labels),
    opt: labelMatcher((vol) => vol.Options),
    until: untilMatcher((vol) => vol.CreatedAt),
    dangling: (v) => { const want = bool('dangling', v); return (vol) => !inUse(vol) === want; },
    anonymous: (v) => { const want = bool('anonymous', v); return (vol) => vol.Anonymous === want; },
  };
  return compileFilters(filters, matchers, 'volume');
}
