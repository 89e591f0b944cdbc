// /etc/passwd and /etc/group entries Podman adds to a container: the
// --user's uid when the image does not know it (--passwd-entry is its
// template), its gid likewise (--group-entry), and the host users named by
// --hostuser. The image's files are never changed: a copy with the added
// lines is written to the run dir and bind-mounted over them.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { invalidArgument } from '../../common/errors.ts';
import { secureJoin } from '../../common/securejoin.ts';
import type { Mount } from '../../runtime/spec/types.ts';
import type { ContainerSpec } from '../../specgen/container.ts';
import type { ExecUser } from './user.ts';

function read(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

const fields = (text: string) => text.split('\n').filter((l) => l && !l.startsWith('#')).map((l) => l.split(':'));
const fill = (template: string, vars: Record<string, string>) => template.replace(/\$(USERNAME|UID|GID|NAME|HOME|GROUPNAME)\b/g, (_, k: string) => vars[k] ?? '');

/** The bind mounts of the amended files (none when nothing needs adding). */
export function passwdMounts(rootfs: string, rundir: string, i: ContainerSpec, user: ExecUser): Mount[] {
  // run --passwd=false: the image's files as they are (libpod skips generatePasswdAndGroup).
  if (i.passwd === false) return [];
  const passwd = read(secureJoin(rootfs, '/etc/passwd'));
  const group = read(secureJoin(rootfs, '/etc/group'));
  const users = fields(passwd);
  const groups = fields(group);
  const addUsers: string[] = [];
  const addGroups: string[] = [];
  const name = String(user.uid);
  const spec = (i.user ?? '').split(':')[0];
  // Podman adds the --user's numeric uid when the image lacks it.
  if (i.user && /^\d+$/.test(spec) && !users.some((u) => u[2] === spec)) {
    const vars = { USERNAME: name, UID: name, GID: String(user.gid), NAME: 'container user', HOME: user.home || '/' };
    addUsers.push(fill(i.passwdEntry ?? '$USERNAME:*:$UID:$GID:$NAME:$HOME:/bin/sh', vars));
  }
  if (i.groupEntry && !groups.some((g) => g[2] === String(user.gid))) {
    addGroups.push(fill(i.groupEntry, { GROUPNAME: String(user.gid), GID: String(user.gid), USERNAME: name }));
  }
  const hostPasswd = fields(read('/etc/passwd'));
  for (const h of i.hostUsers ?? []) {
    const entry = hostPasswd.find((p) => p[0] === h || p[2] === h);
    if (!entry) throw invalidArgument(`--hostuser: user ${h} not found on the host`);
    if (!users.some((u) => u[0] === entry[0] || u[2] === entry[2])) addUsers.push(entry.join(':'));
  }
  const out: Mount[] = [];
  const write = (file: string, base: string, lines: string[]) => {
    const path = join(rundir, file);
    writeFileSync(path, `${base.replace(/\n*$/, base ? '\n' : '')}${lines.join('\n')}\n`);
    out.push({ destination: `/etc/${file}`, type: 'bind', source: path, options: ['bind', 'rprivate'] });
  };
  if (addUsers.length) write('passwd', passwd, addUsers);
  if (addGroups.length) write('group', group, addGroups);
  return out;
}
