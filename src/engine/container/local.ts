// The local implementation of the containers domain (scaffold: replaced by the real one).
import type { EngineContext } from '../context.ts';
import type { ContainersAPI } from './api.ts';
import { unimplemented } from '../unimplemented.ts';

export const LocalContainers = function (this: unknown, _ctx: EngineContext) {
  return unimplemented<ContainersAPI>('containers');
} as unknown as new (ctx: EngineContext) => ContainersAPI;
