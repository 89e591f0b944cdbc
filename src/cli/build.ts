// `build` (also `image build` and `buildx build`): flags into BuildOptions,
// one call to the builder, the final ID printed. The builder (src/build/)
// does the work through the engine interface.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, type WriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { Command } from 'commander';
import { invalidArgument } from '../common/errors.ts';
import type { ContainerSpec } from '../specgen/container.ts';
import { parseDuration } from '../specgen/duration.ts';
import { collect, collectSlice, connectFor, isRemote, parseEnv, parseEnvFiles, parseIntFlag, parseLabels, print } from './common.ts';

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

/** --output: DEST (a directory), `-` (a tar on stdout) or type=local|tar,dest=PATH, checked as Buildah's GetBuildOutput does. */
function parseOutput(v: string): { type: 'local' | 'tar'; dest: string } {
  const fail = (m: string) => invalidArgument(`failed to parse build output: ${m}`);
  if (v === '-') return { type: 'tar', dest: '-' };
  if (!v.includes(',')) return { type: 'local', dest: resolve(v) };
  let type: 'local' | 'tar' | undefined;
  let dest: string | undefined;
  for (const opt of v.split(',')) {
    const eq = opt.indexOf('=');
    if (eq < 0) throw fail(`invalid build output options "${v}", expected format key=value`);
    const [k, val] = [opt.slice(0, eq), opt.slice(eq + 1)];
    if (k === 'type') {
      if (type) throw fail(`duplicate "type" not supported`);
      if (val !== 'local' && val !== 'tar') throw fail(`invalid type "${val}" selected for build output options "${v}"`);
      type = val;
    } else if (k === 'dest') {
      if (dest !== undefined) throw fail(`duplicate "dest" not supported`);
      dest = val;
    } else throw fail(`unrecognized key "${k}" in build output option: "${v}"`);
  }
  if (!type || dest === undefined) throw fail(`invalid build output option "${v}", accepted keys are type and dest must be present`);
  if (dest === '-' && type === 'local') throw fail(`invalid build output option "${v}", type=local and dest=- is not supported`);
  return { type, dest: dest === '-' ? '-' : resolve(dest) };
}

