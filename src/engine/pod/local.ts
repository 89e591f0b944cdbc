// The local implementation of the pods domain (scaffold: replaced by the real one).
import type { EngineContext } from '../context.ts';
import type { PodsAPI } from './api.ts';
import { unimplemented } from '../unimplemented.ts';

export const LocalPods = function (this: unknown, _ctx: EngineContext) {
  return unimplemented<PodsAPI>('pods');
} as unknown as new (ctx: EngineContext) => PodsAPI;
