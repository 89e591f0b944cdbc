// connect(): the one way front ends get an Engine. Today it is always the
// local, in-process engine; the remote client (REST) will be chosen here
// from the same options.
import type { ConnectOptions, Engine } from './api.ts';

export async function connect(o: ConnectOptions = {}): Promise<Engine> {
  const { LocalEngine } = await import('./local.ts');
  return new LocalEngine(o);
}
