// Validation of the names that end up in registry URL paths (a repository
// must not smuggle "../" or "?" into a request), checked with the one
// reference grammar (../reference.ts), and digest helpers.
import { createHash, type Hash } from 'node:crypto';
import { invalidArgument } from '../../common/errors.ts';
import { isValidPath, isValidTag } from '../reference.ts';

const DIGESTS: Record<string, RegExp> = { sha256: /^[a-f0-9]{64}$/, sha512: /^[a-f0-9]{128}$/ };

export function checkRepo(repo: string): string {
  if (!isValidPath(repo)) throw invalidArgument(`invalid repository name "${repo}"`);
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
  else if (!isValidTag(ref)) throw invalidArgument(`invalid tag "${ref}"`);
  return ref;
}

export function hasherFor(digest: string): Hash {
  return createHash(parseDigest(digest).algorithm);
}

export function digestOf(bytes: Buffer, algorithm = 'sha256'): string {
  return `${algorithm}:${createHash(algorithm).update(bytes).digest('hex')}`;
}
