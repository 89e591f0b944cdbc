// The engine the API suites drive: the local engine, or — with
// HUSK_TEST_REMOTE=1 (test/api/remote-suites.test.ts) — a RemoteEngine
// talking to huskRoutes() served in-process on a unix socket over the same
// store, so the same tests check the remote client.
import { join } from 'node:path';
import type { ConnectOptions, Engine } from '../../src/engine/api.ts';
import { connect } from '../../src/connect.ts';
import { serveHusk } from '../api/remote-server.ts';

export const REMOTE = process.env.HUSK_TEST_REMOTE === '1';

let sockets = 0;

export async function openEngine(o: ConnectOptions & { root: string; runroot: string }): Promise<Engine> {
  const local = await connect(o);
  if (!REMOTE) return local;
  const server = await serveHusk(local, join(o.runroot, '..', `husk-${process.pid}-${sockets++}.sock`));
  const remote = await connect({ url: server.url });
  const close = remote.close.bind(remote);
  return Object.assign(remote, {
    close: async () => {
      await close();
      await server.close();
      await local.close();
    },
  });
}
