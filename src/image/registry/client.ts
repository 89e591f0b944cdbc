// A client for one registry speaking the distribution v2 API (the OCI
// distribution spec): ping and scheme choice, auth, manifests by tag or
// digest, blobs (streamed and verified), uploads, mounts and listings.
//
// Scheme: https first. With `insecure` (tls-verify=false) the certificate
// is not verified and, if https fails altogether, plain http is tried, as
// Podman does. localhost is not implicitly insecure: the caller decides
// (registries.conf, --tls-verify).
//
// Auth: the first request learns the registry's challenge from GET /v2/;
// each request then carries Basic credentials or a Bearer token for its
// scope. A 401 gets one re-authentication and one retry (only for bodies
// that can be replayed); a second 401 is UNAUTHORIZED.
import { HuskError, invalidArgument } from '../../common/errors.ts';
import type { Credentials } from './auth.ts';
import { checkRepoBlobArgs, streamBlob, uploadBlob, type BlobStreamOptions, type UploadOptions } from './blobs.ts';
import { defaultCertDir, loadCertDir } from './certs.ts';
import { parseChallenges, RegistryAuth, repoScope } from './challenge.ts';
import { httpError } from './errors.ts';
import { checkReference, checkRepo, digestOf, isDigest, parseDigest } from './names.ts';
import { drain, readLimited, Transport, TransportError, type Body, type Response } from './transport.ts';

export interface RegistryClientOptions {
  /** "host[:port]" as written in image names; "docker.io" is served by registry-1.docker.io. */
  registry: string;
  /** tls-verify=false: skip certificate checks and allow falling back to plain http. */
  insecure?: boolean;
  /** A certs.d directory (ca *.crt, client *.cert/*.key); default: Podman's per-host dirs. */
  certDir?: string;
  credentials?: Credentials;
  /** Default 30 s. */
  connectTimeoutMs?: number;
  /** Longest silence on a connection before giving up; default 60 s. */
  idleTimeoutMs?: number;
}

export interface ManifestResult {
  bytes: Buffer;
  mediaType: string;
  /** The manifest's digest (sha256 unless it was fetched by another algorithm's digest). */
  digest: string;
}

export interface SendInit {
  method: string;
  headers?: Record<string, string>;
  body?: Body;
  scopes: string[];
  /** Podman-style description of the operation, prefixed to error messages. */
  context: string;
  followRedirects?: boolean;
}

/** Manifests and indexes beyond this size are refused (containers/image uses the same cap). */
export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;
const MAX_LISTING_BYTES = 16 * 1024 * 1024;
const MAX_PAGES = 10_000;

export class RegistryClient {
  readonly registry: string;
  /** The host actually contacted. */
  readonly host: string;
  readonly insecure: boolean;
  private readonly transport: Transport;
  private readonly auth: RegistryAuth;
  private origin: Promise<URL> | undefined;

  constructor(opts: RegistryClientOptions) {
    if (!/^[A-Za-z0-9.-]+(:\d+)?$|^\[[0-9A-Fa-f:.]+\](:\d+)?$/.test(opts.registry)) throw invalidArgument(`invalid registry "${opts.registry}"`);
    this.registry = opts.registry;
    this.host = opts.registry === 'docker.io' ? 'registry-1.docker.io' : opts.registry;
    this.insecure = !!opts.insecure;
    const certDir = opts.certDir ?? defaultCertDir(opts.registry);
    this.transport = new Transport(
      { ...(certDir ? loadCertDir(certDir) : {}), verify: !this.insecure },
      { connectMs: opts.connectTimeoutMs ?? 30_000, idleMs: opts.idleTimeoutMs ?? 60_000 },
    );
    this.auth = new RegistryAuth(opts.registry, opts.credentials, async (url, headers) => {
      const context = `requesting bearer token from ${url.origin}`;
      let res: Response;
      try {
        res = await this.transport.request(url, { method: 'GET', headers, followRedirects: true });
        return { status: res.status, body: await readLimited(res, 1024 * 1024, context) };
      } catch (e) {
        throw this.fail(e, context);
      }
    });
  }

  /** Closes kept-alive connections. */
  close(): void {
    this.transport.close();
  }

