// Interop: an image built by husk (RUN, COPY, config instructions) is pushed
// to a real registry, read by skopeo (config fields, a verified copy), and
// pulled back into a clean store, where it runs. Built layers keep their
// archive, so push and save work on them.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Store } from '../helpers.ts';
import { startRegistry, type RunningRegistry } from '../registry-server.ts';

const store = new Store('husk-build-interop-');
const clean = new Store('husk-build-interop-pull-');
let reg: RunningRegistry;

before(async () => {
  store.busybox();
  reg = await startRegistry();
});
after(async () => {
  await reg?.stop();
  await store.destroyWhenIdle();
  await clean.destroyWhenIdle();
});

const skopeo = (args: string[]) => {
  const r = spawnSync('skopeo', args, { encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
};

test('built image: pushed, inspected and copied by skopeo, pulled into a clean store and run', () => {
  const dir = mkdtempSync(join(store.dir, 'ctx-'));
  writeFileSync(join(dir, 'msg.txt'), 'copied file\n');
  writeFileSync(join(dir, 'Containerfile'), [
    'FROM busybox',
    'RUN mkdir -p /srv && echo from-run > /srv/run.txt && echo app:x:1234:1234::/srv:/bin/sh >> /etc/passwd',
    'COPY msg.txt /srv/',
    'ENV MODE=prod PATH=/usr/local/bin:/usr/bin:/bin',
    'LABEL org.opencontainers.image.title=interop tier=web',
    'EXPOSE 8080/tcp 53/udp',
    'WORKDIR /srv',
    'USER app',
    'ENTRYPOINT ["/bin/sh", "-c"]',
    'CMD ["cat run.txt msg.txt; id -u; pwd; echo $MODE"]',
  ].join('\n'));
  store.ok(['build', '-t', 'interop', dir]);
  const dest = `${reg.host}/build/interop:1`;
  store.ok(['push', '--tls-verify=false', 'interop', dest]);

  const cfg = JSON.parse(skopeo(['inspect', '--tls-verify=false', '--config', `docker://${dest}`])).config;
  assert.deepEqual(cfg.Entrypoint, ['/bin/sh', '-c']);
  assert.deepEqual(cfg.Cmd, ['cat run.txt msg.txt; id -u; pwd; echo $MODE']);
  assert.equal(cfg.WorkingDir, '/srv');
  assert.equal(cfg.User, 'app');
  assert.deepEqual(Object.keys(cfg.ExposedPorts).sort(), ['53/udp', '8080/tcp']);
  assert.deepEqual(cfg.Labels, { 'io.buildah.version': '1.28.2', 'org.opencontainers.image.title': 'interop', tier: 'web' });
  assert.ok(cfg.Env.includes('MODE=prod'));
  const info = JSON.parse(skopeo(['inspect', '--tls-verify=false', `docker://${dest}`]));
  assert.equal(info.Layers.length, 3);
  assert.equal(info.Labels.tier, 'web');
  // skopeo verifies every blob it copies against its digest.
  const out = mkdtempSync(join(store.dir, 'skopeo-'));
  skopeo(['copy', '--src-tls-verify=false', `docker://${dest}`, `dir:${out}`]);
  assert.ok(readdirSync(out).includes('manifest.json'));

  clean.ok(['pull', '--tls-verify=false', dest]);
  assert.equal(clean.ok(['run', '--rm', dest]), 'from-run\ncopied file\n1234\n/srv\nprod');
  // The same config on both sides: husk's inspect of the pulled image.
  const pulled = JSON.parse(clean.ok(['inspect', dest]))[0].Config;
  assert.equal(pulled.User, 'app');
  assert.deepEqual(pulled.Labels, cfg.Labels);

  // save works on built images too (their layers keep an archive).
  store.ok(['save', '-o', join(store.dir, 'interop.tar'), 'interop']);
  clean.ok(['load', '-i', join(store.dir, 'interop.tar')]);
  assert.equal(clean.ok(['run', '--rm', 'localhost/interop']), 'from-run\ncopied file\n1234\n/srv\nprod');
});
