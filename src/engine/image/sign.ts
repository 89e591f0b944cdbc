// `image sign`: GPG "simple signing" signatures of images in a registry, as
// Podman's ImageEngine.Sign writes them. The manifest is read from the
// registry (its digest is what is signed), the payload is containers'
// atomic container signature JSON, signed by `gpg --sign` with the caller's
// keyring (GNUPGHOME), and stored in a lookaside directory as
// DIR/REPO@sha256=HEX/signature-N (N: the first free number). The directory
// is --directory, else the registries.d sigstore-staging/sigstore (or
// lookaside) entry for the repository, which must be a file:// URL.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HuskError, invalidArgument } from '../../common/errors.ts';
import { formatRef, parseNormalized } from '../../image/reference.ts';
import { findRegistry, loadRegistriesConf } from '../../image/registries.ts';
import { credentialsFor } from '../../image/registry/auth.ts';
import { MEDIA } from '../../image/types.ts';
import type { ItemReport } from '../api.ts';
import { toReportError } from '../reports.ts';
import type { SignOptions } from './api.ts';
import { signatureStaging } from './trust.ts';

const ACCEPT = [MEDIA.ociManifest, MEDIA.dockerManifest, MEDIA.ociIndex, MEDIA.dockerList];

/** The atomic container signature payload (containers-signature(5)). */
function payload(dockerReference: string, digest: string): Buffer {
  return Buffer.from(JSON.stringify({
    critical: { identity: { 'docker-reference': dockerReference }, image: { 'docker-manifest-digest': digest }, type: 'atomic container signature' },
    optional: { creator: 'husk', timestamp: Math.floor(Date.now() / 1000) },
  }));
}

function gpgSign(data: Buffer, signBy: string, passphrase?: string): Buffer {
  // With a passphrase, gpg reads it from stdin (loopback pinentry) and the payload from a private file.
  let dir: string | undefined;
  const args = ['--batch', '--no-tty', '--local-user', signBy, '--sign', '--output', '-'];
  if (passphrase !== undefined) {
    dir = mkdtempSync(join(tmpdir(), 'husk-sign-'));
    writeFileSync(join(dir, 'payload'), data, { mode: 0o600 });
    args.splice(2, 0, '--pinentry-mode', 'loopback', '--passphrase-fd', '0');
    args.push(join(dir, 'payload'));
  }
  let r;
  try {
    r = spawnSync('gpg', args, { input: passphrase !== undefined ? `${passphrase}\n` : data, maxBuffer: 16 << 20 });
  } finally {
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
  if (r.error) throw new HuskError('ENGINE', `signing: running gpg: ${r.error.message}`);
  if (r.status !== 0) throw new HuskError('ENGINE', `signing: gpg: ${r.stderr.toString().trim().split('\n').at(-1) ?? `exit ${r.status}`}`);
  return r.stdout;
}

function writeSignature(base: string, digest: string, sig: Buffer): string {
  const [algo, hex] = digest.split(':');
  const dir = `${base}@${algo}=${hex}`;
  mkdirSync(dir, { recursive: true, mode: 0o751 });
  let n = 1;
  while (existsSync(join(dir, `signature-${n}`))) n++;
  writeFileSync(join(dir, `signature-${n}`), sig, { mode: 0o644 });
  return join(dir, `signature-${n}`);
}

async function signOne(input: string, o: SignOptions): Promise<string> {
  const colon = input.indexOf(':');
  if (colon < 0) throw invalidArgument(`invalid image name "${input}", expected colon-separated transport:reference`);
  if (!input.startsWith('docker://')) throw invalidArgument(`reference "${input}" must be a docker reference`);
  const ref = parseNormalized(input.slice('docker://'.length));
  const repo = ref.path;
  if (posix.normalize(repo) !== repo) throw invalidArgument(`unexpected path elements in Docker reference ${formatRef(ref)} for signature storage`);
  const named = formatRef({ ...ref, tag: ref.digest ? ref.tag : ref.tag ?? 'latest' });
  let base = o.directory;
  if (!base) {
    const uri = signatureStaging(`${ref.domain}/${repo}`, o.registriesDir);
    if (!uri) throw invalidArgument('no signature storage configuration found');
    if (!uri.startsWith('file://')) throw invalidArgument(`writing to ${uri} is not supported. Use a supported scheme`);
    base = fileURLToPath(uri);
  }
  base = join(base, repo);
  const reg = findRegistry(loadRegistriesConf(), named);
  const { RegistryClient } = await import('../../image/registry/client.ts');
  const client = new RegistryClient({
    registry: ref.domain!, insecure: o.tlsVerify === false || (o.tlsVerify === undefined && !!reg?.insecure),
    certDir: o.certDir, credentials: credentialsFor(ref.domain!, o.authfile),
  });
  const m = await client.getManifest(repo, ref.digest ?? ref.tag ?? 'latest', ACCEPT);
  writeSignature(base, m.digest, gpgSign(payload(named, m.digest), o.signBy));
  // --all: each instance of a list is signed too (under the same identity, as Podman does).
  if (o.all && (m.mediaType === MEDIA.ociIndex || m.mediaType === MEDIA.dockerList)) {
    const entries = (JSON.parse(m.bytes.toString('utf8')) as { manifests?: { digest: string }[] }).manifests ?? [];
    for (const d of entries) writeSignature(base, d.digest, gpgSign(payload(named, d.digest), o.signBy));
  }
  return m.digest;
}

/**
 * push --sign-by: signs the manifest digest just pushed to `full` (a
 * normalized reference) and stores the signature where registries.d says
 * for the repository, else in containers/image's built-in lookaside
 * (/var/lib/containers/sigstore; ~/.local/share/containers/sigstore
 * rootless), as Podman's push does. Returns the signature's path.
 */
export function signPushed(full: string, digest: string, o: { signBy: string; passphrase?: string; rootless?: boolean }): string {
  const ref = parseNormalized(full);
  const uri = signatureStaging(`${ref.domain}/${ref.path}`)
    ?? `file://${o.rootless ? join(homedir(), '.local/share/containers/sigstore') : '/var/lib/containers/sigstore'}`;
  if (!uri.startsWith('file://')) throw invalidArgument(`writing to ${uri} is not supported. Use a supported scheme`);
  const named = formatRef({ ...ref, tag: ref.digest ? ref.tag : ref.tag ?? 'latest' });
  let sig: Buffer;
  try {
    sig = gpgSign(payload(named, digest), o.signBy, o.passphrase);
  } catch (err) {
    throw new HuskError('ENGINE', `creating signature: ${(err as Error).message}`);
  }
  return writeSignature(join(fileURLToPath(uri), ref.path), digest, sig);
}

export async function signImages(refs: string[], o: SignOptions): Promise<ItemReport[]> {
  if (!o.signBy) throw invalidArgument('no identity provided');
  const out: ItemReport[] = [];
  for (const r of refs) {
    try {
      out.push({ id: await signOne(r, o), rawInput: r });
    } catch (err) {
      out.push({ id: r, rawInput: r, error: toReportError(err) });
    }
  }
  return out;
}