  /** Wraps a network failure (or an oversized body) as a REGISTRY error naming the operation. */
  fail(e: unknown, context: string): HuskError {
    if (e instanceof HuskError) return e;
    const msg = e instanceof TransportError || e instanceof RangeError ? e.message : `${(e as Error)?.message ?? e}`;
    return new HuskError('REGISTRY', `${context}: ${msg}`, { cause: e });
  }

  /** Decides the scheme once (https, or http when insecure and https fails) and records the challenge. */
  private base(): Promise<URL> {
    this.origin ??= this.probe().catch((e) => {
      this.origin = undefined; // let a later call retry
      throw e;
    });
    return this.origin;
  }

  private async probe(): Promise<URL> {
    const context = `pinging container registry ${this.registry}`;
    const attempt = async (scheme: 'https' | 'http') => {
      const url = new URL(`${scheme}://${this.host}/v2/`);
      const res = await this.transport.request(url, { method: 'GET' });
      const body = await drain(res);
      if (res.status === 401) this.auth.setChallenges(parseChallenges(res.headerValues('www-authenticate')));
      else if (res.status !== 200) throw httpError(res.status, body, `GET "${url}"`);
      return new URL(`${scheme}://${this.host}`);
    };
    try {
      return await attempt('https');
    } catch (e) {
      if (!this.insecure) throw this.fail(e, context);
      try {
        return await attempt('http');
      } catch (e2) {
        const first = this.fail(e, context);
        throw new HuskError(first.code, `${first.message}; over plain http: ${(e2 as Error).message}`, { cause: e });
      }
    }
  }

  /** The origin in use ("https://host" or, insecure only, "http://host"), probing on first use. */
  async endpoint(): Promise<string> {
    return (await this.base()).origin;
  }

  /**
   * Checks the registry answers and, when it wants auth, that the
   * credentials are accepted (what `login` needs): UNAUTHORIZED otherwise.
   */
  async ping(): Promise<void> {
    const context = `pinging container registry ${this.registry}`;
    const res = await this.send('/v2/', { method: 'GET', scopes: [], context });
    const body = await drain(res);
    if (res.status !== 200) throw httpError(res.status, body, context);
  }

  /**
   * One request with auth: at most one re-authentication after a 401.
   * Authorization goes only to the registry's own origin. Returns any other
   * status for the caller to judge; network failures become REGISTRY errors.
   */
  async send(target: string | URL, init: SendInit): Promise<Response> {
    const base = await this.base();
    const url = typeof target === 'string' ? new URL(target, base) : target;
    const replayable = !init.body || Buffer.isBuffer(init.body);
    for (let attempt = 0; ; attempt++) {
      const headers = { ...init.headers };
      const sentScheme = this.auth.scheme;
      const authorization = url.origin === base.origin ? await this.auth.authorization(init.scopes) : undefined;
      if (authorization) headers.Authorization = authorization;
      let res: Response;
      try {
        res = await this.transport.request(url, { method: init.method, headers, body: init.body, followRedirects: init.followRedirects });
      } catch (e) {
        throw this.fail(e, init.context);
      }
      if (res.status !== 401) return res;
      const body = await drain(res);
      const challenges = parseChallenges(res.headerValues('www-authenticate'));
      if (attempt > 0 || !replayable || !challenges.length) throw httpError(401, body, init.context);
      this.auth.setChallenges(challenges);
      this.auth.invalidate(init.scopes);
      // Retrying only helps with a token to fetch, or Basic credentials not yet sent.
      const scheme = this.auth.scheme;
      const basicUseless = scheme === 'basic' && (!this.auth.hasCredentials || (sentScheme === 'basic' && !!authorization));
      if ((scheme !== 'bearer' && scheme !== 'basic') || basicUseless) throw httpError(401, body, init.context);
    }
  }

