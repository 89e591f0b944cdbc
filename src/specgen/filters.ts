// --filter KEY=VALUE flags (and the REST API's `filters` JSON) into the
// engine's Filters: values grouped by key.
import { invalidArgument } from '../common/errors.ts';

export type Filters = Record<string, string[]>;

export function parseFilters(items: string[] = []): Filters {
  const out: Filters = {};
  for (const f of items) {
    const eq = f.indexOf('=');
    if (eq <= 0) throw invalidArgument(`invalid filter "${f}": expected key=value`);
    (out[f.slice(0, eq)] ??= []).push(f.slice(eq + 1));
  }
  return out;
}
