// connect(): the one way front ends get an Engine: the local, in-process
// engine, or the remote client (src/api/remote) when a url or `remote` is
// given. Each is imported only when chosen, so the local path loads nothing
// of the remote one and vice versa.
import type { ConnectOptions, Engine } from './engine/api.ts';

export async function connect(o: ConnectOptions = {}): Promise<Engine> {
  if (o.url || o.remote) {
    const { RemoteEngine } = await import('./api/remote/engine.ts');
    const { DEFAULT_SOCKET } = await import('./api/remote/transport.ts');
    return new RemoteEngine(o.url || process.env.CONTAINER_HOST || `unix://${DEFAULT_SOCKET}`);
  }
  const { LocalEngine } = await import('./engine/local.ts');
  return new LocalEngine(o);
}
