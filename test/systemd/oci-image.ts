// A small OCI image layout for registry tests: the busybox fixture as the
// base layer plus one layer of files, with an optional entrypoint; pushed
// with skopeo (a real registry client).
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { FIXTURES } from '../helpers.ts';

const sha256 = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

export function writeOciImage(layout: string, files: Record<string, string>, entrypoint?: string[]): void {
  const blobs = join(layout, 'blobs', 'sha256');
  mkdirSync(blobs, { recursive: true });
  const put = (mediaType: string, data: Buffer) => {
    writeFileSync(join(blobs, sha256(data)), data);
    return { mediaType, digest: `sha256:${sha256(data)}`, size: data.length };
  };
  const tree = mkdtempSync(join(layout, 'tree-'));
  for (const [p, text] of Object.entries(files)) {
    mkdirSync(dirname(join(tree, p)), { recursive: true });
    writeFileSync(join(tree, p), text);
  }
  const tar = join(layout, 'files.tar');
  const r = spawnSync('tar', ['-cf', tar, '-C', tree, '--owner=0', '--group=0', ...Object.keys(files)], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`tar: ${r.stderr}`);
  rmSync(tree, { recursive: true });
  const layers = [readFileSync(join(FIXTURES, 'busybox-rootfs.tar')), readFileSync(tar)];
  rmSync(tar);
  const config = {
    architecture: process.arch === 'arm64' ? 'arm64' : 'amd64', os: 'linux',
    config: { Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'], Cmd: ['sh'], ...(entrypoint ? { Entrypoint: entrypoint } : {}) },
    rootfs: { type: 'layers', diff_ids: layers.map((l) => `sha256:${sha256(l)}`) },
  };
  const manifest = {
    schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: put('application/vnd.oci.image.config.v1+json', Buffer.from(JSON.stringify(config))),
    layers: layers.map((l) => put('application/vnd.oci.image.layer.v1.tar', l)),
  };
  const m = put('application/vnd.oci.image.manifest.v1+json', Buffer.from(JSON.stringify(manifest)));
  writeFileSync(join(layout, 'index.json'), JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: [{ ...m, annotations: { 'org.opencontainers.image.ref.name': 'latest' } }] }));
  writeFileSync(join(layout, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
}

/** Writes the image and copies it to docker://dest (plain http); returns the image ID (its config digest). */
export function pushOciImage(workdir: string, dest: string, files: Record<string, string>, entrypoint?: string[]): string {
  const layout = mkdtempSync(join(workdir, 'oci-'));
  try {
    writeOciImage(layout, files, entrypoint);
    const r = spawnSync('skopeo', ['copy', '--quiet', '--dest-tls-verify=false', `oci:${layout}:latest`, `docker://${dest}`], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`skopeo copy: ${r.stderr}`);
    const index = JSON.parse(readFileSync(join(layout, 'index.json'), 'utf8'));
    const m = JSON.parse(readFileSync(join(layout, 'blobs', 'sha256', index.manifests[0].digest.slice(7)), 'utf8'));
    return m.config.digest.slice(7);
  } finally {
    rmSync(layout, { recursive: true, force: true });
  }
}
