// `auto-update`: running containers labelled io.containers.autoupdate are
// moved onto a newer image. registry: the registry's manifest digest for the
// name the container was created from differs from the local image's, so
// the image is pulled; local: the name now points at another local image
// (a rebuild, a tag). Then the container is restarted onto it: through
// `systemctl restart` of its PODMAN_SYSTEMD_UNIT where systemd is PID 1 (a
// `generate systemd --new` or Quadlet unit runs a fresh container), else by
// recreating it from its stored spec under the same name (what such a unit
// does). A restarted container that fails to start or stops within the
// settle time is rolled back: the name goes back to the previous image and
// the container is restarted again (--rollback, default on).
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { HuskError, invalidArgument } from '../../common/errors.ts';
import { toReportError } from '../reports.ts';
import { isShortName, normalize, parseNormalized } from '../../image/reference.ts';
import { findRegistry, loadRegistriesConf } from '../../image/registries.ts';
import { credentialsFor } from '../../image/registry/auth.ts';
import { hostPlatform } from '../../image/pull.ts';
import { MEDIA, type Descriptor } from '../../image/types.ts';
import type { EngineContext } from '../context.ts';
import type { Container } from '../types.ts';
import type { AutoUpdateOptions, AutoUpdateReport } from './api.ts';

export const AUTOUPDATE_LABEL = 'io.containers.autoupdate';
export const AUTHFILE_LABEL = 'io.containers.autoupdate.authfile';
export const UNIT_LABEL = 'PODMAN_SYSTEMD_UNIT';

/** How long a restarted container must keep running to count as updated. */
const SETTLE_MS = 1500;

const ACCEPT = [MEDIA.ociManifest, MEDIA.dockerManifest, MEDIA.ociIndex, MEDIA.dockerList];

type Policy = 'registry' | 'local';

/** The label's policy: undefined for none/disabled; "image" is Podman's old name for registry. */
export function parsePolicy(value: string | undefined): Policy | undefined {
  if (value === undefined || value === '' || value === 'disabled') return undefined;
  if (value === 'registry' || value === 'image') return 'registry';
  if (value === 'local') return 'local';
  throw invalidArgument(`invalid auto-update policy "${value}": must be registry, local or disabled`);
}

export async function autoUpdate(e: EngineContext, o: AutoUpdateOptions = {}): Promise<AutoUpdateReport[]> {
  const L = await import('../container/lifecycle.ts');
  const reports: AutoUpdateReport[] = [];
  // One remote check per image name, shared by its containers.
  const checked = new Map<string, Promise<boolean>>();
  for (const stored of e.db.list()) {
    const c = L.syncState(e, stored);
    if (c.state.status !== 'running') continue;
    const labels = labelsOf(e, c);
    const image = c.config.intent.image;
    const report: AutoUpdateReport = {
      ContainerID: c.config.id, ContainerName: c.config.name, Image: image, Policy: '', Unit: labels[UNIT_LABEL] ?? '', Updated: 'false',
    };
    try {
      const policy = parsePolicy(labels[AUTOUPDATE_LABEL]);
      if (!policy) continue;
      report.Policy = policy;
      if (policy === 'registry' && isShortName(image)) {
        throw invalidArgument(`auto-updating container "${c.config.id}": image name "${image}" must be fully qualified for the registry policy`);
      }
      const name = normalize(image);
      let newer: boolean;
      if (policy === 'local') {
        newer = (e.images.lookup(name)?.id ?? c.config.imageId) !== c.config.imageId;
      } else {
        const authfile = o.authfile ?? labels[AUTHFILE_LABEL];
        const key = `${name}\0${authfile ?? ''}`;
        if (!checked.has(key)) checked.set(key, registryHasNewer(e, c, name, { ...o, authfile }));
        newer = await checked.get(key)!;
      }
      if (!newer) {
        reports.push(report);
        continue;
      }
      if (o.dryRun) {
        report.Updated = 'pending';
        reports.push(report);
        continue;
      }
      const previous = c.config.imageId;
      if (policy === 'registry' && e.images.lookup(name)?.id === previous) {
        const { pull } = await import('../image/pull.ts');
        await pull(e, name, { authfile: o.authfile ?? labels[AUTHFILE_LABEL], tlsVerify: o.tlsVerify, onMessage: o.onMessage });
      }
      try {
        await restartOnto(e, c, report.Unit);
        report.Updated = 'true';
      } catch (err) {
        if (o.rollback === false) throw new HuskError('RUNTIME', `restarting container ${c.config.name} on the new image: ${(err as Error).message}`);
        // The name goes back to the image that worked, and the container with it.
        await e.images.tag(previous, name);
        e.events.write({ ID: previous, Name: name, Status: 'tag', Type: 'image' });
        try {
          await restartOnto(e, c, report.Unit);
        } catch (again) {
          throw new HuskError('RUNTIME', `rolling back container ${c.config.name} to image ${previous.slice(0, 12)}: ${(again as Error).message} (the update failed with: ${(err as Error).message})`);
        }
        // As Podman: a successful rollback is no error.
        report.Updated = 'rolled back';
      }
    } catch (err) {
      report.Updated = 'failed';
      report.error = toReportError(err);
    }
    reports.push(report);
  }
  return reports;
}