  /**
   * Fetches a manifest (or index) by tag or digest, offering the `accept`
   * media types. The bytes are verified: by digest they must hash to it; by
   * tag a Docker-Content-Digest header must match them.
   */
  async getManifest(repo: string, ref: string, accept: string[]): Promise<ManifestResult> {
    checkRepo(repo);
    checkReference(ref);
    const context = `reading manifest ${ref} in ${this.registry}/${repo}`;
    const res = await this.send(`/v2/${repo}/manifests/${ref}`, {
      method: 'GET', headers: { Accept: accept.join(', ') }, scopes: [repoScope(repo, 'pull')], context, followRedirects: true,
    });
    if (res.status !== 200) throw httpError(res.status, await drain(res), context, 'manifest');
    let bytes: Buffer;
    try {
      bytes = await readLimited(res, MAX_MANIFEST_BYTES, 'manifest');
    } catch (e) {
      if (e instanceof RangeError) throw new HuskError('REGISTRY', `${context}: manifest is larger than the ${MAX_MANIFEST_BYTES / 1024 / 1024} MiB limit`);
      throw this.fail(e, context);
    }
    let digest: string;
    if (isDigest(ref)) {
      digest = digestOf(bytes, parseDigest(ref).algorithm);
      if (digest !== ref) throw new HuskError('DIGEST_MISMATCH', `${context}: manifest digest mismatch: content hashes to ${digest}`);
    } else {
      digest = digestOf(bytes);
      const claimed = res.header('docker-content-digest');
      if (claimed && claimed !== digestOf(bytes, algorithmOf(claimed, context))) {
        throw new HuskError('DIGEST_MISMATCH', `${context}: manifest does not match its Docker-Content-Digest ${claimed}`);
      }
    }
    return { bytes, mediaType: manifestMediaType(res.header('content-type'), bytes), digest };
  }

  /** Uploads a manifest under a tag or its digest; returns its digest. */
  async putManifest(repo: string, ref: string, bytes: Buffer, mediaType: string): Promise<string> {
    checkRepo(repo);
    checkReference(ref);
    const digest = digestOf(bytes, isDigest(ref) ? parseDigest(ref).algorithm : 'sha256');
    const context = `uploading manifest ${ref} to ${this.registry}/${repo}`;
    if (isDigest(ref) && digest !== ref) throw new HuskError('DIGEST_MISMATCH', `${context}: the manifest hashes to ${digest}`);
    const res = await this.send(`/v2/${repo}/manifests/${ref}`, {
      method: 'PUT', headers: { 'Content-Type': mediaType }, body: bytes, scopes: [repoScope(repo, 'pull,push')], context,
    });
    const body = await drain(res);
    if (res.status !== 201 && res.status !== 200 && res.status !== 202) throw httpError(res.status, body, context, 'manifest');
    const claimed = res.header('docker-content-digest');
    if (claimed && claimed !== digestOf(bytes, algorithmOf(claimed, context))) {
      throw new HuskError('DIGEST_MISMATCH', `${context}: the registry reports digest ${claimed}, expected ${digest}`);
    }
    return digest;
  }

  /**
   * Streams a blob, following redirects to storage. The digest (and
   * `opts.size`) are checked at the end: a mismatch throws DIGEST_MISMATCH
   * from the iterator instead of completing, so consumers discard what they
   * wrote. Breaking out of the loop early closes the connection.
   */
  blobStream(repo: string, digest: string, opts: BlobStreamOptions = {}): AsyncGenerator<Buffer> {
    checkRepoBlobArgs(repo, digest, opts);
    return streamBlob(this, repo, digest, opts);
  }

  /** Whether the repository has the blob (HEAD). */
  async hasBlob(repo: string, digest: string): Promise<boolean> {
    checkRepo(repo);
    parseDigest(digest);
    const context = `checking whether blob ${digest} exists in ${this.registry}/${repo}`;
    const res = await this.send(`/v2/${repo}/blobs/${digest}`, { method: 'HEAD', scopes: [repoScope(repo, 'pull')], context, followRedirects: true });
    const body = await drain(res);
    if (res.status === 200) return true;
    if (res.status === 404) return false;
    throw httpError(res.status, body, context, 'blob');
  }

  /**
   * Cross-repository mount. true: the blob is now in `repo`. false: the
   * registry would not mount it (it started an upload instead, which is
   * cancelled); upload the blob.
   */
  async mountBlob(repo: string, digest: string, fromRepo: string): Promise<boolean> {
    checkRepo(repo);
    checkRepo(fromRepo);
    parseDigest(digest);
    const context = `mounting blob ${digest} from ${fromRepo} to ${this.registry}/${repo}`;
    const scopes = [repoScope(repo, 'pull,push'), repoScope(fromRepo, 'pull')];
    const query = `mount=${encodeURIComponent(digest)}&from=${encodeURIComponent(fromRepo)}`;
    const res = await this.send(`/v2/${repo}/blobs/uploads/?${query}`, { method: 'POST', scopes, context });
    const body = await drain(res);
    if (res.status === 201) return true;
    if (res.status !== 202) throw httpError(res.status, body, context, 'blob');
    await this.cancelUpload(res, scopes, context);
    return false;
  }

