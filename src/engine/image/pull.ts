// Pull and push as the CLI and library see them: short names resolved
// through registries.conf (aliases, search registries), mirrors tried in
// order, credentials from auth.json, and insecure registries honoured.
import { HuskError } from '../../common/errors.ts';
import { isShortName, normalize, parseNormalized } from '../../image/reference.ts';
import { pullImage, type PullOptions } from '../../image/pull.ts';
import { pushImage, type PushOptions } from '../../image/push.ts';
import type { PushSignOptions } from './api.ts';
import { credentialsFor, parseCreds, type Credentials } from '../../image/registry/auth.ts';
import { findRegistry, loadRegistriesConf, pullSources, resolveShortName } from '../../image/registries.ts';
import type { ImageRecord } from '../../image/types.ts';
import type { EngineContext } from '../context.ts';

export interface RemoteFlags {
  /** --tls-verify; undefined means "as registries.conf says". */
  tlsVerify?: boolean;
  certDir?: string;
  authfile?: string;
  /** --creds USER[:PASS]. */
  creds?: string;
}

export function credentials(registry: string, f: RemoteFlags): Credentials | undefined {
  if (f.creds) {
    const c = parseCreds(f.creds);
    return { username: c.username, password: c.password ?? '' };
  }
  return credentialsFor(registry, f.authfile);
}

export interface EnginePullOptions extends RemoteFlags, Pick<PullOptions, 'platform' | 'onProgress'> {
  /** Called with Podman's "Resolved ... as an alias" / "Trying to pull ..." lines. */
  onMessage?: (line: string) => void;
}

/** Pulls by short or full name; returns the image. */
export async function pull(e: EngineContext, name: string, o: EnginePullOptions = {}): Promise<ImageRecord> {
  const conf = loadRegistriesConf();
  const candidates = isShortName(name)
    ? (() => {
      const r = resolveShortName(conf, name, { terminal: false });
      if (r.description) o.onMessage?.(r.description);
      return r.candidates;
    })()
    : [normalize(name)];
  let last: unknown;
  for (const candidate of candidates) {
    for (const src of pullSources(conf, candidate)) {
      const registry = parseNormalized(src.ref).domain!;
      o.onMessage?.(`Trying to pull ${src.ref}...`);
      try {
        const img = await pullImage(e.images, src.ref, {
          name: candidate, insecure: o.tlsVerify === false || (o.tlsVerify === undefined && src.insecure),
          certDir: o.certDir, credentials: credentials(registry, o), platform: o.platform, onProgress: o.onProgress,
        });
        e.events.write({ ID: img.id, Name: candidate, Status: 'pull', Type: 'image' });
        return img;
      } catch (err) {
        last = err;
        if (err instanceof HuskError && (err.code === 'DIGEST_MISMATCH' || err.code === 'BAD_LAYER')) throw err;
      }
    }
  }
  throw last instanceof Error ? last : new HuskError('REGISTRY', `unable to pull ${name}`);
}

export interface EnginePushOptions extends RemoteFlags, PushSignOptions, Pick<PushOptions, 'compressionFormat' | 'manifestFormat' | 'forceCompression' | 'onProgress' | 'byDigest' | 'onManifest'> {}

/** Refuses what husk cannot sign with before anything is pushed (Podman fails the push the same way, with exit 125). */
export function checkSigning(o: { signBy?: string; signBySigstorePrivateKey?: string }): void {
  if (o.signBy !== undefined && o.signBySigstorePrivateKey !== undefined) throw new HuskError('INVALID_ARGUMENT', 'only one of --sign-by and sign-by-sigstore-private-key can be used');
  if (o.signBySigstorePrivateKey !== undefined) throw new HuskError('ENGINE', 'creating signature: signing with a sigstore private key is not supported by husk (use --sign-by with a GPG key)');
}

/** Pushes a local image to DESTINATION (default: its own name). Returns the manifest digest. */
export async function push(e: EngineContext, source: string, destination: string | undefined, o: EnginePushOptions = {}): Promise<string> {
  const img = e.images.resolve(source);
  const dest = destination ?? img.names.find((n) => n === normalize(source, { shortNameDomain: 'localhost' })) ?? img.names[0];
  if (!dest) throw new HuskError('INVALID_ARGUMENT', `image ${source} has no name to push to: give a destination`);
  const full = normalize(dest.replace(/^docker:\/\//, ''));
  const conf = loadRegistriesConf();
  const reg = findRegistry(conf, full);
  if (reg?.blocked) throw new HuskError('REGISTRY', `registry ${parseNormalized(full).domain} is blocked in registries.conf`);
  const registry = parseNormalized(full).domain!;
  checkSigning(o);
  const digest = await pushImage(e.images, img.id, full, {
    insecure: o.tlsVerify === false || (o.tlsVerify === undefined && !!reg?.insecure), certDir: o.certDir,
    credentials: credentials(registry, o), compressionFormat: o.compressionFormat, manifestFormat: o.manifestFormat, forceCompression: o.forceCompression,
    mountFrom: img.names.filter((n) => parseNormalized(n).domain === registry).map((n) => parseNormalized(n).path),
    onProgress: o.onProgress, byDigest: o.byDigest, onManifest: o.onManifest,
  });
  e.events.write({ ID: img.id, Name: full, Status: 'push', Type: 'image' });
  if (o.signBy) (await import('./sign.ts')).signPushed(full, digest, { signBy: o.signBy, passphrase: o.signPassphrase, rootless: !!e.config.rootless });
  return digest;
}

/**
 * `pull`: one image, or with allTags one per tag of the repository, each
 * followed by Podman's "Writing manifest to image destination" line.
 */
export async function pullImages(e: EngineContext, name: string, o: EnginePullOptions & { allTags?: boolean } = {}): Promise<ImageRecord[]> {
  const ref = name.replace(/^docker:\/\//, '');
  const refs = o.allTags ? (await remoteTags(ref, o)).map((t) => `${ref}:${t}`) : [ref];
  const out: ImageRecord[] = [];
  for (const r of refs) {
    out.push(await pull(e, r, o));
    o.onMessage?.('Writing manifest to image destination');
  }
  return out;
}

/** The tags of a fully qualified repository (for pull --all-tags). */
export async function remoteTags(name: string, o: RemoteFlags = {}): Promise<string[]> {
  if (isShortName(name)) throw new HuskError('INVALID_ARGUMENT', `--all-tags needs a fully qualified repository, got "${name}"`);
  const ref = parseNormalized(name);
  if (ref.tag || ref.digest) throw new HuskError('INVALID_ARGUMENT', `tag or digest can't be used with --all-tags`);
  const reg = findRegistry(loadRegistriesConf(), `${ref.domain}/${ref.path}`);
  const { RegistryClient } = await import('../../image/registry/client.ts');
  const client = new RegistryClient({
    registry: ref.domain!, insecure: o.tlsVerify === false || (o.tlsVerify === undefined && !!reg?.insecure),
    certDir: o.certDir, credentials: credentials(ref.domain!, o),
  });
  try {
    return await client.tags(ref.path);
  } finally {
    client.close();
  }
}
