// The resolved Compose model: what a set of Compose files means once merged,
// interpolated, extended and normalised. Every value has one shape (no short
// syntax left): durations in milliseconds, sizes in bytes, paths absolute,
// environments as maps. It is JSON-serialisable and engine-independent; the
// translation to the engine's container spec happens later (docs/compose.md).

export interface ComposeProject {
  /** Normalised project name ([a-z0-9][a-z0-9_-]*). */
  name: string;
  /** The project directory: relative paths were resolved against it. */
  workingDir: string;
  /** The Compose files merged, in order, absolute. */
  configFiles: string[];
  /** The `.env` (or --env-file) files read for interpolation, absolute. */
  envFiles: string[];
  /** The variables interpolation saw: the process environment over `.env`. */
  environment: Record<string, string>;
  /** Active profiles (from --profile and COMPOSE_PROFILES). */
  profiles: string[];
  /** Services enabled by the active profiles. */
  services: Record<string, ComposeService>;
  /** Services left out because none of their profiles is active. */
  disabledServices: Record<string, ComposeService>;
  networks: Record<string, ComposeNetwork>;
  volumes: Record<string, ComposeVolume>;
  secrets: Record<string, ComposeFileObject>;
  configs: Record<string, ComposeFileObject>;
  /** Top-level x-* extensions, untouched. */
  extensions: Record<string, unknown>;
  /** Non-fatal findings (unset variables, ignored keys), for the CLI to print. */
  warnings: string[];
}

export interface ComposeService {
  name: string;
  image?: string;
  build?: ServiceBuild;
  /** Replaces the image's Cmd; undefined keeps it. */
  command?: string[];
  /** Replaces the image's Entrypoint; undefined keeps it, [] clears it. */
  entrypoint?: string[];
  /** env_file contents overlaid by `environment`; unset pass-through variables dropped. */
  environment: Record<string, string>;
  envFiles: EnvFileRef[];
  ports: ServicePort[];
  /** Container ports exposed without publishing: "80", "8000-8010", "53/udp". */
  expose: string[];
  volumes: ServiceVolume[];
  /** tmpfs mount targets, each "PATH[:OPTIONS]". */
  tmpfs: string[];
  /** The networks joined, by their key in the project (not the engine name). */
  networks: Record<string, ServiceNetwork>;
  /** host, none, bridge, service:NAME or container:NAME; unset means `networks`. */
  networkMode?: string;
  /** Includes the implicit dependencies of network_mode/ipc/pid `service:NAME`. */
  dependsOn: Record<string, ServiceDependency>;
  healthcheck?: Healthcheck;
  restart?: RestartPolicy;
  /** scale or deploy.replicas (default 1). */
  replicas: number;
  resources: ServiceResources;
  user?: string;
  workingDir?: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  init?: boolean;
  capAdd: string[];
  capDrop: string[];
  privileged?: boolean;
  readOnly?: boolean;
  hostname?: string;
  domainname?: string;
  containerName?: string;
  stopSignal?: string;
  /** Milliseconds between stopSignal and SIGKILL. */
  stopGracePeriod?: number;
  dns: string[];
  dnsSearch: string[];
  dnsOpt: string[];
  extraHosts: ExtraHost[];
  profiles: string[];
  secrets: ServiceFileRef[];
  configs: ServiceFileRef[];
  pid?: string;
  ipc?: string;
  /** Bytes. */
  shmSize?: number;
  ulimits: Record<string, Ulimit>;
  sysctls: Record<string, string>;
  tty?: boolean;
  stdinOpen?: boolean;
  /** always, never, missing, build, if_not_present (= missing), daily, weekly, every_N. */
  pullPolicy?: string;
  platform?: string;
  securityOpt: string[];
  /** Device mappings, "HOST[:CONTAINER[:PERMS]]". */
  devices: string[];
  groupAdd: string[];
  logging?: { driver?: string; options: Record<string, string> };
  /** Spec keys this model does not translate (links, cgroup_parent ...), as written. */
  unmodelled: Record<string, unknown>;
  /** x-* keys of the service. */
  extensions: Record<string, unknown>;
}