/** A Go duration in milliseconds, with Podman's message for the flag. */
function goDuration(v: string, flag: string): number {
  try {
    return parseDuration(v) / 1e6;
  } catch (e) {
    throw invalidArgument(`unable to parse value provided "${v}" as ${flag}: ${(e as Error).message}`);
  }
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

/**
 * Buildah's namespace values for --ipc/--pid/--uts: private (the default),
 * host, or the path (ns:PATH) of a namespace to join, which must exist.
 */
function nsMode(v: string | undefined, ns: string): string | undefined {
  if (v === undefined || v === '' || v === 'private' || v === 'container') return undefined;
  if (v === 'host') return 'host';
  const path = v.replace(/^ns:/, '');
  if (!existsSync(path)) throw invalidArgument(`checking ${ns} namespace: stat ${path}: no such file or directory`);
  return `ns:${path}`;
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
  const net = o.network as string | undefined;
  // private (and bridge/default) is the engine's default network; none, host, ns:PATH and network names pass through.
  const network = net === undefined || net === '' || net === 'private' || net === 'default' || net === 'bridge' ? [] : [net.startsWith('/') ? `ns:${net}` : net];
  // Buildah's own messages for what it checks before the build starts.
  const { parseAddHost, parseBytes, parseIdMapping } = await import('../specgen/flags.ts');
  const podmanError = (check: () => unknown, message: string) => {
    try { check(); } catch { throw invalidArgument(message); }
  };
  for (const [flag, v] of [['memory', o.memory], ['memory-swap', o.memorySwap === '-1' ? undefined : o.memorySwap]] as const) {
    if (v !== undefined) podmanError(() => parseBytes(v, flag), `invalid value for ${flag}: invalid size: '${v}'`);
  }
  if (o.shmSize !== undefined) podmanError(() => parseBytes(o.shmSize, 'shm-size'), `invalid --shm-size: invalid size: '${o.shmSize}'`);
  for (const h of o.addHost as string[]) podmanError(() => parseAddHost(h), `invalid value for add-host: bad format for add-host: "${h}"`);
  for (const opt of o.securityOpt as string[]) {
    if (opt !== 'no-new-privileges' && !opt.includes('=') && !opt.includes(':')) throw invalidArgument(`invalid --security-opt name=value pair: "${opt}"`);
  }
  for (const d of o.device as string[]) {
    const src = d.split(':')[0];
    if (!existsSync(src)) throw invalidArgument(`creating build executor: getting info of source device ${src}: stat ${src}: no such file or directory`);
  }
  const spec = intentFrom('build', [], {
    network, net: [], dns: o.dns, dnsSearch: o.dnsSearch, dnsOption: o.dnsOption, dnsOpt: [], addHost: o.addHost, hosts: o.hosts,
    volume: o.volume, mount: [], tmpfs: [], capAdd: o.capAdd, capDrop: o.capDrop, securityOpt: o.securityOpt, ulimit: o.ulimit, device: o.device,
    memory: o.memory, memorySwap: o.memorySwap, cpuShares: o.cpuShares, cpusetCpus: o.cpusetCpus, cpusetMems: o.cpusetMems, shmSize: o.shmSize,
    cpuPeriod: o.cpuPeriod, cpuQuota: o.cpuQuota, cgroupParent: o.cgroupParent,
    cgroupns: o.cgroupns === 'host' || o.cgroupns === 'private' ? o.cgroupns : undefined, label: [], labelFile: [], env: [], envFile: [], sysctl: [],
  });
  const out: Partial<ContainerSpec> = {};
  for (const k of ['network', 'dns', 'dnsSearch', 'dnsOption', 'extraHosts', 'noHosts', 'mounts', 'capAdd', 'capDrop', 'seccompProfile', 'noNewPrivileges',
    'mask', 'unmask', 'devices', 'ulimits', 'memory', 'memorySwap', 'cpuShares', 'cpusetCpus', 'cpusetMems', 'cpuPeriod', 'cpuQuota', 'cgroupParent', 'shmSize', 'cgroupns'] as const) {
    const v = spec[k];
    if (v !== undefined && !(Array.isArray(v) && !v.length)) (out as Record<string, unknown>)[k] = v;
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
  if (userns === 'host' && (uidMap.length || gidMap.length)) throw invalidArgument('can not specify ID mappings while using host\'s user namespace');
  if (userns === 'host') out.userns = { mode: 'host' };
  else if (userns?.startsWith('auto')) out.userns = (await import('../specgen/flags.ts')).parseUserns(userns);
  else if (userns !== undefined && userns !== '' && userns !== 'container' && userns !== 'private') {
    const path = userns.replace(/^ns:/, '');
    if (!existsSync(path)) throw invalidArgument(`checking user namespace: stat ${path}: no such file or directory`);
    throw invalidArgument(`--userns ${userns}: joining an existing user namespace is not supported (use 'container' with --userns-uid-map, or 'host')`);
  }
  if (uidMap.length || gidMap.length) {
    out.uidMap = uidMap.length ? uidMap : gidMap;
    out.gidMap = gidMap.length ? gidMap : uidMap;
  }
  // 'container' without mappings: Buildah has no ID maps to give the namespace either, so RUN runs as by default.
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
    .option('--dns <server>', 'set custom DNS servers or disable it completely by setting it to \'none\', which prevents the automatic creation of /etc/resolv.conf.', collectSlice, [])
    .option('--dns-option <option>', 'set custom DNS options', collectSlice, [])
    .option('--dns-search <domain>', 'set custom DNS search domains', collectSlice, [])
    .option('--env <env[=value]>', 'set environment variable for the image', collect, [])
    .option('--unsetenv <env>', 'unset environment variable from final image', collectSlice, [])
    .option('--http-proxy [bool]', 'pass through HTTP Proxy environment variables (default true)')
    .option('-v, --volume <volume>', 'bind mount a volume into the container', collect, [])
    .option('--cap-add <cap>', 'add the specified capability when running', collectSlice, [])
    .option('--cap-drop <cap>', 'drop the specified capability when running', collectSlice, [])
    .option('--security-opt <opt>', 'security options', collect, [])
    .option('--ulimit <limit>', 'ulimit options', collectSlice, [])
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
    .option('--userns-uid-map <containerUID:hostUID:length>', 'containerUID:hostUID:length UID mapping to use in user namespace', collectSlice, [])
    .option('--userns-gid-map <containerGID:hostGID:length>', 'containerGID:hostGID:length GID mapping to use in user namespace', collectSlice, [])
    .option('--userns-uid-map-user <name>', 'name of entries from /etc/subuid to use to set user namespace UID mapping')
    .option('--userns-gid-map-group <name>', 'name of entries from /etc/subgid to use to set user namespace GID mapping')
    .option('--runtime-flag <flag>', 'add global flags for the container runtime', collectSlice, [])
    // What the build produces and where it reads from.
    .option('--from <image>', 'image name used to replace the value in the first FROM instruction in the Containerfile')
    .option('-o, --output <output>', 'output destination (format: type=local,dest=path)')
    .option('--manifest <name>', 'add the image to the specified manifest list. Creates manifest list if it does not exist')
    .option('--ignorefile <file>', 'path to an alternate .dockerignore file')
    .option('--logfile <file>', 'log to file instead of stdout/stderr')
    .option('--logsplit [bool]', 'split logfile to different files for each platform')
    .option('--os <os>', 'set the OS to the provided value instead of the current operating system of the host')
    .option('--arch <arch>', 'set the ARCH of the image to the provided value instead of the architecture of the host')
    .option('--variant <variant>', 'override the variant of the specified image')
    .option('--os-version <version>', 'set required OS version for the target image instead of the value from the base image')
    .option('--os-feature <feature>', 'set required OS feature for the target image in addition to values from the base image', collect, [])
    .option('--all-platforms [bool]', 'attempt to build for all base image platforms')
    .option('--omit-history [bool]', 'omit build history information from built image')
    .option('--identity-label [bool]', 'add default identity label (default true)')
    .option('--skip-unused-stages [bool]', 'skips stages in multi-stage builds which do not affect the final target (default true)')
    .option('--stdin [bool]', 'pass stdin into containers')
    .option('--retry <n>', 'number of times to retry in case of failure when performing push/pull (default 3)', parseIntFlag('--retry'))
    .option('--retry-delay <duration>', 'delay between retries in case of push/pull failures (default "2s")')
    .option('--tls-verify [bool]', 'require HTTPS and verify certificates when accessing the registry (default true)')
    .option('--authfile <file>', 'path of the authentication file.')
    .option('--creds <[username[:password]]>', 'use [username[:password]] for accessing the registry')
    .option('--cert-dir <dir>', 'use certificates at the specified path to access the registry')
    .option('--cache-from <repo>', 'remote repository to utilise as potential cache source.', collectSlice, [])
    .option('--cache-to <repo>', 'remote repository to utilise as potential cache destination.', collectSlice, [])
    .option('--cache-ttl <duration>', 'only consider cache images under specified duration.')
    .option('--compress [bool]', 'this is a legacy option, which has no effect on the image')
    .option('-D, --disable-compression [bool]', 'don\'t compress layers by default (default true)')
    .option('--disable-content-trust [bool]', 'this is a Docker specific option and is a NOOP')
    .option('--decryption-key <key>', 'key needed to decrypt the image', collectSlice, [])
    .option('--sign-by <fingerprint>', 'sign the image using a GPG key with the specified FINGERPRINT')
    .option('--hooks-dir <dir>', 'set the OCI hooks directory path (may be set multiple times)', collect, [])
    .option('--cpp-flag <flag>', 'set additional flag to pass to C preprocessor (cpp)', collect, [])
    .option('--ssh <spec>', 'SSH agent socket or keys to expose to the build. (format: default|<id>[=<socket>|<key>[,<key>]])', collect, [])
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
      // Buildah takes any other value as a namespace's path; husk can only make or share one.
      if (o.cgroupns !== undefined && !['host', 'private', '', 'container'].includes(o.cgroupns)) {
        if (!existsSync(o.cgroupns.replace(/^ns:/, ''))) throw invalidArgument(`checking cgroup namespace: stat ${o.cgroupns.replace(/^ns:/, '')}: no such file or directory`);
        throw invalidArgument(`--cgroupns ${o.cgroupns}: joining an existing cgroup namespace is not supported ('private' or 'host')`);
      }
      if (o.platform && (o.os || o.arch || o.variant)) throw invalidArgument('invalid --platform may not be used with --os, --arch, or --variant');
      if (o.network === 'none') {
        for (const f of ['dns', 'dns-option', 'dns-search']) {
          if ((o[f.replace(/-(.)/g, (_: string, c: string) => c.toUpperCase())] as string[]).length) throw invalidArgument(`the --${f} option cannot be used with --network=none`);
        }
      }
      const warn = (m: string) => process.stderr.write(`WARN[0000] ${m}\n`);
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
      if (o.output !== undefined && isRemote(this)) throw invalidArgument('\'--output\' option is not supported in remote mode');
      const exportTo = o.output !== undefined ? parseOutput(o.output) : undefined;
      const cacheTtl = o.cacheTtl !== undefined ? goDuration(o.cacheTtl, '--cache-ttl') : undefined;
      // Podman 4.3 takes a --retry-delay it cannot parse and keeps its default.
      let retryDelay: number | undefined;
      try { retryDelay = o.retryDelay !== undefined ? goDuration(o.retryDelay, '--retry-delay') : undefined; } catch { retryDelay = undefined; }
      for (const [flag, repos] of [['--cache-from', o.cacheFrom], ['--cache-to', o.cacheTo]] as const) {
        for (const r of repos as string[]) {
          if (!/^(localhost|[a-z0-9-]+(\.[a-z0-9-]+)+|[a-z0-9.-]+:\d+)(:\d+)?\/[a-z0-9]+([._/-][a-z0-9]+)*$/.test(r)) {
            throw invalidArgument(`unable to parse value provided \`${(repos as string[]).join(',')}\` to ${flag}: invalid repo "${r}": must contain registry and repository`);
          }
        }
      }
      for (const k of o.decryptionKey as string[]) {
        const file = k.split(':')[0];
        if (!existsSync(file)) throw invalidArgument(`unable to obtain decrypt config: invalid decryption keys: Unable to read file: open ${file}: no such file or directory`);
      }
      for (const spec of o.ssh as string[]) {
        const [id, paths] = spec.split(/=(.*)/s);
        if (paths === undefined && id === 'default' && !process.env.SSH_AUTH_SOCK) throw invalidArgument('creating build executor: $SSH_AUTH_SOCK not set');
        for (const p of paths ? paths.split(',') : []) if (!existsSync(p)) throw invalidArgument(`creating build executor: stat ${p}: no such file or directory`);
      }
      if (o.hooksDir.length) warn('--hooks-dir is ignored: husk runs no OCI hooks');
      const identity = { os: o.os, architecture: o.arch, variant: o.variant, osVersion: o.osVersion, osFeatures: o.osFeature.length ? o.osFeature : undefined };
      const imagePlatform = Object.values(identity).some((v) => v !== undefined) ? identity : undefined;
      const cleanup: string[] = [];
      let logStream: WriteStream | undefined;
      try {
        if (o.logfile !== undefined) {
          const { createWriteStream } = await import('node:fs');
          logStream = createWriteStream(o.logfile, { mode: 0o600 });
          // --logsplit: one file per platform, LOGFILE_OS_ARCH (empty parts when no platform is given, as Podman names it).
          if (bool(o.logsplit, false)) {
            const [pos = '', parch = ''] = o.platform ? String(o.platform).split('/') : [o.os ?? '', o.arch ?? ''];
            logStream.end();
            logStream = createWriteStream(`${o.logfile}_${pos}_${parch}`, { mode: 0o600 });
          }
        }
        const ctx = contextDir(ctxArg, cleanup);
        const files = [containerfile(o.file[0], ctx), ...(o.file as string[]).slice(1).map((f) => containerfile(f, ctx))];
        const { build } = await import('../build/builder.ts');
        // Ctrl-C / SIGTERM: the builder kills a running RUN and releases what it holds before the command exits.
        const ac = new AbortController();
        for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.once(sig, () => ac.abort());
        const engine = await connectFor(this);
        const r = await build(engine, {
          contextDir: ctx, containerfile: files[0], moreContainerfiles: files.slice(1), cppFlags: o.cppFlag,
          tags: o.tag, buildArgs, target: o.target, from: o.from, ignoreFile: o.ignorefile !== undefined ? resolve(o.ignorefile) : undefined,
          exportTo, exportStream: exportTo?.dest === '-' ? process.stdout : undefined, manifest: o.manifest, imagePlatform,
          omitHistory: bool(o.omitHistory, false), identityLabel: bool(o.identityLabel, true), skipUnusedStages: bool(o.skipUnusedStages, true),
          allPlatforms: bool(o.allPlatforms, false), cacheTtl, cacheFrom: o.cacheFrom, cacheTo: o.cacheTo, stdin: bool(o.stdin, false) ? process.stdin : undefined,
          registry: { tlsVerify: o.tlsVerify === undefined ? undefined : bool(o.tlsVerify, true), authfile: o.authfile, creds: o.creds, certDir: o.certDir, retry: o.retry, retryDelay },
          noCache: o.cache === false, layers: bool(o.layers, true),
          pull: (pull === 'true' ? 'always' : pull === 'false' ? 'missing' : pull) as 'always' | 'missing' | 'never' | 'newer',
          labels: parseLabels(o.label), annotations: parseLabels(o.annotation),
          timestamp: epoch(o.timestamp),
          jobs: o.jobs !== undefined ? positive(o.jobs, '--jobs') : undefined,
          rm: bool(o.rm, true), forceRm: bool(o.forceRm, true), quiet: o.quiet, output: logStream ?? (exportTo?.dest === '-' ? process.stderr : process.stdout),
          secrets: parseSecrets(o.secret), buildContexts: parseBuildContexts(o.buildContext),
          signal: ac.signal, platform: o.platform, squash: o.squashAll ? 'all' : o.squash ? 'new' : undefined,
          format, warn, run, env, unsetEnv: o.unsetenv, proxyEnv,
        });
        if (o.iidfile) writeFileSync(o.iidfile, `sha256:${r.id}`);
        // The tar on stdout stays a tar.
        if (exportTo?.dest === '-') process.stderr.write(`${r.id}\n`);
        else if (logStream) logStream.write(`${r.id}\n`);
        else print(r.id);
      } finally {
        if (logStream) await new Promise((res) => logStream!.end(res));
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
