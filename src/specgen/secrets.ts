// `--secret NAME[,type=mount|env][,target=T][,uid=N][,gid=N][,mode=OCTAL]`
// (Podman's specgenutil parseSecrets) into SecretSpecs, their validation,
// and where each lands in the container. Pure.
import { isAbsolute, posix } from 'node:path';
import { invalidArgument } from '../common/errors.ts';
import type { SecretSpec } from './container.ts';

const parseError = (why: string) => invalidArgument(`${why}: parsing secret`);

export function parseSecretFlag(val: string): SecretSpec {
  const split = val.split(',');
  if (split.length === 1) return { source: val };
  let source = '';
  let type: 'mount' | 'env' | undefined;
  let target: string | undefined;
  let uid: number | undefined;
  let gid: number | undefined;
  let mode: number | undefined;
  let rest = split;
  if (!split[0].includes('=')) {
    source = split[0];
    rest = split.slice(1);
  }
  const uint = (v: string, what: string, radix: number) => {
    if (!(radix === 8 ? /^[0-7]+$/ : /^\d+$/).test(v) || Number.parseInt(v, radix) > 0xffffffff) throw parseError(`${what} ${v} invalid`);
    return Number.parseInt(v, radix);
  };
  for (const opt of rest) {
    const eq = opt.indexOf('=');
    if (eq < 0) throw parseError(`option ${opt} must be in form option=value`);
    const [k, v] = [opt.slice(0, eq), opt.slice(eq + 1)];
    switch (k) {
      case 'source': source = v; break;
      case 'type':
        if (type) throw parseError('cannot set more than one secret type');
        if (v !== 'mount' && v !== 'env') throw parseError(`type ${v} is invalid`);
        type = v;
        break;
      case 'target': target = v; break;
      case 'mode': mode = uint(v, 'mode', 8); break;
      case 'uid': case 'UID': uid = uint(v, 'uid', 10); break;
      case 'gid': case 'GID': gid = uint(v, 'gid', 10); break;
      default: throw parseError(`option ${opt} invalid`);
    }
  }
  if (!source) throw parseError(`no source found ${val}`);
  if (type === 'env' && (uid !== undefined || gid !== undefined || mode !== undefined)) {
    throw parseError('UID, GID, Mode options cannot be set with secret type env');
  }
  return {
    source, ...(type ? { type } : {}), ...(target !== undefined && target !== '' ? { target } : {}),
    ...(uid !== undefined ? { uid } : {}), ...(gid !== undefined ? { gid } : {}), ...(mode !== undefined ? { mode } : {}),
  };
}

/** Where a secret lands: the file's absolute path (mount), or the variable's name (env). */
export function secretTarget(s: SecretSpec): string {
  if (s.type === 'env') return s.target ?? s.source;
  const t = s.target ?? s.source;
  return isAbsolute(t) ? posix.normalize(t) : posix.join('/run/secrets', t);
}

export function validateSecrets(secrets: SecretSpec[]): void {
  const seen = new Set<string>();
  for (const s of secrets) {
    if (typeof s.source !== 'string' || !s.source) throw invalidArgument('a secret needs a source (the name or ID of a secret)');
    if (s.type !== undefined && s.type !== 'mount' && s.type !== 'env') throw invalidArgument(`secret ${s.source}: type ${s.type} is invalid (mount or env)`);
    for (const k of ['uid', 'gid', 'mode'] as const) {
      const v = s[k];
      if (v === undefined) continue;
      if (s.type === 'env') throw invalidArgument(`secret ${s.source}: UID, GID, Mode options cannot be set with secret type env`);
      if (!Number.isInteger(v) || v < 0 || v > (k === 'mode' ? 0o7777 : 0xffffffff)) throw invalidArgument(`secret ${s.source}: ${k} ${v} invalid`);
    }
    const t = secretTarget(s);
    if (s.type === 'env' && !/^[^=\0]+$/.test(t)) throw invalidArgument(`secret ${s.source}: ${JSON.stringify(t)} is not a valid environment variable name`);
    const key = `${s.type ?? 'mount'}:${t}`;
    if (seen.has(key)) throw invalidArgument(`secret ${s.source}: ${s.type === 'env' ? 'environment variable' : 'target'} ${t} is used by two secrets`);
    seen.add(key);
  }
}
