// The local implementation of the images domain (scaffold: replaced by the real one).
import type { EngineContext } from '../context.ts';
import type { ImagesAPI } from './api.ts';
import { unimplemented } from '../unimplemented.ts';

export const LocalImages = function (this: unknown, _ctx: EngineContext) {
  return unimplemented<ImagesAPI>('images');
} as unknown as new (ctx: EngineContext) => ImagesAPI;
