// Docker's system endpoints: _ping, version (what the docker CLI negotiates
// its API version with), info, events and df.
import { hostname } from 'node:os';
import type { Route, RouteContext } from '../router.ts';
import { qFilters, qTime, sendJson } from '../http.ts';
import type { HuskEvent } from '../../engine/system/api.ts';

/** The Docker API version husk speaks (docker CLI 28 negotiates down to it) and the oldest it accepts. */
export const DOCKER_API_VERSION = '1.41';
export const DOCKER_MIN_API_VERSION = '1.24';

const arch = () => ({ x64: 'amd64', arm64: 'arm64' } as Record<string, string>)[process.arch] ?? process.arch;

function pingHeaders(ctx: RouteContext): void {
  ctx.res.setHeader('API-Version', DOCKER_API_VERSION);
  ctx.res.setHeader('Docker-Experimental', 'false');
  ctx.res.setHeader('Ostype', 'linux');
  ctx.res.setHeader('Builder-Version', '1');
  ctx.res.setHeader('Cache-Control', 'no-cache, no-store, must-revalidate');
  ctx.res.setHeader('Pragma', 'no-cache');
}

async function ping(ctx: RouteContext): Promise<void> {
  pingHeaders(ctx);
  ctx.res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': 2 });
  ctx.res.end(ctx.req.method === 'HEAD' ? undefined : 'OK');
}

async function version(ctx: RouteContext): Promise<void> {
  const v = await ctx.engine.system.version();
  const info = await ctx.engine.system.info();
  const common = { Version: v.Version, ApiVersion: DOCKER_API_VERSION, MinAPIVersion: DOCKER_MIN_API_VERSION, GitCommit: '', GoVersion: process.version, Os: 'linux', Arch: arch(), KernelVersion: info.host.kernel, BuildTime: v.Built ? new Date(v.Built * 1000).toISOString() : '' };
  pingHeaders(ctx);
  sendJson(ctx, 200, {
    Platform: { Name: `husk Engine ${v.Version}` },
    Components: [
      { Name: 'husk Engine', Version: v.Version, Details: { APIVersion: DOCKER_API_VERSION, Arch: arch(), Os: 'linux', KernelVersion: info.host.kernel, MinAPIVersion: DOCKER_MIN_API_VERSION, NodeVersion: process.version, HuskAPIVersion: v.ApiVersion } },
      { Name: 'conmon', Version: info.host.conmon.version, Details: { Package: info.host.conmon.path } },
      { Name: 'OCI Runtime (' + info.host.ociRuntime.name + ')', Version: info.host.ociRuntime.version, Details: { Package: info.host.ociRuntime.path } },
    ],
    ...common,
  });
}

async function info(ctx: RouteContext): Promise<void> {
  const i = await ctx.engine.system.info();
  const cs = i.store.containerStore;
  sendJson(ctx, 200, {
    ID: '', Containers: cs.number, ContainersRunning: cs.running, ContainersPaused: cs.paused, ContainersStopped: cs.stopped,
    Images: i.store.imageStore.number, Driver: i.store.graphDriverName, DriverStatus: [['Backing Filesystem', 'extfs']],
    Plugins: { Volume: ['local'], Network: ['bridge', 'host', 'none'], Authorization: null, Log: ['k8s-file'] },
    MemoryLimit: true, SwapLimit: true, KernelMemory: false, CpuCfsPeriod: true, CpuCfsQuota: true, CPUShares: true, CPUSet: true,
    PidsLimit: true, IPv4Forwarding: true, BridgeNfIptables: true, BridgeNfIp6tables: true, Debug: false, NFd: 0, OomKillDisable: false,
    NGoroutines: 0, SystemTime: new Date().toISOString(), LoggingDriver: 'k8s-file', CgroupDriver: i.host.cgroupManager,
    CgroupVersion: i.host.cgroupVersion === 'v2' ? '2' : '1', NEventsListener: 0, KernelVersion: i.host.kernel,
    OperatingSystem: i.host.os, OSVersion: '', OSType: 'linux', Architecture: i.host.arch, IndexServerAddress: 'https://index.docker.io/v1/',
    RegistryConfig: { IndexConfigs: {}, InsecureRegistryCIDRs: [], Mirrors: [] }, NCPU: i.host.cpus, MemTotal: i.host.memTotal,
    GenericResources: null, DockerRootDir: i.store.graphRoot, HttpProxy: '', HttpsProxy: '', NoProxy: '', Name: i.host.hostname || hostname(),
    Labels: [], ExperimentalBuild: false, ServerVersion: i.version.Version, Runtimes: { [i.host.ociRuntime.name]: { path: i.host.ociRuntime.path } },
    DefaultRuntime: i.host.ociRuntime.name, Swarm: { NodeID: '', NodeAddr: '', LocalNodeState: 'inactive', ControlAvailable: false, Error: '', RemoteManagers: null },
    LiveRestoreEnabled: false, Isolation: '', InitBinary: '', ContainerdCommit: { ID: '' }, RuncCommit: { ID: '' }, InitCommit: { ID: '' },
    SecurityOptions: ['name=seccomp,profile=default', ...(i.host.security.rootless ? ['name=rootless'] : [])],
    Warnings: i.warnings ?? [],
  });
}

