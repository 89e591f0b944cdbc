// `build` (also `image build` and `buildx build`): flags into BuildOptions,
// one call to the builder, the final ID printed. The builder (src/build/)
// does the work through the engine interface.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { Command } from 'commander';
import { invalidArgument } from '../common/errors.ts';
import type { ContainerSpec } from '../specgen/container.ts';
import { collect, connectFor, parseEnv, parseEnvFiles, parseIntFlag, parseLabels, print } from './common.ts';

type Opts = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const bool = (v: unknown, dflt: boolean) => (v === undefined ? dflt : typeof v === 'boolean' ? v : String(v) !== 'false');

function readStdin(): Buffer {
  return readFileSync(0);
}

/** A directory, a tarball (extracted to a temp dir) or "-" (a tar on stdin). */
function contextDir(arg: string, cleanup: string[]): string {
  if (arg !== '-' && statSync(arg, { throwIfNoEntry: false })?.isDirectory()) return resolve(arg);
  if (arg !== '-' && !existsSync(arg)) throw invalidArgument(`context ${arg}: no such file or directory`);
  const dir = mkdtempSync(join(tmpdir(), 'husk-build-context-'));
  cleanup.push(dir);
  const r = spawnSync('tar', ['-x', '-C', dir, '-f', arg === '-' ? '-' : resolve(arg)], { input: arg === '-' ? readStdin() : undefined });
  if (r.status !== 0) throw invalidArgument(`extracting the build context: ${String(r.stderr ?? '').trim()}`);
  return dir;
}

function containerfile(file: string | undefined, ctx: string): { text: string; file: string; path?: string } {
  if (file === '-') return { text: readStdin().toString('utf8'), file: 'stdin' };
  if (file) {
    const path = isAbsolute(file) ? file : resolve(file);
    return { text: readFileSync(path, 'utf8'), file, path };
  }
  for (const name of ['Containerfile', 'Dockerfile']) {
    const path = join(ctx, name);
    if (existsSync(path)) return { text: readFileSync(path, 'utf8'), file: name, path };
  }
  throw invalidArgument(`no Containerfile or Dockerfile specified or found in context directory, ${ctx}`);
}

/** --secret id=ID,src=FILE | id=ID,env=VAR (type=file|env accepted, as Podman). */
function parseSecrets(specs: string[]): Record<string, { src?: string; data?: string }> {
  const out: Record<string, { src?: string; data?: string }> = {};
  for (const spec of specs) {
    const kv: Record<string, string> = {};
    for (const f of spec.split(',')) {
      const eq = f.indexOf('=');
      if (eq < 0) throw invalidArgument(`invalid --secret "${spec}": expected key=value fields`);
      const k = f.slice(0, eq).trim();
      if (!['id', 'src', 'source', 'env', 'type'].includes(k)) throw invalidArgument(`invalid --secret "${spec}": unexpected key "${k}"`);
      kv[k === 'source' ? 'src' : k] = f.slice(eq + 1);
    }
    if (!kv.id) throw invalidArgument(`invalid --secret "${spec}": id is required`);
    if (kv.type && kv.type !== 'file' && kv.type !== 'env') throw invalidArgument(`invalid --secret "${spec}": type must be file or env`);
    let env = kv.env ?? (kv.type === 'env' ? kv.src : undefined);
    const src = kv.type === 'env' ? undefined : kv.src;
    if (!env && !src && process.env[kv.id] !== undefined) env = kv.id;
    if (env) {
      if (process.env[env] === undefined) throw invalidArgument(`--secret ${kv.id}: environment variable ${env} is not set`);
      out[kv.id] = { data: process.env[env] };
    } else {
      const path = resolve(src ?? kv.id);
      if (!statSync(path, { throwIfNoEntry: false })?.isFile()) throw invalidArgument(`--secret ${kv.id}: ${src ?? kv.id}: no such file`);
      out[kv.id] = { src: path };
    }
  }
  return out;
}

