// Read-side views of containers: list (ps), inspect (Podman's field names), top.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { containerState } from '../../common/errors.ts';
import { rootfsPaths } from './rootfs.ts';
import type { EngineContext } from '../context.ts';
import { getContainer, logPathOf, podCgroupOf, stopSignalOf, syncState } from './lifecycle.ts';
import { containerEnv, containerHostname } from './spec.ts';
import type { Container } from '../types.ts';
import type { ResolvedHealthcheck } from '../../specgen/health.ts';
import { healthcheckOf } from './health-timer.ts';
import { DEFAULT_CAPS } from '../../runtime/spec/security.ts';
import { cpuOf, type DeviceRate } from '../../runtime/spec/resources.ts';
import type { ContainerSpec } from '../../specgen/container.ts';
import { formatUlimit } from '../../specgen/flags.ts';
import { exposedPorts } from '../../specgen/container.ts';
import { secretIdOf } from '../secret/store.ts';
import { goStruct } from '../../common/gostruct.ts';

export function listContainers(e: EngineContext): Container[] {
  return e.db.list().map((c) => syncState(e, c));
}

/** Podman's status word for a state ("configured" is shown as Created; `stopping` while a stop waits). */
export function statusWord(c: Container): string {
  if (c.state.stopping && c.state.status === 'running') return 'stopping';
  return c.state.status === 'created' && c.state.pid ? 'initialized' : c.state.status;
}

