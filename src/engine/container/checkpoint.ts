// container checkpoint / restore: CRIU through the OCI runtime, as Podman's.
//
// checkpoint: `RUNTIME checkpoint` dumps the processes into
// BUNDLE/checkpoint (CRIU's log: BUNDLE/dump.log); unless told to leave it
// running the runtime kills the container, whose exit is then cleaned up
// like any other and the state marked checkpointed. --export writes one
// archive: checkpoint/, config.dump (husk's container config), spec.dump
// (the OCI config.json) and rootfs-diff.tar (the container's upper layer).
// restore: conmon runs `RUNTIME restore` from BUNDLE/checkpoint instead of
// create; --import first creates a new container from an archive's config.
import { spawn } from 'node:child_process';
import { createReadStream, createWriteStream, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createGzip, createZstdCompress, createZstdDecompress } from 'node:zlib';
import { HuskError, containerState, invalidArgument } from '../../common/errors.ts';
import { parsePublish } from '../../specgen/flags.ts';
import type { ContainerSpec } from '../../specgen/container.ts';
import type { EngineContext } from '../context.ts';
import { toReportError } from '../reports.ts';
import type { ContainerConfig } from '../types.ts';
import type { CheckpointOptions, CheckpointReport, RestoreOptions, RestoreReport } from './api.ts';
import { cleanupContainer, removeContainer, restoreLocked, syncState } from './lifecycle.ts';
import { createContainer } from './create.ts';
import { rootfsPaths } from './rootfs.ts';
import { selectRefs } from './select.ts';
import { waitForExit } from './wait.ts';

const CRIU_PATHS = ['/usr/sbin/criu', '/usr/bin/criu', '/usr/local/sbin/criu', '/usr/local/bin/criu'];
const NO_SUPPORT = 'configured runtime does not support checkpoint/restore';

function criuPath(): string | undefined {
  return CRIU_PATHS.find((p) => existsSync(p));
}

/** CRIU's first error in its log, which says why (the runtime only says "criu failed"). */
/** The runtime's message without its pointer to the log (criuCause names it). */
function runtimeSaid(err: unknown): string {
  return (err as Error).message.replace(/(\\n|\n)log file: .*$/s, '');
}

function criuCause(log: string): string {
  let text: string;
  try { text = readFileSync(log, 'utf8'); } catch { return ''; }
  const m = /Error \([^)]*\): (.*)/.exec(text);
  return m ? `: CRIU: ${m[1].trim()} (log: ${log})` : ` (log: ${log})`;
}

