// The local implementation of the system domain (scaffold: replaced by the real one).
import type { EngineContext } from '../context.ts';
import type { SystemAPI } from './api.ts';
import { unimplemented } from '../unimplemented.ts';

export const LocalSystem = function (this: unknown, _ctx: EngineContext) {
  return unimplemented<SystemAPI>('system');
} as unknown as new (ctx: EngineContext) => SystemAPI;
