// The local implementation of the networks domain (scaffold: replaced by the real one).
import type { EngineContext } from '../context.ts';
import type { NetworksAPI } from './api.ts';
import { unimplemented } from '../unimplemented.ts';

export const LocalNetworks = function (this: unknown, _ctx: EngineContext) {
  return unimplemented<NetworksAPI>('networks');
} as unknown as new (ctx: EngineContext) => NetworksAPI;