/** Labels as Podman sees them on a container: the image's, then the container's own. */
function labelsOf(e: EngineContext, c: Container): Record<string, string> {
  return { ...e.images.get(c.config.imageId)?.config.config?.Labels, ...c.config.intent.labels };
}

/** Whether the registry's manifest for name differs from the one the container's image was pulled as. */
async function registryHasNewer(e: EngineContext, c: Container, name: string, o: AutoUpdateOptions): Promise<boolean> {
  const local = e.images.get(c.config.imageId)?.digest;
  const ref = parseNormalized(name);
  const reg = findRegistry(loadRegistriesConf(), name);
  const { RegistryClient } = await import('../../image/registry/client.ts');
  const client = new RegistryClient({
    registry: ref.domain!, insecure: o.tlsVerify === false || (o.tlsVerify === undefined && !!reg?.insecure),
    credentials: credentialsFor(ref.domain!, o.authfile),
  });
  try {
    const m = await client.getManifest(ref.path, ref.digest ?? ref.tag ?? 'latest', ACCEPT);
    if (m.digest === local) return false;
    if (m.mediaType === MEDIA.ociIndex || m.mediaType === MEDIA.dockerList) {
      // A list: the local image is up to date when it is this host's entry.
      const want = hostPlatform();
      const entries = (JSON.parse(m.bytes.toString('utf8')) as { manifests?: Descriptor[] }).manifests ?? [];
      const mine = entries.filter((d) => d.platform?.os === want.os && d.platform?.architecture === want.arch);
      return !mine.some((d) => d.digest === local);
    }
    return true;
  } finally {
    client.close();
  }
}

/** Restarts the container onto the image its name now points at; throws when it does not keep running. */
async function restartOnto(e: EngineContext, c: Container, unit: string): Promise<void> {
  if (unit && systemdIsInit()) {
    const r = spawnSync('systemctl', ['restart', unit], { encoding: 'utf8', timeout: 300_000 });
    if (r.status !== 0) throw new HuskError('RUNTIME', `restarting unit ${unit}: ${(r.stderr || r.error?.message || '').trim()}`);
    await settle();
    const a = spawnSync('systemctl', ['is-active', unit], { encoding: 'utf8' });
    if (a.stdout.trim() !== 'active') throw new HuskError('RUNTIME', `unit ${unit} is ${a.stdout.trim() || 'not active'} after the restart`);
    return;
  }
  const L = await import('../container/lifecycle.ts');
  // Without systemd: what a --new unit does, here and now. By name: on a
  // rollback it is the failed new container that goes.
  try {
    await L.stopContainer(e, c.config.name);
    await L.removeContainer(e, c.config.name, { force: true });
  } catch (err) {
    if (!(err instanceof HuskError && err.code === 'NO_SUCH_CONTAINER')) throw err;
  }
  const created = await (await import('../container/create.ts')).createContainer(e, c.config.intent);
  await L.startContainer(e, created.config.id);
  await settle();
  const now = e.db.get(created.config.id);
  const s = now && L.syncState(e, now).state;
  if (!s || s.status !== 'running') {
    throw new HuskError('RUNTIME', `container ${c.config.name} stopped within ${SETTLE_MS / 1000}s of its restart${s ? ` (exit code ${s.exitCode})` : ''}`);
  }
}

function settle(): Promise<void> {
  return new Promise((r) => setTimeout(r, SETTLE_MS));
}

function systemdIsInit(): boolean {
  try {
    return readFileSync('/proc/1/comm', 'utf8').trim() === 'systemd';
  } catch {
    return false;
  }
}
