// Resolving --user / the image's User against the container's own
// /etc/passwd and /etc/group (read through secureJoin, never the host's).
import { readFileSync } from 'node:fs';
import { HuskError } from '../../common/errors.ts';
import { secureJoin } from '../../common/securejoin.ts';

export interface ExecUser { uid: number; gid: number; additionalGids: number[]; home: string }

function readLines(rootfs: string, file: string): string[][] {
  try {
    return readFileSync(secureJoin(rootfs, file), 'utf8').split('\n').filter((l) => l && !l.startsWith('#')).map((l) => l.split(':'));
  } catch {
    return [];
  }
}

export function resolveUser(rootfs: string, spec: string | undefined): ExecUser {
  const [u, g] = (spec || '0').split(':', 2);
  const passwd = readLines(rootfs, '/etc/passwd');
  const entry = /^\d+$/.test(u) ? passwd.find((p) => p[2] === u) : passwd.find((p) => p[0] === u);
  if (!entry && !/^\d+$/.test(u)) {
    throw new HuskError('CMD_CANNOT_INVOKE', `unable to find user ${u}: no matching entries in passwd file`);
  }
  const uid = Number(entry ? entry[2] : u);
  let gid = entry ? Number(entry[3]) : 0;
  const groups = readLines(rootfs, '/etc/group');
  if (g !== undefined) {
    if (/^\d+$/.test(g)) gid = Number(g);
    else {
      const ge = groups.find((x) => x[0] === g);
      if (!ge) throw new HuskError('CMD_CANNOT_INVOKE', `unable to find group ${g}: no matching entries in group file`);
      gid = Number(ge[2]);
    }
  }
  const name = entry?.[0];
  const additionalGids = g === undefined && name
    ? groups.filter((x) => (x[3] ?? '').split(',').includes(name)).map((x) => Number(x[2])).filter((x) => x !== gid)
    : [];
  return { uid, gid, additionalGids, home: entry?.[5] || '/' };
}

/** --group-add: numbers as given, names looked up in the container's /etc/group. */
export function resolveGroups(rootfs: string, groups: string[] = []): number[] {
  if (!groups.length) return [];
  const table = readLines(rootfs, '/etc/group');
  return groups.map((g) => {
    if (/^\d+$/.test(g)) return Number(g);
    const e = table.find((x) => x[0] === g);
    if (!e) throw new HuskError('CMD_CANNOT_INVOKE', `unable to find group ${g}: no matching entries in group file`);
    return Number(e[2]);
  });
}
