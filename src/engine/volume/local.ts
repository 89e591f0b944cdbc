// The local implementation of the volumes domain (scaffold: replaced by the real one).
import type { EngineContext } from '../context.ts';
import type { VolumesAPI } from './api.ts';
import { unimplemented } from '../unimplemented.ts';

export const LocalVolumes = function (this: unknown, _ctx: EngineContext) {
  return unimplemented<VolumesAPI>('volumes');
} as unknown as new (ctx: EngineContext) => VolumesAPI;