export interface ServiceBuild {
  /** Absolute path, or a URL (git, http). */
  context: string;
  dockerfile?: string;
  dockerfileInline?: string;
  args: Record<string, string>;
  target?: string;
  labels: Record<string, string>;
  network?: string;
  tags: string[];
  noCache?: boolean;
  pull?: boolean;
  cacheFrom: string[];
  platforms: string[];
}

export interface EnvFileRef {
  path: string;
  /** A missing optional file is skipped. */
  required: boolean;
}

export interface ServicePort {
  /** Container port. */
  target: number;
  /** Host port; unset: the engine picks one. */
  published?: number;
  /** End of a host port range to pick from ("8000-8010:80"). */
  publishedEnd?: number;
  hostIp?: string;
  protocol: 'tcp' | 'udp' | 'sctp';
  /** ingress (short syntax) or host. */
  mode?: string;
  name?: string;
  appProtocol?: string;
}

export interface ServiceVolume {
  type: 'volume' | 'bind' | 'tmpfs';
  /** Volume key in the project (volume), absolute host path (bind); unset: anonymous volume / tmpfs. */
  source?: string;
  target: string;
  readOnly: boolean;
  bind?: { propagation?: string; createHostPath?: boolean; selinux?: 'z' | 'Z' };
  volume?: { nocopy?: boolean; subpath?: string };
  tmpfs?: { size?: number; mode?: number };
}

export interface ServiceNetwork {
  aliases: string[];
  ipv4Address?: string;
  ipv6Address?: string;
  macAddress?: string;
  priority?: number;
}

export type DependencyCondition = 'service_started' | 'service_healthy' | 'service_completed_successfully';

export interface ServiceDependency {
  condition: DependencyCondition;
  /** Restart this service when the dependency is restarted by Compose. */
  restart: boolean;
  /** false: a dependency that is missing or disabled is ignored. */
  required: boolean;
}

export interface Healthcheck {
  /** ["CMD", ...], ["CMD-SHELL", cmd] or ["NONE"]; unset keeps the image's test. */
  test?: string[];
  /** Milliseconds. */
  interval?: number;
  timeout?: number;
  startPeriod?: number;
  startInterval?: number;
  retries?: number;
  /** The image's healthcheck is turned off (`disable: true` or test NONE). */
  disable: boolean;
}

export interface RestartPolicy {
  name: 'no' | 'always' | 'on-failure' | 'unless-stopped';
  /** on-failure:N */
  maxRetries?: number;
}

export interface ServiceResources {
  /** CPUs (fractional), from deploy.resources.limits.cpus or `cpus`. */
  cpus?: number;
  /** Bytes, from deploy.resources.limits.memory or `mem_limit`. */
  memory?: number;
  pids?: number;
  reservations?: { cpus?: number; memory?: number };
}

export interface ExtraHost {
  host: string;
  ip: string;
}

export interface ServiceFileRef {
  /** The key of the secret/config in the project. */
  source: string;
  /** Absolute path in the container (secrets default to /run/secrets/SOURCE, configs to /SOURCE). */
  target: string;
  uid?: string;
  gid?: string;
  mode?: number;
}

export interface Ulimit {
  soft: number;
  hard: number;
}

export interface ComposeNetwork {
  /** The engine name: `name:`, or PROJECT_KEY (the key itself when external). */
  name: string;
  external: boolean;
  driver?: string;
  driverOpts: Record<string, string>;
  internal?: boolean;
  attachable?: boolean;
  enableIpv6?: boolean;
  ipam?: { driver?: string; config: { subnet?: string; gateway?: string; ipRange?: string }[] };
  labels: Record<string, string>;
}

export interface ComposeVolume {
  /** The engine name: `name:`, or PROJECT_KEY (the key itself when external). */
  name: string;
  external: boolean;
  driver?: string;
  driverOpts: Record<string, string>;
  labels: Record<string, string>;
}

/** A top-level secret or config: from a file, an environment variable or (configs) inline content. */
export interface ComposeFileObject {
  name: string;
  external: boolean;
  /** Absolute path. */
  file?: string;
  environment?: string;
  content?: string;
  labels: Record<string, string>;
}