export function inspectContainer(e: EngineContext, ref: string): Record<string, unknown> {
  const c = syncState(e, getContainer(e, ref));
  const { config: cfg, state: st } = c;
  const img = e.images.get(cfg.imageId);
  const run = e.runDir(cfg.id);
  const bundle = e.bundleDir(cfg.id);
  const paths = rootfsPaths(e.containerDir(cfg.id));
  const ic = img?.config.config ?? {};
  const hc = healthcheckOf(c);
  return {
    Id: cfg.id,
    Created: cfg.created,
    Path: cfg.args[0],
    Args: cfg.args.slice(1),
    State: {
      OciVersion: '1.0.2-dev',
      Status: statusWord(c),
      Running: st.status === 'running',
      Paused: st.status === 'paused',
      Restarting: false,
      OOMKilled: st.oomKilled,
      Checkpointed: !!st.checkpointed,
      Dead: false,
      Pid: st.pid,
      ConmonPid: st.conmonPid,
      ExitCode: st.exitCode,
      Error: st.error,
      StartedAt: st.startedAt,
      FinishedAt: st.finishedAt,
      // Podman 4 showed the health as Healthcheck; both, as Podman 4.x prints them.
      ...(hc ? { Health: healthState(c), Healthcheck: healthState(c) } : {}),
    },
    Image: cfg.imageId,
    // Podman's RawImageName: the image as the user named it at create.
    ImageName: cfg.intent.image,
    ImageDigest: img?.digest ?? '',
    Rootfs: cfg.intent.rootfs ?? '',
    // The full ID of the container's pod (Podman's; "" outside a pod).
    Pod: cfg.pod ?? '',
    ResolvConfPath: join(run, 'resolv.conf'),
    HostnamePath: join(run, 'hostname'),
    HostsPath: join(run, 'hosts'),
    StaticDir: bundle,
    OCIConfigPath: join(bundle, 'config.json'),
    OCIRuntime: cfg.runtime,
    ConmonPidFile: cfg.intent.conmonPidFile ?? join(run, 'conmon.pid'),
    PidFile: cfg.intent.pidFile ?? join(run, 'pidfile'),
    Name: cfg.name,
    RestartCount: st.restartCount,
    Driver: e.config.storageDriver,
    MountLabel: '',
    ProcessLabel: '',
    AppArmorProfile: '',
    EffectiveCaps: cfg.intent.user && !/^0(:|$)/.test(cfg.intent.user) ? [] : DEFAULT_CAPS,
    BoundingCaps: DEFAULT_CAPS,
    ExecIDs: e.db.execSessionIds(cfg.id),
    GraphDriver: e.vfs ? { Name: 'vfs', Data: null } : {
      Name: 'overlay',
      Data: {
        LowerDir: (img?.layers ?? []).slice().reverse().map((l) => e.images.layerDir(l)).join(':'),
        UpperDir: paths.upper, WorkDir: paths.work, MergedDir: paths.merged,
      },
    },
    Mounts: [],
    Dependencies: [],
    // Exposed ports (the image's and --expose) show unpublished as null, as Podman's, on a network of the container's own.
    NetworkSettings: networkSettings(c, cfg.networks || cfg.slirp || cfg.pasta ? exposedPorts(cfg.intent, ic.ExposedPorts) : []),
    Namespace: '',
    IsInfra: !!cfg.isInfra,
    IsService: false,
    Config: {
      Hostname: containerHostname(cfg),
      Domainname: '',
      User: cfg.intent.user ?? ic.User ?? '',
      AttachStdin: !!cfg.intent.interactive,
      AttachStdout: false,
      AttachStderr: false,
      Tty: !!cfg.intent.tty,
      OpenStdin: !!cfg.intent.interactive,
      StdinOnce: false,
      // What the process gets (the defaults, the image's, --unsetenv, -e), as Podman's stored Env.
      Env: containerEnv(cfg, img),
      Cmd: cfg.intent.command?.length ? cfg.intent.command : cfg.intent.entrypoint !== undefined ? [] : (ic.Cmd ?? null),
      Image: cfg.imageName,
      Volumes: null,
      WorkingDir: cfg.intent.workdir ?? ic.WorkingDir ?? '/',
      Entrypoint: cfg.intent.entrypoint ?? ic.Entrypoint ?? null,
      OnBuild: null,
      Labels: { ...ic.Labels, ...cfg.intent.labels },
      Annotations: { ...cfg.intent.annotations },
      StopSignal: stopSignalOf(e, c),
      CreateCommand: cfg.intent.createCommand ?? [],
      Umask: cfg.intent.umask !== undefined ? cfg.intent.umask.padStart(4, '0') : '0022',
      Timeout: cfg.intent.timeout ?? 0,
      ...(cfg.intent.timezone ? { Timezone: cfg.intent.timezone } : {}),
      StopTimeout: cfg.intent.stopTimeout ?? 10,
      // Docker's HealthConfig shape (Podman's omitempty fields), as resolved at create.
      ...(hc ? { Healthcheck: healthConfig(hc) } : {}),
      ...(hc?.startup ? { StartupHealthCheck: { ...healthConfig({ ...hc.startup, startPeriod: 0 }), ...(hc.startup.successes > 0 ? { Successes: hc.startup.successes } : {}) } } : {}),
      HealthcheckOnFailureAction: hc?.onFailure ?? 'none',
      SdNotifyMode: cfg.intent.sdNotifyMode ?? 'container',
      SdNotifySocket: cfg.intent.sdNotifySocket ?? '',
      // Podman lists the mounted secrets (name, the store's ID, owner, mode); omitted when there are none.
      ...(cfg.intent.secrets?.some((x) => x.type !== 'env') ? {
        Secrets: cfg.intent.secrets.filter((x) => x.type !== 'env').map((x) => ({ Name: x.source, ID: secretIdOf(e, x.source), UID: x.uid ?? 0, GID: x.gid ?? 0, Mode: x.mode ?? 0o444 })),
      } : {}),
    },
    HostConfig: {
      NetworkMode: (cfg.intent.network ?? 'none').replace(/^(slirp4netns|pasta):.*/, '$1'),
      // Podman's words: "shareable" for a private namespace of the container's own.
      IpcMode: !cfg.intent.ipcMode || cfg.intent.ipcMode === 'private' ? 'shareable' : cfg.intent.ipcMode,
      PidMode: !cfg.intent.pidMode || cfg.intent.pidMode === 'private' ? 'private' : cfg.intent.pidMode,
      UTSMode: !cfg.intent.utsMode || cfg.intent.utsMode === 'private' ? 'private' : cfg.intent.utsMode,
      CgroupnsMode: cfg.intent.cgroupns ?? 'private',
      // Where the container's cgroup is made: its pod's (--cgroup-parent) or --cgroups=split's, else husk's own.
      CgroupParent: st.cgroupParent ?? cfg.intent.cgroupParent ?? podCgroupOf(e, cfg) ?? (e.rootlessCgroups() ? e.rootlessCgroups()!.cgroupParent ?? '' : '/husk'),
      // Podman's: "disabled" for --cgroups=disabled, else "default".
      Cgroups: cfg.intent.cgroupsMode === 'disabled' ? 'disabled' : 'default',
      Init: !!cfg.intent.init,
      LogConfig: { Type: cfg.intent.logDriver ?? 'k8s-file', Config: null,
        // Only the file drivers have a path (Podman's: empty for journald, none, passthrough).
        Path: !cfg.intent.logDriver || cfg.intent.logDriver === 'k8s-file' || cfg.intent.logDriver === 'json-file' ? logPathOf(e, cfg) : '', Tag: cfg.intent.logOptions?.tag ?? '', Size: logSize(cfg.intent.logOptions?.maxSize ?? 0) },
      DeviceCgroupRules: cfg.intent.deviceCgroupRules ?? [],
      // The container's own settings, as Podman shows them (a pod member's come from its pod, not listed here).
      Dns: cfg.intent.dns ?? [],
      DnsOptions: cfg.intent.dnsOption ?? [],
      DnsSearch: cfg.intent.dnsSearch ?? [],
      ExtraHosts: (cfg.intent.extraHosts ?? []).map((h) => `${h.host}:${h.ip}`),
      AutoRemove: !!cfg.intent.autoRemove,
      ReadonlyRootfs: !!cfg.intent.readOnly,
      PidsLimit: cfg.intent.pidsLimit ?? e.config.pidsLimit,
      // As --ulimit takes them (NAME=SOFT[:HARD]).
      Ulimits: (cfg.intent.ulimits ?? []).map(formatUlimit),
      RestartPolicy: { Name: cfg.intent.restartPolicy?.name ?? '', MaximumRetryCount: cfg.intent.restartPolicy?.maximumRetryCount ?? 0 },
      ...resourceFields(cfg.intent),
    },
  };
}

