// RUN --mount: each `--mount=` of a RUN becomes a mount of its container.
//   cache   a directory kept between builds under the store
//           (GRAPHROOT/build-mounts/cache/<sha256 of id>), shared by every
//           RUN with the same id (default: the target); sharing=shared lets
//           RUNs use it at once, locked makes them take turns (a flock),
//           private gives a RUN that finds it in use a fresh throw-away one.
//   bind    a context path (default the whole context, ignored files left
//           out) or a path of a stage/image (from=), read-only unless rw:
//           then a copy is mounted and the writes are thrown away.
//   tmpfs   a tmpfs (size= in bytes).
//   secret  a --secret's content as a file (default /run/secrets/ID,
//           mode 0400) in RUNROOT, removed after the step; env= puts it in
//           an environment variable instead (or as well). Never in a layer,
//           never in the history or the cache key.
// The mount points the runtime creates are handed to commit as stubs to
// leave out of the layer.
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, chownSync, copyFileSync, cpSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync} from 'node:fs';
import { posix } from 'node:path';
import { HuskError, invalidArgument } from '../common/errors.ts';
import { tryLockFile, unlockFile, withLock } from '../common/lock.ts';
import { secureJoin } from '../common/securejoin.ts';
import type { MountSpec } from '../engine/container/api.ts';
import type { ContextEntry, ContextFilter } from './ignore.ts';
import { builderToken } from './leftovers.ts';
import { contextSources, normalizeSource, sourcesDigest } from './sources.ts';

/** A --secret of the build: a file on the host, or the content itself (from an environment variable). */
export interface BuildSecret {
  src?: string;
  data?: string | Buffer;
}

export interface MountEnv {
  /** Store paths of the engine (system.info()). */
  graphRoot: string;
  runRoot: string;
  contextDir: string;
  filter: ContextFilter;
  /** The filter's walk, made once per build. */
  entries(): ContextEntry[];
  secrets: Record<string, BuildSecret>;
  /** The image ID of a stage's result or an image (`from=`). */
  imageId(from: string): Promise<string>;
  /** Mounts a stage's result or an image read-only; returns its root and a release. */
  image(from: string): Promise<{ root: string; release: () => Promise<void> }>;
}

export interface PreparedMounts {
  mounts: MountSpec[];
  env: Record<string, string>;
  /** Mount targets, for commit's omitStubs. */
  stubs: string[];
  /** Runs fn with the locks of `sharing=locked` cache mounts held. */
  locked<T>(fn: () => Promise<T>): Promise<T>;
  release(): Promise<void>;
}

const sha = (s: string) => createHash('sha256').update(s).digest('hex');

/** A private scratch dir named after this build, so a killed build's can be found (leftovers.ts). */
function scratchDir(base: string): string {
  const dir = `${base}/tmp/build-${builderToken()}-${randomBytes(6).toString('hex')}`;
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return dir;
}

function num(v: string | undefined, what: string, dflt: number, base = 10): number {
  if (v === undefined) return dflt;
  const n = parseInt(v, base);
  if (!/^\d+$/.test(v) || Number.isNaN(n)) throw invalidArgument(`invalid ${what} "${v}" in --mount`);
  return n;
}

const bool = (v: string | undefined) => v === 'true';

/** Copies the included context entries under `rel` into dir (ignored files left out, symlinks as links). */
function copyContext(entries: ContextEntry[], contextDir: string, rel: string, dir: string): void {
  const prefix = rel ? `${rel}/` : '';
  for (const e of entries) {
    if (rel && e.path !== rel && !e.path.startsWith(prefix)) continue;
    const to = e.path === rel ? dir : `${dir}/${e.path.slice(prefix.length)}`;
    const from = `${contextDir}/${e.path}`;
    if (e.type === 'dir') mkdirSync(to, { recursive: true });
    else if (e.type === 'symlink') symlinkSync(e.linkTarget!, to);
    else if (e.type === 'file') copyFileSync(from, to);
  }
}

/**
 * What a RUN's mounts add to its cache key: each mount's kind and target,
 * a bind's source by content (context) or image ID (from=), a secret's id
 * alone (its content never), a cache's id (its content changes by design).
 */
export async function mountsKey(specs: Record<string, string>[], env: MountEnv): Promise<string> {
  const keys: string[] = [];
  for (const m of specs) {
    const dst = m.target ?? '';
    if (m.type === 'bind' && m.from !== undefined) keys.push(`bind:from=${await env.imageId(m.from)}:${m.source ?? '/'}:${dst}:${m.readonly}`);
    else if (m.type === 'bind') {
      const rel = normalizeSource(m.source ?? '.');
      if (!env.filter.includes(rel)) throw invalidArgument(`--mount: ${m.source}: no such file or directory in the build context`);
      keys.push(`bind:${rel}:${dst}:${m.readonly}:${sourcesDigest(contextSources(env.contextDir, env.entries(), rel || '.'))}`);
    } else if (m.type === 'cache') keys.push(`cache:${m.id || dst}:${dst}:${m.readonly}:${m.sharing ?? ''}`);
    else if (m.type === 'tmpfs') keys.push(`tmpfs:${dst}:${m.size ?? ''}`);
    else if (m.type === 'secret') keys.push(`secret:${m.id ?? ''}:${dst}:${m.env ?? ''}:${env.secrets[m.id || posix.basename(dst)] ? 'given' : 'absent'}`);
    else keys.push(`${m.type}:${dst}`);
  }
  return keys.join('\n');
}