/** Docker's event shape from husk's (Podman's "died" is Docker's "die"). */
export function eventToDocker(ev: HuskEvent): Record<string, unknown> {
  const action = ev.Status === 'died' ? 'die' : ev.Status;
  const attrs: Record<string, string> = { ...(ev.Attributes ?? {}) };
  if (ev.Name) attrs.name = ev.Name;
  if (ev.Image) attrs.image = ev.Image;
  if (ev.ContainerExitCode !== undefined) attrs.exitCode = String(ev.ContainerExitCode);
  const secs = Math.floor(ev.timeNano / 1e9);
  return {
    status: action, id: ev.ID, from: ev.Image ?? '', Type: ev.Type, Action: action,
    Actor: { ID: ev.ID, Attributes: attrs }, scope: 'local', time: secs, timeNano: ev.timeNano,
  };
}

async function events(ctx: RouteContext): Promise<void> {
  const f = qFilters(ctx.query);
  if (f?.event) f.event = f.event.map((e) => (e === 'die' ? 'died' : e));
  const until = qTime(ctx.query, 'until');
  // Docker replays past events only when asked for a window (since or until);
  // a bare subscription (docker stats, compose) gets new ones alone.
  const since = qTime(ctx.query, 'since') ?? (until ? undefined : new Date());
  const it = ctx.engine.system.events({ since, until, filters: f, stream: true, signal: ctx.signal });
  ctx.res.writeHead(200, { 'Content-Type': 'application/json' });
  ctx.res.flushHeaders();
  try {
    for await (const ev of it) ctx.res.write(`${JSON.stringify(eventToDocker(ev))}\n`);
  } catch (e) {
    if (!ctx.signal.aborted) throw e;
  }
  ctx.res.end();
}

async function df(ctx: RouteContext): Promise<void> {
  const [images, containers, volumes] = await Promise.all([
    ctx.engine.images.list({ all: true }), ctx.engine.containers.list({ all: true }), ctx.engine.volumes.list(),
  ]);
  sendJson(ctx, 200, {
    LayersSize: images.reduce((n, i) => n + i.Size, 0),
    Images: images.map((i) => ({ Id: `sha256:${i.Id}`, ParentId: '', RepoTags: i.RepoTags, RepoDigests: i.RepoDigests, Created: Math.floor(new Date(i.Created).getTime() / 1000), Size: i.Size, SharedSize: 0, VirtualSize: i.Size, Labels: i.Labels, Containers: i.Containers })),
    Containers: containers.map((c) => ({ Id: c.config.id, Names: [`/${c.config.name}`], Image: c.config.imageName, ImageID: `sha256:${c.config.imageId}`, Command: c.config.args.join(' '), Created: Math.floor(new Date(c.config.created).getTime() / 1000), State: c.state.status === 'stopped' ? 'exited' : c.state.status, Status: c.state.status, SizeRw: 0, SizeRootFs: 0 })),
    Volumes: volumes.map((v) => ({ Name: v.Name, Driver: v.Driver, Mountpoint: v.Mountpoint, CreatedAt: v.CreatedAt, Labels: v.Labels, Scope: v.Scope, Options: v.Options, UsageData: { Size: -1, RefCount: -1 } })),
    BuildCache: [],
  });
}

export const systemRoutes: Route[] = [
  { method: 'GET', path: '/_ping', handler: ping },
  { method: 'HEAD', path: '/_ping', handler: ping },
  { method: 'GET', path: '/version', handler: version },
  { method: 'GET', path: '/info', handler: info },
  { method: 'GET', path: '/events', handler: events },
  { method: 'GET', path: '/system/df', handler: df },
];