/** Podman's HostConfig resource fields, from the limits the container's spec gets (so --cpus shows as CpuPeriod/CpuQuota). */
function resourceFields(i: ContainerSpec): Record<string, unknown> {
  const cpu = cpuOf(i) ?? {};
  const rates = (l: DeviceRate[] | undefined) => (l ?? []).map((d) => goStruct({ Path: d.path, Rate: d.rate }));
  return {
    BlkioWeight: i.blkioWeight ?? 0,
    BlkioWeightDevice: (i.blkioWeightDevice ?? []).map((d) => goStruct({ Path: d.path, Weight: d.weight })),
    BlkioDeviceReadBps: rates(i.deviceReadBps),
    BlkioDeviceWriteBps: rates(i.deviceWriteBps),
    BlkioDeviceReadIOps: rates(i.deviceReadIops),
    BlkioDeviceWriteIOps: rates(i.deviceWriteIops),
    CpuPeriod: cpu.period ?? 0,
    CpuQuota: cpu.quota ?? 0,
    CpuRealtimePeriod: cpu.realtimePeriod ?? 0,
    CpuRealtimeRuntime: cpu.realtimeRuntime ?? 0,
    CpuShares: i.cpuShares ?? 0,
    CpusetCpus: i.cpusetCpus ?? '',
    CpusetMems: i.cpusetMems ?? '',
    Memory: i.memory ?? 0,
    MemoryReservation: i.memoryReservation ?? 0,
    MemorySwap: i.memorySwap ?? (i.memory ? i.memory * 2 : 0),
    // Podman's default: -1, the kernel's.
    MemorySwappiness: i.memorySwappiness ?? -1,
    OomKillDisable: !!i.oomKillDisable,
    CgroupConf: i.cgroupConf ?? null,
  };
}

function healthConfig(h: Pick<ResolvedHealthcheck, 'test' | 'startPeriod' | 'interval' | 'timeout' | 'retries'>): Record<string, unknown> {
  const out: Record<string, unknown> = { Test: h.test };
  // Podman's disabled interval is 0, which it omits as it does every zero.
  for (const [k, v] of [['StartPeriod', h.startPeriod], ['Interval', h.interval], ['Timeout', h.timeout], ['Retries', h.retries]] as const) if (v > 0) out[k] = v;
  return out;
}

/** Podman's HealthCheckResults; before the first start, an empty status and no log. */
function healthState(c: Container): Record<string, unknown> {
  const h = c.state.health;
  return {
    Status: h?.status ?? '',
    FailingStreak: h?.failingStreak ?? 0,
    Log: h ? h.log.map((l) => ({ Start: l.start, End: l.end, ExitCode: l.exitCode, Output: l.output })) : null,
  };
}

