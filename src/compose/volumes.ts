// Service volumes: the short syntax "[SOURCE:]TARGET[:MODE]" (a SOURCE that
// starts with ".", "/" or "~" is a bind mount, anything else a named volume;
// no SOURCE is an anonymous volume) and the long syntax {type, source,
// target, read_only, bind, volume, tmpfs}. Relative bind sources are
// resolved against the project (or extended file's) directory.
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { bool, checkKeys, isMap, map, optBool, optStr, str, type Where } from './check.ts';
import type { ServiceVolume } from './types.ts';
import { parseBytes } from './units.ts';

const PROPAGATION = new Set(['shared', 'rshared', 'slave', 'rslave', 'private', 'rprivate']);
const LONG_KEYS = new Set(['type', 'source', 'target', 'read_only', 'bind', 'volume', 'tmpfs', 'consistency']);
const VOLUME_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

/** A host path as written in a Compose file: ~ expanded, relative to baseDir. */
export function hostPath(p: string, baseDir: string): string {
  if (p === '~' || p.startsWith('~/')) return join(homedir(), p.slice(1));
  return isAbsolute(p) ? resolve(p) : resolve(baseDir, p);
}

const isPath = (s: string) => s.startsWith('.') || s.startsWith('/') || s.startsWith('~');

/** One entry of a service's `volumes:`. */
export function parseVolume(v: unknown, w: Where, baseDir: string): ServiceVolume {
  if (isMap(v)) return longVolume(v, w, baseDir);
  const spec = str(v, w);
  const parts = spec.split(':');
  if (parts.length > 3 || parts.some((p) => p === '')) w.fail(`invalid volume "${spec}"`);
  const target = parts.length === 1 ? parts[0] : parts[1];
  if (!target.startsWith('/')) w.fail(`invalid volume "${spec}": the target "${target}" must be an absolute path`);
  if (parts.length === 1) return { type: 'volume', target, readOnly: false };
  const source = parts[0];
  const vol: ServiceVolume = isPath(source)
    ? { type: 'bind', source: hostPath(source, baseDir), target, readOnly: false, bind: { createHostPath: true } }
    : { type: 'volume', source, target, readOnly: false };
  if (vol.type === 'volume' && !VOLUME_NAME.test(source)) w.fail(`invalid volume "${spec}": "${source}" is not a valid volume name`);
  for (const opt of parts.length === 3 ? parts[2].split(',') : []) {
    if (opt === 'ro' || opt === 'rw') vol.readOnly = opt === 'ro';
    else if (opt === 'nocopy' && vol.type === 'volume') vol.volume = { ...vol.volume, nocopy: true };
    else if ((opt === 'z' || opt === 'Z') && vol.type === 'bind') vol.bind = { ...vol.bind, selinux: opt };
    else if (PROPAGATION.has(opt) && vol.type === 'bind') vol.bind = { ...vol.bind, propagation: opt };
    else if (opt === 'consistent' || opt === 'cached' || opt === 'delegated') continue; // macOS-only hints
    else w.fail(`invalid volume "${spec}": unknown mode "${opt}"`);
  }
  return vol;
}

function longVolume(m: Record<string, unknown>, w: Where, baseDir: string): ServiceVolume {
  checkKeys(m, LONG_KEYS, w, 'volume');
  const type = str(m.type ?? 'volume', w.at('type'));
  if (type !== 'volume' && type !== 'bind' && type !== 'tmpfs') w.at('type').fail(`unsupported volume type "${type}": expected volume, bind or tmpfs`);
  const target = str(m.target ?? '', w.at('target'));
  if (!target.startsWith('/')) w.at('target').fail(`the target "${target}" must be an absolute path`);
  const source = optStr(m.source, w.at('source')) || undefined;
  const vol: ServiceVolume = { type: type as ServiceVolume['type'], target, readOnly: bool(m.read_only ?? false, w.at('read_only')) };
  if (type === 'bind') {
    if (!source) return w.at('source').fail('a bind mount needs a source');
    vol.source = hostPath(source, baseDir);
    const b = map(m.bind, w.at('bind'));
    checkKeys(b, new Set(['propagation', 'create_host_path', 'selinux', 'recursive']), w.at('bind'), 'bind');
    const propagation = optStr(b.propagation, w.at('bind').at('propagation'));
    if (propagation && !PROPAGATION.has(propagation)) w.at('bind').at('propagation').fail(`invalid propagation "${propagation}"`);
    const selinux = optStr(b.selinux, w.at('bind').at('selinux'));
    if (selinux && selinux !== 'z' && selinux !== 'Z') w.at('bind').at('selinux').fail(`invalid selinux label "${selinux}": expected z or Z`);
    const createHostPath = optBool(b.create_host_path, w.at('bind').at('create_host_path'));
    if (propagation || selinux || createHostPath !== undefined) {
      vol.bind = {
        ...(propagation && { propagation }),
        ...(createHostPath !== undefined && { createHostPath }),
        ...(selinux && { selinux: selinux as 'z' | 'Z' }),
      };
    }
  } else if (type === 'volume') {
    if (source) {
      if (!VOLUME_NAME.test(source)) w.at('source').fail(`"${source}" is not a valid volume name`);
      vol.source = source;
    }
    const o = map(m.volume, w.at('volume'));
    checkKeys(o, new Set(['nocopy', 'subpath', 'labels']), w.at('volume'), 'volume');
    const nocopy = optBool(o.nocopy, w.at('volume').at('nocopy'));
    const subpath = optStr(o.subpath, w.at('volume').at('subpath'));
    if (nocopy !== undefined || subpath) vol.volume = { ...(nocopy !== undefined && { nocopy }), ...(subpath && { subpath }) };
  } else {
    if (source) w.at('source').fail('a tmpfs mount has no source');
    const t = map(m.tmpfs, w.at('tmpfs'));
    checkKeys(t, new Set(['size', 'mode']), w.at('tmpfs'), 'tmpfs');
    const tmpfs: { size?: number; mode?: number } = {};
    if (t.size !== undefined && t.size !== null) {
      tmpfs.size = parseBytes(t.size as string | number) ?? w.at('tmpfs').at('size').fail(`invalid size ${JSON.stringify(t.size)}`);
    }
    if (t.mode !== undefined && t.mode !== null) {
      // Modes are written as octal digits, whether YAML read a number or a string.
      const mode = parseInt(String(t.mode), 8);
      if (!/^[0-7]{1,4}$/.test(String(t.mode))) w.at('tmpfs').at('mode').fail(`invalid mode ${JSON.stringify(t.mode)}`);
      tmpfs.mode = mode;
    }
    if (Object.keys(tmpfs).length) vol.tmpfs = tmpfs;
  }
  return vol;
}
