// Validation of the names that end up in registry URL paths (a repository
// must not smuggle "../" or "?" into a request) and digest helpers.
import { createHash, type Hash } from 'node:crypto';
import { invalidArgument } from '../../common/errors.ts';

const COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const REPO = new RegExp(`^${COMPONENT}(?:/${COMPONENT})*$`);
const TAG = /^\w[\w.-]{0,127}$/;
const DIGESTS: Record<string, RegExp> = { sha256: /^[a-f0-9]{64}$/, sha512: /^[a-f0-9]{128}$/ };

export function checkRepo(repo: string): string {
  if (!REPO.test(repo) || repo.length > 255) throw invalidArgument(`invalid repository name "${repo}"`);
  return repo;
}

export function isDigest(ref: string): boolean {
  return ref.includes(':');
}

/** Splits "algo:hex", accepting only algorithms husk can verify. */
export function parseDigest(digest: string): { algorithm: string; hex: string } {
  const colon = digest.indexOf(':');
  const algorithm = digest.slice(0, colon);
  const hex = digest.slice(colon + 1);
  if (colon < 0 || !DIGESTS[algorithm]?.test(hex)) throw invalidArgument(`invalid or unsupported digest "${digest}"`);
  return { algorithm, hex };
}

/** A tag or a digest, as used in /manifests/<reference>. */
export function checkReference(ref: string): string {
  if (isDigest(ref)) parseDigest(ref);
  else if (!TAG.test(ref)) throw invalidArgument(`invalid tag "${ref}"`);
  return ref;
}

export function hasherFor(digest: string): Hash {
  return createHash(parseDigest(digest).algorithm);
}

export function digestOf(bytes: Buffer, algorithm = 'sha256'): string {
  return `${algorithm}:${createHash(algorithm).update(bytes).digest('hex')}`;
}
