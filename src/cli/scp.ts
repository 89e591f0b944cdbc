// `husk image scp [options] [USER@]HOST::IMAGE|IMAGE [USER@]HOST::[NAME]`:
// an image copied between two users' stores on this machine, as Podman's
// local image scp: the source store saves it into an archive, the
// destination store loads it (and tags it NAME when one is given). Run as
// root: the other user's husk runs through runuser(1), with that user's
// login environment. Other hosts (ssh) are not done.
import { spawnSync } from 'node:child_process';
import { chownSync, mkdtempSync, rmSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { HuskError, invalidArgument } from '../common/errors.ts';
import { installPath } from '../common/paths.ts';
import { rootless } from '../common/userns.ts';
import { connectFor } from './common.ts';

type Opts = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

interface Side { user: string; image: string }

/** Account of a user name, from the passwd database (getent). */
function account(name: string): { uid: number; gid: number; home: string } {
  const r = spawnSync('getent', ['passwd', name], { encoding: 'utf8' });
  const f = r.stdout?.trim().split(':');
  if (r.status !== 0 || !f || f.length < 6) throw invalidArgument(`user ${name} does not exist`);
  return { uid: Number(f[2]), gid: Number(f[3]), home: f[5]! };
}

/** `[USER@]HOST::[IMAGE]` or a plain IMAGE (the caller's own store). */
function parseSide(arg: string, me: string, isSource: boolean): Side {
  const at = arg.indexOf('::');
  if (at < 0) {
    if (!isSource) throw invalidArgument(`invalid destination "${arg}": expected [USER@]localhost::[IMAGE]`);
    return { user: me, image: arg };
  }
  const host = arg.slice(0, at);
  const image = arg.slice(at + 2);
  const m = /^(?:([^@]+)@)?(.+)$/.exec(host);
  if (!m || !['localhost', '127.0.0.1', '::1'].includes(m[2]!)) {
    throw new HuskError('NOT_IMPLEMENTED', `image scp to or from another host (${host}) is not supported by husk: only users of this machine (USER@localhost::)`);
  }
  if (isSource && !image) throw invalidArgument('a source image must be given');
  return { user: m[1] ?? me, image };
}

export function makeScp(): Command {
  return new Command('scp').description('Securely copy images')
    .usage('[options] IMAGE [HOST::]')
    .option('-q, --quiet', 'Suppress the output', false)
    .argument('<source>')
    .argument('[destination]')
    .addHelpText('after', '\nBetween users of this machine: husk image scp root@localhost::IMAGE USER@localhost::[NAME]')
    .action(async function (this: Command, srcArg: string, dstArg: string | undefined, o: Opts) {
      // Rootless husk runs as root inside its user namespace: the invoking user is the one 0 maps to.
      const rl = rootless();
      const me = rl ? (spawnSync('getent', ['passwd', String(rl.uid)], { encoding: 'utf8' }).stdout?.split(':')[0] || String(rl.uid)) : userInfo().username;
      const src = parseSide(srcArg, me, true);
      if (!dstArg) throw invalidArgument('a destination must be given: [USER@]localhost::[IMAGE]');
      const dst = parseSide(dstArg, me, false);
      if (src.user === dst.user) throw invalidArgument(`source and destination are both ${src.user}'s store: use husk tag`);
      if (rl) throw new HuskError('ROOTLESS', 'copying an image between users\' stores requires root: run it as root (husk does not call sudo)');
      account(src.user === me ? dst.user : src.user);
      const launcher = installPath('bin/husk');
      const engine = await connectFor(this);
      // An archive both users may use: a private directory owned by the user who writes it.
      const dir = mkdtempSync('/var/tmp/husk-scp-');
      const archive = join(dir, 'image.tar');
      const asUser = (user: string, args: string[]) => {
        const a = account(user);
        const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: a.home, USER: user, LOGNAME: user };
        const r = spawnSync('runuser', ['-u', user, '--', launcher, ...args], { cwd: '/', env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
        if (r.status !== 0) throw new HuskError('ENGINE', `husk ${args[0]} as ${user}: ${(r.stderr ?? '').replace(/^Error: /, '').trim() || `exit ${r.status}`}`);
        return r.stdout;
      };
      try {
        // What the destination's load reports, as `husk load` prints it.
        let output: string;
        if (src.user === me) {
          await engine.images.save([src.image], archive, { format: 'oci-archive' });
          const a = account(dst.user);
          chownSync(dir, a.uid, a.gid);
          chownSync(archive, a.uid, a.gid);
          output = asUser(dst.user, ['load', '-i', archive]);
          if (dst.image) asUser(dst.user, ['tag', src.image, dst.image]);
        } else {
          const a = account(src.user);
          chownSync(dir, a.uid, a.gid);
          asUser(src.user, ['save', '--format', 'oci-archive', '-o', archive, src.image]);
          const images = await engine.images.load(archive);
          if (dst.image && images[0]) await engine.images.tag(images[0].id, [dst.image]);
          output = images.map((i) => `Loaded image: ${i.names.length ? i.names.join(', ') : `sha256:${i.id}`}\n`).join('');
        }
        if (!o.quiet) process.stdout.write(output);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
}
