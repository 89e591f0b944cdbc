// build --format docker|oci (and BUILDAH_FORMAT): docker stores and pushes a
// Docker v2 schema 2 manifest and config that keep HEALTHCHECK, SHELL and
// ONBUILD; oci (Podman's default) drops them with Buildah's warnings. skopeo
// reads what the loopback registry got.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Store } from '../helpers.ts';
import { startRegistry, type RunningRegistry } from '../registry-server.ts';

const store = new Store('husk-build-format-');
let reg: RunningRegistry;
let ctx: string;

before(async () => {
  store.busybox();
  reg = await startRegistry();
  ctx = mkdtempSync(join(store.dir, 'ctx-'));
  writeFileSync(join(ctx, 'Containerfile'), [
    'FROM busybox',
    'SHELL ["/bin/sh", "-ec"]',
    'RUN echo built > /built',
    'HEALTHCHECK --interval=5s --retries=2 CMD true',
    'ONBUILD RUN echo child',
    'CMD ["cat", "/built"]',
  ].join('\n'));
});
after(async () => {
  await reg?.stop();
  await store.destroyWhenIdle();
});

const skopeo = (args: string[]) => {
  const r = spawnSync('skopeo', args, { encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
};

const pushed = (name: string) => {
  const dest = `${reg.host}/fmt/${name}:1`;
  store.ok(['push', '--tls-verify=false', name, dest]);
  const raw = JSON.parse(skopeo(['inspect', '--tls-verify=false', '--raw', `docker://${dest}`]));
  const config = JSON.parse(skopeo(['inspect', '--tls-verify=false', '--raw', '--config', `docker://${dest}`]));
  return { raw, config, dest };
};

test('--format docker: a Docker v2 schema 2 image that keeps HEALTHCHECK, SHELL and ONBUILD, locally and in the registry', () => {
  const r = store.husk(['build', '--format', 'docker', '-t', 'fmt-docker', ctx]);
  assert.equal(r.code, 0, r.stderr);
  assert.doesNotMatch(r.stderr, /not supported for OCI/);
  assert.equal(store.ok(['image', 'inspect', '--format', '{{.ManifestType}}', 'fmt-docker']), 'application/vnd.docker.distribution.manifest.v2+json');
  const { raw, config, dest } = pushed('fmt-docker');
  assert.equal(raw.mediaType, 'application/vnd.docker.distribution.manifest.v2+json');
  assert.equal(raw.config.mediaType, 'application/vnd.docker.container.image.v1+json');
  assert.ok(raw.layers.length >= 2 && raw.layers.every((l: { mediaType: string }) => l.mediaType === 'application/vnd.docker.image.rootfs.diff.tar.gzip'));
  assert.deepEqual(config.config.Healthcheck, { Test: ['CMD-SHELL', 'true'], Interval: 5e9, Retries: 2 });
  assert.deepEqual(config.config.Shell, ['/bin/sh', '-ec']);
  assert.deepEqual(config.config.OnBuild, ['RUN echo child']);
  // skopeo copies it to an OCI layout intact (digests verified), and it runs after a pull into a clean store.
  skopeo(['copy', '--src-tls-verify=false', `docker://${dest}`, `oci:${join(store.dir, 'layout')}:x`]);
  const clean = new Store('husk-build-format-pull-');
  try {
    clean.ok(['pull', '--tls-verify=false', dest]);
    assert.equal(clean.ok(['run', '--rm', dest]), 'built');
    assert.equal(clean.ok(['image', 'inspect', '--format', '{{.ManifestType}}', dest]), 'application/vnd.docker.distribution.manifest.v2+json');
  } finally {
    clean.destroy();
  }
});

test('--format oci (the default): OCI manifest, HEALTHCHECK/SHELL/ONBUILD dropped with Buildah\'s warnings', () => {
  const r = store.husk(['build', '-t', 'fmt-oci', ctx]);
  assert.equal(r.code, 0, r.stderr);
  const warnings = r.stderr.split('\n').filter((l) => l.startsWith('WARN['));
  assert.deepEqual(warnings.map((l) => l.replace(/^WARN\[\d+\] /, '')), [
    'SHELL is not supported for OCI image format, [/bin/sh -ec] will be ignored. Must use `docker` format',
    'HEALTHCHECK is not supported for OCI image format and will be ignored. Must use `docker` format',
    'ONBUILD is not supported for OCI image format, RUN echo child will be ignored. Must use `docker` format',
  ]);
  const { raw, config } = pushed('fmt-oci');
  assert.equal(raw.mediaType, 'application/vnd.oci.image.manifest.v1+json');
  assert.equal(raw.config.mediaType, 'application/vnd.oci.image.config.v1+json');
  assert.equal(config.config.Healthcheck, undefined);
  assert.equal(config.config.Shell, undefined);
  assert.equal(config.config.OnBuild, undefined);
  // SHELL still applied to the build's own RUN steps; the image runs the same.
  assert.equal(store.ok(['run', '--rm', 'fmt-oci']), 'built');
  assert.notEqual(store.ok(['image', 'inspect', '--format', '{{.Id}}', 'fmt-oci']), store.ok(['image', 'inspect', '--format', '{{.Id}}', 'fmt-docker']));
});

test('push --format v2s2|oci converts the manifest type on the way out', () => {
  const dest = `${reg.host}/fmt/converted`;
  store.ok(['push', '--tls-verify=false', '--format', 'v2s2', 'fmt-oci', `${dest}:v2s2`]);
  const v2 = JSON.parse(skopeo(['inspect', '--tls-verify=false', '--raw', `docker://${dest}:v2s2`]));
  assert.equal(v2.mediaType, 'application/vnd.docker.distribution.manifest.v2+json');
  assert.ok(v2.layers.every((l: { mediaType: string }) => l.mediaType === 'application/vnd.docker.image.rootfs.diff.tar.gzip'));
  store.ok(['push', '--tls-verify=false', '-f', 'oci', 'fmt-docker', `${dest}:oci`]);
  const oci = JSON.parse(skopeo(['inspect', '--tls-verify=false', '--raw', `docker://${dest}:oci`]));
  assert.equal(oci.mediaType, 'application/vnd.oci.image.manifest.v1+json');
  assert.equal(oci.config.mediaType, 'application/vnd.oci.image.config.v1+json');
  assert.ok(oci.layers.every((l: { mediaType: string }) => l.mediaType === 'application/vnd.oci.image.layer.v1.tar+gzip'));
  // skopeo verifies every blob of both.
  skopeo(['copy', '--src-tls-verify=false', `docker://${dest}:v2s2`, `oci:${join(store.dir, 'layout2')}:a`]);
  skopeo(['copy', '--src-tls-verify=false', `docker://${dest}:oci`, `oci:${join(store.dir, 'layout2')}:b`]);
  const bad = store.husk(['push', '--tls-verify=false', '--format', 'v2s1', 'fmt-oci', `${dest}:x`]);
  assert.deepEqual([bad.code, bad.stderr.trim()], [125, 'Error: unsupported manifest type "v2s1": use oci or v2s2']);
  const zstd = store.husk(['push', '--tls-verify=false', '--format', 'v2s2', '--compression-format', 'zstd', 'fmt-oci', `${dest}:z`]);
  assert.equal(zstd.code, 125);
});

test('BUILDAH_FORMAT=docker is the default --format; a bad format is refused', () => {
  const r = store.husk(['build', '-q', '-t', 'fmt-env', ctx], { env: { BUILDAH_FORMAT: 'docker' } });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(store.ok(['image', 'inspect', '--format', '{{.ManifestType}}', 'fmt-env']), 'application/vnd.docker.distribution.manifest.v2+json');
  const o = store.husk(['build', '-q', '--format', 'oci', '-t', 'fmt-env-oci', ctx], { env: { BUILDAH_FORMAT: 'docker' } });
  assert.equal(o.code, 0, o.stderr);
  assert.equal(store.ok(['image', 'inspect', '--format', '{{.ManifestType}}', 'fmt-env-oci']), 'application/vnd.oci.image.manifest.v1+json');
  const bad = store.husk(['build', '--format', 'v2s1', ctx]);
  assert.deepEqual([bad.code, bad.stderr.trim()], [125, 'Error: unrecognized image type "v2s1"']);
});
