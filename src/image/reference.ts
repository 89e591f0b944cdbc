// Image names: the subset of the Docker reference grammar husk needs for a
// local store (domain/path:tag@digest), with Podman's normalisation of names
// created locally (`foo` → `localhost/foo:latest`).
import { invalidArgument } from '../common/errors.ts';

export interface Reference {
  domain: string | undefined;
  path: string;
  tag: string | undefined;
  digest: string | undefined;
}

const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[0-9a-fA-F]{32,}$/;

export function parseReference(s: string): Reference {
  let rest = s;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) throw invalidArgument(`invalid reference format: "${s}": bad digest`);
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) throw invalidArgument(`invalid reference format: "${s}": bad tag`);
  }
  const parts = rest.split('/');
  let domain: string | undefined;
  if (parts.length > 1 && (parts[0].includes('.') || parts[0].includes(':') || parts[0] === 'localhost')) {
    domain = parts.shift();
  }
  if (!parts.length || !parts.every((p) => PATH_COMPONENT.test(p))) {
    throw invalidArgument(`invalid reference format: "${s}": repository name must be lowercase`);
  }
  return { domain, path: parts.join('/'), tag, digest };
}

/** Name given to an image created on this host (import, tag, build). */
export function localName(s: string): string {
  const r = parseReference(s);
  if (r.digest) throw invalidArgument(`invalid image name "${s}": a digest cannot be used to name an image`);
  return `${r.domain ?? 'localhost'}/${r.path}:${r.tag ?? 'latest'}`;
}

/** Splits a stored full name into repository and tag. */
export function splitName(name: string): { repository: string; tag: string } {
  const colon = name.lastIndexOf(':');
  if (colon > name.lastIndexOf('/')) return { repository: name.slice(0, colon), tag: name.slice(colon + 1) };
  return { repository: name, tag: 'latest' };
}

/** Whether a stored full name matches a (possibly short) user reference. */
export function nameMatches(stored: string, ref: Reference): boolean {
  const { repository, tag } = splitName(stored);
  if ((ref.tag ?? 'latest') !== tag) return false;
  if (ref.domain) return repository === `${ref.domain}/${ref.path}`;
  // Short name: match the repository path after its domain, also through
  // Docker Hub's implicit "library/" namespace.
  const slash = repository.indexOf('/');
  const path = slash >= 0 ? repository.slice(slash + 1) : repository;
  return path === ref.path || path === `library/${ref.path}`;
}
