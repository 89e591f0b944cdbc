// Shared material for the registry tests: a tiny real image (a layer made
// by tar), an OCI layout of it for skopeo, openssl-made certificates, and a
// token server for docker-registry's Bearer auth (it signs RS256 JWTs the
// registry verifies against our certificate: a real token flow end to end).
import { execFileSync } from 'node:child_process';
import { createHash, createSign, randomBytes, X509Certificate } from 'node:crypto';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { MEDIA } from '../../../src/image/types.ts';

export const sha256 = (b: Buffer | string) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

export async function* chunks(buf: Buffer, size = 1000): AsyncGenerator<Buffer> {
  for (let i = 0; i < buf.length; i += size) yield buf.subarray(i, i + size);
}

export async function collect(it: AsyncIterable<Buffer>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of it) parts.push(c);
  return Buffer.concat(parts);
}

export interface Blob { digest: string; bytes: Buffer; mediaType: string }
export interface TinyImage { config: Blob; layer: Blob; manifest: Buffer; manifestDigest: string }

/** A one-layer OCI image: a gzip of a `tar` of a temp dir, its config, its manifest. */
export function tinyImage(tag = 'x'): TinyImage {
  const dir = mkdtempSync(join(tmpdir(), 'husk-tiny-'));
  mkdirSync(join(dir, 'etc'));
  writeFileSync(join(dir, 'etc/hello'), `hello from ${tag}\n`);
  writeFileSync(join(dir, 'random'), randomBytes(200_000)); // incompressible: the layer spans several chunks
  const tar = execFileSync('tar', ['-C', dir, '--sort=name', '--mtime=@0', '--owner=0', '--group=0', '-cf', '-', '.'], { maxBuffer: 64 << 20 });
  execFileSync('rm', ['-rf', dir]);
  const gz = gzipSync(tar);
  const config = Buffer.from(JSON.stringify({
    created: '2024-01-01T00:00:00Z', architecture: 'amd64', os: 'linux',
    config: { Cmd: ['/bin/sh'], Labels: { tag } },
    rootfs: { type: 'layers', diff_ids: [sha256(tar)] },
    history: [{ created: '2024-01-01T00:00:00Z', created_by: 'tar' }],
  }));
  const layer = { digest: sha256(gz), bytes: gz, mediaType: MEDIA.ociLayerGzip };
  const cfg = { digest: sha256(config), bytes: config, mediaType: MEDIA.ociConfig };
  const manifest = Buffer.from(JSON.stringify({
    schemaVersion: 2, mediaType: MEDIA.ociManifest,
    config: { mediaType: cfg.mediaType, digest: cfg.digest, size: config.length },
    layers: [{ mediaType: layer.mediaType, digest: layer.digest, size: gz.length }],
  }));
  return { config: cfg, layer, manifest, manifestDigest: sha256(manifest) };
}

/** Writes the image as an OCI image layout (what `skopeo copy oci:DIR:TAG` reads). */
export function writeOciLayout(dir: string, img: TinyImage, tag: string): void {
  mkdirSync(join(dir, 'blobs/sha256'), { recursive: true });
  for (const b of [img.config.bytes, img.layer.bytes, img.manifest]) writeFileSync(join(dir, 'blobs/sha256', sha256(b).slice(7)), b);
  writeFileSync(join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  writeFileSync(join(dir, 'index.json'), JSON.stringify({
    schemaVersion: 2, mediaType: MEDIA.ociIndex,
    manifests: [{ mediaType: MEDIA.ociManifest, digest: img.manifestDigest, size: img.manifest.length, annotations: { 'org.opencontainers.image.ref.name': tag } }],
  }));
}

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

export interface TestPki { dir: string; ca: string; serverCert: string; serverKey: string; clientCert: string; clientKey: string }

/** A CA, a server certificate for 127.0.0.1 and a client certificate, all made by openssl. */
export function makePki(): TestPki {
  const dir = mkdtempSync(join(tmpdir(), 'husk-pki-'));
  openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=husk test CA'], dir);
  for (const [name, ext] of [['server', 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n'], ['client', 'extendedKeyUsage=clientAuth\n']]) {
    writeFileSync(join(dir, `${name}.ext`), ext);
    openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=husk test ${name}`], dir);
    openssl(['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '2', '-out', `${name}.crt`, '-extfile', `${name}.ext`], dir);
  }
  return {
    dir, ca: join(dir, 'ca.crt'), serverCert: join(dir, 'server.crt'), serverKey: join(dir, 'server.key'),
    clientCert: join(dir, 'client.crt'), clientKey: join(dir, 'client.key'),
  };
}

export interface TokenServer {
  realm: string;
  service: string;
  issuer: string;
  rootCertBundle: string;
  /** Every token request: its Basic user (or undefined) and requested scopes. */
  requests: { user: string | undefined; scopes: string[] }[];
  close(): Promise<void>;
}

const b64url = (b: Buffer | string) => Buffer.from(b).toString('base64url');

/**
 * A token server per the Docker token spec: Basic-authenticated users get
 * every action they ask for, anonymous callers get "pull" only, a wrong
 * password gets 401.
 */
export async function startTokenServer(user: string, pass: string): Promise<TokenServer> {
  const dir = mkdtempSync(join(tmpdir(), 'husk-token-'));
  openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'token.key', '-out', 'token.crt', '-days', '2', '-subj', '/CN=husk token issuer'], dir);
  const key = readFileSync(join(dir, 'token.key'));
  const certDer = new X509Certificate(readFileSync(join(dir, 'token.crt'))).raw;
  const service = 'husk-test-registry';
  const issuer = 'husk-test-issuer';
  const requests: TokenServer['requests'] = [];
  const server: Server = createServer((req: IncomingMessage, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const scopes = url.searchParams.getAll('scope');
    const m = /^Basic (.+)$/.exec(req.headers.authorization ?? '');
    const [u, p] = m ? Buffer.from(m[1], 'base64').toString().split(/:(.*)/s) : [undefined, undefined];
    requests.push({ user: u, scopes });
    if (m && (u !== user || p !== pass)) {
      res.writeHead(401, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'invalid credentials' }] }));
      return;
    }
    const access = scopes.map((s) => {
      const [type, name, actions] = [s.slice(0, s.indexOf(':')), s.slice(s.indexOf(':') + 1, s.lastIndexOf(':')), s.slice(s.lastIndexOf(':') + 1)];
      return { type, name, actions: actions.split(',').filter((a) => m || a === 'pull') };
    });
    const now = Math.floor(Date.now() / 1000);
    const header = b64url(JSON.stringify({ typ: 'JWT', alg: 'RS256', x5c: [certDer.toString('base64')] }));
    const claims = b64url(JSON.stringify({ iss: issuer, sub: u ?? '', aud: service, exp: now + 300, nbf: now - 10, iat: now, jti: String(Math.random()), access }));
    const sig = createSign('RSA-SHA256').update(`${header}.${claims}`).sign(key);
    res.writeHead(200, { 'Content-Type': 'application/json' });
    // access_token (OAuth2 name) on purpose: the client must accept either.
    res.end(JSON.stringify({ access_token: `${header}.${claims}.${b64url(sig)}`, expires_in: 300 }));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as { port: number }).port;
  return {
    realm: `http://127.0.0.1:${port}/token`, service, issuer, rootCertBundle: join(dir, 'token.crt'), requests,
    close: async () => {
      server.closeAllConnections();
      server.close();
      execFileSync('rm', ['-rf', dir]);
    },
  };
}