/** pflag's uint/int parse errors, as Podman prints them. */
const uint = (flag: string) => (v: string) => {
  if (!/^\d+$/.test(v)) throw invalidArgument(`invalid argument "${v}" for "${flag}" flag: strconv.ParseUint: parsing "${v}": invalid syntax`);
  return Number(v);
};

function positive(v: string, flag: string): number {
  if (!/^\d+$/.test(v) || Number(v) < 1) throw invalidArgument(`${flag}: "${v}" is not a positive number`);
  return Number(v);
}

/** --build-context NAME=DIR | NAME=docker-image://REF (container-image:// too, as Podman). */
function parseBuildContexts(specs: string[]): Record<string, { dir?: string; image?: string }> {
  const out: Record<string, { dir?: string; image?: string }> = {};
  for (const spec of specs) {
    const eq = spec.indexOf('=');
    if (eq <= 0) throw invalidArgument(`invalid --build-context "${spec}": expected NAME=DIR or NAME=docker-image://REF`);
    const name = spec.slice(0, eq);
    const value = spec.slice(eq + 1);
    const image = /^(?:docker|container)-image:\/\/(.+)$/.exec(value);
    if (image) out[name] = { image: image[1] };
    else if (/^[a-z-]+:\/\//.test(value)) throw invalidArgument(`--build-context ${name}: unsupported source "${value}" (a directory or docker-image://REF)`);
    else if (!statSync(value, { throwIfNoEntry: false })?.isDirectory()) throw invalidArgument(`--build-context ${name}: ${value}: no such directory`);
    else out[name] = { dir: resolve(value) };
  }
  return out;
}

/** --timestamp, else SOURCE_DATE_EPOCH (as Buildah): whole seconds since the epoch. */
function epoch(flag: string | undefined): number | undefined {
  const v = flag ?? process.env.SOURCE_DATE_EPOCH;
  if (v === undefined || v === '') return undefined;
  if (!/^\d+$/.test(v)) throw invalidArgument(`${flag !== undefined ? '--timestamp' : 'SOURCE_DATE_EPOCH'}: "${v}" is not a number of seconds`);
  return Number(v);
}

/** pflag's StringSlice: repeatable, and each value split on commas. */
const strings = (v: string, prev: string[] = []) => [...prev, ...v.split(',').filter(Boolean)];

/** Podman's bool flags never take the next word as their value (`--layers ctx`): bare ones become --flag=true. */
const GO_BOOLS = new Set(['--layers', '--rm', '--force-rm', '--pull', '--http-proxy', '--identity-label', '--skip-unused-stages', '--tls-verify',
  '--compress', '--disable-compression', '-D', '--omit-history', '--disable-content-trust', '--stdin', '--all-platforms', '--logsplit']);

class BuildCommand extends Command {
  override parseOptions(argv: string[]) {
    const end = argv.indexOf('--');
    return super.parseOptions(argv.map((a, n) => (GO_BOOLS.has(a) && (end < 0 || n < end) ? `${a.length === 2 ? '--disable-compression' : a}=true` : a)));
  }
}

/** The variables --http-proxy passes from the host to RUN (Podman's list). */
const PROXY_VARS = ['http_proxy', 'https_proxy', 'ftp_proxy', 'no_proxy', 'HTTP_PROXY', 'HTTPS_PROXY', 'FTP_PROXY', 'NO_PROXY'];

/** Buildah's namespace values for --ipc/--pid/--uts: private (the default), host, or a path / ns:PATH to join. */
function nsMode(v: string | undefined, flag: string): string | undefined {
  if (v === undefined || v === '' || v === 'private' || v === 'container') return undefined;
  if (v === 'host') return 'host';
  if (v.startsWith('ns:')) return v;
  if (v.startsWith('/')) return `ns:${v}`;
  throw invalidArgument(`invalid value "${v}" for --${flag}: 'private', 'host' or the path of a namespace`);
}

/** /etc/subuid or /etc/subgid ranges of a user or group name: --userns-uid-map-user / --userns-gid-map-group. */
function subIdMap(file: string, name: string): { containerID: number; hostID: number; size: number }[] {
  const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
  const out: { containerID: number; hostID: number; size: number }[] = [];
  let next = 0;
  for (const line of text.split('\n')) {
    const [n, start, size] = line.trim().split(':');
    if (n !== name || !/^\d+$/.test(start ?? '') || !/^\d+$/.test(size ?? '')) continue;
    out.push({ containerID: next, hostID: Number(start), size: Number(size) });
    next += Number(size);
  }
  if (!out.length) throw invalidArgument(`could not find ${name} in ${file}`);
  return out;
}

/**
 * What every RUN container gets from the flags Podman passes to the build's
 * RUN (namespaces, /etc/hosts and resolv.conf, mounts, security, resources),
 * parsed by run/create's own code so values and errors are the same.
 */
async function runSettings(o: Opts): Promise<Partial<ContainerSpec>> {
  const { intentFrom } = await import('./createflags.ts');
  const { parseIdMapping } = await import('../specgen/flags.ts');
  const net = o.network as string | undefined;
  // private (and bridge/default) is the engine's default network; none, host, ns:PATH and network names pass through.
  const network = net === undefined || net === '' || net === 'private' || net === 'default' || net === 'bridge' ? [] : [net.startsWith('/') ? `ns:${net}` : net];
  const spec = intentFrom('build', [], {
    network, net: [], dns: o.dns, dnsSearch: o.dnsSearch, dnsOption: o.dnsOption, dnsOpt: [], addHost: o.addHost, hosts: o.hosts,
    volume: o.volume, mount: [], tmpfs: [], capAdd: o.capAdd, capDrop: o.capDrop, securityOpt: o.securityOpt, ulimit: o.ulimit, device: o.device,
    memory: o.memory, memorySwap: o.memorySwap, cpuShares: o.cpuShares, cpusetCpus: o.cpusetCpus, shmSize: o.shmSize,
    cgroupns: o.cgroupns, label: [], labelFile: [], env: [], envFile: [], sysctl: [],
  });
  const out: Partial<ContainerSpec> = {};
  for (const k of ['network', 'dns', 'dnsSearch', 'dnsOption', 'extraHosts', 'noHosts', 'mounts', 'capAdd', 'capDrop', 'seccompProfile', 'noNewPrivileges',
    'mask', 'unmask', 'devices', 'ulimits', 'memory', 'memorySwap', 'cpuShares', 'cpusetCpus', 'shmSize', 'cgroupns'] as const) {
    const v = spec[k];
    if (v !== undefined && !(Array.isArray(v) && !v.length)) (out as Record<string, unknown>)[k] = v;
  }
  if (o.cpusetMems) out.cpusetMems = o.cpusetMems;
  // The CFS quota per period as a CPU count: the same limit (quota/period of CPU time), expressed per 100ms period.
  if (o.cpuQuota !== undefined) {
    const quota = Number(o.cpuQuota);
    const period = o.cpuPeriod !== undefined ? Number(o.cpuPeriod) : 100_000;
    if (quota > 0) out.cpus = quota / period;
  }
  const ipc = nsMode(o.ipc, 'ipc');
  const pid = nsMode(o.pid, 'pid');
  const uts = nsMode(o.uts, 'uts');
  if (ipc) out.ipcMode = ipc;
  if (pid) out.pidMode = pid;
  if (uts) out.utsMode = uts;
  const uidMap = [...(o.usernsUidMap as string[]).map(parseIdMapping), ...(o.usernsUidMapUser ? subIdMap('/etc/subuid', o.usernsUidMapUser) : [])];
  const gidMap = [...(o.usernsGidMap as string[]).map(parseIdMapping), ...(o.usernsGidMapGroup ? subIdMap('/etc/subgid', o.usernsGidMapGroup) : [])];
  const userns = o.userns as string | undefined;
  if (userns === 'host' && (uidMap.length || gidMap.length)) throw invalidArgument('--userns=host cannot be used with ID mappings');
  if (userns === 'host') out.userns = { mode: 'host' };
  else if (userns !== undefined && userns !== '' && userns !== 'container' && userns !== 'private') {
    throw invalidArgument(`--userns ${userns}: joining an existing user namespace is not supported (use 'container' with --userns-uid-map, or 'host')`);
  }
  if (uidMap.length || gidMap.length) {
    out.uidMap = uidMap.length ? uidMap : gidMap;
    out.gidMap = gidMap.length ? gidMap : uidMap;
  } else if (userns === 'container' || userns === 'private') out.userns = { mode: 'auto' };
  return out;
}

export function makeBuild(name = 'build'): Command {
  return new BuildCommand(name).description('Build an image using instructions from Containerfiles')
    .usage('[options] [CONTEXT]')
    .option('-f, --file <path>', 'Containerfile to use ("-": stdin); several are read in order, as one', collect, [])
    .option('-t, --tag <name>', 'Name of the resulting image (repeatable)', collect, [])
    .option('--build-arg <arg=value>', 'Set a build-time variable (repeatable)', collect, [])
    .option('--build-arg-file <file>', 'File of build-time variables, one ARG=value a line (repeatable)', collect, [])
    .option('--target <stage>', 'Stage to build')
    .option('--no-cache', 'Do not use the cache')
    .option('--pull [policy]', 'Pull the base images: always, missing, never, newer (default missing; bare: always)')
    .option('--layers [bool]', 'Cache intermediate images (default true)')
    .option('--label <key=value>', 'Set a label on the image (repeatable)', collect, [])
    .option('--annotation <key=value>', 'Set an annotation on the image (repeatable)', collect, [])
    .option('--iidfile <file>', 'Write the image ID to the file')
    .option('--format <format>', 'Format of the image\'s manifest and config: oci or docker (default: $BUILDAH_FORMAT, else oci)')
    .option('-q, --quiet', 'Print only the image ID', false)
    .option('--rm [bool]', 'Remove intermediate containers after a successful build (default true)')
    .option('--force-rm [bool]', 'Always remove intermediate containers (default true)')
    .option('--timestamp <seconds>', 'Created time of the image and its history, and the newest file mtime in its layers (seconds; default $SOURCE_DATE_EPOCH)')
    .option('--secret <spec>', 'Secret for RUN --mount=type=secret: id=ID,src=FILE or id=ID,env=VAR (repeatable)', collect, [])
    .option('--build-context <name=source>', 'Extra context for FROM/COPY --from: NAME=DIR or NAME=docker-image://REF (repeatable)', collect, [])
    .option('--squash', 'Squash the final stage\'s new layers into one', false)
    .option('--squash-all', 'Squash every layer of the image into one', false)
    .option('--platform <os/arch>', 'Platform of the image (only the host\'s: RUN is not emulated)')
    .option('--jobs <n>', 'Stages built at the same time (default: the number of CPUs)')
    // What RUN steps run in: the settings of each RUN's container.
    .option('--network <mode>', '\'private\', \'none\', \'ns:path\' of network namespace to join, or \'host\'')
    .option('--add-host <host:ip>', 'add a custom host-to-IP mapping (host:ip)', collect, [])
    .option('--no-hosts', 'do not create new /etc/hosts files for RUN instructions, use the one from the base image.')
    .option('--dns <server>', 'set custom DNS servers or disable it completely by setting it to \'none\', which prevents the automatic creation of /etc/resolv.conf.', strings, [])
    .option('--dns-option <option>', 'set custom DNS options', strings, [])
    .option('--dns-search <domain>', 'set custom DNS search domains', strings, [])
    .option('--env <env[=value]>', 'set environment variable for the image', collect, [])
    .option('--unsetenv <env>', 'unset environment variable from final image', strings, [])
    .option('--http-proxy [bool]', 'pass through HTTP Proxy environment variables (default true)')
    .option('-v, --volume <volume>', 'bind mount a volume into the container', collect, [])
    .option('--cap-add <cap>', 'add the specified capability when running', strings, [])
    .option('--cap-drop <cap>', 'drop the specified capability when running', strings, [])
    .option('--security-opt <opt>', 'security options', collect, [])
    .option('--ulimit <limit>', 'ulimit options', strings, [])
    .option('--device <device>', 'additional devices to be used within containers', collect, [])
    .option('-m, --memory <bytes>', 'memory limit (format: <number>[<unit>], where unit = b, k, m or g)')
    .option('--memory-swap <bytes>', 'swap limit equal to memory plus swap: \'-1\' to enable unlimited swap')
    .option('--cpu-period <us>', 'limit the CPU CFS (Completely Fair Scheduler) period', uint('--cpu-period'))
    .option('--cpu-quota <us>', 'limit the CPU CFS (Completely Fair Scheduler) quota', parseIntFlag('--cpu-quota'))
    .option('-c, --cpu-shares <n>', 'CPU shares (relative weight)', uint('-c, --cpu-shares'))
    .option('--cpuset-cpus <cpus>', 'CPUs in which to allow execution (0-3, 0,1)')
    .option('--cpuset-mems <mems>', 'memory nodes (MEMs) in which to allow execution (0-3, 0,1). Only effective on NUMA systems.')
    .option('--shm-size <number><unit>', 'size of \'/dev/shm\'. The format is <number><unit>. (default "65536k")')
    .option('--cgroup-parent <path>', 'optional parent cgroup for the container')
    .option('--cgroupns <mode>', '\'private\', or \'host\'')
    .option('--ipc <path>', '\'private\', path of IPC namespace to join, or \'host\'')
    .option('--pid <path>', 'private, path of PID namespace to join, or \'host\'')
    .option('--uts <path>', 'private, :path of UTS namespace to join, or \'host\'')
    .option('--userns <path>', '\'container\', path of user namespace to join, or \'host\'')
    .option('--userns-uid-map <containerUID:hostUID:length>', 'containerUID:hostUID:length UID mapping to use in user namespace', strings, [])
    .option('--userns-gid-map <containerGID:hostGID:length>', 'containerGID:hostGID:length GID mapping to use in user namespace', strings, [])
    .option('--userns-uid-map-user <name>', 'name of entries from /etc/subuid to use to set user namespace UID mapping')
    .option('--userns-gid-map-group <name>', 'name of entries from /etc/subgid to use to set user namespace GID mapping')
    .option('--runtime-flag <flag>', 'add global flags for the container runtime', strings, [])
    .option('--isolation <type>', 'type of process isolation to use. Use BUILDAH_ISOLATION environment variable to override. (default "oci")')
    .argument('[context]', 'Context directory, tarball or "-"', '.')
    .action(async function (this: Command, ctxArg: string, o: Opts) {
      const format = o.format ?? (process.env.BUILDAH_FORMAT || 'oci');
      if (format !== 'oci' && format !== 'docker') throw invalidArgument(`unrecognized image type "${format}"`);
      const pull = o.pull === true ? 'always' : o.pull === false ? 'never' : o.pull ?? 'missing';
      if (!['always', 'missing', 'never', 'newer', 'true', 'false'].includes(pull)) throw invalidArgument(`invalid pull policy "${pull}"`);
      const buildArgs = parseEnvFiles(o.buildArgFile);
      for (const a of o.buildArg as string[]) {
        const eq = a.indexOf('=');
        if (eq < 0) { if (process.env[a] !== undefined) buildArgs[a] = process.env[a]!; } else buildArgs[a.slice(0, eq)] = a.slice(eq + 1);
      }
      const isolation = o.isolation ?? (process.env.BUILDAH_ISOLATION || 'oci');
      if (!['oci', 'rootless', 'chroot', 'default'].includes(isolation)) throw invalidArgument(`unrecognized isolation type "${isolation}"`);
      // RUN always runs in an OCI container here: chroot isolation (no namespaces but the mount one) has no equivalent.
      if (isolation === 'chroot') throw invalidArgument('isolation "chroot" is not supported: RUN steps run in OCI containers (--isolation oci)');
      if (o.cgroupns !== undefined && o.cgroupns !== 'host' && o.cgroupns !== 'private') throw invalidArgument(`invalid --cgroupns "${o.cgroupns}": 'private', or 'host'`);
      if (o.network === 'none') {
        for (const f of ['dns', 'dns-option', 'dns-search']) {
          if ((o[f.replace(/-(.)/g, (_: string, c: string) => c.toUpperCase())] as string[]).length) throw invalidArgument(`the --${f} option cannot be used with --network=none`);
        }
      }
      const warn = (m: string) => process.stderr.write(`WARN[0000] ${m}\n`);
      if (o.cgroupParent) warn('--cgroup-parent is ignored: RUN containers are placed in husk\'s own cgroup');
      const run = await runSettings(o);
      const env = parseEnv(o.env);
      const proxyEnv: Record<string, string> = {};
      if (bool(o.httpProxy, true)) for (const k of PROXY_VARS) if (process.env[k] !== undefined) proxyEnv[k] = process.env[k]!;
      // The build's --runtime-flag adds to the global ones for the runtime this build drives.
      if (o.runtimeFlag.length) {
        let root: Command = this;
        while (root.parent) root = root.parent;
        root.setOptionValue('runtimeFlag', [...((root.opts().runtimeFlag as string[] | undefined) ?? []), ...o.runtimeFlag]);
      }
      const cleanup: string[] = [];
      try {
        const ctx = contextDir(ctxArg, cleanup);
        const { build } = await import('../build/builder.ts');
        // Ctrl-C / SIGTERM: the builder kills a running RUN and releases what it holds before the command exits.
        const ac = new AbortController();
        for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.once(sig, () => ac.abort());
        const engine = await connectFor(this);
        const r = await build(engine, {
          contextDir: ctx, containerfile: containerfile(o.file[0], ctx), moreContainerfiles: (o.file as string[]).slice(1).map((f) => containerfile(f, ctx)),
          tags: o.tag, buildArgs, target: o.target,
          noCache: o.cache === false, layers: bool(o.layers, true),
          pull: (pull === 'true' ? 'always' : pull === 'false' ? 'missing' : pull) as 'always' | 'missing' | 'never' | 'newer',
          labels: parseLabels(o.label), annotations: parseLabels(o.annotation),
          timestamp: epoch(o.timestamp),
          jobs: o.jobs !== undefined ? positive(o.jobs, '--jobs') : undefined,
          rm: bool(o.rm, true), forceRm: bool(o.forceRm, true), quiet: o.quiet, output: process.stdout,
          secrets: parseSecrets(o.secret), buildContexts: parseBuildContexts(o.buildContext),
          signal: ac.signal, platform: o.platform, squash: o.squashAll ? 'all' : o.squash ? 'new' : undefined,
          format, warn, run, env, unsetEnv: o.unsetenv, proxyEnv,
        });
        if (o.iidfile) writeFileSync(o.iidfile, `sha256:${r.id}`);
        print(r.id);
      } finally {
        for (const d of cleanup) rmSync(d, { recursive: true, force: true });
      }
    });
}

export function register(program: Command, word: string): void {
  if (word === 'buildx') {
    program.addCommand(new Command('buildx').description('Build images (buildx compatibility)').addCommand(makeBuild()));
    return;
  }
  program.addCommand(makeBuild());
}
