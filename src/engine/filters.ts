// The one implementation of --filter matching, shared by every list and
// prune of every domain (and so by the CLI and the REST API alike). Each
// domain gives a table of matchers by key; values of one key are ORed and
// different keys ANDed, as in Podman, except `label`/`label!`, whose values
// must all hold.
import { invalidArgument } from '../common/errors.ts';
import type { Filters } from './api.ts';
import { parseTime } from '../specgen/time.ts';

/** key → a test for one filter value. */
export type Matchers<T> = Record<string, (value: string) => (item: T) => boolean>;

const ALL_OF = new Set(['label', 'label!']);

/** Compiles filters into one predicate; an unknown key is an INVALID_ARGUMENT naming `what`. */
export function compileFilters<T>(filters: Filters | undefined, matchers: Matchers<T>, what: string): (item: T) => boolean {
  const groups: ((item: T) => boolean)[] = [];
  for (const [key, values] of Object.entries(filters ?? {})) {
    if (!values.length) continue;
    const make = Object.hasOwn(matchers, key) ? matchers[key] : undefined;
    if (!make) throw invalidArgument(`invalid ${what} filter "${key}": must be one of ${Object.keys(matchers).join(', ')}`);
    const tests = values.map((v) => make(v));
    groups.push(ALL_OF.has(key) ? (item) => tests.every((t) => t(item)) : (item) => tests.some((t) => t(item)));
  }
  return (item) => groups.every((g) => g(item));
}

/** label=KEY or label=KEY=VALUE against a label map. */
export function labelMatcher<T>(labels: (item: T) => Record<string, string> | undefined) {
  return (v: string) => {
    const i = v.indexOf('=');
    const k = i < 0 ? v : v.slice(0, i);
    return (item: T) => {
      const l = labels(item) ?? {};
      return Object.hasOwn(l, k) && (i < 0 || l[k] === v.slice(i + 1));
    };
  };
}

/** label!=...: the negation of labelMatcher. */
export function notLabelMatcher<T>(labels: (item: T) => Record<string, string> | undefined) {
  const m = labelMatcher(labels);
  return (v: string) => {
    const t = m(v);
    return (item: T) => !t(item);
  };
}

/** until=TIME / since-like comparisons (specgen/time.ts). */
export const parseFilterTime = parseTime;

/** until=TIME: created before TIME. */
export function untilMatcher<T>(created: (item: T) => string | number | Date) {
  return (v: string) => {
    const t = parseFilterTime(v).getTime();
    return (item: T) => new Date(created(item)).getTime() < t;
  };
}
