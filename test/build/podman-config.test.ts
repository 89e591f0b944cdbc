// The same Containerfile built by husk and by Podman (Buildah) gives the same
// image config: Env, Cmd, Entrypoint, WorkingDir, User, ExposedPorts,
// Labels, Volumes, StopSignal (in the default OCI format neither keeps Shell,
// Healthcheck or OnBuild: format.test.ts). Podman is not part of the set-up (only the
// benches install it), so this test is skipped where it is missing.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FIXTURES, Store } from '../helpers.ts';

const podmanBin = spawnSync('sh', ['-c', 'command -v podman'], { encoding: 'utf8' }).stdout.trim();
const store = new Store('husk-build-podman-');
// Podman writes its blob-info cache here whatever --root says; removed after unless it was there before.
const PCACHE = '/var/lib/containers/cache';
const hadCache = existsSync(PCACHE);
after(() => store.destroyWhenIdle());

test('husk and Podman build the same config from the same Containerfile', { skip: podmanBin ? false : 'podman is not installed' }, () => {
  const pdir = join(store.dir, 'podman');
  mkdirSync(pdir);
  // Podman 4.3 needs these on these hosts (see bench/run.sh).
  writeFileSync(join(pdir, 'containers.conf'), '[containers]\ndefault_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]\n[engine]\nruntime = "runc"\n');
  const podman = (args: string[]) => {
    const r = spawnSync(podmanBin, ['--root', join(pdir, 'root'), '--runroot', join(pdir, 'run'), '--tmpdir', join(pdir, 'tmp'), '--storage-driver', 'overlay', ...args], {
      encoding: 'utf8', env: { ...process.env, CONTAINERS_CONF: join(pdir, 'containers.conf') }, timeout: 240_000,
    });
    assert.equal(r.status, 0, r.stderr);
    return r.stdout.trim();
  };
  try {
    store.ok(['import', join(FIXTURES, 'busybox-rootfs.tar'), 'busybox']);
    podman(['import', join(FIXTURES, 'busybox-rootfs.tar'), 'busybox']);
    const dir = mkdtempSync(join(store.dir, 'ctx-'));
    writeFileSync(join(dir, 'f.txt'), 'hi\n');
    writeFileSync(join(dir, 'Containerfile'), [
      'FROM localhost/busybox',
      'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
      'ARG VERSION=1.2',
      'ENV APP_VERSION=$VERSION MODE="a b"',
      'RUN mkdir -p /app && echo built > /app/out',
      'COPY f.txt /app/',
      'LABEL org.example.a=1 "b c"=d',
      'EXPOSE 8080 53/udp',
      'WORKDIR /app',
      'WORKDIR sub',
      'USER 1000:1000',
      'VOLUME /data',
      'STOPSIGNAL SIGUSR1',
      'SHELL ["/bin/sh", "-ec"]',
      'HEALTHCHECK --interval=5s --timeout=2s --retries=2 CMD true',
      'ONBUILD RUN echo child',
      'ENTRYPOINT ["/bin/sh", "-c"]',
      'CMD ["echo hello"]',
    ].join('\n'));
    store.ok(['build', '-t', 'cmp', dir]);
    podman(['build', '-t', 'cmp', dir]);
    const h = JSON.parse(store.ok(['inspect', '--format', '{{json .Config}}', 'cmp']));
    const p = JSON.parse(podman(['inspect', '--format', '{{json .Config}}', 'cmp']));
    // Both carry io.buildah.version: husk writes Podman 4.3.1's Buildah version (--identity-label).
    for (const k of ['Env', 'Cmd', 'Entrypoint', 'WorkingDir', 'User', 'ExposedPorts', 'Labels', 'Volumes', 'StopSignal']) {
      assert.deepEqual(h[k], p[k], `${k}: husk ${JSON.stringify(h[k])}, podman ${JSON.stringify(p[k])}`);
    }
    assert.equal(store.ok(['run', '--rm', '--user', '0', 'cmp', 'cat /app/out /app/f.txt']), 'built\nhi');
    // --env / --unsetenv / --identity-label=false / --omit-history: the same config and history on both sides.
    const flags = ['--no-cache', '--env', 'FLAG_ENV=from-flag', '--env', 'APP_VERSION=flag', '--unsetenv', 'MODE', '--identity-label=false', '--omit-history', '-t', 'cmp2', dir];
    store.ok(['build', ...flags]);
    podman(['build', ...flags]);
    const h2 = JSON.parse(store.ok(['inspect', '--format', '{{json .Config}}', 'cmp2']));
    const p2 = JSON.parse(podman(['inspect', '--format', '{{json .Config}}', 'cmp2']));
    for (const k of ['Env', 'Labels']) assert.deepEqual(h2[k], p2[k], `${k}: husk ${JSON.stringify(h2[k])}, podman ${JSON.stringify(p2[k])}`);
    const hist = (out: string) => (JSON.parse(out) ?? []).length;
    assert.equal(hist(store.ok(['inspect', '--format', '{{json .History}}', 'cmp2'])), hist(podman(['inspect', '--format', '{{json .History}}', 'cmp2'])));
  } finally {
    spawnSync('sh', ['-c', `grep -o ' ${pdir}[^ ]*' /proc/mounts | sort -r | xargs -r umount -l`]);
    if (!hadCache) rmSync(PCACHE, { recursive: true, force: true });
  }
});
