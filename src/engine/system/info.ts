// `husk info`: facts about the host (cgroups, runtime, conmon), the store and
// this husk, gathered by the engine so every front end reports the same.
import { execFileSync } from 'node:child_process';
import { cpus, freemem, hostname, release, totalmem } from 'node:os';
import { API_VERSION, VERSION } from '../../common/version.ts';
import { cgroupLayout } from '../../runtime/cgroups.ts';
import type { EngineContext } from '../context.ts';
import { listContainers } from '../container/query.ts';
import type { SystemInfo, VersionReport } from './api.ts';

const CAPABILITIES = 'CAP_CHOWN,CAP_DAC_OVERRIDE,CAP_FOWNER,CAP_FSETID,CAP_KILL,CAP_NET_BIND_SERVICE,CAP_SETFCAP,CAP_SETGID,CAP_SETPCAP,CAP_SETUID,CAP_SYS_CHROOT';

const goArch = () => (process.arch === 'x64' ? 'amd64' : process.arch);

function versionOf(path: string): string {
  try {
    return execFileSync(path, ['--version'], { encoding: 'utf8' }).split('\n')[0];
  } catch {
    return 'unknown';
  }
}

export function systemInfo(ctx: EngineContext): SystemInfo {
  const rt = ctx.runtimeChoice();
  const containers = listContainers(ctx);
  const count = (s: string) => containers.filter((c) => c.state.status === s).length;
  const layout = cgroupLayout();
  const info: SystemInfo = {
    host: {
      arch: goArch(), hostname: hostname(), kernel: release(), os: 'linux',
      cpus: cpus().length, memTotal: totalmem(), memFree: freemem(),
      cgroupManager: 'cgroupfs', cgroupVersion: layout === 'v2' ? 'v2' : 'v1', cgroupLayout: layout,
      conmon: { path: ctx.config.conmonPath, version: versionOf(ctx.config.conmonPath) },
      ociRuntime: { name: rt.name, path: rt.path, version: versionOf(rt.path), ...(rt.wrapper ? { wrapper: rt.wrapper } : {}), ...(rt.fallbackReason ? { fallbackReason: `using runc: ${rt.fallbackReason}` } : {}) },
      security: { rootless: !!ctx.config.rootless, capabilities: CAPABILITIES },
    },
    store: {
      configFile: ctx.config.configFiles.join(', '), graphDriverName: ctx.config.storageDriver, graphRoot: ctx.config.root, runRoot: ctx.config.runroot,
      imageStore: { number: ctx.images.list().length },
      containerStore: { number: containers.length, running: count('running'), paused: count('paused'), stopped: containers.length - count('running') - count('paused') },
    },
    version: { Version: VERSION, APIVersion: API_VERSION, GoVersion: process.version, OsArch: `linux/${goArch()}` },
  };
  if (rt.fallbackReason) info.warnings = [`OCI runtime ${ctx.config.runtime ?? 'crun'} cannot be used here (${rt.fallbackReason}); husk uses runc.`];
  return info;
}

export function versionReport(): VersionReport {
  return {
    Version: VERSION, ApiVersion: API_VERSION, GoVersion: process.version, NodeVersion: process.version,
    OsArch: `linux/${goArch()}`, Os: 'linux', Built: 0,
  };
}
