// What a killed build leaves behind, and its removal when the next build
// starts. A build is named by a token, PID.STARTTIME (the start time from
// /proc/PID/stat tells a reused PID apart), found in:
//   - the label io.husk.build.owner of its RUN containers (they keep running
//     under conmon when the builder is SIGKILLed);
//   - RUNROOT/tmp/build-TOKEN-mounts/<image id>: the images it mounted
//     read-only (COPY --from, bind mounts, squash), one empty file each;
//   - RUNROOT/tmp/build-TOKEN-*: scratch dirs (secrets, rw bind copies).
// Half-written layers are the image store's business (its staging dirs are
// named after their process and removed the same way); every image a build
// recorded is complete.
import { mkdirSync, readdirSync, readFileSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import type { Engine } from '../engine/api.ts';

export const OWNER_LABEL = 'io.husk.build.owner';

function startTime(pid: number): string | undefined {
  try {
    // Field 22 of /proc/PID/stat, counted after the command name's closing parenthesis.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

let token: string | undefined;

/** This build process's token. */
export function builderToken(): string {
  return (token ??= `${process.pid}.${startTime(process.pid) ?? '0'}`);
}

/** Whether the build process a token names still runs. */
export function tokenAlive(t: string): boolean {
  const [pid, start] = t.split('.');
  return startTime(Number(pid)) === start;
}

const TMP = /^build-(\d+\.\d+)-/;

/** Notes that this build has an image mounted; returns the forget function. */
export function recordMount(runRoot: string, id: string): () => void {
  const dir = `${runRoot}/tmp/build-${builderToken()}-mounts`;
  mkdirSync(dir, { recursive: true });
  writeFileSync(`${dir}/${id}`, '');
  return () => {
    rmSync(`${dir}/${id}`, { force: true });
    try {
      rmdirSync(dir); // the last mount of this build gone: the dir too
    } catch {
      // still holds another mount's note
    }
  };
}

/** Removes the containers, image mounts and scratch dirs of builds that are gone. */
export async function cleanLeftovers(engine: Engine, runRoot: string): Promise<void> {
  const ctrs = await engine.containers.list({ all: true, filters: { label: [OWNER_LABEL] } });
  const dead = ctrs.filter((c) => {
    const owner = c.config.intent.labels?.[OWNER_LABEL];
    return owner !== undefined && !tokenAlive(owner);
  }).map((c) => c.config.id);
  if (dead.length) await engine.containers.remove(dead, { force: true });
  let names: string[];
  try {
    names = readdirSync(`${runRoot}/tmp`);
  } catch {
    return;
  }
  const liveMounts = new Set<string>();
  const deadMountDirs: string[] = [];
  for (const n of names) {
    const m = TMP.exec(n);
    if (!m) continue;
    const alive = tokenAlive(m[1]!);
    if (n.endsWith('-mounts')) {
      if (alive) for (const id of readdirSync(`${runRoot}/tmp/${n}`)) liveMounts.add(id);
      else deadMountDirs.push(n);
    } else if (!alive) rmSync(`${runRoot}/tmp/${n}`, { recursive: true, force: true });
  }
  for (const n of deadMountDirs) {
    for (const id of readdirSync(`${runRoot}/tmp/${n}`)) {
      // Another running build may share the mount (one per image): it stays then.
      if (!liveMounts.has(id)) await engine.images.unmount(id).catch(() => {});
    }
    rmSync(`${runRoot}/tmp/${n}`, { recursive: true, force: true });
  }
}
