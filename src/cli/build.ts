// `build` (also `image build` and `buildx build`): flags into BuildOptions,
// one call to the builder, the final ID printed. The builder (src/build/)
// does the work through the engine interface.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { Command } from 'commander';
import { invalidArgument } from '../common/errors.ts';
import { collect, connectFor, parseEnvFiles, parseLabels, print } from './common.ts';

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

export function makeBuild(name = 'build'): Command {
  return new Command(name).description('Build an image using instructions from Containerfiles')
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
          format, warn: (m) => process.stderr.write(`WARN[0000] ${m}\n`),
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
