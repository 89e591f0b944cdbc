// The local engine: every domain's implementation over one EngineContext
// (configuration, state database, image store, event log) in this process.
// Domains are built on first use, and each loads its heavy modules lazily,
// so a CLI command pays only for the domain it calls.
import type { ConnectOptions, ContainersAPI, Engine, ExecAPI, ImagesAPI, NetworksAPI, PodsAPI, SecretsAPI, SystemAPI, VolumesAPI } from './api.ts';
import { EngineContext } from './context.ts';
import { LocalContainers } from './container/local.ts';
import { LocalExec } from './container/exec-local.ts';
import { LocalPods } from './pod/local.ts';
import { LocalImages } from './image/local.ts';
import { LocalVolumes } from './volume/local.ts';
import { LocalNetworks } from './network/local.ts';
import { LocalSystem } from './system/local.ts';
import { LocalSecrets } from './secret/local.ts';
import { ExitMonitor } from './container/monitor.ts';

export class LocalEngine implements Engine {
  readonly ctx: EngineContext;
  #containers?: ContainersAPI;
  #exec?: ExecAPI;
  #pods?: PodsAPI;
  #images?: ImagesAPI;
  #volumes?: VolumesAPI;
  #networks?: NetworksAPI;
  #system?: SystemAPI;
  #secrets?: SecretsAPI;

  constructor(o: ConnectOptions = {}) {
    this.ctx = new EngineContext({
      root: o.root, runroot: o.runroot, runtime: o.runtime, runtimeFlags: o.runtimeFlags, eventsBackend: o.eventsBackend,
      modules: o.modules, storageDriver: o.storageDriver, storageOpts: o.storageOpts, networkConfigDir: o.networkConfigDir,
      socketActivation: o.socketActivation, inheritedFds: o.inheritedFds,
      imageStore: o.imageStore, oneShot: o.oneShot,
    });
  }

  get containers(): ContainersAPI { return (this.#containers ??= new LocalContainers(this.ctx)); }
  get exec(): ExecAPI { return (this.#exec ??= new LocalExec(this.ctx)); }
  get pods(): PodsAPI { return (this.#pods ??= new LocalPods(this.ctx)); }
  get images(): ImagesAPI { return (this.#images ??= new LocalImages(this.ctx)); }
  get volumes(): VolumesAPI { return (this.#volumes ??= new LocalVolumes(this.ctx)); }
  get networks(): NetworksAPI { return (this.#networks ??= new LocalNetworks(this.ctx)); }
  get system(): SystemAPI { return (this.#system ??= new LocalSystem(this.ctx)); }
  get secrets(): SecretsAPI { return (this.#secrets ??= new LocalSecrets(this.ctx)); }

  monitorExits(): void {
    this.ctx.exitMonitor ??= new ExitMonitor(this.ctx);
  }

  async close(): Promise<void> {
    await this.ctx.exitMonitor?.close();
    this.ctx.close();
  }
}
