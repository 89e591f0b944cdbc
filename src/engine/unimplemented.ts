// TEMPORARY scaffold while the domains move behind the engine API: a domain
// whose local implementation is not written yet throws NOT_IMPLEMENTED for
// every call. Each domain replaces its use of this; the file goes away then.
import { HuskError } from '../common/errors.ts';

export function unimplemented<T extends object>(domain: string): T {
  return new Proxy({} as T, {
    get: (_t, prop) => () => { throw new HuskError('NOT_IMPLEMENTED', `${domain}.${String(prop)} is not implemented yet`); },
  });
}
