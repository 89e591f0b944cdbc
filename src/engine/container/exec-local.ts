// The local implementation of the exec domain (scaffold: replaced by the real one).
import type { EngineContext } from '../context.ts';
import type { ExecAPI } from './api.ts';
import { unimplemented } from '../unimplemented.ts';

export const LocalExec = function (this: unknown, _ctx: EngineContext) {
  return unimplemented<ExecAPI>('exec');
} as unknown as new (ctx: EngineContext) => ExecAPI;
