// A container's secrets (SecretSpec): at create their bytes are copied from
// the secret store into BUNDLE/secrets/N (N: the index in spec.secrets),
// so the container keeps what it was created with whatever happens to the
// secret later (Podman's rule). At each start the mount ones are bound
// read-only at their targets and the env ones read into the environment;
// the values never enter the container's config or inspect output.
import { chmodSync, chownSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LinuxIdMapping, SpecOpt } from '../../runtime/spec/types.ts';
import type { SecretSpec } from '../../specgen/container.ts';
import { secretTarget } from '../../specgen/secrets.ts';
import type { EngineContext } from '../context.ts';
import type { Container, ContainerIdMap } from '../types.ts';

const dirOf = (e: EngineContext, id: string) => join(e.bundleDir(id), 'secrets');

/**
 * Reads every secret the spec names (NO_SUCH_SECRET for a missing one),
 * before anything is created; `names` are the secrets' own names (a spec
 * may name one by ID), which default targets use, as in Podman.
 */
export async function loadSecrets(e: EngineContext, specs: SecretSpec[]): Promise<{ data: Buffer[]; names: string[] }> {
  const { secretData } = await import('../secret/store.ts');
  const data: Buffer[] = [];
  const names: string[] = [];
  for (const s of specs) {
    const r = await secretData(e, s.source);
    data.push(r.data);
    names.push(r.secret.Spec.Name);
  }
  return { data, names };
}

function mapId(id: number, maps: LinuxIdMapping[] | undefined): number {
  if (!maps?.length) return id;
  const m = maps.find((x) => id >= x.containerID && id < x.containerID + x.size);
  return m ? m.hostID + (id - m.containerID) : id;
}

/** Writes the copies into the container's bundle: mount ones with their owner and mode, env ones root-only. */
export function writeSecrets(e: EngineContext, id: string, specs: SecretSpec[], data: Buffer[], idmap?: ContainerIdMap): void {
  const dir = dirOf(e, id);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  // With a user namespace the container's root must still reach the files.
  if (idmap) chownSync(dir, mapId(0, idmap.uidMap), mapId(0, idmap.gidMap));
  specs.forEach((s, i) => {
    const f = join(dir, String(i));
    const env = s.type === 'env';
    writeFileSync(f, data[i], { mode: 0o600 });
    chmodSync(f, env ? 0o600 : s.mode ?? 0o444);
    if (!env || idmap) chownSync(f, mapId(env ? 0 : s.uid ?? 0, idmap?.uidMap), mapId(env ? 0 : s.gid ?? 0, idmap?.gidMap));
  });
}

/** The spec options a start adds: read-only binds of the mount secrets, the env secrets' variables. */
export function secretSpecOpts(e: EngineContext, c: Container): SpecOpt[] {
  const specs = c.config.intent.secrets ?? [];
  if (!specs.length) return [];
  const dir = dirOf(e, c.config.id);
  return [(spec) => {
    specs.forEach((s, i) => {
      const file = join(dir, String(i));
      if (s.type === 'env') {
        const name = secretTarget(s);
        const env = (spec.process ??= {} as NonNullable<typeof spec.process>).env ??= [];
        const at = env.findIndex((kv) => kv.startsWith(`${name}=`));
        const kv = `${name}=${readFileSync(file, 'utf8')}`;
        if (at >= 0) env[at] = kv; else env.push(kv);
      } else {
        spec.mounts.push({ destination: secretTarget(s), type: 'bind', source: file, options: ['bind', 'rprivate', 'ro', 'nosuid', 'nodev', 'noexec'] });
      }
    });
  }];
}