export async function prepareMounts(specs: Record<string, string>[], env: MountEnv): Promise<PreparedMounts> {
  const out: PreparedMounts = { mounts: [], env: {}, stubs: [], locked: (fn) => fn(), release: async () => {} };
  const releases: (() => Promise<void> | void)[] = [];
  const lockPaths: string[] = [];
  let scratch: string | undefined;
  const tmp = () => (scratch ??= scratchDir(env.runRoot));
  releases.push(() => { if (scratch) rmSync(scratch, { recursive: true, force: true }); });
  const target = (m: Record<string, string>, dflt?: string) => {
    const t = m.target ?? dflt;
    if (!t) throw invalidArgument(`mount type ${m.type} requires a target`);
    return posix.normalize(t.startsWith('/') ? t : `/${t}`);
  };
  try {
    for (const m of specs) {
      switch (m.type) {
        case 'cache': {
          const dst = target(m);
          const id = m.id || dst;
          const sharing = m.sharing ?? 'shared';
          const dir = `${env.graphRoot}/build-mounts/cache/${sha(id)}`;
          const fresh = !existsSync(dir);
          mkdirSync(dir, { recursive: true });
          if (fresh) {
            chmodSync(dir, num(m.mode, 'mode', 0o755, 8));
            chownSync(dir, num(m.uid, 'uid', 0), num(m.gid, 'gid', 0));
          }
          let source = dir;
          if (sharing === 'locked') lockPaths.push(`${dir}.lock`);
          else if (sharing === 'private') {
            const fd = tryLockFile(`${dir}.lock`);
            if (fd !== undefined) releases.push(() => unlockFile(fd));
            else {
              // In use by another RUN: this one gets an empty cache of its own.
              source = `${tmp()}/cache-${out.mounts.length}`;
              mkdirSync(source);
            }
          }
          out.mounts.push({ type: 'bind', source, destination: dst, options: bool(m.readonly) ? ['ro'] : [] });
          out.stubs.push(dst);
          break;
        }
        case 'bind': {
          const dst = target(m);
          const rw = m.readonly === 'false';
          let source: string;
          if (m.from !== undefined) {
            const img = await env.image(m.from);
            releases.push(img.release);
            const rel = normalizeSource(m.source ?? '/', 'image root');
            source = secureJoin(img.root, rel);
            if (!existsSync(source)) throw invalidArgument(`--mount=from=${m.from}: ${m.source}: no such file or directory`);
          } else {
            const rel = normalizeSource(m.source ?? '.');
            const abs = rel ? secureJoin(env.contextDir, rel) : env.contextDir;
            if (!existsSync(abs) || !env.filter.includes(rel)) throw invalidArgument(`--mount: ${m.source}: no such file or directory in the build context`);
            // What the RUN reads is part of its key, by content, like COPY.
            if (env.filter.source === undefined && !rw) source = abs;
            else {
              // Ignored files must not show, and rw writes must not reach the context: mount a copy.
              source = `${tmp()}/bind-${out.mounts.length}`;
              if (statSync(abs).isDirectory()) {
                mkdirSync(source);
                copyContext(env.entries(), env.contextDir, rel, source);
              } else copyFileSync(abs, source);
              out.mounts.push({ type: 'bind', source, destination: dst, options: rw ? [] : ['ro'] });
              out.stubs.push(dst);
              break;
            }
          }
          if (rw) {
            const copy = `${tmp()}/bind-${out.mounts.length}`;
            cpSync(source, copy, { recursive: true, verbatimSymlinks: true, preserveTimestamps: true });
            source = copy;
          }
          out.mounts.push({ type: 'bind', source, destination: dst, options: rw ? [] : ['ro'] });
          out.stubs.push(dst);
          break;
        }
        case 'tmpfs': {
          const dst = target(m);
          const options = m.size !== undefined ? [`size=${num(m.size, 'size', 0)}`] : [];
          out.mounts.push({ type: 'tmpfs', destination: dst, options });
          out.stubs.push(dst);
          break;
        }
        case 'secret': {
          const id = m.id || (m.target ? posix.basename(m.target) : '');
          if (!id) throw invalidArgument('secret mount needs an id or a target');
          const secret = env.secrets[id];
          if (!secret) {
            if (bool(m.required)) throw invalidArgument(`secret "${id}" is required but was not given (--secret id=${id},src=FILE)`);
            break;
          }
          const data = secret.data !== undefined ? Buffer.from(secret.data) : readFileSync(secret.src!);
          if (m.env) out.env[m.env] = data.toString('utf8');
          if (!m.env || m.target) {
            const dst = target(m, `/run/secrets/${id}`);
            const file = `${tmp()}/secret-${out.mounts.length}`;
            writeFileSync(file, data, { mode: 0o600 });
            chownSync(file, num(m.uid, 'uid', 0), num(m.gid, 'gid', 0));
            chmodSync(file, num(m.mode, 'mode', 0o400, 8));
            out.mounts.push({ type: 'bind', source: file, destination: dst, options: ['ro'] });
            out.stubs.push(dst);
          }
          break;
        }
        case 'ssh':
          throw new HuskError('NOT_IMPLEMENTED', 'RUN --mount=type=ssh is not supported');
        default:
          throw invalidArgument(`unsupported mount type "${m.type}"`);
      }
    }
    // The scratch dir holds secrets: only root may enter it, but the mounted files must be reachable by the RUN's user.
    if (scratch) chmodSync(scratch, 0o711);
  } catch (e) {
    for (const r of releases.reverse()) await r();
    throw e;
  }
  out.release = async () => { for (const r of releases.reverse()) await r(); };
  const sorted = [...new Set(lockPaths)].sort();
  out.locked = <T>(fn: () => Promise<T>) => sorted.reduceRight<() => Promise<T>>((inner, p) => () => withLock(p, inner), fn)();
  return out;
}