/** `top`: host ps over the container's processes, Podman's default columns. */
export async function topContainer(e: EngineContext, ref: string, psArgs: string[] = []): Promise<string[][]> {
  const c = syncState(e, getContainer(e, ref));
  if (c.state.status !== 'running' && c.state.status !== 'paused') throw containerState(`top can only be used on running containers: container state improper`);
  const pids = await e.runtime(c.config.runtime, c.config.intent.cgroupsMode === 'disabled').pids(c.config.id);
  const fields = psArgs.length ? psArgs : ['user', 'pid', 'ppid', 'pcpu', 'etime', 'tty', 'time', 'args'];
  const headers: Record<string, string> = { user: 'USER', pid: 'PID', ppid: 'PPID', pcpu: '%CPU', etime: 'ELAPSED', tty: 'TTY', time: 'TIME', args: 'COMMAND', comm: 'COMMAND' };
  const out = await new Promise<string>((resolve, reject) =>
    execFile('ps', ['-o', fields.map((f) => `${f}=`).join(','), '-p', pids.join(',')], (err, stdout) => (err && !stdout ? reject(err) : resolve(stdout))));
  const rows = out.split('\n').filter((l) => l.trim()).map((l) => {
    const parts = l.trim().split(/\s+/);
    return [...parts.slice(0, fields.length - 1), parts.slice(fields.length - 1).join(' ')];
  });
  return [fields.map((f) => headers[f] ?? f.toUpperCase()), ...rows];
}

/** inspect's NetworkSettings from netavark's status (Podman's field names). */
function networkSettings(c: Container, exposed: string[]): Record<string, unknown> {
  const ports: Record<string, { HostIp: string; HostPort: string }[] | null> = {};
  for (const p of c.config.ports ?? []) {
    for (let k = 0; k < p.range; k++) (ports[`${p.container_port + k}/${p.protocol}`] ??= []).push({ HostIp: p.host_ip, HostPort: String(p.host_port + k) });
  }
  for (const key of exposed) if (!(key in ports)) ports[key] = null;
  const networks: Record<string, unknown> = {};
  let first: { IPAddress: string; Gateway: string; MacAddress: string; IPPrefixLen: number; GlobalIPv6Address: string; GlobalIPv6PrefixLen: number; IPv6Gateway: string } | undefined;
  // Every configured network, in the container's order; addresses only while it is attached.
  const names = [...new Set([...Object.keys(c.config.networks ?? {}), ...Object.keys(c.state.networkStatus ?? {})])];
  for (const name of names) {
    const block = c.state.networkStatus?.[name] ?? {};
    const iface = Object.values(block.interfaces ?? {})[0];
    const sn = iface?.subnets?.find((x) => !x.ipnet.includes(':'));
    const sn6 = iface?.subnets?.find((x) => x.ipnet.includes(':'));
    const [ip, prefix] = (sn?.ipnet ?? '/0').split('/');
    const [ip6, prefix6] = (sn6?.ipnet ?? '/0').split('/');
    const entry = {
      IPAddress: ip, Gateway: sn?.gateway ?? '', MacAddress: iface?.mac_address ?? '', IPPrefixLen: Number(prefix), NetworkID: name, Aliases: c.config.networks?.[name]?.aliases ?? [],
      GlobalIPv6Address: ip6, GlobalIPv6PrefixLen: Number(prefix6), IPv6Gateway: sn6?.gateway ?? '',
    };
    networks[name] = entry;
    if (ip || ip6) first ??= entry;
  }
  return {
    EndpointID: '', Gateway: first?.Gateway ?? '', IPAddress: first?.IPAddress ?? '', IPPrefixLen: first?.IPPrefixLen ?? 0,
    GlobalIPv6Address: first?.GlobalIPv6Address ?? '', GlobalIPv6PrefixLen: first?.GlobalIPv6PrefixLen ?? 0, IPv6Gateway: first?.IPv6Gateway ?? '',
    MacAddress: first?.MacAddress ?? '', Bridge: '', SandboxID: '', SandboxKey: c.state.netnsPath ?? '', Ports: ports, Networks: networks,
  };
}

/** go-units HumanSize (decimal, 4 significant digits), as Podman shows LogConfig.Size. */
function logSize(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let v = bytes;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) { v /= 1000; i++; }
  return `${Number(v.toPrecision(4))}${units[i]}`;
}
