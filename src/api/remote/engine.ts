// The remote engine: every domain of the Engine interface, each method a
// remote call of the same name (methods.ts is the allow-list both ends
// share), so callers cannot tell it from the local engine but for latency.
import type { ContainersAPI, Engine, ExecAPI, ImagesAPI, NetworksAPI, PodsAPI, SecretsAPI, SystemAPI, VolumesAPI } from '../../engine/api.ts';
import { METHODS, type Domain } from '../husk/methods.ts';
import { remoteCall, remoteIter } from './call.ts';
import { Transport } from './transport.ts';

export class RemoteEngine implements Engine {
  readonly transport: Transport;
  readonly containers: ContainersAPI;
  readonly exec: ExecAPI;
  readonly pods: PodsAPI;
  readonly images: ImagesAPI;
  readonly volumes: VolumesAPI;
  readonly networks: NetworksAPI;
  readonly system: SystemAPI;
  readonly secrets: SecretsAPI;

  /** `url`: unix://PATH, tcp://HOST:PORT or ssh://[USER@]HOST[:PORT]/PATH. */
  constructor(url: string) {
    this.transport = new Transport(url);
    this.containers = this.#domain('containers');
    this.exec = this.#domain('exec');
    this.pods = this.#domain('pods');
    this.images = this.#domain('images');
    this.volumes = this.#domain('volumes');
    this.networks = this.#domain('networks');
    this.system = this.#domain('system');
    this.secrets = this.#domain('secrets');
  }

  #domain<T>(domain: Domain): T {
    const api: Record<string, (...args: unknown[]) => unknown> = {};
    for (const [method, kind] of Object.entries(METHODS[domain])) {
      api[method] = kind === 'iter'
        ? (...args) => remoteIter(this.transport, domain, method, args)
        : (...args) => remoteCall(this.transport, domain, method, args);
    }
    return api as T;
  }

  async close(): Promise<void> {
    this.transport.close();
  }
}