async function runTar(args: string[], io: { stdin?: NodeJS.ReadableStream; stdout?: NodeJS.WritableStream } = {}): Promise<void> {
  const child = spawn('tar', args, { stdio: [io.stdin ? 'pipe' : 'ignore', io.stdout ? 'pipe' : 'ignore', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (d) => (err += d));
  const done = new Promise<number>((resolve, reject) => { child.on('error', reject); child.on('close', (c) => resolve(c ?? 1)); });
  const piping = [
    io.stdin ? pipeline(io.stdin, child.stdin!) : undefined,
    io.stdout ? pipeline(child.stdout!, io.stdout) : undefined,
  ];
  const [code] = await Promise.all([done, ...piping]);
  if (code !== 0) throw new HuskError('ENGINE', `tar ${args[0]}: ${err.trim() || `exit ${code}`}`);
}

async function batch(refs: string[], fn: (ref: string) => Promise<string>): Promise<CheckpointReport[]> {
  const out: CheckpointReport[] = [];
  for (const ref of refs) {
    const t0 = performance.now();
    try {
      const id = await fn(ref);
      out.push({ id, rawInput: ref, runtimeDuration: Math.round((performance.now() - t0) * 1000) });
    } catch (err) {
      out.push({ id: ref, rawInput: ref, error: toReportError(err) });
    }
  }
  return out;
}

export async function checkpointContainers(e: EngineContext, refs: string[], o: CheckpointOptions): Promise<CheckpointReport[]> {
  if (!o.export && o.ignoreRootfs) throw invalidArgument('--ignore-rootfs can only be used with --export');
  if (!o.export && o.ignoreVolumes) throw invalidArgument('--ignore-volumes can only be used with --export');
  if (o.withPrevious && o.preCheckpoint) throw invalidArgument('--with-previous can not be used with --pre-checkpoint');
  if (e.config.rootless) throw new HuskError('ROOTLESS', 'checkpointing a container requires root');
  return batch(selectRefs(e, refs, o, (c) => c.state.status === 'running'), (ref) => checkpointOne(e, ref, o));
}

async function checkpointOne(e: EngineContext, ref: string, o: CheckpointOptions): Promise<string> {
  const id = e.db.lookupId(ref);
  const bundle = e.bundleDir(id);
  const stops = !o.leaveRunning && !o.preCheckpoint;
  const config = await e.withContainerLock(id, async () => {
    const c = syncState(e, e.db.get(id)!);
    // Podman checks the runtime first, then the state.
    const rt = e.runtime(c.config.runtime);
    if (!(await rt.supportsCheckpoint(criuPath()))) throw new HuskError('RUNTIME', NO_SUPPORT);
    if (c.state.status !== 'running') throw containerState(`"${c.state.status}" is not running, cannot checkpoint: container state improper`);
    const imagePath = join(bundle, o.preCheckpoint ? 'pre-checkpoint' : 'checkpoint');
    if (o.withPrevious && !existsSync(join(bundle, 'pre-checkpoint'))) throw containerState(`container ${id} has no pre-checkpoint to checkpoint with: container state improper`);
    rmSync(imagePath, { recursive: true, force: true });
    mkdirSync(imagePath);
    // The restart policy must not bring a checkpointed container back.
    if (stops) e.db.updateState(id, (s) => { s.stoppedByUser = true; });
    try {
      await rt.checkpoint(id, {
        imagePath, workPath: bundle, leaveRunning: !stops, tcpEstablished: o.tcpEstablished, fileLocks: o.fileLocks,
        preDump: o.preCheckpoint, parentPath: o.withPrevious ? '../pre-checkpoint' : undefined,
      });
    } catch (err) {
      if (stops) e.db.updateState(id, (s) => { s.stoppedByUser = false; });
      const cause = criuCause(join(bundle, 'dump.log'));
      if (!o.keep) rmSync(imagePath, { recursive: true, force: true });
      throw new HuskError('RUNTIME', `checkpointing container ${id}: ${runtimeSaid(err)}${cause}`);
    }
    if (!o.keep) rmSync(join(bundle, 'dump.log'), { force: true });
    return c.config;
  });
  if (stops) {
    // The runtime killed the container; conmon records the exit, cleanup releases mounts and network.
    await waitForExit(e, id, 30_000);
    await cleanupContainer(e, id);
    e.db.updateState(id, (s) => { s.checkpointed = true; });
    e.events.write({ ID: id, Name: config.name, Image: config.imageName, Status: 'checkpoint', Type: 'container' });
  }
  if (o.export) await exportCheckpoint(e, config, o);
  return id;
}

async function exportCheckpoint(e: EngineContext, config: ContainerConfig, o: CheckpointOptions): Promise<void> {
  const bundle = e.bundleDir(config.id);
  const staging = mkdtempSync(join(bundle, 'export-'));
  try {
    writeFileSync(join(staging, 'config.dump'), JSON.stringify(config));
    if (existsSync(join(bundle, 'config.json'))) writeFileSync(join(staging, 'spec.dump'), readFileSync(join(bundle, 'config.json')));
    const files = ['config.dump', ...(existsSync(join(staging, 'spec.dump')) ? ['spec.dump'] : [])];
    const { upper } = rootfsPaths(e.containerDir(config.id));
    if (!o.ignoreRootfs && existsSync(upper)) {
      // Whiteouts (char 0:0) and xattrs as overlay keeps them, so they apply to a new upper layer as is.
      await runTar(['-c', '--xattrs', '--xattrs-include=*', '--numeric-owner', '-f', join(staging, 'rootfs-diff.tar'), '-C', upper, '.']);
      files.push('rootfs-diff.tar');
    }
    const compress = o.compress ?? 'zstd';
    const out = createWriteStream(o.export!);
    const sink: NodeJS.WritableStream = compress === 'none' ? out : compress === 'gzip' ? createGzip() : createZstdCompress();
    const writing = sink === out ? Promise.resolve() : pipeline(sink as unknown as NodeJS.ReadableStream, out);
    await runTar(['-c', '--numeric-owner', '-f', '-', '-C', bundle, 'checkpoint', '-C', staging, ...files], { stdout: sink });
    await writing;
  } catch (err) {
    rmSync(o.export!, { force: true });
    throw new HuskError('ENGINE', `exporting the checkpoint of ${config.id} to ${o.export}: ${(err as Error).message}`);
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  if (!o.keep) rmSync(join(bundle, 'checkpoint'), { recursive: true, force: true });
}

export async function restoreContainers(e: EngineContext, refs: string[], o: RestoreOptions): Promise<RestoreReport[]> {
  if (e.config.rootless) throw new HuskError('ROOTLESS', 'restoring a container requires root');
  const notImport = !o.import;
  if (notImport && o.ignoreRootfs) throw invalidArgument('--ignore-rootfs can only be used with image or --import');
  if (notImport && o.ignoreVolumes) throw invalidArgument('--ignore-volumes can only be used with image or --import');
  if (notImport && o.name) throw invalidArgument('--name can only be used with image or --import');
  if (notImport && o.pod) throw invalidArgument('--pod can only be used with image or --import');
  if (o.name && o.tcpEstablished) throw invalidArgument('--tcp-established cannot be used with --name');
  if (o.import) {
    if (o.all || o.latest) throw invalidArgument('cannot use --import with --all or --latest');
    if (refs.length) throw invalidArgument('cannot use --import with positional arguments');
    return batch([o.import], async () => {
      const id = await importCheckpoint(e, o);
      try {
        return await restoreOne(e, id, o);
      } catch (err) {
        // A container that could not be restored is not left behind half-made.
        await removeContainer(e, id, { force: true }).catch(() => {});
        throw err;
      }
    }).then((r) => r.map((x) => ({ ...x, rawInput: x.error ? x.rawInput : '' })));
  }
  const checkpointed = (c: { state: { status: string; checkpointed?: boolean } }) => c.state.status === 'exited' && !!c.state.checkpointed;
  return batch(selectRefs(e, refs, o, checkpointed), (ref) => restoreOne(e, ref, o));
}

async function restoreOne(e: EngineContext, ref: string, o: RestoreOptions): Promise<string> {
  const id = e.db.lookupId(ref);
  const bundle = e.bundleDir(id);
  const imagePath = join(bundle, 'checkpoint');
  await e.withContainerLock(id, async () => {
    const c = syncState(e, e.db.get(id)!);
    const rt = e.runtime(c.config.runtime);
    if (!(await rt.supportsCheckpoint(criuPath()))) throw new HuskError('RUNTIME', NO_SUPPORT);
    if (['running', 'paused'].includes(c.state.status)) throw containerState(`container ${id} is running or paused, cannot restore: container state improper`);
    if (!existsSync(join(imagePath, 'inventory.img'))) {
      throw containerState(`a complete checkpoint for this container cannot be found, cannot restore: stat ${join(imagePath, 'inventory.img')}: no such file or directory`);
    }
    const opts = [...(o.tcpEstablished ? ['--tcp-established'] : []), ...(o.fileLocks ? ['--file-locks'] : [])];
    try {
      await restoreLocked(e, id, { imagePath, opts });
    } catch (err) {
      throw new HuskError('RUNTIME', `restoring container ${id}: ${runtimeSaid(err)}${criuCause(join(bundle, 'restore.log'))}`);
    }
    e.db.updateState(id, (s) => { s.checkpointed = false; });
  });
  if (!o.keep) {
    rmSync(imagePath, { recursive: true, force: true });
    rmSync(join(bundle, 'restore.log'), { force: true });
  }
  return id;
}

/** Unpacks an exported checkpoint and creates its container (new ID) from the config inside; returns the ID. */
async function importCheckpoint(e: EngineContext, o: RestoreOptions): Promise<string> {
  const file = o.import!;
  if (!existsSync(file)) throw invalidArgument(`failed to open checkpoint archive ${file} for import: open ${file}: no such file or directory`);
  const staging = mkdtempSync(join(e.config.root, 'restore-'));
  try {
    const head = readFileSync(file).subarray(0, 4);
    const input = createReadStream(file);
    const decoded = head[0] === 0x1f && head[1] === 0x8b ? input.pipe(createGunzip())
      : head.readUInt32LE(0) === 0xfd2fb528 ? input.pipe(createZstdDecompress()) : input;
    try {
      await runTar(['-x', '--numeric-owner', '-f', '-', '-C', staging], { stdin: decoded });
    } catch (err) {
      throw invalidArgument(`unpacking of checkpoint archive ${file} failed: ${(err as Error).message}`);
    }
    if (!existsSync(join(staging, 'config.dump'))) throw invalidArgument(`checkpoint archive ${file} has no config.dump: not a checkpoint export`);
    if (!existsSync(join(staging, 'checkpoint', 'inventory.img'))) throw invalidArgument(`checkpoint archive ${file} holds no complete checkpoint`);
    const old = JSON.parse(readFileSync(join(staging, 'config.dump'), 'utf8')) as ContainerConfig;
    const spec: ContainerSpec = { ...old.intent, name: o.name ?? old.name };
    // A new name means a second copy may run beside the first: it does not keep the addresses (Podman's rule).
    if (o.name || o.ignoreStaticIP) delete spec.ip;
    if (o.name || o.ignoreStaticMAC) delete spec.mac;
    if (o.pod) spec.pod = o.pod;
    if (o.publish?.length) spec.portMappings = o.publish.map(parsePublish);
    const c = await createContainer(e, spec);
    const id = c.config.id;
    if (!o.ignoreRootfs && existsSync(join(staging, 'rootfs-diff.tar'))) {
      await runTar(['-x', '--xattrs', '--xattrs-include=*', '--numeric-owner', '-f', join(staging, 'rootfs-diff.tar'), '-C', rootfsPaths(e.containerDir(id)).upper]);
    }
    renameSync(join(staging, 'checkpoint'), join(e.bundleDir(id), 'checkpoint'));
    return id;
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}