  /** Best-effort DELETE of an upload session named by a response's Location. */
  async cancelUpload(res: Response | URL, scopes: string[], context: string): Promise<void> {
    const location = res instanceof URL ? res.toString() : res.header('location');
    if (!location) return;
    try {
      const url = new URL(location, res instanceof URL ? res : res.url);
      await drain(await this.send(url, { method: 'DELETE', scopes, context: `${context}: cancelling upload` }));
    } catch {
      // The registry expires abandoned uploads on its own.
    }
  }

  /**
   * Uploads a blob: monolithic (POST, then PUT ?digest= with the body) or
   * chunked (PATCH with Content-Range per chunk, then PUT). The content is
   * hashed on the way; `size` is enforced when given. Returns the digest.
   */
  uploadBlob(repo: string, digest: string, source: AsyncIterable<Buffer> | Buffer, size?: number, opts: UploadOptions = {}): Promise<string> {
    return uploadBlob(this, repo, digest, source, size, opts);
  }

  /** Every repository name (GET /v2/_catalog, following Link pagination). */
  catalog(): Promise<string[]> {
    return this.list('/v2/_catalog', ['registry:catalog:*'], `listing repositories in ${this.registry}`, 'repositories', 'other');
  }

  /** Every tag of a repository (GET /v2/<repo>/tags/list). */
  tags(repo: string): Promise<string[]> {
    checkRepo(repo);
    return this.list(`/v2/${repo}/tags/list`, [repoScope(repo, 'pull')], `listing tags of ${this.registry}/${repo}`, 'tags', 'repository');
  }

  private async list(path: string, scopes: string[], context: string, field: string, subject: 'other' | 'repository'): Promise<string[]> {
    const out: string[] = [];
    let next: URL | undefined = new URL(path, await this.base());
    const seen = new Set<string>();
    for (let page = 0; next && page < MAX_PAGES && !seen.has(next.href); page++) {
      seen.add(next.href);
      const res = await this.send(next, { method: 'GET', scopes, context, followRedirects: true });
      if (res.status !== 200) throw httpError(res.status, await drain(res), context, subject);
      let parsed: Record<string, unknown>;
      try {
        parsed = JSON.parse((await readLimited(res, MAX_LISTING_BYTES, 'listing')).toString('utf8'));
      } catch (e) {
        throw e instanceof SyntaxError ? new HuskError('REGISTRY', `${context}: invalid JSON in the response`) : this.fail(e, context);
      }
      const items = parsed?.[field];
      if (Array.isArray(items)) out.push(...items.filter((x): x is string => typeof x === 'string'));
      next = nextLink(res.header('link'), res.url);
    }
    return out;
  }
}

/** The target of a `Link: <url>; rel="next"` header. */
function nextLink(link: string | undefined, base: URL): URL | undefined {
  const m = link && /<([^>]*)>\s*;\s*rel="?next"?/.exec(link);
  return m ? new URL(m[1], base) : undefined;
}

function algorithmOf(claimed: string, context: string): string {
  try {
    return parseDigest(claimed).algorithm;
  } catch {
    throw new HuskError('REGISTRY', `${context}: invalid Docker-Content-Digest "${claimed}"`);
  }
}

/** Content-Type without parameters, or the manifest's own mediaType when the server sent a generic type. */
function manifestMediaType(contentType: string | undefined, bytes: Buffer): string {
  const ct = contentType?.split(';')[0].trim().toLowerCase();
  if (ct && ct !== 'application/json' && ct !== 'text/plain' && ct !== 'application/octet-stream') return ct;
  try {
    const m = JSON.parse(bytes.toString('utf8')) as { mediaType?: unknown; schemaVersion?: unknown };
    if (typeof m.mediaType === 'string') return m.mediaType;
    if (m.schemaVersion === 1) return 'application/vnd.docker.distribution.manifest.v1+json';
  } catch {
    // not JSON: report what the server said
  }
  return ct ?? 'application/octet-stream';
}
